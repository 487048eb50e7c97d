#include "base/issue.hpp"

#include <stdexcept>

namespace cleanheat {

const std::vector<IssueCode>& issue_codes() {
    static const std::vector<IssueCode> codes = {
        // rows not loaded
        {"E_CODE_UNKNOWN", Severity::error, "村代码在村庄底图中不存在，且按乡镇和村名也未找到对应村庄"},
        {"E_VILLAGE_NOT_FOUND", Severity::error, "未填村代码，按县、乡镇和村名未找到对应村庄"},
        {"E_NAME_AMBIGUOUS", Severity::error, "未填有效村代码，按村名匹配到多个村庄，无法确定"},
        {"E_COUNT_UNREADABLE", Severity::error, "户数不是可识别的整数，整行未导入"},
        {"E_COUNT_NEGATIVE", Severity::error, "户数为负数，整行未导入"},
        {"E_COUNT_IMPLAUSIBLE", Severity::error, "户数大得不可能（超过一个村的户数上限），整行未导入"},
        {"E_COUNT_MISSING", Severity::error, "该行没有改造户数，未导入"},
        {"E_DUPLICATE", Severity::error, "同一村庄同一技术路线重复填报，只计一次，本行未重复计入"},
        {"E_AREA_UNREADABLE", Severity::error, "供热面积不是可识别的数值，整行未导入"},
        {"E_AREA_NEGATIVE", Severity::error, "供热面积为负数，整行未导入"},
        {"E_NO_HEADER", Severity::error, "未识别到表头（村代码、村名、户数等列），该工作表未导入"},
        {"E_TABLE_EMPTY", Severity::error, "文件是空的（没有任何有内容的单元格），没有可导入的数据"},
        {"E_HEADER_UNMAPPED", Severity::error,
         "表头无法识别：户数栏目下或填有数值的列含义不明，为免户数错计，整个文件未导入（可用 cleanheat inspect 生成列映射文件，补全后以 --mapping 重新合并）"},
        {"E_TOTALS_DISAGREE", Severity::error, "多行合计户数与各技术路线户数不符，疑为表头识别有误，整个文件未导入"},
        {"E_ROUTE_NOT_CLEAN", Severity::error, "改造方式为燃煤（洁净型煤、型煤、兰炭、散煤等），不属于清洁取暖，整行未计入"},
        {"E_ROUTE_MISSING", Severity::error, "该行有户数但未写明技术路线，整行未导入（户数只按表中写明的技术路线计入）"},
        {"E_ROUTE_UNKNOWN", Severity::error, "改造方式无法识别为任何技术路线，整行未导入"},
        {"E_ROUTE_AMBIGUOUS", Severity::error, "改造方式同时写明两种技术路线，户数无法分开，整行未导入"},
        {"E_HEADER_CHANGED", Severity::error, "工作表中出现列顺序不同的另一个表头，为免错列，整个文件未导入"},
        {"E_PROGRESS_BACKWARDS", Severity::error, "进度户数比此前的报告少（进度倒退），本行未采用，请核实"},
        {"E_PROGRESS_EXCEEDS_PLAN", Severity::error, "进度户数超过计划改造户数，本行未采用，请核实"},
        {"E_PROGRESS_ORDER", Severity::error, "已完工户数多于已开工户数，或已验收户数多于已完工户数，本行未采用"},
        {"E_PROGRESS_DUPLICATE", Severity::error, "同一报告中同一村庄重复填报，只采用第一行"},
        {"E_PROGRESS_UNPLANNED", Severity::error, "该村不在改造计划中，进度未采用"},
        {"E_REPORT_DATE_MISSING", Severity::error,
         "无法确定报告日期（标题中没有“截至……”日期，文件名中没有yyyymmdd日期），该文件未导入"},
        // household lists (到户清单): rows not loaded, or households that cannot be paid until corrected
        {"E_HOUSEHOLD_COLUMN_UNKNOWN", Severity::error,
         "到户清单中有含义不明的列（或用量列单位不明），为免错读，整个文件未导入"},
        {"E_LIST_YEAR_UNKNOWN", Severity::error, "往年改造清单无法确定改造年度（无改造年度列，标题和文件名中也没有年份），未导入"},
        {"E_ID_INVALID", Severity::error, "身份证号码无效（位数、出生日期或校验码不对），该户补贴暂缓，待更正"},
        {"E_ID_MISSING", Severity::error, "未填身份证号码，该户补贴暂缓，待补填"},
        {"E_HOLDER_MISSING", Severity::error, "未填户主姓名，该户补贴暂缓，待补填"},
        {"E_HOUSEHOLD_TWICE", Severity::error, "同一户（身份证号码相同）在同一年度清单中重复出现，只计第一次，本行不计入"},
        {"E_HOUSEHOLD_REPEAT", Severity::error, "该户以前年度已改造（见往年清单或以前年度改造年份），不得重复享受建设补贴"},
        {"E_HOUSEHOLD_DECLINED_BEFORE", Severity::error, "该户以前年度放弃改造，按规定不再列入补贴范围"},
        {"E_ACCEPT_BEFORE_COMPLETE", Severity::error, "验收日期早于完工日期，该户补贴暂缓，请核实"},
        {"E_ROUTE_NOT_PLANNED", Severity::error, "该户的技术路线不在本村改造计划中，该户补贴暂缓，请核实"},
        {"E_DATE_INVALID", Severity::error, "日期无法识别或不是真实的日期，该日期未导入，该户补贴暂缓，待更正"},
        {"E_ACCEPT_RESULT_UNKNOWN", Severity::error, "验收结果无法识别（应为合格、不合格或整改后合格），按未验收处理"},
        {"E_VALUE_UNREADABLE", Severity::error, "单元格内容无法识别，该项未导入，该户补贴暂缓，待更正"},
        // loaded, needs a look
        {"W_MATCHED_BY_NAME", Severity::warning, "村代码缺失或无效，已按县、乡镇和村名匹配"},
        {"W_NAME_MISMATCH", Severity::warning, "村代码对应的村名与表中村名不一致，已按代码导入"},
        {"W_COUNTY_MISMATCH", Severity::warning, "村代码所属县（市、区）与表中填写不一致，已按代码导入"},
        {"W_TOTAL_MISMATCH", Severity::warning, "本行合计户数与各技术路线户数之和不一致，已按各路线户数导入"},
        {"W_ROUTE_OTHER", Severity::warning, "四类技术路线以外的清洁取暖方式（地热、太阳能等），已按“其他”导入"},
        {"W_VILLAGE_PART", Severity::warning, "村名带分部后缀（如“（一）”），按所属村庄导入，同一村庄各部分户数相加"},
        {"W_VILLAGE_IN_TWO_FILES", Severity::warning, "同一村庄在另一文件中也有填报（技术路线不同），两处均已导入，请核实"},
        // retired, never emitted again (kept so that older datasets still read): a count is no longer
        // loaded as 其他 when the table does not name its route
        {"W_ROUTE_UNKNOWN", Severity::warning, "（已停用）改造方式无法归入四类技术路线，已按“其他”导入"},
        {"W_ROUTE_MISSING", Severity::warning, "（已停用）未填写改造方式，户数已按“其他”导入"},
        {"W_CODE_REFORMATTED", Severity::warning, "村代码含全角字符、空格或其他多余字符，已规范化后使用"},
        {"W_COUNT_REFORMATTED", Severity::warning, "户数写法不规范（含空格、单位“户”或全角数字），已按所示户数读取"},
        {"W_PERSONAL_DATA_MASKED", Severity::warning,
         "表中有身份证号码或电话号码，已遮盖中间各位后使用（不存储、不输出完整号码）"},
        {"W_DATE_INVALID", Severity::warning, "日期不是真实的日期（如2022-02-30、99999999），该日期未导入，其余照常导入"},
        {"W_SUBTOTAL_MISMATCH", Severity::warning, "小计/合计行与所汇总各行之和不一致（小计行不作为数据导入）"},
        {"W_UNIT_UNKNOWN", Severity::warning, "填报单位不是已配置的县（市、区）或开发区，已保留但无单位代码"},
        {"W_GEOMETRY_INVALID", Severity::warning, "村庄图形无效，已修复后使用"},
        {"W_GEOMETRY_MISSING", Severity::warning, "村庄没有图形"},
        {"W_POLYGON_OVERLAP", Severity::warning, "村庄图形与相邻村庄重叠，按相邻处理，请核实边界"},
        {"W_GAP_BRIDGED", Severity::warning, "村庄图形与相邻村庄之间有缝隙，在容差范围内按相邻处理"},
        {"W_RULE_HEATING_COVERAGE", Severity::warning,
         "规划村庄位于集中供热覆盖范围内，但未规划集中供热（覆盖范围内应优先集中供热）"},
        {"W_RULE_GAS_DISTANCE", Severity::warning, "煤改气村庄距燃气管网超过规定距离"},
        {"W_RULE_GRID_ZONE", Severity::warning, "煤改电村庄不在电网容量满足区域内"},
        {"W_VILLAGE_CODE_DUPLICATE", Severity::warning, "村庄底图中村代码重复，仅使用第一条"},
        {"W_VILLAGE_NAMES_LOST", Severity::warning, "村庄底图的名称字段已损坏（汉字变成“?”，多为导出时编码不支持中文），该字段未使用，无法按名称匹配"},
        {"W_CRS_ASSUMED", Severity::warning, "村庄底图坐标系缺失或与坐标数值不符，已按坐标数值推定"},
        {"W_SHEET_EMPTY", Severity::warning, "工作表没有数据行"},
        {"W_REPORT_NOT_TABLE", Severity::warning, "不是表格文件（xlsx、xls、ods、csv），已跳过"},
        {"W_REPORT_DUPLICATE", Severity::warning, "该文件此前已导入（内容完全相同），本次未重复导入，台账未变"},
        {"W_REPORT_REVISED", Severity::warning, "同一县（市、区）同一日期的报告此前已导入且内容不同，按本次导入的为准"},
        {"W_REPORT_DATE_CONFLICT", Severity::warning, "标题中的截至日期与文件名中的日期不一致，已按标题日期导入"},
        {"W_PROGRESS_PLAN_DIFFERS", Severity::warning, "报告中的计划户数与改造计划不一致，已按改造计划核算"},
        {"W_SPOTCHECK_FEW", Severity::warning, "可抽查的村庄少于每县最低抽查数，已全部抽取"},
        {"W_GCJ02_SUSPECTED", Severity::warning,
         "村庄点位疑似为GCJ-02（火星坐标），与参考边界相比偏移数百米；如确为网络地图采集，请加 --villages-crs gcj02"},
        // after-care service stations (cleanheat stations)
        {"E_STATION_NAME_MISSING", Severity::error, "未填写服务站名称，该行未导入"},
        {"E_STATION_NO_LOCATION", Severity::error, "服务站无点位（无几何，或经纬度无法读取），该行未导入"},
        {"E_STATION_NOT_POINT", Severity::error, "服务站的几何不是点，该行未导入"},
        {"E_STATION_OUTSIDE_AREA", Severity::error, "服务站点位不在本市村庄范围内，该行未导入"},
        {"E_STATION_TOWNSHIP_UNKNOWN", Severity::error, "服务站所填乡镇（街道）不是数据集中的乡镇（街道），该行未导入"},
        {"E_STATION_TOWNSHIP_AMBIGUOUS", Severity::error, "服务站所填乡镇（街道）在多个县（市、区）中同名，无法确定，该行未导入"},
        {"E_STATION_DUPLICATE", Severity::error, "同一乡镇（街道）的同一服务站重复登记，只计第一次，本行未导入"},
        {"E_TOWNSHIP_NO_STATION", Severity::error, "该乡镇（街道）有规划改造村，但没有运维服务站"},
        {"W_STATION_PHONE_MISSING", Severity::warning, "服务站未填写服务电话"},
        {"W_STATION_OUTSIDE_TOWNSHIP", Severity::warning, "服务站点位不在所登记服务的乡镇（街道）内，请核实点位或所属乡镇"},
        {"W_ID_SUSPECT", Severity::warning,
         "身份证号码末三位为000，疑似以数值格式录入、末位已丢失，请与身份证核对"},
        {"W_HOUSEHOLD_DECLINED", Severity::warning, "该户放弃改造：本年度不予补贴，以后年度也不再列入补贴范围"},
        {"W_ACCEPT_FAILED", Severity::warning, "验收不合格，待整改后复验，补贴暂缓（列入整改清单）"},
        {"W_RECTIFY_DATE_MISSING", Severity::warning, "验收结果为整改后合格，但未填整改日期"},
        {"W_PLEDGE_MISSING", Severity::warning, "已验收但未签订不再燃用散煤承诺书，补贴暂缓，签订后拨付"},
        {"W_VILLAGE_MORE_HOUSEHOLDS", Severity::warning, "本村该技术路线清单户数多于改造计划户数"},
        {"W_VILLAGE_FEWER_HOUSEHOLDS", Severity::warning, "本村该技术路线清单户数少于改造计划户数"},
        {"W_LIST_REVISED", Severity::warning, "同一年度此前已导入过这些村的清单，按本次导入的为准（前次清单中这些村的户不再计入）"},
        {"W_LIST_DUPLICATE", Severity::warning, "该清单此前已导入（内容完全相同），本次未重复导入"},
        {"W_GCJ02_DOUBTFUL", Severity::warning, "村庄点位按GCJ-02纠偏后与参考边界吻合反而变差，请核实坐标来源"},
    };
    return codes;
}

const IssueCode& issue_code(const std::string& code) {
    for (const auto& c : issue_codes())
        if (code == c.code) return c;
    throw std::logic_error("unregistered issue code " + code);
}

Issue make_issue(const std::string& code, std::string file, std::string sheet, int row, std::string column,
                 std::string value, const std::string& detail) {
    const auto& c = issue_code(code);
    Issue issue;
    issue.file = std::move(file);
    issue.sheet = std::move(sheet);
    issue.row = row;
    issue.column = std::move(column);
    issue.value = std::move(value);
    issue.code = c.code;
    issue.severity = c.severity;
    issue.message = c.message;
    if (!detail.empty()) issue.message += "：" + detail;
    return issue;
}

const char* severity_name(Severity severity) {
    return severity == Severity::error ? "error" : "warning";
}

std::string column_letter(int index) {
    std::string s;
    for (int i = index + 1; i > 0; i = (i - 1) / 26) s.insert(s.begin(), char('A' + (i - 1) % 26));
    return s;
}

}  // namespace cleanheat

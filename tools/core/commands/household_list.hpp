// The household lists (到户清单) that counties keep: one row per household with its village, head
// of household, ID number, phone, route, dates of construction and acceptance, acceptance result,
// pledge, hardship category, earlier retrofit, refusal and (2017-2019 users) the season's use.
// The header is found by content as in the plan tables; every row is parsed or reported with
// file, sheet, row and column. Village matching and the checks against the plan come later
// (commands/households.cpp).
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/issue.hpp"
#include "base/personal.hpp"
#include "base/routes.hpp"
#include "commands/plan_reader.hpp"
#include "io/table_reader.hpp"

namespace cleanheat {

enum class HouseholdColumn {
    none,
    seq,
    county,
    county_code,
    township,
    township_code,
    village_name,
    village_code,
    holder,          // 户主姓名
    id_number,       // 身份证号
    phone,           // 联系电话
    address,         // 门牌号, 家庭住址
    route,           // 改造方式
    device,          // 设备类型
    contractor,      // 施工单位
    start_date,      // 开工日期
    complete_date,   // 完工日期
    accept_date,     // 验收日期
    accept_result,   // 验收结果
    rectify_date,    // 整改日期
    pledge,          // 承诺书签订日期 (or 是/否)
    hardship,        // 困难类别: 低保, 特困 ...
    earlier_year,    // 以前年度改造年份
    declined,        // 是否放弃改造
    decline_reason,  // 放弃原因
    retrofit_year,   // 改造年度 (earlier years' lists)
    use_gas,         // 用气量（立方米）
    use_electricity, // 用电量（千瓦时）
    use_biomass,     // 生物质用量（吨）
    remark,          // 备注
    info,            // known, not loaded (人口, 面积 ...)
};
const char* household_column_name(HouseholdColumn column);

struct HouseholdColumnSpec {
    int index = 0;
    HouseholdColumn role = HouseholdColumn::none;
    std::string label;      // as written (group/label)
    double factor = 1.0;    // use columns: the unit of the column in the stored unit (公斤 -> 0.001 t)
    std::string doubt;      // why a column is not understood (a use figure without its unit ...)
};

struct HouseholdLayout {
    int header_first = 0, header_last = 0;  // indices into Sheet::rows
    std::vector<HouseholdColumnSpec> columns;
    std::vector<HouseholdColumnSpec> unknown;  // headed columns of no known meaning
    const HouseholdColumnSpec* find(HouseholdColumn role) const;
};

// The role of a header cell (`group`: the merged cell above it in a two-level header).
HouseholdColumnSpec classify_household_header(const std::string& label, const std::string& group);
// The header among the first rows: a village (name or code) and a household (name or ID number)
// column at least; nullopt when none.
std::optional<HouseholdLayout> detect_household_layout(const Sheet& sheet);

enum class AcceptResult { none, passed, failed, rectified };
const char* accept_result_name(AcceptResult result);  // "", 合格, 不合格, 整改后合格

// One household row as written and parsed (dates ISO or empty; a cell not understood is left
// empty and reported).
struct HouseholdRecord : VillageRef {
    std::string holder, id_number, phone, address;
    IdStatus id_status = IdStatus::missing;
    Route route = Route::other;
    std::string route_text, device, contractor;
    std::string start_date, complete_date, accept_date, rectify_date, pledge_date;
    AcceptResult accept_result = AcceptResult::none;
    bool pledge_signed = false;
    std::string hardship;
    int earlier_year = 0;
    bool declined = false;
    std::string decline_reason;
    int list_year = 0;  // the year of the retrofit the list is for
    std::optional<double> use_gas, use_electricity, use_biomass;  // m3, kWh, t
    std::string remark;
    // findings that do not stop the row (dates, results, ID); the row is loaded with them
    std::vector<Issue> findings;
    bool blocked = false;  // a finding of error level: the household cannot be paid until corrected
};

struct HouseholdListRead {
    std::string file, sheets;
    std::vector<HouseholdRecord> rows;     // rows to match to villages
    std::vector<Issue> issues;             // rows rejected here and file-level findings
    int rows_read = 0;                     // data rows (blank, header, total and note rows apart)
    int rows_rejected = 0;                 // of rows_read, rejected here (route not understood ...)
    int rows_other = 0;                    // blank, repeated header, 合计/小计, notes
    bool refused = false;                  // a column not understood, no header, no year: nothing loaded
    std::vector<std::string> title_texts;  // texts above the header (the unit, the year)
};

// Parses one list of the plan year, or with `prior` of an earlier year (2013 to the year before the
// plan's), whose year comes from a 改造年度 column, else from its title (not a 填报日期 line), else
// from its file name.
HouseholdListRead read_household_list(const Table& table, int plan_year, bool prior);

}  // namespace cleanheat

// The household lists (到户清单): header roles, two-level headers, refusal of what is not
// understood, and each row parsed or reported with its row and column.
#include <gtest/gtest.h>

#include <algorithm>

#include "commands/household_list.hpp"
#include "support.hpp"

using namespace cleanheat;

namespace {

TableRow row(int number, std::vector<std::string> cells) { return {number, std::move(cells)}; }

std::string valid_id(const std::string& first17) { return cleanheat::test::resident_id(first17); }

Table one_sheet(std::vector<TableRow> rows, const std::string& file = "滨城区到户清单.xlsx") {
    Table t;
    t.file = file;
    t.sheets.push_back({"清单", std::move(rows)});
    return t;
}

const std::vector<std::string> kHeader = {"序号", "乡镇（街道）", "村（居）", "村代码", "户主姓名", "身份证号码", "联系电话",
                                          "门牌号", "改造方式", "设备类型", "施工单位", "开工日期", "完工日期", "验收日期",
                                          "验收结果", "整改日期", "承诺书签订日期", "困难类别", "以前年度改造年份",
                                          "是否放弃改造", "放弃原因", "备注"};

std::vector<std::string> household(const std::string& seq, const std::string& village, const std::string& id) {
    return {seq, "三河湖镇", village, "371602105203", "张三明", id, "13812345678", "1号", "煤改气", "燃气壁挂炉",
            "某公司", "2022-07-01", "2022/8/1", "2022年9月1日", "合格", "", "2022-06-01", "", "", "否", "", ""};
}

const Issue* find_issue(const HouseholdListRead& read, const std::string& code) {
    for (const auto& i : read.issues)
        if (i.code == code) return &i;
    for (const auto& r : read.rows)
        for (const auto& i : r.findings)
            if (i.code == code) return &i;
    return nullptr;
}

}  // namespace

TEST(HouseholdHeader, KnowsTheColumnsOfAList) {
    auto role = [](const std::string& label, const std::string& group = {}) {
        return household_column_name(classify_household_header(label, group).role);
    };
    EXPECT_STREQ(role("户主姓名"), "holder");
    EXPECT_STREQ(role("户主身份证号"), "id_number");
    EXPECT_STREQ(role("公民身份号码"), "id_number");
    EXPECT_STREQ(role("手机号"), "phone");
    EXPECT_STREQ(role("家庭住址"), "address");
    EXPECT_STREQ(role("村（居）"), "village_name");
    EXPECT_STREQ(role("统计用区划代码"), "village_code");
    EXPECT_STREQ(role("乡镇（街道）"), "township");
    EXPECT_STREQ(role("改造方式"), "route");
    EXPECT_STREQ(role("验收结果"), "accept_result");
    EXPECT_STREQ(role("验收日期"), "accept_date");
    EXPECT_STREQ(role("整改日期"), "rectify_date");
    EXPECT_STREQ(role("承诺书签订日期"), "pledge");
    EXPECT_STREQ(role("困难类别"), "hardship");
    EXPECT_STREQ(role("以前年度改造年份"), "earlier_year");
    EXPECT_STREQ(role("改造年度"), "retrofit_year");
    EXPECT_STREQ(role("是否放弃改造"), "declined");
    EXPECT_STREQ(role("放弃原因"), "decline_reason");
    EXPECT_STREQ(role("用气量（立方米）"), "use_gas");
    EXPECT_STREQ(role("用电量(kWh)"), "use_electricity");
    EXPECT_STREQ(role("生物质用量（吨）"), "use_biomass");
    // below a group: the group says what
    EXPECT_STREQ(role("日期", "验收"), "accept_date");
    EXPECT_STREQ(role("结果", "验收"), "accept_result");
    EXPECT_STREQ(role("签订日期", "承诺书"), "pledge");
    // a use figure whose unit is not known is not read
    EXPECT_STREQ(role("生物质用量"), "none");
    EXPECT_FALSE(classify_household_header("生物质用量", "").doubt.empty());
    EXPECT_STREQ(role("用气量（万立方米）"), "none");
    EXPECT_DOUBLE_EQ(classify_household_header("生物质用量（公斤）", "").factor, 0.001);
}

TEST(HouseholdList, ReadsRowsWithTheirFindingsAndSkipsTotalsAndNotes) {
    const std::string id = valid_id("37160219650101001");
    std::vector<TableRow> rows = {row(1, {"滨城区2022年农村清洁取暖改造到户清单"}), row(2, {"填报单位：滨城区清洁取暖办"}),
                                  row(3, kHeader)};
    rows.push_back(row(4, household("1", "孙家村", id)));
    auto merged_village = household("2", "", valid_id("37160219650101002"));  // village filled down
    merged_village[3] = "";
    merged_village[8] = "";  // route from the device: 燃气壁挂炉
    rows.push_back(row(5, merged_village));
    auto before = household("3", "孙家村", valid_id("37160219650101003"));
    before[13] = "2022-07-15";  // accepted before completion
    rows.push_back(row(6, before));
    auto coal = household("4", "孙家村", valid_id("37160219650101004"));
    coal[8] = "洁净型煤";
    coal[9] = "";
    rows.push_back(row(7, coal));
    auto declined = household("5", "孙家村", valid_id("37160219650101005"));
    declined[19] = "是";
    declined[20] = "外出务工";
    for (int c : {11, 12, 13, 14, 16}) declined[static_cast<std::size_t>(c)] = "";
    rows.push_back(row(8, declined));
    auto bad = household("6", "孙家村", valid_id("37160219650101006"));
    bad[5][17] = bad[5][17] == '0' ? '1' : '0';
    bad[12] = "九月";
    bad[14] = "待定";
    bad[16] = "";  // accepted? no: the result is not understood
    rows.push_back(row(9, bad));
    auto no_pledge = household("7", "孙家村", valid_id("37160219650101007"));
    no_pledge[16] = "";
    rows.push_back(row(10, no_pledge));
    auto pledge_yes = household("8", "孙家村", valid_id("37160219650101008"));
    pledge_yes[16] = "是";
    rows.push_back(row(11, pledge_yes));
    rows.push_back(row(12, {"合计", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""}));
    rows.push_back(row(13, {"说明：本表由各镇（街道）填报。"}));
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    EXPECT_FALSE(read.refused);
    EXPECT_EQ(read.rows_read, 8);
    EXPECT_EQ(read.rows_rejected, 1);
    EXPECT_EQ(read.rows_other, 2);
    ASSERT_EQ(read.rows.size(), 7u);
    EXPECT_EQ(read.rows[0].row, 4);
    EXPECT_EQ(read.rows[0].id_number, id);
    EXPECT_EQ(read.rows[0].id_status, IdStatus::ok);
    EXPECT_EQ(read.rows[0].complete_date, "2022-08-01");
    EXPECT_EQ(read.rows[0].accept_date, "2022-09-01");
    EXPECT_EQ(read.rows[0].accept_result, AcceptResult::passed);
    EXPECT_TRUE(read.rows[0].pledge_signed);
    EXPECT_EQ(read.rows[0].route, Route::gas);
    EXPECT_FALSE(read.rows[0].blocked);
    EXPECT_EQ(read.rows[1].village_name, "孙家村");
    EXPECT_EQ(read.rows[1].code_text, "371602105203");
    EXPECT_EQ(read.rows[1].route, Route::gas);
    const Issue* coal_issue = find_issue(read, "E_ROUTE_NOT_CLEAN");
    ASSERT_TRUE(coal_issue);
    EXPECT_EQ(coal_issue->row, 7);
    EXPECT_EQ(coal_issue->column, "I");
    const Issue* order = find_issue(read, "E_ACCEPT_BEFORE_COMPLETE");
    ASSERT_TRUE(order);
    EXPECT_EQ(order->row, 6);
    EXPECT_EQ(order->column, "N");
    EXPECT_TRUE(read.rows[2].blocked);
    const Issue* declined_issue = find_issue(read, "W_HOUSEHOLD_DECLINED");
    ASSERT_TRUE(declined_issue);
    EXPECT_EQ(declined_issue->row, 8);
    EXPECT_TRUE(read.rows[3].declined);
    EXPECT_EQ(read.rows[3].decline_reason, "外出务工");
    const Issue* id_issue = find_issue(read, "E_ID_INVALID");
    ASSERT_TRUE(id_issue);
    EXPECT_EQ(id_issue->row, 9);
    EXPECT_EQ(id_issue->column, "F");
    EXPECT_EQ(id_issue->value.find(bad[5].substr(6, 8)), std::string::npos) << "the ID is masked in findings";
    EXPECT_EQ(find_issue(read, "E_DATE_INVALID")->column, "M");
    EXPECT_EQ(find_issue(read, "E_ACCEPT_RESULT_UNKNOWN")->row, 9);
    EXPECT_EQ(read.rows[4].accept_result, AcceptResult::none);
    const Issue* pledge = find_issue(read, "W_PLEDGE_MISSING");
    ASSERT_TRUE(pledge);
    EXPECT_EQ(pledge->row, 10);
    EXPECT_TRUE(read.rows[6].pledge_signed);
    EXPECT_TRUE(read.rows[6].pledge_date.empty());
}

TEST(HouseholdList, ReadsATwoLevelHeader) {
    std::vector<TableRow> rows = {
        row(1, {"序号", "村名", "户主", "身份证号", "改造方式", "验收", "", "承诺书"}),
        row(2, {"", "", "", "", "", "日期", "结果", "签订日期"}),
        row(3, {"1", "孙家村", "李四", valid_id("37160219700101001"), "煤改电", "2022-09-01", "不合格", "2022-06-01"})};
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    ASSERT_FALSE(read.refused) << (read.issues.empty() ? "" : read.issues[0].code + " " + read.issues[0].value);
    ASSERT_EQ(read.rows.size(), 1u);
    EXPECT_EQ(read.rows[0].accept_date, "2022-09-01");
    EXPECT_EQ(read.rows[0].accept_result, AcceptResult::failed);
    EXPECT_EQ(read.rows[0].pledge_date, "2022-06-01");
    EXPECT_EQ(read.rows[0].route, Route::electric);
    ASSERT_TRUE(find_issue(read, "W_ACCEPT_FAILED"));
}

TEST(HouseholdList, RefusesAListWithAColumnItDoesNotUnderstand) {
    std::vector<TableRow> rows = {row(2, {"序号", "村名", "户主", "身份证号", "改造方式", "XYZ片区"}),
                                  row(3, {"1", "孙家村", "李四", valid_id("37160219700101001"), "煤改电", "甲"}),
                                  row(4, {"2", "孙家村", "王五", valid_id("37160219700101002"), "煤改电", "乙"})};
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    EXPECT_TRUE(read.refused);
    EXPECT_TRUE(read.rows.empty());
    EXPECT_EQ(read.rows_read, 2);
    EXPECT_EQ(read.rows_rejected, 2);
    const Issue* issue = find_issue(read, "E_HOUSEHOLD_COLUMN_UNKNOWN");
    ASSERT_TRUE(issue);
    EXPECT_EQ(issue->row, 2);
    EXPECT_EQ(issue->column, "F");
    EXPECT_EQ(issue->value, "XYZ片区");
    // a use column without its unit refuses too, naming why
    rows[0].cells[5] = "生物质用量";
    const HouseholdListRead unit = read_household_list(one_sheet(rows), 2022, true);
    EXPECT_TRUE(unit.refused);
    ASSERT_TRUE(find_issue(unit, "E_HOUSEHOLD_COLUMN_UNKNOWN"));
    EXPECT_NE(find_issue(unit, "E_HOUSEHOLD_COLUMN_UNKNOWN")->message.find("单位"), std::string::npos);
}

TEST(HouseholdList, FindsTheYearOfAnEarlierList) {
    const std::vector<TableRow> base = {row(2, {"序号", "村名", "户主", "身份证号", "改造方式", "用气量（立方米）"}),
                                        row(3, {"1", "孙家村", "李四", valid_id("37160219700101001"), "煤改气", "830.5"})};
    // no year anywhere: refused
    const HouseholdListRead none = read_household_list(one_sheet(base, "往年名单.xlsx"), 2022, true);
    EXPECT_TRUE(none.refused);
    ASSERT_TRUE(find_issue(none, "E_LIST_YEAR_UNKNOWN"));
    // the year in the file name
    const HouseholdListRead named = read_household_list(one_sheet(base, "2018年改造户名单.xlsx"), 2022, true);
    ASSERT_EQ(named.rows.size(), 1u);
    EXPECT_EQ(named.rows[0].list_year, 2018);
    ASSERT_TRUE(named.rows[0].use_gas);
    EXPECT_DOUBLE_EQ(*named.rows[0].use_gas, 830.5);
    // the year in the title wins over the file name
    std::vector<TableRow> titled = base;
    titled.insert(titled.begin(), row(1, {"2017年农村清洁取暖改造户名单"}));
    EXPECT_EQ(read_household_list(one_sheet(titled, "2018年改造户名单.xlsx"), 2022, true).rows.at(0).list_year, 2017);
    // a year column, row by row; a row without one is rejected
    std::vector<TableRow> column = {row(1, {"序号", "村名", "户主", "身份证号", "改造方式", "改造年度", "生物质用量（公斤）"}),
                                    row(2, {"1", "孙家村", "李四", valid_id("37160219700101001"), "生物质", "2019", "1500"}),
                                    row(3, {"2", "孙家村", "王五", valid_id("37160219700101002"), "生物质", "", "1200"})};
    const HouseholdListRead by_row = read_household_list(one_sheet(column, "往年名单.xlsx"), 2022, true);
    ASSERT_EQ(by_row.rows.size(), 1u);
    EXPECT_EQ(by_row.rows[0].list_year, 2019);
    EXPECT_DOUBLE_EQ(*by_row.rows[0].use_biomass, 1.5);
    EXPECT_EQ(by_row.rows_rejected, 1);
    EXPECT_EQ(find_issue(by_row, "E_LIST_YEAR_UNKNOWN")->row, 3);
}

TEST(HouseholdList, ReadsOnlyWholeDatesOfTheProgrammesYears) {
    std::vector<TableRow> rows = {row(1, {"村名", "户主", "身份证号", "改造方式", "完工日期"})};
    const std::vector<std::string> dates = {"2022-9-1至2022-9-3", "预计2022年10月1日", "30000", "2099-1-1", "1900-01-01",
                                            "2022-02-30", "44805", "2022年9月1日", "2022.9.1", "2022/09/01"};
    for (std::size_t i = 0; i < dates.size(); ++i)
        rows.push_back(row(static_cast<int>(i) + 2, {"孙家村", "李四", valid_id("37160219700101" + std::to_string(100 + i)),
                                                     "煤改电", dates[i]}));
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    ASSERT_EQ(read.rows.size(), dates.size());
    for (std::size_t i = 0; i < 6; ++i) {
        EXPECT_EQ(read.rows[i].complete_date, "") << dates[i];
        ASSERT_FALSE(read.rows[i].findings.empty()) << dates[i];
        EXPECT_EQ(read.rows[i].findings[0].code, "E_DATE_INVALID") << dates[i];
    }
    EXPECT_EQ(read.rows[6].complete_date, "2022-09-01");  // an Excel serial
    for (std::size_t i = 7; i < dates.size(); ++i) EXPECT_EQ(read.rows[i].complete_date, "2022-09-01") << dates[i];
}

TEST(HouseholdList, RefusesTwoColumnsOfOneMeaningAndReadsOtherPeoplesColumnsPast) {
    std::vector<TableRow> rows = {row(1, {"村名", "户主", "身份证号", "改造方式", "身份证号码"}),
                                  row(2, {"孙家村", "李四", valid_id("37160219700101001"), "煤改电", valid_id("37160219700101002")})};
    const HouseholdListRead two = read_household_list(one_sheet(rows), 2022, false);
    EXPECT_TRUE(two.refused);
    ASSERT_TRUE(find_issue(two, "E_HOUSEHOLD_COLUMN_UNKNOWN"));
    EXPECT_EQ(find_issue(two, "E_HOUSEHOLD_COLUMN_UNKNOWN")->column, "E");
    // a spouse's ID, a contact person and the inspector are not the household's
    rows[0].cells = {"村名", "配偶身份证号", "联系人姓名", "户主", "身份证号", "改造方式", "验收人", "验收日期"};
    rows[1].cells = {"孙家村", valid_id("37160219700101002"), "王五", "李四", valid_id("37160219700101001"), "煤改电", "赵六",
                     "2022-09-01"};
    const HouseholdListRead other = read_household_list(one_sheet(rows), 2022, false);
    ASSERT_FALSE(other.refused);
    ASSERT_EQ(other.rows.size(), 1u);
    EXPECT_EQ(other.rows[0].holder, "李四");
    EXPECT_EQ(other.rows[0].id_number, valid_id("37160219700101001"));
    EXPECT_EQ(other.rows[0].accept_date, "2022-09-01");
}

TEST(HouseholdList, KeepsEveryRowAccountedAndTheVillageCodeWithItsName) {
    std::vector<TableRow> rows = {row(1, {"村名", "村代码", "户主", "身份证号", "改造方式", "联系电话", "是否放弃改造", "放弃原因", "备注"}),
                                  row(2, {"孙家村", "371602105203", "李四", valid_id("37160219700101001"), "煤改气", "", "", "无", ""}),
                                  row(3, {"", "", "王五", valid_id("37160219700101002"), "煤改气", "", "否", "/", "共计两户，同一院落"}),
                                  row(4, {"河西董村", "", "赵六", valid_id("37160219700101003"), "煤改气", "", "", "", ""}),
                                  row(5, {"", "", "", "", "", "13812345678", "", "", ""}),
                                  row(6, {"合计", "", "", "", "", "", "", "", ""})};
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    EXPECT_EQ(read.rows_read, 4);  // row 5: a phone alone is a household without a route
    EXPECT_EQ(read.rows_rejected, 1);
    EXPECT_EQ(read.rows_other, 1);
    ASSERT_EQ(read.rows.size(), 3u);
    EXPECT_FALSE(read.rows[0].declined) << "a reason of 无 is no refusal";
    EXPECT_EQ(read.rows[1].code_text, "371602105203");  // filled down within its village
    EXPECT_EQ(read.rows[1].remark, "共计两户，同一院落");
    EXPECT_EQ(read.rows[2].village_name, "河西董村");
    EXPECT_EQ(read.rows[2].code_text, "") << "a new village does not take the last one's code";
    EXPECT_EQ(find_issue(read, "E_ROUTE_MISSING")->row, 5);
}

TEST(HouseholdList, AnEarlierYearsListIsOfAnEarlierYear) {
    const std::vector<TableRow> base = {row(1, {"填报日期：2022年3月1日"}),
                                        row(2, {"序号", "村名", "户主", "身份证号", "改造方式"}),
                                        row(3, {"1", "孙家村", "李四", valid_id("37160219700101001"), "煤改气"})};
    // the fill-in date is no year of the list: the file name's is
    const HouseholdListRead named = read_household_list(one_sheet(base, "2019年改造户名单.xlsx"), 2022, true);
    ASSERT_EQ(named.rows.size(), 1u);
    EXPECT_EQ(named.rows[0].list_year, 2019);
    // a "prior" list of the plan year or later is refused
    const HouseholdListRead same = read_household_list(one_sheet(base, "2022年改造户名单.xlsx"), 2022, true);
    EXPECT_TRUE(same.refused);
    EXPECT_TRUE(find_issue(same, "E_LIST_YEAR_UNKNOWN"));
    // an earlier year's household in this year's list is not loaded as this year's
    std::vector<TableRow> mixed = {row(1, {"村名", "户主", "身份证号", "改造方式", "改造年度"}),
                                   row(2, {"孙家村", "李四", valid_id("37160219700101001"), "煤改气", "2019"}),
                                   row(3, {"孙家村", "王五", valid_id("37160219700101002"), "煤改气", "2022"})};
    const HouseholdListRead read = read_household_list(one_sheet(mixed), 2022, false);
    ASSERT_EQ(read.rows.size(), 1u);
    EXPECT_EQ(read.rows[0].holder, "王五");
    EXPECT_EQ(find_issue(read, "E_LIST_YEAR_UNKNOWN")->row, 2);
}

TEST(HouseholdHeader, ReadsAUseFigureOnlyInAUnitItKnows) {
    auto spec = [](const std::string& label) { return classify_household_header(label, ""); };
    auto role = [&](const std::string& label) { return std::string(household_column_name(spec(label).role)); };
    // units it knows, and the factor to the stored unit
    EXPECT_EQ(role("用电量（兆瓦时）"), "use_electricity");
    EXPECT_DOUBLE_EQ(spec("用电量（兆瓦时）").factor, 1000.0);
    EXPECT_DOUBLE_EQ(spec("用电量（度）").factor, 1.0);
    EXPECT_DOUBLE_EQ(spec("用电量(MWh)").factor, 1000.0);
    EXPECT_EQ(role("用气量立方米"), "use_gas");
    EXPECT_EQ(role("用电量（2022-2023采暖季）"), "use_electricity") << "a bracket of when is no unit";
    EXPECT_DOUBLE_EQ(spec("生物质燃料用量kg").factor, 0.001);
    // year words, notes and 单位： in brackets name no other unit
    for (const char* label : {"2022年度用气量", "本季度用气量", "用气量(2022-2023年度)", "用气量（单位：立方米）", "用气量（含炊事）",
                              "户均用气量（立方米/户）", "用气量（Nm³）"})
        EXPECT_EQ(role(label), "use_gas") << label << ": " << spec(label).doubt;
    for (const char* label : {"本季度用电量", "用电量（单位：度）", "用电量（采暖）", "用电度数"})
        EXPECT_EQ(role(label), "use_electricity") << label << ": " << spec(label).doubt;
    // money, accounts, meter readings and other units are no use figure: not read, and said why
    for (const char* label : {"用电金额（元）", "用气费用（元）", "用电户号", "用气户号", "燃气表读数（立方米）", "燃气用量（升）",
                              "用气量（吨）", "用电量（kg）", "生物质燃料用量（吨/公斤）", "生物质用量（立方米）", "用电量千瓦时吨"}) {
        EXPECT_EQ(role(label), "none") << label;
        EXPECT_FALSE(spec(label).doubt.empty()) << label;
    }
}

TEST(HouseholdList, ATitleAboveTheHeaderIsNoGroupOfItsColumns) {
    // 户名单 in the title made a bank card column the holder's name
    std::vector<TableRow> rows = {row(1, {"2018年农村清洁取暖改造户名单"}),
                                  row(2, {"序号", "村名", "身份证号", "改造方式", "银行卡号"}),
                                  row(3, {"1", "孙家村", valid_id("37160219700101001"), "煤改电", "6222021234567890"})};
    const HouseholdListRead read = read_household_list(one_sheet(rows, "往年名单.xlsx"), 2022, true);
    EXPECT_TRUE(read.refused);
    const Issue* unknown = find_issue(read, "E_HOUSEHOLD_COLUMN_UNKNOWN");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->column, "E");
    EXPECT_EQ(unknown->value, "银行卡号");
    EXPECT_STREQ(household_column_name(classify_household_header("2018年改造户名单", "").role), "none");
    // nor does a title give a bare 日期 its meaning
    rows = {row(1, {"2022年清洁取暖改造验收清单"}), row(2, {"村名", "户主", "身份证号", "改造方式", "日期"}),
            row(3, {"孙家村", "李四", valid_id("37160219700101001"), "煤改电", "2022-09-01"})};
    const HouseholdListRead dated = read_household_list(one_sheet(rows), 2022, false);
    EXPECT_TRUE(dated.refused);
    ASSERT_TRUE(find_issue(dated, "E_HOUSEHOLD_COLUMN_UNKNOWN"));
    EXPECT_EQ(find_issue(dated, "E_HOUSEHOLD_COLUMN_UNKNOWN")->value, "日期");
    EXPECT_STREQ(household_column_name(classify_household_header("户名", "").role), "holder");
}

TEST(HouseholdList, ARowWithAHouseholdsIdIsNoTotalWhateverItsFirstCellSays) {
    std::vector<TableRow> rows = {row(1, {"序号", "村名", "户主", "身份证号", "改造方式"}),
                                  row(2, {"1", "孙家村", "李四", valid_id("37160219700101001"), "煤改电"}),
                                  row(3, {"小计", "孙家村", "王五", valid_id("37160219700101002"), "煤改电"}),
                                  row(4, {"3", "合计村", "赵六", "", "煤改电"}),
                                  row(5, {"合计", "", "共3户", "", ""}),
                                  row(6, {"总计", "/", "/", "—", "/"})};
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    EXPECT_EQ(read.rows_read, 3);
    EXPECT_EQ(read.rows_other, 2) << "a dash or slash where the name and ID stand is nothing";
    ASSERT_EQ(read.rows.size(), 3u);
    EXPECT_EQ(read.rows[1].holder, "王五");
    EXPECT_EQ(read.rows[2].holder, "赵六");
}

TEST(HouseholdList, AnIdOrPhoneTypedIntoAnotherTextIsMaskedWhenRead) {
    const std::string id = valid_id("37160219800101556");
    std::vector<TableRow> rows = {row(1, {"村名", "户主", "身份证号", "联系电话", "改造方式", "施工单位", "备注", "困难类别"}),
                                  row(2, {"孙家村", "李四", id, "13812345678", "煤改电", "王师傅" + id, "联系13912345678", "低保" + id})};
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    ASSERT_EQ(read.rows.size(), 1u);
    EXPECT_EQ(read.rows[0].id_number, id) << "the household's own ID stays for payment";
    EXPECT_EQ(read.rows[0].phone, "13812345678");
    EXPECT_EQ(read.rows[0].contractor, "王师傅" + id.substr(0, 6) + "********" + id.substr(14));
    EXPECT_EQ(read.rows[0].remark, "联系139****5678");
    EXPECT_EQ(read.rows[0].hardship.find(id), std::string::npos);
}

TEST(HouseholdList, AnIdSavedAsANumberIsSaidToHaveLostItsDigits) {
    std::vector<TableRow> rows = {row(1, {"村名", "户主", "身份证号", "改造方式"}),
                                  row(2, {"孙家村", "李四", "3.71602198001015E+17", "煤改电"}),
                                  row(3, {"孙家村", "王五", "37160219800101", "煤改电"})};
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    ASSERT_EQ(read.rows.size(), 2u);
    ASSERT_FALSE(read.rows[0].findings.empty());
    EXPECT_EQ(read.rows[0].findings[0].code, "E_ID_INVALID");
    EXPECT_NE(read.rows[0].findings[0].message.find("科学计数法"), std::string::npos) << read.rows[0].findings[0].message;
    ASSERT_FALSE(read.rows[1].findings.empty());
    EXPECT_EQ(read.rows[1].findings[0].message.find("科学计数法"), std::string::npos);
}

TEST(HouseholdList, RefusesDataInAColumnWithoutAHeader) {
    std::vector<TableRow> rows = {row(1, {"村名", "户主", "身份证号", "改造方式"}),
                                  row(2, {"孙家村", "李四", valid_id("37160219700101001"), "煤改电"}),
                                  row(3, {"孙家村", "王五", valid_id("37160219700101002"), "煤改电", "", "6222021234567890"}),
                                  row(4, {"说明：本表由村委会填报", "", "", "", "", "", "附页"})};
    const HouseholdListRead read = read_household_list(one_sheet(rows), 2022, false);
    EXPECT_TRUE(read.refused);
    EXPECT_TRUE(read.rows.empty());
    EXPECT_EQ(read.rows_rejected, 2);
    const Issue* unknown = find_issue(read, "E_HOUSEHOLD_COLUMN_UNKNOWN");
    ASSERT_TRUE(unknown);
    EXPECT_EQ(unknown->column, "F");
    EXPECT_NE(unknown->message.find("第3行"), std::string::npos) << unknown->message;
    EXPECT_EQ(std::count_if(read.issues.begin(), read.issues.end(),
                            [](const Issue& i) { return i.code == "E_HOUSEHOLD_COLUMN_UNKNOWN"; }),
              1)
        << "a note under the table is no column";
    // nor is a footer of who filled it in
    rows[2].cells.resize(4);
    rows[3].cells = {"填报单位（盖章）：孙家村委会", "", "", "", "", "", "填报日期：2022年10月8日"};
    const HouseholdListRead signed_off = read_household_list(one_sheet(rows), 2022, false);
    EXPECT_FALSE(signed_off.refused) << (signed_off.issues.empty() ? "" : signed_off.issues[0].message);
    EXPECT_EQ(signed_off.rows.size(), 2u);
}

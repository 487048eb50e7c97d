// Tables a hostile review wrote to make the merge load a wrong number without refusing; each one
// now loads the right figures or is refused, and ordinary tables like them still load.
// Villages: data-samples/villages.gpkg (刘桥村 371602001200 ... in 市中街道, 滨城区).
#include <gtest/gtest.h>

#include <fstream>

#include "commands/merge.hpp"
#include "support.hpp"

using namespace cleanheat;
using namespace cleanheat::test;

namespace {

struct Review {
    MergeResult result;
    std::map<std::string, int> codes;
    long long route(Route r) const { return result.households_by_route[static_cast<int>(r)]; }
    bool refused_with(const std::string& code) const {
        return result.files.size() == 1 && result.files[0].refused == code && result.households_total == 0;
    }
};

Review merge_csv(const std::string& text) {
    const auto dir = temp_dir();
    const fs::path table = dir / "table.csv";
    std::ofstream(table, std::ios::binary) << text;
    MergeOptions options;
    options.plan_tables = {table.string()};
    options.villages = samples("villages.gpkg").string();
    options.output = dir / "out.gpkg";
    Progress progress;
    Review r;
    r.result = merge(options, progress);
    for (const auto& issue : r.result.issues) ++r.codes[issue.code];
    EXPECT_EQ(r.result.plan_rows.read, r.result.plan_rows.loaded + r.result.plan_rows.rejected);
    return r;
}

const char* const kHead = "序号,乡镇（街道）,村（居）,村代码,";

}  // namespace

TEST(MergeReview, MoneyAreaAndDeviceGroupsAreNotHouseholds) {
    auto r = merge_csv(std::string(kHead) +
                       "计划改造户数,,改造投资（万元）,\n,,,,煤改气,煤改电,煤改气,煤改电\n"
                       "1,市中街道,刘桥村,371602001200,10,20,6,19\n2,市中街道,户家村,371602001201,,15,,14\n"
                       "3,市中街道,三里村,371602001202,12,,7,\n");
    EXPECT_EQ(r.route(Route::gas), 22);
    EXPECT_EQ(r.route(Route::electric), 35);
    r = merge_csv(std::string(kHead) +
                  "改造户数,,改造设备数量（台）,,改造补贴（元）,\n,,,,煤改气,煤改电,煤改气,煤改电,煤改气,煤改电\n"
                  "1,市中街道,刘桥村,371602001200,10,20,10,40,30000,80000\n"
                  "2,市中街道,户家村,371602001201,,15,,30,,60000\n");
    EXPECT_EQ(r.route(Route::gas), 10);
    EXPECT_EQ(r.route(Route::electric), 35);
    r = merge_csv(std::string(kHead) +
                  "改造面积（平方米）,,\n,,,,集中供热,煤改气,煤改电\n1,市中街道,刘桥村,371602001200,,1000,2000\n");
    EXPECT_EQ(r.result.households_total, 0);
}

TEST(MergeReview, EarlierYearsAreNotAddedToThePlanAndARouteTwiceIsRefused) {
    auto r = merge_csv(std::string(kHead) +
                       "2017-2021年已改造户数,,2022年计划改造户数,\n,,,,煤改气,煤改电,煤改气,煤改电\n"
                       "1,市中街道,刘桥村,371602001200,50,,10,20\n2,市中街道,户家村,371602001201,,30,,15\n"
                       "3,市中街道,三里村,371602001202,8,,12,\n");
    EXPECT_EQ(r.route(Route::gas), 22);
    EXPECT_EQ(r.route(Route::electric), 35);
    r = merge_csv(std::string(kHead) +
                  "2022年煤改电户数,2022年煤改气户数,2017-2021年已完成煤改电户数,2023年拟实施煤改气户数\n"
                  "1,市中街道,刘桥村,371602001200,20,10,35,40\n2,市中街道,户家村,371602001201,15,,,\n");
    EXPECT_TRUE(r.refused_with("E_HEADER_UNMAPPED"));
}

TEST(MergeReview, ASecondTableWithOtherColumnsOnTheSheetStopsTheFile) {
    const auto r = merge_csv(
        "滨城区2022年农村清洁取暖计划表\n" + std::string(kHead) + "合计,煤改气,煤改电\n"
        "1,市中街道,刘桥村,371602001200,30,10,20\n2,市中街道,户家村,371602001201,15,,15\n合计,,,,45,10,35\n,,,,,,\n"
        "沾化区2022年农村清洁取暖计划表\n" + kHead + "合计,煤改电,煤改气\n"
        "1,富国街道,富国社区,371603001001,40,40,\n2,富国街道,富泰社区,371603001002,7,,7\n");
    EXPECT_TRUE(r.refused_with("E_HEADER_CHANGED"));
    // the same header repeated on a later page is fine
    const auto again = merge_csv(std::string(kHead) + "合计,煤改气,煤改电\n1,市中街道,刘桥村,371602001200,30,10,20\n" +
                                 kHead + "合计,煤改气,煤改电\n2,市中街道,户家村,371602001201,15,,15\n");
    EXPECT_EQ(again.route(Route::electric), 35);
    EXPECT_EQ(again.codes.count("E_HEADER_CHANGED"), 0u);
}

TEST(MergeReview, CoalNextToACleanWordAndTwoRoutesInACellAreRejected) {
    const auto r = merge_csv(std::string(kHead) +
                             "改造户数,改造方式\n1,市中街道,刘桥村,371602001200,30,煤改气、煤改电\n"
                             "2,市中街道,户家村,371602001201,15,洁净型煤+生物质炉具\n"
                             "3,市中街道,三里村,371602001202,12,其它方式\n"
                             "4,市中街道,纸坊村,371602001203,9,型煤（配套节能炉具）\n"
                             "5,市中街道,大刘村,371602001204,9,电代煤（空气源热泵）\n"
                             "6,市中街道,彭庄村,371602001206,7,兰炭/电暖器\n");
    EXPECT_EQ(r.codes.at("E_ROUTE_AMBIGUOUS"), 1);
    EXPECT_EQ(r.codes.at("E_ROUTE_NOT_CLEAN"), 3);
    EXPECT_EQ(r.route(Route::other), 12);
    EXPECT_EQ(r.route(Route::electric), 9);
    EXPECT_EQ(r.result.households_total, 21);
}

TEST(MergeReview, ARowOfCountsWrittenWithUnitsIsNeverAHeaderRow) {
    const auto r = merge_csv(
        "滨城区2022年农村清洁取暖计划表\n乡镇（街道）,村（居）,煤改气,煤改电\n市中街道,新苑社区,10户,20户\n"
        "市中街道,刘桥村,5户,\n市中街道,户家村,,15户\n");
    EXPECT_EQ(r.result.plan_rows.read, 3);
    EXPECT_EQ(r.route(Route::gas), 15);
    EXPECT_EQ(r.route(Route::electric), 35);
}

TEST(MergeReview, CountsRightOfTheLastHeaderCellOrBetweenPlaceholdersAreNotIgnored) {
    auto r = merge_csv(std::string(kHead) +
                       "煤改气,煤改电\n1,市中街道,刘桥村,371602001200,10,20,5\n2,市中街道,户家村,371602001201,,15,8\n"
                       "3,市中街道,三里村,371602001202,12,,3\n");
    EXPECT_TRUE(r.refused_with("E_HEADER_UNMAPPED"));
    r = merge_csv(std::string(kHead) +
                  "煤改气,煤改电,清洁能源\n1,市中街道,刘桥村,371602001200,10,20,/\n"
                  "2,市中街道,户家村,371602001201,/,15,30\n3,市中街道,三里村,371602001202,12,/,/\n"
                  "4,市中街道,纸坊村,371602001203,/,9,/\n5,市中街道,大刘村,371602001204,/,9,/\n");
    EXPECT_TRUE(r.refused_with("E_HEADER_UNMAPPED"));
}

TEST(MergeReview, ARowWithItsOwnNumberAndNoVillageIsNotGivenThePreviousVillage) {
    const auto r = merge_csv(std::string(kHead) +
                             "合计,煤改气,煤改电\n1,市中街道,刘桥村,371602001200,10,10,\n2,市中街道,,,15,,15\n"
                             "3,市中街道,三里村,371602001202,12,12,\n");
    EXPECT_EQ(r.codes.at("E_VILLAGE_NOT_FOUND"), 1);
    EXPECT_EQ(r.route(Route::electric), 0);
    EXPECT_EQ(r.route(Route::gas), 22);
}

TEST(MergeReview, ABreakdownColumnOfARouteIsNotCountedTwice) {
    const auto r = merge_csv(std::string(kHead) +
                             "集中供热,煤改气,煤改电,其中：空气源热泵,生物质\n1,市中街道,刘桥村,371602001200,,10,20,20,\n"
                             "2,市中街道,户家村,371602001201,,,15,,\n");
    EXPECT_TRUE(r.refused_with("E_HEADER_UNMAPPED"));
}

TEST(MergeReview, AYesNoFlagIsNotHouseholds) {
    const auto r = merge_csv(std::string(kHead) +
                             "是否位于热网覆盖范围,煤改气,煤改电\n1,市中街道,刘桥村,371602001200,1,,20\n"
                             "2,市中街道,户家村,371602001201,1,,15\n3,市中街道,三里村,371602001202,0,12,\n");
    EXPECT_EQ(r.route(Route::district_heating), 0);
    EXPECT_EQ(r.route(Route::gas), 12);
    EXPECT_EQ(r.route(Route::electric), 35);
}

TEST(MergeReview, AVillageNamedLikeANoteIsADataRow) {
    const auto r = merge_csv("乡镇（街道）,村（居）,村代码,合计,煤改气,煤改电\n市中街道,刘桥村,371602001200,30,10,20\n"
                             ",注子村,,15,,15\n注：本表由街道填报。\n");
    EXPECT_EQ(r.result.plan_rows.read, 2);  // 注子村 is read (and reported: no such village), the note is not
    EXPECT_EQ(r.codes.count("E_VILLAGE_NOT_FOUND"), 1u);
}

TEST(MergeReview, ATownshipTotalIsASubtotalAndAWholeCountyLineIsATotal) {
    const auto r = merge_csv(std::string(kHead) +
                             "合计,煤改气,煤改电\n1,市中街道,刘桥村,371602001200,30,10,20\n"
                             "2,市中街道,户家村,371602001201,15,,15\n,市中街道合计,,,45,10,35\n"
                             "3,市西街道,南海社区,371602002001,12,12,\n,市西街道合计,,,12,12,\n全区,,,,57,22,35\n");
    EXPECT_EQ(r.result.plan_rows.read, 3);
    EXPECT_EQ(r.codes.count("W_SUBTOTAL_MISMATCH"), 0u);
    EXPECT_EQ(r.result.households_total, 57);
}

TEST(MergeReview, OrdinaryTablesThatLookOddStillLoad) {
    // a sender line with 单位：户 above a one-row header
    auto r = merge_csv("滨城区2022年农村清洁取暖计划表\n填报单位：滨城区市中街道办事处,,,,,单位：户\n"
                       "乡镇（街道）,村（居）,村代码,合计,煤改气,煤改电\n市中街道,刘桥村,371602001200,30,10,20\n"
                       "市中街道,户家村,371602001201,15,,15\n");
    EXPECT_EQ(r.result.households_total, 45);
    // a unit row under the header
    r = merge_csv(std::string(kHead) + "合计,煤改气,煤改电\n,,,,（户）,（户）,（户）\n"
                  "1,市中街道,刘桥村,371602001200,30,10,20\n2,市中街道,户家村,371602001201,15,,15\n");
    EXPECT_EQ(r.result.households_total, 45);
    EXPECT_EQ(r.result.plan_rows.rejected, 0);
    // 名称 | 代码 under the township and the village
    r = merge_csv("序号,乡镇（街道）,,村（居）,,改造户数,,\n,名称,代码,名称,代码,合计,煤改气,煤改电\n"
                  "1,市中街道,371602001,刘桥村,371602001200,10,10,\n2,市中街道,371602001,户家村,371602001201,15,,15\n");
    EXPECT_EQ(r.result.households_total, 25);
    EXPECT_EQ(r.result.plan_rows.rejected, 0);
    // placeholders for "none" in route cells
    r = merge_csv(std::string(kHead) +
                  "合计,煤改气,煤改电\n1,市中街道,刘桥村,371602001200,30,——,30\n2,市中街道,户家村,371602001201,15,－,15\n"
                  "3,市中街道,三里村,371602001202,12,12,\\\n4,市中街道,纸坊村,371602001203,9,9,无\n");
    EXPECT_EQ(r.route(Route::gas), 21);
    EXPECT_EQ(r.route(Route::electric), 45);
    // the column-number line (栏次 甲 乙 丙 1 2 3) under the header
    r = merge_csv(std::string(kHead) + "合计,煤改气,煤改电\n甲,乙,丙,丁,1,2,3\n1,市中街道,刘桥村,371602001200,30,10,20\n");
    EXPECT_EQ(r.result.plan_rows.read, 1);
    EXPECT_EQ(r.result.errors, 0);
    // an unlabelled 序号 restarting at 1 in each township
    r = merge_csv(",乡镇（街道）,村（居）,村代码,煤改电\n1,市中街道,刘桥村,371602001200,10\n2,市中街道,户家村,371602001201,12\n"
                  "1,市西街道,南海社区,371602002001,8\n2,市西街道,富民社区,371602002002,9\n");
    EXPECT_EQ(r.result.households_total, 39);
}

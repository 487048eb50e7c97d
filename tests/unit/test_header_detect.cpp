#include <gtest/gtest.h>

#include <fstream>

#include "base/error.hpp"
#include "io/header_detect.hpp"
#include "support.hpp"

using namespace cleanheat;

namespace {
Sheet sheet_of(const std::vector<std::vector<std::string>>& rows) {
    Sheet s;
    int n = 0;
    for (const auto& cells : rows) s.rows.push_back({++n, cells});
    return s;
}
}  // namespace

TEST(HeaderDetect, FindsTwoLevelMergedHeader) {
    // 改造户数 merged over 合计 | 集中供热 | 煤改气 | 煤改电 | 生物质 (GDAL gives the text in the first cell only)
    const auto sheet = sheet_of({
        {"滨城区2022年农村清洁取暖建设计划表"},
        {"填报单位：滨城区住建局", "", "", "", "填报日期：2022年6月10日"},
        {"序号", "乡镇（街道）", "村（居）", "村代码", "改造户数", "", "", "", "", "计划完工日期"},
        {"", "", "", "", "合计", "集中供热", "煤改气", "煤改电", "生物质", ""},
        {"1", "滨北街道", "段家庄", "371602001001", "30", "", "10", "20", "", "2022-09-20"},
    });
    const auto layout = detect_layout(sheet, TableKind::plan);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->header_first, 2);
    EXPECT_EQ(layout->header_last, 3);
    EXPECT_EQ(layout->find(ColumnRole::village_code)->index, 3);
    EXPECT_EQ(layout->find(ColumnRole::total)->index, 4);
    const auto routes = layout->all(ColumnRole::route_count);
    ASSERT_EQ(routes.size(), 4u);
    EXPECT_EQ(routes[0]->route, Route::district_heating);
    EXPECT_EQ(routes[3]->route, Route::biomass);
    EXPECT_EQ(layout->find(ColumnRole::end_date)->index, 9);
}

TEST(HeaderDetect, RoutesUnderQiZhongNextToTotalColumn) {
    const auto sheet = sheet_of({
        {"行政村名称", "统计用区划代码", "镇（街道）", "改造总户数", "其中", "", ""},
        {"", "", "", "", "电代煤", "气代煤", "其他"},
        {"李家村", "371603100201", "富国", "50", "40", "10", ""},
    });
    const auto layout = detect_layout(sheet, TableKind::plan);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->find(ColumnRole::village_name)->index, 0);
    EXPECT_EQ(layout->find(ColumnRole::village_code)->index, 1);
    EXPECT_EQ(layout->find(ColumnRole::township)->index, 2);
    EXPECT_EQ(layout->find(ColumnRole::total)->index, 3);
    const auto routes = layout->all(ColumnRole::route_count);
    ASSERT_EQ(routes.size(), 3u);
    EXPECT_EQ(routes[0]->route, Route::electric);
    EXPECT_EQ(routes[1]->route, Route::gas);
    EXPECT_EQ(routes[2]->route, Route::other);
}

TEST(HeaderDetect, SingleRouteColumnLayout) {
    const auto sheet = sheet_of({
        {"序号", "乡镇", "村名", "村代码", "改造方式", "设备类型", "户数", "计划完工时间"},
        {"1", "富国街道", "李家", "371603100201", "煤改电", "空气源热泵", "40", "2022.9.20"},
    });
    const auto layout = detect_layout(sheet, TableKind::plan);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->header_first, 0);
    EXPECT_EQ(layout->header_last, 0);
    EXPECT_EQ(layout->find(ColumnRole::route_text)->index, 4);
    EXPECT_EQ(layout->find(ColumnRole::device)->index, 5);
    EXPECT_EQ(layout->find(ColumnRole::households)->index, 6);
    EXPECT_FALSE(layout->has(ColumnRole::route_count));
}

TEST(HeaderDetect, EnglishFieldNames) {
    const auto sheet = sheet_of(
        {{"village_code", "households", "route", "planned", "status"}, {"371602001001", "120", "gas", "1", "planned"}});
    const auto layout = detect_layout(sheet, TableKind::plan);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->find(ColumnRole::village_code)->index, 0);
    EXPECT_EQ(layout->find(ColumnRole::households)->index, 1);
    EXPECT_EQ(layout->find(ColumnRole::route_text)->index, 2);
}

TEST(HeaderDetect, HeatingTableWithAreaInTenThousandSquareMetres) {
    const auto sheet = sheet_of({
        {"附件2"},
        {"2022年城市（县城）新增集中供热计划表"},
        {"单位：万平方米"},
        {"序号", "县（市、区）", "新增集中供热面积（万平方米）", "热源", "备注"},
        {"1", "滨城区", "80.5", "热电联产", ""},
    });
    const auto layout = detect_layout(sheet, TableKind::heating);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->find(ColumnRole::county)->index, 1);
    EXPECT_EQ(layout->find(ColumnRole::area)->index, 2);
    EXPECT_DOUBLE_EQ(layout->find(ColumnRole::area)->factor, 10000.0);
    EXPECT_EQ(layout->find(ColumnRole::heat_source)->index, 3);
}

TEST(HeaderDetect, NoHeaderInANotesSheet) {
    const auto sheet = sheet_of({{"填表说明"}, {"1. 户数填写整数"}, {"2. 村代码填写12位统计用区划代码"}});
    EXPECT_FALSE(detect_layout(sheet, TableKind::plan));
}

TEST(ClassifyHeader, CommonVariants) {
    EXPECT_EQ(classify_header("村（居）", "").role, ColumnRole::village_name);
    EXPECT_EQ(classify_header("行政村", "").role, ColumnRole::village_name);
    EXPECT_EQ(classify_header("村居名称", "").role, ColumnRole::village_name);
    EXPECT_EQ(classify_header("村代码", "").role, ColumnRole::village_code);
    EXPECT_EQ(classify_header("区划代码", "").role, ColumnRole::village_code);
    EXPECT_EQ(classify_header("乡镇（街道）", "").role, ColumnRole::township);
    EXPECT_EQ(classify_header("县（市、区）", "").role, ColumnRole::county);
    EXPECT_EQ(classify_header("计划开工日期", "").role, ColumnRole::start_date);
    EXPECT_EQ(classify_header("改造方式", "").role, ColumnRole::route_text);
    EXPECT_EQ(classify_header("煤改电户数", "").role, ColumnRole::route_count);
    EXPECT_EQ(classify_header("合计", "改造户数").role, ColumnRole::total);
    EXPECT_EQ(classify_header("电能", "改造户数").role, ColumnRole::route_count);
}

TEST(HeaderDetect, MappingFileNamesColumnsOfAnUnknownLayout) {
    const auto sheet = sheet_of({
        {"某县计划"},
        {""},
        {"序", "甲", "乙", "丙", "丁", "戊"},
        {"1", "滨北", "段家庄", "371602001001", "20", "10"},
    });
    EXPECT_FALSE(detect_layout(sheet, TableKind::plan));
    const auto dir = cleanheat::test::temp_dir();
    std::ofstream(dir / "m.json") << R"({"header_row": 3, "columns": {"B": "township", "C": "village_name",
        "D": "village_code", "E": "route:electric", "戊": "route:gas"}})";
    const auto mapping = load_mapping((dir / "m.json").string());
    const auto layout = detect_layout(sheet, TableKind::plan, &mapping);
    ASSERT_TRUE(layout);
    EXPECT_EQ(layout->header_last, 2);
    EXPECT_EQ(layout->find(ColumnRole::village_code)->index, 3);
    const auto routes = layout->all(ColumnRole::route_count);
    ASSERT_EQ(routes.size(), 2u);
    EXPECT_EQ(routes[0]->route, Route::electric);
    EXPECT_EQ(routes[1]->index, 5);
    EXPECT_EQ(routes[1]->route, Route::gas);
}

TEST(HeaderDetect, MappingFileWithUnknownRoleIsAnErrorNamingTheKey) {
    const auto dir = cleanheat::test::temp_dir();
    std::ofstream(dir / "m.json") << R"({"columns": {"E": "householdz"}})";
    try {
        load_mapping((dir / "m.json").string());
        FAIL() << "no error";
    } catch (const cleanheat::InputError& e) {
        EXPECT_NE(std::string(e.what()).find("columns.E"), std::string::npos) << e.what();
    }
    std::ofstream(dir / "k.json") << R"({"header_line": 3})";
    EXPECT_THROW(load_mapping((dir / "k.json").string()), cleanheat::InputError);
}

TEST(HeaderDetect, ShippedMappingExampleLoads) {
    EXPECT_NO_THROW(load_mapping((cleanheat::test::source_dir() / "styles" / "mapping-example.json").string()));
}

TEST(ClassifyHeader, ProgressCountsAndDatesApart) {
    using cleanheat::classify_header;
    using cleanheat::ColumnRole;
    EXPECT_EQ(classify_header("已开工户数", "").role, ColumnRole::started);
    EXPECT_EQ(classify_header("已完工", "进度（户）").role, ColumnRole::completed);
    EXPECT_EQ(classify_header("已验收", "工程进度（户）").role, ColumnRole::accepted);
    EXPECT_EQ(classify_header("开工日期", "").role, ColumnRole::start_date);
    EXPECT_EQ(classify_header("完工时间", "").role, ColumnRole::end_date);
    EXPECT_EQ(classify_header("验收日期", "").role, ColumnRole::accept_date);
    EXPECT_EQ(classify_header("完工", "计划时间").role, ColumnRole::end_date);
    EXPECT_EQ(classify_header("计划开工", "").role, ColumnRole::start_date);
    EXPECT_EQ(classify_header("计划改造户数（户）", "").role, ColumnRole::households);
}

// Every sample progress report (data-samples/progress, each county's own layout) has a
// progress header: where (code or name), planned households and the three stages.
TEST(HeaderDetect, FindsTheProgressHeaderOfEverySampleReport) {
    int reports = 0;
    for (const auto& entry : std::filesystem::directory_iterator(cleanheat::test::samples("progress"))) {
        const std::string ext = entry.path().extension().string();
        if (ext != ".xlsx" && ext != ".xls" && ext != ".csv") continue;
        ++reports;
        const auto table = cleanheat::read_table(entry.path().string());
        int found = 0;
        for (const auto& sheet : table.sheets) {
            const auto layout = cleanheat::detect_layout(sheet, cleanheat::TableKind::progress);
            if (!layout) continue;
            ++found;
            EXPECT_TRUE(layout->has(cleanheat::ColumnRole::village_code) ||
                        layout->has(cleanheat::ColumnRole::village_name))
                << entry.path();
            for (auto role : {cleanheat::ColumnRole::started, cleanheat::ColumnRole::completed,
                              cleanheat::ColumnRole::accepted, cleanheat::ColumnRole::households})
                EXPECT_TRUE(layout->has(role)) << entry.path() << " " << cleanheat::role_name(role);
        }
        EXPECT_EQ(found, 1) << entry.path();
    }
    EXPECT_EQ(reports, 29);
}

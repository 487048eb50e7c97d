#include <gtest/gtest.h>
#include <glib.h>

#include <cmath>
#include <fstream>

#include <ogrsf_frmts.h>

#include "base/error.hpp"
#include "geo/gcj02.hpp"
#include "commands/merge.hpp"
#include "support.hpp"

using namespace cleanheat;
using namespace cleanheat::test;

namespace {

std::vector<TestVillage> test_villages() {
    return {
        {"371602001001", "段家庄村委会", "滨北街道", "滨城区", 39500000, 4150000},
        {"371602001002", "李家村民委员会", "滨北街道", "滨城区", 39501000, 4150000},
        {"371602001003", "王村村委会", "滨北街道", "滨城区", 39502000, 4150000},
        {"371602002001", "新苑社区居民委员会", "市西街道", "滨城区", 39500000, 4151000},
        {"371602002002", "张家村委会", "市西街道", "滨城区", 39501000, 4151000},
        {"371603100201", "李家村委会", "富国街道", "沾化区", 39510000, 4160000},
    };
}

XlsxCell n(int r, int c, const std::string& v) {
    return number_cell(r, c, v);
}
// Layout A: routes in columns under a merged 改造户数 header, with faults.
fs::path write_plan_a(const fs::path& dir) {
    XlsxSheet sheet;
    sheet.name = "滨城区";
    sheet.merges = {{0, 0, 0, 9, "滨城区2022年农村清洁取暖建设计划表"}, {2, 4, 2, 8, "改造户数"}};
    sheet.cells = {
        text_cell(1, 0, "填报单位：滨城区住房和城乡建设局"),
        text_cell(1, 6, "填报日期：2022年6月10日"),
        text_cell(2, 0, "序号"),
        text_cell(2, 1, "乡镇（街道）"),
        text_cell(2, 2, "村（居）"),
        text_cell(2, 3, "村代码"),
        text_cell(2, 9, "计划完工日期"),
        text_cell(3, 4, "合计"),
        text_cell(3, 5, "集中供热"),
        text_cell(3, 6, "煤改气"),
        text_cell(3, 7, "煤改电"),
        text_cell(3, 8, "生物质"),
        // row 5: fine, code as number
        n(4, 0, "1"),
        text_cell(4, 1, "滨北街道"),
        text_cell(4, 2, "段家庄"),
        n(4, 3, "371602001001"),
        n(4, 4, "30"),
        n(4, 6, "10"),
        n(4, 7, "20"),
        text_cell(4, 9, "2022.9.20"),
        // row 6: full-width code, total disagrees with the route cells (40 vs 45)
        n(5, 0, "2"),
        text_cell(5, 2, "李家"),
        text_cell(5, 3, "３７１６０２００１００２"),
        n(5, 4, "40"),
        n(5, 7, "45"),
        // row 7: 约120户 -> rejected
        n(6, 0, "3"),
        text_cell(6, 2, "王村"),
        text_cell(6, 3, "371602001003"),
        text_cell(6, 4, "约120户"),
        text_cell(6, 7, "约120户"),
        // row 8: 小计 (wrong: 30 + 45 = 75 data, written 80)
        text_cell(7, 0, "小计"),
        n(7, 4, "80"),
        // row 9: blank row 9 left empty; row 10: no code, matched by name in 市西街道
        n(9, 0, "4"),
        text_cell(9, 1, "市西街道"),
        text_cell(9, 2, "新苑社区"),
        n(9, 4, "15"),
        n(9, 8, "15"),
        // row 11: unknown code, unknown name -> rejected
        n(10, 0, "5"),
        text_cell(10, 1, "市西街道"),
        text_cell(10, 2, "不存在村"),
        text_cell(10, 3, "371602009999"),
        n(10, 4, "12"),
        n(10, 6, "12"),
        // row 12: negative -> rejected
        n(11, 0, "6"),
        text_cell(11, 1, "市西街道"),
        text_cell(11, 2, "张家"),
        text_cell(11, 3, "'371602002002"),
        n(11, 4, "-5"),
        n(11, 5, "-5"),
        // row 13: 合计 (right for the data rows as written: 30+40+15+12-5 = 92)
        text_cell(12, 0, "合计"),
        n(12, 4, "92"),
        // row 14: note
        text_cell(13, 0, "说明：本表由各乡镇填报，县住建局汇总。"),
        // row 15: late 补报 row repeating 段家庄 gas -> duplicate
        n(14, 0, "7"),
        text_cell(14, 2, "段家庄"),
        text_cell(14, 3, "371602001001"),
        n(14, 6, "10"),
        text_cell(14, 9, "补报"),
    };
    const fs::path path = dir / "滨城区计划.xlsx";
    write_xlsx(path, {sheet, XlsxSheet{"Sheet2", {}, {}}});
    return path;
}

// Layout B: route in one column, GB18030 CSV, short county name, a clean route outside the four.
fs::path write_plan_b(const fs::path& dir) {
    const std::string utf8 =
        "沾化区2022年农村清洁取暖改造清单,,,,,\n"
        "县区,乡镇,村名,村代码,改造方式,户数\n"
        "沾化,富国,李家村,371603100201,空气源热泵,40\n"
        "沾化,富国,李家村,371603100201,燃气壁挂炉,10\n"
        "沾化,富国,李家村,371603100201,地源热泵,5\n"
        "\n"
        "合计,,,,,55\n";
    gsize written = 0;
    gchar* gb =
        g_convert(utf8.data(), static_cast<gssize>(utf8.size()), "GB18030", "UTF-8", nullptr, &written, nullptr);
    const fs::path path = dir / "zhanhua.csv";
    std::ofstream(path, std::ios::binary).write(gb, static_cast<std::streamsize>(written));
    g_free(gb);
    return path;
}

fs::path write_heating(const fs::path& dir) {
    XlsxSheet sheet;
    sheet.name = "附件2";
    sheet.merges = {{0, 0, 0, 4, "2022年城市（县城）新增集中供热计划表"}};
    sheet.cells = {text_cell(1, 0, "单位：万平方米"),
                   text_cell(2, 0, "序号"),
                   text_cell(2, 1, "县（市、区）"),
                   text_cell(2, 2, "新增集中供热面积（万平方米）"),
                   text_cell(2, 3, "热源"),
                   text_cell(2, 4, "备注"),
                   n(3, 0, "1"),
                   text_cell(3, 1, "滨城"),
                   n(3, 2, "12.5"),
                   text_cell(3, 3, "热电联产"),
                   n(4, 0, "2"),
                   text_cell(4, 1, "沾化区"),
                   n(4, 2, "7.25"),
                   text_cell(4, 3, "工业余热"),
                   n(5, 0, "3"),
                   text_cell(5, 1, "滨州经济技术开发区"),
                   text_cell(5, 2, "约3"),
                   text_cell(5, 3, "燃气锅炉房"),
                   text_cell(6, 0, "合计"),
                   n(6, 2, "19.75")};
    const fs::path path = dir / "heating.xlsx";
    write_xlsx(path, {sheet});
    return path;
}

struct Fixture {
    fs::path dir = temp_dir();
    MergeOptions options;
    Fixture() {
        write_villages(dir / "villages.gpkg", test_villages());
        options.plan_tables = {write_plan_a(dir).string(), write_plan_b(dir).string()};
        options.heating_table = write_heating(dir).string();
        options.villages = (dir / "villages.gpkg").string();
        options.output = dir / "out.gpkg";
    }
};

}  // namespace

TEST(Merge, ReconcilesRowsAndTotals) {
    Fixture f;
    Progress progress;
    const auto r = merge(f.options, progress);
    // plan A: 7 data rows (rows 5, 6, 7, 10, 11, 12, 15); plan B: 3 rows
    EXPECT_EQ(r.plan_rows.read, 10);
    EXPECT_EQ(r.plan_rows.rejected, 4);  // 约120户, unknown code, negative, duplicate
    EXPECT_EQ(r.plan_rows.loaded, 6);
    EXPECT_EQ(r.plan_rows.read, r.plan_rows.loaded + r.plan_rows.rejected);
    // 30 (段家庄) + 45 (李家, route cells win) + 15 (新苑) + 40 + 10 + 5 (沾化 李家)
    EXPECT_EQ(r.households_total, 145);
    EXPECT_EQ(r.households_by_route[static_cast<int>(Route::electric)], 20 + 45 + 40);
    EXPECT_EQ(r.households_by_route[static_cast<int>(Route::gas)], 10 + 10);
    EXPECT_EQ(r.households_by_route[static_cast<int>(Route::biomass)], 15);
    EXPECT_EQ(r.households_by_route[static_cast<int>(Route::other)], 5);
    EXPECT_EQ(r.households_by_county.at("371602"), 90);
    EXPECT_EQ(r.households_by_county.at("371603"), 55);
    EXPECT_EQ(r.heating_rows.read, 3);
    EXPECT_EQ(r.heating_rows.loaded, 2);
    EXPECT_DOUBLE_EQ(r.area_m2, 197500.0);
}

TEST(Merge, EveryFaultIsReportedWithItsRow) {
    Fixture f;
    Progress progress;
    const auto r = merge(f.options, progress);
    const std::string a = f.options.plan_tables[0], b = f.options.plan_tables[1];
    auto expect_one = [&](const std::string& code, const std::string& file, int row, const std::string& column) {
        const auto found = issues_with_code(r.issues, code);
        ASSERT_EQ(found.size(), 1u) << code;
        EXPECT_EQ(found[0].file, file) << code;
        EXPECT_EQ(found[0].row, row) << code;
        EXPECT_EQ(found[0].column, column) << code;
    };
    expect_one("W_CODE_REFORMATTED", a, 6, "D");
    expect_one("W_TOTAL_MISMATCH", a, 6, "E");
    expect_one("E_COUNT_UNREADABLE", a, 7, "H");
    expect_one("W_MATCHED_BY_NAME", a, 10, "C");
    expect_one("E_CODE_UNKNOWN", a, 11, "D");
    expect_one("E_COUNT_NEGATIVE", a, 12, "F");
    expect_one("E_DUPLICATE", a, 15, "D");
    expect_one("W_ROUTE_OTHER", b, 5, "E");
    const auto subtotal = issues_with_code(r.issues, "W_SUBTOTAL_MISMATCH");
    ASSERT_EQ(subtotal.size(), 1u);  // the 小计 is wrong, the 合计 and the CSV total are right
    EXPECT_EQ(subtotal[0].row, 8);
    EXPECT_EQ(subtotal[0].value, "80");
    const auto unreadable_area = issues_with_code(r.issues, "E_AREA_UNREADABLE");
    ASSERT_EQ(unreadable_area.size(), 1u);
    EXPECT_EQ(unreadable_area[0].row, 6);
    for (const auto& issue : r.issues) EXPECT_FALSE(issue.message.empty());
}

TEST(Merge, OutputGeoPackageReadsBack) {
    Fixture f;
    Progress progress;
    const auto r = merge(f.options, progress);
    const auto villages = read_layer(f.options.output, "villages");
    ASSERT_EQ(villages.size(), 6u);
    long long total = 0;
    for (const auto& v : villages) {
        total += std::stoll(v.at("households_total"));
        EXPECT_FALSE(v.at("geometry").empty());
        if (v.at("village_code") == "371602001002") {
            EXPECT_EQ(v.at("households_electric"), "45");
            EXPECT_EQ(v.at("status"), "planned");
        }
        if (v.at("village_code") == "371602001003") {
            EXPECT_EQ(v.at("households_total"), "0");
        }
    }
    EXPECT_EQ(total, r.households_total);
    const auto issues = read_layer(f.options.output, "issues");
    EXPECT_EQ(issues.size(), r.issues.size());
    const auto heating = read_layer(f.options.output, "heating");
    ASSERT_EQ(heating.size(), 2u);
    EXPECT_EQ(heating[0].at("county_code"), "371602");
    EXPECT_EQ(heating[0].at("area_m2"), "125000");
    const auto plan_rows = read_layer(f.options.output, "plan_rows");
    EXPECT_EQ(plan_rows.size(), 7u);  // 6 loaded rows naming 7 village routes
    const auto inputs = read_layer(f.options.output, "inputs");
    ASSERT_GE(inputs.size(), 3u);
    EXPECT_EQ(inputs[1].at("encoding"), "GB18030");
    EXPECT_EQ(inputs[0].at("sha256").size(), 64u);
    EXPECT_FALSE(fs::exists(f.options.output.string() + ".partial"));
}

TEST(Merge, ExistingOutputIsKeptWithoutOverwrite) {
    Fixture f;
    std::ofstream(f.options.output) << "keep";
    Progress progress;
    EXPECT_THROW(merge(f.options, progress), OutputError);
    EXPECT_EQ(read_file(f.options.output), "keep");
    f.options.overwrite = true;
    EXPECT_NO_THROW(merge(f.options, progress));
}

TEST(Merge, RefusesToWriteOverAnInput) {
    Fixture f;
    f.options.output = f.options.villages;
    f.options.overwrite = true;
    Progress progress;
    EXPECT_THROW(merge(f.options, progress), OutputError);
}

TEST(Merge, Gcj02PointsAreShiftedBackToCgcs2000) {
    Fixture f;
    // a village at 118.0E 37.4N (CGCS2000), digitised from a web map in GCJ-02
    double gcj_lon, gcj_lat;
    wgs84_to_gcj02(118.0, 37.4, gcj_lon, gcj_lat);
    write_villages(f.dir / "gcj.gpkg",
                   {{"371602001001", "段家庄村委会", "滨北街道", "滨城区", gcj_lon - 500, gcj_lat - 500}}, 4326, true);
    f.options.villages = (f.dir / "gcj.gpkg").string();
    f.options.villages_crs = "gcj02";
    f.options.working_crs = "EPSG:4490";
    f.options.plan_tables = {f.options.plan_tables[0]};
    Progress progress;
    const auto r = merge(f.options, progress);
    EXPECT_NE(r.villages_crs.find("GCJ-02"), std::string::npos);
    const auto villages = read_layer(f.options.output, "villages");
    ASSERT_EQ(villages.size(), 1u);
    OGRGeometry* g = nullptr;
    OGRGeometryFactory::createFromWkt(villages[0].at("geometry").c_str(), nullptr, &g);
    ASSERT_NE(g, nullptr);
    const auto* point = g->toPoint();
    // the input was offset by a few hundred metres; the output is back on the true place
    EXPECT_GT(std::hypot((gcj_lon - 118.0) * 88000, (gcj_lat - 37.4) * 111000), 100.0);
    EXPECT_NEAR(point->getX(), 118.0, 1e-7);
    EXPECT_NEAR(point->getY(), 37.4, 1e-7);
    OGRGeometryFactory::destroyGeometry(g);
}

TEST(Merge, OdsTableWithOtherHeadersAndOrderMergesWithoutMapping) {
    // An ODS written by GDAL: the first row holds the field names, i.e. a one-level header
    // in an order and spelling unlike the samples.
    Fixture f;
    const fs::path ods = f.dir / "plan.ods";
    {
        auto* driver = GetGDALDriverManager()->GetDriverByName("ODS");
        std::unique_ptr<GDALDataset> ds(driver->Create(ods.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        OGRLayer* layer = ds->CreateLayer("计划", nullptr, wkbNone, nullptr);
        for (const char* name : {"户数", "取暖方式", "村居名称", "镇街", "行政区划代码", "备注"}) {
            OGRFieldDefn defn(name, OFTString);
            ASSERT_EQ(layer->CreateField(&defn), OGRERR_NONE);
        }
        const std::vector<std::vector<std::string>> rows = {
            {"12", "空气源热泵", "段家庄村", "滨北", "371602001001", ""},
            {"8", "天然气", "段家庄村", "滨北", "371602001001", ""},
            {"20", "地源热泵", "张家", "市西", "", "无代码"},
        };
        for (const auto& row : rows) {
            OGRFeature feature(layer->GetLayerDefn());
            for (int i = 0; i < static_cast<int>(row.size()); ++i) feature.SetField(i, row[i].c_str());
            ASSERT_EQ(layer->CreateFeature(&feature), OGRERR_NONE);
        }
    }
    f.options.plan_tables = {ods.string()};
    f.options.heating_table.clear();
    Progress progress;
    const auto r = merge(f.options, progress);
    EXPECT_EQ(r.plan_rows.read, 3);
    EXPECT_EQ(r.plan_rows.loaded, 3);
    EXPECT_EQ(r.households_by_route[static_cast<int>(Route::electric)], 12);
    EXPECT_EQ(r.households_by_route[static_cast<int>(Route::gas)], 8);
    EXPECT_EQ(r.households_by_route[static_cast<int>(Route::other)], 20);  // 地热
    const auto by_name = issues_with_code(r.issues, "W_MATCHED_BY_NAME");
    ASSERT_EQ(by_name.size(), 1u);
    EXPECT_EQ(by_name[0].row, 4);  // the header is row 1
    for (const auto& v : read_layer(f.options.output, "villages"))
        if (v.at("village_code") == "371602002002") {
            EXPECT_EQ(v.at("households_other"), "20");
            EXPECT_EQ(v.at("other_routes"), "地热");
        }
}

TEST(Merge, DuplicatedCodeInTheGeodataKeepsTheFirstAndSaysSo) {
    Fixture f;
    auto villages = test_villages();
    villages.insert(villages.begin() + 2, {"371602001001", "重复村委会", "滨北街道", "滨城区", 39600000, 4250000});
    write_villages(f.dir / "dup.gpkg", villages);
    f.options.villages = (f.dir / "dup.gpkg").string();
    Progress progress;
    const auto r = merge(f.options, progress);
    const auto dup = issues_with_code(r.issues, "W_VILLAGE_CODE_DUPLICATE");
    ASSERT_EQ(dup.size(), 1u);
    EXPECT_EQ(dup[0].row, 3);  // the FID of the second 371602001001
    const auto out = read_layer(f.options.output, "villages");
    ASSERT_EQ(out.size(), 6u);
    for (const auto& v : out) {
        // every village keeps its own square: the one after the duplicate did not shift
        OGRGeometry* g = nullptr;
        OGRGeometryFactory::createFromWkt(v.at("geometry").c_str(), nullptr, &g);
        ASSERT_NE(g, nullptr);
        OGREnvelope e;
        g->getEnvelope(&e);
        OGRGeometryFactory::destroyGeometry(g);
        for (const auto& t : test_villages())
            if (t.code == v.at("village_code")) {
                EXPECT_DOUBLE_EQ(e.MinX, t.x) << t.code;
                EXPECT_DOUBLE_EQ(e.MinY, t.y) << t.code;
            }
    }
}

TEST(Merge, ShapefileWithoutPrjIsJudgedFromItsCoordinates) {
    Fixture f;
    // the fixture's villages, copied into a shapefile with no .prj (eastings carry zone 39)
    const fs::path shp = f.dir / "villages_noprj.shp";
    {
        std::unique_ptr<GDALDataset> src(GDALDataset::Open((f.dir / "villages.gpkg").c_str(), GDAL_OF_VECTOR));
        auto* driver = GetGDALDriverManager()->GetDriverByName("ESRI Shapefile");
        std::unique_ptr<GDALDataset> dst(driver->Create(shp.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        OGRLayer* in = src->GetLayer(0);
        // GBK, as Chinese desktop GIS writes it; the .cpg is removed below
        const char* const layer_options[] = {"ENCODING=CP936", nullptr};
        OGRLayer* out = dst->CreateLayer("villages_noprj", nullptr, wkbPolygon, const_cast<char**>(layer_options));
        for (const char* name : {"XZQDM", "XZQMC"}) {
            OGRFieldDefn defn(name, OFTString);
            ASSERT_EQ(out->CreateField(&defn), OGRERR_NONE);
        }
        for (auto& feature : *in) {
            OGRFeature g(out->GetLayerDefn());
            g.SetField("XZQDM", feature->GetFieldAsString("village_code"));
            g.SetField("XZQMC", feature->GetFieldAsString("village_name"));
            g.SetGeometry(feature->GetGeometryRef());
            ASSERT_EQ(out->CreateFeature(&g), OGRERR_NONE);
        }
    }
    ASSERT_FALSE(fs::exists(f.dir / "villages_noprj.prj"));
    ASSERT_TRUE(fs::remove(f.dir / "villages_noprj.cpg"));
    f.options.villages = shp.string();
    Progress progress;
    const auto r = merge(f.options, progress);
    EXPECT_EQ(issues_with_code(r.issues, "W_CRS_ASSUMED").size(), 1u);
    EXPECT_TRUE(issues_with_code(r.issues, "W_NAME_MISMATCH").empty());  // the GBK names were read right
    EXPECT_NE(r.working_crs.find("4527"), std::string::npos) << r.working_crs;
    EXPECT_EQ(r.households_total, 145);
    const auto villages = read_layer(f.options.output, "villages");
    ASSERT_EQ(villages.size(), 6u);
    EXPECT_NE(villages[0].at("geometry").find("39500000"), std::string::npos) << villages[0].at("geometry");
    EXPECT_EQ(villages[0].at("village_name"), "段家庄村委会");
}

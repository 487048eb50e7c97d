// merge never misfiles: a column it does not understand stops its file, a route is loaded only
// when the table names it, coal is never counted, parts of a village add up, a village in two
// files is said; and village layers of other origins (shapefile names, 三调 fields) are read.
#include <gtest/gtest.h>

#include <fstream>
#include <numeric>

#include <ogrsf_frmts.h>

#include "base/error.hpp"
#include "commands/merge.hpp"
#include "support.hpp"

using namespace cleanheat;
using namespace cleanheat::test;

namespace {

std::vector<TestVillage> villages() {
    return {
        {"371602001001", "段家庄村委会", "滨北街道", "滨城区", 39500000, 4150000},
        {"371602001002", "李家村民委员会", "滨北街道", "滨城区", 39501000, 4150000},
        {"371602001003", "王村村委会", "滨北街道", "滨城区", 39502000, 4150000},
        {"371602002001", "新苑社区居民委员会", "市西街道", "滨城区", 39500000, 4151000},
        {"371602002002", "张家村委会", "市西街道", "滨城区", 39501000, 4151000},
    };
}

XlsxCell n(int r, int c, long long v) {
    return number_cell(r, c, std::to_string(v));
}
// A two-level table: 村（居） 村代码 | 改造户数: 合计 + the given route headers.
// rows: {name, code, total (-1: blank), route cells (-1: blank)...}
struct Row {
    std::string name, code;
    long long total;
    std::vector<long long> routes;
};
fs::path wide_table(const fs::path& path, const std::vector<std::string>& route_headers, const std::vector<Row>& rows,
                    const std::string& group = "改造户数") {
    XlsxSheet sheet;
    sheet.name = "滨城区";
    const int last = 2 + static_cast<int>(route_headers.size());
    sheet.merges = {{0, 0, 0, last, "滨城区2022年农村清洁取暖建设计划表"}, {1, 2, 1, last, group}};
    sheet.cells = {text_cell(1, 0, "村（居）"), text_cell(1, 1, "村代码"), text_cell(2, 2, "合计")};
    for (std::size_t k = 0; k < route_headers.size(); ++k) sheet.cells.push_back(text_cell(2, 3 + static_cast<int>(k), route_headers[k]));
    int r = 3;
    for (const auto& row : rows) {
        sheet.cells.push_back(text_cell(r, 0, row.name));
        sheet.cells.push_back(text_cell(r, 1, row.code));
        if (row.total >= 0) sheet.cells.push_back(n(r, 2, row.total));
        for (std::size_t k = 0; k < row.routes.size(); ++k)
            if (row.routes[k] >= 0) sheet.cells.push_back(n(r, 3 + static_cast<int>(k), row.routes[k]));
        ++r;
    }
    write_xlsx(path, {sheet});
    return path;
}

fs::path write_text(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
    return path;
}

struct MergeRun {
    fs::path dir = temp_dir();
    MergeOptions options;
    MergeRun() {
        write_villages(dir / "villages.gpkg", villages());
        options.villages = (dir / "villages.gpkg").string();
        options.output = dir / "out.gpkg";
    }
    MergeResult merge_tables(std::vector<fs::path> tables) {
        options.plan_tables.clear();
        for (const auto& t : tables) options.plan_tables.push_back(t.string());
        options.overwrite = true;
        Progress progress;
        return merge(options, progress);
    }
};

long long route(const MergeResult& r, Route which) {
    return r.households_by_route[static_cast<int>(which)];
}

}  // namespace

TEST(MergeHeaders, UnknownColumnUnderTheGroupStopsThatFileOnly) {
    MergeRun run;
    const auto bad = wide_table(run.dir / "bad.xlsx", {"煤改电", "清洁能源"},
                                {{"段家庄", "371602001001", 30, {20, 10}}, {"李家", "371602001002", 5, {5, -1}}});
    const auto good = wide_table(run.dir / "good.xlsx", {"煤改气"}, {{"王村", "371602001003", 7, {7}}});
    const auto r = run.merge_tables({bad, good});
    const auto unmapped = issues_with_code(r.issues, "E_HEADER_UNMAPPED");
    ASSERT_EQ(unmapped.size(), 1u);
    EXPECT_EQ(unmapped[0].file, bad.string());
    EXPECT_EQ(unmapped[0].sheet, "滨城区");
    EXPECT_EQ(unmapped[0].row, 3);
    EXPECT_EQ(unmapped[0].column, "E");
    EXPECT_EQ(unmapped[0].value, "改造户数/清洁能源");
    // nothing of the refused file, not even its electric column; the other file whole
    EXPECT_EQ(r.households_total, 7);
    EXPECT_EQ(route(r, Route::electric), 0);
    EXPECT_EQ(route(r, Route::other), 0);
    EXPECT_EQ(r.plan_rows.read, 3);
    EXPECT_EQ(r.plan_rows.rejected, 2);
    ASSERT_EQ(r.files.size(), 2u);
    EXPECT_EQ(r.files[0].refused, "E_HEADER_UNMAPPED");
    EXPECT_EQ(r.files[0].rejected, 2);
    EXPECT_TRUE(r.files[1].refused.empty());
    const auto inputs = read_layer(run.options.output, "inputs");
    EXPECT_EQ(inputs[0].at("refused"), "E_HEADER_UNMAPPED");
    EXPECT_NE(inputs[0].at("mapping").find("\"E\":\"?\""), std::string::npos) << inputs[0].at("mapping");
    for (const auto& row : read_layer(run.options.output, "plan_rows")) EXPECT_EQ(row.at("file"), good.string());
}

TEST(MergeHeaders, UnknownOneLevelHeaderHoldingCountsStopsTheFileButTextDoesNot) {
    MergeRun run;
    const auto counts = write_text(run.dir / "counts.csv",
                                   "乡镇,村名,村代码,煤改电,新能源\n滨北,段家庄,371602001001,10,4\n滨北,李家,371602001002,3,\n");
    const auto text = write_text(run.dir / "text.csv",
                                 "乡镇,村名,村代码,煤改电,包村干部,联系电话\n滨北,王村,371602001003,6,张三,13812345678\n");
    const auto r = run.merge_tables({counts, text});
    const auto unmapped = issues_with_code(r.issues, "E_HEADER_UNMAPPED");
    ASSERT_EQ(unmapped.size(), 1u);
    EXPECT_EQ(unmapped[0].file, counts.string());
    EXPECT_EQ(unmapped[0].column, "E");
    EXPECT_EQ(unmapped[0].value, "新能源");
    EXPECT_EQ(r.households_total, 6);  // the phone number is not a count, 包村干部 is text
    EXPECT_EQ(route(r, Route::electric), 6);
}

TEST(MergeHeaders, ASecondTotalColumnIsNotGuessed) {
    MergeRun run;
    const auto t = write_text(run.dir / "t.csv",
                              "村名,村代码,合计,煤改电,煤改气,总户数\n段家庄,371602001001,30,20,10,32\n");
    const auto r = run.merge_tables({t});
    ASSERT_EQ(issues_with_code(r.issues, "E_HEADER_UNMAPPED").size(), 1u);
    EXPECT_EQ(issues_with_code(r.issues, "E_HEADER_UNMAPPED")[0].column, "F");
    EXPECT_EQ(r.households_total, 0);
}

TEST(MergeHeaders, TwoHouseholdCountsOfOneRowAreNotToldApart) {
    MergeRun run;
    // a route cell and two household columns: 户数 and 合计 may differ, neither is guessed
    const auto t = write_text(run.dir / "t.csv", "村名,村代码,改造方式,户数,合计\n段家庄,371602001001,煤改电,10,12\n");
    const auto r = run.merge_tables({t});
    ASSERT_EQ(issues_with_code(r.issues, "E_HEADER_UNMAPPED").size(), 1u);
    EXPECT_EQ(r.households_total, 0);
}

TEST(MergeHeaders, ManyRowsDisagreeingWithTheirTotalStopTheFileOnce) {
    MergeRun run;
    // the route columns hold only part of each row's households: a column was left out
    const auto t = wide_table(run.dir / "t.xlsx", {"煤改电", "煤改气"},
                              {{"段家庄", "371602001001", 30, {20, -1}},
                               {"李家", "371602001002", 12, {10, -1}},
                               {"王村", "371602001003", 9, {4, 4}},
                               {"新苑社区", "371602002001", 5, {5, -1}}});
    const auto r = run.merge_tables({t});
    const auto found = issues_with_code(r.issues, "E_TOTALS_DISAGREE");
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].row, 0);
    EXPECT_TRUE(issues_with_code(r.issues, "W_TOTAL_MISMATCH").empty());  // said once, not per row
    EXPECT_EQ(r.households_total, 0);
    EXPECT_EQ(r.plan_rows.rejected, 4);
}

TEST(MergeHeaders, OneRowDisagreeingIsLoadedByItsRoutesAndARowWithoutRoutesIsRejected) {
    MergeRun run;
    const auto t = wide_table(run.dir / "t.xlsx", {"煤改电", "煤改气"},
                              {{"段家庄", "371602001001", 30, {20, 5}},
                               {"李家", "371602001002", 12, {10, 2}},
                               {"王村", "371602001003", 9, {-1, -1}},
                               {"新苑社区", "371602002001", 5, {5, -1}},
                               {"张家", "371602002002", 8, {8, 0}}});
    const auto r = run.merge_tables({t});
    ASSERT_EQ(issues_with_code(r.issues, "W_TOTAL_MISMATCH").size(), 1u);
    EXPECT_EQ(issues_with_code(r.issues, "W_TOTAL_MISMATCH")[0].row, 4);
    const auto missing = issues_with_code(r.issues, "E_ROUTE_MISSING");
    ASSERT_EQ(missing.size(), 1u);
    EXPECT_EQ(missing[0].row, 6);
    EXPECT_EQ(missing[0].column, "C");
    EXPECT_EQ(r.households_total, 25 + 12 + 5 + 8);
    EXPECT_EQ(route(r, Route::other), 0);
}

TEST(MergeHeaders, RouteCellsThatNameNoRouteOrCoalAreRejectedAndOtherCleanRoutesAreSaid) {
    MergeRun run;
    const auto t = write_text(run.dir / "t.csv",
                              "乡镇,村名,村代码,改造方式,户数\n"
                              "滨北,段家庄,371602001001,洁净型煤,10\n"
                              "滨北,李家,371602001002,,11\n"
                              "滨北,王村,371602001003,待定,12\n"
                              "市西,新苑社区,371602002001,太阳能,13\n"
                              "市西,张家,371602002002,空气源热泵,14\n");
    const auto r = run.merge_tables({t});
    ASSERT_EQ(issues_with_code(r.issues, "E_ROUTE_NOT_CLEAN").size(), 1u);
    EXPECT_EQ(issues_with_code(r.issues, "E_ROUTE_NOT_CLEAN")[0].row, 2);
    EXPECT_EQ(issues_with_code(r.issues, "E_ROUTE_NOT_CLEAN")[0].column, "D");
    ASSERT_EQ(issues_with_code(r.issues, "E_ROUTE_MISSING").size(), 1u);
    EXPECT_EQ(issues_with_code(r.issues, "E_ROUTE_MISSING")[0].row, 3);
    ASSERT_EQ(issues_with_code(r.issues, "E_ROUTE_UNKNOWN").size(), 1u);
    EXPECT_EQ(issues_with_code(r.issues, "E_ROUTE_UNKNOWN")[0].value, "待定");
    ASSERT_EQ(issues_with_code(r.issues, "W_ROUTE_OTHER").size(), 1u);
    EXPECT_EQ(issues_with_code(r.issues, "W_ROUTE_OTHER")[0].row, 5);
    EXPECT_EQ(route(r, Route::other), 13);
    EXPECT_EQ(route(r, Route::electric), 14);
    EXPECT_EQ(r.households_total, 27);
    EXPECT_EQ(r.plan_rows.loaded, 2);
    EXPECT_EQ(r.plan_rows.rejected, 3);
}

TEST(MergeHeaders, ACoalColumnRejectsTheRowsThatUseIt) {
    MergeRun run;
    const auto t = wide_table(run.dir / "t.xlsx", {"煤改电", "洁净型煤"},
                              {{"段家庄", "371602001001", 30, {20, 10}}, {"李家", "371602001002", 12, {12, 0}}});
    const auto r = run.merge_tables({t});
    ASSERT_EQ(issues_with_code(r.issues, "E_ROUTE_NOT_CLEAN").size(), 1u);
    EXPECT_EQ(issues_with_code(r.issues, "E_ROUTE_NOT_CLEAN")[0].column, "E");
    EXPECT_EQ(r.households_total, 12);
}

TEST(MergeHeaders, PartsOfAVillageAddUpAndAreSaid) {
    MergeRun run;
    const auto t = write_text(run.dir / "t.csv",
                              "村名,村代码,煤改电\n段家庄（一）,371602001001,10\n段家庄（二）,371602001001,7\n"
                              "段家庄（二）,371602001001,7\n");
    const auto r = run.merge_tables({t});
    EXPECT_EQ(route(r, Route::electric), 17);
    EXPECT_EQ(issues_with_code(r.issues, "W_VILLAGE_PART").size(), 2u);
    ASSERT_EQ(issues_with_code(r.issues, "E_DUPLICATE").size(), 1u);  // the second （二） is the same part again
    EXPECT_EQ(issues_with_code(r.issues, "E_DUPLICATE")[0].row, 4);
    EXPECT_TRUE(issues_with_code(r.issues, "W_NAME_MISMATCH").empty());
}

TEST(MergeHeaders, NameThatDiffersBeyondTheSuffixesIsSaid) {
    MergeRun run;
    const auto t = write_text(run.dir / "t.csv", "村名,村代码,煤改电\n段家,371602001001,10\n李家村,371602001002,3\n");
    const auto r = run.merge_tables({t});
    const auto mismatch = issues_with_code(r.issues, "W_NAME_MISMATCH");
    ASSERT_EQ(mismatch.size(), 1u);
    EXPECT_EQ(mismatch[0].value, "段家");
    EXPECT_NE(mismatch[0].message.find("段家庄村委会"), std::string::npos);
}

TEST(MergeHeaders, VillageInTwoFilesIsSaidAndTheSameRouteCountedOnce) {
    MergeRun run;
    const auto a = write_text(run.dir / "a.csv", "村名,村代码,煤改电\n段家庄,371602001001,10\n李家,371602001002,4\n");
    const auto b = write_text(run.dir / "b.csv", "村名,村代码,煤改气,煤改电\n段家庄,371602001001,3,\n李家,371602001002,,6\n");
    const auto r = run.merge_tables({a, b});
    const auto two = issues_with_code(r.issues, "W_VILLAGE_IN_TWO_FILES");
    ASSERT_EQ(two.size(), 1u);
    EXPECT_EQ(two[0].file, b.string());
    EXPECT_EQ(two[0].row, 2);
    EXPECT_NE(two[0].message.find(a.string() + "第2行"), std::string::npos) << two[0].message;
    const auto dup = issues_with_code(r.issues, "E_DUPLICATE");
    ASSERT_EQ(dup.size(), 1u);
    EXPECT_EQ(dup[0].row, 3);
    // a different count for the same village and route is still counted once, and said
    EXPECT_NE(dup[0].message.find("户数不同"), std::string::npos);
    EXPECT_EQ(route(r, Route::electric), 14);
    EXPECT_EQ(route(r, Route::gas), 3);
}

TEST(MergeHeaders, AnEditedMappingMakesARefusedTableMerge) {
    MergeRun run;
    const auto bad = wide_table(run.dir / "bad.xlsx", {"煤改电", "清洁能源"},
                                {{"段家庄", "371602001001", 30, {20, 10}}, {"李家", "371602001002", 5, {5, -1}}});
    write_text(run.dir / "bad.mapping.json",
               R"({"table": "bad.xlsx", "columns": {"E": "route:gas"}})");
    run.options.mapping_files = {(run.dir / "bad.mapping.json").string()};
    const auto r = run.merge_tables({bad});
    EXPECT_TRUE(issues_with_code(r.issues, "E_HEADER_UNMAPPED").empty());
    EXPECT_EQ(route(r, Route::electric), 25);
    EXPECT_EQ(route(r, Route::gas), 10);
    // a mapping for another table does not apply
    write_text(run.dir / "other.mapping.json", R"({"table": "other.xlsx", "columns": {"E": "route:gas"}})");
    run.options.mapping_files = {(run.dir / "other.mapping.json").string()};
    EXPECT_EQ(run.merge_tables({bad}).households_total, 0);
    // a "?" left in the mapping is an error that names the column
    write_text(run.dir / "todo.mapping.json", R"({"table": "bad.xlsx", "columns": {"E": "?"}})");
    run.options.mapping_files = {(run.dir / "todo.mapping.json").string()};
    try {
        run.merge_tables({bad});
        FAIL() << "expected an InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("columns.E"), std::string::npos) << e.what();
    }
}

TEST(MergeHeaders, OutputMustBeAGeoPackage) {
    MergeRun run;
    const auto t = write_text(run.dir / "t.csv", "村名,村代码,煤改电\n段家庄,371602001001,10\n");
    run.options.output = run.dir / "out.shp";
    EXPECT_THROW(run.merge_tables({t}), UsageError);
    EXPECT_FALSE(fs::exists(run.dir / "out.shp"));
}

namespace {

// The villages copied into another layer with other field names.
fs::path copy_villages(const fs::path& from, const fs::path& to, const char* driver_name,
                       const std::vector<std::pair<std::string, std::string>>& fields, bool survey_codes = false) {
    std::unique_ptr<GDALDataset> src(GDALDataset::Open(from.c_str(), GDAL_OF_VECTOR));
    auto* driver = GetGDALDriverManager()->GetDriverByName(driver_name);
    std::unique_ptr<GDALDataset> dst(driver->Create(to.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    OGRLayer* in = src->GetLayer(0);
    // UTF-8 with a .cpg, as a careful export writes it (GDAL's default for shapefiles is ISO-8859-1)
    const char* const layer_options[] = {"ENCODING=UTF-8", nullptr};
    OGRLayer* out = dst->CreateLayer(to.stem().c_str(), in->GetSpatialRef(), wkbPolygon,
                                     std::string(driver_name) == "ESRI Shapefile" ? const_cast<char**>(layer_options)
                                                                                  : nullptr);
    for (const auto& [target, source] : fields) {
        OGRFieldDefn defn(target.c_str(), OFTString);
        if (out->CreateField(&defn) != OGRERR_NONE) ADD_FAILURE() << "cannot add " << target;
    }
    for (auto& feature : *in) {
        OGRFeature g(out->GetLayerDefn());
        for (std::size_t k = 0; k < fields.size(); ++k) {  // by position: the shapefile cut the names
            const std::string& source = fields[k].second;
            std::string value = feature->GetFieldAsString(source.c_str());
            if (survey_codes && source == "village_code") value += "0000000";  // 19-digit 坐落单位代码
            g.SetField(static_cast<int>(k), value.c_str());
        }
        g.SetGeometry(feature->GetGeometryRef());
        if (out->CreateFeature(&g) != OGRERR_NONE) ADD_FAILURE() << "cannot write " << to;
    }
    return to;
}

}  // namespace

TEST(MergeVillages, ShapefileWithNamesCutToTenCharactersMergesWithoutOptions) {
    MergeRun run;
    // GDAL itself cuts village_code to village_co and so on, as any shapefile export does
    const auto shp = copy_villages(run.dir / "villages.gpkg", run.dir / "export.shp", "ESRI Shapefile",
                                   {{"village_code", "village_code"},
                                    {"village_name", "village_name"},
                                    {"township_name", "township_name"},
                                    {"county_name", "county_name"}});
    run.options.villages = shp.string();
    const auto t = write_text(run.dir / "t.csv", "乡镇,村名,煤改电\n滨北,段家庄,10\n");  // matched by name
    const auto r = run.merge_tables({t});
    EXPECT_EQ(r.households_total, 10);
    EXPECT_EQ(r.matched_by_name, 1);
    const auto out = read_layer(run.options.output, "villages");
    ASSERT_EQ(out.size(), 5u);
    EXPECT_EQ(out[0].at("township_name"), "滨北街道");
}

TEST(MergeVillages, LandSurveyFieldsMergeWithoutOptions) {
    MergeRun run;
    const auto gpkg = copy_villages(run.dir / "villages.gpkg", run.dir / "cjdcq.gpkg", "GPKG",
                                    {{"ZLDWDM", "village_code"}, {"ZLDWMC", "village_name"}}, true);
    run.options.villages = gpkg.string();
    const auto t = write_text(run.dir / "t.csv", "村名,村代码,煤改电\n段家庄,371602001001,10\n");
    const auto r = run.merge_tables({t});
    EXPECT_EQ(r.households_total, 10);
    EXPECT_TRUE(issues_with_code(r.issues, "W_NAME_MISMATCH").empty());
}

TEST(MergeVillages, FieldsFoundByContentOrNamedOnTheCommandLine) {
    MergeRun run;
    const auto gpkg = copy_villages(run.dir / "villages.gpkg", run.dir / "odd.gpkg", "GPKG",
                                    {{"BM", "village_code"}, {"MC", "village_name"}, {"XZ", "township_name"}});
    run.options.villages = gpkg.string();
    const auto t = write_text(run.dir / "t.csv", "村名,村代码,煤改电\n段家庄,371602001001,10\n");
    auto r = run.merge_tables({t});  // BM holds 12-digit codes, MC village names
    EXPECT_EQ(r.households_total, 10);
    EXPECT_TRUE(issues_with_code(r.issues, "W_NAME_MISMATCH").empty());
    run.options.villages_fields = "code=BM,name=MC,township=XZ";
    r = run.merge_tables({t});
    EXPECT_EQ(r.households_total, 10);
    run.options.villages_fields = "code=NOPE";
    EXPECT_THROW(run.merge_tables({t}), UsageError);
}

TEST(MergeVillages, MissingVillagesFileSaysNoSuchFile) {
    MergeRun run;
    run.options.villages = (run.dir / "nope.shp").string();
    const auto t = write_text(run.dir / "t.csv", "村名,村代码,煤改电\n段家庄,371602001001,10\n");
    try {
        run.merge_tables({t});
        FAIL() << "expected an InputError";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("no such file"), std::string::npos) << e.what();
    }
}

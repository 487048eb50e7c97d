#include <gtest/gtest.h>

#include <algorithm>
#include <ogr_geometry.h>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

std::vector<std::string> merge_args(const fs::path& output) {
    std::vector<std::string> args = {"merge"};
    for (const auto& f : sample_plan_files()) args.push_back(f);
    for (const char* a : {"--villages", "data-samples/villages.gpkg", "--heating", "data-samples/heating.xlsx"})
        args.push_back(a);
    args.push_back("-o");
    args.push_back(output.string());
    return args;
}

nlohmann::json manifest() {
    return nlohmann::json::parse(read_file(samples("faults.json")));
}

const std::map<std::string, std::string> kCodeOfFault = {
    {"unknown_code", "E_CODE_UNKNOWN"},         {"matched_by_name", "W_MATCHED_BY_NAME"},
    {"name_mismatch", "W_NAME_MISMATCH"},       {"duplicate", "E_DUPLICATE"},
    {"unreadable_count", "E_COUNT_UNREADABLE"}, {"negative_count", "E_COUNT_NEGATIVE"},
    {"total_mismatch", "W_TOTAL_MISMATCH"},     {"other_route", "W_ROUTE_OTHER"},
    {"fullwidth_code", "W_CODE_REFORMATTED"},   {"subtotal_mismatch", "W_SUBTOTAL_MISMATCH"},
};

// One merge of the samples shared by the tests of this file.
struct SampleRun {
    fs::path output = temp_dir() / "merged.gpkg";
    CliResult result;
    nlohmann::json summary;
    SampleRun() {
        auto args = merge_args(output);
        args.push_back("--json");
        result = run_cli(args);
        summary = nlohmann::json::parse(result.out);
    }
};

const SampleRun& sample_run() {
    static SampleRun run;
    return run;
}

}  // namespace

TEST(MergeCli, SamplesLoadAllValidRows) {
    const auto& run = sample_run();
    EXPECT_EQ(run.result.exit_code, 1) << run.result.err;  // the samples carry rejected rows
    const auto expected = manifest()["expected"];
    EXPECT_EQ(run.summary["households"]["total"], 121000);
    EXPECT_EQ(run.summary["households"]["total"], expected["households_total"]);
    for (const auto& [route, households] : expected["households_by_route"].items())
        EXPECT_EQ(run.summary["households"][route], households) << route;
    for (const auto& [county, households] : expected["households_by_county"].items())
        EXPECT_EQ(run.summary["households_by_county"][county], households) << county;
    EXPECT_DOUBLE_EQ(run.summary["heating"]["area_m2"].get<double>(), 2920000.0);
    EXPECT_EQ(run.summary["rows"]["loaded"], expected["rows_loaded"]);
    std::map<std::string, double> area;
    for (const auto& h : read_layer(run.output, "heating"))
        area[h.at("county_code").rfind("ZONE", 0) == 0 ? h.at("unit_name") : h.at("county_code")] +=
            std::stod(h.at("area_m2"));
    for (const auto& [unit, m2] : expected["area_by_unit"].items())
        EXPECT_NEAR(area[unit], m2.get<double>(), 0.001) << unit;
    EXPECT_EQ(run.summary["rows"]["rejected"], expected["rows_rejected"]);
}

TEST(MergeCli, ReconciliationAddsUp) {
    const auto& s = sample_run().summary;
    EXPECT_EQ(s["rows"]["read"].get<int>(), s["rows"]["loaded"].get<int>() + s["rows"]["rejected"].get<int>());
    const auto h = s["heating"]["rows"];
    EXPECT_EQ(h["read"].get<int>(), h["loaded"].get<int>() + h["rejected"].get<int>());
    int read = 0;
    for (const auto& f : s["files"])
        if (f["kind"] == "plan") read += f["rows_read"].get<int>();
    EXPECT_EQ(read, s["rows"]["read"].get<int>());
    // the GeoPackage says the same
    const auto villages = read_layer(sample_run().output, "villages");
    long long households = 0;
    for (const auto& v : villages) households += std::stoll(v.at("households_total"));
    EXPECT_EQ(households, 121000);
    double area = 0;
    for (const auto& h2 : read_layer(sample_run().output, "heating")) area += std::stod(h2.at("area_m2"));
    EXPECT_NEAR(area, 2920000.0, 0.001);
    const auto issues = read_layer(sample_run().output, "issues");
    int errors = 0;
    for (const auto& i : issues) errors += i.at("severity") == "error" && std::stoi(i.at("row")) > 0;
    EXPECT_EQ(errors, s["rows"]["rejected"].get<int>() + h["rejected"].get<int>());
}

TEST(MergeCli, EveryInjectedFaultIsReportedWithFileAndRow) {
    const auto issues = read_layer(sample_run().output, "issues");
    const auto faults = manifest()["faults"];
    ASSERT_GE(faults.size(), 10u);
    for (const auto& fault : faults) {
        const std::string kind = fault["kind"];
        const std::string file = "data-samples/" + fault["file"].get<std::string>();
        const std::string row = std::to_string(fault["row"].get<int>());
        ASSERT_TRUE(kCodeOfFault.count(kind)) << kind;
        const std::string code = kCodeOfFault.at(kind);
        const bool found = std::any_of(issues.begin(), issues.end(), [&](const Record& i) {
            return i.at("file") == file && i.at("row") == row && i.at("code") == code;
        });
        EXPECT_TRUE(found) << kind << " (" << code << ") not reported at " << file << " row " << row;
    }
}

TEST(MergeCli, ExistingOutputWithoutOverwriteExits4) {
    const fs::path output = temp_dir() / "merged.gpkg";
    std::ofstream(output) << "x";
    const auto r = run_cli(merge_args(output));
    EXPECT_EQ(r.exit_code, 4);
    EXPECT_NE(r.err.find("add --overwrite"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(output), "x");
}

TEST(MergeCli, MissingVillagesExits3NamingTheFile) {
    const auto r = run_cli(
        {"merge", sample_plan_files()[0], "--villages", "data-samples/no-such.gpkg", "-o", (temp_dir() / "o.gpkg").string()});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("no-such.gpkg"), std::string::npos) << r.err;
}

TEST(MergeCli, UnreadableTableExits3) {
    const fs::path bad = temp_dir() / "bad.xlsx";
    std::ofstream(bad) << "this is not a workbook";
    const auto r = run_cli(
        {"merge", bad.string(), "--villages", "data-samples/villages.gpkg", "-o", (temp_dir() / "o.gpkg").string()});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("bad.xlsx: cannot open"), std::string::npos) << r.err;
}

TEST(MergeCli, PointsVariantMergesTheSameTotals) {
    auto args = merge_args(temp_dir() / "points.gpkg");
    const auto it = std::find(args.begin(), args.end(), "data-samples/villages.gpkg");
    *it = "data-samples/villages_points.gpkg";
    args.push_back("--json");
    const auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 1) << r.err;
    const auto s = nlohmann::json::parse(r.out);
    EXPECT_EQ(s["households"]["total"], 121000);
    EXPECT_NE(s["crs"]["working"].get<std::string>().find("4527"), std::string::npos);
}

TEST(MergeCli, ShapefileExportOfTheSampleVillagesMergesTheSameTotals) {
    // field names cut to 10 characters (village_co, village_na, township_n ...), as any export does
    const auto dir = temp_dir();
    const fs::path shp = dir / "villages.shp";
    shell_output("ogr2ogr -q -f 'ESRI Shapefile' -lco ENCODING=UTF-8 '" + shp.string() + "' '" +
                 samples("villages.gpkg").string() + "' villages 2>&1");
    ASSERT_TRUE(fs::exists(shp));
    ASSERT_NE(shell_output("ogrinfo -so '" + shp.string() + "' villages").find("village_co"), std::string::npos);
    auto args = merge_args(dir / "shp.gpkg");
    *std::find(args.begin(), args.end(), "data-samples/villages.gpkg") = shp.string();
    args.push_back("--json");
    const auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 1) << r.err;
    const auto s = nlohmann::json::parse(r.out);
    EXPECT_EQ(s["households"]["total"], 121000);
    EXPECT_EQ(s["rows"]["loaded"], manifest()["expected"]["rows_loaded"]);
    EXPECT_EQ(s["issues"]["by_code"].value("W_NAME_MISMATCH", 0), 1);  // the one planted, not more

    // exported in GDAL's default code page the Chinese names are lost: said once, not per row
    const fs::path latin = dir / "latin.shp";
    shell_output("ogr2ogr -q -f 'ESRI Shapefile' '" + latin.string() + "' '" + samples("villages.gpkg").string() +
                 "' villages 2>&1");
    *std::find(args.begin(), args.end(), shp.string()) = latin.string();
    *std::find(args.begin(), args.end(), (dir / "shp.gpkg").string()) = (dir / "latin.gpkg").string();
    const auto lost = run_cli(args);
    ASSERT_EQ(lost.exit_code, 1) << lost.err;
    const auto l = nlohmann::json::parse(lost.out);
    EXPECT_GE(l["issues"]["by_code"].value("W_VILLAGE_NAMES_LOST", 0), 1);
    EXPECT_EQ(l["issues"]["by_code"].value("W_NAME_MISMATCH", 0), 0);
}

TEST(MergeCli, LandSurveyLayerWithZldwdmFieldsMergesTheSameTotals) {
    // 村级调查区 of the land survey: ZLDWDM (19-digit 坐落单位代码, the village code first), ZLDWMC
    const auto dir = temp_dir();
    const fs::path survey = dir / "cjdcq.gpkg";
    shell_output("ogr2ogr -q -f GPKG '" + survey.string() + "' '" + samples("villages.gpkg").string() +
                 "' -nln CJDCQ -sql \"SELECT geom, village_code || '0000000' AS ZLDWDM, village_name AS ZLDWMC "
                 "FROM villages\" 2>&1");
    ASSERT_TRUE(fs::exists(survey));
    auto args = merge_args(dir / "survey.gpkg");
    *std::find(args.begin(), args.end(), "data-samples/villages.gpkg") = survey.string();
    args.push_back("--json");
    const auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 1) << r.err;
    const auto s = nlohmann::json::parse(r.out);
    EXPECT_EQ(s["households"]["total"], 121000);
    EXPECT_EQ(s["rows"]["loaded"], manifest()["expected"]["rows_loaded"]);
}

TEST(MergeCli, Gcj02PointsLandOnTheTruePositions) {
    const fs::path output = temp_dir() / "gcj.gpkg";
    const auto r = run_cli({"merge", "--villages", "data-samples/villages_gcj02.gpkg", "--villages-crs", "gcj02", "-o",
                            output.string(), "--json", sample_plan_files()[0]});
    ASSERT_LE(r.exit_code, 1) << r.err;
    // the same villages from the CGCS2000 points, in the same working CRS
    const fs::path truth = temp_dir() / "truth.gpkg";
    ASSERT_LE(run_cli({"merge", "--villages", "data-samples/villages_points.gpkg", "--working-crs", "EPSG:4527", "-o",
                       truth.string(), sample_plan_files()[0]})
                  .exit_code,
              1);
    std::map<std::string, std::string> true_wkt;
    for (const auto& v : read_layer(truth, "villages")) true_wkt[v.at("village_code")] = v.at("geometry");
    const auto villages = read_layer(output, "villages");
    ASSERT_EQ(villages.size(), 60u);
    for (const auto& v : villages) {
        OGRGeometry *a = nullptr, *b = nullptr;
        OGRGeometryFactory::createFromWkt(v.at("geometry").c_str(), nullptr, &a);
        OGRGeometryFactory::createFromWkt(true_wkt.at(v.at("village_code")).c_str(), nullptr, &b);
        ASSERT_TRUE(a && b);
        EXPECT_LT(a->Distance(b), 1.0) << v.at("village_code");  // metres, after a 500 m offset was removed
        OGRGeometryFactory::destroyGeometry(a);
        OGRGeometryFactory::destroyGeometry(b);
    }
}

TEST(MergeCli, Gcj02ShiftedPointsAreSpottedAgainstReferencePolygons) {
    auto run = [](const std::vector<std::string>& extra) {
        std::vector<std::string> args = {"merge",       sample_plan_files()[0],
                                         "--reference", "data-samples/villages.gpkg",
                                         "-o",          (temp_dir() / "g.gpkg").string(),
                                         "--json"};
        args.insert(args.end(), extra.begin(), extra.end());
        const auto r = run_cli(args);
        EXPECT_LE(r.exit_code, 1) << r.err;
        return std::make_pair(nlohmann::json::parse(r.out), r.err);
    };
    // web-map points taken as they are labelled (WGS84): the shift is spotted
    const auto [shifted, shifted_err] = run({"--villages", "data-samples/villages_gcj02.gpkg"});
    EXPECT_EQ(shifted["issues"]["by_code"].value("W_GCJ02_SUSPECTED", 0), 1) << shifted.dump();
    EXPECT_NE(shifted_err.find("W_GCJ02_SUSPECTED"), std::string::npos);
    // the same points declared GCJ-02: corrected, no warning
    const auto [corrected, corrected_err] =
        run({"--villages", "data-samples/villages_gcj02.gpkg", "--villages-crs", "gcj02"});
    EXPECT_EQ(corrected["issues"]["by_code"].value("W_GCJ02_SUSPECTED", 0), 0);
    EXPECT_EQ(corrected["issues"]["by_code"].value("W_GCJ02_DOUBTFUL", 0), 0);
    EXPECT_EQ(corrected["crs"]["gcj02_check"].get<std::string>().rfind("60 of 60", 0), 0u)
        << corrected["crs"]["gcj02_check"];
    // true CGCS2000 points: no warning either
    const auto [plain, plain_err] = run({"--villages", "data-samples/villages_points.gpkg"});
    EXPECT_EQ(plain["issues"]["by_code"].value("W_GCJ02_SUSPECTED", 0), 0) << plain["crs"]["gcj02_check"];
}

TEST(MergeCli, SigtermStopsTheMergeLikeCtrlCAndLeavesNoPartialOutput) {
    // enough tables to be still reading when the signal comes: the samples' tables 20 times over;
    // the signal is sent 0.02 s after the first progress line (the handler is in place by then)
    const auto dir = temp_dir();
    std::string tables;
    for (int copy = 0; copy < 20; ++copy)
        for (const auto& f : sample_plan_files()) {
            const fs::path to = dir / (std::to_string(copy) + "_" + fs::path(f).filename().string());
            fs::copy_file(source_dir() / f, to);
            tables += " '" + to.string() + "'";
        }
    const fs::path output = dir / "out.gpkg";
    for (const char* signal : {"TERM", "INT"}) {
        // the first run's messages gone: the wait below is for this run's first progress line (a
        // background job ignores SIGINT until cleanheat's handler is in place)
        fs::remove(dir / "err");
        const std::string command = "cd '" + source_dir().string() + "' && { '" + std::string(CLEANHEAT_BINARY) +
                                    "' merge" + tables + " --villages data-samples/villages.gpkg -o '" +
                                    output.string() + "' --overwrite --progress >/dev/null 2>'" + (dir / "err").string() +
                                    "' & pid=$!; for i in $(seq 500); do [ -s '" + (dir / "err").string() +
                                    "' ] && break; sleep 0.01; done; sleep 0.02; kill -" + signal +
                                    " $pid; wait $pid; echo \"exit=$?\"; }";
        const std::string out = shell_output(command);
        // said by cleanheat on its way out (a process killed outright would say nothing)
        EXPECT_NE(read_file(dir / "err").find("interrupted"), std::string::npos) << signal;
        EXPECT_NE(out.find(std::string("exit=") + (std::string(signal) == "TERM" ? "143" : "130")), std::string::npos)
            << signal << ": " << out;
        EXPECT_FALSE(fs::exists(output)) << signal;
        EXPECT_FALSE(fs::exists(output.string() + ".partial")) << signal;
    }
}

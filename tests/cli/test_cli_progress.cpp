// cleanheat progress and spotcheck as a user runs them on the samples: exit codes, --json,
// the workbooks read back through GDAL, the chart's pixels and the PDFs' text.
#include <cairo.h>
#include <gdal_priv.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

std::vector<std::string> sample_reports() {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(samples("progress"))) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

CliResult progress(const fs::path& gpkg, const std::vector<std::string>& extra, bool reports = true) {
    std::vector<std::string> args = {"progress", gpkg.string()};
    if (reports) {
        const auto files = sample_reports();
        args.insert(args.end(), files.begin(), files.end());
    }
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
}

TEST(ProgressCli, ImportsTheSamplesAndWritesWorkbookChartAndJson) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto xlsx = dir / "progress.xlsx";
    const auto r = progress(gpkg, {"--as-of", "2022-09-20", "-o", xlsx.string(), "--json", "--quiet"});
    ASSERT_EQ(r.exit_code, 1) << r.err;  // the planted faults are not applied
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["as_of"], "2022-09-20");
    EXPECT_EQ(j["due"], "completed");
    EXPECT_EQ(j["total"]["households"], 121000);
    EXPECT_EQ(j["total"]["villages"], 846);
    int imported = 0, duplicate = 0, skipped = 0;
    for (const auto& i : j["imports"]) {
        imported += i["status"] == "imported";
        duplicate += i["status"] == "duplicate";
        skipped += i["status"] == "not_a_table";
    }
    EXPECT_EQ(imported, 28);
    EXPECT_EQ(duplicate, 1);
    EXPECT_EQ(skipped, 2);  // README.md, expected.json
    for (const char* code : {"E_PROGRESS_BACKWARDS", "E_PROGRESS_EXCEEDS_PLAN", "E_CODE_UNKNOWN", "E_VILLAGE_NOT_FOUND",
                             "W_REPORT_DUPLICATE"})
        EXPECT_TRUE(j["issues"].contains(code)) << code;
    EXPECT_EQ(j["trend"].size(), 4u);
    // the workbook: per county, its 合计 row equal to the JSON totals
    const auto rows = sheet_rows(xlsx, "分县进度");
    ASSERT_GT(rows.size(), 10u);
    EXPECT_EQ(rows[0][0], "2022年农村清洁取暖工程进度表");
    EXPECT_NE(rows[1][0].find("截至2022年9月20日"), std::string::npos) << rows[1][0];
    EXPECT_NE(rows[1][0].find("完成施工"), std::string::npos) << rows[1][0];
    const auto total = std::find_if(rows.begin(), rows.end(), [](const auto& row) { return row[0] == "合计"; });
    ASSERT_NE(total, rows.end());
    EXPECT_EQ(std::stoll((*total)[3]), j["total"]["households"].get<long long>());
    EXPECT_EQ(std::stoll((*total)[5]), j["total"]["started"].get<long long>());
    EXPECT_EQ(std::stoll((*total)[8]), j["total"]["completed"].get<long long>());
    EXPECT_EQ(std::stoll((*total)[13]), j["total"]["villages_late"].get<long long>());
    const auto late = sheet_rows(xlsx, "滞后村庄");
    long long late_rows = 0;
    for (const auto& row : late) late_rows += row.size() > 3 && row[3].size() == 12;  // a village code
    EXPECT_EQ(late_rows, static_cast<long long>(j["late"].size()));
    bool backwards = false;
    for (const auto& row : sheet_rows(xlsx, "数据问题"))
        backwards = backwards || row[6] == "E_PROGRESS_BACKWARDS";  // after 序号
    EXPECT_TRUE(backwards);
    EXPECT_EQ(sheet_rows(xlsx, "导入记录").size(), 4u + 28u);  // title, unit, header, 28 imports, 合计
    EXPECT_NE(shell_output("unzip -l " + xlsx.string()).find("xl/charts/chart1.xml"), std::string::npos);
    // the chart files next to the workbook
    const std::string text = pdf_text(dir / "progress-chart.pdf");
    for (const char* s :
         {"2022年农村清洁取暖工程进度（全市）", "全部开工", "完成施工", "调试验收", "已完工", "截至2022年9月20日"})
        EXPECT_NE(text.find(s), std::string::npos) << s;
    cairo_surface_t* png = cairo_image_surface_create_from_png((dir / "progress-chart.png").c_str());
    ASSERT_EQ(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    const int w = cairo_image_surface_get_width(png), h = cairo_image_surface_get_height(png);
    const unsigned char* data = cairo_image_surface_get_data(png);
    const int stride = cairo_image_surface_get_stride(png);
    long long orange = 0, green = 0, red = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const unsigned char* p = data + y * stride + 4 * x;  // BGRA
            orange += p[2] == 0xF3 && p[1] == 0x9C && p[0] == 0x12;
            green += p[2] == 0x27 && p[1] == 0xAE && p[0] == 0x60;
            red += p[2] == 0xC0 && p[1] == 0x39 && p[0] == 0x2B;
        }
    cairo_surface_destroy(png);
    EXPECT_EQ(w, static_cast<int>(842 * 150 / 72));
    EXPECT_GT(orange, 1000);
    EXPECT_GT(green, 1000);
    EXPECT_GT(red, 300);  // the milestone lines
    // the same reports again: nothing changes, and it says so; the findings of the first import
    // are said again, so the retry exits as the first import did (its rows were rejected)
    const auto again = progress(gpkg, {"--as-of", "2022-09-20", "--quiet"});
    EXPECT_EQ(again.exit_code, 1) << again.err;
    EXPECT_NE(again.out.find("already imported"), std::string::npos) << again.out;
    // the progress map draws the state
    ASSERT_EQ(
        run_cli({"map", gpkg.string(), "--style", "styles/progress.json", "-o", (dir / "p.pdf").string(), "--quiet"})
            .exit_code,
        0);
    EXPECT_NE(pdf_text(dir / "p.pdf").find("滞后"), std::string::npos);
}

TEST(ProgressCli, BadInputsAreRefusedBeforeTheLedgerChanges) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto bad_date = progress(gpkg, {"--as-of", "2022-02-30"}, false);
    EXPECT_EQ(bad_date.exit_code, 2);
    EXPECT_NE(bad_date.err.find("--as-of"), std::string::npos) << bad_date.err;
    EXPECT_EQ(progress(dir / "missing.gpkg", {}, false).exit_code, 3);
    const auto xlsx = dir / "exists.xlsx";
    write_xlsx(xlsx, {{"Sheet1", {{0, 0, "x"}}, {}}});
    const auto exists = progress(gpkg, {"-o", xlsx.string()});
    EXPECT_EQ(exists.exit_code, 4);
    GDALAllRegister();
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(ds);
    EXPECT_EQ(ds->GetLayerByName("progress_ledger"), nullptr) << "the refused runs must not start a ledger";
    EXPECT_TRUE(read_layer(gpkg, "villages").size() > 0);
    const auto spot = run_cli({"spotcheck", gpkg.string(), "--rate", "0.05", "-o", (dir / "s.xlsx").string()});
    EXPECT_EQ(spot.exit_code, 3);
    EXPECT_NE(spot.err.find("cleanheat progress"), std::string::npos) << spot.err;
}

TEST(SpotcheckCli, SameSeedSameSampleEveryCountyAtLeastTheMinimumAndTheRateMet) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(progress(gpkg, {"--as-of", "2022-10-10", "--quiet"}).exit_code, 1);
    auto draw = [&](const std::string& seed, const std::string& name) {
        const auto r = run_cli({"spotcheck", gpkg.string(), "--rate", "0.05", "--min-per-county", "3", "--seed", seed,
                                "-o", (dir / (name + ".xlsx")).string(), "--json", "--quiet"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        return nlohmann::json::parse(r.out);
    };
    const auto a = draw("2022", "a");
    const auto b = draw("2022", "b");
    const auto c = draw("7", "c");
    auto codes = [](const nlohmann::json& j) {
        std::vector<std::string> out;
        for (const auto& s : j["sample"]) out.push_back(s["village_code"]);
        return out;
    };
    EXPECT_EQ(codes(a), codes(b));
    EXPECT_NE(codes(a), codes(c));
    std::map<std::string, long long> drawn;
    for (const auto& s : a["sample"]) ++drawn[s["county_code"]];
    ASSERT_EQ(a["counties"].size(), 7u);
    for (const auto& [code, county] : a["counties"].items()) {
        const long long eligible = county["eligible"];
        EXPECT_GE(drawn[code], std::min<long long>(3, eligible)) << code;
        EXPECT_GE(drawn[code], static_cast<long long>(std::ceil(0.05 * static_cast<double>(eligible)))) << code;
        EXPECT_EQ(drawn[code], county["sampled"].get<long long>());
    }
    // the inspectors' workbook: the sample, blank columns to fill in, a drop-down of results
    const auto rows = sheet_rows(dir / "a.xlsx", "抽查名单");
    long long listed = 0;
    for (const auto& row : rows) listed += row.size() > 3 && row[3].size() == 12;
    EXPECT_EQ(listed, static_cast<long long>(a["sample"].size()));
    const std::string sheet = shell_output("unzip -p " + (dir / "a.xlsx").string() + " xl/worksheets/sheet1.xml");
    EXPECT_NE(sheet.find("<dataValidation type=\"list\""), std::string::npos);
    EXPECT_NE(sheet.find("合格,基本合格,不合格,未能检查"), std::string::npos);
    // the map of the sample
    const std::string text = pdf_text(dir / "a.pdf");
    EXPECT_NE(text.find("抽查村庄"), std::string::npos);
    const std::string first = a["sample"][0]["village_name"];
    EXPECT_NE(text.find(first), std::string::npos) << first;
    // a count instead of a rate
    const auto n = run_cli({"spotcheck", gpkg.string(), "--count", "20", "--seed", "1", "-o", (dir / "n.xlsx").string(),
                            "--no-map", "--json", "--quiet"});
    ASSERT_EQ(n.exit_code, 0) << n.err;
    EXPECT_EQ(nlohmann::json::parse(n.out)["sample"].size(), 20u);
    EXPECT_FALSE(fs::exists(dir / "n.pdf"));
    EXPECT_EQ(run_cli({"spotcheck", gpkg.string(), "-o", (dir / "x.xlsx").string()}).exit_code, 2);
}

}  // namespace

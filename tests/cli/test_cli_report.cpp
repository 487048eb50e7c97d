// cleanheat report on the samples: the PDF read back with poppler (pages, text, fonts) and
// its cover rendered to pixels.
#include <cairo.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

TEST(ReportCli, SamplesReportHasEverySectionCountyAndTheWorkbookTotals) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"contiguity", gpkg.string(), "--quiet"}).exit_code, 0);
    std::vector<std::string> args = {"progress", gpkg.string()};
    for (const auto& e : fs::directory_iterator(samples("progress"))) args.push_back(e.path().string());
    args.insert(args.end(), {"--as-of", "2022-10-10", "--quiet"});
    ASSERT_EQ(run_cli(args).exit_code, 1);
    const auto pdf = dir / "report.pdf";
    const auto r = run_cli({"report", gpkg.string(), "-o", pdf.string(), "--json", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["as_of"], "2022-10-10");
    EXPECT_EQ(j["households"], 121000);
    EXPECT_TRUE(j["notes"].empty()) << j["notes"].dump();
    const std::string info = shell_output("pdfinfo " + pdf.string());
    EXPECT_NE(info.find("Pages:           " + std::to_string(j["pages"].get<int>()) + "\n"), std::string::npos) << info;
    EXPECT_GT(j["pages"].get<int>(), 12);
    const std::string text = pdf_text(pdf);
    for (const auto& s : j["sections"]) {
        std::string section = s.get<std::string>();
        section.erase(std::remove(section.begin(), section.end(), ' '), section.end());
        EXPECT_NE(text.find(section), std::string::npos) << section;
    }
    EXPECT_EQ(j["sections"].size(), 6u);  // 总体情况 建设计划 工程进度 全市图件 分县情况 附录
    for (const char* county : {"滨城区", "沾化区", "惠民县", "阳信县", "无棣县", "博兴县", "邹平市"})
        EXPECT_NE(text.find(county), std::string::npos) << county;
    // the totals as the workbook writes them
    EXPECT_NE(text.find("合计121,000"), std::string::npos);  // digits grouped, as everywhere
    EXPECT_NE(text.find("292.00"), std::string::npos);
    for (const char* s : {"滨州市2022年清洁取暖建设情况报告", "目录", "第2页共", "附件1", "附件2", "滞后村庄",
                          "数据问题", "滨州市2022年农村清洁取暖技术路线图", "E_PROGRESS_BACKWARDS"})
        EXPECT_NE(text.find(s), std::string::npos) << s;
    EXPECT_NE(pdf_text(pdf, "-f 2 -l 2").find("附录数据问题"), std::string::npos) << "the contents list the appendix";
    // the isolated villages the contiguity check found, by name in their county's section
    const auto names = sqlite_rows(gpkg, "villages", "fid", {"village_name"});
    int isolated = 0;
    for (const auto& [fid, row] : sqlite_rows(gpkg, "village_contiguity", "village_fid", {"contiguity"}))
        if (row[0] == "isolated") {
            ++isolated;
            EXPECT_NE(text.find(names.at(fid)[0]), std::string::npos) << names.at(fid)[0];
        }
    EXPECT_GT(isolated, 0);
    const std::string fonts = shell_output("pdffonts " + pdf.string() + " 2>/dev/null");
    EXPECT_NE(fonts.find("NotoSansCJK"), std::string::npos) << fonts;
    EXPECT_EQ(fonts.find(" no  "), std::string::npos) << "a font is not embedded:\n" << fonts;
    // the cover: the red band at a quarter of the page height, the title's dark text below it
    shell_output("pdftoppm -f 1 -l 1 -r 40 -png " + pdf.string() + " " + (dir / "cover").string());
    cairo_surface_t* png = cairo_image_surface_create_from_png((dir / "cover-01.png").c_str());
    ASSERT_EQ(cairo_surface_status(png), CAIRO_STATUS_SUCCESS);
    const int w = cairo_image_surface_get_width(png), h = cairo_image_surface_get_height(png);
    const unsigned char* data = cairo_image_surface_get_data(png);
    const int stride = cairo_image_surface_get_stride(png);
    auto pixel = [&](int x, int y) { return data + y * stride + 4 * x; };  // BGRA
    int red_rows = 0, dark = 0;
    for (int y = h / 5; y < h * 3 / 10; ++y) {
        const unsigned char* p = pixel(w / 2, y);
        red_rows += p[2] > 120 && p[1] < 60 && p[0] < 60;
    }
    for (int y = h * 3 / 10; y < h * 2 / 5; ++y)
        for (int x = 0; x < w; ++x) dark += pixel(x, y)[2] < 90;
    cairo_surface_destroy(png);
    EXPECT_GE(red_rows, 1);
    EXPECT_GT(dark, 50);
}

TEST(ReportCli, WithoutProgressOrContiguityTheReportSaysSoAndLeavesTheirMapsOut) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto r = run_cli({"report", gpkg.string(), "-o", (dir / "r.pdf").string(), "--json", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["sections"].size(), 5u);  // no 工程进度
    bool contiguity_left_out = false;
    for (const auto& n : j["notes"])
        contiguity_left_out = contiguity_left_out || n.get<std::string>().find("contiguity") != std::string::npos;
    EXPECT_TRUE(contiguity_left_out) << j["notes"].dump();
    EXPECT_NE(pdf_text(dir / "r.pdf").find("尚未导入"), std::string::npos);
    EXPECT_EQ(run_cli({"report", gpkg.string(), "-o", (dir / "r.pdf").string()}).exit_code, 4);
    // more units than county_limit: one overview table; tables cut at table_limit with a pointer
    const auto style = dir / "report.json";
    std::ofstream(style)
        << R"({"title": "测试报告{year}", "maps": [], "list_limit": 5, "table_limit": 2, "county_limit": 3})";
    const auto small = run_cli(
        {"report", gpkg.string(), "-o", (dir / "s.pdf").string(), "--style", style.string(), "--json", "--quiet"});
    ASSERT_EQ(small.exit_code, 0) << small.err;
    const std::string text = pdf_text(dir / "s.pdf");
    EXPECT_NE(text.find("测试报告2022"), std::string::npos);
    EXPECT_NE(text.find("各县（市、区）情况一览"), std::string::npos);
    EXPECT_NE(text.find("另有5个单位"), std::string::npos);
    EXPECT_EQ(text.find("滨城区农村清洁取暖"), std::string::npos) << "no county sections";
    EXPECT_EQ(nlohmann::json::parse(small.out)["sections"].size(), 4u);  // no maps section either
    std::ofstream(style) << R"({"title": "x", "colour": "red"})";
    const auto bad = run_cli({"report", gpkg.string(), "-o", (dir / "b.pdf").string(), "--style", style.string()});
    EXPECT_EQ(bad.exit_code, 3);
    EXPECT_NE(bad.err.find("colour"), std::string::npos) << bad.err;
    EXPECT_EQ(run_cli({"report", (dir / "none.gpkg").string(), "-o", (dir / "x.pdf").string()}).exit_code, 3);
}

}  // namespace

TEST(ReportCli, TheReportOnlyReadsAndIsNotHeldUpByACommandWritingTheDataset) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    std::vector<std::string> args = {"progress", gpkg.string()};
    for (const auto& e : fs::directory_iterator(samples("progress"))) args.push_back(e.path().string());
    args.insert(args.end(), {"--as-of", "2022-10-10", "--quiet"});
    ASSERT_EQ(run_cli(args).exit_code, 1);
    const auto free_pdf = dir / "free.pdf", held_pdf = dir / "held.pdf";
    // an earlier date than the last report: the state is computed from the whole ledger
    ASSERT_EQ(run_cli({"report", gpkg.string(), "-o", free_pdf.string(), "--as-of", "2022-09-30", "--quiet"}).exit_code, 0);
    const std::string before = dataset_digest(gpkg);
    // another command holds the dataset for writing (an import that has not committed yet)
    sqlite3* writer = nullptr;
    ASSERT_EQ(sqlite3_open(gpkg.c_str(), &writer), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(writer, "BEGIN IMMEDIATE; DELETE FROM progress_trend;", nullptr, nullptr, nullptr), SQLITE_OK);
    const auto r = run_cli({"report", gpkg.string(), "-o", held_pdf.string(), "--as-of", "2022-09-30", "--quiet"});
    sqlite3_exec(writer, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(writer);
    ASSERT_EQ(r.exit_code, 0) << r.err;  // a report that took the write lock would wait, then fail
    EXPECT_EQ(pdf_text(held_pdf), pdf_text(free_pdf));
    EXPECT_NE(pdf_text(held_pdf).find("工程进度（截至2022年9月30日"), std::string::npos);
    EXPECT_EQ(dataset_digest(gpkg), before);
    // opened read-only: a writer's connection would have put a rollback-journal dataset in WAL mode
    ASSERT_EQ(sqlite3_open(gpkg.c_str(), &writer), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(writer, "PRAGMA journal_mode=DELETE", nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(writer);
    ASSERT_EQ(run_cli({"report", gpkg.string(), "-o", (dir / "again.pdf").string(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(sqlite3_open_v2(gpkg.c_str(), &writer, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(writer, "PRAGMA journal_mode", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)), "delete");
    sqlite3_finalize(st);
    sqlite3_close(writer);
}

// The workbooks as a print shop prints them: LibreOffice (headless, Debian's libreoffice-calc)
// turns them into PDF, and the pages are read back with poppler (pdfinfo, pdftotext): page
// counts, a table or chart kept on one page where it fits, no helper ranges printed, hand-fill
// columns wide enough to write in, wrapped cells not cut, times in local time with the zone.
// Without LibreOffice the tests are skipped, except under make.sh test (CLEANHEAT_REQUIRE_OFFICE=1).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

bool have_office() {
    return std::system("command -v soffice >/dev/null 2>&1") == 0;
}

#define REQUIRE_OFFICE()                                                                                   \
    do {                                                                                                   \
        if (!have_office()) {                                                                              \
            if (std::getenv("CLEANHEAT_REQUIRE_OFFICE")) FAIL() << "no LibreOffice (soffice) to print with"; \
            GTEST_SKIP() << "no LibreOffice (soffice): install libreoffice-calc-nogui or run bash make.sh test"; \
        }                                                                                                  \
    } while (0)

// The workbook printed to dir/<stem>.pdf by LibreOffice, with a profile of its own (tests run
// side by side, and two instances must not share one).
fs::path print_workbook(const fs::path& xlsx, const fs::path& dir) {
    const fs::path out = dir / "printed";
    fs::create_directories(out);
    const std::string command = "soffice -env:UserInstallation=file://" + (dir / "office-profile").string() +
                                " --headless --convert-to pdf --outdir " + out.string() + " " + xlsx.string() + " >" +
                                (dir / "office.log").string() + " 2>&1";
    const fs::path pdf = out / (xlsx.stem().string() + ".pdf");
    // LibreOffice's first start on a new profile now and then exits before converting (two
    // instances starting side by side): asked again, as a print shop's script would
    int status = -1;
    for (int attempt = 0; attempt < 3 && (status != 0 || !fs::exists(pdf)); ++attempt) status = std::system(command.c_str());
    EXPECT_EQ(status, 0) << command << "\n" << read_file(dir / "office.log");
    return pdf;
}

// The number after `key` in `text` (0 when absent). Parsed by hand: <regex> does not build
// warning-free under GCC 12's sanitizers.
double number_after(const std::string& text, const std::string& key, std::size_t from = 0) {
    const auto at = text.find(key, from);
    return at == std::string::npos ? 0 : std::atof(text.c_str() + at + key.size());
}

int page_count(const fs::path& pdf) {
    return static_cast<int>(number_after(shell_output("pdfinfo " + pdf.string() + " 2>/dev/null"), "Pages:"));
}

std::string squeeze(std::string text) {
    text.erase(std::remove_if(text.begin(), text.end(), [](char c) { return c == ' ' || c == '\n' || c == '\f'; }),
               text.end());
    return text;
}

// Each page's text, spaces and line ends taken out (words wrapped in a cell join up again).
std::vector<std::string> page_texts(const fs::path& pdf) {
    std::vector<std::string> pages;
    const int n = page_count(pdf);
    for (int p = 1; p <= n; ++p)
        pages.push_back(squeeze(shell_output("pdftotext -f " + std::to_string(p) + " -l " + std::to_string(p) + " " +
                                             pdf.string() + " - 2>/dev/null")));
    return pages;
}

// Pages (0-based) whose text holds `needle`.
std::vector<int> pages_with(const std::vector<std::string>& pages, const std::string& needle) {
    std::vector<int> found;
    for (std::size_t p = 0; p < pages.size(); ++p)
        if (pages[p].find(needle) != std::string::npos) found.push_back(static_cast<int>(p));
    return found;
}

// The bounding boxes of the words of one page (pdftotext -bbox).
struct Word {
    double x_min = 0, x_max = 0;
    std::string text;
    double y_min = 0, y_max = 0;
};
std::vector<Word> page_words(const fs::path& pdf, int page, double* page_width) {
    const std::string html = shell_output("pdftotext -bbox -f " + std::to_string(page + 1) + " -l " +
                                          std::to_string(page + 1) + " " + pdf.string() + " - 2>/dev/null");
    *page_width = number_after(html, "<page width=\"");
    std::vector<Word> words;
    for (auto at = html.find("<word "); at != std::string::npos; at = html.find("<word ", at + 1)) {
        const auto open_end = html.find('>', at), close = html.find("</word>", at);
        if (open_end == std::string::npos || close == std::string::npos) break;
        const std::string tag = html.substr(at, open_end - at);
        words.push_back({number_after(tag, "xMin=\""), number_after(tag, "xMax=\""),
                         html.substr(open_end + 1, close - open_end - 1), number_after(tag, "yMin=\""),
                         number_after(tag, "yMax=\"")});
    }
    return words;
}

// cleanheat progress on the sample reports as of a date.
CliResult import_sample_reports(const fs::path& gpkg, const std::string& as_of, const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"progress", gpkg.string()};
    // named as a user in the project folder names them (data-samples/progress/...), so that the
    // 文件 column is as wide as in the demo
    for (const auto& e : fs::directory_iterator(samples("progress")))
        args.push_back(fs::relative(e.path(), source_dir()).string());  // run_cli runs in source_dir()
    args.insert(args.end(), {"--as-of", as_of, "--quiet"});
    args.insert(args.end(), extra.begin(), extra.end());
    return run_cli(args);
}

// Pairs of words of a page drawn over each other: the last line of a wrapped cell whose row is
// too short runs into the next row's text, by about 13% of a line's box (LibreOffice clips it at
// the row's edge, and pdftotext still sees it). Two lines of one cell touch by about 6% of their
// boxes (a Latin line's box is taller than its pitch), so the threshold is 9%.
int overprinted(const std::vector<Word>& words, std::string* first = nullptr) {
    int pairs = 0;
    for (std::size_t i = 0; i < words.size(); ++i)
        for (std::size_t k = i + 1; k < words.size(); ++k) {
            const Word &a = words[i], &b = words[k];
            const double x = std::min(a.x_max, b.x_max) - std::max(a.x_min, b.x_min);
            const double y = std::min(a.y_max, b.y_max) - std::max(a.y_min, b.y_min);
            const double line = std::min(a.y_max - a.y_min, b.y_max - b.y_min);
            if (x > 1 && y > 0.09 * line && pairs++ == 0 && first)
                *first = a.text + " (y " + std::to_string(a.y_min) + "-" + std::to_string(a.y_max) + ") over " + b.text +
                         " (y " + std::to_string(b.y_min) + "-" + std::to_string(b.y_max) + ")";
        }
    return pairs;
}

TEST(PrintCli, TheProgressWorkbookPrintsItsChartOnOnePageWithoutHelperRangesAndWithWholeCells) {
    REQUIRE_OFFICE();
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto xlsx = dir / "progress.xlsx";
    // in the office's zone (POSIX form: no tzdata needed): the workbook's times are its local time
    setenv("TZ", "CST-8", 1);
    const auto r = import_sample_reports(gpkg, "2022-10-10", {"-o", xlsx.string()});
    unsetenv("TZ");
    ASSERT_EQ(r.exit_code, 1) << r.err;  // the planted faults are reported, not applied
    const auto pdf = print_workbook(xlsx, dir);
    const auto pages = page_texts(pdf);
    ASSERT_GT(pages.size(), 5u);

    // 进度趋势: the table and the whole chart (title, both ends of the legend, the last
    // milestone) on one page, and nothing of the chart on the next
    const auto trend = pages_with(pages, "农村清洁取暖工程进度趋势");
    ASSERT_EQ(trend.size(), 1u);
    const std::string& page = pages[static_cast<std::size_t>(trend[0])];
    for (const char* part : {"年农村清洁取暖工程进度（全市）", "计划改造户数", "已验收户数", "全部开工（", "调试验收（",
                             "户数（户）", "2022年10月10日"})
        EXPECT_NE(page.find(part), std::string::npos) << part;
    ASSERT_LT(static_cast<std::size_t>(trend[0]) + 1, pages.size());
    EXPECT_EQ(pages[static_cast<std::size_t>(trend[0]) + 1].find("户数（户）"), std::string::npos);
    EXPECT_EQ(pages_with(pages, "进度（全市）").size(), 1u);
    // the milestones' helper range (节点 日期 户数) prints nowhere
    // (pdftotext reads a printed helper range column by column: 节点 全部开工 全部开工 ...)
    EXPECT_TRUE(pages_with(pages, "节点全部开工").empty());
    EXPECT_TRUE(pages_with(pages, "节点日期户数").empty());

    // 导入记录: the 28 imports and their 合计, each page headed; every hash printed whole and
    // inside the paper; times in local time with the zone
    const auto log = pages_with(pages, "进度报告导入记录");
    ASSERT_EQ(log.size(), 1u);
    const auto log_end = pages_with(pages, "进度报告数据问题清单");
    ASSERT_EQ(log_end.size(), 1u);
    ASSERT_LE(log_end[0] - log[0], 2) << "the log of 28 imports takes more than two pages";
    std::string log_text;
    for (int p = log[0]; p < log_end[0]; ++p) {
        log_text += pages[static_cast<std::size_t>(p)];
        EXPECT_NE(pages[static_cast<std::size_t>(p)].find("导入序号文件报告日期"), std::string::npos) << "page " << p + 1;
    }
    const auto imports = sqlite_rows(gpkg, "progress_imports", "import_id", {"sha256", "imported_at"});
    ASSERT_EQ(imports.size(), 28u);
    for (const auto& [id, row] : imports) EXPECT_NE(log_text.find(row[0]), std::string::npos) << "import " << id;
    const std::string stored = imports.begin()->second[1];  // 2022-...T08:48:28+0000 on this machine
    ASSERT_EQ(stored.size(), 24u) << stored;
    EXPECT_NE(log_text.find("北京时间"), std::string::npos);
    EXPECT_EQ(log_text.find(stored.substr(0, 10) + "T"), std::string::npos) << "an ISO time was printed as stored";
    for (int p = log[0]; p < log_end[0]; ++p) {
        double width = 0;
        for (const auto& w : page_words(pdf, p, &width)) {
            EXPECT_GE(w.x_min, 30) << w.text << " in the left margin";
            EXPECT_LE(w.x_max, width - 30) << w.text << " runs into the right margin";
        }
    }

    // 数据问题: every message printed whole (a row too short for its wrapped 说明 cuts its
    // second line), and every page of the list repeats its header
    const auto issues = pages_with(pages, "进度报告数据问题清单");
    ASSERT_EQ(issues.size(), 1u);
    const auto messages = sqlite_rows(gpkg, "progress_issues", "fid", {"message"});
    ASSERT_GT(messages.size(), 50u);
    std::string rest;
    for (std::size_t p = static_cast<std::size_t>(issues[0]); p < pages.size(); ++p) {
        rest += pages[p];
        for (const char* header : {"序号", "工作表", "代码", "级别", "说明"})
            EXPECT_NE(pages[p].find(header), std::string::npos) << header << " on page " << p + 1;
    }
    int cut = 0;
    for (const auto& [fid, row] : messages) cut += rest.find(squeeze(row[0])) == std::string::npos;
    EXPECT_EQ(cut, 0) << "messages not printed whole";
    for (std::size_t p = static_cast<std::size_t>(issues[0]); p < pages.size(); ++p) {
        double width = 0;
        std::string first;
        EXPECT_EQ(overprinted(page_words(pdf, static_cast<int>(p), &width), &first), 0)
            << "page " << p + 1 << ": a wrapped cell's line drawn over the next row: " << first;
    }
}

TEST(PrintCli, TheSpotCheckListIsHeadedWithTheDataDateAndLeavesRoomToWriteIn) {
    REQUIRE_OFFICE();
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(import_sample_reports(gpkg, "2022-09-20", {}).exit_code, 1);
    const auto xlsx = dir / "spotcheck.xlsx";
    const auto r = run_cli({"spotcheck", gpkg.string(), "--rate", "0.05", "--seed", "7", "-o", xlsx.string(), "--no-map",
                            "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto pdf = print_workbook(xlsx, dir);
    const auto pages = page_texts(pdf);
    ASSERT_GE(pages.size(), 2u);
    // headed with the progress data's date, not the day it was printed
    EXPECT_NE(pages[0].find("进度截至2022年9月20日"), std::string::npos) << pages[0].substr(0, 400);
    // the footer speaks to inspectors, not of dataset fields
    for (const auto& p : pages) {
        EXPECT_EQ(p.find("GeoPackage"), std::string::npos);
        EXPECT_EQ(p.find("spot_check"), std::string::npos);
    }
    // printed at a readable scale: a 12-digit village code at least 12 x 4 pt wide (11 pt
    // digits are 6.1 pt: not shrunk below two thirds)
    double width = 0;
    double digit = 0;
    for (const auto& w : page_words(pdf, 0, &width))
        if (w.text.size() == 12 && std::all_of(w.text.begin(), w.text.end(), [](char c) { return c >= '0' && c <= '9'; }))
            digit = (w.x_max - w.x_min) / 12;
    EXPECT_GE(digit, 4.0) << "the list is shrunk to fit the paper";
    // the hand-fill columns' widths (characters of '0', from the sheet) on that paper, in mm
    const std::string sheet = shell_output("unzip -p " + xlsx.string() + " xl/worksheets/sheet1.xml");
    std::vector<double> widths;
    for (auto at = sheet.find("<col "); at != std::string::npos; at = sheet.find("<col ", at + 1))
        widths.push_back(number_after(sheet.substr(at, sheet.find('>', at) - at), " width=\""));
    ASSERT_EQ(widths.size(), 15u);  // 序号, 8 of the office's, 6 to fill in
    const double mm = digit / 72 * 25.4;
    EXPECT_GE(widths[9] * mm, 28.0) << "村联系人及电话: room for a name and 11 handwritten digits";
    EXPECT_GE(widths[11] * mm, 20.0) << "检查日期";
    EXPECT_GE(widths[13] * mm, 40.0) << "问题描述";
    for (int c = 9; c <= 14; ++c) EXPECT_GE(widths[static_cast<std::size_t>(c)] * mm, 14.0) << "column " << c;
    // rows tall enough to write in: a sampled village per 10 mm or more
    const auto rows = sheet_rows(xlsx, "抽查名单");
    long long listed = 0;
    for (const auto& row : rows) listed += row.size() > 3 && row[3].size() == 12;
    const auto row5 = sheet.find("<row r=\"5\"");
    ASSERT_NE(row5, std::string::npos);
    EXPECT_GE(number_after(sheet.substr(row5, sheet.find('>', row5) - row5), " ht=\""), 34.0);
    EXPECT_GE(listed, 30);
}

}  // namespace

namespace {

// The progress chart as drawn by the project (progress-chart.pdf and the report's first pages):
// milestone labels apart from each other, text no smaller than 8 pt where the report draws it
// at its column's width, and numbers written one way (121,000) in the text and the chart.
TEST(PrintCli, TheProgressChartsLabelsStayApartAndItsTextIsReadableInTheReport) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(import_sample_reports(gpkg, "2022-10-10", {"-o", (dir / "progress.xlsx").string()}).exit_code, 1);
    const auto chart = dir / "progress-chart.pdf";
    ASSERT_TRUE(fs::exists(chart));
    // the three milestones' labels (全部开工 6月30日 ...): all drawn, none over another
    double width = 0;
    std::vector<Word> labels;
    for (const auto& w : page_words(chart, 0, &width))
        if (w.text == "全部开工" || w.text == "完成施工" || w.text == "调试验收" ||
            (w.text.find("月") != std::string::npos && w.text.find("日") != std::string::npos))
            labels.push_back(w);
    EXPECT_GE(labels.size(), 6u);
    std::string first;
    EXPECT_EQ(overprinted(labels, &first), 0) << first;

    ASSERT_EQ(run_cli({"report", gpkg.string(), "-o", (dir / "report.pdf").string(), "--quiet"}).exit_code, 0);
    const auto pages = page_texts(dir / "report.pdf");
    const auto with_chart = pages_with(pages, "节点（截止日期）");
    ASSERT_FALSE(with_chart.empty());
    for (const auto& w : page_words(dir / "report.pdf", with_chart[0], &width))
        if (w.text == "节点（截止日期）" || w.text == "已验收") {
            EXPECT_GE(w.y_max - w.y_min, 8.0) << w.text;
        }
    // one number style: the chart's figures and the report's sentences alike
    EXPECT_NE(pages[static_cast<std::size_t>(with_chart[0])].find("计划改造121,000户"), std::string::npos);
    EXPECT_NE(pages[static_cast<std::size_t>(with_chart[0])].find("全市计划改造121,000户"), std::string::npos);
    for (const auto& p : pages) EXPECT_EQ(p.find("121000"), std::string::npos);
}

}  // namespace

// The print-ready table writer: read back through GDAL's XLSX driver.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <gtest/gtest.h>

#include "io/gdal_context.hpp"
#include "report/xlsx_report.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

using Rows = std::vector<std::vector<std::string>>;
using test::sheet_rows;

XlsxTableSpec spec_with(long long max_rows) {
    XlsxTableSpec spec;
    spec.sheet = "表";
    spec.label = "附件1";
    spec.title = "测试表";
    spec.unit = "单位：户";
    spec.columns = {{"县（市、区）", "", XlsxKind::text},
                    {"村代码", "", XlsxKind::code},
                    {"合计", "改造户数", XlsxKind::integer, XlsxTotal::sum},
                    {"煤改气", "改造户数", XlsxKind::integer, XlsxTotal::sum},
                    {"占比", "", XlsxKind::percent, XlsxTotal::ratio, 3, 2}};
    spec.max_rows = max_rows;
    return spec;
}

TEST(XlsxReport, TotalRowSumsTheRowsAndCodesStayText) {
    const auto dir = test::temp_dir();
    const auto path = (dir / "t.xlsx").string();
    XlsxWorkbook book(path, false, {});
    XlsxTable table = book.table(spec_with(0));
    for (int i = 1; i <= 5; ++i)
        table.add_row({std::string("县") + std::to_string(i), std::string("0371602001") + std::to_string(i), 10.0 * i,
                       1.0 * i, 0.1});
    table.finish();
    book.close();
    const auto rows = sheet_rows(path, "表");
    ASSERT_GE(rows.size(), 10u);
    EXPECT_EQ(rows[0][0], "附件1");
    EXPECT_EQ(rows[1][0], "测试表");
    EXPECT_EQ(rows[3][3], "改造户数");
    EXPECT_EQ(rows[4][3], "合计");
    EXPECT_EQ(rows[5][2], "03716020011");  // leading zero kept
    const auto& total = rows[10];
    EXPECT_EQ(total[0], "合计");
    EXPECT_EQ(total[3], "150");
    EXPECT_EQ(total[4], "15");
    EXPECT_NEAR(std::stod(total[5]), 0.1, 1e-12);
    EXPECT_FALSE(test::fs::exists(path + ".partial"));
}

TEST(XlsxReport, TooManyRowsAreSplitIntoContinuationSheetsAndSaid) {
    const auto dir = test::temp_dir();
    const auto path = (dir / "t.xlsx").string();
    XlsxWorkbook book(path, false, {}, true);
    XlsxTable table = book.table(spec_with(20));
    for (int i = 0; i < 25; ++i) table.add_row({std::string("县"), std::string("1"), 2.0, 1.0, 0.5});
    const auto sheets = table.finish();
    book.close();
    ASSERT_EQ(sheets.size(), 3u);
    long long data_rows = 0;
    double sum = 0;
    std::string last_total, note;
    for (const auto& sheet : sheets)
        for (const auto& r : sheet_rows(path, sheet)) {
            if (r.size() > 3 && r[0] != "合计" && !r[3].empty() && std::isdigit(static_cast<unsigned char>(r[3][0]))) {
                ++data_rows;
                sum += std::stod(r[3]);
            }
            if (!r.empty() && r[0] == "合计") last_total = r[3];
            if (!r.empty() && r[0].find("已分为 3 个工作表") != std::string::npos) note = r[0];
        }
    EXPECT_EQ(data_rows, 25);
    EXPECT_EQ(sum, 50);
    EXPECT_EQ(last_total, "50");
    EXPECT_FALSE(note.empty());
}

TEST(XlsxReport, DisplayWidthCountsChineseTwice) {
    EXPECT_EQ(display_width("abc"), 3);
    EXPECT_EQ(display_width("滨城区"), 6);
    EXPECT_EQ(display_width("（1）"), 5);
}

TEST(XlsxReport, WrappedLinesCountTheTextsOwnBreaksAndTheWiderChineseGlyphs) {
    EXPECT_EQ(wrapped_lines("abc", 20), 1);
    EXPECT_EQ(wrapped_lines("0123456789abcdef0123456789abcdef\n0123456789abcdef0123456789abcdef", 36), 2);
    EXPECT_EQ(widest_line("0123456789\nab"), 10);
    // 30 Chinese characters: 60 wide as counted, about 67 as LibreOffice draws them: two lines
    // in a column of 64
    std::string chinese;
    for (int i = 0; i < 30; ++i) chinese += "村";
    EXPECT_EQ(wrapped_lines(chinese, 64), 2);
    EXPECT_EQ(wrapped_lines(chinese, 70), 1);
    EXPECT_EQ(wrapped_lines(chinese + "\n" + chinese, 40), 4);
}

TEST(XlsxReport, ColumnsUnderAGroupHeaderKeepTheirMinimumWidth) {
    const auto dir = test::temp_dir();
    const auto path = dir / "g.xlsx";
    {
        XlsxWorkbook book(path, false, {});
        XlsxTableSpec spec;
        spec.sheet = "表";
        spec.title = "表";
        spec.total = false;
        spec.columns = {{"名", "", XlsxKind::text},
                        {"甲", "现场填写", XlsxKind::text, XlsxTotal::none, -1, -1, 17},
                        {"乙", "现场填写", XlsxKind::text, XlsxTotal::none, -1, -1, 23}};
        XlsxTable table = book.table(spec);
        table.add_row({std::string("a"), XlsxCell{}, XlsxCell{}});
        table.finish();
        book.close();
    }
    const std::string sheet = test::shell_output("unzip -p " + path.string() + " xl/worksheets/sheet1.xml");
    EXPECT_NE(sheet.find("<col min=\"3\" max=\"3\" width=\"17.7109375\""), std::string::npos) << sheet.substr(0, 600);
    EXPECT_NE(sheet.find("<col min=\"4\" max=\"4\" width=\"23.7109375\""), std::string::npos);
}

TEST(XlsxReport, NumberColumnsAreAsWideAsTheirWidestNumberAsWritten) {
    const auto dir = test::temp_dir();
    const auto path = dir / "w.xlsx";
    {
        XlsxWorkbook book(path, false, {}, true);
        XlsxTableSpec spec;
        spec.sheet = "表";
        spec.title = "表";
        spec.total = false;
        spec.columns = {{"名", "", XlsxKind::text}, {"金额", "", XlsxKind::decimal}, {"值", "", XlsxKind::general}};
        XlsxTable table = book.table(spec);
        table.add_row({std::string("a"), 12.0, 1.0});
        table.add_row({std::string("b"), 1234567.5, 0.123456789});  // 1,234,567.50 and 0.123456789
        table.add_row({std::string("c"), 99.0, 2.0});
        table.finish();
        book.close();
    }
    const std::string sheet = test::shell_output("unzip -p " + path.string() + " xl/worksheets/sheet1.xml");
    EXPECT_NE(sheet.find("<col min=\"3\" max=\"3\" width=\"14.7109375\""), std::string::npos) << sheet.substr(0, 600);
    EXPECT_NE(sheet.find("<col min=\"4\" max=\"4\" width=\"13.7109375\""), std::string::npos) << sheet.substr(0, 600);
}

TEST(XlsxReport, PagesBeyondASheetsPageBreaksGoOnAContinuedSheetEachStillOnItsOwnPage) {
    // a notice list of 1,100 villages, one page each: Excel keeps 1,023 manual breaks a sheet
    const auto dir = test::temp_dir();
    const auto path = dir / "p.xlsx";
    std::vector<std::string> sheets;
    {
        XlsxWorkbook book(path, false, {}, true);
        XlsxTableSpec spec = spec_with(0);
        spec.total = false;
        XlsxTable table = book.table(spec);
        for (int village = 0; village < 1100; ++village) {
            if (village > 0) table.break_page();
            for (int i = 0; i < 2; ++i)
                table.add_row({std::string("村") + std::to_string(village), std::string("1"), 2.0, 1.0, 0.5});
        }
        sheets = table.finish();
        book.close();
    }
    ASSERT_EQ(sheets.size(), 2u);
    long long rows = 0;
    for (const auto& sheet : sheets)
        for (const auto& r : sheet_rows(path.string(), sheet))
            if (r.size() > 1 && r[1].rfind("村", 0) == 0) ++rows;  // after the 序号 column
    EXPECT_EQ(rows, 2200);
    auto breaks = [&](int n) {
        const std::string xml = test::shell_output("unzip -p " + path.string() + " xl/worksheets/sheet" + std::to_string(n) + ".xml");
        std::size_t count = 0;
        for (std::size_t at = xml.find("<brk "); at != std::string::npos; at = xml.find("<brk ", at + 1)) ++count;
        return count;
    };
    EXPECT_EQ(breaks(1), 1023u);  // villages 1 to 1,024 on the first sheet
    EXPECT_EQ(breaks(2), 1100u - 1024u - 1u);
    // the second sheet begins with the 1,025th village
    const auto second = sheet_rows(path.string(), sheets[1]);
    bool found = false;
    for (const auto& r : second)
        if (r.size() > 1 && r[1].rfind("村", 0) == 0) {
            EXPECT_EQ(r[1], "村1024");
            found = true;
            break;
        }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace cleanheat

// Print-ready tables in an Excel workbook (libxlsxwriter), as Chinese government annexes
// look: 附件 label, merged title, 单位 line, one- or two-level headers, 序号, a 合计 row of
// SUM formulas carrying their values, A4 print setup with repeated headers and page
// footer, widths from the display width of the text. Written to <target>.partial and
// renamed on close.
#pragma once
#include <xlsxwriter.h>

#include <filesystem>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "io/atomic_output.hpp"

namespace cleanheat {

enum class XlsxKind { text, code, integer, decimal, percent, general };
enum class XlsxTotal { none, sum, ratio };

struct XlsxColumn {
    std::string header;
    std::string group;  // columns with the same group share a merged upper header cell
    XlsxKind kind = XlsxKind::text;
    XlsxTotal total = XlsxTotal::none;
    int numerator = -1, denominator = -1;  // ratio: indexes of two summed columns
    double min_width = 4;
    double max_width = 60;  // wider text wraps when `wrap`, else is cut at this width
    bool wrap = false;
};

using XlsxCell = std::variant<std::monostate, std::string, double>;

struct XlsxTableSpec {
    std::string sheet;  // at most 31 characters, made unique
    std::string label;  // 附件1 (empty: none)
    std::string title;
    std::string unit;  // 单位：户、万平方米 (empty: none)
    std::vector<XlsxColumn> columns;
    bool serial = true;        // 序号 column
    bool total = true;         // 合计 row
    bool total_first = false;  // 合计 above the rows (not in constant-memory mode)
    bool landscape = true;
    std::string total_label = "合计";
    std::vector<std::string> notes;  // lines under the table
    long long max_rows = 0;          // rows per sheet before a split (0: Excel's 1,048,576)
    std::string page_header;         // printed at the top of every page (&L, &C, &R codes), e.g. 内部资料
    double min_row_height = 0;       // points; data rows at least this tall (a list filled in by hand)
    double side_margin_in = 0.5;     // left and right page margins, inches
};

// A table's spec from its sheet, title, 单位 line and columns (the rest as declared above).
inline XlsxTableSpec xlsx_table_spec(std::string sheet, std::string title, std::string unit,
                                     std::vector<XlsxColumn> columns) {
    XlsxTableSpec spec;
    spec.sheet = std::move(sheet);
    spec.title = std::move(title);
    spec.unit = std::move(unit);
    spec.columns = std::move(columns);
    return spec;
}

class XlsxWorkbook;

class XlsxTable {
public:
    void add_row(const std::vector<XlsxCell>& cells);
    // The next row starts a new printed page (a village of a notice list on its own sheet of paper).
    void break_page();
    // Writes the 合计 row, widths, print setup. Returns the sheets used (more than one
    // when the rows exceeded Excel's limit).
    std::vector<std::string> finish();
    long long rows() const { return rows_; }
    // Row (0-based) of the first data row on the first sheet, and its sheet's name.
    int data_first_row() const { return first_data_row_ + (spec_.total_first && spec_.total ? 1 : 0); }
    const std::string& first_sheet() const { return sheets_.front(); }
    int column_of(int index) const { return index + (spec_.serial ? 1 : 0); }

private:
    friend class XlsxWorkbook;
    XlsxTable(XlsxWorkbook& book, XlsxTableSpec spec);
    void start_sheet();
    void finish_sheet(bool last);
    void measure(std::size_t column, double width);

    XlsxWorkbook& book_;
    XlsxTableSpec spec_;
    lxw_worksheet* sheet_ = nullptr;
    std::vector<std::string> sheets_;
    std::vector<double> widths_, sums_;
    std::vector<double> measured_;  // per column, the largest number measured (none wider below it)
    std::vector<lxw_row_t> page_breaks_;  // rows of the current sheet that start a page
    int first_data_row_ = 0, header_rows_ = 0;
    long long row_ = 0;         // next row on the current sheet
    long long rows_ = 0;        // data rows written in all
    long long sheet_rows_ = 0;  // data rows on the current sheet
    int total_row_ = -1;
    bool finished_ = false;
};

class XlsxWorkbook {
public:
    // `inputs`: files the target must not replace.
    XlsxWorkbook(const std::filesystem::path& target, bool overwrite, const std::vector<std::filesystem::path>& inputs,
                 bool constant_memory = false);
    ~XlsxWorkbook();
    XlsxWorkbook(const XlsxWorkbook&) = delete;
    XlsxWorkbook& operator=(const XlsxWorkbook&) = delete;

    XlsxTable table(XlsxTableSpec spec) { return XlsxTable(*this, std::move(spec)); }
    lxw_workbook* handle() { return workbook_; }
    lxw_worksheet* add_sheet(const std::string& name);  // unique, valid name
    std::string unique_name(const std::string& name);
    bool constant_memory() const { return constant_memory_; }
    // Closes the workbook and renames it onto the target; throws OutputError.
    void close();
    // Closes the workbook and hands over its complete .partial file, to be renamed by the
    // caller (after a transaction that must come first commits); throws OutputError.
    std::unique_ptr<AtomicOutput> close_staged();

    struct Formats {
        lxw_format *label, *title, *unit, *header, *text, *code, *integer, *decimal, *percent, *total_text,
            *total_integer, *total_decimal, *total_percent, *note, *wrap, *general;
    };
    const Formats& formats() const { return formats_; }

private:
    std::unique_ptr<AtomicOutput> output_;
    lxw_workbook* workbook_ = nullptr;
    Formats formats_{};
    std::vector<std::string> names_;
    bool constant_memory_ = false;
};

// A number as the workbook shows it: integers without decimals, decimals with two, both with
// their digits grouped by thousands (121,000); percents with one (the PDF report prints the same).
std::string format_cell(double v, XlsxKind kind);

// Display width of text in a spreadsheet cell: East Asian wide characters count 2.
double display_width(const std::string& text);
// Width of the widest of the text's lines ('\n' separated).
double widest_line(const std::string& text);
// Printed lines of a wrapped text in a column `column_width` characters wide (its own line
// breaks and the wraps), estimated on the safe side of Excel's and LibreOffice's fonts.
double wrapped_lines(const std::string& text, double column_width);

}  // namespace cleanheat

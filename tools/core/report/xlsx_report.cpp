#include "report/xlsx_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/error.hpp"
#include "base/text.hpp"

namespace cleanheat {
namespace {

constexpr long long kExcelRows = 1048576;
constexpr std::size_t kMaxPageBreaks = 1023;  // manual page breaks a sheet may hold (Excel's limit, and libxlsxwriter's)

std::string cell_ref(long long row, int col) {
    std::string letters;
    for (int c = col + 1; c > 0; c = (c - 1) / 26)
        letters.insert(letters.begin(), static_cast<char>('A' + (c - 1) % 26));
    return letters + std::to_string(row + 1);
}

lxw_format* make_format(lxw_workbook* wb, const char* font, double size, bool bold, std::uint8_t align, bool border,
                        const char* number = nullptr) {
    lxw_format* f = workbook_add_format(wb);
    format_set_font_name(f, font);
    format_set_font_size(f, size);
    if (bold) format_set_bold(f);
    format_set_align(f, align);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    if (border) format_set_border(f, LXW_BORDER_THIN);
    if (number) format_set_num_format(f, number);
    return f;
}

}  // namespace

std::string format_cell(double v, XlsxKind kind) {
    char buf[64];
    if (kind == XlsxKind::integer) return group_thousands(v);
    if (kind == XlsxKind::general)
        std::snprintf(buf, sizeof buf, "%.10g", v);
    else if (kind == XlsxKind::percent)
        std::snprintf(buf, sizeof buf, "%.1f%%", v * 100);
    else
        return group_thousands(v, 2);
    return buf;
}

double display_width(const std::string& text) {
    double w = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::uint32_t cp = c;
        int len = 1;
        if (c >= 0xF0) {
            cp = c & 0x07;
            len = 4;
        } else if (c >= 0xE0) {
            cp = c & 0x0F;
            len = 3;
        } else if (c >= 0xC0) {
            cp = c & 0x1F;
            len = 2;
        }
        for (int k = 1; k < len && i + static_cast<std::size_t>(k) < text.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0x3F);
        i += static_cast<std::size_t>(len);
        const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                          (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                          (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                          (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD);
        w += wide ? 2 : 1;
    }
    return w;
}

XlsxWorkbook::XlsxWorkbook(const std::filesystem::path& target, bool overwrite,
                           const std::vector<std::filesystem::path>& inputs, bool constant_memory)
    : output_(std::make_unique<AtomicOutput>(target, overwrite, inputs)), constant_memory_(constant_memory) {
    lxw_workbook_options options{};
    options.constant_memory = constant_memory ? LXW_TRUE : LXW_FALSE;
    options.use_zip64 = LXW_TRUE;
    const std::string tmp = output_->partial().parent_path().string();
    options.tmpdir = const_cast<char*>(tmp.empty() ? "." : tmp.c_str());
    workbook_ = workbook_new_opt(output_->partial().c_str(), &options);
    if (!workbook_) throw OutputError(target.string() + ": cannot create the workbook");
    auto* wb = workbook_;
    formats_.label = make_format(wb, "黑体", 12, false, LXW_ALIGN_LEFT, false);
    formats_.title = make_format(wb, "黑体", 16, true, LXW_ALIGN_CENTER, false);
    formats_.unit = make_format(wb, "仿宋_GB2312", 11, false, LXW_ALIGN_RIGHT, false);
    formats_.header = make_format(wb, "黑体", 11, false, LXW_ALIGN_CENTER, true);
    format_set_text_wrap(formats_.header);
    format_set_bg_color(formats_.header, 0xF2F2F2);
    formats_.text = make_format(wb, "宋体", 11, false, LXW_ALIGN_LEFT, true);
    formats_.code = make_format(wb, "宋体", 11, false, LXW_ALIGN_LEFT, true, "@");
    formats_.integer = make_format(wb, "宋体", 11, false, LXW_ALIGN_RIGHT, true, "#,##0");
    formats_.decimal = make_format(wb, "宋体", 11, false, LXW_ALIGN_RIGHT, true, "#,##0.00");
    formats_.percent = make_format(wb, "宋体", 11, false, LXW_ALIGN_RIGHT, true, "0.0%");
    formats_.total_text = make_format(wb, "黑体", 11, false, LXW_ALIGN_CENTER, true);
    formats_.total_integer = make_format(wb, "黑体", 11, false, LXW_ALIGN_RIGHT, true, "#,##0");
    formats_.total_decimal = make_format(wb, "黑体", 11, false, LXW_ALIGN_RIGHT, true, "#,##0.00");
    formats_.total_percent = make_format(wb, "黑体", 11, false, LXW_ALIGN_RIGHT, true, "0.0%");
    formats_.note = make_format(wb, "仿宋_GB2312", 10, false, LXW_ALIGN_LEFT, false);
    formats_.wrap = make_format(wb, "宋体", 11, false, LXW_ALIGN_LEFT, true);
    format_set_text_wrap(formats_.wrap);
    formats_.general = make_format(wb, "宋体", 11, false, LXW_ALIGN_RIGHT, true, "General");
}

XlsxWorkbook::~XlsxWorkbook() {
    if (workbook_) {
        workbook_close(workbook_);  // leaves the .partial, which AtomicOutput removes
        workbook_ = nullptr;
    }
}

std::string XlsxWorkbook::unique_name(const std::string& wanted) {
    std::string base;
    for (char c : wanted) base += std::string("[]:*?/\\").find(c) == std::string::npos ? c : '_';
    // at most 31 characters (code points)
    std::string cut;
    int count = 0;
    for (std::size_t i = 0; i < base.size() && count < 31;) {
        std::size_t len = 1;
        const auto c = static_cast<unsigned char>(base[i]);
        if (c >= 0xF0)
            len = 4;
        else if (c >= 0xE0)
            len = 3;
        else if (c >= 0xC0)
            len = 2;
        cut += base.substr(i, len);
        i += len;
        ++count;
    }
    std::string name = cut.empty() ? "Sheet" : cut;
    for (int k = 2; std::find(names_.begin(), names_.end(), name) != names_.end(); ++k)
        name = cut.substr(0, std::min<std::size_t>(cut.size(), 24)) + "(" + std::to_string(k) + ")";
    names_.push_back(name);
    return name;
}

lxw_worksheet* XlsxWorkbook::add_sheet(const std::string& name) {
    lxw_worksheet* ws = workbook_add_worksheet(workbook_, unique_name(name).c_str());
    if (!ws) throw OutputError(output_->target().string() + ": cannot add sheet " + name);
    return ws;
}

void XlsxWorkbook::close() { close_staged()->commit(); }

std::unique_ptr<AtomicOutput> XlsxWorkbook::close_staged() {
    const lxw_error error = workbook_close(workbook_);
    workbook_ = nullptr;
    if (error != LXW_NO_ERROR)
        throw OutputError(output_->target().string() + ": cannot write the workbook: " + lxw_strerror(error));
    return std::move(output_);
}

XlsxTable::XlsxTable(XlsxWorkbook& book, XlsxTableSpec spec) : book_(book), spec_(std::move(spec)) {
    if (book_.constant_memory()) spec_.total_first = false;
    const std::size_t columns = spec_.columns.size() + (spec_.serial ? 1 : 0);
    widths_.assign(columns, 4);
    measured_.assign(columns, -1);
    sums_.assign(spec_.columns.size(), 0);
    start_sheet();
}

// Height of a wrapped line of 11 pt text: 宋体 needs 14.3 pt, the CJK font LibreOffice falls
// back to (Noto Sans CJK) 18.4 pt, measured on its printed pages.
constexpr double kWrappedLinePt = 18.5;

double widest_line(const std::string& text) {
    double widest = 0;
    std::size_t begin = 0;
    while (true) {
        const std::size_t end = text.find('\n', begin);
        widest = std::max(widest, display_width(text.substr(begin, end == std::string::npos ? std::string::npos : end - begin)));
        if (end == std::string::npos) return widest;
        begin = end + 1;
    }
}

double wrapped_lines(const std::string& text, double column_width) {
    // LibreOffice draws a CJK character in its fallback fonts up to 2.24 widths of '0' (not
    // 2), and a cell keeps about a character and a half of padding: estimate on the safe side
    constexpr double kWideGlyph = 2.24;
    const double room = std::max(1.0, column_width - 1.5);
    double lines = 0;
    std::size_t begin = 0;
    while (true) {
        const std::size_t end = text.find('\n', begin);
        const std::string line = text.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
        const double width = display_width(line);
        const double characters = static_cast<double>(
            std::count_if(line.begin(), line.end(), [](char ch) { return (static_cast<unsigned char>(ch) & 0xC0) != 0x80; }));
        const double wide = width - characters;  // wide characters count 2 in display_width
        lines += std::max(1.0, std::ceil((width + (kWideGlyph - 2) * wide) / room));
        if (end == std::string::npos) break;
        begin = end + 1;
    }
    return lines;
}

void XlsxTable::measure(std::size_t column, double width) {
    const std::size_t offset = spec_.serial ? 1 : 0;
    const double cap = column < offset ? 60.0 : spec_.columns[column - offset].max_width;
    widths_[column] = std::max(widths_[column], std::min(width + 2, cap));
}

void XlsxTable::start_sheet() {
    const auto& fm = book_.formats();
    const std::string name =
        sheets_.empty() ? spec_.sheet : spec_.sheet + "（续" + std::to_string(sheets_.size() + 1) + "）";
    const std::string actual = book_.unique_name(name);
    sheet_ = workbook_add_worksheet(book_.handle(), actual.c_str());
    if (!sheet_) throw OutputError("cannot add sheet " + actual);
    sheets_.push_back(actual);
    const int offset = spec_.serial ? 1 : 0;
    const int last_col = static_cast<int>(spec_.columns.size()) + offset - 1;
    int row = 0;
    if (!spec_.label.empty())
        worksheet_write_string(sheet_, static_cast<lxw_row_t>(row++), 0, spec_.label.c_str(), fm.label);
    worksheet_merge_range(sheet_, static_cast<lxw_row_t>(row), 0, static_cast<lxw_row_t>(row),
                          static_cast<lxw_col_t>(last_col), spec_.title.c_str(), fm.title);
    worksheet_set_row(sheet_, static_cast<lxw_row_t>(row), 30, nullptr);
    ++row;
    if (!spec_.unit.empty()) {
        worksheet_merge_range(sheet_, static_cast<lxw_row_t>(row), 0, static_cast<lxw_row_t>(row),
                              static_cast<lxw_col_t>(last_col), spec_.unit.c_str(), fm.unit);
        ++row;
    }
    const bool two_level =
        std::any_of(spec_.columns.begin(), spec_.columns.end(), [](const XlsxColumn& c) { return !c.group.empty(); });
    header_rows_ = two_level ? 2 : 1;
    const auto top = static_cast<lxw_row_t>(row), bottom = static_cast<lxw_row_t>(row + header_rows_ - 1);
    auto header = [&](int col, const std::string& text) {
        if (two_level)
            worksheet_merge_range(sheet_, top, static_cast<lxw_col_t>(col), bottom, static_cast<lxw_col_t>(col),
                                  text.c_str(), fm.header);
        else
            worksheet_write_string(sheet_, top, static_cast<lxw_col_t>(col), text.c_str(), fm.header);
        measure(static_cast<std::size_t>(col), display_width(text));
    };
    if (spec_.serial) header(0, "序号");
    for (std::size_t c = 0; c < spec_.columns.size();) {
        const XlsxColumn& col = spec_.columns[c];
        const int x = static_cast<int>(c) + offset;
        if (col.group.empty()) {
            header(x, col.header);
            ++c;
            continue;
        }
        std::size_t end = c;
        while (end < spec_.columns.size() && spec_.columns[end].group == col.group) ++end;
        const int x1 = static_cast<int>(end) - 1 + offset;
        if (x1 > x)
            worksheet_merge_range(sheet_, top, static_cast<lxw_col_t>(x), top, static_cast<lxw_col_t>(x1),
                                  col.group.c_str(), fm.header);
        else
            worksheet_write_string(sheet_, top, static_cast<lxw_col_t>(x), col.group.c_str(), fm.header);
        for (std::size_t k = c; k < end; ++k) {
            const int xk = static_cast<int>(k) + offset;
            worksheet_write_string(sheet_, bottom, static_cast<lxw_col_t>(xk), spec_.columns[k].header.c_str(),
                                   fm.header);
            measure(static_cast<std::size_t>(xk), display_width(spec_.columns[k].header));
        }
        c = end;
    }
    for (std::size_t c = 0; c < spec_.columns.size(); ++c) {  // grouped or not
        const auto x = c + static_cast<std::size_t>(offset);
        widths_[x] = std::max(widths_[x], spec_.columns[c].min_width);
    }
    row += header_rows_;
    worksheet_repeat_rows(sheet_, top, bottom);
    worksheet_freeze_panes(sheet_, static_cast<lxw_row_t>(row), 0);
    first_data_row_ = row;
    if (spec_.total && spec_.total_first && sheets_.size() == 1) total_row_ = row++;
    row_ = row;
    sheet_rows_ = 0;
}

void XlsxTable::add_row(const std::vector<XlsxCell>& cells) {
    const long long limit = spec_.max_rows > 0 ? std::min(spec_.max_rows, kExcelRows) : kExcelRows;
    if (row_ + 3 >= limit) {
        finish_sheet(false);
        start_sheet();
    }
    const auto& fm = book_.formats();
    const auto r = static_cast<lxw_row_t>(row_);
    const int offset = spec_.serial ? 1 : 0;
    ++rows_;
    ++sheet_rows_;
    // wrapped text: a row tall enough for its lines (spreadsheets do not all fit rows on opening)
    double lines = 1;
    for (std::size_t c = 0; c < spec_.columns.size() && c < cells.size(); ++c)
        if (const auto* s = std::get_if<std::string>(&cells[c]); s && spec_.columns[c].wrap)
            lines = std::max(lines, wrapped_lines(*s, spec_.columns[c].max_width));
    if (lines > 1 || spec_.min_row_height > 0)
        worksheet_set_row(sheet_, r, std::max(lines > 1 ? kWrappedLinePt * lines : 0.0, spec_.min_row_height), nullptr);
    if (spec_.serial) {
        worksheet_write_number(sheet_, r, 0, static_cast<double>(rows_), fm.general);  // a serial number: not grouped (1001, not 1,001)
        measure(0, static_cast<double>(std::to_string(rows_).size()));
    }
    for (std::size_t c = 0; c < spec_.columns.size(); ++c) {
        const XlsxColumn& col = spec_.columns[c];
        const auto x = static_cast<lxw_col_t>(static_cast<int>(c) + offset);
        const XlsxCell cell = c < cells.size() ? cells[c] : XlsxCell{};
        lxw_format* number_format = col.kind == XlsxKind::integer   ? fm.integer
                                    : col.kind == XlsxKind::percent ? fm.percent
                                    : col.kind == XlsxKind::general ? fm.general
                                                                    : fm.decimal;
        if (const auto* s = std::get_if<std::string>(&cell)) {
            worksheet_write_string(sheet_, r, x, s->c_str(),
                                   col.kind == XlsxKind::code ? fm.code : (col.wrap ? fm.wrap : fm.text));
            measure(x, widest_line(*s));
        } else if (const auto* v = std::get_if<double>(&cell)) {
            if (col.kind == XlsxKind::text || col.kind == XlsxKind::code) {
                char digits[64];  // a code written as a number: its digits, not grouped
                std::snprintf(digits, sizeof digits, "%.0f", *v);
                const std::string s = digits;
                worksheet_write_string(sheet_, r, x, s.c_str(), fm.code);
                measure(x, display_width(s));
            } else {
                worksheet_write_number(sheet_, r, x, *v, number_format);
                // a number no larger than one measured is no wider (grouped, fixed decimals); general
                // numbers ("%.10g": 0.125 is wider than 1) and negatives always measured
                if (col.kind == XlsxKind::general || *v < 0 || *v > measured_[x]) {
                    measure(x, display_width(format_cell(*v, col.kind)));
                    if (col.kind != XlsxKind::general && *v >= 0) measured_[x] = *v;
                }
                if (col.total == XlsxTotal::sum) sums_[c] += *v;
            }
        } else {
            worksheet_write_blank(sheet_, r, x,
                                  col.kind == XlsxKind::text || col.kind == XlsxKind::code ? fm.text : number_format);
        }
    }
    ++row_;
}

void XlsxTable::finish_sheet(bool last) {
    const auto& fm = book_.formats();
    const int offset = spec_.serial ? 1 : 0;
    if (last && spec_.total) {
        const bool split = sheets_.size() > 1;
        const long long total_row = total_row_ >= 0 ? total_row_ : row_++;
        const auto r = static_cast<lxw_row_t>(total_row);
        const long long data_first = total_row_ >= 0 ? first_data_row_ + 1 : first_data_row_;
        const long long data_last = data_first + sheet_rows_ - 1;
        // the label spans 序号 and the leading text columns
        int label_end = offset - 1;
        for (std::size_t c = 0; c < spec_.columns.size() && spec_.columns[c].total == XlsxTotal::none &&
                                (spec_.columns[c].kind == XlsxKind::text || spec_.columns[c].kind == XlsxKind::code);
             ++c)
            label_end = static_cast<int>(c) + offset;
        if (label_end < 0) label_end = 0;
        if (label_end > 0)
            worksheet_merge_range(sheet_, r, 0, r, static_cast<lxw_col_t>(label_end), spec_.total_label.c_str(),
                                  fm.total_text);
        else
            worksheet_write_string(sheet_, r, 0, spec_.total_label.c_str(), fm.total_text);
        for (std::size_t c = 0; c < spec_.columns.size(); ++c) {
            const int x = static_cast<int>(c) + offset;
            if (x <= label_end) continue;
            const XlsxColumn& col = spec_.columns[c];
            lxw_format* f = col.kind == XlsxKind::integer   ? fm.total_integer
                            : col.kind == XlsxKind::percent ? fm.total_percent
                                                            : fm.total_decimal;
            if (col.total == XlsxTotal::sum) {
                const double value = col.kind == XlsxKind::integer ? std::round(sums_[c])
                                     : col.kind == XlsxKind::decimal ? std::round(sums_[c] * 100.0) / 100.0  // no float dust
                                                                     : sums_[c];
                if (split || sheet_rows_ == 0) {
                    worksheet_write_number(sheet_, r, static_cast<lxw_col_t>(x), value, f);
                } else {
                    const std::string formula = "=SUM(" + cell_ref(data_first, x) + ":" + cell_ref(data_last, x) + ")";
                    worksheet_write_formula_num(sheet_, r, static_cast<lxw_col_t>(x), formula.c_str(), f, value);
                }
                measure(static_cast<std::size_t>(x), display_width(format_cell(value, col.kind)));
            } else if (col.total == XlsxTotal::ratio && col.numerator >= 0 && col.denominator >= 0) {
                const double num = sums_[static_cast<std::size_t>(col.numerator)];
                const double den = sums_[static_cast<std::size_t>(col.denominator)];
                const double value = den == 0 ? 0 : num / den;
                const std::string n = cell_ref(total_row, col.numerator + offset),
                                  d = cell_ref(total_row, col.denominator + offset);
                const std::string formula = "=IF(" + d + "=0,0," + n + "/" + d + ")";
                worksheet_write_formula_num(sheet_, r, static_cast<lxw_col_t>(x), formula.c_str(), f, value);
            } else {
                worksheet_write_blank(sheet_, r, static_cast<lxw_col_t>(x), f);
            }
        }
    }
    int note_row = static_cast<int>(row_);
    std::vector<std::string> notes = last ? spec_.notes : std::vector<std::string>{};
    if (sheets_.size() > 1 && last)
        notes.insert(notes.begin(), "注：本表数据行超过 Excel 单表上限，已分为 " + std::to_string(sheets_.size()) +
                                        " 个工作表（" + spec_.sheet + " 及其续表），合计为全部数据之和。");
    if (!last) notes.push_back("注：续见下一工作表。");
    for (const auto& note : notes)
        worksheet_write_string(sheet_, static_cast<lxw_row_t>(note_row++), 0, note.c_str(), fm.note);
    for (std::size_t c = 0; c < widths_.size(); ++c)
        worksheet_set_column(sheet_, static_cast<lxw_col_t>(c), static_cast<lxw_col_t>(c), widths_[c], nullptr);
    worksheet_set_paper(sheet_, 9);  // A4
    if (spec_.landscape)
        worksheet_set_landscape(sheet_);
    else
        worksheet_set_portrait(sheet_);
    if (page_breaks_.empty()) worksheet_fit_to_pages(sheet_, 1, 0);  // fitting would drop the page breaks
    worksheet_center_horizontally(sheet_);
    worksheet_set_margins(sheet_, spec_.side_margin_in, spec_.side_margin_in, 0.75, 0.75);
    worksheet_set_footer(sheet_, "&C第 &P 页 共 &N 页");
    if (!spec_.page_header.empty()) worksheet_set_header(sheet_, spec_.page_header.c_str());
    if (!page_breaks_.empty()) {
        std::vector<lxw_row_t> breaks(page_breaks_);
        breaks.push_back(0);  // the list's end
        worksheet_set_h_pagebreaks(sheet_, breaks.data());
        page_breaks_.clear();
    }
}

void XlsxTable::break_page() {
    if (row_ <= first_data_row_) return;
    if (page_breaks_.size() >= kMaxPageBreaks) {  // the sheet holds no more breaks: the next page on a new sheet
        finish_sheet(false);
        start_sheet();
        return;
    }
    page_breaks_.push_back(static_cast<lxw_row_t>(row_));
}

std::vector<std::string> XlsxTable::finish() {
    if (!finished_) {
        finish_sheet(true);
        finished_ = true;
    }
    return sheets_;
}

}  // namespace cleanheat

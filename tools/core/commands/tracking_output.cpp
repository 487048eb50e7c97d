#include "commands/tracking_output.hpp"

#include <cairo.h>
#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>

#include "base/error.hpp"
#include "dataset/schema.hpp"
#include "io/atomic_output.hpp"
#include "io/file_info.hpp"
#include "render/page_output.hpp"
#include "base/text.hpp"
#include "report/xlsx_report.hpp"

namespace cleanheat {
namespace fs = std::filesystem;

namespace {
std::string date_iso(int yyyymmdd) {
    char buffer[16];
    std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", yyyymmdd / 10000, yyyymmdd / 100 % 100, yyyymmdd % 100);
    return buffer;
}
}  // namespace

void ledger_create_tables(const SqliteDb& db) {
    for (const char* name : {"progress_imports", "progress_ledger", "progress_issues"})
        dataset::create_table(db, dataset::table(name));
}

LedgerWriter::LedgerWriter(const SqliteDb& db, std::string imported_at)
    : db_(db),
      imported_at_(std::move(imported_at)),
      row_(db,
           "INSERT INTO progress_ledger (import_id, report_date, county_code, village_fid, village_code, "
           "village_name, file, sheet, row, code_as_written, name_as_written, township_as_written, "
           "planned_reported, started, completed, accepted, start_date, complete_date, accept_date, remark, applied, "
           "issue_code, imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, "
           "?17, ?18, ?19, ?20, ?21, ?22, ?23)"),
      issue_(db,
             "INSERT INTO progress_issues (import_id, file, sheet, row, col, value, code, severity, message) VALUES "
             "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)") {}

long long LedgerWriter::begin_import(const ImportSummary& summary) {
    SqlStatement insert(db_,
                        "INSERT INTO progress_imports (file, sha256, report_date, county_code, county_name, sheets, "
                        "imported_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
    insert.text(1, summary.file).text(2, summary.sha256).text(3, summary.report_date).text(4, summary.county_code);
    insert.text(5, summary.county_name).text(6, summary.sheets).text(7, imported_at_).run();
    import_id_ = sqlite3_last_insert_rowid(db_.handle());
    date_ = summary.report_date;
    county_ = summary.county_code;
    return import_id_;
}

void LedgerWriter::add(const LedgerRow& r) {
    const ProgressRow& p = *r.row;
    row_.integer(1, import_id_).text_ref(2, date_);
    if (r.village) {
        row_.text_ref(3, r.village->county_code)
            .integer(4, r.fid)
            .text_ref(5, r.village->code)
            .text_ref(6, r.village->name);
    } else {
        row_.text(3, p.unit ? p.unit->code : county_).null(4).null(5).null(6);
    }
    row_.text_ref(7, p.file)
        .text_ref(8, p.sheet)
        .integer(9, p.row)
        .text_ref(10, p.code_text)
        .text_ref(11, p.village_name);
    row_.text_ref(12, p.township);
    if (p.planned >= 0)
        row_.integer(13, p.planned);
    else
        row_.null(13);
    row_.integer(14, p.started).integer(15, p.completed).integer(16, p.accepted);
    row_.text_ref(17, p.start_date).text_ref(18, p.complete_date).text_ref(19, p.accept_date).text_ref(20, p.remark);
    row_.integer(21, r.applied ? 1 : 0);
    if (r.issue_code.empty())
        row_.null(22);
    else
        row_.text_ref(22, r.issue_code);
    row_.text_ref(23, imported_at_).run();
}

void LedgerWriter::finish_import(const ImportSummary& s, const std::vector<Issue>& issues) {
    SqlStatement update(db_,
                        "UPDATE progress_imports SET rows_read = ?1, rows_applied = ?2, rows_unchanged = ?3, "
                        "rows_rejected = ?4 WHERE import_id = ?5");
    update.integer(1, s.rows_read).integer(2, s.rows_applied).integer(3, s.rows_unchanged);
    update.integer(4, s.rows_rejected).integer(5, import_id_).run();
    for (const auto& i : issues) {
        issue_.integer(1, import_id_).text(2, i.file).text(3, i.sheet).integer(4, i.row).text(5, i.column);
        issue_.text(6, i.value).text(7, i.code).text(8, severity_name(i.severity)).text(9, i.message).run();
    }
}

void write_progress_caches(const SqliteDb& db, const std::vector<LatestEntry>& latest, bool replace_all,
                           const std::vector<TrendPoint>& trend) {
    if (db.has_table("progress_latest") && !db.has_column("progress_latest", "since"))
        db.exec("DROP TABLE progress_latest");  // from an earlier version: rebuilt below
    dataset::create_table(db, dataset::table("progress_latest"));
    dataset::create_table(db, dataset::table("progress_trend"));
    if (replace_all) db.exec("DELETE FROM progress_latest");
    SqlStatement upsert(db,
                        "INSERT OR REPLACE INTO progress_latest (village_fid, report_date, import_id, row, started, "
                        "completed, accepted, since) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    for (const auto& e : latest) {
        upsert.integer(1, e.fid).text(2, e.report_date).integer(3, e.import_id).integer(4, e.row);
        upsert.integer(5, e.started).integer(6, e.completed).integer(7, e.accepted).text(8, e.since).run();
    }
    db.exec("DELETE FROM progress_trend");
    SqlStatement point(db,
                       "INSERT INTO progress_trend (report_date, planned, started, completed, accepted) VALUES (?1, "
                       "?2, ?3, ?4, ?5)");
    for (const auto& t : trend)
        point.text(1, t.date)
            .integer(2, t.planned)
            .integer(3, t.started)
            .integer(4, t.completed)
            .integer(5, t.accepted)
            .run();
}

ProgressFields progress_fields_of(const VillageState& s) {
    ProgressFields f;
    if (!s.planned) {
        f.status = "unplanned";
        return f;
    }
    f.status = s.status.late ? "late" : s.status.stage == Stage::not_started ? "planned" : stage_key(s.status.stage);
    f.started = s.progress.started;
    f.completed = s.progress.completed;
    f.accepted = s.progress.accepted;
    f.status_date = s.since;
    f.stage = stage_key(s.status.stage);
    f.late = s.status.late ? 1 : 0;
    return f;
}

std::uint64_t state_fingerprint(const ProgressFields& f) {
    std::uint64_t h = 1469598103934665603ULL;
    auto mix_bytes = [&](const void* data, std::size_t n) {
        const auto* p = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ULL;
    };
    auto mix_text = [&](const std::string& text) {
        mix_bytes(text.data(), text.size());
        h = (h ^ 0x1F) * 1099511628211ULL;
    };
    const long long numbers[] = {f.started, f.completed, f.accepted, f.status_date, f.late};
    mix_text(f.status);
    mix_bytes(numbers, sizeof numbers);
    mix_text(f.stage);
    return h;
}

long long write_village_states(const SqliteDb& db, const std::vector<VillageState>& states) {
    register_gpkg_functions(db.handle());
    dataset::add_missing_columns(db, "villages", dataset::village_progress_columns());
    // The R-tree triggers watch geometry and fid, which this update never changes: they are
    // set aside for the update and put back as they were, in the same transaction.
    std::vector<std::pair<std::string, std::string>> triggers;  // name, sql
    db.each(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'villages' AND name LIKE "
        "'rtree_%_update%'",
        [&](sqlite3_stmt* st) { triggers.emplace_back(sql_text(st, 0), sql_text(st, 1)); });
    for (const auto& [name, sql] : triggers) db.exec("DROP TRIGGER " + sql_identifier(name));
    SqlStatement update(db,
                        "UPDATE villages SET status = ?1, households_started = ?2, households_completed = ?3, "
                        "households_accepted = ?4, status_date = ?5, progress_stage = ?6, progress_late = ?7 "
                        "WHERE fid = ?8");
    long long written = 0;
    for (const auto& s : states) {
        const ProgressFields f = progress_fields_of(s);
        if (state_fingerprint(f) == s.stored) continue;
        update.text(1, f.status).integer(2, f.started).integer(3, f.completed).integer(4, f.accepted);
        auto text_or_null = [&](int i, const std::string& v) {
            if (v.empty())
                update.null(i);
            else
                update.text(i, v);
        };
        if (f.status_date == 0)
            update.null(5);
        else
            update.text(5, date_iso(f.status_date));
        text_or_null(6, f.stage);
        if (f.late < 0)
            update.null(7);
        else
            update.integer(7, f.late);
        update.integer(8, s.fid).run();
        ++written;
    }
    for (const auto& [name, sql] : triggers) db.exec(sql);
    return written;
}

namespace {

double share(long long part, long long whole) {
    return whole > 0 ? static_cast<double>(part) / whole : 0.0;
}

// Days since 1899-12-30 (Excel's serial date) of an ISO date.
double excel_date(const std::string& iso) {
    int y = 0, m = 0, d = 0;
    std::sscanf(iso.c_str(), "%d-%d-%d", &y, &m, &d);
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = y - era * 400;
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    const long days_since_1970 = era * 146097L + doe - 719468L;
    return static_cast<double>(days_since_1970 + 25569);
}

std::vector<XlsxColumn> stage_columns() {
    using K = XlsxKind;
    using T = XlsxTotal;
    return {{"村数", "计划改造", K::integer, T::sum}, {"户数", "计划改造", K::integer, T::sum},
            {"村数", "已开工", K::integer, T::sum},   {"户数", "已开工", K::integer, T::sum},
            {"比例", "已开工", K::percent, T::ratio}, {"村数", "已完工", K::integer, T::sum},
            {"户数", "已完工", K::integer, T::sum},   {"比例", "已完工", K::percent, T::ratio},
            {"村数", "已验收", K::integer, T::sum},   {"户数", "已验收", K::integer, T::sum},
            {"比例", "已验收", K::percent, T::ratio}, {"滞后村数", "", K::integer, T::sum},
            {"已报告村数", "", K::integer, T::sum}};
}

void add_stage_cells(std::vector<XlsxCell>& row, const StageCounts& c) {
    for (double v : {double(c.villages), double(c.households), double(c.villages_started), double(c.started),
                     share(c.started, c.households), double(c.villages_completed), double(c.completed),
                     share(c.completed, c.households), double(c.villages_accepted), double(c.accepted),
                     share(c.accepted, c.households), double(c.villages_late), double(c.villages_reported)})
        row.emplace_back(v);
}

// Sets the ratio columns' numerator/denominator (indexes in `columns`, from `offset`).
void link_ratios(std::vector<XlsxColumn>& columns, int offset) {
    for (int k : {4, 7, 10}) {
        columns[offset + k].numerator = offset + k - 1;
        columns[offset + k].denominator = offset + 1;
    }
}

std::string state_line(const ProgressResult& r) {
    std::string s = "截至" + chinese_date(r.as_of) + "；当前节点：";
    if (r.due == Stage::not_started) {
        s += "尚无到期节点";
    } else {
        for (const auto& m : r.milestones.items)
            if (m.stage == r.due && m.date <= r.as_of) s += m.label + "（" + chinese_date(m.date) + "前）";
    }
    return s + "；单位：个、户";
}

// A SHA-256 in two halves, to print in a narrow column (a reader joins them).
std::string two_lines(const std::string& hex) {
    return hex.size() == 64 ? hex.substr(0, 32) + "\n" + hex.substr(32) : hex;
}

void add_trend_sheet(XlsxWorkbook& book, const ProgressResult& r) {
    lxw_workbook* wb = book.handle();
    lxw_worksheet* ws = book.add_sheet("进度趋势");
    const std::string name = ws->name;
    const auto& f = book.formats();
    lxw_format* date = workbook_add_format(wb);
    format_set_num_format(date, "yyyy\"年\"m\"月\"d\"日\"");
    format_set_border(date, LXW_BORDER_THIN);
    format_set_align(date, LXW_ALIGN_CENTER);
    format_set_font_name(date, "宋体");
    worksheet_merge_range(ws, 0, 0, 0, 4, (std::to_string(r.milestones.year) + "年农村清洁取暖工程进度趋势").c_str(),
                          f.title);
    worksheet_merge_range(ws, 1, 0, 1, 4, "全市合计，按各报告日期；单位：户", f.unit);
    const char* headers[] = {"报告日期", "计划改造户数", "已开工户数", "已完工户数", "已验收户数"};
    for (int c = 0; c < 5; ++c) worksheet_write_string(ws, 2, static_cast<lxw_col_t>(c), headers[c], f.header);
    lxw_row_t row = 3;
    for (const auto& t : r.trend) {
        worksheet_write_number(ws, row, 0, excel_date(t.date), date);
        worksheet_write_number(ws, row, 1, static_cast<double>(t.planned), f.integer);
        worksheet_write_number(ws, row, 2, static_cast<double>(t.started), f.integer);
        worksheet_write_number(ws, row, 3, static_cast<double>(t.completed), f.integer);
        worksheet_write_number(ws, row, 4, static_cast<double>(t.accepted), f.integer);
        ++row;
    }
    const lxw_row_t last = row - 1;
    worksheet_set_column(ws, 0, 0, 16, nullptr);
    worksheet_set_column(ws, 1, 4, 14, nullptr);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9);
    worksheet_center_horizontally(ws);
    worksheet_set_margins(ws, 0.5, 0.5, 0.75, 0.75);
    worksheet_fit_to_pages(ws, 1, 1);  // the table and its chart on one sheet of paper
    worksheet_set_footer(ws, "&C第 &P 页 共 &N 页");
    if (r.trend.empty()) return;

    // the milestones' vertical lines (two points each, from 0 to the plan) are chart data,
    // not a table to print: they go on a hidden sheet
    lxw_worksheet* data = book.add_sheet("图表数据");
    const std::string data_name = data->name;
    worksheet_write_string(data, 0, 0, "节点", f.header);
    worksheet_write_string(data, 0, 1, "日期", f.header);
    worksheet_write_string(data, 0, 2, "户数", f.header);
    const lxw_row_t m_first = 1;
    lxw_row_t mr = m_first;
    for (const auto& m : r.milestones.items) {
        for (int k = 0; k < 2; ++k) {
            worksheet_write_string(data, mr, 0, m.label.c_str(), f.text);
            worksheet_write_number(data, mr, 1, excel_date(m.date), date);
            worksheet_write_number(data, mr, 2, k == 0 ? 0.0 : static_cast<double>(r.total.households), f.integer);
            ++mr;
        }
    }
    worksheet_set_column(data, 0, 2, 14, nullptr);
    worksheet_hide(data);

    lxw_chart* chart = workbook_add_chart(wb, LXW_CHART_SCATTER_STRAIGHT_WITH_MARKERS);
    lxw_chart_font font{}, title_font{};
    font.name = title_font.name = const_cast<char*>("黑体");
    font.size = 10;  // 10 pt on the printed page (the sheet is fitted to one page, close to 100%)
    title_font.size = 14;
    title_font.bold = 1;
    static const std::uint32_t colours[] = {0x7F8C8D, 0xF39C12, 0x27AE60, 0x1E6B3A};
    for (int c = 1; c <= 4; ++c) {
        lxw_chart_series* s = chart_add_series(chart, nullptr, nullptr);
        chart_series_set_categories(s, name.c_str(), 3, 0, last, 0);
        chart_series_set_values(s, name.c_str(), 3, static_cast<lxw_col_t>(c), last, static_cast<lxw_col_t>(c));
        chart_series_set_name(s, headers[c]);
        lxw_chart_line line{};
        line.color = colours[c - 1];
        line.width = c == 1 ? 1.5 : 2.25;
        if (c == 1) line.dash_type = LXW_CHART_LINE_DASH_DASH;
        chart_series_set_line(s, &line);
        lxw_chart_marker marker{};
        marker.type = c == 1 ? LXW_CHART_MARKER_NONE : LXW_CHART_MARKER_CIRCLE;
        marker.size = 5;
        chart_series_set_marker_type(s, marker.type);
    }
    for (std::size_t k = 0; k < r.milestones.items.size(); ++k) {
        const auto first = static_cast<lxw_row_t>(m_first + 2 * k);
        lxw_chart_series* s = chart_add_series(chart, nullptr, nullptr);
        chart_series_set_categories(s, data_name.c_str(), first, 1, first + 1, 1);
        chart_series_set_values(s, data_name.c_str(), first, 2, first + 1, 2);
        const std::string label = r.milestones.items[k].label + "（" + chinese_date(r.milestones.items[k].date) + "）";
        chart_series_set_name(s, label.c_str());
        lxw_chart_line line{};
        line.color = 0xC0392B;
        line.width = 1.25;
        line.dash_type = LXW_CHART_LINE_DASH_ROUND_DOT;
        chart_series_set_line(s, &line);
        chart_series_set_marker_type(s, LXW_CHART_MARKER_NONE);
    }
    const std::string title = std::to_string(r.milestones.year) + "年农村清洁取暖工程进度（全市）";
    chart_title_set_name(chart, title.c_str());
    chart_title_set_name_font(chart, &title_font);
    chart_axis_set_name(chart->y_axis, "户数（户）");
    chart_axis_set_name_font(chart->y_axis, &font);
    chart_axis_set_num_format(chart->x_axis, "m\"月\"d\"日\"");
    chart_axis_set_num_font(chart->x_axis, &font);
    chart_axis_set_num_font(chart->y_axis, &font);
    chart_axis_set_num_format(chart->y_axis, "#,##0");
    double lo = excel_date(r.trend.front().date), hi = excel_date(r.trend.back().date);
    for (const auto& m : r.milestones.items) {
        lo = std::min(lo, excel_date(m.date));
        hi = std::max(hi, excel_date(m.date));
    }
    chart_axis_set_min(chart->x_axis, lo - 10);
    chart_axis_set_max(chart->x_axis, hi + 10);
    chart_axis_set_min(chart->y_axis, 0);
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    chart_legend_set_font(chart, &font);
    lxw_chart_options placement{};
    // under the table, as wide as an A4 landscape page's print area at 100% (about 1,000 px)
    placement.x_scale = 2.0;
    placement.y_scale = 1.5;
    placement.x_offset = 4;
    worksheet_insert_chart_opt(ws, last + 2, 0, chart, &placement);
}

}  // namespace

std::unique_ptr<AtomicOutput> write_progress_workbook(const fs::path& path, bool overwrite, const std::vector<fs::path>& inputs,
                             const SqliteDb& db, const ProgressResult& r) {
    XlsxWorkbook book(path, overwrite, inputs);
    const std::string year = std::to_string(r.milestones.year);
    {
        XlsxTableSpec spec;
        spec.sheet = "分县进度";
        spec.title = year + "年农村清洁取暖工程进度表";
        spec.unit = state_line(r);
        spec.columns = {{"县（市、区）", "", XlsxKind::text}};
        auto stages = stage_columns();
        spec.columns.insert(spec.columns.end(), stages.begin(), stages.end());
        link_ratios(spec.columns, 1);
        XlsxTable table = book.table(spec);
        for (const auto& u : r.counties) {
            std::vector<XlsxCell> row = {u.name.empty() ? u.code : u.name};
            add_stage_cells(row, u.counts);
            table.add_row(row);
        }
        table.finish();
    }
    {
        XlsxTableSpec spec;
        spec.sheet = "分乡镇进度";
        spec.title = year + "年农村清洁取暖工程进度表（分乡镇）";
        spec.unit = state_line(r);
        spec.columns = {{"县（市、区）", "", XlsxKind::text}, {"乡镇（街道）", "", XlsxKind::text}};
        auto stages = stage_columns();
        spec.columns.insert(spec.columns.end(), stages.begin(), stages.end());
        link_ratios(spec.columns, 2);
        XlsxTable table = book.table(spec);
        for (const auto& u : r.townships) {
            std::vector<XlsxCell> row = {u.county_name, u.name.empty() ? u.code : u.name};
            add_stage_cells(row, u.counts);
            table.add_row(row);
        }
        table.finish();
    }
    {
        XlsxTableSpec spec;
        spec.sheet = "滞后村庄";
        spec.title = year + "年农村清洁取暖工程滞后村庄清单";
        spec.unit = state_line(r);
        spec.columns = {{"县（市、区）", "", XlsxKind::text},
                        {"乡镇（街道）", "", XlsxKind::text},
                        {"村代码", "", XlsxKind::code},
                        {"村名", "", XlsxKind::text},
                        {"计划改造户数", "", XlsxKind::integer, XlsxTotal::sum},
                        {"已开工", "进度（户）", XlsxKind::integer, XlsxTotal::sum},
                        {"已完工", "进度（户）", XlsxKind::integer, XlsxTotal::sum},
                        {"已验收", "进度（户）", XlsxKind::integer, XlsxTotal::sum},
                        {"当前进度", "", XlsxKind::text},
                        {"应达到", "", XlsxKind::text},
                        {"数据来源", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 50, true}};
        XlsxTable table = book.table(spec);
        for (const auto& v : r.late) {
            const Village& village = r.village(v);
            std::string source = "未报送进度";
            if (v.report_date > 0) {
                const auto f = r.import_files.find(v.import_id);
                source = chinese_date(date_iso(v.report_date)) + "报告 " +
                         (f == r.import_files.end() ? std::string() : fs::path(f->second).filename().string()) + " 第" +
                         std::to_string(v.row) + "行";
            }
            table.add_row({village.county_name, village.township_name, village.code, village.name, double(v.planned),
                           double(v.started), double(v.completed), double(v.accepted), std::string(stage_name(v.stage)),
                           std::string(stage_name(v.due)), source});
        }
        table.finish();
    }
    add_trend_sheet(book, r);
    {
        XlsxTableSpec spec;
        spec.sheet = "导入记录";
        spec.title = "进度报告导入记录";
        spec.unit = "台账只追加，不覆盖历史；同一文件重复导入不改变台账";
        spec.columns = {{"导入序号", "", XlsxKind::general},
                        {"文件", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 50, true},
                        {"报告日期", "", XlsxKind::text},
                        {"县（市、区）", "", XlsxKind::text},
                        {"数据行", "", XlsxKind::integer, XlsxTotal::sum},
                        {"采用", "", XlsxKind::integer, XlsxTotal::sum},
                        {"其中无变化", "", XlsxKind::integer, XlsxTotal::sum},
                        {"未采用", "", XlsxKind::integer, XlsxTotal::sum},
                        {"导入时间", "", XlsxKind::text},
                        // 64 hex digits: two lines of 32 in a column that fits on the page
                        {"SHA-256", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 36, true}};
        XlsxTable table = book.table(spec);
        db.each(
            "SELECT import_id, file, report_date, county_name, rows_read, rows_applied, rows_unchanged, "
            "rows_rejected, imported_at, sha256 FROM progress_imports ORDER BY import_id",
            [&](sqlite3_stmt* st) {
                table.add_row({double(sqlite3_column_int64(st, 0)), sql_text(st, 1), sql_text(st, 2), sql_text(st, 3),
                               double(sqlite3_column_int64(st, 4)), double(sqlite3_column_int64(st, 5)),
                               double(sqlite3_column_int64(st, 6)), double(sqlite3_column_int64(st, 7)),
                               local_time_text(sql_text(st, 8)), two_lines(sql_text(st, 9))});
            });
        table.finish();
    }
    {
        XlsxTableSpec spec;
        spec.sheet = "数据问题";
        spec.title = "进度报告数据问题清单";
        spec.unit = "请各县（市、区）按文件、工作表、行、列核实后重新报送";
        spec.total = false;
        spec.columns = {{"文件", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 40, true},
                        {"工作表", "", XlsxKind::text},
                        {"行", "", XlsxKind::general},
                        {"列", "", XlsxKind::text},
                        {"值", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 24, true},
                        {"代码", "", XlsxKind::text},
                        {"级别", "", XlsxKind::text},
                        {"说明", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 70, true}};
        XlsxTable table = book.table(spec);
        auto level = [](const std::string& s) { return std::string(s == "error" ? "未采用" : "提示"); };
        for (const auto& i : r.issues)
            if (i.code == "W_REPORT_DUPLICATE")  // not in the ledger: a duplicate changes nothing
                table.add_row({i.file, i.sheet, XlsxCell{}, i.column, i.value, i.code, level(severity_name(i.severity)),
                               i.message});
        db.each("SELECT file, sheet, row, col, value, code, severity, message FROM progress_issues ORDER BY fid",
                [&](sqlite3_stmt* st) {
                    const long long row = sqlite3_column_int64(st, 2);
                    table.add_row({sql_text(st, 0), sql_text(st, 1), row > 0 ? XlsxCell(double(row)) : XlsxCell{},
                                   sql_text(st, 3), sql_text(st, 4), sql_text(st, 5), level(sql_text(st, 6)),
                                   sql_text(st, 7)});
                });
        table.finish();
    }
    return book.close_staged();
}

namespace {

class Text {
public:
    Text(cairo_t* cr, double size_pt, bool bold) : cr_(cr) {
        layout_ = pango_cairo_create_layout(cr);
        PangoFontDescription* font = pango_font_description_from_string("Noto Sans CJK SC");
        pango_font_description_set_absolute_size(font, size_pt * PANGO_SCALE);
        pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
        pango_layout_set_font_description(layout_, font);
        pango_font_description_free(font);
    }
    ~Text() { g_object_unref(layout_); }
    Text(const Text&) = delete;
    Text& operator=(const Text&) = delete;
    double width(const std::string& s) {
        pango_layout_set_text(layout_, s.c_str(), -1);
        int w = 0, h = 0;
        pango_layout_get_size(layout_, &w, &h);
        return static_cast<double>(w) / PANGO_SCALE;
    }
    // Draws `s` with its anchor at (x, y): ax, ay in 0..1 of the text's width and height.
    void draw(const std::string& s, double x, double y, double ax = 0, double ay = 0, double angle = 0) {
        pango_layout_set_text(layout_, s.c_str(), -1);
        int w = 0, h = 0;
        pango_layout_get_size(layout_, &w, &h);
        cairo_save(cr_);
        cairo_translate(cr_, x, y);
        cairo_rotate(cr_, angle);
        cairo_move_to(cr_, -ax * w / PANGO_SCALE, -ay * h / PANGO_SCALE);
        pango_cairo_show_layout(cr_, layout_);
        cairo_restore(cr_);
    }

private:
    cairo_t* cr_;
    PangoLayout* layout_ = nullptr;
};

void rgb(cairo_t* cr, std::uint32_t c) {
    cairo_set_source_rgb(cr, ((c >> 16) & 255) / 255.0, ((c >> 8) & 255) / 255.0, (c & 255) / 255.0);
}

std::string thousands(long long v) {
    return group_thousands(static_cast<double>(v));
}

// Draws the chart on a page of w x h points.
void draw_chart_impl(cairo_t* cr, double w, double h, const ProgressResult& r) {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, 0, 0, w, h);  // not cairo_paint: the chart may sit on a larger page
    cairo_fill(cr);
    const double left = 80, right = w - 30, top = 70, bottom = h - 90;
    rgb(cr, 0x222222);
    Text title(cr, 16, true);
    title.draw(std::to_string(r.milestones.year) + "年农村清洁取暖工程进度（全市）", w / 2, 18, 0.5, 0);
    Text small(cr, 9, false);
    {  // the figures under the title, on two lines where the page is narrow (the report's column)
        const std::string as_of = "截至" + chinese_date(r.as_of);
        const std::string figures = "计划改造" + thousands(r.total.households) + "户，已开工" +
                                    thousands(r.total.started) + "户，已完工" + thousands(r.total.completed) +
                                    "户，已验收" + thousands(r.total.accepted) + "户";
        if (small.width(as_of + "；" + figures) <= w - 40) {
            small.draw(as_of + "；" + figures, w / 2, 44, 0.5, 0);
        } else {
            small.draw(as_of, w / 2, 38, 0.5, 0);
            small.draw(figures, w / 2, 51, 0.5, 0);
        }
    }
    // axes: x from 10 days before the first date to 10 days after the last
    double lo = 1e9, hi = -1e9;
    for (const auto& t : r.trend) {
        lo = std::min(lo, excel_date(t.date));
        hi = std::max(hi, excel_date(t.date));
    }
    for (const auto& m : r.milestones.items) {
        lo = std::min(lo, excel_date(m.date));
        hi = std::max(hi, excel_date(m.date));
    }
    lo -= 10;
    hi += 10;
    const double ymax_raw = std::max<double>(1, static_cast<double>(r.total.households));
    const double step = std::pow(10, std::floor(std::log10(ymax_raw / 4)));
    double tick = step;
    for (double f : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (ymax_raw / (step * f) <= 6) {
            tick = step * f;
            break;
        }
    const double ymax = std::ceil(ymax_raw * 1.05 / tick) * tick;
    auto X = [&](double d) { return left + (d - lo) / (hi - lo) * (right - left); };
    auto Y = [&](double v) { return bottom - v / ymax * (bottom - top); };
    cairo_set_line_width(cr, 0.5);
    for (double v = 0; v <= ymax + 1e-9; v += tick) {
        rgb(cr, 0xDDDDDD);
        cairo_move_to(cr, left, Y(v));
        cairo_line_to(cr, right, Y(v));
        cairo_stroke(cr);
        rgb(cr, 0x444444);
        small.draw(thousands(static_cast<long long>(v)), left - 6, Y(v), 1, 0.5);
    }
    small.draw("户数（户）", 22, (top + bottom) / 2, 0.5, 0.5, -M_PI / 2);
    // month ticks
    for (int month = 1; month <= 12; ++month) {
        const double d = excel_date(std::to_string(r.milestones.year) + "-" + (month < 10 ? "0" : "") +
                                    std::to_string(month) + "-01");
        if (d < lo || d > hi) continue;
        rgb(cr, 0x444444);
        cairo_move_to(cr, X(d), bottom);
        cairo_line_to(cr, X(d), bottom + 4);
        cairo_stroke(cr);
        small.draw(std::to_string(month) + "月", X(d), bottom + 6, 0.5, 0);
    }
    rgb(cr, 0x222222);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, left, top);
    cairo_line_to(cr, left, bottom);
    cairo_line_to(cr, right, bottom);
    cairo_stroke(cr);
    // milestones: a label beside its line, a row lower where it would run into the one before
    std::vector<std::vector<std::pair<double, double>>> label_rows;  // per row: x extents taken
    for (const auto& m : r.milestones.items) {
        const double x = X(excel_date(m.date));
        rgb(cr, 0xC0392B);
        cairo_set_line_width(cr, 1);
        const double dash[] = {4, 3};
        cairo_set_dash(cr, dash, 2, 0);
        cairo_move_to(cr, x, top);
        cairo_line_to(cr, x, bottom);
        cairo_stroke(cr);
        cairo_set_dash(cr, nullptr, 0, 0);
        int y = 0, mo = 0, d = 0;
        std::sscanf(m.date.c_str(), "%d-%d-%d", &y, &mo, &d);
        const std::string label = m.label + " " + std::to_string(mo) + "月" + std::to_string(d) + "日";
        const double lw = small.width(label);
        const bool near_edge = x + 3 + lw > right;
        const double x0 = near_edge ? x - 3 - lw : x + 3, x1 = x0 + lw;
        std::size_t row = 0;
        for (; row < label_rows.size(); ++row)
            if (std::none_of(label_rows[row].begin(), label_rows[row].end(),
                             [&](const auto& e) { return x0 < e.second + 4 && e.first < x1 + 4; }))
                break;
        if (row == label_rows.size()) label_rows.emplace_back();
        label_rows[row].push_back({x0, x1});
        // a white ground under the text: the series lines pass behind it
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_rectangle(cr, x0 - 1, top + 2 + 14.0 * static_cast<double>(row), lw + 2, 13);
        cairo_fill(cr);
        rgb(cr, 0xC0392B);
        small.draw(label, x0, top + 2 + 14.0 * static_cast<double>(row), 0, 0);
    }
    // planned line and series; the legend's five entries share the width
    const double legend_step = std::min(120.0, (right - left - 20) / 5);
    struct Series {
        const char* name;
        std::uint32_t colour;
        long long TrendPoint::*field;
    };
    const Series series[] = {{"计划改造", 0x7F8C8D, &TrendPoint::planned},
                             {"已开工", 0xF39C12, &TrendPoint::started},
                             {"已完工", 0x27AE60, &TrendPoint::completed},
                             {"已验收", 0x1E6B3A, &TrendPoint::accepted}};
    for (std::size_t k = 0; k < 4; ++k) {
        const auto& s = series[k];
        rgb(cr, s.colour);
        cairo_set_line_width(cr, k == 0 ? 1.5 : 2.5);
        if (k == 0) {
            const double dash[] = {6, 3};
            cairo_set_dash(cr, dash, 2, 0);
            cairo_move_to(cr, left, Y(static_cast<double>(r.total.households)));
            cairo_line_to(cr, right, Y(static_cast<double>(r.total.households)));
            cairo_stroke(cr);
            cairo_set_dash(cr, nullptr, 0, 0);
        } else {
            bool first = true;
            for (const auto& t : r.trend) {
                const double x = X(excel_date(t.date)), y = Y(static_cast<double>(t.*(s.field)));
                if (first)
                    cairo_move_to(cr, x, y);
                else
                    cairo_line_to(cr, x, y);
                first = false;
            }
            cairo_stroke(cr);
            for (const auto& t : r.trend) {
                cairo_new_sub_path(cr);
                cairo_arc(cr, X(excel_date(t.date)), Y(static_cast<double>(t.*(s.field))), 3, 0, 2 * M_PI);
                cairo_fill(cr);
            }
        }
        // legend
        const double lx = left + 20 + static_cast<double>(k) * legend_step, ly = h - 40;
        cairo_set_line_width(cr, 3);
        cairo_move_to(cr, lx, ly);
        cairo_line_to(cr, lx + 24, ly);
        cairo_stroke(cr);
        rgb(cr, 0x222222);
        small.draw(s.name, lx + 30, ly, 0, 0.5);
    }
    rgb(cr, 0xC0392B);
    const double lx = left + 20 + 4 * legend_step, ly = h - 40;
    const double dash[] = {4, 3};
    cairo_set_dash(cr, dash, 2, 0);
    cairo_set_line_width(cr, 1);
    cairo_move_to(cr, lx, ly);
    cairo_line_to(cr, lx + 24, ly);
    cairo_stroke(cr);
    cairo_set_dash(cr, nullptr, 0, 0);
    rgb(cr, 0x222222);
    small.draw("节点（截止日期）", lx + 30, ly, 0, 0.5);
}

}  // namespace

void draw_progress_chart(cairo_t* cr, double w, double h, const ProgressResult& result) {
    draw_chart_impl(cr, w, h, result);
}

std::unique_ptr<AtomicOutput> write_progress_chart(const fs::path& path, bool overwrite, const std::vector<fs::path>& inputs,
                          const ProgressResult& r) {
    std::string ext = path.extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    if (ext != ".pdf" && ext != ".png" && ext != ".svg")
        throw UsageError(path.string() + ": the chart is written as .pdf, .png or .svg");
    auto out = std::make_unique<AtomicOutput>(path, overwrite, inputs);
    const double w = 842, h = 595;  // A4 landscape in points
    if (ext == ".png") {
        const double dpi = 150;
        write_png_page(out->partial(), path, static_cast<int>(w * dpi / 72), static_cast<int>(h * dpi / 72), dpi,
                       [&](cairo_t* cr) { draw_chart_impl(cr, w, h, r); });
    } else {
        write_vector_pages(out->partial(), path, ext == ".pdf", w, h, 1,
                           std::to_string(r.milestones.year) + "年农村清洁取暖工程进度", "cleanheat progress",
                           [&](cairo_t* cr, std::size_t) { draw_chart_impl(cr, w, h, r); });
    }
    return out;
}

}  // namespace cleanheat

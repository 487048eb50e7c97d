#include "commands/plan_reader.hpp"
#include "base/stop.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <functional>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace cleanheat {
namespace {

constexpr const char* kNotePrefixes[] = {"说明",   "注",     "备注",     "填表", "填报",       "制表",  "审核",
                                         "负责人", "联系人", "联系电话", "附注", "单位负责人", "统计人"};

std::string number_text(double v) {
    std::ostringstream s;
    if (std::fabs(v - std::round(v)) < 1e-9) {
        s << static_cast<long long>(std::llround(v));
    } else {
        s.precision(12);
        s << v;
    }
    return s.str();
}

enum class AggregateKind { none, subtotal, total };

bool is_bad_count(const Count& count) {
    return count.status == NumberStatus::unreadable || count.status == NumberStatus::negative ||
           count.status == NumberStatus::implausible;
}

const char* count_error_code(const Count& count) {
    switch (count.status) {
        case NumberStatus::negative:
            return "E_COUNT_NEGATIVE";
        case NumberStatus::implausible:
            return "E_COUNT_IMPLAUSIBLE";
        default:
            return "E_COUNT_UNREADABLE";
    }
}

AggregateKind aggregate_kind(const TableRow& row, const std::vector<int>& label_columns) {
    // 小计 / 合计 stand in the label columns (序号, county, township, village) or the first cells
    for (int c : label_columns) {
        const std::string& raw = row.cell(c);
        if (raw.empty()) continue;
        // cheap test first: every marker contains 计, 全 or 总
        if (!contains(raw, "计") && !contains(raw, "全") && !contains(raw, "总")) continue;
        const std::string s = strip_spaces(to_halfwidth(raw));
        if (contains(s, "小计")) return AggregateKind::subtotal;
        // 市西街道合计: the total of one township, a subtotal
        if (ends_with(s, "合计") && s.size() > std::string_view("合计").size() && !starts_with(s, "总") &&
            !starts_with(s, "全"))
            return AggregateKind::subtotal;
        if (contains(s, "合计") || contains(s, "总计") || contains(s, "共计") || s == "总数" ||
            s == "全市" || s == "全县" || s == "全区" || s == "全镇" || s == "全乡" || s == "全街道" || s == "全办" ||
            s == "全县(市、区)" || s == "全县(市区)")
            return AggregateKind::total;
    }
    return AggregateKind::none;
}

std::vector<int> label_columns(const Layout& layout) {
    std::vector<int> columns = {0, 1, 2};
    for (auto role : {ColumnRole::seq, ColumnRole::county, ColumnRole::township, ColumnRole::village_name,
                      ColumnRole::village_code})
        if (const auto* c = layout.find(role))
            if (std::find(columns.begin(), columns.end(), c->index) == columns.end()) columns.push_back(c->index);
    return columns;
}

bool is_note(const TableRow& row) {
    for (const auto& cell : row.cells) {
        if (cell.empty()) continue;
        const std::string s = trim(to_halfwidth(cell));
        if (s.empty()) continue;
        if (s == "甲" || s == "栏次") return true;  // the column-number line under a header (栏次 甲 乙 1 2 3)
        for (const char* p : kNotePrefixes) {
            if (!starts_with(s, p)) continue;
            // 注 alone starts village names too (注子村): a note says 注： or 注1
            if (std::string_view(p) == "注") {
                const std::string rest = s.substr(std::string_view("注").size());
                return rest.empty() || rest[0] == ':' || rest[0] == '(' || (rest[0] >= '0' && rest[0] <= '9') ||
                       starts_with(rest, "、") || starts_with(rest, "：");
            }
            return true;
        }
        return false;  // only the first non-empty cell counts
    }
    return false;
}

// The header's own texts, normalised once, to recognise a header repeated on a later page.
struct HeaderTexts {
    std::vector<std::pair<int, std::pair<std::string, std::string>>> columns;  // index -> (lower, upper)
    HeaderTexts(const Sheet& sheet, const Layout& layout) {
        for (const auto& column : layout.columns)
            columns.push_back({column.index,
                               {normalise_header(sheet.rows[layout.header_last].cell(column.index)),
                                normalise_header(sheet.rows[layout.header_first].cell(column.index))}});
    }
    // Every filled cell of the header's columns says what the header says there.
    bool identical(const TableRow& row) const {
        int same = 0, compared = 0;
        for (const auto& [index, texts] : columns) {
            const std::string v = normalise_header(row.cell(index));
            if (v.empty()) continue;
            ++compared;
            if (v == texts.first || v == texts.second) ++same;
        }
        return compared >= 2 && same == compared;
    }
    bool repeated_by(const TableRow& row) const {
        int same = 0, compared = 0;
        for (const auto& [index, texts] : columns) {
            const std::string& raw = row.cell(index);
            if (raw.empty()) continue;
            const std::string v = normalise_header(raw);
            if (v.empty()) continue;
            ++compared;
            if (v == texts.first || v == texts.second) ++same;
        }
        return compared >= 2 && same * 2 > compared;
    }
};

bool looks_numeric(const TableRow& row) {
    // data rows almost always carry a digit; a repeated header never does
    for (const auto& cell : row.cells)
        for (char c : cell)
            if (c >= '0' && c <= '9') return true;
    return false;
}

struct Aggregate {
    int index;  // position in the sheet
    AggregateKind kind;
};

// Walks the rows below the header: counts blank, aggregate and note rows, hands data rows
// to `on_data`, then checks every 小计/合计 row against the data rows it sums.
void walk_sheet(const Table& table, const Sheet& sheet, const Layout& layout, std::vector<int> sum_columns,
                SheetCounts& counts, std::vector<Issue>& issues, const std::function<bool(const TableRow&)>& is_data,
                const std::function<void(const TableRow&)>& on_data) {
    counts.header_rows = layout.header_last + 1;
    const std::vector<int> labels = label_columns(layout);
    const HeaderTexts header(sheet, layout);
    std::vector<Aggregate> aggregates;
    std::vector<int> data_positions;
    for (int i = layout.header_last + 1; i < static_cast<int>(sheet.rows.size()); ++i) {
        if ((i & 4095) == 0) throw_if_stop_requested();
        const auto& row = sheet.rows[i];
        if (row.blank()) {
            ++counts.blank_rows;
            continue;
        }
        const auto kind = aggregate_kind(row, labels);
        if (kind != AggregateKind::none) {
            ++counts.aggregate_rows;
            if (kind == AggregateKind::subtotal) ++counts.subtotal_rows;
            aggregates.push_back({i, kind});
            continue;
        }
        if (!looks_numeric(row) && (header.repeated_by(row) || is_header_row(row))) {
            // a header again: the same one on a later page, or another table's with other columns
            ++counts.note_rows;
            if (!header.identical(row) && counts.changed_header_row == 0) counts.changed_header_row = row.number;
            continue;
        }
        if (is_note(row) || !is_data(row)) {
            ++counts.note_rows;
            continue;
        }
        ++counts.data_rows;
        if (counts.first_data_row == 0) counts.first_data_row = row.number;
        counts.last_data_row = row.number;
        data_positions.push_back(i);
        on_data(row);
    }
    // check aggregates
    auto sum_over = [&](int from, int to, int column) {  // data rows with from < position < to
        double sum = 0;
        int n = 0;
        for (int p : data_positions) {
            if (p <= from || p >= to) continue;
            const auto d = parse_decimal(sheet.rows[p].cell(column));
            if (d.status == NumberStatus::ok || d.status == NumberStatus::negative) sum += d.value;
            ++n;
        }
        return std::make_pair(sum, n);
    };
    for (std::size_t a = 0; a < aggregates.size(); ++a) {
        const auto& agg = aggregates[a];
        int from = -1, to = static_cast<int>(sheet.rows.size());
        if (agg.kind == AggregateKind::subtotal) {
            from = layout.header_last;
            for (std::size_t b = 0; b < a; ++b) from = aggregates[b].index;
            to = agg.index;
            if (sum_over(from, to, sum_columns.empty() ? 0 : sum_columns[0]).second == 0) {
                from = agg.index;  // 小计 written above its rows
                to = a + 1 < aggregates.size() ? aggregates[a + 1].index : static_cast<int>(sheet.rows.size());
            }
        }
        const auto& row = sheet.rows[agg.index];
        for (int column : sum_columns) {
            const auto written = parse_decimal(row.cell(column));
            if (written.status != NumberStatus::ok && written.status != NumberStatus::negative) continue;
            const auto [sum, n] = sum_over(from, to, column);
            if (n == 0) continue;
            if (std::fabs(sum - written.value) > 0.005) {
                issues.push_back(make_issue("W_SUBTOTAL_MISMATCH", table.file, sheet.name, row.number,
                                            column_letter(column), trim(row.cell(column)),
                                            "表中为" + number_text(written.value) + "，所汇总" + std::to_string(n) +
                                                "行之和为" + number_text(sum)));
            }
        }
    }
}

// The texts that may name the county of a sheet: the rows above the header, the sheet
// name, the file name, in that order.
std::vector<std::string> sheet_context(const Table& table, const Sheet& sheet, const Layout& layout) {
    std::vector<std::string> texts;
    for (int i = 0; i < layout.header_first; ++i)
        for (const auto& cell : sheet.rows[i].cells)
            if (!cell.empty()) texts.push_back(cell);
    texts.push_back(sheet.name);
    texts.push_back(std::filesystem::path(table.file).stem().string());
    return texts;
}

// Route of a route/device text, and whether the text says more than the route's name.
struct RouteText {
    RouteMatch match;
    bool device = false;
};
RouteText route_text(const std::string& text) {
    RouteText r;
    r.match = classify_route(text);
    r.device = r.match.recognised && !names_route_only(text);
    return r;
}

std::string cell_of(const TableRow& row, const ColumnSpec* column) {
    return column ? trim(row.cell(column->index)) : std::string();
}

// The columns that say where a row belongs, and the fill-down over merged cells.
struct RefColumns {
    const ColumnSpec *county, *county_code, *township, *name, *code;
    explicit RefColumns(const Layout& layout)
        : county(layout.find(ColumnRole::county)),
          county_code(layout.find(ColumnRole::county_code)),
          township(layout.find(ColumnRole::township)),
          name(layout.find(ColumnRole::village_name)),
          code(layout.find(ColumnRole::village_code)) {}
};

struct RefFill {
    std::string last_county, last_township;
};

void read_ref(VillageRef& ref, const Table& table, const Sheet& sheet, const TableRow& row, const RefColumns& c,
              RefFill& fill, int context) {
    ref.file = table.file;
    ref.sheet = sheet.name;
    ref.row = row.number;
    ref.context = context;
    // county: the row's own cell (filled down over merged cells), else the sheet's
    std::string county = cell_of(row, c.county);
    if (county.empty() && c.county_code) county = cell_of(row, c.county_code);
    if (county.empty())
        county = fill.last_county;
    else
        fill.last_county = county;
    ref.county_text = county;
    std::string township = cell_of(row, c.township);
    if (township.empty())
        township = fill.last_township;
    else
        fill.last_township = township;
    ref.township = township;
    ref.village_name = cell_of(row, c.name);
    ref.code_text = cell_of(row, c.code);
    ref.code = normalise_code(ref.code_text);
    ref.code_column = c.code ? column_letter(c.code->index) : "";
    ref.name_column = c.name ? column_letter(c.name->index) : "";
}

int sheet_nonblank(const Sheet& sheet) {
    int n = 0;
    for (const auto& row : sheet.rows) n += row.blank() ? 0 : 1;
    return n;
}

// The layout of a sheet, or nullopt for an empty sheet or one without a header (counted
// and reported here).
std::optional<Layout> sheet_layout(const Table& table, const Sheet& sheet, TableKind kind, const ColumnMapping* mapping,
                                   SheetCounts& counts, std::vector<Issue>& issues,
                                   const std::string& no_header_detail = {}) {
    counts.sheet = sheet.name;
    const int nonblank = sheet_nonblank(sheet);
    if (nonblank == 0) {
        counts.blank_rows = static_cast<int>(sheet.rows.size());
        issues.push_back(make_issue("W_SHEET_EMPTY", table.file, sheet.name, 0, "", "", "工作表是空的"));
        return std::nullopt;
    }
    auto layout = detect_layout(sheet, kind, mapping);
    if (!layout) {
        issues.push_back(make_issue("E_NO_HEADER", table.file, sheet.name, 0, "", "",
                                    "该表有" + std::to_string(nonblank) + "行非空内容" + no_header_detail));
        counts.note_rows = nonblank;
    }
    counts.layout = layout;
    return layout;
}

template <class Result>
void resolve_units_of(Result& result, const UnitRegistry& units) {
    std::vector<const Unit*> contexts;
    for (const auto& texts : result.sheet_contexts) {
        const Unit* found = nullptr;
        for (const auto& text : texts)
            if ((found = units.find_in_text(text))) break;
        contexts.push_back(found);
    }
    std::unordered_map<std::string, const Unit*> by_text;
    for (auto& row : result.rows) {
        row.unit = nullptr;
        if (!row.county_text.empty()) {
            auto it = by_text.find(row.county_text);
            if (it == by_text.end()) it = by_text.emplace(row.county_text, units.find(row.county_text)).first;
            row.unit = it->second;
            row.unit_from_row = row.unit != nullptr;
        }
        if (!row.unit && row.context >= 0) row.unit = contexts[row.context];
    }
}

}  // namespace

int FileCounts::data_rows() const {
    int n = 0;
    for (const auto& s : sheets) n += s.data_rows;
    return n;
}

namespace {

// What the cells of a column not understood hold: counts, or a running 1, 2, 3 (序号 without header).
struct UnknownTally {
    const ColumnSpec* column;
    int nonempty = 0, counts = 0;
    long long last = 0;
    bool running = true;
    void add(const std::string& raw) {
        const std::string text = trim(raw);
        const auto count = parse_count(text);
        if (count.status == NumberStatus::empty) return;  // blank, or a placeholder such as / and —
        ++nonempty;
        if (count.status == NumberStatus::ok || count.status == NumberStatus::implausible) {
            ++counts;
            // 1, 2, 3 ... (restarting at 1 per township): an unlabelled 序号
            running = running && (count.value == last + 1 || (count.value == 1 && last > 0));
            last = count.value;
        } else {
            running = false;
        }
    }
    bool holds_counts() const { return counts > 0 && counts * 5 >= nonempty * 3 && !(running && counts >= 3); }
};

// Rows whose route figures do not fit their own total: a sign of a header misread.
struct TotalsCheck {
    int rows_with_total = 0;
    int mismatched = 0;      // total and route cells filled, total != sum
    int without_routes = 0;  // total > 0, no route figure
    std::vector<int> examples;
    bool too_many() const {
        const int bad = mismatched + without_routes;
        return bad >= 3 && bad * 5 >= rows_with_total;
    }
};

// E_HEADER_UNMAPPED for a column not understood that lies under a household group or holds
// counts; false (nothing said) for a harmless one (a text column, an unlabelled 序号).
bool add_unmapped_issue(const Table& table, const Sheet& sheet, const UnknownTally& tally, std::vector<Issue>& issues) {
    const ColumnSpec& column = *tally.column;
    const bool under_group = column.under_count_group && !column.label.empty();
    if (!under_group && !tally.holds_counts()) return false;
    std::string why;
    if (!column.doubt.empty())
        why = column.doubt;
    else if (under_group)
        why = "该列位于户数栏目下，但不是可识别的技术路线或合计";
    else
        why = "该列填有" + std::to_string(tally.counts) + "个数值，但列名不是可识别的技术路线、合计或其他已知列";
    const std::string shown = column.label.empty() ? "（空表头）" : "“" + column.label + "”";
    issues.push_back(make_issue("E_HEADER_UNMAPPED", table.file, sheet.name, column.header_row,
                                column_letter(column.index), column.label, shown + why));
    return true;
}

Issue header_changed_issue(const Table& table, const Sheet& sheet, const Layout& layout, int changed_row) {
    return make_issue("E_HEADER_CHANGED", table.file, sheet.name, changed_row, "", "",
                      "第" + std::to_string(changed_row) + "行又是一个表头，其列与第" +
                          std::to_string(sheet.rows[static_cast<std::size_t>(layout.header_last)].number) +
                          "行的表头不同（一个工作表中有两个表？）；请把各表放在各自的工作表中");
}

bool keeps_when_refused(const Issue& issue) {
    return issue.row == 0 || issue.code == "E_HEADER_UNMAPPED" || issue.code == "E_HEADER_CHANGED";
}

}  // namespace

// Said once per file: where the reader masked ID or phone numbers (table_reader.cpp).
static void note_masked_numbers(const Table& table, std::vector<Issue>& issues) {
    if (table.masked_cells == 0) return;
    issues.push_back(make_issue("W_PERSONAL_DATA_MASKED", table.file, "", 0, "", "",
                                std::to_string(table.masked_cells) + "个单元格，第一处：" + table.first_masked));
}

PlanReadResult read_plan_rows(const Table& table, const std::vector<ColumnMapping>& mappings) {
    PlanReadResult result;
    result.counts.file = table.file;
    result.counts.encoding = table.encoding;
    note_masked_numbers(table, result.issues);
    // an empty file (0 bytes, or no cell with text) is a finding, not a silent nothing
    int nonblank = 0;
    for (const auto& sheet : table.sheets) nonblank += sheet_nonblank(sheet);
    if (nonblank == 0) {
        result.issues.push_back(make_issue("E_TABLE_EMPTY", table.file, "", 0, "", ""));
        for (const auto& sheet : table.sheets) {
            SheetCounts counts;
            counts.sheet = sheet.name;
            counts.blank_rows = static_cast<int>(sheet.rows.size());
            result.counts.sheets.push_back(counts);
        }
        return result;
    }
    TotalsCheck totals_check;
    int unmapped_columns = 0, changed_headers = 0;
    for (const auto& sheet : table.sheets) {
        SheetCounts counts;
        const ColumnMapping* mapping = mapping_for(mappings, table.file, sheet.name);
        const auto layout = sheet_layout(table, sheet, TableKind::plan, mapping, counts, result.issues);
        if (!layout) {
            result.counts.sheets.push_back(counts);
            continue;
        }
        const int context = static_cast<int>(result.sheet_contexts.size());
        result.sheet_contexts.push_back(sheet_context(table, sheet, *layout));
        std::unordered_map<std::string, RouteText> route_texts;  // classified once per distinct text
        const RefColumns refs(*layout);
        const auto* c_name = refs.name;
        const auto* c_code = refs.code;
        const auto* c_total = layout->find(ColumnRole::total);
        const auto* c_households = layout->find(ColumnRole::households);
        const auto* c_route_text = layout->find(ColumnRole::route_text);
        const auto* c_device = layout->find(ColumnRole::device);
        const auto* c_seq = layout->find(ColumnRole::seq);
        const auto route_columns = layout->all(ColumnRole::route_count);
        std::vector<int> count_columns;
        for (const auto* c : {c_total, c_households})
            if (c) count_columns.push_back(c->index);
        for (const auto* c : route_columns) count_columns.push_back(c->index);
        // columns right of the header's last cell count as well: they have no header at all
        std::vector<ColumnSpec> beyond;
        {
            int header_width = 0;
            for (int r = layout->header_first; r <= layout->header_last; ++r)
                header_width = std::max(header_width, static_cast<int>(sheet.rows[static_cast<std::size_t>(r)].cells.size()));
            for (const auto& c : layout->columns) header_width = std::max(header_width, c.index + 1);
            for (const auto& c : layout->unknown) header_width = std::max(header_width, c.index + 1);
            int data_width = header_width;
            for (std::size_t r = static_cast<std::size_t>(layout->header_last) + 1; r < sheet.rows.size(); ++r) {
                const auto& cells = sheet.rows[r].cells;
                int width = static_cast<int>(cells.size());
                while (width > 0 && trim(cells[static_cast<std::size_t>(width - 1)]).empty()) --width;
                data_width = std::max(data_width, width);
            }
            for (int c = header_width; c < data_width; ++c) {
                ColumnSpec extra;
                extra.index = c;
                extra.header_row = sheet.rows[static_cast<std::size_t>(layout->header_last)].number;
                beyond.push_back(extra);
            }
        }
        std::vector<UnknownTally> unknown;
        for (const auto& column : layout->unknown) unknown.push_back({&column});
        for (const auto& column : beyond) unknown.push_back({&column});

        RefFill fill;
        result.rows.reserve(result.rows.size() + sheet.rows.size());
        std::string last_village_name, last_village_code, last_village_township;
        auto is_data = [&](const TableRow& row) {
            if (!cell_of(row, c_name).empty() || !cell_of(row, c_code).empty()) return true;
            for (int c : count_columns)
                if (!trim(row.cell(c)).empty()) return true;
            return false;
        };
        auto on_data = [&](const TableRow& row) {
            for (auto& tally : unknown) tally.add(row.cell(tally.column->index));
            PlanRow plan;
            read_ref(plan, table, sheet, row, refs, fill, context);
            const std::string& township = plan.township;
            // a village's second route row under vertically merged village cells (a row with a 序号 of
            // its own is a row of its own, not a continuation)
            if (plan.village_name.empty() && plan.code_text.empty() && township == last_village_township &&
                cell_of(row, c_seq).empty()) {
                plan.village_name = last_village_name;
                plan.code_text = last_village_code;
            }
            last_village_name = plan.village_name;
            last_village_code = plan.code_text;
            last_village_township = township;
            if (plan.code_text != cell_of(row, c_code)) plan.code = normalise_code(plan.code_text);
            plan.device = cell_of(row, c_device);
            // a date that is no real day (2022-02-30, 99999999) is not kept, and said
            auto date_of = [&](ColumnRole role, std::string& date) {
                const ColumnSpec* column = layout->find(role);
                const std::string text = cell_of(row, column);
                date = normalise_date(text);
                if (text.empty() || is_valid_iso_date(date)) return;
                plan.warnings.push_back(make_issue("W_DATE_INVALID", table.file, sheet.name, row.number,
                                                   column_letter(column->index), text, "列“" + column->label + "”"));
                date.clear();
            };
            date_of(ColumnRole::start_date, plan.start_date);
            date_of(ColumnRole::end_date, plan.end_date);
            plan.remark = cell_of(row, layout->find(ColumnRole::remark));

            // a rejected row: one finding, the whole row out
            auto reject_with = [&](const std::string& code, const ColumnSpec* column, const std::string& detail) {
                result.issues.push_back(make_issue(code, table.file, sheet.name, row.number,
                                                   column ? column_letter(column->index) : "",
                                                   column ? trim(row.cell(column->index)) : "", detail));
                ++result.rows_rejected;
            };
            auto reject = [&](const ColumnSpec* column, const Count& count) {
                reject_with(count_error_code(count), column,
                            "列“" + column->label + "”" +
                                (count.status == NumberStatus::implausible
                                     ? "，超过每村" + std::to_string(kMaxHouseholdsInACell) + "户的上限"
                                     : std::string()));
            };
            // a count read from "1 234", "120户": loaded, and said how
            auto reformatted = [&](const ColumnSpec* column, const Count& count) {
                if (!count.reformatted) return;
                plan.warnings.push_back(make_issue("W_COUNT_REFORMATTED", table.file, sheet.name, row.number,
                                                   column_letter(column->index), trim(row.cell(column->index)),
                                                   "按" + std::to_string(count.value) + "户读取"));
            };
            auto other_route_warning = [&](const RouteHouseholds& rh, const std::string& column) {
                if (rh.route != Route::other) return;
                plan.warnings.push_back(make_issue("W_ROUTE_OTHER", table.file, sheet.name, row.number, column,
                                                   rh.text, "“" + rh.detail + "”" + std::to_string(rh.households) +
                                                                "户按“其他”计入"));
            };
            long long route_sum = 0;
            const ColumnSpec* coal = nullptr;
            for (const auto* column : route_columns) {
                const auto count = parse_count(row.cell(column->index));
                if (is_bad_count(count)) {
                    reject(column, count);
                    return;
                }
                if (count.status == NumberStatus::empty || count.value == 0) continue;
                reformatted(column, count);
                if (column->not_clean) {
                    if (!coal) coal = column;
                    continue;
                }
                route_sum += count.value;
                RouteHouseholds rh;
                rh.route = column->route;
                rh.households = count.value;
                rh.detail = column->route_detail;
                rh.text = column->label;
                rh.column = column_letter(column->index);
                plan.routes.push_back(rh);
            }
            const ColumnSpec* count_column = c_total ? c_total : c_households;
            Count total;
            if (count_column) {
                total = parse_count(row.cell(count_column->index));
                if (is_bad_count(total)) {
                    reject(count_column, total);
                    return;
                }
                if (route_columns.empty()) reformatted(count_column, total);
            }
            if (coal) {
                reject_with("E_ROUTE_NOT_CLEAN", coal, "列“" + coal->label + "”为燃煤，不属于清洁取暖");
                return;
            }
            if (total.status == NumberStatus::ok && !route_columns.empty()) ++totals_check.rows_with_total;
            if (!plan.routes.empty()) {
                if (total.status == NumberStatus::ok && total.value != route_sum) {
                    ++totals_check.mismatched;
                    if (totals_check.examples.size() < 5) totals_check.examples.push_back(row.number);
                    plan.warnings.push_back(make_issue(
                        "W_TOTAL_MISMATCH", table.file, sheet.name, row.number, column_letter(count_column->index),
                        trim(row.cell(count_column->index)),
                        "合计" + std::to_string(total.value) + "户，各路线之和" + std::to_string(route_sum) + "户"));
                }
                for (const auto& rh : plan.routes) other_route_warning(rh, rh.column);
            } else if (total.status == NumberStatus::ok && total.value > 0) {
                // one households column: the route must be named in a cell (改造方式 or 设备类型)
                std::string text = cell_of(row, c_route_text);
                const ColumnSpec* where = c_route_text;
                if (text.empty()) {
                    text = plan.device;
                    if (!text.empty()) where = c_device;
                }
                if (text.empty()) {
                    if (!route_columns.empty()) {
                        ++totals_check.without_routes;
                        if (totals_check.examples.size() < 5) totals_check.examples.push_back(row.number);
                        reject_with("E_ROUTE_MISSING", count_column,
                                    "合计" + std::to_string(total.value) + "户，各技术路线列均未填写");
                    } else {
                        reject_with("E_ROUTE_MISSING", c_route_text ? c_route_text : count_column,
                                    c_route_text ? "" : "表中没有改造方式列");
                    }
                    return;
                }
                auto known = route_texts.find(text);
                if (known == route_texts.end()) known = route_texts.emplace(text, route_text(text)).first;
                const auto& match = known->second.match;
                if (!match.recognised) {
                    reject_with("E_ROUTE_UNKNOWN", where, "");
                    return;
                }
                if (match.not_clean) {
                    reject_with("E_ROUTE_NOT_CLEAN", where, "“" + match.detail + "”为燃煤，不属于清洁取暖");
                    return;
                }
                if (match.ambiguous) {
                    reject_with("E_ROUTE_AMBIGUOUS", where,
                                std::string("同时写明") + route_name(match.route) + "和" + route_name(match.other_route) +
                                    "，户数无法分开");
                    return;
                }
                RouteHouseholds rh;
                rh.households = total.value;
                rh.text = text;
                rh.route = match.route;
                rh.detail = match.detail;
                rh.device = known->second.device;
                rh.column = column_letter(count_column->index);
                plan.routes.push_back(rh);
                other_route_warning(rh, where ? column_letter(where->index) : "");
            }
            if (plan.routes.empty()) {
                const ColumnSpec* where =
                    count_column ? count_column : (route_columns.empty() ? nullptr : route_columns[0]);
                reject_with("E_COUNT_MISSING", where, "");
                return;
            }
            result.rows.push_back(std::move(plan));
        };
        walk_sheet(table, sheet, *layout, count_columns, counts, result.issues, is_data, on_data);
        if (counts.data_rows == 0)
            result.issues.push_back(make_issue("W_SHEET_EMPTY", table.file, sheet.name, 0, "", ""));
        // columns not understood: under a household group, or holding counts
        for (const auto& tally : unknown)
            if (add_unmapped_issue(table, sheet, tally, result.issues)) ++unmapped_columns;
        if (counts.changed_header_row > 0) {
            result.issues.push_back(header_changed_issue(table, sheet, *layout, counts.changed_header_row));
            ++changed_headers;
        }
        result.counts.sheets.push_back(counts);
    }
    if (unmapped_columns > 0) {
        result.refused = "E_HEADER_UNMAPPED";
    } else if (changed_headers > 0) {
        result.refused = "E_HEADER_CHANGED";
    } else if (totals_check.too_many()) {
        result.refused = "E_TOTALS_DISAGREE";
        std::string rows;
        for (int r : totals_check.examples) rows += (rows.empty() ? "" : "、") + std::to_string(r);
        result.issues.push_back(make_issue(
            "E_TOTALS_DISAGREE", table.file, "", 0, "", "",
            std::to_string(totals_check.mismatched) + "行合计与各技术路线之和不一致，" +
                std::to_string(totals_check.without_routes) + "行有合计而无分路线户数（共" +
                std::to_string(totals_check.rows_with_total) + "行填有合计；如第" + rows +
                "行）；很可能有技术路线列未被识别或识别错误"));
    }
    if (!result.refused.empty()) {
        result.rows.clear();
        result.issues.erase(std::remove_if(result.issues.begin(), result.issues.end(),
                                           [](const Issue& issue) { return !keeps_when_refused(issue); }),
                            result.issues.end());
        result.rows_rejected = result.counts.data_rows();
    }
    return result;
}

std::string column_meaning(const ColumnSpec& column) {
    switch (column.role) {
        case ColumnRole::route_count:
            return column.not_clean ? "route:coal" : std::string("route:") + route_key(column.route);
        case ColumnRole::area:
            return column.factor == 1.0 ? "area_m2" : "area";
        case ColumnRole::none:
            return "?";
        default:
            return role_name(column.role);
    }
}

nlohmann::json mapping_of_file(const Table& table, const FileCounts& counts, const std::vector<Issue>& issues) {
    nlohmann::json out = nlohmann::json::array();
    int with_layout = 0;
    for (const auto& sheet : counts.sheets) with_layout += sheet.layout ? 1 : 0;
    const std::string name = std::filesystem::path(table.file).filename().string();
    for (const auto& counts_of_sheet : counts.sheets) {
        if (!counts_of_sheet.layout) continue;
        const Layout& layout = *counts_of_sheet.layout;
        const Sheet* sheet = nullptr;
        for (const auto& s : table.sheets)
            if (s.name == counts_of_sheet.sheet) sheet = &s;
        if (!sheet) continue;
        nlohmann::json m;
        m["table"] = name;
        if (with_layout > 1 || !counts_of_sheet.sheet.empty()) m["sheet"] = counts_of_sheet.sheet;
        m["header_row"] = sheet->rows[layout.header_last].number;
        m["header_rows"] = layout.header_last - layout.header_first + 1;
        std::vector<std::pair<int, std::pair<std::string, std::string>>> cells;  // index -> (meaning, header)
        for (const auto& column : layout.columns) cells.push_back({column.index, {column_meaning(column), column.label}});
        for (const auto& column : layout.unknown) {
            bool refused = false;
            for (const auto& issue : issues)
                refused = refused || (issue.code == "E_HEADER_UNMAPPED" && issue.sheet == counts_of_sheet.sheet &&
                                      issue.column == column_letter(column.index));
            cells.push_back({column.index, {refused ? "?" : "none", column.label}});
        }
        std::sort(cells.begin(), cells.end());
        nlohmann::json columns = nlohmann::json::object(), headers = nlohmann::json::object();
        for (const auto& [index, meaning] : cells) {
            // ordered_json is not used: keys sort as text, so B comes before AA; fine for a hand-edited file
            columns[column_letter(index)] = meaning.first;
            headers[column_letter(index)] = meaning.second;
        }
        m["columns"] = columns;
        m["headers"] = headers;
        out.push_back(m);
    }
    return out;
}

void resolve_units(PlanReadResult& plan, const UnitRegistry& units) {
    resolve_units_of(plan, units);
}
void resolve_units(ProgressReadResult& report, const UnitRegistry& units) {
    resolve_units_of(report, units);
}

ProgressReadResult read_progress_rows(const Table& table, const ColumnMapping* mapping) {
    ProgressReadResult result;
    scan_progress_rows(
        table, mapping, result, [](std::size_t) {}, [&](ProgressRow&& row) { result.rows.push_back(std::move(row)); });
    return result;
}

namespace {

// The columns of a progress report's figures, and which rows hold data.
struct ProgressColumns {
    const ColumnSpec* planned;
    const ColumnSpec* stage[3];
    std::vector<int> counts;  // the columns of the figures above, as they are
    explicit ProgressColumns(const Layout& layout)
        : planned(layout.find(ColumnRole::households) ? layout.find(ColumnRole::households)
                                                      : layout.find(ColumnRole::total)),
          stage{layout.find(ColumnRole::started), layout.find(ColumnRole::completed),
                layout.find(ColumnRole::accepted)} {
        for (const auto* c : {planned, stage[0], stage[1], stage[2]})
            if (c) counts.push_back(c->index);
    }
    bool is_data(const TableRow& row, const RefColumns& refs) const {
        if (!cell_of(row, refs.name).empty() || !cell_of(row, refs.code).empty()) return true;
        for (int c : counts)
            if (!trim(row.cell(c)).empty()) return true;
        return false;
    }
};

// The findings that stop a progress report (E_HEADER_UNMAPPED, E_HEADER_CHANGED) for one sheet,
// added to `issues`; returns the first code, "" when the sheet reads.
std::string progress_sheet_refusal(const Table& table, const Sheet& sheet, const Layout& layout,
                                   std::vector<Issue>& issues) {
    const RefColumns refs(layout);
    const ProgressColumns columns(layout);
    std::vector<UnknownTally> unknown;
    for (const auto& column : layout.unknown) unknown.push_back({&column});
    SheetCounts counts;
    std::vector<Issue> ignored;  // the rows' own findings come with the second walk
    walk_sheet(
        table, sheet, layout, columns.counts, counts, ignored, [&](const TableRow& row) { return columns.is_data(row, refs); },
        [&](const TableRow& row) {
            for (auto& tally : unknown) tally.add(row.cell(tally.column->index));
        });
    std::string refused;
    for (const auto& tally : unknown)
        if (add_unmapped_issue(table, sheet, tally, issues) && refused.empty()) refused = "E_HEADER_UNMAPPED";
    if (counts.changed_header_row > 0) {
        issues.push_back(header_changed_issue(table, sheet, layout, counts.changed_header_row));
        if (refused.empty()) refused = "E_HEADER_CHANGED";
    }
    return refused;
}

}  // namespace

bool is_table_refusal(const std::string& code) {
    return code == "E_HEADER_UNMAPPED" || code == "E_HEADER_CHANGED";
}

void scan_progress_rows(const Table& table, const ColumnMapping* mapping, ProgressReadResult& result,
                        const std::function<void(std::size_t)>& on_sheet,
                        const std::function<void(ProgressRow&&)>& on_row) {
    result.counts.file = table.file;
    result.counts.encoding = table.encoding;
    note_masked_numbers(table, result.issues);
    // 1. Every sheet's header, and whether the report can be read at all: a column not understood
    // under a household group or holding counts (a stage written in words the reader does not know
    // would otherwise be read as no figure), or a second header with other columns, and no row of
    // the report is applied; every row still goes to the ledger with that code.
    struct SheetRead {
        const Sheet* sheet;
        SheetCounts counts;
        std::optional<Layout> layout;
    };
    std::vector<SheetRead> reads;
    reads.reserve(table.sheets.size());  // the layouts stay where they are: columns point into them
    std::string refused;
    for (const auto& sheet : table.sheets) {
        reads.push_back({&sheet, {}, {}});
        SheetRead& read = reads.back();
        read.layout = sheet_layout(table, sheet, TableKind::progress, mapping, read.counts, result.issues,
                                   "，未找到村庄及已开工、已完工、已验收户数列");
        if (!read.layout) continue;
        const std::string why = progress_sheet_refusal(table, sheet, *read.layout, result.issues);
        if (refused.empty()) refused = why;
    }
    // 2. The rows.
    for (auto& read : reads) {
        const Sheet& sheet = *read.sheet;
        SheetCounts& counts = read.counts;
        if (!read.layout) {
            result.counts.sheets.push_back(counts);
            continue;
        }
        const auto& layout = read.layout;
        const int context = static_cast<int>(result.sheet_contexts.size());
        result.sheet_contexts.push_back(sheet_context(table, sheet, *layout));
        on_sheet(static_cast<std::size_t>(context));
        const RefColumns refs(*layout);
        const ProgressColumns columns(*layout);
        const auto* c_planned = columns.planned;
        const ColumnSpec* const* c_stage = columns.stage;
        const auto* c_start = layout->find(ColumnRole::start_date);
        const auto* c_complete = layout->find(ColumnRole::end_date);
        const auto* c_accept = layout->find(ColumnRole::accept_date);
        const auto* c_remark = layout->find(ColumnRole::remark);
        const std::vector<int>& count_columns = columns.counts;
        RefFill fill;
        auto is_data = [&](const TableRow& row) { return columns.is_data(row, refs); };
        auto on_data = [&](const TableRow& row) {
            ProgressRow p;
            read_ref(p, table, sheet, row, refs, fill, context);
            // counts: any unreadable or negative cell rejects the whole row; blank is 0
            auto count_of = [&](const ColumnSpec* column, long long& value, std::string& letter, long long blank) {
                if (!column) {
                    value = blank;
                    return true;
                }
                letter = column_letter(column->index);
                const auto count = parse_count(row.cell(column->index));
                if (is_bad_count(count)) {
                    if (p.rejected.empty()) {  // one finding per row: the first bad cell
                        p.rejected = count_error_code(count);
                        result.issues.push_back(make_issue(p.rejected, table.file, sheet.name, row.number, letter,
                                                           trim(row.cell(column->index)), "列“" + column->label + "”"));
                    }
                    value = blank < 0 ? -1 : 0;
                    return false;
                }
                value = count.status == NumberStatus::empty ? blank : count.value;
                return true;
            };
            // every cell is read, so that a rejected row keeps what could be read of it in the ledger
            count_of(c_planned, p.planned, p.planned_column, -1);
            count_of(c_stage[0], p.started, p.started_column, 0);
            count_of(c_stage[1], p.completed, p.completed_column, 0);
            count_of(c_stage[2], p.accepted, p.accepted_column, 0);
            p.start_date = normalise_date(cell_of(row, c_start));
            p.complete_date = normalise_date(cell_of(row, c_complete));
            p.accept_date = normalise_date(cell_of(row, c_accept));
            p.remark = cell_of(row, c_remark);
            if (!refused.empty() && p.rejected.empty()) p.rejected = refused;  // said once, for the report
            on_row(std::move(p));
        };
        walk_sheet(table, sheet, *layout, count_columns, counts, result.issues, is_data, on_data);
        if (counts.data_rows == 0)
            result.issues.push_back(make_issue("W_SHEET_EMPTY", table.file, sheet.name, 0, "", ""));
        result.counts.sheets.push_back(counts);
    }
}

HeatingReadResult read_heating_rows(const Table& table, const UnitRegistry& units) {
    HeatingReadResult result;
    result.counts.file = table.file;
    result.counts.encoding = table.encoding;
    note_masked_numbers(table, result.issues);
    for (const auto& sheet : table.sheets) {
        SheetCounts counts;
        const auto layout = sheet_layout(table, sheet, TableKind::heating, nullptr, counts, result.issues,
                                         "，未找到县（市、区）和面积列");
        if (!layout) {
            result.counts.sheets.push_back(counts);
            continue;
        }
        const auto* c_unit = layout->find(ColumnRole::county);
        const auto* c_area = layout->find(ColumnRole::area);
        const auto* c_source = layout->find(ColumnRole::heat_source);
        const auto* c_remark = layout->find(ColumnRole::remark);
        double factor = c_area->factor;
        // a 单位：平方米 line above the header overrides the default 万平方米
        for (int i = 0; i < layout->header_first; ++i)
            for (const auto& cell : sheet.rows[i].cells) {
                const std::string s = strip_spaces(to_halfwidth(cell));
                if (contains(s, "单位") && contains(s, "平方米") && !contains(s, "万平方米") &&
                    !contains(c_area->label, "万"))
                    factor = 1.0;
            }
        std::string last_unit;
        auto is_data = [&](const TableRow& row) {
            return !cell_of(row, c_unit).empty() || !cell_of(row, c_area).empty();
        };
        auto on_data = [&](const TableRow& row) {
            HeatingRow h;
            h.file = table.file;
            h.sheet = sheet.name;
            h.row = row.number;
            h.unit_text = cell_of(row, c_unit);
            if (h.unit_text.empty())
                h.unit_text = last_unit;
            else
                last_unit = h.unit_text;
            h.unit = units.find(h.unit_text);
            h.heat_source = cell_of(row, c_source);
            h.remark = cell_of(row, c_remark);
            const auto area = parse_decimal(row.cell(c_area->index));
            if (area.status != NumberStatus::ok) {
                const char* code = area.status == NumberStatus::negative ? "E_AREA_NEGATIVE" : "E_AREA_UNREADABLE";
                result.issues.push_back(make_issue(code, table.file, sheet.name, row.number,
                                                   column_letter(c_area->index), trim(row.cell(c_area->index))));
                return;
            }
            h.area_m2 = std::round(area.value * factor * 100.0) / 100.0;
            if (!h.unit) {
                result.issues.push_back(make_issue("W_UNIT_UNKNOWN", table.file, sheet.name, row.number,
                                                   c_unit ? column_letter(c_unit->index) : "", h.unit_text));
            }
            result.rows.push_back(std::move(h));
        };
        walk_sheet(table, sheet, *layout, {c_area->index}, counts, result.issues, is_data, on_data);
        result.counts.sheets.push_back(counts);
    }
    return result;
}

}  // namespace cleanheat

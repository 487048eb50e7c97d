// Turns the sheets of county plan tables and district-heating tables into parsed rows:
// header found by content, 小计/合计 checked but never loaded, notes and blank rows
// skipped, counts parsed strictly (a row is loaded whole or rejected whole).
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "io/header_detect.hpp"
#include "io/table_reader.hpp"
#include "base/issue.hpp"
#include "base/routes.hpp"
#include "base/text.hpp"
#include "base/units.hpp"

namespace cleanheat {

struct RouteHouseholds {
    Route route = Route::other;
    long long households = 0;
    std::string column;   // letter of the cell the count was read from
    std::string detail;   // other routes: 地热, 太阳能, or the text as written
    std::string text;     // the route or device text as written (改造方式 cell or header)
    bool device = false;  // `text` names a device or a route detail, not just a route (煤改电)
};

// Where a table row says it belongs: the county, township and village as written.
struct VillageRef {
    std::string file, sheet;
    int row = 0;
    const Unit* unit = nullptr;  // county from the row, else from the sheet's title/name/file (resolve_units)
    bool unit_from_row = false;
    int context = -1;          // index into the read result's sheet_contexts
    std::string county_text;   // as written
    std::string township;      // as written (filled down over merged cells)
    std::string village_name;  // as written
    std::string code_text;     // as written
    CodeText code;
    std::string code_column, name_column;  // letters, for issues
};

struct PlanRow : VillageRef {
    std::vector<RouteHouseholds> routes;  // households by route (route cells win over a row total)
    std::string device, start_date, end_date, remark;
    std::vector<Issue> warnings;  // findings of a loaded row
};

struct HeatingRow {
    std::string file, sheet;
    int row = 0;
    const Unit* unit = nullptr;
    std::string unit_text;
    double area_m2 = 0.0;
    std::string heat_source, remark;
};

struct SheetCounts {
    std::string sheet;
    int data_rows = 0;  // candidate data rows: parsed or rejected here or later
    int blank_rows = 0;
    int header_rows = 0;     // title, 填报 lines and header rows above the data
    int aggregate_rows = 0;  // 小计 / 合计
    int subtotal_rows = 0;   // of which 小计
    int note_rows = 0;       // 说明 lines and other rows without a village or a count
    int first_data_row = 0, last_data_row = 0;  // 1-based; 0 when none
    int changed_header_row = 0;  // a later header row that differs from the header (a second table)
    std::optional<Layout> layout;  // the header found, with every column's meaning; none: no header
};

struct FileCounts {
    std::string file;
    std::string encoding;
    std::vector<SheetCounts> sheets;
    int data_rows() const;
};

struct PlanReadResult {
    std::vector<PlanRow> rows;  // parsed rows, still to be matched
    int rows_rejected = 0;      // data rows rejected while reading (every data row when the file is refused)
    std::string refused;        // the code that stopped the whole file (E_HEADER_UNMAPPED ...), empty when read
    // per sheet: the texts that may name its county (title rows, sheet name, file name)
    std::vector<std::vector<std::string>> sheet_contexts;
    std::vector<Issue> issues;  // rejected rows (E_...) and sheet-level findings
    FileCounts counts;
};

struct HeatingReadResult {
    std::vector<HeatingRow> rows;
    std::vector<Issue> issues;
    FileCounts counts;
};

// One row of a county progress report (进度表): cumulative households at the report date.
struct ProgressRow : VillageRef {
    long long planned = -1;                              // as the report writes it; -1 when it has no such cell
    long long started = 0, completed = 0, accepted = 0;  // blank cells count 0
    std::string started_column, completed_column, accepted_column, planned_column;
    std::string start_date, complete_date, accept_date, remark;
    std::string rejected;  // the code of the finding that rejected the row while reading (E_COUNT_...):
                           // the row still goes to the ledger, not applied; unreadable figures are 0
};

struct ProgressReadResult {
    std::vector<ProgressRow> rows;
    std::vector<std::vector<std::string>> sheet_contexts;
    std::vector<Issue> issues;  // rejected rows (E_...) and sheet-level findings
    FileCounts counts;
};

// Parses the rows; needs no units, so it can run before the villages are read. A table with
// a column it does not understand (under a household group, or holding counts), or whose
// route columns disagree with its totals in many rows, is refused whole.
PlanReadResult read_plan_rows(const Table& table, const std::vector<ColumnMapping>& mappings = {});
// The codes that stop a whole table (E_HEADER_UNMAPPED, E_HEADER_CHANGED): said once, at the
// header, and carried by each row of a progress report in ProgressRow::rejected.
bool is_table_refusal(const std::string& code);
ProgressReadResult read_progress_rows(const Table& table, const ColumnMapping* mapping = nullptr);
// The same, one row at a time: on_sheet(index into result.sheet_contexts) before a sheet's
// rows, on_row for every parsed row; result gets the issues, counts and contexts, no rows.
void scan_progress_rows(const Table& table, const ColumnMapping* mapping, ProgressReadResult& result,
                        const std::function<void(std::size_t)>& on_sheet,
                        const std::function<void(ProgressRow&&)>& on_row);
// The meaning of a column as a mapping file writes it: seq, village_code, total, route:gas,
// route:coal, info, none ...; "?" for a column not understood.
std::string column_meaning(const ColumnSpec& column);
// The mapping a file was (or would be) read with, one object per sheet with a header, in the
// format of the mapping files (--mapping): table, sheet, header_row, header_rows, columns, headers.
// Columns named by an E_HEADER_UNMAPPED finding among `issues` are "?" (to be filled in by hand).
nlohmann::json mapping_of_file(const Table& table, const FileCounts& counts, const std::vector<Issue>& issues);
// Sets VillageRef::unit from the row's county cell, else from its sheet's context.
void resolve_units(PlanReadResult& plan, const UnitRegistry& units);
void resolve_units(ProgressReadResult& report, const UnitRegistry& units);
HeatingReadResult read_heating_rows(const Table& table, const UnitRegistry& units);

}  // namespace cleanheat

// A random grid of cells (rows split on newlines, cells on tabs) as a sheet: the header
// detection for plan, progress and heating tables, the row walk, the counts. No I/O, so it runs
// fast and reaches deep into the rules. Only cleanheat's own errors may come out, and the row
// accounting must add up.
#include <cstdlib>
#include <string>

#include "base/error.hpp"
#include "io/header_detect.hpp"
#include "commands/plan_reader.hpp"
#include "base/units.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace cleanheat;
    Sheet sheet;
    sheet.name = "Sheet1";
    TableRow row;
    row.number = 1;
    std::string cell;
    const std::string text(reinterpret_cast<const char*>(data), size);
    for (std::size_t i = 0; i <= text.size() && sheet.rows.size() < 80; ++i) {
        const char c = i < text.size() ? text[i] : '\n';
        if (c == '\t' || c == '\n') {
            if (row.cells.size() < 40) row.cells.push_back(cell);
            cell.clear();
            if (c == '\n') {
                sheet.rows.push_back(row);
                row.cells.clear();
                row.number = static_cast<int>(sheet.rows.size()) + 1;
            }
        } else {
            cell.push_back(c);
        }
    }
    Table table;
    table.file = "grid.csv";
    table.sheets.push_back(sheet);
    try {
        const auto plan = read_plan_rows(table);
        if (plan.counts.data_rows() < plan.rows_rejected) std::abort();
        if (static_cast<int>(plan.rows.size()) + plan.rows_rejected > plan.counts.data_rows()) std::abort();
        if (!plan.refused.empty() && !plan.rows.empty()) std::abort();
        (void)read_progress_rows(table);
        UnitRegistry units;
        (void)read_heating_rows(table, units);
    } catch (const Error&) {
    }
    return 0;
}

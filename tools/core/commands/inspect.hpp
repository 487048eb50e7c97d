// cleanheat inspect: what the merge will understand of plan tables, before merging. Read-only:
// per file and sheet the header found, each column's meaning (or "not understood"), the rows
// of each kind, the households it would load by route, the findings; and, on request, the
// mapping file the merge takes (--mapping), prefilled with what was understood.
#pragma once
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/issue.hpp"
#include "commands/plan_reader.hpp"
#include "base/progress.hpp"
#include "base/routes.hpp"

namespace cleanheat {

struct InspectOptions {
    std::vector<std::string> tables;          // xlsx, xls, ods, csv
    std::vector<std::string> mapping_files;   // as merge --mapping: read the tables as the merge would
    std::filesystem::path mapping_out;        // optional: the mapping file to write (JSON, atomically)
    bool overwrite = false;
};

struct InspectedColumn {
    std::string letter;   // A, B, ...
    std::string header;   // as written (group/label)
    int header_row = 0;   // 1-based
    std::string meaning;  // seq, village_code, total, route:gas, info, none ...; "?" when not understood
    std::string route;    // route_count: the route's Chinese name (煤改气), or the coal/other route as named
    bool understood = true;
    bool stops_file = false;  // an E_HEADER_UNMAPPED column
};

struct InspectedSheet {
    std::string name;
    bool has_header = false;
    int header_first_row = 0, header_last_row = 0;  // 1-based
    std::vector<InspectedColumn> columns;
    SheetCounts counts;  // data, 小计/合计, notes, blank, header rows; first and last data row
    std::array<long long, kRouteCount> households{};  // rows read, before matching villages
    int rows_parsed = 0;
};

struct InspectedFile {
    std::string file, encoding;
    std::string refused;  // E_HEADER_UNMAPPED, E_TOTALS_DISAGREE; empty when the merge would read it
    std::vector<InspectedSheet> sheets;
    std::array<long long, kRouteCount> households{};
    int data_rows = 0, rows_parsed = 0, rows_rejected = 0;
    std::vector<Issue> issues;
    nlohmann::json mapping;  // one object per sheet, as --mapping-out writes it
};

struct InspectResult {
    std::vector<InspectedFile> files;
    std::filesystem::path mapping_out;  // written when asked for
    int refused_files = 0;
    int errors = 0, warnings = 0;
};

InspectResult inspect(const InspectOptions& options, Progress& progress);

}  // namespace cleanheat

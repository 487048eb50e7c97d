// cleanheat merge: county plan tables + district-heating table + village geodata ->
// one GeoPackage in which every input row is either loaded or reported.
#pragma once
#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/issue.hpp"
#include "commands/plan_reader.hpp"
#include "base/progress.hpp"
#include "base/routes.hpp"

namespace cleanheat {

struct MergeOptions {
    std::vector<std::string> plan_tables;  // xlsx, xls, ods, csv (UTF-8 or GB18030)
    std::string heating_table;             // optional, annex-2 style
    std::string villages;                  // any OGR source name
    std::string villages_layer;            // empty: "villages", else the first layer
    std::string villages_crs;              // empty: judged; "gcj02"; or any PROJ-known CRS
    double central_meridian = 117.0;       // for Gauss-Kruger eastings without zone and .prj
    std::string reference;                 // optional polygons with codes: checks village points for GCJ-02
    std::string working_crs;               // empty: the villages' CRS when projected, else a GK zone
    std::string units_file;                // empty: the default styles/units.json when present
    std::vector<std::string> mapping_files;  // optional: column meanings of unusual plan-table layouts
    std::string villages_fields;             // optional: code=FIELD,name=FIELD[,township=FIELD,county=FIELD]
    std::filesystem::path output;          // GeoPackage, written atomically; or PG:"..." (copied in, one transaction)
    std::string pg_schema;                 // the schema of a PG: output (empty: cleanheat)
    bool overwrite = false;
    int plan_year = 2022;
    std::string command_line;  // recorded in the run metadata
};

struct RowCounts {
    int read = 0;  // data rows (not headers, 小计/合计, notes, blank rows)
    int loaded = 0;
    int rejected = 0;  // read == loaded + rejected, always
};

struct FileSummary {
    FileCounts counts;
    std::string kind;  // plan | heating
    std::string sha256;
    int loaded = 0, rejected = 0;
    std::string refused;  // the code that stopped the whole file (E_HEADER_UNMAPPED ...), empty when read
    std::string mapping;  // JSON: the meaning each column was read with (as a --mapping file writes it)
};

struct MergeResult {
    RowCounts plan_rows;
    RowCounts heating_rows;
    std::array<long long, kRouteCount> households_by_route{};
    long long households_total = 0;
    std::map<std::string, long long> households_by_county;  // county code -> households
    double area_m2 = 0.0;
    int villages_in_geodata = 0;
    int villages_planned = 0;
    int matched_by_name = 0;
    std::vector<FileSummary> files;
    std::vector<Issue> issues;
    int errors = 0, warnings = 0;
    std::string villages_crs;       // what the villages' coordinates were taken to be
    std::string villages_crs_note;  // why, when assumed
    std::string working_crs;
    std::string gcj02_check;        // with a reference: how many points fall in their polygons, both ways
    std::filesystem::path output;
};

MergeResult merge(const MergeOptions& options, Progress& progress);

}  // namespace cleanheat

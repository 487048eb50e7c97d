// cleanheat annex: the city's annex tables (附件1 rural plan by unit and route, 附件2 new
// district-heating area), the comparison with the targets, the per-village lists and the
// data problems, from the merged GeoPackage. The figures are computed once here
// (AnnexData) so that the workbook and the PDF report print the same numbers.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/progress.hpp"

namespace cleanheat {

struct Targets {
    int year = 0;
    double households = 0, area_m2 = 0;
    struct Unit {
        double households = -1, area_m2 = -1;  // -1: no target for the unit
    };
    std::map<std::string, Unit> units;
    std::map<std::string, std::string> titles, labels;
    std::string title(const std::string& key) const;  // {year} replaced
    std::string label(const std::string& key) const;
};

// Reads a targets file (styles/targets.json format); throws InputError naming the key.
Targets load_targets(const std::filesystem::path& file);

struct Annex1Row {
    std::string code, name;
    long long households = 0;
    std::vector<long long> by_route;  // one per Annex1::routes
    long long villages = 0;
};

struct Annex2Row {
    std::string code, name;
    double area_m2 = 0;
    std::string heat_sources, remarks;
};

struct AnnexData {
    std::vector<std::string> routes;  // column names: 集中供热 煤改气 煤改电 生物质, then other routes present
    std::vector<Annex1Row> annex1;
    Annex1Row annex1_total;
    std::vector<Annex2Row> annex2;
    Annex2Row annex2_total;
    long long villages_in_geodata = 0;
    long long issues = 0;
};

// The annex figures of a merged GeoPackage; units ordered as the units file lists them.
AnnexData read_annex_data(const std::filesystem::path& merged, const std::filesystem::path& units_file);

struct AnnexOptions {
    std::filesystem::path merged;   // the merge's GeoPackage
    std::string pg_schema;          // the schema when the dataset is PG:"..." (empty: cleanheat)
    std::filesystem::path output;   // .xlsx, written atomically
    std::filesystem::path targets;  // empty: styles/targets.json
    std::filesystem::path units;    // empty: styles/units.json
    int year = 0;                   // 0: the targets file's
    bool total_first = false;       // 合计 row above the units
    bool villages = true;           // the 分村清单 sheets
    int constant_memory = -1;       // -1 auto (large data), 0 off, 1 on
    bool overwrite = false;
};

struct AnnexResult {
    std::filesystem::path output;
    std::vector<std::string> sheets;
    AnnexData data;
    Targets targets;
    long long village_rows = 0;
    long long issue_rows = 0;
    bool constant_memory = false;
    std::vector<std::string> notes;  // splits, missing targets ...
};

AnnexResult annex(const AnnexOptions& options, const Progress& progress);

}  // namespace cleanheat

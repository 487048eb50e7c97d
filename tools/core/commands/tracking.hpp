// cleanheat progress: county progress reports (进度表) into an append-only ledger in the
// merged GeoPackage, and the state of every village, township and county as of a date
// against the milestones (styles/milestones.json).
#pragma once
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/geodata_reader.hpp"
#include "base/issue.hpp"
#include "commands/milestones.hpp"
#include "base/progress.hpp"

namespace cleanheat {

struct ProgressOptions {
    std::string merged;                         // the merged dataset (.gpkg or PG:): villages in, ledger and status out
    std::string pg_schema;                      // the schema when the dataset is PG:"..." (empty: cleanheat)
    std::vector<std::string> reports;           // progress reports (xlsx, xls, ods, csv); none: report on the ledger
    std::string as_of;                          // YYYY-MM-DD; empty: today
    std::filesystem::path output;               // workbook (optional)
    std::vector<std::filesystem::path> charts;  // chart files, .pdf / .png / .svg
    std::string milestones_file;                // empty: styles/milestones.json
    std::string units_file;                     // empty: styles/units.json
    std::string mapping_file;                   // optional column roles of an unusual layout
    bool overwrite = false;
    // The state as of the date from the ledger alone: no reports and no outputs; the dataset is
    // opened read-only, in one read transaction, and left as it is (progress_state).
    bool read_only = false;
    std::string command_line;
};

// Households and villages at each stage; the village counts are cumulative (an accepted
// village is also completed and started).
struct StageCounts {
    long long villages = 0, households = 0;  // planned
    long long started = 0, completed = 0, accepted = 0;
    long long villages_started = 0, villages_completed = 0, villages_accepted = 0;
    long long villages_late = 0, villages_reported = 0;
    void add(const StageCounts& o);
};

struct UnitProgress {
    std::string code, name, county_code, county_name;
    StageCounts counts;
};

struct LateVillage {
    std::size_t village = 0;  // index into ProgressResult::villages
    long long planned = 0, started = 0, completed = 0, accepted = 0;
    Stage stage = Stage::not_started, due = Stage::not_started;
    int report_date = 0;  // yyyymmdd of the report the figures come from (0: no report)
    long long import_id = 0;
    int row = 0;
};

struct ImportSummary {
    std::string file, sha256, report_date, county_code, county_name, sheets;
    std::string status;  // imported | duplicate | no_date | unreadable
    std::string duplicate_of;
    int rows_read = 0, rows_applied = 0, rows_unchanged = 0, rows_rejected = 0;
    long long import_id = 0;
};

struct TrendPoint {
    std::string date;
    long long planned = 0, started = 0, completed = 0, accepted = 0;
};

struct ProgressResult {
    std::string as_of;
    Milestones milestones;
    Stage due = Stage::not_started;
    std::string due_label;               // the milestone in force, 全部开工 ... (empty: none yet)
    std::vector<ImportSummary> imports;  // this run's reports
    std::vector<Issue> issues;           // this run's findings
    int errors = 0, warnings = 0;
    StageCounts total;
    std::vector<UnitProgress> counties, townships;
    std::vector<LateVillage> late;
    std::vector<TrendPoint> trend;  // the city's totals as of every report date in the ledger
    long long ledger_rows = 0, ledger_imports = 0;
    long long villages_written = 0;  // villages rows whose progress fields changed
    std::vector<std::filesystem::path> outputs;
    std::shared_ptr<const std::vector<Village>> villages;  // what the late list refers to
    std::map<long long, std::string> import_files;         // import_id -> file
    const Village& village(const LateVillage& late) const { return (*villages)[late.village]; }
    double seconds_villages = 0, seconds_read = 0, seconds_apply = 0, seconds_state = 0, seconds_commit = 0,
           seconds_outputs = 0;
};

ProgressResult track_progress(const ProgressOptions& options, Progress& progress);

// A report's date: 截至/截止 a date in its title rows, else eight digits yyyymmdd in the file
// name, else any date in the title rows; empty when none. `conflict` gets the other date
// when the title and the file name disagree.
std::string report_date(const std::vector<std::string>& title_texts, const std::string& file_name,
                        std::string* conflict = nullptr);

}  // namespace cleanheat

// What cleanheat progress writes: the ledger tables and the villages' status in the
// GeoPackage (inside the caller's transaction), the progress workbook and the chart.
#pragma once
#include <cairo.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "io/atomic_output.hpp"
#include "io/geodata_reader.hpp"
#include "io/gpkg_sql.hpp"
#include "commands/milestones.hpp"
#include "commands/plan_reader.hpp"
#include "commands/tracking.hpp"

namespace cleanheat {

struct VillageState {
    long long fid = 0;
    std::uint64_t stored = 0;  // state_fingerprint of the row as it is in the GeoPackage
    VillageProgress progress;
    VillageStatus status;
    bool planned = false, reported = false;
    int report_date = 0;  // yyyymmdd of the report the figures come from (0: none)
    int since = 0;        // yyyymmdd of the first report with these figures (villages.status_date)
    int row = 0;
};

struct LedgerRow {
    const ProgressRow* row = nullptr;
    const Village* village = nullptr;  // nullptr: matched no village
    long long fid = 0;
    bool applied = false;
    std::string issue_code;  // why not applied
};

// progress_imports, progress_ledger, progress_issues (attribute tables), when missing.
void ledger_create_tables(const SqliteDb& db);

// Appends one import after another: its row in progress_imports, its report rows, its issues.
class LedgerWriter {
public:
    LedgerWriter(const SqliteDb& db, std::string imported_at);
    long long begin_import(const ImportSummary& summary);  // the new import_id
    void add(const LedgerRow& row);
    void finish_import(const ImportSummary& summary, const std::vector<Issue>& issues);

private:
    const SqliteDb& db_;
    std::string imported_at_;
    long long import_id_ = 0;
    std::string date_, county_;
    SqlStatement row_, issue_;
};

// The progress fields of a villages row; `late` -1 for NULL.
struct ProgressFields {
    std::string status;
    long long started = 0, completed = 0, accepted = 0;
    int status_date = 0;  // yyyymmdd; 0 for NULL
    std::string stage;
    int late = -1;
};
ProgressFields progress_fields_of(const VillageState& state);
// A fingerprint of the fields, to leave the rows a run does not change alone.
std::uint64_t state_fingerprint(const ProgressFields& fields);

// A village's latest applied report entry (the cache table progress_latest).
struct LatestEntry {
    long long fid = 0;
    std::string report_date;
    long long import_id = 0;
    int row = 0;
    long long started = 0, completed = 0, accepted = 0;
    std::string since;
};
// The caches derived from the ledger: progress_latest (every village's latest applied entry;
// `replace_all`: these are all of them, else they replace those villages' rows) and
// progress_trend (the city's totals as of every report date).
void write_progress_caches(const SqliteDb& db, const std::vector<LatestEntry>& latest, bool replace_all,
                           const std::vector<TrendPoint>& trend);

// villages.status (planned | started | completed | accepted | late for planned villages),
// households_started/completed/accepted, status_date (the date of the report the figures come
// from), progress_stage, progress_late. Rows whose fields do not change are not written.
// Returns the rows written.
long long write_village_states(const SqliteDb& db, const std::vector<VillageState>& states);

// The progress workbook: per county and township, late villages, trend with a chart,
// imports and issues of every import in the ledger. Returns the complete .partial file, which
// the caller renames once the ledger is committed.
std::unique_ptr<AtomicOutput> write_progress_workbook(const std::filesystem::path& path, bool overwrite,
                             const std::vector<std::filesystem::path>& inputs, const SqliteDb& db,
                             const ProgressResult& result);

// The chart below drawn on a w x h point area of `cr`.
void draw_progress_chart(cairo_t* cr, double w, double h, const ProgressResult& result);

// Households started / completed / accepted over time against the plan, the milestone
// dates marked; PDF, PNG or SVG by the extension. Returns the complete .partial file.
std::unique_ptr<AtomicOutput> write_progress_chart(const std::filesystem::path& path, bool overwrite,
                          const std::vector<std::filesystem::path>& inputs, const ProgressResult& result);

}  // namespace cleanheat

// Opening the merged dataset: the one check every command makes (is it a dataset of cleanheat
// merge, of a schema this tool understands), the upgrade of an older schema in place, and the
// log of the runs that change it.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "dataset/schema.hpp"
#include "io/gpkg_sql.hpp"

namespace cleanheat::dataset {

// Whether a GeoPackage is a dataset of cleanheat merge (a villages layer with households_total).
bool is_dataset(const SqliteDb& db);

// The schema version a dataset records (run_info.schema_version); 1 when it records none.
int schema_version(const SqliteDb& db);

// For reading: throws InputError when the file is no dataset of cleanheat merge (no villages
// layer with households_total) or when its schema is newer than this tool's. An older schema is
// read as it is. Returns the version.
int check_readable(const SqliteDb& db);

// For writing: check_readable, then an older schema is upgraded in place, in one transaction of
// its own, and said (notice). Call it before the command's own transaction.
int check_writable(const SqliteDb& db);

// One run that changed the dataset, for run_log: the command ("progress"), its command line,
// when it started, and what the run decided (as_of, seed ...), stored as a JSON object.
struct RunEntry {
    std::string command;
    std::string arguments;
    std::string started_at;
    std::vector<std::pair<std::string, std::string>> details;
};
// Appends a run, inside the caller's transaction (finished_at: now; tool_version: this build).
void log_run(const SqliteDb& db, const RunEntry& run);
// A detail of the latest logged run of `command` that has it ("" when none has).
std::string last_run_detail(const SqliteDb& db, const std::string& command, const std::string& key);


}  // namespace cleanheat::dataset

// cleanheat copy: a dataset copied safely, at any time, also while another command writes it
// (SQLite's online backup of one consistent snapshot), checked, and written atomically.
#pragma once
#include <string>
#include <vector>

#include "base/progress.hpp"

namespace cleanheat {

struct CopyOptions {
    std::string source;       // a dataset of cleanheat merge (.gpkg), or PG:"dbname=..."
    std::string destination;  // a new .gpkg, or PG:"dbname=..." (a schema prepared by db init)
    std::string pg_schema;    // the schema of a PG: source or destination; empty: cleanheat
    bool overwrite = false;
    // PG: to GPKG only: the layers without their geometries (NULL), for a run that reads no
    // geometry (progress through dataset/write_through.hpp); not a copy to keep
    bool without_geometry = false;
    // PG: to GPKG only: just these tables (empty: all), for a run that reads no other
    std::vector<std::string> only_tables;
    // PG: to GPKG only: a command's private working copy, read whole: no spatial indexes and no
    // integrity check of the file (the row counts are still checked)
    bool working_copy = false;
    // PG: to GPKG only: just these fields of the villages (empty: all), for a run that reads no
    // other (names not there are left out)
    std::vector<std::string> village_columns;
};

struct CopyResult {
    std::string source, destination;
    long long bytes = 0, tables = 0, villages = 0;
    std::string integrity;  // PRAGMA quick_check of the copy: "ok"
    double seconds = 0;
};

// What a command reads of a dataset in a database, as the part of it copied out for the command
// (a working copy, or one snapshot of it): the tables, with or without the geometry, which of the
// villages' fields (`village_fields`: contiguity's; empty: all). `schema_version`: the dataset's
// there (contiguity and progress read one of an older version whole, for its upgrade; progress
// reads of the villages only the fields it reads and writes). A command not named
// here reads the whole dataset.
CopyOptions command_reads(const std::string& command, int schema_version,
                          std::vector<std::string> village_fields = {});

// Throws UsageError for PG: to PG: (pg_dump's work) and a destination that is neither .gpkg nor PG:,
// InputError for a source that is missing, damaged, journalled or no dataset of cleanheat merge,
// OutputError when the copy cannot be written or does not check out.
CopyResult copy_dataset(const CopyOptions& options, Progress& progress);

}  // namespace cleanheat

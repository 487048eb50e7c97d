// A dataset named by a PG: connection, for the commands that read it whole (annex, map, report):
// one consistent snapshot of the database (a read-only repeatable-read transaction) copied into a
// temporary GeoPackage that the command reads like any dataset, removed at the end. Row-level
// security applies: a unit's login gets its own unit's rows, and tables it may not read are left
// out. A .gpkg path is used as it is.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "dataset/copy.hpp"

namespace cleanheat::dataset {

// A new private folder under the system's temporary folder, removed with everything in it.
class TempFolder {
public:
    TempFolder();
    ~TempFolder();
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// The dataset a PG: name holds copied into a new GeoPackage `file` (one consistent snapshot, as
// the login sees it); the source as a message may name it.
// `part`: what a run reads, when not all (tables, village fields, no geometry) and whether the
// copy is its private working copy (dataset/copy.hpp); its source and destination are these.
std::string copy_out(const std::string& name, const std::string& pg_schema, const std::string& file,
                     CopyOptions part = {});

class Snapshot {
public:
    // `part`: what the command reads, when not all (copy_out).
    Snapshot(const std::string& name, const std::string& pg_schema, CopyOptions part = {});
    ~Snapshot();
    Snapshot(const Snapshot&) = delete;
    Snapshot& operator=(const Snapshot&) = delete;

    // The GeoPackage to read: the dataset itself, or the temporary copy.
    const std::string& path() const { return path_; }
    bool from_database() const { return folder_ != nullptr; }
    // The dataset as a message may name it (a database without its password).
    const std::string& label() const { return label_; }

private:
    std::string path_, label_;
    std::unique_ptr<TempFolder> folder_;
};

}  // namespace cleanheat::dataset

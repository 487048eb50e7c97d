// A command that changes the dataset (progress, contiguity, spotcheck) on a PG: dataset. The
// command itself works on a GeoPackage; here that GeoPackage is a copy of the database's dataset
// taken while the dataset's write lock is held (one writer at a time per dataset: ten units
// importing at once are served one after the other, each seeing the one before), and what the
// command changed goes back in the transaction that holds the lock:
//
//   append-only tables (the ledger, the run log)   the new rows, numbered by the database
//   the command's results (clusters, findings ...) replaced as a whole
//   villages                                       the command's fields of the rows that changed
//   caches (progress_latest, progress_trend)       not kept in a database: recomputed from the ledger
//
// Readers (map, report, copy) read in a repeatable-read snapshot: they see the state before a
// run or after it, never half of it. Row-level security applies to the copy and to every row
// written back: a unit's import sees and changes its own unit's rows only. A .gpkg path is
// used as it is and nothing here happens.
#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataset/schema.hpp"
#include "dataset/snapshot.hpp"
#include "io/pg_connection.hpp"

namespace cleanheat::dataset {

// Whether `name` is a PG: connection whose schema holds a dataset of cleanheat merge.
bool pg_dataset_at(const std::string& name, const std::string& pg_schema);

struct WriteBack {
    long long rows_added = 0;        // new rows of append-only tables
    long long villages_updated = 0;  // villages rows whose fields of the command changed
    std::vector<std::string> tables_replaced;
};

class WriteThrough {
public:
    // `command`: progress, contiguity or spotcheck (which tables and village fields it writes).
    // Connects, takes the dataset's write lock (waiting, and saying so, while another run holds
    // it) and copies the dataset out. InputError when the schema holds no dataset.
    // `village_fields`: contiguity reads only these fields of the villages (empty: all).
    WriteThrough(const std::string& name, const std::string& pg_schema, std::string command,
                 std::vector<std::string> village_fields = {});
    ~WriteThrough();  // without commit(): the database unchanged, the lock released
    WriteThrough(const WriteThrough&) = delete;
    WriteThrough& operator=(const WriteThrough&) = delete;

    // The GeoPackage the command works on: the dataset itself, or the copy.
    const std::string& path() const { return path_; }
    bool to_database() const { return db_ != nullptr; }
    // The dataset as a message may name it (a database without its password).
    const std::string& label() const { return label_; }

    // The command's changes into the database, then COMMIT (nothing for a .gpkg). OutputError
    // naming the table when the database refuses a row (a unit writing what is not its own).
    WriteBack commit();

private:
    void remember_before();
    long long add_rows(const SqliteDb& gpkg, const Table& table);
    long long update_villages(const SqliteDb& gpkg);
    void drop_moved_fields(const SqliteDb& gpkg);
    bool owns_villages() const;
    void replace_changed_rows(const SqliteDb& gpkg, const Table& t, const std::vector<Column>& columns);
    bool same_columns(const SqliteDb& gpkg, const Table& t) const;  // the table there has the copy's columns
    bool replaces(const Table& t, bool upgraded) const;             // the command's results, replaced whole
    void replace_table(const SqliteDb& gpkg, const Table& table);

    std::string command_, schema_, path_, label_;
    std::unique_ptr<PgConnection> db_;
    std::unique_ptr<TempFolder> folder_;
    std::map<std::string, long long> last_key_;              // append-only tables: the largest key before
    std::unordered_map<long long, std::uint64_t> villages_;  // fid -> digest of the command's fields before
    // tables keyed by their village that the command replaces (village_contiguity): key -> digest
    // of the row before, so that only the rows that changed are written
    std::map<std::string, std::unordered_map<long long, std::uint64_t>> keyed_rows_;
    std::map<long long, long long> import_ids_;              // import_id in the copy -> in the database
    bool created_ = false;                                   // a table or column made: secure again
    int version_before_ = 0;                                 // the copy's schema version before the run
};

// commit(); when it fails, the files the run wrote are removed: they would tell of changes the
// database does not hold. Rethrows.
WriteBack commit_or_remove(WriteThrough& through, const std::vector<std::filesystem::path>& outputs);

}  // namespace cleanheat::dataset

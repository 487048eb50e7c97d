// A command's result tables written from its own arrays, into either store: a RowSource gives each
// row's values once, in the declared order of the table's columns, and the store's writer takes
// them: INSERT into a GeoPackage, or straight into a PG: dataset by COPY, without a working copy,
// inside the caller's transaction (which holds the dataset's write lock, dataset/pg_store.hpp).
// Used where the command reads the database directly too (contiguity); the commands that work on
// a copy go through dataset/write_through.hpp.
#pragma once
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dataset/dataset.hpp"
#include "dataset/schema.hpp"
#include "io/pg_connection.hpp"

namespace cleanheat::dataset {

// The values of one row, in the order row_columns() gives.
class RowOut {
public:
    virtual ~RowOut() = default;
    virtual void integer(long long value) = 0;
    virtual void real(double value) = 0;
    virtual void text(std::string_view value) = 0;
    virtual void null() = 0;
    // A GeoPackage geometry blob (its srs_id is the writer's business); empty: NULL.
    virtual void geometry(const std::vector<unsigned char>& blob) = 0;
    void integer_or_null(long long value, bool present) { present ? integer(value) : null(); }
};
// Writes row `i` of a table into `out`.
using RowSource = std::function<void(std::size_t i, RowOut& out)>;

// The columns of a table as a RowSource gives them: fid (tables keyed by fid), geom (feature
// layers), then the declared columns.
std::vector<std::string> row_columns(const Table& table);

// `rows` rows into a table of a GeoPackage (in the caller's transaction), geometries with `srs_id`.
void insert_rows(const SqliteDb& db, const Table& table, std::size_t rows, const RowSource& source, int srs_id);

// The tables `names` ready to take rows: made when missing or when their columns are not the
// declared ones (the villages are locked exclusively first: readers wait rather than find a table
// of their snapshot gone), their keys added once their rows are in (the writers below, told
// `made`). The tables made (pg_secure_dataset before the commit). InputError when this login may
// not make them.
std::set<std::string> pg_prepare_result_tables(const PgConnection& db, const std::string& schema,
                                               const std::string& command, const std::vector<std::string>& names,
                                               int srid);

// The rows of a table there, as digests by key (fid, or the first column): the values after the
// key, geometries as WKB. Empty when the table is not there.
using RowDigests = std::unordered_map<long long, std::uint64_t>;
// `rows_read`: the rows read (more than the digests when a key is there twice).
RowDigests pg_row_digests(const PgConnection& db, const std::string& schema, const Table& table,
                          long long* rows_read = nullptr);

// A table keyed by its village (Key::first_column, an integer key) replaced by `rows` rows: only
// the rows that differ from the database's (and the rows of keys no longer given) are deleted and
// written again (when most rows differ: all); a run that changes nothing writes nothing. `before`:
// the digests of the rows there, when read already (taken). Rows written.
// `made`: the table was made by pg_prepare_result_tables in this transaction (empty, keyless).
long long pg_replace_changed_rows(const PgConnection& db, const std::string& schema, const Table& table,
                                  std::size_t rows, const RowSource& source, RowDigests* before, bool made);

// A table replaced as a whole by `rows` rows (DELETE and COPY: older snapshots keep the rows
// before), geometries with `srid`; its key sequence continues after the largest key. Nothing
// written when the rows there are the same; false then.
bool pg_replace_rows(const PgConnection& db, const std::string& schema, const Table& table, std::size_t rows,
                     const RowSource& source, int srid, bool made);

// A result table a run makes afresh (its first run on the dataset), filled on a connection of its
// own beside the caller's work: made under a staging name (<table>_staging_<pid>_<time>), its rows
// copied (frozen) and keyed there, then committed and renamed into place inside the caller's
// transaction, which holds the dataset's write lock. The server's reading and keying of many rows
// then no longer wait for the rest of the run, nor the rest for them. A staging table that a run
// ended before taking (killed between the two commits) is dropped by the next one.
// Drops what staging tables of `table` runs left behind (killed between their two commits) that
// this login may drop; one that cannot be dropped now stays, and the caller's transaction goes on.
// The caller holds the dataset's write lock (no run of it is filling one now).
void pg_drop_staged_leftovers(const PgConnection& db, const std::string& schema, const std::string& table);

class PgStagedTable {
public:
    // `db`: the caller's connection, in its transaction; `conninfo`: for the connection of the
    // staging table. Throws when that connection or the table cannot be had: the caller writes
    // the rows itself then.
    PgStagedTable(const PgConnection& db, const std::string& conninfo, const std::string& schema, const Table& table);
    // Not taken: the staging transaction rolled back, nothing left.
    ~PgStagedTable();
    PgStagedTable(const PgStagedTable&) = delete;
    PgStagedTable& operator=(const PgStagedTable&) = delete;

    // Rows `first` now, and then those rest() gives, by a thread of its own: `source` is called
    // from it for those rows meanwhile (they must not change).
    void send(std::vector<std::size_t> first, RowSource source);
    void rest(std::vector<std::size_t> rows);
    // The rows in and keyed, the staging table committed, then in `db`'s transaction the table of
    // that name (made empty by pg_prepare_result_tables) replaced by it. False, `db` unchanged, when
    // the staging failed (why: its error): the caller writes the rows itself.
    bool take(const PgConnection& db, std::string& why);
    // The rows sent (after take()).
    long long rows() const { return rows_; }

private:
    void fill();
    const Table& table_;
    std::string schema_, staging_;
    Table staged_;  // the table under its staging name (staging_)
    std::unique_ptr<PgConnection> connection_;
    RowSource source_;
    std::vector<std::size_t> first_, rest_;
    bool rest_given_ = false, abandon_ = false;
    long long rows_ = 0;
    std::exception_ptr error_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::thread filler_;
};

// Appends a run to the run log (a login that may not add to it: not logged, as with a copy).
void pg_log_run(const PgConnection& db, const std::string& schema, const RunEntry& run);

}  // namespace cleanheat::dataset

#include "dataset/results.hpp"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <set>
#include <unordered_map>

#include "base/error.hpp"
#include "base/stop.hpp"
#include "dataset/pg_rows.hpp"
#include "dataset/pg_store.hpp"
#include "io/file_info.hpp"
#include "io/sqlite_util.hpp"
#include "io/wkb_reader.hpp"

namespace cleanheat::dataset {
namespace {

std::string qualified(const PgConnection& db, const std::string& schema, const std::string& table) {
    return db.identifier(schema) + "." + db.identifier(table);
}

// A digest of a row's values after its key (NULL, numbers by their bits, text by its bytes):
// computed alike from the rows a RowSource gives and from the rows the database holds.
class Digest {
public:
    void reset() { h_ = 1469598103934665603ULL; }
    void add(unsigned char tag, const void* data, std::size_t size) {
        mix(tag);
        const auto* bytes = static_cast<const unsigned char*>(data);
        for (std::size_t i = 0; i < size; ++i) mix(bytes[i]);
        mix(0xFF);
    }
    std::uint64_t value() const { return h_; }

private:
    void mix(unsigned char byte) { h_ = (h_ ^ byte) * 1099511628211ULL; }
    std::uint64_t h_ = 0;
};

// The WKB of a GeoPackage geometry blob (after its header and envelope); empty for none.
std::string_view gpkg_wkb(const std::vector<unsigned char>& blob) {
    const std::size_t header = gpkg_header_size(blob.data(), blob.size());
    if (header == 0 || header >= blob.size()) return {};
    return {reinterpret_cast<const char*>(blob.data()) + header, blob.size() - header};
}

class DigestRow : public RowOut {
public:
    void start() {
        digest_.reset();
        first_ = true;
    }
    long long key() const { return key_; }
    std::uint64_t value() const { return digest_.value(); }
    void integer(long long v) override {
        if (first_) {
            key_ = v;
            first_ = false;
            return;
        }
        digest_.add(1, &v, sizeof v);
    }
    void real(double v) override { digest_.add(2, &v, sizeof v); }
    void text(std::string_view v) override { digest_.add(3, v.data(), v.size()); }
    void null() override { digest_.add(0, nullptr, 0); }
    void geometry(const std::vector<unsigned char>& blob) override {
        const std::string_view wkb = gpkg_wkb(blob);
        if (wkb.empty()) return null();
        digest_.add(4, wkb.data(), wkb.size());
    }

private:
    Digest digest_;
    long long key_ = 0;
    bool first_ = true;
};

class CopyRow : public RowOut {
public:
    CopyRow(PgCopyIn& copy, int srid, std::string what) : copy_(copy), srid_(srid), what_(std::move(what)) {}
    void integer(long long v) override { copy_.field(std::to_string(v)); }
    void real(double v) override {
        char text[40];
        const int n = std::snprintf(text, sizeof text, "%.17g", v);
        copy_.field(text, static_cast<std::size_t>(n));
    }
    void text(std::string_view v) override { copy_.field(v.data(), v.size()); }
    void null() override { copy_.null(); }
    void geometry(const std::vector<unsigned char>& blob) override {
        if (blob.empty()) return copy_.null();
        if (!blob_to_hex_ewkb(blob.data(), blob.size(), srid_, hex_))
            throw OutputError(what_ + ": a geometry that is not a GeoPackage geometry");
        copy_.field(hex_);
    }

private:
    PgCopyIn& copy_;
    int srid_;
    std::string what_, hex_;
};

class InsertRow : public RowOut {
public:
    InsertRow(SqlStatement& insert, int srs_id) : insert_(insert), srs_id_(srs_id) {}
    void start() { at_ = 0; }
    void integer(long long v) override { insert_.integer(++at_, v); }
    void real(double v) override { insert_.real(++at_, v); }
    void text(std::string_view v) override { insert_.text(++at_, std::string(v)); }
    void null() override { insert_.null(++at_); }
    void geometry(const std::vector<unsigned char>& blob) override {
        if (blob.empty()) return null();
        if (blob.size() < 8) throw std::logic_error("a geometry blob of " + std::to_string(blob.size()) + " bytes");
        blob_ = blob;
        std::memcpy(&blob_[4], &srs_id_, 4);
        insert_.blob(++at_, blob_);
    }

private:
    SqlStatement& insert_;
    int srs_id_;
    int at_ = 0;
    std::vector<unsigned char> blob_;
};

}  // namespace

void insert_rows(const SqliteDb& db, const Table& table, std::size_t rows, const RowSource& source, int srs_id) {
    std::string columns, values;
    int n = 0;
    for (const auto& c : row_columns(table)) {
        columns += (n ? ", " : "") + sql_identifier(c);
        values += (n ? ", ?" : "?") + std::to_string(n + 1);
        ++n;
    }
    SqlStatement insert(db, "INSERT INTO " + sql_identifier(table.name) + " (" + columns + ") VALUES (" + values + ")");
    InsertRow row(insert, srs_id);
    for (std::size_t i = 0; i < rows; ++i) {
        row.start();
        source(i, row);
        insert.run();
    }
    if (table.features && table.registered) gpkg_index_layer(db, table.name);  // as GIS programs expect
}

std::vector<std::string> row_columns(const Table& table) {
    std::vector<std::string> names;
    if (table.key == Key::fid) names.emplace_back("fid");
    if (table.key == Key::import_id) names.emplace_back("import_id");
    if (table.features) names.emplace_back("geom");
    for (const auto& c : table.columns) names.emplace_back(c.name);
    return names;
}

std::set<std::string> pg_prepare_result_tables(const PgConnection& db, const std::string& schema,
                                               const std::string& command, const std::vector<std::string>& names,
                                               int srid) {
    std::set<std::string> made;
    bool locked = false;
    for (const auto& name : names) {
        const Table& t = table(name);
        if (pg_table_exists(db, schema, name)) {
            const std::vector<Column> present = pg_columns(db, schema, t);
            bool same = present.size() == t.columns.size();
            for (std::size_t i = 0; same && i < present.size(); ++i)
                same = std::strcmp(present[i].name, t.columns[i].name) == 0;
            if (same) continue;
        }
        if (db.query("SELECT has_schema_privilege($1, 'CREATE')", {schema}).text(0, 0) != "t")
            throw InputError(db.label() + " schema " + schema + ": the dataset has no table " + name +
                                 " of this version yet",
                             "the city office runs 'cleanheat " + command + "' on it once first");
        if (!locked) db.exec("LOCK TABLE " + qualified(db, schema, "villages") + " IN ACCESS EXCLUSIVE MODE");
        locked = true;
        db.exec("DROP TABLE IF EXISTS " + qualified(db, schema, name));
        pg_create_table(db, schema, t, t.columns, srid, t.geometry, true);
        made.insert(name);
    }
    return made;
}

namespace {

// The rows into a table, keys and all; a table made in this transaction (`made`) gets them frozen,
// then its key, as does one whose key was dropped for them (`keyless`).
void copy_rows(const PgConnection& db, const std::string& schema, const Table& t, const std::vector<std::size_t>* only,
               std::size_t rows, const RowSource& source, int srid, bool made, bool keyless = false) {
    PgCopyIn copy(db, qualified(db, schema, t.name), row_columns(t), made);
    CopyRow out(copy, srid, db.label() + ": " + t.name);
    const std::size_t n = only ? only->size() : rows;
    for (std::size_t k = 0; k < n; ++k) {
        source(only ? (*only)[k] : k, out);
        copy.end_row();
    }
    copy.finish();
    if (made || keyless) pg_add_key(db, schema, t, t.columns);
    if (t.key == Key::fid) pg_continue_keys(db, schema, t.name, "fid");
}

// `statement` in a savepoint, waiting at most 2 s for its locks (the caller's lock_timeout kept
// for the rest): false, with nothing of it kept and the caller's transaction going on, when it
// fails (someone looking at the table, something depending on what it drops).
bool try_with_short_lock_wait(const PgConnection& db, const std::string& statement) {
    const std::string timeout = db.query("SELECT current_setting('lock_timeout')").text(0, 0);
    db.exec("SAVEPOINT cleanheat_try");
    bool done = true;
    try {
        db.query("SELECT set_config('lock_timeout', '2s', true)");
        db.exec(statement);
    } catch (const std::exception&) {
        throw_if_stop_requested();
        db.exec("ROLLBACK TO SAVEPOINT cleanheat_try");
        done = false;
    }
    db.exec("RELEASE SAVEPOINT cleanheat_try");
    db.query("SELECT set_config('lock_timeout', $1, true)", {timeout});
    return done;
}

// A table's primary key dropped before every row of it is written again (and built after), when
// this login owns the table and nothing refers to the key: a key kept checks each row written
// against the rows deleted (at 620,000 villages 1.75 s against 0.2 s for building it again).
// The table is then locked whole: readers wait for the commit and read the new rows. False, with
// the key kept, when it is not there, not this login's, the table's replica identity (logical
// replication) is named after it, or the lock is not had within 2 s.
bool drop_key_for_rewrite(const PgConnection& db, const std::string& schema, const Table& t) {
    const std::string q = qualified(db, schema, t.name);
    const PgResult key = db.query(
        "SELECT k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid WHERE k.conrelid = $1::regclass "
        "AND k.contype = 'p' AND c.relreplident <> 'i' AND pg_has_role(c.relowner, 'USAGE')",
        {q});
    return key.rows() == 1 &&
           try_with_short_lock_wait(db, "ALTER TABLE " + q + " DROP CONSTRAINT " + db.identifier(key.text(0, 0)));
}

}  // namespace

RowDigests pg_row_digests(const PgConnection& db, const std::string& schema, const Table& t, long long* rows_read) {
    RowDigests digests;
    if (rows_read) *rows_read = 0;
    if (!pg_table_exists(db, schema, t.name)) return digests;
    // the key, the geometry as WKB, each column as the type it is declared (a column altered reads
    // as before)
    std::string select = "SELECT " + std::string(t.key == Key::first_column ? db.identifier(t.columns.front().name)
                                                                           : db.identifier(row_columns(t).front())) +
                         "::bigint";
    if (t.features) select += ", ST_AsBinary(geom, 'NDR')";
    for (std::size_t i = t.key == Key::first_column ? 1 : 0; i < t.columns.size(); ++i) {
        const Column& c = t.columns[i];
        select += ", " + db.identifier(c.name) + pg_read_cast(c.type);
    }
    const int geometry = t.features ? 1 : -1, first = t.features ? 2 : 1;
    const std::size_t skip = t.key == Key::first_column ? 1 : 0;
    PgCopyOut there(db, select + " FROM " + qualified(db, schema, t.name));
    Digest digest;
    while (there.next()) {
        digest.reset();
        if (geometry > 0) {
            const std::string_view wkb = there.bytes(geometry);
            if (there.null(geometry) || wkb.empty())
                digest.add(0, nullptr, 0);
            else
                digest.add(4, wkb.data(), wkb.size());
        }
        for (std::size_t i = skip; i < t.columns.size(); ++i) {
            const int f = first + static_cast<int>(i - skip);
            if (there.null(f)) {
                digest.add(0, nullptr, 0);
            } else if (t.columns[i].type == ColumnType::real) {
                const double v = there.real(f);
                digest.add(2, &v, sizeof v);
            } else if (textual(t.columns[i].type)) {
                const std::string_view v = there.bytes(f);
                digest.add(3, v.data(), v.size());
            } else {
                const long long v = there.integer(f);
                digest.add(1, &v, sizeof v);
            }
        }
        digests[there.integer(0)] = digest.value();
        if (rows_read) ++*rows_read;
    }
    return digests;
}

long long pg_replace_changed_rows(const PgConnection& db, const std::string& schema, const Table& t,
                                  std::size_t rows, const RowSource& source, RowDigests* given, bool made) {
    if (t.key != Key::first_column) throw std::logic_error(std::string(t.name) + " is not keyed by its first column");
    const std::string q = qualified(db, schema, t.name);
    RowDigests before = made ? RowDigests() : given ? std::move(*given) : pg_row_digests(db, schema, t);
    // the rows given that differ, and the keys to delete (changed or gone)
    std::vector<std::size_t> write;
    std::string deleted;  // a PostgreSQL array literal
    long long deletes = 0;
    DigestRow row;
    for (std::size_t i = 0; i < rows; ++i) {
        row.start();
        source(i, row);
        const auto it = before.find(row.key());
        if (it != before.end()) {
            const bool same = it->second == row.value();
            before.erase(it);
            if (same) continue;
            deleted += (deleted.empty() ? "" : ",") + std::to_string(row.key());
            ++deletes;
        }
        write.push_back(i);
    }
    for (const auto& [key, digest] : before) {
        deleted += (deleted.empty() ? "" : ",") + std::to_string(key);
        ++deletes;
    }
    // most rows changed: all deleted and written again (a long list of keys costs more to match
    // than the rows left alike cost to write)
    const long long there = deletes + static_cast<long long>(rows - write.size());
    const bool all = deletes > 0 && deletes * 2 > there;
    if (all) {
        write.resize(rows);
        for (std::size_t i = 0; i < rows; ++i) write[i] = i;
        deletes = there;
    }
    if (deletes > 0) {
        const long long gone =
            all ? db.query("DELETE FROM " + q).affected()
                : db.query("DELETE FROM " + q + " WHERE " + db.identifier(t.columns.front().name) +
                               " = ANY($1::bigint[])",
                           {"{" + deleted + "}"})
                      .affected();
        if (gone != deletes)  // rows this login could read but not delete
            throw OutputError(db.label() + ": " + t.name + ": " + std::to_string(deletes) + " rows to replace, " +
                              std::to_string(gone) + " deleted");
    }
    if (write.empty() && !made) return 0;  // (a table made now gets its key also when empty)
    // (deleted under the key: a published table's deletes are told by it)
    const bool keyless = all && !made && drop_key_for_rewrite(db, schema, t);
    copy_rows(db, schema, t, &write, rows, source, 0, made, keyless);
    return static_cast<long long>(write.size());
}

bool pg_replace_rows(const PgConnection& db, const std::string& schema, const Table& t, std::size_t rows,
                     const RowSource& source, int srid, bool made) {
    if (!made) {  // the same rows there already (the same run again): nothing to write
        long long read = 0;
        const RowDigests there = pg_row_digests(db, schema, t, &read);
        // as many rows (no key twice), geometries of the same CRS
        bool same = read == static_cast<long long>(rows) && there.size() == rows &&
                    (!t.features ||
                     db.query("SELECT Find_SRID($1, $2, 'geom')", {schema, std::string(t.name)}).integer(0, 0) == srid);
        DigestRow row;
        for (std::size_t i = 0; same && i < rows; ++i) {
            row.start();
            source(i, row);
            const auto it = there.find(row.key());
            same = it != there.end() && it->second == row.value();
        }
        if (same) return false;
        db.exec("DELETE FROM " + qualified(db, schema, t.name));
    }
    copy_rows(db, schema, t, nullptr, rows, source, srid, made);
    return true;
}

void pg_drop_staged_leftovers(const PgConnection& db, const std::string& schema, const std::string& table) {
    // staging tables of this name's (<table>_staging_<pid>_<ms>) that this login may drop
    const PgResult left = db.query(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND "
        "c.relkind = 'r' AND c.relname ~ ('^' || $2 || '_staging_[0-9]+_[0-9]+$') AND pg_has_role(c.relowner, 'USAGE')",
        {schema, table});
    // one that cannot be dropped now (someone looking at it) stays for a later run
    for (int i = 0; i < left.rows(); ++i)
        try_with_short_lock_wait(db, "DROP TABLE " + qualified(db, schema, left.text(i, 0)));
}

PgStagedTable::PgStagedTable(const PgConnection& db, const std::string& conninfo, const std::string& schema,
                             const Table& table)
    : table_(table), schema_(schema) {
    pg_drop_staged_leftovers(db, schema, table.name);
    const long long pid = db.query("SELECT pg_backend_pid()").integer(0, 0);
    staging_ = std::string(table.name) + "_staging_" + std::to_string(pid) + "_" +
               std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count());
    connection_ = std::make_unique<PgConnection>(conninfo);
    connection_->exec("SET lock_timeout = '2s'");
    // its commit need not wait for the disk: the run's own commit, which takes the table in,
    // does, and that flushes this one's (written before it); a crash before leaves a leftover
    connection_->exec("SET synchronous_commit = off");
    connection_->exec("BEGIN");
    staged_ = table;
    staged_.name = staging_.c_str();
    pg_create_table(*connection_, schema, staged_, staged_.columns, 0, staged_.geometry, true);
    // owned as the dataset's tables are: any city-office login may drop it if it is left behind
    connection_->exec("ALTER TABLE " + qualified(*connection_, schema, staging_) + " OWNER TO " + kCityRole);
}

PgStagedTable::~PgStagedTable() {
    if (filler_.joinable()) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            abandon_ = true;
        }
        changed_.notify_all();
        filler_.join();
    }
    if (connection_) connection_->rollback();
}

void PgStagedTable::send(std::vector<std::size_t> first, RowSource source) {
    first_ = std::move(first);
    source_ = std::move(source);
    filler_ = std::thread([this] { fill(); });
}

void PgStagedTable::rest(std::vector<std::size_t> rows) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        rest_ = std::move(rows);
        rest_given_ = true;
    }
    changed_.notify_all();
}

void PgStagedTable::fill() {
    try {
        PgCopyIn copy(*connection_, qualified(*connection_, schema_, staging_), row_columns(table_), true);
        CopyRow out(copy, 0, connection_->label() + ": " + table_.name);
        for (std::size_t i : first_) {
            source_(i, out);
            copy.end_row();
        }
        {
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [this] { return rest_given_ || abandon_; });
            if (abandon_) return;  // (the COPY aborted by its destructor)
        }
        for (std::size_t i : rest_) {
            source_(i, out);
            copy.end_row();
        }
        rows_ = copy.finish();
        pg_add_key(*connection_, schema_, staged_, staged_.columns);
    } catch (...) {
        error_ = std::current_exception();
    }
}

bool PgStagedTable::take(const PgConnection& db, std::string& why) {
    if (filler_.joinable()) filler_.join();
    try {
        if (error_) std::rethrow_exception(error_);
        if (!rest_given_) throw std::logic_error("PgStagedTable: the rest of the rows never given");
    } catch (const std::exception& e) {
        why = e.what();
        connection_->rollback();
        connection_.reset();
        return false;
    }
    throw_if_stop_requested();  // (a stop now leaves nothing committed behind)
    try {
        connection_->exec("COMMIT");
    } catch (const std::exception& e) {
        why = e.what();
        connection_->rollback();
        connection_.reset();
        return false;
    }
    connection_.reset();
    const std::string name = table_.name;
    db.exec("DROP TABLE IF EXISTS " + qualified(db, schema_, name));
    db.exec("ALTER TABLE " + qualified(db, schema_, staging_) + " RENAME TO " + db.identifier(name));
    db.exec("ALTER INDEX " + qualified(db, schema_, staging_ + "_pkey") + " RENAME TO " + db.identifier(name + "_pkey"));
    return true;
}

void pg_log_run(const PgConnection& db, const std::string& schema, const RunEntry& run) {
    const std::string q = qualified(db, schema, "run_log");
    if (db.query("SELECT has_any_column_privilege($1, 'INSERT')", {q}).text(0, 0) != "t") return;
    nlohmann::ordered_json details = nlohmann::ordered_json::object();
    for (const auto& [key, value] : run.details) details[key] = value;
    std::string columns, values;
    int n = 0;
    for (const auto& c : table("run_log").columns) {
        columns += (n ? ", " : "") + db.identifier(c.name);
        values += (n ? ", $" : "$") + std::to_string(n + 1);
        ++n;
    }
    db.query("INSERT INTO " + q + " (" + columns + ") VALUES (" + values + ")",
             {run.command, run.arguments, std::string(CLEANHEAT_VERSION), run.started_at, now_iso(), details.dump()});
}

}  // namespace cleanheat::dataset

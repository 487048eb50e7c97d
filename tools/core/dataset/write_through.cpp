#include "dataset/write_through.hpp"

#include <cstdio>
#include <filesystem>
#include <optional>
#include <unordered_set>

#include "base/error.hpp"
#include "base/notice.hpp"
#include "base/stop.hpp"
#include "dataset/dataset.hpp"
#include "dataset/pg_rows.hpp"
#include "dataset/pg_store.hpp"
#include "io/gpkg_sql.hpp"

namespace cleanheat::dataset {
namespace fs = std::filesystem;
namespace {

const char* key_of(const Table& t) {
    return t.key == Key::import_id ? "import_id" : t.key == Key::fid ? "fid" : t.columns.front().name;
}

// The columns of a table in the copy (key and geometry left out), by their declarations.
std::vector<Column> copy_columns(const SqliteDb& gpkg, const Table& t) {
    std::vector<Column> columns;
    for (const auto& name : gpkg.columns(t.name)) {
        if (name == "geom" || (t.key != Key::first_column && name == key_of(t))) continue;
        const Column* declared = declared_column(t, name);
        if (!declared) throw InputError(gpkg.path() + ": " + t.name + " has a column " + name + " that the dataset does not declare");
        columns.push_back(*declared);
    }
    return columns;
}

std::string joined(const std::vector<Column>& columns, const std::string& prefix = {}) {
    std::string out;
    for (const auto& c : columns) out += (out.empty() ? "" : ", ") + prefix + sql_identifier(c.name);
    return out;
}

// A digest of the values of a row's columns 1..n (NULL told apart from any text).
std::uint64_t row_digest(sqlite3_stmt* st, int from, int to) {
    std::uint64_t h = 1469598103934665603ULL;
    for (int i = from; i < to; ++i) {
        const int type = sqlite3_column_type(st, i);
        // numbers by their bits (a real's text has 15 digits: two reals could print alike)
        const std::int64_t integer = type == SQLITE_INTEGER ? sqlite3_column_int64(st, i) : 0;
        const double real = type == SQLITE_FLOAT ? sqlite3_column_double(st, i) : 0;
        const auto* bytes = type == SQLITE_INTEGER ? reinterpret_cast<const unsigned char*>(&integer)
                            : type == SQLITE_FLOAT ? reinterpret_cast<const unsigned char*>(&real)
                            : type == SQLITE_NULL  ? nullptr
                                                   : sqlite3_column_text(st, i);
        const int n = type == SQLITE_INTEGER || type == SQLITE_FLOAT ? 8 : bytes ? sqlite3_column_bytes(st, i) : 0;
        h = (h ^ static_cast<std::uint64_t>(type)) * 1099511628211ULL;
        for (int k = 0; k < n; ++k) h = (h ^ bytes[k]) * 1099511628211ULL;
        h = (h ^ 0xFF) * 1099511628211ULL;
    }
    return h;
}

}  // namespace

bool pg_dataset_at(const std::string& name, const std::string& pg_schema) {
    if (!is_pg_name(name)) return false;
    const std::string schema = pg_schema.empty() ? kDefaultPgSchema : pg_schema;
    check_schema_name(schema);
    const PgConnection db(pg_conninfo(name));
    return pg_has_dataset(db, schema);
}

WriteThrough::WriteThrough(const std::string& name, const std::string& pg_schema, std::string command,
                           std::vector<std::string> village_fields)
    : command_(std::move(command)), path_(name), label_(name) {
    if (!is_pg_name(name)) return;
    schema_ = pg_schema.empty() ? kDefaultPgSchema : pg_schema;
    check_schema_name(schema_);
    db_ = std::make_unique<PgConnection>(pg_conninfo(name));
    label_ = db_->label() + " schema " + schema_;
    if (!pg_has_dataset(*db_, schema_))
        throw InputError(label_ + ": holds no dataset of cleanheat merge",
                         "put one there with 'cleanheat merge -o PG:...' or 'cleanheat copy DATASET PG:...'");
    // one writer at a time: the dataset's lock, held to the end of this transaction
    db_->exec("BEGIN");
    pg_lock_dataset(*db_, schema_, label_);
    // the dataset as it is now (every run before this one committed), copied out
    folder_ = std::make_unique<TempFolder>();
    path_ = (fs::path(folder_->path()) / "dataset.gpkg").string();
    // what the command reads, into a working copy of its own (no spatial indexes; its outputs
    // never replace a table it did not read)
    const CopyOptions part = command_reads(command_, pg_schema_version(*db_, schema_), std::move(village_fields));
    copy_out(name, schema_, path_, part);
    remember_before();
}

WriteThrough::~WriteThrough() {
    if (db_) db_->rollback();
}

void WriteThrough::remember_before() {
    const SqliteDb gpkg(path_, SqliteDb::Mode::write);
    version_before_ = schema_version(gpkg);
    // a unit may not read the run log: its runs are logged in the copy only (its imports are
    // recorded in progress_imports)
    if (!gpkg.has_table("run_log")) create_table(gpkg, table("run_log"));
    for (const auto& t : tables()) {
        if (!t.append_only || !gpkg.has_table(t.name)) continue;
        const std::string key = key_of(t);
        last_key_[t.name] = gpkg.scalar("SELECT coalesce(max(" + key + "), 0) FROM " + sql_identifier(t.name));
        if (!pg_table_exists(*db_, schema_, t.name)) continue;
        // new rows numbered after the database's last number, so that the numbers a run prints
        // (import numbers in its workbook) are the ones the database keeps
        const PgResult r = db_->query(
            "SELECT CASE WHEN has_sequence_privilege(q.s, 'SELECT') THEN pg_sequence_last_value(q.s) END FROM "
            "(SELECT pg_get_serial_sequence($1, $2)::regclass AS s) q",
            {db_->identifier(schema_) + "." + db_->identifier(t.name), key});
        if (r.rows() == 0 || r.null(0, 0)) continue;
        const long long last = r.integer(0, 0);
        if (last <= last_key_[t.name]) continue;
        const bool listed = gpkg.scalar("SELECT count(*) FROM sqlite_sequence WHERE name = '" + std::string(t.name) + "'") > 0;
        SqlStatement(gpkg, listed ? "UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1"
                                  : "INSERT INTO sqlite_sequence (name, seq) VALUES (?1, ?2)")
            .text(1, t.name)
            .integer(2, last)
            .run();
    }
    // the rows of the tables keyed by their village that the command replaces, as digests
    for (const auto& t : tables()) {
        if (t.key != Key::first_column || !t.registered || command_ != t.written_by || !gpkg.has_table(t.name) ||
            textual(t.columns.front().type))
            continue;
        const std::vector<Column> columns = copy_columns(gpkg, t);
        auto& rows = keyed_rows_[t.name];
        gpkg.each("SELECT " + joined(columns) + " FROM " + sql_identifier(t.name), [&](sqlite3_stmt* st) {
            rows[sqlite3_column_int64(st, 0)] = row_digest(st, 1, static_cast<int>(columns.size()));
        });
    }
    // the command's fields of every village, as digests
    const auto& fields = village_columns_of(command_);
    std::string select = "SELECT fid";
    for (const auto& c : fields)
        select += gpkg.has_column("villages", c.name) ? ", " + sql_identifier(c.name) : std::string(", NULL");
    gpkg.each(select + " FROM villages", [&](sqlite3_stmt* st) {
        villages_[sqlite3_column_int64(st, 0)] = row_digest(st, 1, static_cast<int>(fields.size()) + 1);
    });
}

WriteBack WriteThrough::commit() {
    WriteBack result;
    if (!db_) return result;
    throw_if_stop_requested();
    {
        const SqliteDb gpkg(path_, SqliteDb::Mode::read);
        // the run upgraded its copy (an older schema version in the database): the upgrade goes
        // back whole (run_info with the version, the moved fields), by the tables' owner only
        const int version = schema_version(gpkg);
        const bool upgraded = version != version_before_;
        if (upgraded && !owns_villages())
            throw InputError(label_ + ": the dataset is schema version " + std::to_string(version_before_) +
                                 ", this cleanheat writes version " + std::to_string(version),
                             "the city office runs a command that writes the dataset once first (e.g. cleanheat "
                             "progress PG:... with no report): it upgrades the dataset");
        // a table to make anew (dropped and created: not kept for older snapshots): readers, who
        // lock the villages before their snapshot, wait for this run; taken before any other lock
        // of this commit, so that no reader holds one this run waits for
        for (const auto& t : tables())
            if (t.registered && gpkg.has_table(t.name) && replaces(t, upgraded) && !same_columns(gpkg, t)) {
                db_->exec("LOCK TABLE " + db_->identifier(schema_) + ".villages IN ACCESS EXCLUSIVE MODE");
                break;
            }
        for (const auto& t : tables()) {
            if (!t.registered || !gpkg.has_table(t.name)) continue;  // caches stay in the file
            const std::string name = t.name;
            if (name == "villages") {
                if (upgraded) drop_moved_fields(gpkg);
                result.villages_updated = update_villages(gpkg);
            } else if (t.append_only) {
                result.rows_added += add_rows(gpkg, t);
            } else if (replaces(t, upgraded)) {
                replace_table(gpkg, t);
                result.tables_replaced.emplace_back(t.name);
            }
        }
    }
    if (created_) pg_secure_dataset(*db_, schema_);
    throw_if_stop_requested();
    db_->exec("COMMIT");
    db_.reset();
    return result;
}

long long WriteThrough::add_rows(const SqliteDb& gpkg, const Table& t) {
    const std::string key = key_of(t);
    const std::string after = std::to_string(last_key_[t.name]);
    const long long count =
        gpkg.scalar("SELECT count(*) FROM " + sql_identifier(t.name) + " WHERE " + key + " > " + after);
    const std::string q = db_->identifier(schema_) + "." + db_->identifier(t.name);
    const std::vector<Column> columns = copy_columns(gpkg, t);
    if (!pg_table_exists(*db_, schema_, t.name)) {  // the first run of its command: the table made, also when empty
        const bool may_create = db_->query("SELECT has_schema_privilege($1, 'CREATE')", {schema_}).text(0, 0) == "t";
        if (!may_create && count == 0) return 0;
        if (!may_create)
            throw InputError(label_ + ": the dataset has no table " + t.name + " yet",
                             "the city office runs 'cleanheat " + command_ + "' on it once first");
        pg_create_table(*db_, schema_, t, columns, 0, "");
        created_ = true;
    }
    if (count == 0) return 0;
    if (db_->query("SELECT has_any_column_privilege($1, 'INSERT')", {q}).text(0, 0) != "t") {
        if (std::string(t.name) == "run_log") return 0;  // a unit's run: not in the city's log
        throw InputError(label_ + ": this login may not add rows to " + t.name);
    }
    std::string selected;  // the copy's columns as the database takes them (dates: NULL, not '')
    for (const auto& c : columns) selected += (selected.empty() ? "" : ", ") + sqlite_select(c);
    const std::string select = "SELECT " + selected + (t.key == Key::import_id ? ", " + key : std::string()) +
                               " FROM " + sql_identifier(t.name) + " WHERE " + key + " > " + after + " ORDER BY " + key;
    if (t.key == Key::import_id) {  // a few rows, each numbered by the database; later tables follow its numbers
        std::string placeholders;
        for (std::size_t i = 0; i < columns.size(); ++i) placeholders += (i ? ", $" : "$") + std::to_string(i + 1);
        const std::string insert =
            "INSERT INTO " + q + " (" + joined(columns) + ") VALUES (" + placeholders + ") RETURNING " + key;
        const int n = static_cast<int>(columns.size());
        gpkg.each(select, [&](sqlite3_stmt* st) {
            std::vector<std::optional<std::string>> values;
            for (int i = 0; i < n; ++i) {
                const int type = sqlite3_column_type(st, i);
                if (type == SQLITE_NULL) {
                    values.emplace_back(std::nullopt);
                } else if (type == SQLITE_FLOAT) {
                    char text[40];
                    std::snprintf(text, sizeof text, "%.17g", sqlite3_column_double(st, i));
                    values.emplace_back(text);
                } else {
                    values.emplace_back(sql_text(st, i));
                }
            }
            const long long number = db_->query(insert, values).integer(0, 0);
            import_ids_[sqlite3_column_int64(st, n)] = number;
        });
        for (const auto& [in_copy, in_database] : import_ids_)
            if (in_copy != in_database)
                notice(label_ + ": import " + std::to_string(in_copy) + " is number " + std::to_string(in_database) +
                       " in the database (rows were added beside cleanheat)");
        return count;
    }
    // many rows: COPY into a table of this transaction, then INSERT ... SELECT (row-level
    // security checks every row; COPY into the table itself is not allowed under it)
    const std::string staging = db_->identifier("cleanheat_new_" + std::string(t.name));
    db_->exec("CREATE TEMP TABLE " + staging + " ON COMMIT DROP AS SELECT " + joined(columns) + " FROM " + q +
              " WITH NO DATA");
    int renumber_at = -1;
    for (std::size_t i = 0; i < columns.size(); ++i)
        if (std::string(columns[i].name) == "import_id") renumber_at = static_cast<int>(i);
    std::vector<std::string> names;
    for (const auto& c : columns) names.emplace_back(c.name);
    PgCopyIn copy(*db_, "pg_temp." + staging, names);
    copy_sqlite_rows(gpkg, select, copy, -1, 0, gpkg.path() + ": " + t.name, renumber_at, &import_ids_);
    copy.finish();
    const long long added =
        db_->query("INSERT INTO " + q + " (" + joined(columns) + ") SELECT " + joined(columns) + " FROM pg_temp." + staging)
            .affected();
    if (added != count)
        throw OutputError(label_ + ": " + t.name + ": " + std::to_string(count) + " rows to add, " +
                          std::to_string(added) + " added");
    return added;
}

bool WriteThrough::replaces(const Table& t, bool upgraded) const {
    const std::string name = t.name;
    return name != "villages" && !t.append_only &&
           (command_ == t.written_by || (upgraded && (name == "run_info" || name == "village_contiguity")));
}

bool WriteThrough::owns_villages() const {
    return db_->query("SELECT pg_has_role(c.relowner, 'USAGE') FROM pg_class c WHERE c.oid = $1::regclass",
                      {db_->identifier(schema_) + ".villages"})
               .text(0, 0) == "t";
}

void WriteThrough::drop_moved_fields(const SqliteDb& gpkg) {
    // fields the run moved out of the villages (an upgrade of the copy: the contiguity fields of a
    // version-2 dataset are a table of their own since version 3) leave the database's villages too
    for (const auto& c : village_contiguity_columns()) {
        if (gpkg.has_column("villages", c.name)) continue;
        if (db_->query("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'villages' "
                       "AND column_name = $2",
                       {schema_, std::string(c.name)})
                .rows() == 0)
            continue;
        db_->exec("ALTER TABLE " + db_->identifier(schema_) + ".villages DROP COLUMN " + db_->identifier(c.name));
        created_ = true;
    }
}

long long WriteThrough::update_villages(const SqliteDb& gpkg) {
    const auto& declared = village_columns_of(command_);
    std::vector<Column> fields;
    for (const auto& c : declared)
        if (gpkg.has_column("villages", c.name)) fields.push_back(c);
    if (fields.empty()) return 0;
    const std::string q = db_->identifier(schema_) + ".villages";
    // fields the database's villages lack yet: added by the city office's login (the owner)
    bool missing = false;
    for (const auto& c : fields)
        missing = missing || db_->query("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND "
                                        "table_name = 'villages' AND column_name = $2",
                                        {schema_, std::string(c.name)})
                                     .rows() == 0;
    if (missing) {
        if (!owns_villages())
            throw InputError(label_ + ": the villages have no fields of " + command_ + " yet",
                             "the city office runs 'cleanheat " + command_ + "' on the dataset once first");
        created_ = pg_add_missing_columns(*db_, schema_, "villages", fields) || created_;
    }
    // the rows whose fields changed, staged and applied in one UPDATE
    const std::string staging = db_->identifier("cleanheat_new_villages");
    db_->exec("CREATE TEMP TABLE " + staging + " ON COMMIT DROP AS SELECT fid, " + joined(fields) + " FROM " + q +
              " WITH NO DATA");
    std::vector<std::string> names = {"fid"};
    for (const auto& c : fields) names.emplace_back(c.name);
    std::string select = "SELECT fid";
    for (const auto& c : declared)
        select += gpkg.has_column("villages", c.name) ? ", " + sql_identifier(c.name) : std::string(", NULL");
    PgCopyIn copy(*db_, "pg_temp." + staging, names);
    std::vector<int> at;  // where each field is in the select
    for (std::size_t i = 0; i < declared.size(); ++i)
        if (gpkg.has_column("villages", declared[i].name)) at.push_back(static_cast<int>(i) + 1);
    long long changed = 0;
    std::string scratch;
    gpkg.each(select + " FROM villages", [&](sqlite3_stmt* st) {
        const long long fid = sqlite3_column_int64(st, 0);
        const auto before = villages_.find(fid);
        if (before != villages_.end() && before->second == row_digest(st, 1, static_cast<int>(declared.size()) + 1))
            return;
        copy_sqlite_value(copy, st, 0, false, 0, scratch);
        for (int i : at) copy_sqlite_value(copy, st, i, false, 0, scratch);
        copy.end_row();
        ++changed;
    });
    copy.finish();
    if (changed == 0) return 0;
    std::string set;
    for (const auto& c : fields)
        set += (set.empty() ? "" : ", ") + sql_identifier(c.name) + " = n." + sql_identifier(c.name);
    const long long updated =
        db_->query("UPDATE " + q + " v SET " + set + " FROM pg_temp." + staging + " n WHERE v.fid = n.fid").affected();
    if (updated != changed)
        throw OutputError(label_ + ": " + std::to_string(changed - updated) + " of " + std::to_string(changed) +
                          " villages could not be updated (rows this login may not change)");
    return updated;
}

bool WriteThrough::same_columns(const SqliteDb& gpkg, const Table& t) const {
    if (!pg_table_exists(*db_, schema_, t.name)) return false;
    const std::vector<Column> columns = copy_columns(gpkg, t);
    const std::vector<Column> present = pg_columns(*db_, schema_, t);
    bool same = present.size() == columns.size();
    for (std::size_t i = 0; same && i < columns.size(); ++i) same = std::string(present[i].name) == columns[i].name;
    return same;
}

void WriteThrough::replace_table(const SqliteDb& gpkg, const Table& t) {
    const std::string q = db_->identifier(schema_) + "." + db_->identifier(t.name);
    const std::vector<Column> columns = copy_columns(gpkg, t);
    int srid = 0;
    std::string geometry_type = "GEOMETRY";
    if (t.features) gpkg_geometry_of(gpkg, t.name, srid, geometry_type);
    // the same columns: emptied (readers keep seeing the rows before until the commit); else made
    // anew (commit() holds the villages exclusively first: readers wait instead of finding the table
    // of their snapshot dropped)
    const bool same = same_columns(gpkg, t);
    if (same && keyed_rows_.count(t.name)) {
        replace_changed_rows(gpkg, t, columns);
        return;
    }
    if (same) {
        db_->exec("DELETE FROM " + q);
    } else {
        db_->exec("DROP TABLE IF EXISTS " + q);
        pg_create_table(*db_, schema_, t, columns, srid, geometry_type);
        created_ = true;
    }
    std::vector<std::string> names;  // a table keyed by its first column has no key of its own
    if (t.key != Key::first_column) names.emplace_back(key_of(t));
    if (t.features) names.emplace_back("geom");
    for (const auto& c : columns) names.emplace_back(c.name);
    std::string select;
    for (const auto& n : names) select += (select.empty() ? "" : ", ") + sql_identifier(n);
    PgCopyIn copy(*db_, q, names);
    copy_sqlite_rows(gpkg, "SELECT " + select + " FROM " + sql_identifier(t.name) + " ORDER BY rowid", copy,
                     t.features ? 1 : -1, srid, gpkg.path() + ": " + t.name);
    copy.finish();
    if (t.key != Key::first_column) pg_continue_keys(*db_, schema_, t.name, key_of(t));
}

// A table of one row per village replaced by only its rows that changed: those deleted (and the
// rows of villages gone) and written anew. Deleting all 620,000 rows and writing them again took
// 5 s (every new row's key check visits the deleted one); a run that changes few takes little.
void WriteThrough::replace_changed_rows(const SqliteDb& gpkg, const Table& t, const std::vector<Column>& columns) {
    const std::string q = db_->identifier(schema_) + "." + db_->identifier(t.name);
    auto& before = keyed_rows_.at(t.name);
    const int n = static_cast<int>(columns.size());
    std::unordered_set<long long> write;  // new or changed
    std::string deleted;                  // a PostgreSQL array literal of the keys changed or gone
    long long deletes = 0;
    const std::string select = "SELECT " + joined(columns) + " FROM " + sql_identifier(t.name) + " ORDER BY rowid";
    gpkg.each(select, [&](sqlite3_stmt* st) {
        const long long key = sqlite3_column_int64(st, 0);
        const auto it = before.find(key);
        const bool same_row = it != before.end() && it->second == row_digest(st, 1, n);
        if (it != before.end()) {
            if (!same_row) {
                deleted += (deleted.empty() ? "" : ",") + std::to_string(key);
                ++deletes;
            }
            before.erase(it);
        }
        if (!same_row) write.insert(key);
    });
    for (const auto& [key, digest] : before) {
        deleted += (deleted.empty() ? "" : ",") + std::to_string(key);
        ++deletes;
    }
    if (deletes > 0) {
        const long long gone = db_->query("DELETE FROM " + q + " WHERE " + db_->identifier(columns.at(0).name) +
                                              " = ANY($1::bigint[])",
                                          {"{" + deleted + "}"})
                                   .affected();
        if (gone != deletes)  // rows this login could read but not delete
            throw OutputError(label_ + ": " + t.name + ": " + std::to_string(deletes) + " rows to replace, " +
                              std::to_string(gone) + " deleted");
    }
    std::vector<std::string> names;
    for (const auto& c : columns) names.emplace_back(c.name);
    PgCopyIn copy(*db_, q, names);
    std::string scratch;
    gpkg.each(select, [&](sqlite3_stmt* st) {
        if (!write.count(sqlite3_column_int64(st, 0))) return;
        for (int i = 0; i < n; ++i) copy_sqlite_value(copy, st, i, false, 0, scratch);
        copy.end_row();
    });
    copy.finish();
}

WriteBack commit_or_remove(WriteThrough& through, const std::vector<fs::path>& outputs) {
    try {
        return through.commit();
    } catch (...) {
        std::error_code ec;
        for (const auto& file : outputs)
            if (!file.empty()) fs::remove(file, ec);
        throw;
    }
}

}  // namespace cleanheat::dataset

#include "io/gpkg_sql.hpp"

#include <cstdlib>

#include "base/error.hpp"
#include "geo/coverage.hpp"
#include "io/gpkg_writer.hpp"
#include "io/rtree_bulk.hpp"

namespace cleanheat {

void refuse_hot_journal(const std::string& path) {
    std::error_code ec;
    const std::string journal = path + "-journal";
    const auto size = std::filesystem::file_size(journal, ec);
    if (ec || size == 0) return;
    throw InputError(journal + ": a rollback journal lies beside the dataset: it was being written when the "
                               "command writing it stopped, or it was copied from another machine together with "
                               "the journal of a write; refusing to open it",
                     "if the dataset was copied, copy it again while no command runs on it, or with sqlite3 "
                     "DATASET \".backup COPY\" (docs/reliability.md); if a command stopped on this machine, "
                     "sqlite3 DATASET \"PRAGMA integrity_check\" rolls the journal back");
}

bool is_damage(int sqlite_code) {
    const int primary = sqlite_code & 0xff;
    return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

bool is_damage_message(const std::string& message) {
    return message.find("malformed") != std::string::npos || message.find("not a database") != std::string::npos;
}

InputError damaged_dataset(const std::string& path, const std::string& detail) {
    return InputError(path + ": the dataset is damaged (SQLite: " + detail + ")",
                      "a dataset copied while a command was writing it, without its -wal or -journal file, is "
                      "damaged: copy it again while no command runs on it, or with sqlite3 DATASET \".backup "
                      "COPY\" (docs/reliability.md)");
}

SqliteDb::SqliteDb(const std::filesystem::path& path, Mode mode) : path_(path.string()), mode_(mode) {
    if (!std::filesystem::is_regular_file(path)) {
        if (mode == Mode::read) throw InputError(path_ + ": no such file");
        throw OutputError(path_ + ": no such file");
    }
    refuse_hot_journal(path_);
    const int flags = (mode == Mode::read ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_NOMUTEX;
    // another cleanheat command writing: wait for it (bounded) from the first statement on, then say
    // who holds the lock
    const bool opened = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) == SQLITE_OK;
    if (opened) {
        sqlite3_busy_timeout(db_, kBusyWaitMilliseconds);
        stop_statements_on_request(db_);
    }
    const int check = opened ? sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr)
                             : SQLITE_CANTOPEN;
    if (check == SQLITE_BUSY || check == SQLITE_LOCKED) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw OutputError(path_ + ": another cleanheat command is changing this dataset (it holds the SQLite write lock of " +
                              path_ + "); waited " + std::to_string(kBusyWaitMilliseconds / 1000) + " s",
                          "run this command again when the other one has finished");
    }
    if (check != SQLITE_OK) {
        const std::string detail = opened ? sqlite3_errmsg(db_) : "cannot open";
        const bool damaged = opened && is_damage(sqlite3_extended_errcode(db_));
        sqlite3_close(db_);
        db_ = nullptr;
        if (damaged) throw damaged_dataset(path_, detail);
        if (mode == Mode::read) throw InputError(path_ + ": cannot open as a GeoPackage");
        throw OutputError(path_ + ": cannot open as a GeoPackage for writing");
    }
    if (mode == Mode::write) sqlite3_exec(db_, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
}

SqliteDb::~SqliteDb() {
    sqlite3_close(db_);
}

void SqliteDb::fail(const std::string& message) const {
    const int code = sqlite3_errcode(db_);
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        throw OutputError(path_ + ": another cleanheat command is changing this dataset (it holds the SQLite write lock "
                                  "of " + path_ + "); waited " + std::to_string(kBusyWaitMilliseconds / 1000) + " s",
                          "run this command again when the other one has finished");
    if (is_damage(code)) throw damaged_dataset(path_, sqlite3_errmsg(db_));
    if (mode_ == Mode::read) throw InputError(path_ + ": " + message);
    throw OutputError(path_ + ": " + message);
}

sqlite3_stmt* SqliteDb::prepare(const std::string& sql) const {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
        fail(std::string(sqlite3_errmsg(db_)) + " (is it the output of cleanheat merge?)");
    return st;
}

std::vector<std::string> SqliteDb::columns(const std::string& table) const {
    std::vector<std::string> names;
    each("SELECT name FROM pragma_table_info(" + sql_literal(table) + ")",
         [&](sqlite3_stmt* st) { names.push_back(sql_text(st, 0)); });
    return names;
}

void SqliteDb::exec(const std::string& sql) const {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        fail(message + " (" + sql.substr(0, 80) + ")");
    }
}

SqlStatement::SqlStatement(const SqliteDb& db, const std::string& sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql.c_str(), -1, &st_, nullptr) != SQLITE_OK) {
        if (is_damage(sqlite3_errcode(db.handle()))) throw damaged_dataset(db.path(), sqlite3_errmsg(db.handle()));
        throw OutputError(db.path() + ": " + sqlite3_errmsg(db.handle()));
    }
}
SqlStatement::~SqlStatement() {
    sqlite3_finalize(st_);
}
SqlStatement& SqlStatement::text(int i, const std::string& v) {
    sqlite3_bind_text(st_, i, v.c_str(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}
SqlStatement& SqlStatement::text_ref(int i, std::string_view v) {
    sqlite3_bind_text(st_, i, v.empty() ? "" : v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
}
SqlStatement& SqlStatement::integer(int i, long long v) {
    sqlite3_bind_int64(st_, i, v);
    return *this;
}
SqlStatement& SqlStatement::real(int i, double v) {
    sqlite3_bind_double(st_, i, v);
    return *this;
}
SqlStatement& SqlStatement::null(int i) {
    sqlite3_bind_null(st_, i);
    return *this;
}
SqlStatement& SqlStatement::blob(int i, const std::vector<unsigned char>& v) {
    sqlite3_bind_blob(st_, i, v.data(), static_cast<int>(v.size()), SQLITE_STATIC);
    return *this;
}
void SqlStatement::run() {
    if (sqlite3_step(st_) != SQLITE_DONE) {
        if (is_damage(sqlite3_errcode(db_.handle()))) throw damaged_dataset(db_.path(), sqlite3_errmsg(db_.handle()));
        throw OutputError(db_.path() + ": " + sqlite3_errmsg(db_.handle()));
    }
    sqlite3_reset(st_);
    sqlite3_clear_bindings(st_);
}

void gpkg_drop_layer(const SqliteDb& db, const std::string& name) {
    if (!db.has_table(name)) return;
    const std::string q = sql_literal(name);
    db.exec("DROP TABLE " + sql_identifier(name));
    db.exec("DROP TABLE IF EXISTS " + sql_identifier("rtree_" + name + "_geom"));
    if (db.has_table("gpkg_ogr_contents")) db.exec("DELETE FROM gpkg_ogr_contents WHERE table_name=" + q);
    db.exec("DELETE FROM gpkg_geometry_columns WHERE table_name=" + q);
    if (db.has_table("gpkg_extensions")) db.exec("DELETE FROM gpkg_extensions WHERE table_name=" + q);
    db.exec("DELETE FROM gpkg_contents WHERE table_name=" + q);
}

void gpkg_register_layer(const SqliteDb& db, const std::string& name, bool features, int srs_id,
                         const std::string& description, const std::string& geometry_type) {
    const std::string q = sql_literal(name);
    db.exec("INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) VALUES (" +
            q + ", '" + (features ? "features" : "attributes") + "', " + q + ", " + sql_literal(description) +
            ", strftime('%Y-%m-%dT%H:%M:%fZ','now'), " + (features ? std::to_string(srs_id) : "NULL") + ")");
    if (features)
        db.exec(
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, srs_id, z, m) VALUES (" +
            q + ", 'geom', " + sql_literal(geometry_type) + ", " + std::to_string(srs_id) + ", 0, 0)");
    if (db.has_table("gpkg_ogr_contents"))
        db.exec("INSERT OR REPLACE INTO gpkg_ogr_contents (table_name, feature_count) VALUES (" + q + ", NULL)");
}

void gpkg_index_layer(const SqliteDb& db, const std::string& name) {
    const std::string t = sql_identifier(name), rtree_name = "rtree_" + name + "_geom", rtree = sql_identifier(rtree_name);
    std::vector<RtreeEntry> entries;
    OGREnvelope extent;
    db.each("SELECT fid, geom FROM " + t + " WHERE geom IS NOT NULL", [&](sqlite3_stmt* st) {
        const auto* data = static_cast<const char*>(sqlite3_column_blob(st, 1));
        const std::string blob(data ? data : "", data ? static_cast<std::size_t>(sqlite3_column_bytes(st, 1)) : 0);
        OGREnvelope box;
        if (!gpkg_blob_envelope(blob, box)) return;  // empty
        entries.emplace_back(sqlite3_column_int64(st, 0), box);
        extent.Merge(box);
    });
    if (extent.IsInit())
        SqlStatement(db, "UPDATE gpkg_contents SET min_x = ?2, min_y = ?3, max_x = ?4, max_y = ?5 WHERE table_name = ?1")
            .text(1, name)
            .real(2, extent.MinX)
            .real(3, extent.MinY)
            .real(4, extent.MaxX)
            .real(5, extent.MaxY)
            .run();
    db.exec("DROP TABLE IF EXISTS " + rtree);
    db.exec("CREATE VIRTUAL TABLE " + rtree + " USING rtree(id, minx, maxx, miny, maxy)");
    if (!bulk_load_rtree(db.handle(), rtree_name, entries)) {
        SqlStatement insert(db, "INSERT INTO " + rtree + " VALUES (?1, ?2, ?3, ?4, ?5)");
        for (const auto& [id, box] : entries)
            insert.integer(1, id).real(2, box.MinX).real(3, box.MaxX).real(4, box.MinY).real(5, box.MaxY).run();
    }
    db.exec("CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, "
            "definition TEXT NOT NULL, scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))");
    db.exec("INSERT OR REPLACE INTO gpkg_extensions (table_name, column_name, extension_name, definition, scope) VALUES (" +
            sql_literal(name) + ", 'geom', 'gpkg_rtree_index', 'http://www.geopackage.org/spec120/#extension_rtree', "
            "'write-only')");
    // the triggers that keep the index when a GIS program edits the layer (GeoPackage 1.2, as GDAL writes them)
    const std::string box = "VALUES (NEW.fid, ST_MinX(NEW.geom), ST_MaxX(NEW.geom), ST_MinY(NEW.geom), ST_MaxY(NEW.geom))";
    const auto trigger = [&](const std::string& suffix, const std::string& when, const std::string& body) {
        db.exec("CREATE TRIGGER " + sql_identifier(rtree_name + "_" + suffix) + " " + when + " BEGIN " + body + "; END");
    };
    trigger("insert", "AFTER INSERT ON " + t + " WHEN (new.geom NOT NULL AND NOT ST_IsEmpty(NEW.geom))",
            "INSERT OR REPLACE INTO " + rtree + " " + box);
    trigger("update1",
            "AFTER UPDATE OF geom ON " + t + " WHEN OLD.fid = NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))",
            "INSERT OR REPLACE INTO " + rtree + " " + box);
    trigger("update2", "AFTER UPDATE OF geom ON " + t + " WHEN OLD.fid = NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))",
            "DELETE FROM " + rtree + " WHERE id = OLD.fid");
    trigger("update3", "AFTER UPDATE ON " + t + " WHEN OLD.fid != NEW.fid AND (NEW.geom NOTNULL AND NOT ST_IsEmpty(NEW.geom))",
            "DELETE FROM " + rtree + " WHERE id = OLD.fid; INSERT OR REPLACE INTO " + rtree + " " + box);
    trigger("update4", "AFTER UPDATE ON " + t + " WHEN OLD.fid != NEW.fid AND (NEW.geom ISNULL OR ST_IsEmpty(NEW.geom))",
            "DELETE FROM " + rtree + " WHERE id IN (OLD.fid, NEW.fid)");
    trigger("delete", "AFTER DELETE ON " + t + " WHEN old.geom NOT NULL", "DELETE FROM " + rtree + " WHERE id = OLD.fid");
}

int gpkg_ensure_srs(const SqliteDb& db, const OGRSpatialReference& srs) {
    const char* code = srs.GetAuthorityCode(nullptr);
    const char* authority = srs.GetAuthorityName(nullptr);
    if (!code || !authority) return 0;
    const long long found =
        db.scalar("SELECT srs_id FROM gpkg_spatial_ref_sys WHERE organization=" + sql_literal(authority) +
                  " AND organization_coordsys_id=" + code);
    if (found >= 0) return static_cast<int>(found);
    char* wkt = nullptr;
    srs.exportToWkt(&wkt);
    std::string definition = wkt ? wkt : "";
    CPLFree(wkt);
    db.exec(
        "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, organization_coordsys_id, definition) "
        "VALUES (" +
        sql_literal(srs.GetName() ? srs.GetName() : code) + ", " + code + ", " + sql_literal(authority) + ", " + code +
        ", " + sql_literal(definition) + ")");
    return std::atoi(code);
}

namespace {

void blob_function(sqlite3_context* context, int, sqlite3_value** values, int which) {
    const auto* blob = static_cast<const unsigned char*>(sqlite3_value_blob(values[0]));
    const int size = sqlite3_value_bytes(values[0]);
    if (!blob) {
        sqlite3_result_null(context);
        return;
    }
    const bool empty = size < 8 || (blob[3] & 0x10) != 0;
    if (which == 0) {
        sqlite3_result_int(context, empty ? 1 : 0);
        return;
    }
    Coverage one;
    if (empty || !one.add_gpkg_blob(blob, static_cast<std::size_t>(size)) || !one.box(0).valid()) {
        sqlite3_result_null(context);
        return;
    }
    const Box& b = one.box(0);
    const double v[] = {0, b.min_x, b.max_x, b.min_y, b.max_y};
    sqlite3_result_double(context, v[which]);
}

}  // namespace

void register_gpkg_functions(sqlite3* db) {
    const std::pair<const char*, void (*)(sqlite3_context*, int, sqlite3_value**)> functions[] = {
        {"ST_IsEmpty", [](sqlite3_context* c, int n, sqlite3_value** v) { blob_function(c, n, v, 0); }},
        {"ST_MinX", [](sqlite3_context* c, int n, sqlite3_value** v) { blob_function(c, n, v, 1); }},
        {"ST_MaxX", [](sqlite3_context* c, int n, sqlite3_value** v) { blob_function(c, n, v, 2); }},
        {"ST_MinY", [](sqlite3_context* c, int n, sqlite3_value** v) { blob_function(c, n, v, 3); }},
        {"ST_MaxY", [](sqlite3_context* c, int n, sqlite3_value** v) { blob_function(c, n, v, 4); }},
    };
    for (const auto& [name, fn] : functions)
        sqlite3_create_function(db, name, 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr, fn, nullptr, nullptr);
}

}  // namespace cleanheat

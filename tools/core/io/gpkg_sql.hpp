// A GeoPackage opened as the SQLite database it is: reading rows, and changing it in
// place in one transaction (new attribute tables, new columns, updates) when GDAL's
// per-feature API would be slow. Errors name the file.
#pragma once
#include <ogr_spatialref.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "io/sqlite_util.hpp"

#include "base/error.hpp"

namespace cleanheat {

// How long a command waits for another one that is changing the same dataset.
constexpr int kBusyWaitMilliseconds = 60000;

// Refuses, before it is opened, a dataset with a rollback journal beside it (`<path>-journal`,
// not empty): a command stopped while writing it in rollback mode, or a copy taken together with
// the journal of a write on another machine. Our datasets are in WAL mode and never have one.
void refuse_hot_journal(const std::string& path);
// The error for a dataset SQLite reports as damaged (SQLITE_CORRUPT, SQLITE_NOTADB): most often
// a copy taken while a command was writing it, without its -wal or -journal file.
InputError damaged_dataset(const std::string& path, const std::string& detail);
// True when an SQLite result code or a GDAL/SQLite message says the file is damaged.
bool is_damage(int sqlite_code);
bool is_damage_message(const std::string& message);

class SqliteDb {
public:
    enum class Mode { read, write };
    // Read mode throws InputError when the file is missing or not SQLite; write mode
    // OutputError when it cannot be opened for writing.
    SqliteDb(const std::filesystem::path& path, Mode mode);
    ~SqliteDb();
    SqliteDb(const SqliteDb&) = delete;
    SqliteDb& operator=(const SqliteDb&) = delete;

    sqlite3* handle() const { return db_; }
    const std::string& path() const { return path_; }
    bool has_table(const std::string& name) const { return sql_has_table(db_, name); }
    bool has_column(const std::string& table, const std::string& column) const {
        return sql_has_column(db_, table, column);
    }
    std::vector<std::string> columns(const std::string& table) const;
    long long scalar(const std::string& sql) const { return sql_scalar(db_, sql); }
    // Runs statements without results; throws naming the file and the statement.
    void exec(const std::string& sql) const;
    // Runs `sql`, calling row(statement) for every row; `binds` fill ?1, ?2 ... as text.
    template <class Row>
    void each(const std::string& sql, Row row, const std::vector<std::string>& binds = {}) const {
        sqlite3_stmt* st = prepare(sql);
        // finalized also when `row` throws: an unfinalized statement keeps the connection open
        struct Finalize {
            sqlite3_stmt* st;
            ~Finalize() { sqlite3_finalize(st); }
        } finalize{st};
        for (std::size_t i = 0; i < binds.size(); ++i)
            sqlite3_bind_text(st, static_cast<int>(i + 1), binds[i].c_str(), -1, SQLITE_TRANSIENT);
        int rc;
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) row(st);
        if (rc != SQLITE_DONE) fail(sqlite3_errmsg(db_));
    }

private:
    sqlite3_stmt* prepare(const std::string& sql) const;
    [[noreturn]] void fail(const std::string& message) const;

    std::string path_;
    sqlite3* db_ = nullptr;
    Mode mode_;
};

// A prepared statement for writing many rows: bind, run, repeat.
class SqlStatement {
public:
    SqlStatement(const SqliteDb& db, const std::string& sql);
    ~SqlStatement();
    SqlStatement(const SqlStatement&) = delete;
    SqlStatement& operator=(const SqlStatement&) = delete;
    SqlStatement& text(int i, const std::string& v);
    // Binds without a copy: `v` must stay unchanged until run().
    SqlStatement& text_ref(int i, std::string_view v);
    SqlStatement& integer(int i, long long v);
    SqlStatement& real(int i, double v);
    SqlStatement& null(int i);
    SqlStatement& blob(int i, const std::vector<unsigned char>& v);  // bound without a copy: keep `v` alive
    void run();

private:
    const SqliteDb& db_;
    sqlite3_stmt* st_ = nullptr;
};

// Text of a result column ("" for NULL).
inline std::string sql_text(sqlite3_stmt* st, int i) {
    const auto* t = sqlite3_column_text(st, i);
    return t ? reinterpret_cast<const char*>(t) : "";
}

// Removes a table and its GeoPackage registration (no-op when absent).
void gpkg_drop_layer(const SqliteDb& db, const std::string& name);
// Registers a table created by SQL: a feature layer (a `geom` of `geometry_type` in srs_id) or an
// attribute table, so GDAL and QGIS list it.
void gpkg_register_layer(const SqliteDb& db, const std::string& name, bool features, int srs_id,
                         const std::string& description = {}, const std::string& geometry_type = "MULTIPOLYGON");
// The spatial index (R*Tree, with the triggers that keep it as GDAL makes them) and the extent in
// gpkg_contents of a feature layer made by SQL, once its rows are in (replaces an index there was).
void gpkg_index_layer(const SqliteDb& db, const std::string& name);
// srs_id of a CRS with an authority code, added to gpkg_spatial_ref_sys when missing.
int gpkg_ensure_srs(const SqliteDb& db, const OGRSpatialReference& srs);
// The GeoPackage SQL functions the R-tree triggers of a GDAL-written layer call, so that
// an UPDATE of attributes can run on a plain SQLite connection.
void register_gpkg_functions(sqlite3* db);

}  // namespace cleanheat

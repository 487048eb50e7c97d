#include "dataset/copy.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>
#include <filesystem>

#include "base/error.hpp"
#include "dataset/dataset.hpp"
#include "dataset/pg_store.hpp"
#include "io/pg_connection.hpp"
#include "io/atomic_output.hpp"
#include "io/gpkg_sql.hpp"

namespace cleanheat {
namespace fs = std::filesystem;

namespace {

std::string lower_extension(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

// The destination, open for writing, closed on the way out.
struct Destination {
    sqlite3* db = nullptr;
    ~Destination() { sqlite3_close(db); }
};


// GeoPackage geometry blob -> hex EWKB with the SRID, as PostGIS reads it in COPY; false for an
// empty geometry or a blob that is not one.
bool blob_to_hex_ewkb(const unsigned char* blob, std::size_t size, int srid, std::string& hex) {
    if (size < 8 || blob[0] != 'G' || blob[1] != 'P') return false;
    const unsigned flags = blob[3];
    if (flags & 0x10) return false;  // empty
    static const std::size_t envelope_bytes[] = {0, 32, 48, 48, 64, 0, 0, 0};
    const std::size_t header = 8 + envelope_bytes[(flags >> 1) & 7];
    if (size < header + 5) return false;
    const unsigned char* wkb = blob + header;
    const std::size_t n = size - header;
    const bool little = wkb[0] == 1;
    std::uint32_t type = little ? (wkb[1] | wkb[2] << 8 | wkb[3] << 16 | std::uint32_t(wkb[4]) << 24)
                                : (std::uint32_t(wkb[1]) << 24 | wkb[2] << 16 | wkb[3] << 8 | wkb[4]);
    type |= 0x20000000u;  // EWKB: an SRID follows the type
    auto put32 = [&](std::uint32_t v, unsigned char* out) {
        for (int i = 0; i < 4; ++i) out[i] = static_cast<unsigned char>(little ? v >> (8 * i) : v >> (8 * (3 - i)));
    };
    std::vector<unsigned char> ewkb(n + 4);
    ewkb[0] = wkb[0];
    put32(type, &ewkb[1]);
    put32(static_cast<std::uint32_t>(srid), &ewkb[5]);
    std::copy(wkb + 5, wkb + n, ewkb.begin() + 9);
    static const char* digits = "0123456789ABCDEF";
    hex.resize(ewkb.size() * 2);
    for (std::size_t i = 0; i < ewkb.size(); ++i) {
        hex[2 * i] = digits[ewkb[i] >> 4];
        hex[2 * i + 1] = digits[ewkb[i] & 15];
    }
    return true;
}

// A GeoPackage dataset into a PostgreSQL schema prepared by `cleanheat db init`: every declared
// table the source holds, with its keys, columns and rows, in one transaction (COPY), then the
// indexes, row-level security and grants; the row counts compared at the end.
CopyResult copy_to_pg(const CopyOptions& options, Progress& progress, const std::chrono::steady_clock::time_point started) {
    progress.update(0.0, "Checking the source");
    const SqliteDb source(options.source, SqliteDb::Mode::read);
    dataset::check_readable(source);
    const PgConnection db(pg_conninfo(options.destination));
    const std::string schema = options.pg_schema.empty() ? dataset::kDefaultPgSchema : options.pg_schema;
    const std::string s = db.identifier(schema);
    if (!dataset::pg_initialised(db, schema))
        throw InputError(db.label() + ": schema " + schema + " is not prepared for cleanheat",
                         "run 'cleanheat db init' on it first (docs/database.md)");
    CopyResult result;
    result.source = options.source;
    result.destination = db.label() + " schema " + schema;
    db.exec("BEGIN");
    try {
        if (dataset::pg_has_dataset(db, schema)) {
            if (!options.overwrite)
                throw OutputError(result.destination + " holds a dataset already; add --overwrite to replace it");
            dataset::pg_drop_dataset(db, schema);
        }
        std::vector<std::pair<std::string, long long>> counts;
        const auto& all = dataset::tables();
        for (std::size_t k = 0; k < all.size(); ++k) {
            const dataset::Table& table = all[k];
            if (!source.has_table(table.name)) continue;
            progress.update(0.05 + 0.85 * static_cast<double>(k) / static_cast<double>(all.size()),
                            std::string("Copying ") + table.name);
            // the columns as the source has them, each typed by its declaration
            std::vector<dataset::Column> columns;
            std::string key;
            for (const auto& name : source.columns(table.name)) {
                if (name == "geom") continue;
                if ((table.key == dataset::Key::fid && name == "fid") ||
                    (table.key == dataset::Key::import_id && name == "import_id")) {
                    key = name;
                    continue;
                }
                const dataset::Column* declared = dataset::declared_column(table, name);
                if (!declared)
                    throw InputError(options.source + ": table " + table.name + " has a column " + name +
                                     " that the dataset does not declare: not copied as if it were known");
                columns.push_back(*declared);
            }
            int srid = 0;
            if (table.features)
                source.each(
                    "SELECT s.organization_coordsys_id FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON "
                    "s.srs_id = g.srs_id WHERE g.table_name = ?1",
                    [&](sqlite3_stmt* st) { srid = sqlite3_column_int(st, 0); }, {table.name});
            dataset::pg_create_table(db, schema, table, columns, srid);
            std::vector<std::string> names;
            std::string select;
            if (!key.empty()) names.push_back(key);
            if (table.features) names.emplace_back("geom");
            for (const auto& c : columns) names.emplace_back(c.name);
            for (const auto& n : names) select += (select.empty() ? "" : ", ") + sql_identifier(n);
            PgCopyIn copy(db, s + "." + db.identifier(table.name), names);
            std::string hex;
            const int geom_at = table.features ? (key.empty() ? 0 : 1) : -1;
            source.each("SELECT " + select + " FROM " + sql_identifier(table.name) + " ORDER BY rowid",
                        [&](sqlite3_stmt* st) {
                            for (int i = 0; i < static_cast<int>(names.size()); ++i) {
                                const int type = sqlite3_column_type(st, i);
                                if (type == SQLITE_NULL) {
                                    copy.null();
                                } else if (i == geom_at) {
                                    const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(st, i));
                                    if (blob_to_hex_ewkb(blob, static_cast<std::size_t>(sqlite3_column_bytes(st, i)),
                                                         srid, hex))
                                        copy.field(hex);
                                    else
                                        copy.null();
                                } else {
                                    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
                                    copy.field(text, static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
                                }
                            }
                            copy.end_row();
                        });
            counts.emplace_back(table.name, copy.finish());
            if (!key.empty())  // new rows continue after the copied keys
                db.query("SELECT setval(pg_get_serial_sequence($1, $2), greatest(coalesce(max(" + db.identifier(key) +
                             "), 0), 1), max(" + db.identifier(key) + ") IS NOT NULL) FROM " + s + "." +
                             db.identifier(table.name),
                         {schema + "." + table.name, key});
            ++result.tables;
        }
        progress.update(0.9, "Indexes and access rights");
        dataset::pg_secure_dataset(db, schema);
        db.exec("ANALYZE");
        // the copy checked before it is committed: every table holds the source's rows
        result.integrity = "ok";
        for (const auto& [name, copied] : counts) {
            const long long in_source = source.scalar("SELECT count(*) FROM " + sql_identifier(name));
            const long long in_pg = db.query("SELECT count(*) FROM " + s + "." + db.identifier(name)).integer(0, 0);
            if (in_source != copied || in_pg != copied)
                result.integrity = name + ": " + std::to_string(in_source) + " rows, " + std::to_string(in_pg) + " copied";
            if (name == "villages") result.villages = in_pg;
        }
        if (result.integrity != "ok") throw OutputError(result.destination + ": the copy does not check out: " + result.integrity);
        throw_if_stop_requested();
        db.exec("COMMIT");
    } catch (...) {
        PQexec(db.handle(), "ROLLBACK");
        throw;
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress.update(1.0, "done");
    return result;
}

}  // namespace

CopyResult copy_dataset(const CopyOptions& options, Progress& progress) {
    const auto started = std::chrono::steady_clock::now();
    if (is_pg_name(options.source))
        throw UsageError("copying out of a PostgreSQL/PostGIS dataset (PG:...) is not supported yet");
    if (is_pg_name(options.destination)) return copy_to_pg(options, progress, started);
    if (lower_extension(options.destination) != ".gpkg")
        throw UsageError(options.destination + ": the copy is a GeoPackage: give a .gpkg file");

    // The source: checked as every command checks a dataset (no journal beside it, not damaged).
    progress.update(0.0, "Checking the source");
    const SqliteDb source(options.source, SqliteDb::Mode::read);
    dataset::check_readable(source);

    AtomicOutput output(options.destination, options.overwrite, {options.source});
    Destination destination;
    if (sqlite3_open_v2(output.partial().c_str(), &destination.db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        throw OutputError(options.destination + ": cannot create: " +
                          (destination.db ? sqlite3_errmsg(destination.db) : std::string("out of memory")));
    stop_statements_on_request(destination.db);

    // One step: the source is read under one read lock, so the copy is one consistent state even
    // while another command writes (in WAL mode the writer is not held up).
    progress.update(0.05, "Copying");
    sqlite3_backup* backup = sqlite3_backup_init(destination.db, "main", source.handle(), "main");
    if (!backup) throw OutputError(options.destination + ": cannot copy: " + sqlite3_errmsg(destination.db));
    const int step = sqlite3_backup_step(backup, -1);
    const int finish = sqlite3_backup_finish(backup);
    throw_if_stop_requested();
    if (step != SQLITE_DONE || finish != SQLITE_OK) {
        const int code = step != SQLITE_DONE ? step : finish;
        if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
            throw OutputError(options.source + ": another cleanheat command holds the dataset; copy again when it ends");
        throw OutputError(options.destination + ": cannot copy: " + sqlite3_errmsg(destination.db));
    }

    // The copy checked before it takes its name.
    progress.update(0.85, "Checking the copy");
    CopyResult result;
    result.source = options.source;
    result.destination = options.destination;
    sqlite3_exec(destination.db, "PRAGMA journal_mode=WAL", nullptr, nullptr, nullptr);
    {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(destination.db, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK)
            while (sqlite3_step(st) == SQLITE_ROW) {
                const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
                result.integrity += (result.integrity.empty() ? "" : "; ") + std::string(text ? text : "");
            }
        sqlite3_finalize(st);
    }
    throw_if_stop_requested();
    if (result.integrity != "ok")
        throw OutputError(options.destination + ": the copy does not check out: " + result.integrity);
    result.tables = sql_scalar(destination.db,
                               "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                               "AND name NOT LIKE 'rtree_%'");
    result.villages = sql_scalar(destination.db, "SELECT count(*) FROM villages");
    // everything in the main file: the copy travels as one file
    sqlite3_exec(destination.db, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr);
    sqlite3_close(destination.db);
    destination.db = nullptr;
    {
        std::error_code ec;
        for (const char* suffix : {"-wal", "-shm"}) fs::remove(output.partial().string() + suffix, ec);
    }
    output.commit();
    std::error_code ec;
    result.bytes = static_cast<long long>(fs::file_size(options.destination, ec));
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress.update(1.0, "done");
    return result;
}

}  // namespace cleanheat

#include "dataset/copy.hpp"

#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <set>
#include <vector>
#include <filesystem>

#include "base/text.hpp"
#include "base/error.hpp"
#include "base/notice.hpp"
#include "dataset/dataset.hpp"
#include "dataset/pg_rows.hpp"
#include "dataset/pg_store.hpp"
#include "io/pg_connection.hpp"
#include "io/atomic_output.hpp"
#include "io/gpkg_sql.hpp"
#include "io/gpkg_writer.hpp"

namespace cleanheat {
namespace fs = std::filesystem;

namespace {

std::string lower_extension(const std::string& path) { return lower_ascii(fs::path(path).extension().string()); }

// The destination, open for writing, closed on the way out.
struct Destination {
    sqlite3* db = nullptr;
    ~Destination() { sqlite3_close(db); }
};


// A GeoPackage copy that checked out, closed: one file (the WAL folded in before), renamed.
CopyResult finish_file_copy(AtomicOutput& output, CopyResult& result, std::chrono::steady_clock::time_point started,
                            const Progress& progress) {
    std::error_code ec;
    for (const char* suffix : {"-wal", "-shm"}) fs::remove(output.partial().string() + suffix, ec);
    output.commit();
    result.bytes = static_cast<long long>(fs::file_size(output.target(), ec));
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress.update(1.0, "done");
    return result;
}

// A GeoPackage dataset into a PostgreSQL schema prepared by `cleanheat db init`: every declared
// table the source holds, with its keys, columns and rows, in one transaction (COPY), then the
// indexes, row-level security and grants; the row counts compared at the end.
CopyResult copy_to_pg(const CopyOptions& options, Progress& progress, const std::chrono::steady_clock::time_point started) {
    progress.update(0.0, "Checking the source");
    const SqliteDb source(options.source, SqliteDb::Mode::read);
    dataset::check_readable(source);
    const std::string schema = options.pg_schema.empty() ? dataset::kDefaultPgSchema : options.pg_schema;
    dataset::check_schema_name(schema);
    const PgConnection db(pg_conninfo(options.destination));
    const std::string s = db.identifier(schema);
    if (!dataset::pg_initialised(db, schema))
        throw InputError(db.label() + ": schema " + schema + " is not prepared for cleanheat",
                         "run 'cleanheat db init' on it first (docs/database.md)");
    CopyResult result;
    result.source = options.source;
    result.destination = db.label() + " schema " + schema;
    db.exec("BEGIN");
    try {
        dataset::pg_lock_dataset(db, schema, result.destination);  // no run writes it meanwhile
        if (dataset::pg_has_dataset(db, schema)) {
            if (!options.overwrite)
                throw OutputError(result.destination + " holds a dataset already; add --overwrite to replace it");
            dataset::pg_drop_dataset(db, schema);
        }
        std::vector<std::pair<std::string, long long>> counts;
        const auto& all = dataset::tables();
        for (std::size_t k = 0; k < all.size(); ++k) {
            const dataset::Table& table = all[k];
            // caches (progress_latest, progress_trend) are a file's speed-up: a database computes
            // the state from the ledger, so that a unit's import never leaves a stale cache behind
            if (!source.has_table(table.name) || !table.registered) continue;
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
            std::string geometry_type = "GEOMETRY";
            if (table.features) dataset::gpkg_geometry_of(source, table.name, srid, geometry_type);
            dataset::pg_create_table(db, schema, table, columns, srid, geometry_type, true);
            std::vector<std::string> names;
            std::string select;
            if (!key.empty()) names.push_back(key);
            if (table.features) names.emplace_back("geom");
            for (const auto& c : columns) names.emplace_back(c.name);
            for (std::size_t i = 0; i < names.size() - columns.size(); ++i)  // the key, the geometry
                select += (select.empty() ? "" : ", ") + sql_identifier(names[i]);
            for (const auto& c : columns) select += (select.empty() ? "" : ", ") + dataset::sqlite_select(c);
            PgCopyIn copy(db, s + "." + db.identifier(table.name), names, true);
            const int geom_at = table.features ? (key.empty() ? 0 : 1) : -1;
            dataset::copy_sqlite_rows(source, "SELECT " + select + " FROM " + sql_identifier(table.name) + " ORDER BY rowid",
                                      copy, geom_at, srid, options.source + ": " + table.name + " " + names[0]);
            counts.emplace_back(table.name, copy.finish());
            dataset::pg_add_key(db, schema, table, columns);
            if (!key.empty()) dataset::pg_continue_keys(db, schema, table.name, key);  // new rows after the copied ones
            ++result.tables;
        }
        progress.update(0.9, "Indexes and access rights");
        dataset::pg_secure_dataset(db, schema);
        // the map styles where QGIS looks for them in a database
        std::string why;
        if (dataset::pg_publish_qgis_styles(db, schema, why) < 0) notice(why);
        for (const auto& [name, copied] : counts) db.exec("ANALYZE " + s + "." + db.identifier(name));
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
        db.rollback();
        throw;
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    progress.update(1.0, "done");
    return result;
}

}  // namespace

// Rows of one table out of the database, a batch at a time (a cursor inside the caller's
// transaction): row(result, i) for each.
template <class Row>
void stream_rows(const PgConnection& db, const std::string& select, Row row) {
    db.exec("DECLARE cleanheat_rows NO SCROLL CURSOR FOR " + select);
    for (;;) {
        const PgResult batch = db.query("FETCH 5000 FROM cleanheat_rows");
        for (int i = 0; i < batch.rows(); ++i) row(batch, i);
        throw_if_stop_requested();
        if (batch.rows() < 5000) break;
    }
    db.exec("CLOSE cleanheat_rows");
}

// A dataset out of a PostgreSQL schema into a new GeoPackage: one snapshot of the database
// (a read-only repeatable-read transaction), each layer's rows in one
// binary COPY and the other tables' through a cursor, the layers created from
// the declarations as the merge creates them, the keys kept; checked and renamed like every copy.
CopyResult copy_from_pg(const CopyOptions& options, Progress& progress, const std::chrono::steady_clock::time_point started) {
    if (lower_extension(options.destination) != ".gpkg")
        throw UsageError(options.destination + ": a copy out of the database is a GeoPackage: give a .gpkg file");
    progress.update(0.0, "Connecting");
    const std::string schema = options.pg_schema.empty() ? dataset::kDefaultPgSchema : options.pg_schema;
    dataset::check_schema_name(schema);
    const PgConnection db(pg_conninfo(options.source));
    const std::string s = db.identifier(schema);
    CopyResult result;
    result.source = db.label() + " schema " + schema;
    result.destination = options.destination;
    if (!dataset::pg_has_dataset(db, schema))
        throw InputError(result.source + ": no dataset there (no villages table)",
                         "put one there with 'cleanheat copy merged.gpkg PG:...'");
    // The snapshot is taken by the first query after the lock: a dataset being replaced
    // (copy --overwrite, merge -o PG:) is read after the replacement is committed, never as the
    // empty tables an older snapshot would see of the new ones.
    db.exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
        db.exec("LOCK TABLE " + s + ".villages IN ACCESS SHARE MODE");
    } catch (const Error&) {
        if (db.last_state() == "42P01")
            throw InputError(result.source + ": no dataset there (no villages table)");
        throw;
    }
    if (db.query("SELECT has_table_privilege(quote_ident($1) || '.villages', 'SELECT')", {schema}).text(0, 0) != "t")
        throw InputError(result.source + ": this user may not read the villages",
                         "ask the database's administrator for one of the roles in docs/database.md");
    AtomicOutput output(options.destination, options.overwrite, {});
    struct Present {
        const dataset::Table* table;
        std::vector<dataset::Column> columns;
        long long rows;
    };
    std::vector<Present> present;
    // the tables there that this user may read (a unit's login reads its own rows of a few)
    for (const auto& table : dataset::tables()) {
        const auto& only = options.only_tables;
        if (!only.empty() && std::find(only.begin(), only.end(), table.name) == only.end()) continue;
        if (db.query("SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 "
                     "AND c.relname = $2 AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND has_table_privilege(c.oid, 'SELECT')",
                     {schema, std::string(table.name)})
                .rows() == 0)
            continue;
        std::vector<dataset::Column> columns = dataset::pg_columns(db, schema, table);
        const auto& wanted = options.village_columns;
        if (std::string(table.name) == "villages" && !wanted.empty()) {  // names as SQLite matches them: any case
            std::set<std::string> kept;  // (one of two names differing only in case: SQLite takes the first)
            columns.erase(std::remove_if(columns.begin(), columns.end(),
                                         [&](const dataset::Column& c) {
                                             const std::string name = lower_ascii(c.name);
                                             return kept.count(name) > 0 ||
                                                    std::none_of(wanted.begin(), wanted.end(),
                                                                 [&](const std::string& w) { return lower_ascii(w) == name; }) ||
                                                    !kept.insert(name).second;
                                         }),
                          columns.end());
        }
        present.push_back(
            {&table, columns, db.query("SELECT count(*) FROM " + s + "." + db.identifier(table.name)).integer(0, 0)});
    }
    // the layers and tables the merge and the commands create through GDAL: fid-keyed
    {
        GpkgWriter writer(output.partial().string());
        if (options.working_copy) writer.without_spatial_indexes();
        std::vector<OGRSpatialReference> srs(present.size());
        for (std::size_t k = 0; k < present.size(); ++k) {
            const Present& p = present[k];
            if (p.table->key != dataset::Key::fid || !p.table->registered) continue;
            OGRwkbGeometryType type = wkbNone;
            if (p.table->features) {
                const int srid = static_cast<int>(
                    db.query("SELECT Find_SRID($1, $2, 'geom')", {schema, std::string(p.table->name)}).integer(0, 0));
                srs[k].SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
                if (srid > 0 && srs[k].importFromEPSG(srid) != OGRERR_NONE)
                    throw InputError(result.source + ": " + p.table->name + ": CRS EPSG:" + std::to_string(srid) +
                                     " unknown to PROJ");
                type = OGRFromOGCGeomType(dataset::pg_geometry_type(db, schema, p.table->name).c_str());
                if (type == wkbNone) type = wkbUnknown;
            }
            dataset::Table declared = *p.table;
            declared.columns = p.columns;
            writer.create_layer(p.table->name, type, p.table->features ? &srs[k] : nullptr,
                                dataset::writer_fields(declared), p.table->description, true);
        }
        writer.begin_rows();
        for (std::size_t k = 0; k < present.size(); ++k) {
            const Present& p = present[k];
            if (p.table->key != dataset::Key::fid || !p.table->registered) continue;
            progress.update(0.05 + 0.8 * static_cast<double>(k) / static_cast<double>(present.size()),
                            std::string("Copying ") + p.table->name);
            const int srs_id = p.table->features ? writer.srs_id(p.table->name) : 0;
            BulkInsert insert(writer, p.table->name);
            std::string blob;
            const int first = p.table->features ? 2 : 1;
            // one COPY in binary: the server writes while the rows go in here, geometry as WKB bytes
            std::string select = "SELECT fid::bigint";
            if (p.table->features) select += options.without_geometry ? ", NULL::bytea" : ", ST_AsBinary(geom)";
            for (const auto& c : p.columns)
                select += ", " + db.identifier(c.name) + dataset::pg_read_cast(c.type);
            PgCopyOut rows(db, select + " FROM " + s + "." + db.identifier(p.table->name) + " ORDER BY fid");
            while (rows.next()) {
                insert.fid(rows.integer(0));
                if (p.table->features && !rows.null(1)) {
                    // the database's WKB as the blob's (an empty or curved geometry through OGR)
                    const std::string wkb = rows.text(1);
                    if (!gpkg_blob_from_wkb(wkb, srs_id, blob)) {
                        OGRGeometry* geometry = nullptr;
                        if (OGRGeometryFactory::createFromWkb(wkb.data(), nullptr, &geometry, wkb.size()) != OGRERR_NONE)
                            throw InputError(result.source + ": " + p.table->name + " fid " +
                                             std::to_string(rows.integer(0)) + ": a geometry that cannot be read");
                        blob = gpkg_blob(*geometry, srs_id);
                        OGRGeometryFactory::destroyGeometry(geometry);
                    }
                    insert.geometry(std::move(blob));
                    blob.clear();
                }
                for (std::size_t c = 0; c < p.columns.size(); ++c) {
                    const int at = first + static_cast<int>(c);
                    const int field = static_cast<int>(c);
                    if (rows.null(at))
                        insert.null(field);
                    else if (dataset::textual(p.columns[c].type))
                        insert.text(field, rows.text(at));
                    else if (p.columns[c].type == dataset::ColumnType::real)
                        insert.real(field, rows.real(at));
                    else
                        insert.integer(field, rows.integer(at));
                }
                insert.insert();
            }
        }
        progress.update(0.85, "Building the spatial indexes");
        writer.finish();
    }
    // the tables keyed otherwise (the ledger's imports, the caches): created as the commands do
    {
        const SqliteDb out(output.partial(), SqliteDb::Mode::write);
        out.exec("BEGIN IMMEDIATE");
        for (const Present& p : present) {
            if (p.table->key == dataset::Key::fid && p.table->registered) continue;
            dataset::Table as_there = *p.table;  // with the columns it has there (an older cache has fewer)
            as_there.columns = p.columns;
            dataset::create_table(out, as_there);
            std::vector<std::string> names;
            if (p.table->key == dataset::Key::import_id) names.emplace_back("import_id");
            for (const auto& c : p.columns) names.emplace_back(c.name);
            SqlStatement insert(out, dataset::insert_sql(*p.table, names));
            const std::string key = p.table->key == dataset::Key::import_id ? "import_id" : db.identifier(p.columns.at(0).name);
            std::string select = "SELECT " + key;
            for (std::size_t c = p.table->key == dataset::Key::import_id ? 0 : 1; c < p.columns.size(); ++c)
                select += ", " + db.identifier(p.columns[c].name);
            select += " FROM " + s + "." + db.identifier(p.table->name) + " ORDER BY " + key;
            const std::size_t offset = p.table->key == dataset::Key::import_id ? 1 : 0;  // result column -> parameter
            stream_rows(db, select, [&](const PgResult& r, int i) {
                for (int at = 0; at < r.columns(); ++at) {
                    const int parameter = at + 1;
                    const dataset::ColumnType type =
                        at == 0 && offset == 1 ? dataset::ColumnType::integer64 : p.columns[static_cast<std::size_t>(at) - offset].type;
                    if (r.null(i, at))
                        insert.null(parameter);
                    else if (dataset::textual(type))
                        insert.text(parameter, r.text(i, at));
                    else if (type == dataset::ColumnType::real)
                        insert.real(parameter, std::stod(r.text(i, at)));
                    else
                        insert.integer(parameter, r.integer(i, at));
                }
                insert.run();
            });
        }
        out.exec("COMMIT");
        // checked like every copy: sound, and every table holds the database's rows
        result.integrity = "ok";
        if (!options.working_copy)
            out.each("PRAGMA quick_check", [&](sqlite3_stmt* st) {
                if (sql_text(st, 0) != "ok") result.integrity = sql_text(st, 0);
            });
        for (const Present& p : present) {
            const long long copied = out.scalar("SELECT count(*) FROM " + sql_identifier(p.table->name));
            if (copied != p.rows)
                result.integrity = std::string(p.table->name) + ": " + std::to_string(p.rows) + " rows, " +
                                   std::to_string(copied) + " copied";
            if (std::string(p.table->name) == "villages") result.villages = copied;
        }
        result.tables = static_cast<long long>(present.size());
        out.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    }
    db.exec("COMMIT");
    if (result.integrity != "ok")
        throw OutputError(options.destination + ": the copy does not check out: " + result.integrity);
    return finish_file_copy(output, result, started, progress);
}

CopyOptions command_reads(const std::string& command, int schema_version, std::vector<std::string> village_fields) {
    CopyOptions part;
    part.working_copy = true;
    if (command == "progress") {  // no geometry: the villages, the ledger and the files the dataset was made from
        part.without_geometry = true;
        part.only_tables = {"villages", "run_info", "inputs", "progress_imports", "progress_ledger", "progress_issues"};
        if (schema_version == dataset::kSchemaVersion) {  // of the villages, the fields it reads and writes
            part.village_columns = {"village_code", "village_name", "township_code", "township_name",
                                    "county_code",  "county_name",  "households_total"};
            for (const auto& c : dataset::village_progress_columns()) part.village_columns.emplace_back(c.name);
        }
    } else if (command == "households") {  // the villages' plan and the lists so far
        part.without_geometry = true;
        part.only_tables = {"villages", "run_info", "inputs", "household_imports", "households", "household_issues"};
    } else if (command == "subsidy") {  // the lists, and the other seasons' subsidies it keeps
        part.without_geometry = true;
        part.only_tables = {"villages", "run_info", "inputs", "household_imports", "households", "household_issues",
                            "subsidies"};
    } else if (command == "stations") {  // the villages and their geometry; its own tables are made anew
        part.only_tables = {"villages", "run_info", "inputs"};
    } else if (command == "contiguity" && schema_version == dataset::kSchemaVersion) {
        // the villages' geometry and the fields it names; its results replace what there was (a
        // dataset of an older version whole, for the upgrade)
        part.only_tables = {"villages", "run_info", "village_contiguity"};
        part.village_columns = std::move(village_fields);
    } else if (command == "annex") {  // the villages without their geometry, the plan rows, heating and issues
        part.without_geometry = true;
        part.only_tables = {"villages", "run_info", "inputs", "plan_rows", "heating", "issues"};
    }
    return part;
}

CopyResult copy_dataset(const CopyOptions& options, Progress& progress) {
    const auto started = std::chrono::steady_clock::now();
    if (is_pg_name(options.source) && is_pg_name(options.destination))
        throw UsageError("from a database to a database: use pg_dump and pg_restore (docs/database.md)");
    if (is_pg_name(options.source)) return copy_from_pg(options, progress, started);
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
    return finish_file_copy(output, result, started, progress);
}

}  // namespace cleanheat

#include "dataset/copy.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "base/error.hpp"
#include "dataset/dataset.hpp"
#include "io/atomic_output.hpp"
#include "io/gpkg_sql.hpp"

namespace cleanheat {
namespace fs = std::filesystem;

namespace {

bool is_pg(const std::string& name) { return name.rfind("PG:", 0) == 0 || name.rfind("pg:", 0) == 0; }

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

}  // namespace

CopyResult copy_dataset(const CopyOptions& options, Progress& progress) {
    const auto started = std::chrono::steady_clock::now();
    if (is_pg(options.source) || is_pg(options.destination))
        throw UsageError("PostgreSQL/PostGIS datasets (PG:...) are not supported yet: copy between GeoPackages");
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

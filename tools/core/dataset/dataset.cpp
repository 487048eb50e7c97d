#include "dataset/dataset.hpp"

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <map>

#include "base/error.hpp"
#include "base/notice.hpp"
#include "io/file_info.hpp"
#include "io/sqlite_util.hpp"

namespace cleanheat::dataset {
namespace {

// Version 1 -> 2: the later runs, logged as dotted keys in run_info (progress.command,
// progress.as_of, contiguity.command ...), move to run_log, one row per run; the merge's own
// keys stay in run_info.
void upgrade_1_to_2(const SqliteDb& db) {
    create_table(db, table("run_info"));
    create_table(db, table("run_log"));
    struct Run {
        std::string command, arguments;
        nlohmann::ordered_json details = nlohmann::ordered_json::object();
    };
    std::vector<Run> runs;
    std::map<std::string, std::size_t> last_of;  // command -> its latest run in `runs`
    db.each("SELECT key, value FROM run_info WHERE instr(key, '.') > 0 ORDER BY fid", [&](sqlite3_stmt* st) {
        const std::string key = sql_text(st, 0), value = sql_text(st, 1);
        const auto dot = key.find('.');
        const std::string command = key.substr(0, dot), name = key.substr(dot + 1);
        if (name == "command" || !last_of.count(command)) {
            last_of[command] = runs.size();
            runs.push_back({command, {}, {}});
        }
        Run& run = runs[last_of[command]];
        if (name == "command")
            run.arguments = value;
        else
            run.details[name] = value;
    });
    SqlStatement insert(db, insert_sql(table("run_log"), {"command", "arguments", "details"}));
    for (const auto& run : runs) insert.text(1, run.command).text(2, run.arguments).text(3, run.details.dump()).run();
    db.exec("DELETE FROM run_info WHERE instr(key, '.') > 0");
}

// Version 2 -> 3: the contiguity check's village fields move to village_contiguity.
void upgrade_2_to_3(const SqliteDb& db) { move_contiguity_fields(db, "villages"); }

}  // namespace

bool is_dataset(const SqliteDb& db) {
    return db.has_table("gpkg_contents") && db.has_table("villages") && db.has_column("villages", "households_total");
}

int schema_version(const SqliteDb& db) {
    long long version = 1;
    if (db.has_table("run_info"))
        db.each("SELECT value FROM run_info WHERE key = 'schema_version' ORDER BY fid DESC LIMIT 1",
                [&](sqlite3_stmt* st) { version = std::atoll(sql_text(st, 0).c_str()); });
    return static_cast<int>(version);
}

int check_readable(const SqliteDb& db) {
    if (!is_dataset(db))
        throw InputError(db.path() + ": not a dataset of cleanheat merge (no villages layer with households_total)",
                         "make one with 'cleanheat merge'");
    const int version = schema_version(db);
    if (version < 1 || version > kSchemaVersion)
        throw InputError(db.path() + ": schema version " + std::to_string(version) +
                             " is newer than this cleanheat understands (" + std::to_string(kSchemaVersion) + ")",
                         "use the cleanheat that wrote it, or a later one");
    return version;
}

int check_writable(const SqliteDb& db) {
    const int version = check_readable(db);
    if (version == kSchemaVersion) return version;
    db.exec("BEGIN IMMEDIATE");
    try {
        // read again under the write lock: another command may have upgraded it meanwhile
        const int now = schema_version(db);
        if (now < 2) upgrade_1_to_2(db);
        if (now < 3) upgrade_2_to_3(db);
        if (now < kSchemaVersion) {
            db.exec("DELETE FROM run_info WHERE key = 'schema_version'");
            SqlStatement(db, insert_sql(table("run_info"), {"key", "value"}))
                .text(1, "schema_version")
                .text(2, std::to_string(kSchemaVersion))
                .run();
        }
        db.exec("COMMIT");
        if (now < kSchemaVersion)
            notice(db.path() + ": dataset upgraded from schema version " + std::to_string(now) + " to " +
                   std::to_string(kSchemaVersion) +
                   (now < 2 ? " (the log of later runs is now the table run_log)" : "") +
                   " (the contiguity fields of the villages are now the table village_contiguity)");
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    return kSchemaVersion;
}

void log_run(const SqliteDb& db, const RunEntry& run) {
    nlohmann::ordered_json details = nlohmann::ordered_json::object();
    for (const auto& [key, value] : run.details) details[key] = value;
    SqlStatement insert(db, insert_sql(table("run_log")));
    insert.text(1, run.command).text(2, run.arguments).text(3, CLEANHEAT_VERSION).text(4, run.started_at);
    insert.text(5, now_iso()).text(6, details.dump()).run();
}

std::string last_run_detail(const SqliteDb& db, const std::string& command, const std::string& key) {
    std::string found;
    if (!db.has_table("run_log")) {  // schema version 1: run_info's dotted keys
        if (db.has_table("run_info"))
            db.each("SELECT value FROM run_info WHERE key = ?1 ORDER BY fid DESC LIMIT 1",
                    [&](sqlite3_stmt* st) { found = sql_text(st, 0); }, {command + "." + key});
        return found;
    }
    db.each(
        "SELECT json_extract(details, '$.' || json_quote(?2)) FROM run_log WHERE command = ?1 AND "
        "json_extract(details, '$.' || json_quote(?2)) IS NOT NULL ORDER BY fid DESC LIMIT 1",
        [&](sqlite3_stmt* st) { found = sql_text(st, 0); }, {command, key});
    return found;
}

}  // namespace cleanheat::dataset

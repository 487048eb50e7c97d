// Small helpers for the SQLite statements that read and write GeoPackages directly.
#pragma once
#include <sqlite3.h>

#include <string>
#include <vector>

#include "base/stop.hpp"

namespace cleanheat {

// Long statements on `db` (a big INSERT ... SELECT, an index build) end with SQLITE_INTERRUPT
// within a moment of Ctrl-C or SIGTERM; the command then rolls back and exits as interrupted.
inline void stop_statements_on_request(sqlite3* db) {
    sqlite3_progress_handler(
        db, 20000, [](void*) -> int { return stop_requested() != 0 ? 1 : 0; }, nullptr);
}

// An SQL identifier in double quotes, inner quotes doubled: my"table -> "my""table".
inline std::string sql_identifier(const std::string& identifier) {
    std::string s = "\"";
    for (char c : identifier) {
        if (c == '"') s.push_back('"');
        s.push_back(c);
    }
    return s + "\"";
}

// The first column of the first row of a query as an integer; -1 when there is none.
inline long long sql_scalar(sqlite3* db, const std::string& sql) {
    sqlite3_stmt* s = nullptr;
    long long v = -1;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW &&
        sqlite3_column_type(s, 0) != SQLITE_NULL)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

// An SQL text literal, inner quotes doubled: it's -> 'it''s'.
inline std::string sql_literal(const std::string& text) {
    std::string s = "'";
    for (char c : text) {
        if (c == '\'') s.push_back('\'');
        s.push_back(c);
    }
    return s + "'";
}

// Whether a table or view of this name exists.
inline bool sql_has_table(sqlite3* db, const std::string& name) {
    return sql_scalar(db, "SELECT count(*) FROM sqlite_master WHERE type IN ('table', 'view') AND name = " +
                              sql_literal(name)) > 0;
}

// Whether `table` has a column of this name.
inline bool sql_has_column(sqlite3* db, const std::string& table, const std::string& column) {
    return sql_scalar(db, "SELECT count(*) FROM pragma_table_info(" + sql_literal(table) +
                              ") WHERE name = " + sql_literal(column)) > 0;
}

}  // namespace cleanheat

// Small helpers for the SQLite statements that read and write GeoPackages directly.
#pragma once
#include <string>

namespace cleanheat {

// An SQL identifier in double quotes, inner quotes doubled: my"table -> "my""table".
inline std::string sql_identifier(const std::string& identifier) {
    std::string s = "\"";
    for (char c : identifier) {
        if (c == '"') s.push_back('"');
        s.push_back(c);
    }
    return s + "\"";
}

}  // namespace cleanheat

// A JSON settings file (styles/*.json) read whole; errors name the file.
#pragma once
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "base/error.hpp"

namespace cleanheat {

// Throws InputError "<file>: cannot read the <what>" or "<file>: not valid JSON: ...".
inline nlohmann::json read_json_file(const std::filesystem::path& file, const std::string& what) {
    std::ifstream in(file);
    if (!in) throw InputError(file.string() + ": cannot read the " + what);
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(file.string() + ": not valid JSON: " + e.what());
    }
}

}  // namespace cleanheat

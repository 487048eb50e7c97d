#include "usage.hpp"

#include "base/error.hpp"
#include "base/units.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>

namespace cleanheat::cli {

std::size_t edit_distance(std::string_view a, std::string_view b) {
    // optimal string alignment: rows i-2, i-1, i
    std::vector<std::size_t> two(b.size() + 1), one(b.size() + 1), row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) one[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            row[j] = std::min({one[j] + 1, row[j - 1] + 1, one[j - 1] + cost});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) row[j] = std::min(row[j], two[j - 2] + 1);
        }
        std::swap(two, one);
        std::swap(one, row);
    }
    return one[b.size()];
}

std::string nearest_name(const std::string& typed, const std::vector<std::string>& names) {
    std::string best;
    std::size_t best_distance = static_cast<std::size_t>(-1);
    for (const auto& name : names) {
        if (name.empty()) continue;
        std::size_t d = edit_distance(typed, name);
        if (typed.size() >= 3 && name.rfind(typed, 0) == 0) d = std::min<std::size_t>(d, 1);  // a start of it
        if (d < best_distance) best_distance = d, best = name;
    }
    const std::size_t allowed = std::max<std::size_t>(2, typed.size() / 3);
    return best_distance <= allowed ? best : std::string();
}

CLI::Validator output_type(std::vector<std::string> extensions, const std::string& what, bool pg) {
    std::string names;
    for (std::size_t i = 0; i < extensions.size(); ++i)
        names += (i == 0 ? "" : i + 1 == extensions.size() ? " or " : ", ") + extensions[i];
    return CLI::Validator(
        [extensions, what, names, pg](std::string& value) -> std::string {
            if (pg && value.rfind("PG:", 0) == 0) return {};
            std::string ext = std::filesystem::path(value).extension().string();
            for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            for (const auto& e : extensions)
                if (ext == e) return {};
            return value + ": " + what + ": give a name ending in " + names + (pg ? " (or a PG: connection)" : "");
        },
        std::string());  // (the help says the endings in its own words)
}

std::string find_style(const std::string& given, const std::string& option) {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (given.empty() || fs::is_regular_file(given, ec)) return given;
    const fs::path path(given);
    const std::string name = path.filename().string();
    // a bare name, or one under a folder called styles (as the examples write it), is looked up
    if (!path.has_parent_path() || path.parent_path().filename() == "styles") {
        for (const std::string& candidate : {name, name + ".json"}) {
            const fs::path found = default_style_file(candidate);
            if (!found.empty() && fs::is_regular_file(found, ec)) return found.string();
        }
    }
    std::vector<std::string> names;
    const fs::path folder = default_style_file("units.json").parent_path();
    if (!folder.empty())
        for (const auto& e : fs::directory_iterator(folder, ec))
            if (e.path().extension() == ".json") names.push_back(e.path().stem().string());
    std::sort(names.begin(), names.end());
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    std::string stem = path.stem().string();
    const std::string near = nearest_name(stem, names);
    throw InputError(option + " " + given + ": no such file" + (near.empty() ? "" : "; did you mean '" + near + "'?"),
                     folder.empty() ? "no style folder found (CLEANHEAT_STYLES names one)"
                                    : "styles in " + folder.string() + ": " + list);
}

CLI::Validator style_file(const std::string& option) {
    return CLI::Validator(
        [option](std::string& value) -> std::string {
            value = find_style(value, option);
            return {};
        },
        std::string());
}

}  // namespace cleanheat::cli

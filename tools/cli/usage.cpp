#include "usage.hpp"

#include "base/error.hpp"
#include "base/text.hpp"
#include "base/units.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
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

std::string parse_date(const std::string& text) {
    std::string s = strip_spaces(to_halfwidth(text));
    // 2022年9月20日: the characters as separators
    for (const char* mark : {"年", "月"})
        for (std::size_t p; (p = s.find(mark)) != std::string::npos;) s.replace(p, std::string(mark).size(), "-");
    const std::string day = "日";
    if (s.size() > day.size() && s.compare(s.size() - day.size(), day.size(), day) == 0) s.erase(s.size() - day.size());
    // fields of digits split by one kind of separator (- / .), or YYYYMMDD
    std::vector<std::string> parts;
    char separator = 0;
    std::string part;
    for (char c : s) {
        if (c >= '0' && c <= '9') {
            part += c;
        } else if ((c == '-' || c == '/' || c == '.') && (separator == 0 || separator == c) && !part.empty()) {
            separator = c;
            parts.push_back(part);
            part.clear();
        } else {
            return {};
        }
    }
    parts.push_back(part);
    if (parts.size() == 1 && part.size() == 8) parts = {part.substr(0, 4), part.substr(4, 2), part.substr(6, 2)};
    if (parts.size() != 3 || parts[0].size() != 4 || parts[1].empty() || parts[1].size() > 2 || parts[2].empty() ||
        parts[2].size() > 2)
        return {};
    char iso[16];
    std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", std::stoi(parts[0]), std::stoi(parts[1]), std::stoi(parts[2]));
    return is_valid_iso_date(iso) ? std::string(iso) : std::string();
}

CLI::Validator date_value(const std::string& option) {
    return CLI::Validator(
        [option](std::string& value) -> std::string {
            const std::string iso = parse_date(value);
            if (iso.empty())
                throw UsageError(option + " " + value + ": not a date; write it as 2022-09-20, 2022/9/20 or 2022年9月20日");
            value = iso;
            return {};
        },
        std::string());
}

CLI::Validator year_value(const std::string& option) {
    return CLI::Validator(
        [option](std::string& value) -> std::string {
            const std::string digits = strip_spaces(to_halfwidth(value));
            const bool number = !digits.empty() && digits.find_first_not_of("0123456789") == std::string::npos &&
                                digits.size() <= 4;
            const int year = number ? std::stoi(digits) : 0;
            if (number && digits.size() == 4 && year >= 2013 && year <= 2100) {
                value = digits;
                return {};
            }
            std::string hint;
            if (number && digits.size() == 2) hint = "; did you mean 20" + digits + "?";
            throw UsageError(option + " " + value + ": give the year in four digits, e.g. 2022" + hint);
        },
        std::string());
}

CLI::Validator share_value(const std::string& option) {
    return CLI::Validator(
        [option](std::string& value) -> std::string {
            char* end = nullptr;
            const double v = std::strtod(value.c_str(), &end);
            if (end && *end == '\0' && end != value.c_str() && v > 0 && v <= 1) return {};
            if (end && *end == '%' && end[1] == '\0' && v > 0 && v <= 100) {  // "5%"
                value = std::to_string(v / 100.0);
                return {};
            }
            std::string hint;
            if (end && *end == '\0' && v > 1 && v <= 100) {
                char text[32];
                std::snprintf(text, sizeof text, "%g", v / 100.0);
                hint = "; did you mean " + std::string(text) + " (" + value + "%)?";
            }
            throw UsageError(option + " " + value + ": a share above 0 and at most 1 (0.05 = 5%)" + hint);
        },
        std::string());
}

}  // namespace cleanheat::cli

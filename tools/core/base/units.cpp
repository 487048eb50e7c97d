#include "base/units.hpp"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "base/text.hpp"

namespace cleanheat {
namespace fs = std::filesystem;

void UnitRegistry::load(const fs::path& file) {
    std::ifstream in(file);
    if (!in) throw InputError(file.string() + ": cannot open");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in);
    } catch (const std::exception& e) {
        throw InputError(file.string() + ": not valid JSON: " + e.what());
    }
    if (!doc.contains("units") || !doc["units"].is_array())
        throw InputError(file.string() + ": key 'units' must be a list");
    int i = 0;
    for (const auto& entry : doc["units"]) {
        Unit unit;
        try {
            unit.code = entry.at("code").get<std::string>();
            unit.name = entry.at("name").get<std::string>();
            unit.kind = entry.value("kind", "county");
            if (entry.contains("aliases")) unit.aliases = entry["aliases"].get<std::vector<std::string>>();
        } catch (const std::exception& e) {
            throw InputError(file.string() + ": units[" + std::to_string(i) + "]: " + e.what());
        }
        add(unit);
        ++i;
    }
}

void UnitRegistry::add(const Unit& unit) {
    std::size_t index;
    const auto existing = by_key_.find("#" + unit.code);
    if (existing != by_key_.end()) {
        index = existing->second;
        auto& u = units_[index];
        if (u.name.empty()) u.name = unit.name;
        for (const auto& a : unit.aliases) u.aliases.push_back(a);
        if (unit.name != u.name && !unit.name.empty()) u.aliases.push_back(unit.name);
    } else {
        index = units_.size();
        units_.push_back(unit);
    }
    auto key = [&](const std::string& text) {
        const std::string k = unit_name_key(text);
        if (!k.empty()) by_key_.emplace(k, index);
        by_key_.emplace(strip_spaces(to_halfwidth(text)), index);
    };
    by_key_.emplace("#" + unit.code, index);
    key(unit.name);
    for (const auto& a : unit.aliases) key(a);
}

const Unit* UnitRegistry::find(const std::string& text) const {
    const std::string s = strip_spaces(to_halfwidth(text));
    if (s.empty()) return nullptr;
    for (const std::string& k : {"#" + s, s, unit_name_key(s)}) {
        const auto it = by_key_.find(k);
        if (it != by_key_.end()) return &units_[it->second];
    }
    return nullptr;
}

const Unit* UnitRegistry::find_in_texts(const std::vector<std::string>& texts) const {
    for (const auto& t : texts)
        if (const Unit* unit = find_in_text(t)) return unit;
    return nullptr;
}

const Unit* UnitRegistry::find_in_text(const std::string& text) const {
    const std::string s = strip_spaces(to_halfwidth(text));
    const Unit* found = nullptr;
    for (const auto& unit : units_) {
        bool hit = contains(s, unit.name) || contains(s, unit_name_key(unit.name));
        for (const auto& a : unit.aliases) hit = hit || contains(s, a);
        if (!hit) continue;
        if (found && found != &unit) return nullptr;
        found = &unit;
    }
    return found;
}

fs::path default_style_file(const std::string& name) {
    std::error_code ec;
    if (const char* dir = std::getenv("CLEANHEAT_STYLES")) {
        const fs::path p = fs::path(dir) / name;
        if (fs::exists(p, ec)) return p;
    }
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        for (const fs::path& base : {exe.parent_path().parent_path() / "styles",
                                     exe.parent_path().parent_path() / "share" / "cleanheat" / "styles"}) {
            if (fs::exists(base / name, ec)) return base / name;
        }
    }
#ifdef CLEANHEAT_SOURCE_STYLES
    const fs::path source = fs::path(CLEANHEAT_SOURCE_STYLES) / name;
    if (fs::exists(source, ec)) return source;
#endif
    return {};
}

}  // namespace cleanheat

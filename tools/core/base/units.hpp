// Reporting units: the county-level units of the villages' geodata plus the units a
// configuration file adds (development zones, aliases). Nothing is hard-coded.
#pragma once
#include <filesystem>
#include <string>
#include <unordered_map>
#include <vector>

namespace cleanheat {

struct Unit {
    std::string code;  // 6-digit county code, or the code the configuration gives
    std::string name;  // full name: 滨城区, 滨州经济技术开发区
    std::vector<std::string> aliases;
    std::string kind;  // county | zone
};

class UnitRegistry {
public:
    // Reads a units file (styles/units.json format, see docs/styles.md).
    void load(const std::filesystem::path& file);
    // Adds or completes a unit (the same code twice keeps the first name).
    void add(const Unit& unit);
    // By code, full name, short name or alias; nullptr when unknown.
    const Unit* find(const std::string& text) const;
    // A unit whose name or short name appears inside `text` (a title or file name);
    // nullptr when none or more than one do.
    const Unit* find_in_text(const std::string& text) const;
    // The first of the texts (titles, then the file name) that names a unit: find_in_text on each.
    const Unit* find_in_texts(const std::vector<std::string>& texts) const;
    const std::vector<Unit>& units() const { return units_; }

private:
    std::vector<Unit> units_;
    std::unordered_map<std::string, std::size_t> by_key_;
};

// The default units file: $CLEANHEAT_STYLES/units.json, else styles/ beside the
// executable's folder, else the source tree's styles/. Empty when none exists.
std::filesystem::path default_style_file(const std::string& name);

}  // namespace cleanheat

#include "base/routes.hpp"

#include "base/text.hpp"

namespace cleanheat {
namespace {

struct Keyword {
    std::string_view text;
    Route route;
    std::string_view detail;  // for other routes
};

// Normalised (half-width, no spaces, lower case for ASCII) keywords.
constexpr Keyword kKeywords[] = {
    {"集中供热", Route::district_heating, ""},
    {"集中供暖", Route::district_heating, ""},
    {"集中采暖", Route::district_heating, ""},
    {"热网", Route::district_heating, ""},
    {"供热管网", Route::district_heating, ""},
    {"热电联产", Route::district_heating, ""},
    {"余热", Route::district_heating, ""},
    {"district_heating", Route::district_heating, ""},
    {"煤改气", Route::gas, ""},
    {"气代煤", Route::gas, ""},
    {"燃气", Route::gas, ""},
    {"天然气", Route::gas, ""},
    {"液化气", Route::gas, ""},
    {"壁挂炉", Route::gas, ""},
    {"lng", Route::gas, ""},
    {"cng", Route::gas, ""},
    {"gas", Route::gas, ""},
    {"煤改电", Route::electric, ""},
    {"电代煤", Route::electric, ""},
    {"电能", Route::electric, ""},
    {"空气源", Route::electric, ""},
    {"空气能", Route::electric, ""},
    {"热泵", Route::electric, ""},
    {"电暖", Route::electric, ""},
    {"蓄热", Route::electric, ""},
    {"电采暖", Route::electric, ""},
    {"电锅炉", Route::electric, ""},
    {"电热", Route::electric, ""},
    {"碳晶", Route::electric, ""},
    {"石墨烯", Route::electric, ""},
    {"发热电缆", Route::electric, ""},
    {"电取暖", Route::electric, ""},
    {"electric", Route::electric, ""},
    {"生物质", Route::biomass, ""},
    {"秸秆", Route::biomass, ""},
    {"颗粒燃料", Route::biomass, ""},
    {"biomass", Route::biomass, ""},
    {"地源热泵", Route::other, "地热"},
    {"地源", Route::other, "地热"},
    {"地热", Route::other, "地热"},
    {"水源热泵", Route::other, "地热"},
    {"太阳能", Route::other, "太阳能"},
    {"光热", Route::other, "太阳能"},
    {"光伏", Route::other, "太阳能"},
    {"solar", Route::other, "太阳能"},
    {"geothermal", Route::other, "地热"},
    {"其他", Route::other, "其他"},
    {"其它", Route::other, "其他"},
    {"other", Route::other, "其他"},
};

// Coal in any form: not clean heating (DOMAIN.md), a row naming it is an error.
constexpr std::string_view kCoal[] = {"洁净型煤", "清洁型煤", "洁净煤", "清洁煤", "型煤", "兰炭", "散煤", "燃煤",
                                      "煤炭",     "无烟煤",   "蜂窝煤", "原煤",   "民用煤", "coal"};

// Short forms, understood only as a whole header under a household group.
constexpr Keyword kShort[] = {
    {"集中", Route::district_heating, ""}, {"集", Route::district_heating, ""}, {"热网", Route::district_heating, ""},
    {"热力", Route::district_heating, ""}, {"供热", Route::district_heating, ""}, {"供暖", Route::district_heating, ""},
    {"气", Route::gas, ""},                {"燃气", Route::gas, ""},             {"天然气", Route::gas, ""},
    {"电", Route::electric, ""},           {"电力", Route::electric, ""},        {"电能", Route::electric, ""},
    {"生物", Route::biomass, ""},          {"生物质", Route::biomass, ""},       {"秸秆", Route::biomass, ""},
    {"地热", Route::other, "地热"},        {"太阳能", Route::other, "太阳能"},   {"其他", Route::other, "其他"},
    {"其它", Route::other, "其他"},
};

}  // namespace

const char* route_key(Route route) {
    switch (route) {
        case Route::district_heating:
            return "district_heating";
        case Route::gas:
            return "gas";
        case Route::electric:
            return "electric";
        case Route::biomass:
            return "biomass";
        case Route::other:
            break;
    }
    return "other";
}

const char* route_name(Route route) {
    switch (route) {
        case Route::district_heating:
            return "集中供热";
        case Route::gas:
            return "煤改气";
        case Route::electric:
            return "煤改电";
        case Route::biomass:
            return "生物质";
        case Route::other:
            break;
    }
    return "其他";
}

namespace {
std::string comparable(std::string_view text) {
    std::string s = strip_spaces(to_simplified(to_halfwidth(text)));
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}
}  // namespace

bool names_route_only(std::string_view text) {
    const std::string s = comparable(text);
    for (const auto& k : kKeywords)
        if (s == k.text) return true;
    for (Route r : kRoutes)
        if (s == route_name(r) || s == route_key(r)) return true;
    return false;
}

RouteMatch classify_route(std::string_view text) {
    const std::string s = comparable(text);
    RouteMatch best;
    // keywords left to right, the longest at a place, none inside another's span
    std::size_t at = 0;
    bool first = true;
    while (at < s.size()) {
        const Keyword* found = nullptr;
        std::size_t found_pos = std::string::npos;
        for (const auto& k : kKeywords) {
            const auto pos = s.find(k.text, at);
            if (pos == std::string::npos) continue;
            if (pos < found_pos || (pos == found_pos && k.text.size() > found->text.size())) {
                found = &k;
                found_pos = pos;
            }
        }
        if (!found) break;
        if (first) {
            best.route = found->route;
            best.recognised = true;
            best.detail = std::string(found->detail);
            first = false;
        } else if (found->route != best.route && !best.ambiguous) {
            best.ambiguous = true;
            best.other_route = found->route;
        }
        at = found_pos + found->text.size();
    }
    // coal: 煤改气, 煤改电 ... name the clean route that replaces coal, they are not coal
    std::string rest = s;
    for (std::string_view clean : {"煤改气", "煤改电", "煤改生物质", "煤改清洁", "煤改"})
        for (auto pos = rest.find(clean); pos != std::string::npos; pos = rest.find(clean))
            rest.erase(pos, clean.size());
    for (auto coal : kCoal)
        if (rest.find(coal) != std::string::npos || rest == "煤") {
            best.recognised = true;
            best.not_clean = true;
            best.ambiguous = false;
            best.detail = rest == "煤" ? std::string("煤") : std::string(coal);
            return best;
        }
    if (!best.recognised) best.detail = trim(text);
    return best;
}

std::string route_core(std::string_view header) {
    std::string s = comparable(header);
    for (std::string_view prefix : {"其中:", "其中", "含:", "含", "包括", "包含"})
        if (s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0) {
            s.erase(0, prefix.size());
            break;
        }
    bool changed = true;
    while (changed) {
        changed = false;
        for (std::string_view suffix : {"(户)", "(户数)", "户数", "(户数量)", "户"})
            if (s.size() > suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0) {
                s.resize(s.size() - suffix.size());
                changed = true;
            }
    }
    return s;
}

RouteMatch classify_short_route(std::string_view text) {
    const std::string s = route_core(text);
    RouteMatch match;
    for (const auto& k : kShort)
        if (s == k.text) {
            match.route = k.route;
            match.recognised = true;
            match.detail = std::string(k.detail);
            return match;
        }
    match.detail = trim(text);
    return match;
}

}  // namespace cleanheat

#include "commands/subsidy.hpp"

#include <algorithm>
#include <cmath>
#include <deque>
#include <future>
#include <initializer_list>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>

#include "base/error.hpp"
#include "base/issue.hpp"
#include "base/json_file.hpp"
#include "base/personal.hpp"
#include "base/text.hpp"
#include "base/units.hpp"
#include "commands/households.hpp"
#include "dataset/dataset.hpp"
#include "dataset/households.hpp"
#include "dataset/schema.hpp"
#include "dataset/write_through.hpp"
#include "io/atomic_output.hpp"
#include "io/file_info.hpp"
#include "io/gpkg_sql.hpp"
#include "io/pg_connection.hpp"
#include "report/xlsx_report.hpp"

namespace fs = std::filesystem;

namespace cleanheat {
namespace {

using dataset::StoredHousehold;
using json = nlohmann::json;

const json& value_at(const json& j, const std::string& key, const std::string& file) {
    const json* at = &j;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = key.find('.', start);
        const std::string part = key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!at->is_object() || !at->contains(part)) throw InputError(file + ": no \"" + key + "\" (the policy must give it)");
        at = &(*at)[part];
        if (dot == std::string::npos) return *at;
        start = dot + 1;
    }
}

int integer_at(const json& j, const std::string& key, const std::string& file, int least) {
    const json& v = value_at(j, key, file);
    if (!v.is_number_integer() || v.get<long long>() < least || v.get<long long>() > 2100)
        throw InputError(file + ": \"" + key + "\" must be a whole number of at least " + std::to_string(least));
    return v.get<int>();
}

// The keys of an object that must be routes: no other key (a typo would pay nothing for a route).
void only_routes(const json& j, const std::string& key, const std::string& file) {
    const json& v = value_at(j, key, file);
    if (!v.is_object()) throw InputError(file + ": \"" + key + "\" must be an object by route");
    for (const auto& [name, value] : v.items()) {
        bool known = false;
        for (Route r : kRoutes) known = known || name == route_key(r);
        if (!known)
            throw InputError(file + ": \"" + key + "." + name +
                             "\": not a route (district_heating, gas, electric, biomass, other)");
    }
}

// No amount of one household's subsidy reaches ten million yuan: a larger one is a typo (or 1e308).
constexpr double kMostYuan = 1e7;

double number_at(const json& j, const std::string& key, const std::string& file) {
    const json& at = value_at(j, key, file);
    if (!at.is_number() || !std::isfinite(at.get<double>()) || at.get<double>() < 0 || at.get<double>() >= kMostYuan)
        throw InputError(file + ": \"" + key + "\" must be a number of yuan, 0 or more and under 10,000,000");
    return at.get<double>();
}

// The keys an object of the policy may hold: no other (a misspelt one would leave its amount unset
// or its rule unapplied). Comments: "comment" and keys starting with "_".
void only_keys(const json& j, const std::string& where, std::initializer_list<const char*> keys, const std::string& file) {
    const json& at = where.empty() ? j : value_at(j, where, file);
    if (!at.is_object()) throw InputError(file + ": \"" + where + "\" must be an object");
    for (const auto& [name, value] : at.items()) {
        if (name == "comment" || (!name.empty() && name[0] == '_')) continue;
        bool known = false;
        for (const char* k : keys) known = known || name == k;
        if (!known) {
            std::string list;
            for (const char* k : keys) list += (list.empty() ? "" : ", ") + std::string(k);
            throw InputError(file + ": \"" + (where.empty() ? "" : where + ".") + name + "\": not a key of the policy (" +
                             (where.empty() ? "the file" : "\"" + where + "\"") + " holds " + list + ")");
        }
    }
}

// Why a subsidy is not paid now. Permanent: never payable (declined, a repeat); pending: payable
// once cleared.
struct Reason {
    const char* code;
    const char* text;
    bool permanent;
};
const Reason kDeclined{"declined", "放弃改造，不予补贴", true};
const Reason kDeclinedBefore{"declined_before", "以前年度放弃改造，不再列入补贴范围", true};
const Reason kRepeat{"repeat", "以前年度已改造，不得重复享受补贴（按原改造年度享受）", true};
const Reason kUseTwice{"use_twice", "同一户在多个往年清单中，按最近年度的一行核算", true};
const Reason kInvalidId{"invalid_id", "身份证号码无效或未填，待更正", false};
const Reason kListError{"list_error", "清单信息有误待更正", false};
const Reason kFailed{"failed", "验收不合格，待整改复验", false};
const Reason kNotAccepted{"not_accepted", "尚未验收", false};
const Reason kNoPledge{"no_pledge", "未签订承诺书", false};
const Reason kNoUse{"no_use", "未填用量，待核定", false};
const Reason kHardshipUnknown{"hardship_unknown", "困难类别不是补贴政策所列类别，待核实更正", false};

struct Line {
    std::size_t household = 0;  // index into the rows
    SubsidyKind kind = SubsidyKind::construction;
    double due = 0;
    const Reason* reason = nullptr;  // nullptr: paid
    PooledText detail;               // the findings behind list_error
};

// A season's lines, in chunks: a province has over 4,000,000, and a vector grown to them would hold
// twice their memory at its last growth.
using Lines = std::deque<Line>;

int route_index(const std::string& key) {
    for (Route r : kRoutes)
        if (key == route_key(r)) return static_cast<int>(r);
    return -1;
}

double yuan(double v) { return std::round(v * 100.0) / 100.0; }

// A 困难类别 word as the lists write it, made comparable with the policy's: 低保户, 城乡低保 and
// 低保（A类） are 低保; 特困供养人员 is 特困.
std::string hardship_word(std::string word) {
    // a bracket of class (（A类）, （一类）) goes; any other (（已退出）, （拟纳入）) stays: no category then
    const std::size_t open = word.find('('), close = word.find(')');
    if (open != std::string::npos && close == word.size() - 1 && close > open) {
        const std::string inside = word.substr(open + 1, close - open - 1);
        if (ends_with(inside, "类") || (inside.size() == 1 && std::isalnum(static_cast<unsigned char>(inside[0]))))
            word.erase(open);
    }
    for (const char* prefix : {"城乡", "农村", "城市", "城镇"})
        if (starts_with(word, prefix) && word.size() > std::string(prefix).size()) word.erase(0, std::string(prefix).size());
    for (const char* suffix : {"供养人员", "供养对象", "供养户", "供养", "人员", "对象", "家庭", "户"})
        if (ends_with(word, suffix) && word.size() > std::string(suffix).size()) {
            word.resize(word.size() - std::string(suffix).size());
            break;
        }
    return word;
}

enum class Hardship { no, yes, unknown };

// Whether a 困难类别 cell names one of the categories: whole words, several split by 、,，/; or
// spaces; a word that is neither a category nor a "no" (否, 无, 一般户 ...) is not understood.
Hardship hardship_of(const std::string& cell, const std::vector<std::string>& categories) {
    std::string text = to_halfwidth(cell);
    for (const char* separator : {"、", "，", ",", "/", ";", "；", " "})
        for (std::size_t p; (p = text.find(separator)) != std::string::npos;) text.replace(p, std::string(separator).size(), "|");
    bool other = false;
    std::size_t start = 0;
    while (start <= text.size()) {
        const std::size_t end = std::min(text.find('|', start), text.size());
        const std::string word = trim(text.substr(start, end - start));
        start = end + 1;
        if (word.empty()) continue;
        const std::string w = hardship_word(word);
        for (const auto& c : categories)
            if (word == c || w == hardship_word(c)) return Hardship::yes;
        const bool no = w == "否" || w == "不是" || w == "-" || w == "—" || w == "——" || w == "/" || w == "×" ||
                        w == "x" || starts_with(w, "无") || starts_with(w, "非") || starts_with(w, "一般") ||
                        starts_with(w, "普通") || starts_with(w, "正常");
        if (!no) other = true;
    }
    return other ? Hardship::unknown : Hardship::no;
}

std::string status_of(const Line& l) { return !l.reason ? "拨付" : l.reason->permanent ? "不予拨付" : "暂缓"; }

// The season 2022-2023: its first year, or 0.
int season_start(const std::string& season) {
    if (season.size() != 9 || season[4] != '-') return 0;
    for (std::size_t i : {0u, 1u, 2u, 3u, 5u, 6u, 7u, 8u})
        if (season[i] < '0' || season[i] > '9') return 0;
    const int a = std::stoi(season.substr(0, 4)), b = std::stoi(season.substr(5, 4));
    return b == a + 1 && a >= 2013 && a <= 2100 ? a : 0;
}

}  // namespace

const char* subsidy_kind_key(SubsidyKind kind) {
    static const char* keys[] = {"construction", "operating", "hardship", "use"};
    return keys[static_cast<int>(kind)];
}

const char* subsidy_kind_name(SubsidyKind kind) {
    static const char* names[] = {"建设补贴", "运行补贴", "困难户补贴", "按用量运行补贴"};
    return names[static_cast<int>(kind)];
}

double SubsidyAmounts::total_due() const {
    double t = 0;
    for (double v : due) t += v;
    return t;
}
double SubsidyAmounts::total_paid() const {
    double t = 0;
    for (double v : paid) t += v;
    return t;
}
double SubsidyAmounts::total_withheld() const {
    double t = 0;
    for (std::size_t k = 0; k < kSubsidyKinds; ++k) t += pending[k] + refused[k];
    return t;
}
void SubsidyAmounts::add(const SubsidyAmounts& o) {
    for (std::size_t k = 0; k < kSubsidyKinds; ++k) {
        due[k] += o.due[k];
        paid[k] += o.paid[k];
        pending[k] += o.pending[k];
        refused[k] += o.refused[k];
    }
}

SubsidyPolicy load_subsidy_policy(const fs::path& file) {
    const json j = read_json_file(file, "subsidy policy");
    const std::string f = file.string();
    SubsidyPolicy p;
    p.file = f;
    if (!j.is_object()) throw InputError(f + ": a subsidy policy is a JSON object (styles/subsidy.json)");
    only_keys(j, "", {"name", "plan_year", "construction", "operating", "hardship", "use", "service_stations", "clawback"}, f);
    only_keys(j, "operating", {"years", "per_year"}, f);
    only_keys(j, "hardship", {"categories", "amount_per_year", "years"}, f);
    only_keys(j, "use", {"retrofit_years", "seasons", "rate_per_m3_gas", "rate_per_kwh", "rate_per_tonne_biomass", "cap"}, f);
    only_keys(j, "clawback", {"rule", "city_subsidy_per_household", "units"}, f);
    p.name = j.value("name", std::string());
    p.plan_year = integer_at(j, "plan_year", f, 2013);
    only_routes(j, "construction", f);
    only_routes(j, "operating.per_year", f);
    for (Route r : kRoutes) {
        const std::string key = route_key(r);
        p.construction[static_cast<std::size_t>(r)] = number_at(j, "construction." + key, f);
    }
    p.operating_years = integer_at(j, "operating.years", f, 0);
    auto array_at = [&](const std::string& a, const std::string& b, const std::string& c = {}) -> const json& {
        static const json none;
        const json* at = &j;
        for (const std::string* part : {&a, &b, &c}) {
            if (part->empty()) break;
            if (!at->is_object() || !at->contains(*part)) return none;
            at = &(*at)[*part];
        }
        return at->is_array() ? *at : none;
    };
    for (Route r : kRoutes) {
        const std::string key = route_key(r);
        const json& years = array_at("operating", "per_year", key);
        if (!years.is_array() || static_cast<int>(years.size()) != p.operating_years)
            throw InputError(f + ": \"operating.per_year." + key + "\" must list " + std::to_string(p.operating_years) +
                             " amounts, one per year of operation");
        for (const auto& v : years) {
            if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() >= kMostYuan)
                throw InputError(f + ": \"operating.per_year." + key + "\" must hold numbers of yuan, 0 or more and under 10,000,000");
            p.operating[static_cast<std::size_t>(r)].push_back(v.get<double>());
        }
    }
    const json& categories = array_at("hardship", "categories");
    if (!categories.is_array() || categories.empty())
        throw InputError(f + ": no \"hardship.categories\" (the hardship categories that get the subsidy)");
    for (const auto& c : categories) {
        if (!c.is_string() || trim(c.get<std::string>()).empty())
            throw InputError(f + ": \"hardship.categories\" must hold the categories' names (低保, 特困 ...), not " + c.dump());
        p.hardship_categories.push_back(trim(c.get<std::string>()));
    }
    p.hardship_per_year = number_at(j, "hardship.amount_per_year", f);
    p.hardship_years = integer_at(j, "hardship.years", f, 0);
    const json& years = array_at("use", "retrofit_years");
    const json& seasons = array_at("use", "seasons");
    if (!years.is_array() || !seasons.is_array())
        throw InputError(f + ": no \"use.retrofit_years\" and \"use.seasons\" (who gets the subsidy by use, when)");
    for (const auto& y : years) {
        if (!y.is_number_integer() || y.get<long long>() < 2013 || y.get<long long>() >= p.plan_year)
            throw InputError(f + ": \"use.retrofit_years\" must hold years of earlier lists, 2013 to " +
                             std::to_string(p.plan_year - 1) + ", not " + y.dump());
        p.use_years.push_back(y.get<int>());
    }
    for (const auto& x : seasons) {
        if (!x.is_string() || season_start(x.get<std::string>()) == 0)
            throw InputError(f + ": \"use.seasons\" must hold seasons such as \"2022-2023\"");
        p.use_seasons.push_back(x.get<std::string>());
    }
    p.rate_gas = number_at(j, "use.rate_per_m3_gas", f);
    p.rate_kwh = number_at(j, "use.rate_per_kwh", f);
    p.rate_biomass = number_at(j, "use.rate_per_tonne_biomass", f);
    p.use_cap = number_at(j, "use.cap", f);
    const bool rule = j.contains("clawback") && j["clawback"].is_object() && j["clawback"].contains("rule") &&
                      j["clawback"]["rule"] == "unfinished_share";
    if (!rule) throw InputError(f + ": \"clawback.rule\" must be \"unfinished_share\" (the rule this tool knows)");
    p.city_subsidy_per_household = number_at(j, "clawback.city_subsidy_per_household", f);
    if (j["clawback"].contains("units") && !j["clawback"]["units"].is_object())
        throw InputError(f + ": \"clawback.units\" must be an object of unit codes and yuan, e.g. {\"371602\": 5000000}");
    if (j["clawback"].contains("units"))
        for (const auto& [code, amount] : j["clawback"]["units"].items()) {
            if (!amount.is_number() || !std::isfinite(amount.get<double>()) || amount.get<double>() < 0)
                throw InputError(f + ": \"clawback.units." + code + "\" must be a number of yuan, 0 or more");
            p.city_subsidy_of_unit[code] = amount.get<double>();
        }
    return p;
}

namespace {

// Each household's lines of the season, with why a line is not paid now.
Lines subsidy_lines(const std::vector<StoredHousehold>& rows, const HouseholdState& state,
                                const std::vector<std::pair<std::size_t, Issue>>& across,
                                const std::vector<std::pair<long long, Issue>>& row_findings, const SubsidyPolicy& policy,
                                const std::string& season, int start) {
    std::unordered_map<std::size_t, std::vector<std::string>> findings;  // row -> error codes
    for (const auto& [row, issue] : across)
        if (issue.severity == Severity::error) findings[row].push_back(issue.code);
    // the errors of the rows themselves, as their imports stored them (those across the lists are
    // computed again above: a later list may have changed them)
    std::map<std::tuple<long long, std::string, std::string, int>, std::vector<std::string>> stored;
    for (const auto& [import_id, issue] : row_findings)
        if (issue.severity == Severity::error && issue.row > 0 && issue.code != "E_HOUSEHOLD_TWICE" &&
            issue.code != "E_HOUSEHOLD_REPEAT" && issue.code != "E_HOUSEHOLD_DECLINED_BEFORE" &&
            issue.code != "E_ROUTE_NOT_PLANNED")
            stored[{import_id, issue.file, issue.sheet, issue.row}].push_back(issue.code);
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto it = stored.find({rows[i].import_id, rows[i].file, rows[i].sheet, rows[i].row});
        if (it != stored.end()) findings[i].insert(findings[i].end(), it->second.begin(), it->second.end());
    }
    const bool use_season =
        std::find(policy.use_seasons.begin(), policy.use_seasons.end(), season) != policy.use_seasons.end();
    Lines lines;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!state.counts(i)) continue;
        const StoredHousehold& h = rows[i];
        const int route = route_index(h.route);
        if (route < 0) continue;
        const auto r = static_cast<std::size_t>(route);
        bool repeat = false, declined_before = false;
        std::string errors;
        static const std::vector<std::string> none;
        const auto found = findings.find(i);
        for (const std::string& code : found == findings.end() ? none : found->second) {
            if (code == "E_HOUSEHOLD_REPEAT") repeat = true;
            else if (code == "E_HOUSEHOLD_DECLINED_BEFORE") declined_before = true;
            else if (code != "E_ID_INVALID" && code != "E_ID_MISSING" && errors.find(code) == std::string::npos)
                errors += (errors.empty() ? "" : "；") + code + " " + issue_code(code).message;
        }
        const bool id_ok = h.id_status == "ok";
        auto add = [&](SubsidyKind kind, double due, bool needs_acceptance) {
            Line l{i, kind, yuan(due), nullptr, {}};
            if (h.declined) l.reason = &kDeclined;
            else if (declined_before) l.reason = &kDeclinedBefore;
            else if (repeat && kind != SubsidyKind::use) l.reason = &kRepeat;  // not a new household of the plan
            else if (!id_ok) l.reason = &kInvalidId;
            else if (!errors.empty()) l.reason = &kListError, l.detail = errors;
            else if (needs_acceptance && h.accept_result == "不合格") l.reason = &kFailed;
            else if (needs_acceptance && h.accept_result != "合格" && h.accept_result != "整改后合格") l.reason = &kNotAccepted;
            else if (needs_acceptance && !h.pledge_signed) l.reason = &kNoPledge;
            lines.push_back(std::move(l));
        };
        if (h.list_year == policy.plan_year) {
            const int year = start - h.list_year;  // 0: the season of the retrofit
            if (year == 0) add(SubsidyKind::construction, policy.construction[r], true);
            if (year >= 0 && year < policy.operating_years)
                add(SubsidyKind::operating, policy.operating[r][static_cast<std::size_t>(year)], true);
            const Hardship hardship = hardship_of(h.hardship, policy.hardship_categories);
            if (hardship != Hardship::no && year >= 0 && year < policy.hardship_years) {
                add(SubsidyKind::hardship, policy.hardship_per_year, true);
                Line& l = lines.back();
                if (hardship == Hardship::unknown && !l.reason) {  // (a reason before it stays: failed, list_error ...)
                    std::string category = h.hardship;
                    mask_personal_numbers(category);
                    l.reason = &kHardshipUnknown;
                    l.detail = "困难类别“" + category + "”";
                }
            }
        } else if (use_season &&
                   std::find(policy.use_years.begin(), policy.use_years.end(), h.list_year) != policy.use_years.end()) {
            const bool any = h.use_gas_m3 || h.use_electricity_kwh || h.use_biomass_t;
            const double by_use = h.use_gas_m3.value_or(0) * policy.rate_gas +
                                  h.use_electricity_kwh.value_or(0) * policy.rate_kwh +
                                  h.use_biomass_t.value_or(0) * policy.rate_biomass;
            add(SubsidyKind::use, std::min(by_use, policy.use_cap), false);
            if (!any && !lines.back().reason) lines.back().reason = &kNoUse;
        }
    }
    // one household, one use subsidy: an ID in several earlier years' lists is paid by the latest
    std::unordered_map<std::string, std::size_t> use_of_id;
    for (std::size_t k = 0; k < lines.size(); ++k) {
        Line& l = lines[k];
        const StoredHousehold& h = rows[l.household];
        if (l.kind != SubsidyKind::use || h.id_status != "ok") continue;
        const auto [it, added] = use_of_id.emplace(h.id_number(), k);
        if (added) continue;
        Line& other = lines[it->second];
        Line& older = rows[other.household].list_year <= h.list_year ? other : l;
        if (&older == &other) it->second = k;
        older.reason = &kUseTwice;
        older.detail = PooledText();
    }
    return lines;
}

// The table `subsidies`: this season's lines replace the season's earlier ones.
void write_lines(const SqliteDb& db, const Lines& lines, const std::vector<StoredHousehold>& rows,
                 const std::string& season) {
    dataset::create_table(db, dataset::table("subsidies"));
    SqlStatement(db, "DELETE FROM subsidies WHERE season = ?1").text(1, season).run();
    SqlStatement insert(db, dataset::insert_sql(dataset::table("subsidies")));
    for (const auto& l : lines) {
        const StoredHousehold& h = rows[l.household];
        const double withheld = l.reason ? l.due : 0.0;
        insert.text(1, season).integer(2, h.fid).text(3, h.county_code).text(4, h.county_name).text(5, h.township_name);
        insert.integer(6, h.village_fid).text(7, h.village_code).text(8, h.village_name).text(9, h.route);
        insert.text(10, subsidy_kind_key(l.kind)).real(11, l.due).real(12, l.due - withheld).real(13, withheld);
        insert.text(14, status_of(l)).text(15, l.reason ? l.reason->code : "");
        insert.text(16, l.reason ? std::string(l.reason->text) + (l.detail.empty() ? "" : "：" + l.detail) : std::string());
        insert.real(17, l.reason && !l.reason->permanent ? l.due : 0.0).run();
    }
}

struct WorkbookData {
    const std::vector<StoredHousehold>& rows;
    const Lines& lines;
    const SubsidyResult& result;
    const SubsidyPolicy& policy;
    bool unmasked;
};

// The workbook, complete, renamed onto its target by the caller once the dataset has committed.
std::unique_ptr<AtomicOutput> write_workbook(const SubsidyOptions& options, const WorkbookData& d) {
    XlsxWorkbook book(options.output, options.overwrite, {fs::path(d.policy.file)}, true);
    const std::string season_label = d.result.season + "年度";
    auto holder = [&](const StoredHousehold& h) { return d.unmasked ? std::string(h.holder_name()) : mask_name(h.holder_name()); };
    auto id = [&](const StoredHousehold& h) { return d.unmasked ? std::string(h.id_number()) : mask_id(h.id_number()); };
    auto route = [](const StoredHousehold& h) { return h.route_name; };
    // 汇总: the units and the city; due = paid + withheld
    {
        std::vector<XlsxColumn> c = {{"单位", "", XlsxKind::text}};
        c.push_back({"清单户数", "", XlsxKind::integer, XlsxTotal::sum});
        c.push_back({"已验收户数", "", XlsxKind::integer, XlsxTotal::sum});
        for (std::size_t k = 0; k < kSubsidyKinds; ++k)
            c.push_back({subsidy_kind_name(static_cast<SubsidyKind>(k)), "应发补贴（元）", XlsxKind::decimal, XlsxTotal::sum});
        c.push_back({"合计", "应发补贴（元）", XlsxKind::decimal, XlsxTotal::sum});
        c.push_back({"本次拨付", "", XlsxKind::decimal, XlsxTotal::sum});
        c.push_back({"暂缓拨付", "", XlsxKind::decimal, XlsxTotal::sum});
        c.push_back({"不予拨付", "", XlsxKind::decimal, XlsxTotal::sum});
        XlsxTable t = book.table(xlsx_table_spec("补贴汇总", "农村清洁取暖补贴核算汇总表（" + season_label + "）", "单位：户、元", c));
        for (const auto& u : d.result.units) {
            std::vector<XlsxCell> row = {u.name.empty() ? u.code : u.name, static_cast<double>(u.households),
                                         static_cast<double>(u.accepted)};
            for (std::size_t k = 0; k < kSubsidyKinds; ++k) row.push_back(u.amounts.due[k]);
            double pending = 0, refused = 0;
            for (std::size_t k = 0; k < kSubsidyKinds; ++k) pending += u.amounts.pending[k], refused += u.amounts.refused[k];
            row.insert(row.end(), {u.amounts.total_due(), u.amounts.total_paid(), pending, refused});
            t.add_row(row);
        }
        t.finish();
    }
    // 清算扣回测算
    {
        std::vector<XlsxColumn> c = {{"单位", "", XlsxKind::text},
                                     {"改造目标（户）", "", XlsxKind::integer, XlsxTotal::sum},
                                     {"已验收（户）", "", XlsxKind::integer, XlsxTotal::sum},
                                     {"未完成（户）", "", XlsxKind::integer, XlsxTotal::sum},
                                     {"未完成比例", "", XlsxKind::percent, XlsxTotal::ratio, 3, 1},
                                     {"市级补贴（元）", "", XlsxKind::decimal, XlsxTotal::sum},
                                     {"扣回测算（元）", "", XlsxKind::decimal, XlsxTotal::sum}};
        XlsxTableSpec spec = xlsx_table_spec("清算扣回测算", "未完成改造任务市级补贴扣回测算表（" + season_label + "）", "单位：户、元", c);
        spec.notes = {"注：扣回测算 = 未完成户数 ÷ 改造目标户数 × 该单位市级补贴（" + fs::path(d.policy.file).filename().string() + "）；已验收指验收合格或整改后合格。"};
        XlsxTable t = book.table(spec);
        for (const auto& u : d.result.units)
            t.add_row({u.name.empty() ? u.code : u.name, static_cast<double>(u.target), static_cast<double>(u.accepted),
                       static_cast<double>(std::max(0LL, u.target - u.accepted)), u.unfinished_share, u.city_subsidy,
                       u.clawback});
        t.finish();
    }
    // per unit: the roll (花名册) and the notice list (公示名单), village by village
    std::map<std::string, std::vector<const Line*>> by_household_unit;
    for (const auto& l : d.lines) by_household_unit[d.rows[l.household].county_code].push_back(&l);
    for (const auto& u : d.result.units) {
        auto& lines = by_household_unit[u.code];
        std::stable_sort(lines.begin(), lines.end(), [&](const Line* a, const Line* b) {
            const auto &x = d.rows[a->household], &y = d.rows[b->household];
            return std::tie(x.township_name, x.village_code, a->household) < std::tie(y.township_name, y.village_code, b->household);
        });
        const std::string unit = u.name.empty() ? u.code : u.name;
        {
            std::vector<XlsxColumn> c = {{"乡镇（街道）", "", XlsxKind::text}, {"村（居）", "", XlsxKind::text},
                                         {"户主姓名", "", XlsxKind::text},     {"身份证号码", "", XlsxKind::code},
                                         {"改造方式", "", XlsxKind::text}};
            for (std::size_t k = 0; k < kSubsidyKinds; ++k)
                c.push_back({subsidy_kind_name(static_cast<SubsidyKind>(k)), "应发补贴（元）", XlsxKind::decimal, XlsxTotal::sum});
            c.push_back({"本次拨付", "", XlsxKind::decimal, XlsxTotal::sum});
            c.push_back({"暂缓或不予拨付", "", XlsxKind::decimal, XlsxTotal::sum});
            c.push_back({"说明", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 40, true});
            XlsxTableSpec spec = xlsx_table_spec("花名册-" + unit,
                                            unit + "农村清洁取暖补贴发放花名册（" + season_label + "）" +
                                                (d.unmasked ? "（内部资料）" : ""),
                                            "单位：元", c);
            if (d.unmasked) spec.page_header = "&L内部资料 注意保密";
            else spec.notes = {"注：姓名和身份证号码已遮盖；财务发放用完整信息的花名册以 --unmasked 生成，仅限财务使用。"};
            XlsxTable t = book.table(spec);
            for (std::size_t a = 0; a < lines.size();) {
                std::size_t b = a;
                std::array<double, kSubsidyKinds> due{};
                double paid = 0, withheld = 0;
                std::string notes;
                for (; b < lines.size() && lines[b]->household == lines[a]->household; ++b) {
                    const Line& l = *lines[b];
                    due[static_cast<std::size_t>(l.kind)] += l.due;
                    (l.reason ? withheld : paid) += l.due;
                    if (l.reason) notes += (notes.empty() ? "" : "；") + std::string(subsidy_kind_name(l.kind)) + status_of(l) + "：" + l.reason->text;
                }
                const auto& h = d.rows[lines[a]->household];
                std::vector<XlsxCell> row = {h.township_name, h.village_name, holder(h), id(h), route(h)};
                for (double v : due) row.push_back(v);
                row.insert(row.end(), {paid, withheld, notes});
                t.add_row(row);
                a = b;
            }
            t.finish();
        }
        {
            std::vector<XlsxColumn> c = {{"乡镇（街道）", "", XlsxKind::text}, {"村（居）", "", XlsxKind::text},
                                         {"户主姓名", "", XlsxKind::text},     {"身份证号码", "", XlsxKind::code},
                                         {"改造方式", "", XlsxKind::text},     {"补贴金额（元）", "", XlsxKind::decimal},
                                         {"本次拨付（元）", "", XlsxKind::decimal}};
            XlsxTableSpec spec = xlsx_table_spec("公示名单-" + unit, unit + "农村清洁取暖补贴公示名单（" + season_label + "）", "单位：元", c);
            spec.total = false;
            spec.notes = {"注：按村分页，供各村公示栏张贴；姓名和身份证号码已遮盖。公示期间如有异议，请向所在乡镇（街道）反映。"};
            XlsxTable t = book.table(spec);
            std::string village;
            for (std::size_t a = 0; a < lines.size();) {
                std::size_t b = a;
                double due = 0, paid = 0;
                for (; b < lines.size() && lines[b]->household == lines[a]->household; ++b) {
                    if (lines[b]->reason && lines[b]->reason->permanent) continue;  // never paid: not published
                    due += lines[b]->due;
                    if (!lines[b]->reason) paid += lines[b]->due;
                }
                const auto& h = d.rows[lines[a]->household];
                if (due <= 0) {
                    a = b;
                    continue;
                }
                if (h.village_code != village) {
                    if (!village.empty()) t.break_page();
                    village = h.village_code;
                }
                t.add_row({h.township_name, h.village_name, mask_name(h.holder_name()), mask_id(h.id_number()), route(h), due, paid});
                a = b;
            }
            t.finish();
        }
    }
    // 暂缓/不予拨付清单
    {
        std::vector<XlsxColumn> c = {{"单位", "", XlsxKind::text},          {"乡镇（街道）", "", XlsxKind::text},
                                     {"村（居）", "", XlsxKind::text},      {"户主姓名", "", XlsxKind::text},
                                     {"身份证号码", "", XlsxKind::code},    {"补贴项目", "", XlsxKind::text},
                                     {"金额（元）", "", XlsxKind::decimal, XlsxTotal::sum},
                                     {"处理", "", XlsxKind::text},          {"原因", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 40, true},
                                     {"原因消除后可拨付（元）", "", XlsxKind::decimal, XlsxTotal::sum}};
        XlsxTable t = book.table(xlsx_table_spec("暂缓及不予拨付清单", "暂缓及不予拨付补贴清单（" + season_label + "）", "单位：元", c));
        for (const auto& l : d.lines) {
            if (!l.reason) continue;
            const auto& h = d.rows[l.household];
            t.add_row({h.county_name, h.township_name, h.village_name, mask_name(h.holder_name()), mask_id(h.id_number()),
                       subsidy_kind_name(l.kind), l.due, status_of(l),
                       std::string(l.reason->text) + (l.detail.empty() ? "" : "：" + l.detail),
                       l.reason->permanent ? 0.0 : l.due});
        }
        t.finish();
    }
    // 整改清单: failed acceptances, by township
    {
        std::vector<const StoredHousehold*> failed;
        for (const auto& l : d.lines)
            if (l.kind == SubsidyKind::operating || l.kind == SubsidyKind::construction)
                if (d.rows[l.household].accept_result == "不合格" &&
                    (failed.empty() || failed.back() != &d.rows[l.household]))
                    failed.push_back(&d.rows[l.household]);
        std::stable_sort(failed.begin(), failed.end(), [](const StoredHousehold* a, const StoredHousehold* b) {
            return std::tie(a->county_code, a->township_name, a->village_code) <
                   std::tie(b->county_code, b->township_name, b->village_code);
        });
        std::vector<XlsxColumn> c = {{"单位", "", XlsxKind::text},     {"乡镇（街道）", "", XlsxKind::text},
                                     {"村（居）", "", XlsxKind::text}, {"户主姓名", "", XlsxKind::text},
                                     {"改造方式", "", XlsxKind::text}, {"施工单位", "", XlsxKind::text},
                                     {"发现日期", "", XlsxKind::text}, {"整改情况", "", XlsxKind::text}};
        XlsxTable t = book.table(xlsx_table_spec("整改清单", "验收不合格待整改清单（" + season_label + "）", "", c));
        for (const auto* h : failed) {
            std::string contractor = h->contractor;  // (masked when read since; a dataset imported before may not be)
            mask_personal_numbers(contractor);
            t.add_row({h->county_name, h->township_name, h->village_name, mask_name(h->holder_name()), h->route_name,
                       contractor, h->accept_date, "待整改复验"});
        }
        t.finish();
    }
    return book.close_staged();
}

}  // namespace

SubsidyResult compute_subsidies(const SubsidyOptions& options, Progress& progress) {
    // what can be refused is refused before a database is locked or copied
    const int start = season_start(options.season);
    if (start == 0) throw UsageError("--season " + options.season + ": give a heating season as YYYY-YYYY, e.g. 2022-2023");
    if (options.output.empty()) throw UsageError("give the workbook: -o FILE.xlsx");
    if (lower_ascii(options.output.extension().string()) != ".xlsx")
        throw UsageError("-o " + options.output.string() + ": the workbook is written as .xlsx");
    if (fs::exists(options.output) && !options.overwrite)
        throw OutputError(options.output.string() + " exists; add --overwrite to replace it");
    if (is_pg_name(options.merged)) {  // a database: computed on a copy, the season's lines written back
        load_subsidy_policy(options.policy_file.empty() ? default_style_file("subsidy.json") : options.policy_file);
        AtomicOutput target(options.output, options.overwrite, {});  // the workbook, renamed once the database commits
        dataset::WriteThrough through(options.merged, options.pg_schema, "subsidy");
        SubsidyOptions local = options;
        local.merged = through.path();
        local.output = fs::path(through.path()).parent_path() / "subsidy.xlsx";
        local.overwrite = true;
        SubsidyResult result = compute_subsidies(local, progress);
        through.commit();
        fs::copy_file(local.output, target.partial(), fs::copy_options::overwrite_existing);
        target.commit();
        result.outputs = {options.output};
        return result;
    }
    const fs::path policy_file =
        options.policy_file.empty() ? default_style_file("subsidy.json") : options.policy_file;
    if (policy_file.empty()) throw InputError("no subsidy policy (styles/subsidy.json) found; give --policy");
    const SubsidyPolicy policy = load_subsidy_policy(policy_file);
    if (!fs::is_regular_file(options.merged)) throw InputError(options.merged + ": no such file");
    const SqliteDb db(options.merged, SqliteDb::Mode::write);
    dataset::check_writable(db);
    const std::string started_at = now_iso();
    const int plan_year = dataset_plan_year(db);
    if (policy.plan_year != plan_year)
        throw InputError(policy_file.string() + ": the policy is for " + std::to_string(policy.plan_year) +
                         ", the dataset's plan for " + std::to_string(plan_year));
    if (!dataset::has_households(db))
        throw InputError(options.merged + ": holds no household lists", "import them first: cleanheat households " +
                                                                             options.merged + " LISTS...");
    progress.update(0.0, "Reading households");
    SubsidyResult result;
    result.season = options.season;
    result.policy = policy.name;
    auto rows = dataset::read_households(db, false);
    const HouseholdRows ledger = household_rows(rows);
    const HouseholdState state = household_state(ledger);
    const VillagePlans plans = read_village_plans(db);
    const auto across = check_across_lists(ledger, 0, state, plan_year, plans);
    const Lines lines =
        subsidy_lines(rows, state, across, dataset::read_household_issues(db), policy, options.season, start);
    progress.update(0.4, "Computing subsidies");
    // per unit: the amounts, the target and what was accepted, the clawback estimate
    std::map<std::string, SubsidyUnit> units;
    for (const auto& [fid, plan] : plans) {
        if (!plan.planned || plan.county_code.empty()) continue;
        auto& u = units[plan.county_code];
        u.code = plan.county_code;
        u.name = plan.county_name;
        for (long long n : plan.households) u.target += n;
    }
    // accepted: new households of the plan (no repeat), at most the planned per village and route
    std::set<std::size_t> not_new;
    for (const auto& [row, issue] : across)
        if (issue.code == "E_HOUSEHOLD_REPEAT" || issue.code == "E_HOUSEHOLD_DECLINED_BEFORE") not_new.insert(row);
    std::map<std::pair<long long, int>, long long> accepted_of;  // (village, route) -> accepted
    for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!state.counts(i) || rows[i].list_year != plan_year) continue;
        auto& u = units[rows[i].county_code];
        u.code = rows[i].county_code;
        if (u.name.empty()) u.name = rows[i].county_name;
        ++u.households;
        if (!rows[i].declined && !not_new.count(i) &&
            (rows[i].accept_result == "合格" || rows[i].accept_result == "整改后合格"))
            ++accepted_of[{rows[i].village_fid, route_index(rows[i].route)}];
    }
    for (const auto& [key, n] : accepted_of) {
        const auto plan = plans.find(key.first);
        if (plan == plans.end() || key.second < 0) continue;
        units[plan->second.county_code].accepted += std::min(n, plan->second.households[static_cast<std::size_t>(key.second)]);
    }
    for (const auto& [code, amount] : policy.city_subsidy_of_unit)
        if (!units.count(code))
            throw InputError(policy_file.string() + ": \"clawback.units." + code + "\": no unit of that code in the dataset");
    std::vector<char> with_line(rows.size(), 0);
    for (const auto& l : lines) {
        const auto k = static_cast<std::size_t>(l.kind);
        auto& a = units[rows[l.household].county_code].amounts;
        a.due[k] += l.due;
        if (!l.reason) {
            a.paid[k] += l.due;
            ++result.paid_lines;
        } else if (l.reason->permanent) {
            a.refused[k] += l.due;
            ++result.refused_lines;
            ++result.reasons[l.reason->code];
        } else {
            a.pending[k] += l.due;
            ++result.pending_lines;
            ++result.reasons[l.reason->code];
        }
        if (!with_line[l.household]) ++result.households;
        with_line[l.household] = 1;
    }
    result.lines = static_cast<long long>(lines.size());
    for (auto& [code, u] : units) {
        for (auto* part : {&u.amounts.due, &u.amounts.paid, &u.amounts.pending, &u.amounts.refused})
            for (double& v : *part) v = yuan(v);  // sums of cents, without the float's dust
        const auto own = policy.city_subsidy_of_unit.find(code);
        u.city_subsidy = own != policy.city_subsidy_of_unit.end() ? own->second
                                                                   : policy.city_subsidy_per_household * static_cast<double>(u.target);
        u.unfinished_share = u.target > 0 ? static_cast<double>(std::max(0LL, u.target - u.accepted)) / static_cast<double>(u.target) : 0.0;
        u.clawback = yuan(u.unfinished_share * u.city_subsidy);
        result.city.add(u.amounts);
        result.clawback += u.clawback;
        result.units.push_back(u);
    }
    for (auto* part : {&result.city.due, &result.city.paid, &result.city.pending, &result.city.refused})
        for (double& v : *part) v = yuan(v);
    result.clawback = yuan(result.clawback);
    // the season's lines into the dataset, the workbook beside; one transaction
    progress.update(0.6, "Writing");
    // (the workbook, made on a second core while the lines go into the dataset; renamed only once
    // the dataset has committed)
    std::unique_ptr<AtomicOutput> workbook;
    auto book = std::async(std::launch::async, [&] {
        return write_workbook(options, {rows, lines, result, policy, options.unmasked});
    });
    db.exec("BEGIN IMMEDIATE");
    try {
        write_lines(db, lines, rows, options.season);
        dataset::RunEntry entry{"subsidy", options.command_line, started_at, {}};
        entry.details = {{"season", options.season}, {"policy", policy_file.string()}};
        dataset::log_run(db, entry);
        workbook = book.get();
        db.exec("COMMIT");
    } catch (...) {
        db.exec("ROLLBACK");
        if (book.valid()) book.wait();  // (its partial file removed with it)
        throw;
    }
    workbook->commit();
    result.outputs.push_back(options.output);
    progress.update(1.0);
    return result;
}

}  // namespace cleanheat

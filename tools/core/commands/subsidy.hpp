// cleanheat subsidy: each household's subsidies for a heating season from the household lists
// (cleanheat households) and a policy file (styles/subsidy.json: every amount), paid now or withheld
// with the reason; the unit and city summaries, the clawback estimate per unit, and the workbooks
// the office prints (花名册, 公示名单, 暂缓/不予拨付清单, 整改清单). Totals reconcile: due = paid +
// withheld, per unit and city.
#pragma once
#include <array>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "base/routes.hpp"

namespace cleanheat {

struct SubsidyPolicy {
    std::string file, name;
    int plan_year = 0;
    std::array<double, kRouteCount> construction{};
    int operating_years = 0;
    std::array<std::vector<double>, kRouteCount> operating;  // per route, per year of operation
    std::vector<std::string> hardship_categories;
    double hardship_per_year = 0;
    int hardship_years = 0;
    std::vector<int> use_years;            // retrofit years paid by the season's use
    std::vector<std::string> use_seasons;  // the seasons that use subsidy is for
    double rate_gas = 0, rate_kwh = 0, rate_biomass = 0, use_cap = 0;
    double city_subsidy_per_household = 0;
    std::map<std::string, double> city_subsidy_of_unit;  // overrides per unit code
};
// Reads a policy file; InputError naming the key that is missing or wrong (no amount is assumed).
SubsidyPolicy load_subsidy_policy(const std::filesystem::path& file);

enum class SubsidyKind { construction = 0, operating, hardship, use };
constexpr std::size_t kSubsidyKinds = 4;
const char* subsidy_kind_key(SubsidyKind kind);   // construction, operating, hardship, use
const char* subsidy_kind_name(SubsidyKind kind);  // 建设补贴, 运行补贴, 困难户补贴, 按用量运行补贴

struct SubsidyOptions {
    std::string merged;      // the dataset (.gpkg or PG:)
    std::string pg_schema;
    std::filesystem::path policy_file;  // empty: styles/subsidy.json
    std::string season;                 // 2022-2023
    std::filesystem::path output;       // the workbook
    bool unmasked = false;              // full names, ID numbers and phones in the roll (finance desk only)
    bool overwrite = false;
    std::string command_line;
};

struct SubsidyAmounts {
    std::array<double, kSubsidyKinds> due{}, paid{}, pending{}, refused{};  // withheld = pending + refused
    double total_due() const;
    double total_paid() const;
    double total_withheld() const;
    void add(const SubsidyAmounts& o);
};

struct SubsidyUnit {
    std::string code, name;
    long long households = 0, accepted = 0, target = 0;  // this year's listed, accepted; planned
    SubsidyAmounts amounts;
    double city_subsidy = 0, unfinished_share = 0, clawback = 0;
};

struct SubsidyResult {
    std::string season, policy;
    long long households = 0, lines = 0;  // households with a subsidy line; lines written
    long long paid_lines = 0, pending_lines = 0, refused_lines = 0;
    std::map<std::string, long long> reasons;  // withheld lines by reason code
    std::vector<SubsidyUnit> units;
    SubsidyAmounts city;
    double clawback = 0;
    std::vector<std::filesystem::path> outputs;
};

SubsidyResult compute_subsidies(const SubsidyOptions& options, Progress& progress);

}  // namespace cleanheat

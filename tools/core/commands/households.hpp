// cleanheat households: the household lists (到户清单) of the counties into the dataset,
// append-only, with the checks a payment needs: valid ID numbers, a household listed twice, a
// household retrofitted in an earlier year (--prior lists), households per village and route
// against the plan, acceptance before completion, refusals, routes the village was not planned for.
#pragma once
#include <array>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/issue.hpp"
#include "base/progress.hpp"
#include "base/routes.hpp"
#include "dataset/households.hpp"
#include "io/gpkg_sql.hpp"

namespace cleanheat {

struct HouseholdsOptions {
    std::string merged;                // the dataset (.gpkg or PG:)
    std::string pg_schema;             // the schema of a PG: dataset (empty: cleanheat)
    std::vector<std::string> lists;    // this year's lists (xlsx, xls, ods, csv)
    std::vector<std::string> prior;    // earlier years' lists (2017-2021)
    std::string units_file;            // empty: styles/units.json
    std::string command_line;
};

struct HouseholdImportSummary {
    dataset::HouseholdImport import;
    std::string status;       // imported | duplicate | refused
    std::string duplicate_of; // the file imported before with the same content
};

// The rows of the ledger in import and row order, wherever they are held (the rows read from the
// dataset, each new list's own).
using HouseholdRows = std::vector<dataset::StoredHousehold*>;
HouseholdRows household_rows(std::vector<dataset::StoredHousehold>& rows);

// The households that count now, computed from the lists in the dataset (a pure function of them):
// for each year and village the rows of the latest import that lists the village; within a year
// the first row of an ID number, later rows repeating it do not count.
struct HouseholdState {
    std::vector<char> current;          // per row: in the latest list of its village and year
    std::vector<long long> repeats;     // per row: the index of the earlier row it repeats, -1 if none
    bool counts(std::size_t i) const { return current[i] && repeats[i] < 0; }
};
HouseholdState household_state(const HouseholdRows& rows);

// A village's plan, by fid: planned households by route.
struct VillagePlan {
    std::array<long long, kRouteCount> households{};
    bool planned = false;
    std::string county_code, county_name;
};
using VillagePlans = std::unordered_map<long long, VillagePlan>;

// The plan year of a dataset (run_info.plan_year, else the planned villages'); 0 when none.
int dataset_plan_year(const SqliteDb& db);
// Every village's plan.
VillagePlans read_village_plans(const SqliteDb& db);

// The findings that need every list, for the rows from `first` on: E_HOUSEHOLD_TWICE,
// E_HOUSEHOLD_REPEAT, E_HOUSEHOLD_DECLINED_BEFORE, E_ROUTE_NOT_PLANNED, and for the villages those
// rows list W_VILLAGE_MORE_HOUSEHOLDS / W_VILLAGE_FEWER_HOUSEHOLDS; each with the index of its row.
std::vector<std::pair<std::size_t, Issue>> check_across_lists(const HouseholdRows& rows,
                                                              std::size_t first, const HouseholdState& state,
                                                              int plan_year, const VillagePlans& plans);

struct HouseholdUnitCounts {
    std::string code, name;
    long long listed = 0, accepted = 0, failed = 0, declined = 0, blocked = 0, prior = 0;
};

struct HouseholdsResult {
    int plan_year = 0;
    std::vector<HouseholdImportSummary> imports;  // this run's lists
    std::vector<Issue> issues;                    // this run's findings
    long long rows_read = 0, rows_loaded = 0, rows_rejected = 0;
    long long households = 0;        // this year's households that count now (all imports)
    long long prior_households = 0;  // earlier years' households that count now
    long long villages_listed = 0, villages_planned_unlisted = 0;
    std::vector<HouseholdUnitCounts> units;
    std::map<std::string, long long> findings;  // this run's, by code
    int errors = 0, warnings = 0;
};

HouseholdsResult import_households(const HouseholdsOptions& options, Progress& progress);

}  // namespace cleanheat

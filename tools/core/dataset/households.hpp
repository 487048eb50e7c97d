// The household lists in the dataset (households): the imports, the households as listed and the
// findings of each import, append-only like the progress ledger. Typed reads and writes; no other
// module spells these tables' SQL.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "base/issue.hpp"
#include "base/packed_texts.hpp"
#include "base/pooled_text.hpp"
#include "io/gpkg_sql.hpp"

namespace cleanheat::dataset {

struct HouseholdImport {
    long long import_id = 0;
    std::string file, sha256, county_code, county_name;
    int list_year = 0;
    bool prior = false;  // an earlier year's list (--prior)
    std::string sheets;
    int rows_read = 0, rows_loaded = 0, rows_rejected = 0, villages = 0;
    std::string status;   // imported, or refused (a header not understood: nothing loaded)
    std::string revises;  // the imports whose villages this one lists anew: "3,5"
    std::string imported_at;
};

// One household row. The texts that repeat across rows (units, villages, routes, dates, the list's
// file) are pooled; the household's own (name, ID number, phone, address) are packed together.
struct StoredHousehold {
    long long fid = 0, import_id = 0;
    int list_year = 0;
    PooledText county_code, county_name, township_code, township_name;
    long long village_fid = 0;
    PooledText village_code, village_name;
    PooledText id_status;
    PooledText route;  // route key: district_heating, gas ...
    PooledText route_name, device, contractor;
    PooledText start_date, complete_date, accept_date, accept_result, rectify_date;
    bool pledge_signed = false;
    PooledText pledge_date, hardship;
    int earlier_year = 0;
    bool declined = false;
    PooledText decline_reason;
    OptionalReal use_gas_m3, use_electricity_kwh, use_biomass_t;
    bool blocked = false;  // a finding of error level on its row: not payable until corrected
    PooledText file, sheet;
    int row = 0;
    PooledText remark;

    std::string_view holder_name() const { return personal_.get(0); }
    std::string_view id_number() const { return personal_.get(1); }
    std::string_view phone() const { return personal_.get(2); }
    std::string_view address() const { return personal_.get(3); }
    void set_personal(std::string_view holder_name, std::string_view id_number, std::string_view phone,
                      std::string_view address) {
        personal_.set({holder_name, id_number, phone, address});
    }

private:
    PackedTexts<4> personal_;  // the household's own: name, ID number, phone, address
};

// household_imports, households, household_issues, when missing (inside the caller's transaction).
void create_household_tables(const SqliteDb& db);
// Whether the dataset holds household lists.
bool has_households(const SqliteDb& db);

std::vector<HouseholdImport> read_household_imports(const SqliteDb& db);
// Every household row, in import and row order; without `contact`, the phone and address are left
// empty (the payments and the report do not need them).
std::vector<StoredHousehold> read_households(const SqliteDb& db, bool contact = true);
// The findings of the imports, in import order.
std::vector<std::pair<long long, Issue>> read_household_issues(const SqliteDb& db);

// Writes one import's rows inside the caller's transaction.
class HouseholdWriter {
public:
    explicit HouseholdWriter(const SqliteDb& db);
    long long add_import(const HouseholdImport& import);  // its import_id
    void finish_import(const HouseholdImport& import);    // the counts, once known
    void add(const StoredHousehold& household);
    void add_issue(long long import_id, const Issue& issue);

private:
    const SqliteDb& db_;
    SqlStatement household_, issue_;
};

}  // namespace cleanheat::dataset

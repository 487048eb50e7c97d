#include "commands/households.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <thread>
#include <filesystem>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/error.hpp"
#include "base/personal.hpp"
#include "base/text.hpp"
#include "base/units.hpp"
#include "commands/household_list.hpp"
#include "commands/village_match.hpp"
#include "dataset/dataset.hpp"
#include "dataset/schema.hpp"
#include "dataset/write_through.hpp"
#include "io/file_info.hpp"
#include "io/gdal_context.hpp"
#include "io/gpkg_sql.hpp"
#include "io/pg_connection.hpp"

namespace fs = std::filesystem;

namespace cleanheat {
namespace {

using dataset::StoredHousehold;

struct Villages {
    VillageIndex index;
    VillagePlans plan;  // fid -> plan
    UnitRegistry units;
    std::string only_county;  // the one county of the villages (a unit's own copy), else empty
};

struct YearVillageHash {
    std::size_t operator()(const std::pair<int, long long>& k) const {
        return std::hash<long long>()(k.second * 4099 + k.first);
    }
};

int route_index(const std::string& key) {
    for (Route r : kRoutes)
        if (key == route_key(r)) return static_cast<int>(r);
    return -1;
}

}  // namespace

int dataset_plan_year(const SqliteDb& db) {
    int year = 0;
    if (db.has_table("run_info"))
        db.each("SELECT value FROM run_info WHERE key = 'plan_year' ORDER BY fid DESC LIMIT 1",
                [&](sqlite3_stmt* st) { year = std::atoi(sql_text(st, 0).c_str()); });
    if (year == 0 && db.has_column("villages", "plan_year"))
        db.each("SELECT max(plan_year) FROM villages WHERE planned = 1",
                [&](sqlite3_stmt* st) { year = sqlite3_column_int(st, 0); });
    return year;
}

VillagePlans read_village_plans(const SqliteDb& db) {
    VillagePlans plans;
    db.each("SELECT fid, coalesce(planned, 0), county_code, county_name, " + dataset::route_columns() + " FROM villages",
            [&](sqlite3_stmt* st) {
                VillagePlan& plan = plans[sqlite3_column_int64(st, 0)];
                plan.planned = sqlite3_column_int(st, 1) != 0;
                plan.county_code = sql_text(st, 2);
                plan.county_name = sql_text(st, 3);
                for (std::size_t r = 0; r < kRouteCount; ++r)
                    plan.households[r] = sqlite3_column_int64(st, 4 + static_cast<int>(r));
            });
    return plans;
}

namespace {

Villages read_villages(const SqliteDb& db, const std::string& units_file) {
    Villages v;
    const fs::path file = units_file.empty() ? default_style_file("units.json") : fs::path(units_file);
    if (!file.empty()) v.units.load(file);
    std::set<std::string> counties;
    db.each("SELECT fid, village_code, village_name, township_code, township_name, county_code, county_name, "
            "coalesce(planned, 0), " +
                dataset::route_columns() + " FROM villages",
            [&](sqlite3_stmt* st) {
                Village village;
                village.fid = sqlite3_column_int64(st, 0);
                village.code = sql_text(st, 1);
                village.name = sql_text(st, 2);
                village.township_code = sql_text(st, 3);
                village.township_name = sql_text(st, 4);
                village.county_code = sql_text(st, 5);
                village.county_name = sql_text(st, 6);
                VillagePlan plan;
                plan.planned = sqlite3_column_int(st, 7) != 0;
                plan.county_code = village.county_code;
                plan.county_name = village.county_name;
                for (std::size_t r = 0; r < kRouteCount; ++r)
                    plan.households[r] = sqlite3_column_int64(st, 8 + static_cast<int>(r));
                if (counties.insert(village.county_code).second && !village.county_code.empty())
                    v.units.add({village.county_code, village.county_name, {}, "county"});
                v.plan[village.fid] = plan;
                v.only_county = counties.size() == 1 ? *counties.begin() : std::string();
                v.index.add(std::move(village));
            });
    return v;
}

// A finding as it may be stored and shown: ID and phone numbers a cell or a note held, masked.
Issue masked(Issue issue) {
    mask_personal_numbers(issue.value);
    mask_personal_numbers(issue.message);
    return issue;
}

std::string where_text(const StoredHousehold& h) {
    return fs::path(h.file.str()).filename().string() + (h.sheet.empty() ? "" : " " + h.sheet) + " 第" + std::to_string(h.row) +
           "行";
}

std::string plan_text(const VillagePlan& plan) {
    std::string out;
    for (Route r : kRoutes)
        if (plan.households[static_cast<std::size_t>(r)] > 0)
            out += (out.empty() ? "" : "、") + std::string(route_name(r)) +
                   std::to_string(plan.households[static_cast<std::size_t>(r)]) + "户";
    return out.empty() ? "无" : out;
}

// One list read and matched, before it is written.
struct ListRun {
    HouseholdImportSummary summary;
    std::vector<StoredHousehold> rows;
    std::vector<Issue> issues;  // of the file and its rows
};

// The run's lists: read, parsed and matched to villages; nothing written yet.
ListRun read_list(const std::string& path, bool prior, int plan_year, const Villages& villages) {
    ListRun run;
    auto& import = run.summary.import;
    import.file = path;
    import.prior = prior;
    import.list_year = prior ? 0 : plan_year;
    const Table table = read_table(path, true);
    HouseholdListRead read = read_household_list(table, plan_year, prior);
    import.sheets = read.sheets;
    import.rows_read = read.rows_read;
    import.rows_rejected = read.rows_rejected;
    run.issues = std::move(read.issues);
    run.summary.status = read.refused ? "refused" : "imported";
    import.status = run.summary.status;
    std::vector<std::string> texts = read.title_texts;
    texts.push_back(fs::path(path).filename().string());
    const Unit* file_unit = villages.units.find_in_texts(texts);
    if (!file_unit && !villages.only_county.empty()) file_unit = villages.units.find(villages.only_county);
    if (read.refused) {  // recorded under the unit its title or name gives
        if (file_unit) {
            import.county_code = file_unit->code;
            import.county_name = file_unit->name;
        }
        return run;
    }
    std::unordered_map<std::string, const Unit*> unit_of_text;
    run.rows.reserve(read.rows.size());
    for (auto& row : read.rows) {
        if (!row.county_text.empty()) {
            auto it = unit_of_text.find(row.county_text);
            if (it == unit_of_text.end())
                it = unit_of_text.emplace(row.county_text, villages.units.find(row.county_text)).first;
            row.unit = it->second;
            row.unit_from_row = row.unit != nullptr;
        }
        if (!row.unit) row.unit = file_unit;
        VillageMatch match = match_village(villages.index, row);
        if (match.error) {
            run.issues.push_back(*match.error);
            ++import.rows_rejected;
            continue;
        }
        for (auto& w : match.warnings) {
            // a list without codes is matched by name row by row: said once per file, not per household
            if (w.code == "W_CODE_REFORMATTED" || (w.code == "W_MATCHED_BY_NAME" && row.code_text.empty())) continue;
            run.issues.push_back(std::move(w));
        }
        for (auto& f : row.findings) run.issues.push_back(std::move(f));
        const Village& v = *match.village;
        StoredHousehold& h = run.rows.emplace_back();
        h.list_year = row.list_year;
        h.county_code = v.county_code;
        h.county_name = v.county_name;
        h.township_code = v.township_code;
        h.township_name = v.township_name;
        h.village_fid = v.fid;
        h.village_code = v.code;
        h.village_name = v.name;
        h.set_personal(row.holder, row.id_number, row.phone, row.address);
        h.id_status = row.id_status == IdStatus::ok ? "ok" : id_status_text(row.id_status);
        h.route = route_key(row.route);
        h.route_name = route_name(row.route);
        h.device = row.device.empty() ? (row.route_text != h.route_name ? row.route_text : std::string()) : row.device;
        h.contractor = std::move(row.contractor);
        h.start_date = std::move(row.start_date);
        h.complete_date = std::move(row.complete_date);
        h.accept_date = std::move(row.accept_date);
        h.accept_result = accept_result_name(row.accept_result);
        h.rectify_date = std::move(row.rectify_date);
        h.pledge_signed = row.pledge_signed;
        h.pledge_date = std::move(row.pledge_date);
        h.hardship = std::move(row.hardship);
        h.earlier_year = row.earlier_year;
        h.declined = row.declined;
        h.decline_reason = std::move(row.decline_reason);
        h.use_gas_m3 = row.use_gas;
        h.use_electricity_kwh = row.use_electricity;
        h.use_biomass_t = row.use_biomass;
        h.blocked = row.blocked;
        h.file = std::move(row.file);
        h.sheet = std::move(row.sheet);
        h.row = row.row;
        h.remark = std::move(row.remark);
    }
    // the unit of the list: the county of all its villages, when there is one
    std::set<std::string> counties;
    for (const auto& h : run.rows) counties.insert(h.county_code);
    if (counties.size() == 1) {
        import.county_code = run.rows.front().county_code;
        import.county_name = run.rows.front().county_name;
    } else if (file_unit) {
        import.county_code = file_unit->code;
        import.county_name = file_unit->name;
    }
    std::set<int> years;
    for (const auto& h : run.rows) years.insert(h.list_year);
    if (years.size() == 1) import.list_year = *years.begin();
    std::set<long long> fids;
    for (const auto& h : run.rows) fids.insert(h.village_fid);
    import.villages = static_cast<int>(fids.size());
    import.rows_loaded = static_cast<int>(run.rows.size());
    return run;
}

// Findings that need every list: a household twice in a year, retrofitted in an earlier year,
// a route its village was not planned for, households per village and route against the plan.
// For the rows from `first_new` on (this run's); each finding with the index of its row.
}  // namespace

std::vector<std::pair<std::size_t, Issue>> check_across_lists(const HouseholdRows& all,
                                                              std::size_t first_new, const HouseholdState& state,
                                                              int plan_year, const VillagePlans& plans) {
    std::vector<std::pair<std::size_t, Issue>> out;
    auto finding = [&](std::size_t i, const std::string& code, const std::string& column, const std::string& value,
                       const std::string& detail) {
        const auto& h = *all[i];
        out.emplace_back(i, make_issue(code, h.file, h.sheet, h.row, column, value, detail));
    };
    // the earlier years' households that count, by ID number (the latest year first)
    std::unordered_map<std::string_view, std::size_t> earlier;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (state.counts(i) && all[i]->list_year < plan_year && all[i]->id_status == "ok") {
            auto [it, added] = earlier.emplace(all[i]->id_number(), i);
            if (!added && all[it->second]->list_year < all[i]->list_year) it->second = i;
        }
    // this year's rows checked: this run's, and the earlier ones whose ID a new earlier-year list holds
    std::unordered_set<std::string_view> new_earlier;
    for (std::size_t i = first_new; i < all.size(); ++i)
        if (state.counts(i) && all[i]->list_year < plan_year && all[i]->id_status == "ok") new_earlier.insert(all[i]->id_number());
    for (std::size_t i = 0; i < first_new && !new_earlier.empty(); ++i) {
        const auto& h = *all[i];
        if (!state.counts(i) || h.list_year != plan_year || h.declined || !new_earlier.count(h.id_number())) continue;
        const auto& e = *all[earlier.at(h.id_number())];
        finding(i, e.declined ? "E_HOUSEHOLD_DECLINED_BEFORE" : "E_HOUSEHOLD_REPEAT", "", mask_id(h.id_number()),
                "见" + std::to_string(e.list_year) + "年清单" + where_text(e));
    }
    std::set<long long> villages_now;
    for (std::size_t i = first_new; i < all.size(); ++i) {
        const auto& h = *all[i];
        if (!state.current[i]) continue;
        if (state.repeats[i] >= 0) {
            finding(i, "E_HOUSEHOLD_TWICE", "", mask_id(h.id_number()),
                    "第一次见于" + where_text(*all[static_cast<std::size_t>(state.repeats[i])]));
            continue;
        }
        if (h.list_year != plan_year) continue;
        villages_now.insert(h.village_fid);
        if (h.declined) continue;
        const auto before = h.id_status == "ok" ? earlier.find(h.id_number()) : earlier.end();
        if (before != earlier.end()) {
            const auto& e = *all[before->second];
            finding(i, e.declined ? "E_HOUSEHOLD_DECLINED_BEFORE" : "E_HOUSEHOLD_REPEAT", "", mask_id(h.id_number()),
                    "见" + std::to_string(e.list_year) + "年清单" + where_text(e));
        } else if (h.earlier_year > 0) {
            finding(i, "E_HOUSEHOLD_REPEAT", "", std::to_string(h.earlier_year),
                    "表中填以前年度改造年份" + std::to_string(h.earlier_year));
        }
        const auto plan = plans.find(h.village_fid);
        const int r = route_index(h.route);
        if (plan != plans.end() && r >= 0 && plan->second.households[static_cast<std::size_t>(r)] == 0)
            finding(i, "E_ROUTE_NOT_PLANNED", "", h.route_name,
                    h.village_name + "计划：" + plan_text(plan->second));
    }
    // households per village and route against the plan, for the villages this run listed anew
    struct Count {
        long long listed = 0;
        long long first = -1;  // the first row of the route
    };
    std::unordered_map<long long, std::array<Count, kRouteCount>> counts;
    std::unordered_map<long long, long long> first_of_village;
    for (std::size_t i = 0; i < all.size(); ++i) {
        const auto& h = *all[i];
        if (!state.counts(i) || h.list_year != plan_year || !villages_now.count(h.village_fid)) continue;
        first_of_village.emplace(h.village_fid, static_cast<long long>(i));
        const int r = route_index(h.route);
        if (r < 0) continue;
        auto& c = counts[h.village_fid][static_cast<std::size_t>(r)];
        ++c.listed;
        if (c.first < 0) c.first = static_cast<long long>(i);
    }
    std::vector<long long> ordered(villages_now.begin(), villages_now.end());
    std::sort(ordered.begin(), ordered.end(),
              [&](long long a, long long b) { return first_of_village[a] < first_of_village[b]; });
    for (long long fid : ordered) {
        const auto plan = plans.find(fid);
        if (plan == plans.end()) continue;
        for (Route route : kRoutes) {
            const auto r = static_cast<std::size_t>(route);
            const long long planned = plan->second.households[r];
            const Count c = counts[fid][r];
            if (planned == 0 || c.listed == planned) continue;
            const std::size_t at = static_cast<std::size_t>(c.first >= 0 ? c.first : first_of_village[fid]);
            const auto& h = *all[at];
            out.emplace_back(at, make_issue(c.listed > planned ? "W_VILLAGE_MORE_HOUSEHOLDS" : "W_VILLAGE_FEWER_HOUSEHOLDS",
                                            h.file, h.sheet, h.row, "", route_name(route),
                                            h.village_code + " " + h.village_name + " " + route_name(route) + "：清单" +
                                                std::to_string(c.listed) + "户，计划" + std::to_string(planned) + "户"));
        }
    }
    return out;
}

HouseholdRows household_rows(std::vector<StoredHousehold>& rows) {
    HouseholdRows out;
    out.reserve(rows.size());
    for (auto& h : rows) out.push_back(&h);
    return out;
}

HouseholdState household_state(const HouseholdRows& rows) {
    HouseholdState state;
    state.current.assign(rows.size(), 0);
    state.repeats.assign(rows.size(), -1);
    // the latest import that lists a village in a year
    std::unordered_map<std::pair<int, long long>, long long, YearVillageHash> latest;
    for (const auto* h : rows) {
        long long& id = latest[{h->list_year, h->village_fid}];
        id = std::max(id, h->import_id);
    }
    auto before = [&](std::size_t a, std::size_t b) {
        return rows[a]->import_id != rows[b]->import_id ? rows[a]->import_id < rows[b]->import_id : rows[a]->fid < rows[b]->fid;
    };
    std::vector<std::size_t> order(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) order[i] = i;
    if (!std::is_sorted(order.begin(), order.end(), before)) std::stable_sort(order.begin(), order.end(), before);
    // the rows that count with a valid ID, by a hash of their year and ID, in import order: the first
    // of each year and ID counts, those after it repeat it (16 bytes a row, where a map of the IDs
    // took 60; a province's ledger has 2,000,000)
    struct Key {
        std::uint64_t hash;
        std::size_t at;  // the position in `order`
    };
    std::vector<Key> keys;
    keys.reserve(rows.size());
    for (std::size_t k = 0; k < order.size(); ++k) {
        const auto& h = *rows[order[k]];
        if (latest[{h.list_year, h.village_fid}] != h.import_id) continue;
        state.current[order[k]] = 1;
        if (h.id_status != "ok") continue;
        keys.push_back({std::hash<std::string_view>()(h.id_number()) * 31 + static_cast<std::uint64_t>(h.list_year), k});
    }
    std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) { return a.hash != b.hash ? a.hash < b.hash : a.at < b.at; });
    for (std::size_t a = 0; a < keys.size();) {
        std::size_t b = a + 1;
        while (b < keys.size() && keys[b].hash == keys[a].hash) ++b;
        // (the earliest row of the same year and ID is the first; a hash shared by other IDs: the
        // texts decide)
        for (std::size_t j = a + 1; j < b; ++j) {
            const auto& h = *rows[order[keys[j].at]];
            for (std::size_t e = a; e < j; ++e) {
                const auto& first = *rows[order[keys[e].at]];
                if (first.list_year == h.list_year && first.id_number() == h.id_number()) {
                    state.repeats[order[keys[j].at]] = static_cast<long long>(order[keys[e].at]);
                    break;
                }
            }
        }
        a = b;
    }
    return state;
}

HouseholdsResult import_households(const HouseholdsOptions& options, Progress& progress) {
    if (is_pg_name(options.merged)) {  // a database: the run works on a copy, its new rows written back
        dataset::WriteThrough through(options.merged, options.pg_schema, "households");
        HouseholdsOptions local = options;
        local.merged = through.path();
        HouseholdsResult result = import_households(local, progress);
        through.commit();
        return result;
    }
    ensure_gdal();
    if (options.lists.empty() && options.prior.empty()) throw UsageError("give at least one household list");
    for (const auto* group : {&options.lists, &options.prior})
        for (const auto& path : *group) {
            std::error_code ec;
            if (fs::equivalent(path, options.merged, ec)) throw UsageError(path + " is the dataset, not a household list");
            if (!fs::is_regular_file(path, ec)) throw InputError(path + ": no such file");
        }
    if (!fs::is_regular_file(options.merged)) throw InputError(options.merged + ": no such file");
    const SqliteDb db(options.merged, SqliteDb::Mode::write);
    dataset::check_writable(db);
    const std::string started_at = now_iso();
    HouseholdsResult result;
    result.plan_year = dataset_plan_year(db);
    if (result.plan_year == 0)
        throw InputError(options.merged + ": the dataset names no plan year (run_info.plan_year)",
                         "merge the plan tables again with this cleanheat");

    progress.update(0.0, "Reading villages");
    const Villages villages = read_villages(db, options.units_file);

    // The lists, read and matched before anything is written (an unreadable file stops the run);
    // a list imported before is not read again (checked again in the transaction)
    std::unordered_set<std::string> known;
    for (const auto& i : dataset::read_household_imports(db))
        if (i.status == "imported") known.insert(i.sha256);
    // (each list on its own, on every core; the runs kept in the order given, and the first
    // failure in that order is the one reported)
    const std::size_t files = options.lists.size() + options.prior.size();
    std::vector<ListRun> runs(files);
    std::vector<std::exception_ptr> failed(files);
    std::vector<std::size_t> order(files);  // the largest files first: the cores finish together
    std::vector<std::uintmax_t> sizes(files);
    for (std::size_t f = 0; f < files; ++f) {
        std::error_code ec;
        const std::uintmax_t size =
            fs::file_size(f < options.lists.size() ? options.lists[f] : options.prior[f - options.lists.size()], ec);
        sizes[f] = ec ? 0 : size;
        order[f] = f;
    }
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sizes[a] > sizes[b]; });
    std::atomic<std::size_t> next{0};
    auto work = [&](bool main_thread) {
        for (std::size_t k; (k = next.fetch_add(1)) < files;) {
            const std::size_t f = order[k];
            const bool prior = f >= options.lists.size();
            const std::string& path = prior ? options.prior[f - options.lists.size()] : options.lists[f];
            if (main_thread)
                progress.update(0.05 + 0.75 * static_cast<double>(k) / static_cast<double>(files), "Reading " + path);
            try {
                const std::string sha256 = sha256_of(path);
                if (known.count(sha256)) {
                    runs[f].summary.import.file = path;
                    runs[f].summary.import.prior = prior;
                } else {
                    runs[f] = read_list(path, prior, result.plan_year, villages);
                }
                runs[f].summary.import.sha256 = sha256;
            } catch (...) {
                failed[f] = std::current_exception();
                next = files;  // the others stop after the list they are reading
            }
        }
    };
    {
        std::vector<std::thread> helpers;
        const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
        for (std::size_t t = 1; t < std::min(cores, files); ++t) helpers.emplace_back(work, false);
        work(true);
        for (auto& h : helpers) h.join();
    }
    for (const auto& e : failed)
        if (e) std::rethrow_exception(e);
    progress.update(0.8, "Checking households");

    db.exec("BEGIN IMMEDIATE");
    try {
        dataset::create_household_tables(db);
        const auto earlier_imports = dataset::read_household_imports(db);
        std::unordered_map<std::string, std::string> imported;  // sha256 -> file
        for (const auto& i : earlier_imports)
            if (i.status == "imported") imported.emplace(i.sha256, i.file);
        // the ledger: the rows stored before, then this run's lists' own (held where they are)
        std::vector<StoredHousehold> stored = dataset::read_households(db, false);
        HouseholdRows all = household_rows(stored);
        const std::size_t first_new = all.size();
        // the latest import of each year and village so far (for revisions)
        std::map<std::pair<int, long long>, long long> latest;
        std::map<std::tuple<int, long long, long long>, long long> rows_of;  // (year, village, import) -> rows
        for (const auto& h : stored) {
            long long& id = latest[{h.list_year, h.village_fid}];
            id = std::max(id, h.import_id);
            ++rows_of[{h.list_year, h.village_fid, h.import_id}];
        }
        dataset::HouseholdWriter writer(db);
        std::vector<long long> import_of_run(runs.size(), 0);
        std::size_t new_rows = 0;
        for (const auto& run : runs) new_rows += run.rows.size();
        all.reserve(all.size() + new_rows);
        for (std::size_t k = 0; k < runs.size(); ++k) {
            auto& run = runs[k];
            auto& import = run.summary.import;
            import.imported_at = started_at;
            const auto seen = imported.find(import.sha256);
            if (seen != imported.end()) {  // the same content again: nothing changes
                run.summary.status = "duplicate";
                run.summary.duplicate_of = seen->second;
                import.rows_read = import.rows_loaded = import.rows_rejected = import.villages = 0;
                result.issues.push_back(make_issue("W_LIST_DUPLICATE", import.file, "", 0, "", "", "与" + seen->second + "相同"));
                run.rows.clear();
                run.issues.clear();
                continue;
            }
            // the villages it lists anew: a revision of the earlier lists of those villages
            std::set<long long> revised;
            struct Revision {
                std::string name;
                long long before = 0, now = 0;
            };
            std::map<std::pair<int, long long>, Revision> villages_revised;  // (year, village)
            for (const auto& h : run.rows) {
                const auto it = latest.find({h.list_year, h.village_fid});
                if (it != latest.end()) {
                    revised.insert(it->second);
                    Revision& r = villages_revised[{h.list_year, h.village_fid}];
                    if (r.name.empty()) {
                        r.name = h.village_name.str() + "（" + h.county_name.str() + "）";
                        r.before = rows_of[{h.list_year, h.village_fid, it->second}];
                    }
                    ++r.now;
                }
            }
            // which villages, and how many households each had and has (the first few)
            auto revision_text = [](const std::map<std::pair<int, long long>, Revision>& villages) {
                std::string text;
                int shown = 0;
                for (const auto& [key, r] : villages) {
                    if (++shown > 5) {
                        text += "等";
                        break;
                    }
                    text += (shown > 1 ? "，" : "") + r.name + "前次" + std::to_string(r.before) + "户、本次" +
                            std::to_string(r.now) + "户";
                }
                return text;
            };
            for (long long id : revised) import.revises += (import.revises.empty() ? "" : ",") + std::to_string(id);
            import.import_id = writer.add_import(import);
            import_of_run[k] = import.import_id;
            if (run.summary.status == "imported") imported.emplace(import.sha256, import.file);
            if (!revised.empty())
                run.issues.insert(run.issues.begin(),
                                  make_issue("W_LIST_REVISED", import.file, "", 0, "", import.revises,
                                             std::to_string(villages_revised.size()) + "个村的清单以本次为准（修订第" +
                                                 import.revises + "次导入）：" + revision_text(villages_revised)));
            for (auto& h : run.rows) {
                h.import_id = import.import_id;
                latest[{h.list_year, h.village_fid}] = import.import_id;
                ++rows_of[{h.list_year, h.village_fid, import.import_id}];
                all.push_back(&h);
            }
        }
        const HouseholdState state = household_state(all);
        auto cross = check_across_lists(all, first_new, state, result.plan_year, villages.plan);
        for (const auto& [row, issue] : cross)  // an error across lists stops the payment too
            if (issue.severity == Severity::error && row >= first_new) all[row]->blocked = true;
        for (std::size_t i = first_new; i < all.size(); ++i) writer.add(*all[i]);
        std::unordered_map<long long, std::size_t> run_of_import;
        for (std::size_t k = 0; k < runs.size(); ++k)
            if (import_of_run[k] != 0) run_of_import[import_of_run[k]] = k;
        for (auto& [row, issue] : cross) {
            const long long import_id = all[row]->import_id;
            const auto it = run_of_import.find(import_id);
            if (it != run_of_import.end()) {
                runs[it->second].issues.push_back(std::move(issue));
            } else {  // a row of an earlier import, found by this run's earlier-year lists: told to that import
                writer.add_issue(import_id, masked(issue));
                result.issues.push_back(masked(std::move(issue)));
            }
        }
        for (std::size_t k = 0; k < runs.size(); ++k) {
            auto& run = runs[k];
            if (import_of_run[k] == 0) continue;
            // in the list's order: the file's own findings first, then by sheet and row
            std::vector<std::string> sheets;
            for (const auto& issue : run.issues)
                if (std::find(sheets.begin(), sheets.end(), issue.sheet) == sheets.end()) sheets.push_back(issue.sheet);
            auto sheet_index = [&](const Issue& i) { return std::find(sheets.begin(), sheets.end(), i.sheet) - sheets.begin(); };
            std::stable_sort(run.issues.begin(), run.issues.end(), [&](const Issue& a, const Issue& b) {
                if ((a.row == 0) != (b.row == 0)) return a.row == 0;
                const auto sa = sheet_index(a), sb = sheet_index(b);
                return sa != sb ? sa < sb : a.row < b.row;
            });
            for (auto& issue : run.issues) issue = masked(issue);
            for (const auto& issue : run.issues) writer.add_issue(import_of_run[k], issue);
            writer.finish_import(run.summary.import);
            result.issues.insert(result.issues.end(), run.issues.begin(), run.issues.end());
        }
        dataset::RunEntry entry{"households", options.command_line, started_at, {}};
        entry.details = {{"plan_year", std::to_string(result.plan_year)},
                         {"lists", std::to_string(options.lists.size())},
                         {"prior", std::to_string(options.prior.size())}};
        dataset::log_run(db, entry);
        // what counts now
        std::map<std::string, HouseholdUnitCounts> units;
        std::unordered_set<long long> listed_villages;
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (!state.counts(i)) continue;
            const auto& h = *all[i];
            auto& u = units[h.county_code];
            u.code = h.county_code;
            u.name = h.county_name;
            if (h.list_year != result.plan_year) {
                ++u.prior;
                ++result.prior_households;
                continue;
            }
            ++result.households;
            ++u.listed;
            listed_villages.insert(h.village_fid);
            if (h.accept_result == "合格" || h.accept_result == "整改后合格") ++u.accepted;
            if (h.accept_result == "不合格") ++u.failed;
            if (h.declined) ++u.declined;
            if (h.blocked) ++u.blocked;
        }
        for (auto& [code, u] : units) result.units.push_back(u);
        result.villages_listed = static_cast<long long>(listed_villages.size());
        for (const auto& [fid, plan] : villages.plan)
            if (plan.planned && !listed_villages.count(fid)) ++result.villages_planned_unlisted;
        db.exec("COMMIT");
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
    for (const auto& run : runs) {
        result.imports.push_back(run.summary);
        if (run.summary.status == "duplicate") continue;
        result.rows_read += run.summary.import.rows_read;
        result.rows_loaded += run.summary.import.rows_loaded;
        result.rows_rejected += run.summary.import.rows_rejected;
    }
    for (const auto& i : result.issues) {
        ++result.findings[i.code];
        (i.severity == Severity::error ? result.errors : result.warnings) += 1;
    }
    progress.update(1.0);
    return result;
}

}  // namespace cleanheat

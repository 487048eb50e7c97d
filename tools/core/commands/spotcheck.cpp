#include "commands/spotcheck.hpp"

#include <algorithm>
#include <cstdio>
#include <tuple>
#include <cmath>
#include <map>
#include <numeric>
#include <random>

#include "base/error.hpp"
#include "base/text.hpp"
#include "dataset/dataset.hpp"
#include "dataset/write_through.hpp"
#include "io/pg_connection.hpp"
#include "io/file_info.hpp"
#include "io/gpkg_sql.hpp"
#include "commands/map.hpp"
#include "report/xlsx_report.hpp"
#include "commands/tracking.hpp"
#include "base/units.hpp"

namespace cleanheat {
namespace fs = std::filesystem;
namespace {

std::uint64_t fnv1a(const std::string& s) {
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    return h;
}

std::uint64_t splitmix64(std::uint64_t x) {
    x += 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    return x ^ (x >> 31);
}

}  // namespace

std::vector<long long> spotcheck_quotas(const std::vector<long long>& eligible, double rate, long long count,
                                        int min_per_county) {
    std::vector<long long> quota(eligible.size(), 0);
    const long long total = std::accumulate(eligible.begin(), eligible.end(), 0LL);
    if (rate > 0) {
        for (std::size_t i = 0; i < eligible.size(); ++i)
            quota[i] = static_cast<long long>(std::ceil(rate * static_cast<double>(eligible[i]) - 1e-9));
    } else if (count > 0 && total > 0) {
        std::vector<std::pair<double, std::size_t>> remainders;
        long long given = 0;
        for (std::size_t i = 0; i < eligible.size(); ++i) {
            const double exact = static_cast<double>(count) * static_cast<double>(eligible[i]) / total;
            quota[i] = static_cast<long long>(std::floor(exact));
            given += quota[i];
            remainders.push_back({exact - std::floor(exact), i});
        }
        std::stable_sort(remainders.begin(), remainders.end(),
                         [](const auto& a, const auto& b) { return a.first > b.first; });
        for (std::size_t k = 0; given < count && k < remainders.size(); ++k, ++given) ++quota[remainders[k].second];
    }
    for (std::size_t i = 0; i < eligible.size(); ++i)
        quota[i] = std::min(eligible[i], std::max<long long>(quota[i], min_per_county));
    return quota;
}

std::vector<std::size_t> draw_sample(std::size_t n, std::size_t k, std::uint64_t seed,
                                     const std::vector<double>& weights) {
    std::mt19937_64 rng(seed);
    std::vector<std::pair<double, std::size_t>> keys(n);
    for (std::size_t i = 0; i < n; ++i) {
        // a uniform number in (0, 1) from the top 53 bits, the same on every platform
        const double u = (static_cast<double>(rng() >> 11) + 0.5) * (1.0 / 9007199254740992.0);
        const double w = weights.empty() ? 1.0 : std::max(weights[i], 1e-12);
        keys[i] = {std::log(u) / w, i};  // larger is better: u^(1/w) compared in logs
    }
    k = std::min(k, n);
    std::partial_sort(
        keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(k), keys.end(),
        [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    std::vector<std::size_t> out;
    for (std::size_t i = 0; i < k; ++i) out.push_back(keys[i].second);
    std::sort(out.begin(), out.end());
    return out;
}

SpotcheckResult spotcheck(const SpotcheckOptions& options, const Progress& progress) {
    if (is_pg_name(options.merged)) {  // a database: the run works on a copy, its changes written back
        dataset::WriteThrough through(options.merged, options.pg_schema, "spotcheck");
        SpotcheckOptions local = options;
        local.merged = through.path();
        SpotcheckResult result = spotcheck(local, progress);
        dataset::commit_or_remove(through, result.outputs);
        return result;
    }
    SpotcheckResult result;
    result.seed = options.seed;
    if ((options.rate > 0) == (options.count > 0))
        throw UsageError("give either --rate (0 < rate <= 1) or --count (villages in all)");
    if (options.rate > 1) throw UsageError("--rate " + std::to_string(options.rate) + ": must be at most 1");
    if (options.min_per_county < 0) throw UsageError("--min-per-county must not be negative");
    if (options.stage != "completed" && options.stage != "accepted")
        throw UsageError("--stage " + options.stage + ": completed or accepted");
    for (const auto& out : {options.output, options.map})
        if (!out.empty() && fs::exists(out) && !options.overwrite)
            throw OutputError(out.string() + " exists; add --overwrite to replace it");
    const fs::path style = options.style.empty() ? default_style_file("spotcheck.json") : options.style;
    if (!options.map.empty() && style.empty())
        throw InputError("no map style styles/spotcheck.json found; give --style");

    progress.update(0.0, "Reading villages");
    if (!fs::is_regular_file(options.merged)) throw InputError(options.merged + ": no such file");
    const SqliteDb db(options.merged, SqliteDb::Mode::write);
    const std::string started_at = now_iso();
    dataset::check_writable(db);
    if (!db.has_column("villages", "progress_stage"))
        throw InputError(options.merged + ": no progress status yet: run cleanheat progress on it first");

    struct County {
        std::string name;
        std::vector<SampledVillage> eligible;
    };
    std::map<std::string, County> counties;
    db.each("SELECT county_code, max(county_name) FROM villages WHERE planned = 1 GROUP BY county_code",
            [&](sqlite3_stmt* st) { counties[sql_text(st, 0)].name = sql_text(st, 1); });
    const std::string stages = options.stage == "accepted" ? "('accepted')" : "('completed', 'accepted')";
    db.each(
        "SELECT fid, village_code, village_name, township_name, county_code, county_name, routes, households_total, "
        "households_completed, households_accepted, progress_stage FROM villages WHERE planned = 1 AND "
        "progress_stage IN " +
            stages + " ORDER BY county_code, village_code",
        [&](sqlite3_stmt* st) {
            SampledVillage v;
            v.fid = sqlite3_column_int64(st, 0);
            v.code = sql_text(st, 1);
            v.name = sql_text(st, 2);
            v.township_name = sql_text(st, 3);
            v.county_code = sql_text(st, 4);
            v.county_name = sql_text(st, 5);
            v.routes = sql_text(st, 6);
            v.planned = sqlite3_column_int64(st, 7);
            v.completed = sqlite3_column_int64(st, 8);
            v.accepted = sqlite3_column_int64(st, 9);
            v.stage = sql_text(st, 10);
            counties[v.county_code].eligible.push_back(std::move(v));
        });
    std::vector<long long> eligible;
    for (const auto& [code, c] : counties) eligible.push_back(static_cast<long long>(c.eligible.size()));
    const auto quotas = spotcheck_quotas(eligible, options.rate, options.count, options.min_per_county);
    std::size_t i = 0;
    for (auto& [code, c] : counties) {
        CountySample cs;
        cs.code = code;
        cs.name = c.name;
        cs.eligible = eligible[i];
        cs.quota = quotas[i];
        if (eligible[i] < options.min_per_county)
            result.issues.push_back(make_issue("W_SPOTCHECK_FEW", options.merged, "villages", 0, "county_code", code,
                                               c.name + "可抽查" + std::to_string(eligible[i]) + "个村，最低应抽" +
                                                   std::to_string(options.min_per_county) + "个"));
        std::vector<double> weights;
        if (options.weight_households)
            for (const auto& v : c.eligible) weights.push_back(static_cast<double>(v.planned));
        const auto picked = draw_sample(c.eligible.size(), static_cast<std::size_t>(quotas[i]),
                                        splitmix64(options.seed ^ fnv1a(code)), weights);
        for (std::size_t p : picked) result.sample.push_back(c.eligible[p]);
        cs.sampled = static_cast<long long>(picked.size());
        result.eligible += eligible[i];
        result.counties.push_back(cs);
        ++i;
    }
    std::stable_sort(result.sample.begin(), result.sample.end(), [](const SampledVillage& a, const SampledVillage& b) {
        return std::tie(a.county_code, a.township_name, a.code) < std::tie(b.county_code, b.township_name, b.code);
    });
    for (std::size_t k = 0; k < result.sample.size(); ++k) result.sample[k].number = static_cast<int>(k + 1);

    // The workbook first, to its .partial file: a workbook that cannot be written leaves the
    // dataset unmarked.
    std::unique_ptr<AtomicOutput> workbook;
    if (!options.output.empty()) {
        progress.update(0.3, "Writing the workbook");
        XlsxWorkbook book(options.output, options.overwrite, {options.merged});
        const std::vector<std::string> results = {"合格", "基本合格", "不合格", "未能检查"};
        {
            XlsxTableSpec spec;
            spec.sheet = "抽查名单";
            spec.title = "农村清洁取暖工程现场抽查名单";
            char rate[32];
            std::snprintf(rate, sizeof rate, "%g%%", options.rate * 100);
            const std::string how =
                options.rate > 0 ? "抽查比例" + std::string(rate) : "抽查" + std::to_string(options.count) + "个村";
            // the state drawn from is the progress run's (its as-of date), not the day the list is printed
            const std::string as_of = dataset::last_run_detail(db, "progress", "as_of");
            spec.unit = (as_of.empty() ? std::string() : "进度截至" + chinese_date(as_of) + "；") + how + "，每县不少于" + std::to_string(options.min_per_county) +
                        "个村；随机种子" + std::to_string(options.seed) +
                        (options.weight_households ? "；按户数加权" : "") + "；单位：户";
            spec.total = false;
            // one A4 landscape sheet wide at about two thirds of full size: the office's columns
            // wrap into the tall rows, the counts have short headers, the side margins are narrow,
            // and the columns written by hand in the field are wide enough for a pen (a name and a
            // mobile number, a date, a sentence)
            spec.columns = {{"县（市、区）", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 8, true},
                            {"乡镇（街道）", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 10, true},
                            {"村代码", "", XlsxKind::code},
                            {"村名", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 12, true},
                            {"技术路线", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 10, true},
                            {"计划户数", "", XlsxKind::integer},
                            {"完工户数", "", XlsxKind::integer},
                            {"验收户数", "", XlsxKind::integer},
                            {"村联系人及电话", "现场填写", XlsxKind::text, XlsxTotal::none, -1, -1, 20},
                            {"抽查户数", "现场填写", XlsxKind::integer, XlsxTotal::none, -1, -1, 10},
                            {"检查日期", "现场填写", XlsxKind::text, XlsxTotal::none, -1, -1, 14},
                            {"检查结果", "现场填写", XlsxKind::text, XlsxTotal::none, -1, -1, 10},
                            {"问题描述", "现场填写", XlsxKind::text, XlsxTotal::none, -1, -1, 30, 30, true},
                            {"检查人", "现场填写", XlsxKind::text, XlsxTotal::none, -1, -1, 10}};
            spec.side_margin_in = 0.25;
            spec.min_row_height = 36;  // two printed lines, or room for a hand
            spec.notes = {"检查结果请从下拉列表中选择：合格、基本合格、不合格、未能检查。",
                          "同一随机种子和同一进度数据抽取的名单相同，可复核。"};
            XlsxTable table = book.table(spec);
            for (const auto& v : result.sample)
                table.add_row({v.county_name, v.township_name, v.code, v.name, v.routes, double(v.planned),
                               double(v.completed), double(v.accepted), XlsxCell{}, XlsxCell{}, XlsxCell{}, XlsxCell{},
                               XlsxCell{}, XlsxCell{}});
            const std::string sheet = table.first_sheet();
            const int first = table.data_first_row();
            const int col = table.column_of(11);  // 检查结果
            table.finish();
            if (!result.sample.empty()) {
                lxw_worksheet* ws = workbook_get_worksheet_by_name(book.handle(), sheet.c_str());
                std::vector<char*> list;
                for (const auto& r : results) list.push_back(const_cast<char*>(r.c_str()));
                list.push_back(nullptr);
                lxw_data_validation validation{};
                validation.validate = LXW_VALIDATION_TYPE_LIST;
                validation.value_list = list.data();
                validation.input_title = const_cast<char*>("检查结果");
                validation.input_message = const_cast<char*>("请从列表中选择");
                validation.error_title = const_cast<char*>("检查结果");
                validation.error_message = const_cast<char*>("只能填写：合格、基本合格、不合格、未能检查");
                validation.error_type = LXW_VALIDATION_ERROR_TYPE_STOP;
                worksheet_data_validation_range(
                    ws, static_cast<lxw_row_t>(first), static_cast<lxw_col_t>(col),
                    static_cast<lxw_row_t>(first + static_cast<int>(result.sample.size()) - 1),
                    static_cast<lxw_col_t>(col), &validation);
            }
        }
        {
            XlsxTableSpec spec;
            spec.sheet = "抽样情况";
            spec.title = "农村清洁取暖工程抽查抽样情况";
            spec.unit = "可抽查村庄：" + std::string(options.stage == "accepted" ? "已验收" : "已完工或已验收") +
                        "的计划改造村庄；单位：个";
            spec.columns = {{"县代码", "", XlsxKind::code},
                            {"县（市、区）", "", XlsxKind::text},
                            {"可抽查村数", "", XlsxKind::integer, XlsxTotal::sum},
                            {"应抽村数", "", XlsxKind::integer, XlsxTotal::sum},
                            {"抽取村数", "", XlsxKind::integer, XlsxTotal::sum},
                            {"抽取比例", "", XlsxKind::percent, XlsxTotal::ratio, 4, 2}};
            XlsxTable table = book.table(spec);
            for (const auto& c : result.counties)
                table.add_row({c.code, c.name, double(c.eligible), double(c.quota), double(c.sampled),
                               c.eligible > 0 ? double(c.sampled) / double(c.eligible) : 0.0});
            table.finish();
        }
        workbook = book.close_staged();
    }

    // villages.spot_check: the sample number of the drawn villages, for the map and for GIS users
    progress.update(0.5, "Marking the sample");
    db.exec("BEGIN IMMEDIATE");
    try {
        register_gpkg_functions(db.handle());
        dataset::add_missing_columns(db, "villages", dataset::village_spot_check_columns());
        db.exec("UPDATE villages SET spot_check = NULL WHERE spot_check IS NOT NULL");
        SqlStatement mark(db, "UPDATE villages SET spot_check = ?1 WHERE fid = ?2");
        for (const auto& v : result.sample) mark.integer(1, v.number).integer(2, v.fid).run();
        dataset::log_run(db, {"spotcheck", options.command_line, started_at, {{"seed", std::to_string(options.seed)}}});
        db.exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }

    if (workbook) {
        workbook->commit();
        result.outputs.push_back(options.output);
    }
    if (!options.map.empty()) {
        progress.update(0.7, "Drawing the map");
        MapOptions map;
        map.dataset = options.merged;
        map.style = style;
        map.output = options.map;
        map.overwrite = options.overwrite;
        make_map(map, progress.slice(0.7, 1.0));
        result.outputs.push_back(options.map);
    }
    progress.update(1.0, "done");
    return result;
}

}  // namespace cleanheat

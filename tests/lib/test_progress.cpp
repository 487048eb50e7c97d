// cleanheat::track_progress() on the sample reports (data-samples/progress): the ledger
// against the reports' own figures (expected.json), the planted faults at their rows, the
// ledger append-only and idempotent, and the state as of each milestone against a model
// computed here from the reports' rows and the rules in docs/progress.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "base/error.hpp"
#include "support.hpp"
#include "commands/tracking.hpp"

namespace cleanheat {
namespace {

using json = nlohmann::json;

json expected() {
    std::ifstream in(test::samples("progress/expected.json"));
    return json::parse(in);
}

std::vector<std::string> report_files(bool all = true) {
    std::vector<std::string> files;
    for (const auto& e : test::fs::directory_iterator(test::samples("progress")))
        if (all || e.path().extension() != ".json") files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

std::string file_name(const std::string& path) {
    return test::fs::path(path).filename().string();
}

class ProgressSamples : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::fs::path(test::temp_dir());
        test::merge_samples(*dir_);
        for (const auto& v : test::read_layer(*dir_ / "merged.gpkg", "villages")) {
            const long long planned = std::stoll(v.at("households_total"));
            if (planned > 0) {
                planned_[v.at("village_code")] = planned;
                township_[v.at("village_code")] = v.at("township_code");
                county_[v.at("village_code")] = v.at("county_code");
            }
        }
    }
    // A fresh copy of the merged GeoPackage: every test starts with an empty ledger.
    static test::fs::path fresh() {
        const auto path = test::temp_dir() / "merged.gpkg";
        test::fs::copy_file(*dir_ / "merged.gpkg", path);
        return path;
    }
    static ProgressResult run(const test::fs::path& merged, const std::vector<std::string>& reports,
                              const std::string& as_of) {
        ProgressOptions o;
        o.merged = merged.string();
        o.reports = reports;
        o.as_of = as_of;
        Progress quiet;
        return track_progress(o, quiet);
    }
    static test::fs::path* dir_;
    static std::map<std::string, long long> planned_;
    static std::map<std::string, std::string> township_, county_;
};
test::fs::path* ProgressSamples::dir_ = nullptr;
std::map<std::string, long long> ProgressSamples::planned_;
std::map<std::string, std::string> ProgressSamples::township_, ProgressSamples::county_;

// The model: the reports' rows applied in date order under the documented rules.
struct Figures {
    long long started = 0, completed = 0, accepted = 0;
};
struct Model {
    // village -> date -> figures applied on that date
    std::map<std::string, std::map<std::string, Figures>> applied;
    std::set<std::pair<std::string, int>> rejected;  // (file, row)
};

Model model(const json& e, const std::map<std::string, long long>& planned) {
    Model m;
    std::vector<std::pair<std::string, std::string>> files;  // date, file
    for (const auto& [name, f] : e["files"].items()) files.push_back({f["date"], name});
    std::sort(files.begin(), files.end());
    for (const auto& [date, name] : files) {
        if (name.find("重报") != std::string::npos) continue;  // the duplicate file
        for (const auto& r : e["rows"][name]) {
            const int row = r[0];
            if (r[1].is_null()) {
                m.rejected.insert({name, row});
                continue;
            }
            const std::string code = r[1];
            const Figures f{r[3], r[4], r[5]};
            const long long plan = planned.at(code);
            bool bad = f.started > plan || f.completed > plan || f.accepted > plan || f.completed > f.started ||
                       f.accepted > f.completed;
            auto& history = m.applied[code];
            if (!bad && !history.empty()) {
                const Figures& last = history.rbegin()->second;
                bad = f.started < last.started || f.completed < last.completed || f.accepted < last.accepted;
            }
            if (bad) {
                m.rejected.insert({name, row});
                continue;
            }
            history[date] = f;
        }
    }
    return m;
}

TEST_F(ProgressSamples, LedgerHoldsEveryReportRowAndReconcilesWithTheReports) {
    const json e = expected();
    const auto merged = fresh();
    const ProgressResult r = run(merged, report_files(), "2022-10-10");
    // every report imported once; the duplicate and the non-tables skipped
    int imported = 0;
    for (const auto& i : r.imports) {
        if (i.status != "imported") continue;
        ++imported;
        const std::string name = file_name(i.file);
        const json& f = e["files"][name];
        const json& rep = e["reports"][f["date"].get<std::string>()][f["county_code"].get<std::string>()];
        EXPECT_EQ(i.report_date, f["date"]) << name;
        EXPECT_EQ(i.county_code, f["county_code"]) << name;
        EXPECT_EQ(i.rows_read, rep["data_rows"].get<int>()) << name;
        EXPECT_EQ(i.rows_read, i.rows_applied + i.rows_rejected) << name;
    }
    EXPECT_EQ(imported, 28);
    // the ledger's rows of each file sum to the report's own totals
    std::map<std::string, std::map<std::string, long long>> sums;
    std::map<std::string, int> rows;
    for (const auto& l : test::read_layer(merged, "progress_ledger")) {
        const std::string name = file_name(l.at("file"));
        ++rows[name];
        for (const char* k : {"started", "completed", "accepted"}) sums[name][k] += std::stoll(l.at(k));
        sums[name]["planned"] += l.at("planned_reported").empty() ? 0 : std::stoll(l.at("planned_reported"));
    }
    for (const auto& [name, f] : e["files"].items()) {
        if (name.find("重报") != std::string::npos) {
            EXPECT_EQ(rows.count(name), 0u) << "a duplicate file must leave no ledger rows";
            continue;
        }
        const json& rep = e["reports"][f["date"].get<std::string>()][f["county_code"].get<std::string>()];
        EXPECT_EQ(rows[name], rep["data_rows"].get<int>()) << name;
        for (const char* k : {"planned", "started", "completed", "accepted"})
            EXPECT_EQ(sums[name][k], rep["totals"][k].get<long long>()) << name << " " << k;
    }
}

TEST_F(ProgressSamples, PlantedFaultsAreReportedAtTheirRowAndNotApplied) {
    const json e = expected();
    const auto merged = fresh();
    const ProgressResult r = run(merged, report_files(), "2022-10-10");
    auto find = [&](const std::string& code, const std::string& file, int row) -> const Issue* {
        for (const auto& i : r.issues)
            if (i.code == code && file_name(i.file) == file && i.row == row) return &i;
        return nullptr;
    };
    const std::map<std::string, std::string> codes = {{"progress_backwards", "E_PROGRESS_BACKWARDS"},
                                                      {"unknown_code", "E_CODE_UNKNOWN"},
                                                      {"unknown_name", "E_VILLAGE_NOT_FOUND"},
                                                      {"completed_exceeds_planned", "E_PROGRESS_EXCEEDS_PLAN"},
                                                      {"duplicate_file", "W_REPORT_DUPLICATE"}};
    std::set<std::pair<std::string, int>> not_applied;
    for (const auto& l : test::read_layer(merged, "progress_ledger"))
        if (l.at("applied") == "0") not_applied.insert({file_name(l.at("file")), std::stoi(l.at("row"))});
    for (const auto& f : e["faults"]) {
        const std::string kind = f["kind"];
        const std::string file = f["file"];
        const int row = f["row"].is_null() ? 0 : f["row"].get<int>();
        const Issue* issue = find(codes.at(kind), file, row);
        ASSERT_NE(issue, nullptr) << kind << " " << file << " row " << row;
        if (f.contains("column") && !f["column"].is_null()) {
            EXPECT_EQ(issue->column, f["column"]) << kind;
        }
        EXPECT_FALSE(issue->message.empty());
        if (row > 0) {
            EXPECT_TRUE(not_applied.count({file, row})) << kind << ": the ledger keeps it as not applied";
        }
    }
    // the backwards row names the earlier report and figure
    const Issue* back = find("E_PROGRESS_BACKWARDS", "博兴县_20220920.xls", 112);
    ASSERT_NE(back, nullptr);
    EXPECT_NE(back->message.find("75"), std::string::npos) << back->message;
    EXPECT_NE(back->message.find("2022-07-31"), std::string::npos) << back->message;
}

TEST_F(ProgressSamples, ImportingTheSameReportsAgainChangesNothing) {
    const auto merged = fresh();
    const auto files = report_files();
    const ProgressResult first = run(merged, files, "2022-10-10");
    const auto ledger = test::read_layer(merged, "progress_ledger");
    const auto villages = test::read_layer(merged, "villages");
    const ProgressResult again = run(merged, files, "2022-10-10");
    for (const auto& i : again.imports) EXPECT_TRUE(i.status == "duplicate" || i.status == "not_a_table") << i.file;
    EXPECT_EQ(again.ledger_rows, first.ledger_rows);
    EXPECT_EQ(again.ledger_imports, first.ledger_imports);
    EXPECT_EQ(test::read_layer(merged, "progress_ledger"), ledger);
    const auto after = test::read_layer(merged, "villages");
    ASSERT_EQ(after.size(), villages.size());
    for (std::size_t k = 0; k < after.size(); ++k)
        for (const char* f : {"status", "households_started", "households_completed", "households_accepted"})
            EXPECT_EQ(after[k].at(f), villages[k].at(f)) << villages[k].at("village_code") << " " << f;
    int duplicates = 0;
    for (const auto& i : again.issues) duplicates += i.code == "W_REPORT_DUPLICATE";
    EXPECT_EQ(duplicates, 29);
    // a retry tells the truth: every finding of the first imports again, errors and all
    EXPECT_GT(first.errors, 0);
    EXPECT_EQ(again.errors, first.errors);
    std::multiset<std::tuple<std::string, int, std::string>> before, after_again;
    for (const auto& i : first.issues)
        if (i.code != "W_REPORT_DUPLICATE") before.insert({file_name(i.file), i.row, i.code});
    for (const auto& i : again.issues)
        if (i.code != "W_REPORT_DUPLICATE") after_again.insert({file_name(i.file), i.row, i.code});
    EXPECT_EQ(after_again, before);
}

TEST_F(ProgressSamples, LedgerIsAppendOnlyAndKeepsTheHistory) {
    const auto merged = fresh();
    std::vector<std::string> june, july;
    for (const auto& f : report_files(false)) {
        if (f.find("20220630") != std::string::npos) june.push_back(f);
        if (f.find("20220731") != std::string::npos && f.find("重报") == std::string::npos) july.push_back(f);
    }
    const ProgressResult a = run(merged, june, "2022-06-30");
    const auto ledger_june = test::read_layer(merged, "progress_ledger");
    const ProgressResult b = run(merged, july, "2022-07-31");
    const auto ledger_both = test::read_layer(merged, "progress_ledger");
    ASSERT_GT(ledger_both.size(), ledger_june.size());
    for (std::size_t k = 0; k < ledger_june.size(); ++k) EXPECT_EQ(ledger_both[k], ledger_june[k]);
    // the June state is still there to be asked for
    const ProgressResult again = run(merged, {}, "2022-06-30");
    EXPECT_EQ(again.total.started, a.total.started);
    EXPECT_EQ(again.total.completed, a.total.completed);
    EXPECT_EQ(again.total.villages_late, a.total.villages_late);
    EXPECT_GT(b.total.completed, a.total.completed);
    // a report imported after a later one is checked against it too
    const auto merged2 = fresh();
    run(merged2, july, "2022-07-31");
    const ProgressResult late_june = run(merged2, june, "2022-06-30");
    EXPECT_EQ(late_june.total.started, a.total.started);
    EXPECT_EQ(late_june.total.completed, a.total.completed);
}

TEST_F(ProgressSamples, StatusAtEachMilestoneMatchesTheModel) {
    const json e = expected();
    const Model m = model(e, planned_);
    const auto merged = fresh();
    const ProgressResult imported = run(merged, report_files(), "2022-10-10");
    // every rejected row is one the model rejects, and the other way round
    std::set<std::pair<std::string, int>> rejected;
    for (const auto& i : imported.issues)
        if (i.severity == Severity::error && i.row > 0) rejected.insert({file_name(i.file), i.row});
    EXPECT_EQ(rejected, m.rejected);
    for (const std::string date : {"2022-06-30", "2022-07-31", "2022-09-20", "2022-10-10"}) {
        const ProgressResult r = run(merged, {}, date);
        const std::vector<std::string> order = {"not_started", "started", "completed", "accepted"};
        auto rank = [&](const std::string& s) { return std::find(order.begin(), order.end(), s) - order.begin(); };
        std::string due = "not_started";
        for (const auto& [key, day] : e["milestones"].items()) {
            const std::string stage = key == "all_started"             ? "started"
                                      : key == "construction_complete" ? "completed"
                                                                       : "accepted";
            if (day.get<std::string>() <= date && rank(stage) > rank(due)) due = stage;
        }
        std::map<std::string, std::array<long long, 4>> county;    // started, completed, accepted, late villages
        std::map<std::string, std::array<long long, 3>> township;  // households
        std::set<std::string> late;
        std::map<std::string, std::string> reported_on;  // village -> first report date of the figures in force
        for (const auto& [code, plan] : planned_) {
            Figures f;
            const auto h = m.applied.find(code);
            if (h != m.applied.end())
                for (const auto& [d, fig] : h->second)
                    if (d <= date) {
                        const bool same = d != h->second.begin()->first && fig.started == f.started &&
                                          fig.completed == f.completed && fig.accepted == f.accepted;
                        if (!same) reported_on[code] = d;  // since when the figures are as they are
                        f = fig;
                    }
            std::string stage = f.accepted >= plan    ? "accepted"
                                : f.completed >= plan ? "completed"
                                : f.started >= plan   ? "started"
                                                      : "not_started";
            auto& c = county[county_.at(code)];
            c[0] += f.started;
            c[1] += f.completed;
            c[2] += f.accepted;
            if (rank(stage) < rank(due)) {
                ++c[3];
                late.insert(code);
            }
            auto& t = township[township_.at(code)];
            t[0] += f.started;
            t[1] += f.completed;
            t[2] += f.accepted;
        }
        ASSERT_EQ(r.counties.size(), county.size()) << date;
        for (const auto& u : r.counties) {
            const auto& c = county.at(u.code);
            EXPECT_EQ(u.counts.started, c[0]) << date << " " << u.code;
            EXPECT_EQ(u.counts.completed, c[1]) << date << " " << u.code;
            EXPECT_EQ(u.counts.accepted, c[2]) << date << " " << u.code;
            EXPECT_EQ(u.counts.villages_late, c[3]) << date << " " << u.code;
        }
        for (const auto& u : r.townships) {
            const auto& t = township.at(u.code);
            EXPECT_EQ(u.counts.started, t[0]) << date << " " << u.code;
            EXPECT_EQ(u.counts.completed, t[1]) << date << " " << u.code;
            EXPECT_EQ(u.counts.accepted, t[2]) << date << " " << u.code;
        }
        // the trend point of this date: the city's sums then (kept by the import run, recomputed here)
        long long sums[3] = {0, 0, 0};
        for (const auto& [code, c] : county)
            for (int k = 0; k < 3; ++k) sums[k] += c[k];
        for (const auto* trend : {&imported.trend, &r.trend}) {
            const auto point =
                std::find_if(trend->begin(), trend->end(), [&](const TrendPoint& t) { return t.date == date; });
            ASSERT_NE(point, trend->end()) << date;
            EXPECT_EQ(point->started, sums[0]) << date;
            EXPECT_EQ(point->completed, sums[1]) << date;
            EXPECT_EQ(point->accepted, sums[2]) << date;
            EXPECT_EQ(point->planned, 121000);
        }
        std::set<std::string> listed;
        for (const auto& v : r.late) listed.insert(r.village(v).code);
        EXPECT_EQ(listed, late) << date;
        // the villages layer carries the state of the last run
        long long late_in_layer = 0;
        for (const auto& v : test::read_layer(merged, "villages")) {
            late_in_layer += v.at("status") == "late";
            if (v.at("households_total") != "0") {
                // the date of the first report with the figures in force
                const auto on = reported_on.find(v.at("village_code"));
                EXPECT_EQ(v.at("status_date"), on == reported_on.end() ? "" : on->second) << v.at("village_code");
            }
        }
        EXPECT_EQ(late_in_layer, static_cast<long long>(late.size())) << date;
    }
    // the late townships of the samples are late on 30 June
    const ProgressResult june = run(merged, {}, "2022-06-30");
    for (const auto& t : e["late"]["townships"]) {
        const auto it = std::find_if(june.townships.begin(), june.townships.end(),
                                     [&](const UnitProgress& u) { return u.code == t["township_code"]; });
        ASSERT_NE(it, june.townships.end());
        EXPECT_GT(it->counts.villages_late, 0) << it->name;
    }
}

TEST_F(ProgressSamples, ARevisedReportOfTheSameDateWinsAndIsSaid) {
    const auto merged = fresh();
    const std::string june = test::samples("progress/阳信县_20220630.csv").string();
    const std::string july = test::samples("progress/阳信县_20220731.csv").string();
    run(merged, {june, july}, "2022-07-31");
    // the county sends 31 July again with one figure corrected: 37 -> 36 completed (still above June's 6)
    std::string bytes = test::read_file(july);
    const std::string before = "371622101210,49,49,37,0,", after = "371622101210,49,49,36,0,";
    const auto at = bytes.find(before);
    ASSERT_NE(at, std::string::npos);
    bytes.replace(at, before.size(), after);
    const auto revised = test::temp_dir() / "阳信县_20220731_更正.csv";
    { std::ofstream(revised, std::ios::binary) << bytes; }
    const ProgressResult r = run(merged, {revised.string()}, "2022-07-31");
    ASSERT_EQ(r.imports.size(), 1u);
    EXPECT_EQ(r.imports[0].status, "imported");
    EXPECT_EQ(r.imports[0].rows_rejected, 0);
    EXPECT_TRUE(
        std::any_of(r.issues.begin(), r.issues.end(), [](const Issue& i) { return i.code == "W_REPORT_REVISED"; }));
    bool found = false;
    for (const auto& v : test::read_layer(merged, "villages"))
        if (v.at("village_code") == "371622101210") {
            found = true;
            EXPECT_EQ(v.at("households_completed"), "36");
        }
    EXPECT_TRUE(found);
    // and the state of 30 June is what June said
    const ProgressResult back = run(merged, {}, "2022-06-30");
    for (const auto& v : test::read_layer(merged, "villages"))
        if (v.at("village_code") == "371622101210") {
            EXPECT_EQ(v.at("households_completed"), "6");
            EXPECT_EQ(v.at("status_date"), "2022-06-30");
        }
    EXPECT_GT(back.total.started, 0);
}

namespace {
// The data lines of a CSV report: code -> (line number, the fields).
std::map<std::string, std::pair<int, std::vector<std::string>>> report_lines(const std::string& bytes) {
    std::map<std::string, std::pair<int, std::vector<std::string>>> out;
    std::size_t start = 0;
    for (int line = 1; start < bytes.size(); ++line) {
        std::size_t end = bytes.find('\n', start);
        if (end == std::string::npos) end = bytes.size();
        std::vector<std::string> fields;
        std::size_t at = start;
        while (true) {
            const std::size_t comma = bytes.find(',', at);
            if (comma == std::string::npos || comma > end) {
                fields.push_back(bytes.substr(at, end - at));
                break;
            }
            fields.push_back(bytes.substr(at, comma - at));
            at = comma + 1;
        }
        std::string code = fields.size() > 3 ? fields[3] : std::string();
        if (!code.empty() && code[0] == '\'') code.erase(0, 1);  // a code typed as text
        if (fields.size() > 7 && code.size() == 12 && code.find_first_not_of("0123456789") == std::string::npos)
            out[code] = {line, fields};
        start = end + 1;
    }
    return out;
}

// The bytes with one report line's started/completed/accepted replaced.
std::string with_figures(std::string bytes, const std::vector<std::string>& fields, long long started,
                         long long completed, long long accepted) {
    const std::string old_part = fields[3] + "," + fields[4] + "," + fields[5] + "," + fields[6] + "," + fields[7] + ",";
    const std::string new_part = fields[3] + "," + fields[4] + "," + std::to_string(started) + "," +
                                 std::to_string(completed) + "," + std::to_string(accepted) + ",";
    const auto at = bytes.find(old_part);
    if (at != std::string::npos) bytes.replace(at, old_part.size(), new_part);
    return bytes;
}
}  // namespace

TEST_F(ProgressSamples, StartedOrAcceptedGoingBackwardsIsRefusedInEitherImportOrder) {
    const std::string september = test::samples("progress/阳信县_20220920.csv").string();
    const std::string october_bytes = test::read_file(test::samples("progress/阳信县_20221010.csv"));
    const auto sept = report_lines(test::read_file(september));
    const auto oct = report_lines(october_bytes);
    // v1: started falls below September's, nothing else does; v2: accepted falls, nothing else does
    std::string v1, v2;
    for (const auto& [code, line] : sept) {
        const auto& f = line.second;
        if (!oct.count(code)) continue;
        const long long started = std::stoll(f[5]), completed = std::stoll(f[6]), accepted = std::stoll(f[7]);
        if (v1.empty() && started > completed + 1) v1 = code;
        else if (v2.empty() && accepted > 0) v2 = code;
    }
    ASSERT_FALSE(v1.empty());
    ASSERT_FALSE(v2.empty());
    const auto& s1 = sept.at(v1).second;
    const auto& s2 = sept.at(v2).second;
    std::string bytes = with_figures(october_bytes, oct.at(v1).second, std::stoll(s1[5]) - 1, std::stoll(s1[6]),
                                     std::stoll(s1[7]));
    bytes = with_figures(bytes, oct.at(v2).second, std::stoll(s2[5]), std::stoll(s2[6]), std::stoll(s2[7]) - 1);
    ASSERT_NE(bytes, october_bytes);
    const auto october = test::temp_dir() / "阳信县_20221010.csv";
    { std::ofstream(october, std::ios::binary) << bytes; }
    auto has = [](const ProgressResult& r, const std::string& file, int row) {
        return std::any_of(r.issues.begin(), r.issues.end(), [&](const Issue& i) {
            return i.code == "E_PROGRESS_BACKWARDS" && file_name(i.file) == file && i.row == row;
        });
    };
    // in order: October's rows are the ones going back
    const ProgressResult in_order = run(fresh(), {september, october.string()}, "2022-10-10");
    EXPECT_TRUE(has(in_order, "阳信县_20221010.csv", oct.at(v1).first)) << v1 << " started";
    EXPECT_TRUE(has(in_order, "阳信县_20221010.csv", oct.at(v2).first)) << v2 << " accepted";
    // October imported first, September after it: September's rows are ahead of the later report
    const auto merged = fresh();
    run(merged, {october.string()}, "2022-10-10");
    const ProgressResult late = run(merged, {september}, "2022-10-10");
    EXPECT_TRUE(has(late, "阳信县_20220920.csv", sept.at(v1).first)) << v1 << " started";
    EXPECT_TRUE(has(late, "阳信县_20220920.csv", sept.at(v2).first)) << v2 << " accepted";
}

TEST_F(ProgressSamples, RowsRejectedWhileReadingStayInTheLedgerNotApplied) {
    const std::string june_bytes = test::read_file(test::samples("progress/阳信县_20220630.csv"));
    const auto june = report_lines(june_bytes);
    ASSERT_GE(june.size(), 2u);
    auto it = june.begin();
    const auto& [bad_code, bad] = *it++;
    const auto& [negative_code, negative] = *it;
    std::string bytes = june_bytes;
    auto replace_line = [&](const std::vector<std::string>& f, const std::string& started) {
        const std::string old_part = f[3] + "," + f[4] + "," + f[5] + ",";
        const auto at = bytes.find(old_part);
        ASSERT_NE(at, std::string::npos);
        bytes.replace(at, old_part.size(), f[3] + "," + f[4] + "," + started + ",");
    };
    replace_line(bad.second, "约10");
    replace_line(negative.second, "-3");
    const auto report = test::temp_dir() / "阳信县_20220630.csv";
    { std::ofstream(report, std::ios::binary) << bytes; }
    const auto merged = fresh();
    const ProgressResult r = run(merged, {report.string()}, "2022-06-30");
    ASSERT_EQ(r.imports.size(), 1u);
    EXPECT_EQ(r.imports[0].rows_read, static_cast<int>(june.size()));
    EXPECT_EQ(r.imports[0].rows_rejected, 2);
    std::map<std::string, std::map<std::string, std::string>> by_code;
    for (const auto& l : test::read_layer(merged, "progress_ledger")) {
        std::string code = l.at("code_as_written");
        if (!code.empty() && code[0] == '\'') code.erase(0, 1);
        by_code[code] = l;
    }
    EXPECT_EQ(static_cast<int>(by_code.size()), r.imports[0].rows_read);  // every row, applied or not
    ASSERT_TRUE(by_code.count(bad_code));
    EXPECT_EQ(by_code[bad_code].at("applied"), "0");
    EXPECT_EQ(by_code[bad_code].at("issue_code"), "E_COUNT_UNREADABLE");
    EXPECT_EQ(by_code[bad_code].at("village_code"), bad_code);
    ASSERT_TRUE(by_code.count(negative_code));
    EXPECT_EQ(by_code[negative_code].at("applied"), "0");
    EXPECT_EQ(by_code[negative_code].at("issue_code"), "E_COUNT_NEGATIVE");
}

TEST(ReportDate, TitleCutOffDateWinsThenFileNameThenAnyTitleDate) {
    std::string conflict;
    EXPECT_EQ(
        report_date({"滨城区进度表（截至2022年7月31日）", "填报日期：2022年8月2日"}, "滨城区_20220731", &conflict),
        "2022-07-31");
    EXPECT_TRUE(conflict.empty());
    EXPECT_EQ(report_date({"填报日期：2022年8月2日", "进度表（截止2022.9.20）"}, "x", nullptr), "2022-09-20");
    EXPECT_EQ(report_date({"进度表"}, "邹平市_20221010", nullptr), "2022-10-10");
    EXPECT_EQ(report_date({"填报日期：2022-08-02"}, "进度表", nullptr), "2022-08-02");
    EXPECT_EQ(report_date({"进度表"}, "进度表_20221399", nullptr), "");
    EXPECT_EQ(report_date({"（截至2022年6月30日）"}, "县_20220701", &conflict), "2022-06-30");
    EXPECT_EQ(conflict, "2022-07-01");
}

TEST_F(ProgressSamples, BadAsOfDateAndMissingGeoPackageAreErrors) {
    const auto merged = fresh();
    EXPECT_THROW(run(merged, {}, "2022-13-45"), UsageError);
    EXPECT_THROW(run(test::temp_dir() / "none.gpkg", {}, "2022-10-10"), InputError);
}

namespace {
// A UTF-8 report of 阳信县 for 2022-06-30 with the sample's first villages and the header given.
test::fs::path report_with_header(const std::string& header, bool second_header = false) {
    const auto june = report_lines(test::read_file(test::samples("progress/阳信县_20220630.csv")));
    std::string text = "阳信县2022年农村清洁取暖工程进度表（截至2022年6月30日）\n" + header + "\n";
    int n = 0;
    for (const auto& [code, line] : june) {
        const auto& f = line.second;
        if (n == 2 && second_header) text += "序号,村代码,村名,已开工户数,已完工户数,已验收户数,计划改造户数\n";
        text += std::to_string(++n) + ",," + "," + code + "," + f[4] + "," + f[5] + "," + f[6] + "," + f[7] + "\n";
        if (n == 4) break;
    }
    const auto path = test::temp_dir() / "阳信县_20220630.csv";
    std::ofstream(path, std::ios::binary) << text;
    return path;
}
}  // namespace

TEST_F(ProgressSamples, AReportWithAColumnNotUnderstoodIsKeptInTheLedgerButNotApplied) {
    // 已交付户数 is no header the reader knows: its figures would be read as no completion at all
    const auto refused = report_with_header("序号,乡镇,村名,村代码,计划改造户数,已开工户数,已交付户数,已验收户数");
    const auto merged = fresh();
    const ProgressResult r = run(merged, {refused.string()}, "2022-06-30");
    ASSERT_EQ(r.imports.size(), 1u);
    EXPECT_EQ(r.imports[0].rows_read, 4);
    EXPECT_EQ(r.imports[0].rows_applied, 0);
    EXPECT_EQ(r.imports[0].rows_rejected, 4);
    const auto said = test::issues_with_code(r.issues, "E_HEADER_UNMAPPED");
    ASSERT_EQ(said.size(), 1u);
    EXPECT_EQ(said[0].column, "G");
    EXPECT_EQ(said[0].value, "已交付户数");
    const auto ledger = test::read_layer(merged, "progress_ledger");
    EXPECT_EQ(ledger.size(), 4u);  // every row, none applied
    for (const auto& l : ledger) {
        EXPECT_EQ(l.at("applied"), "0");
        EXPECT_EQ(l.at("issue_code"), "E_HEADER_UNMAPPED");
    }
    EXPECT_EQ(r.total.started, 0);
    // the same report with the header the reader knows is applied
    const auto merged2 = fresh();
    const ProgressResult ok =
        run(merged2, {report_with_header("序号,乡镇,村名,村代码,计划改造户数,已开工户数,已完工户数,已验收户数").string()},
            "2022-06-30");
    EXPECT_EQ(ok.imports[0].rows_rejected, 0);
    EXPECT_EQ(ok.imports[0].rows_applied + ok.imports[0].rows_unchanged, 4);
    EXPECT_TRUE(test::issues_with_code(ok.issues, "E_HEADER_UNMAPPED").empty());
}

TEST_F(ProgressSamples, AReportWhoseHeaderChangesHalfwayIsNotApplied) {
    const auto changed =
        report_with_header("序号,乡镇,村名,村代码,计划改造户数,已开工户数,已完工户数,已验收户数", true);
    const auto merged = fresh();
    const ProgressResult r = run(merged, {changed.string()}, "2022-06-30");
    ASSERT_EQ(r.imports.size(), 1u);
    EXPECT_EQ(r.imports[0].rows_applied, 0);
    EXPECT_EQ(r.imports[0].rows_rejected, r.imports[0].rows_read);
    const auto said = test::issues_with_code(r.issues, "E_HEADER_CHANGED");
    ASSERT_EQ(said.size(), 1u);
    EXPECT_EQ(said[0].row, 5);  // title, header, two villages, then the other header
}

}  // namespace
}  // namespace cleanheat

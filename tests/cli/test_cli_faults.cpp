// Faults: a full disk under every command that writes, and a campaign of signals (SIGKILL,
// SIGINT, SIGTERM) at random points of merge, contiguity and progress. After each fault the
// dataset opens, passes PRAGMA integrity_check, holds exactly the state before or after the
// command, and a re-run succeeds.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

std::string quote(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

std::string bin() { return quote(CLEANHEAT_BINARY); }

// A small tmpfs, filled up so that nothing more can be written on it. Needs root (mount);
// mounted() is false otherwise and the test says it is skipped.
class FullDisk {
public:
    explicit FullDisk(const fs::path& dir, const std::vector<fs::path>& keep = {}) : dir_(dir) {
        fs::create_directories(dir_);
        if (::geteuid() != 0) return;
        if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, "size=8m") != 0) return;
        mounted_ = true;
        for (const auto& f : keep) fs::copy_file(f, dir_ / f.filename());
    }
    // Fills what is left of the disk; freed again by make_room().
    void fill_up() const {
        shell_output("dd if=/dev/zero of=" + quote((dir_ / "filler").string()) + " bs=4k 2>/dev/null; sync");
    }
    void make_room() const {
        std::error_code ec;
        fs::remove(dir_ / "filler", ec);
    }
    ~FullDisk() {
        if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    }
    bool mounted() const { return mounted_; }
    // What is left on the disk but the filler and the files kept: partial files and outputs.
    std::vector<std::string> leftovers(const std::vector<fs::path>& keep = {}) const {
        std::vector<std::string> names;
        for (const auto& e : fs::directory_iterator(dir_)) {
            const std::string name = e.path().filename().string();
            bool kept = name == "filler";
            for (const auto& k : keep) kept = kept || k.filename().string() == name;
            if (!kept) names.push_back(name);
        }
        return names;
    }

private:
    fs::path dir_;
    bool mounted_ = false;
};

struct Shell {
    int code;
    std::string err;
};
Shell run_shell(const fs::path& dir, const std::string& command) {
    const std::string out = shell_output("cd " + quote(source_dir().string()) + " && { " + command + " >/dev/null 2>" +
                                         quote((dir / "err").string()) + "; echo $?; }");
    return {std::atoi(out.c_str()), read_file(dir / "err")};
}

const char* kReports = "data-samples/progress/*";

}  // namespace

TEST(FaultsCli, AFullDiskStopsEveryCommandThatWritesWithExit4AndLeavesNothingHalfWritten) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    const std::string before = dataset_digest(gpkg);
    ASSERT_FALSE(before.empty());
    // a second dataset with the ledger, for the spot check
    const fs::path tracked = dir / "tracked.gpkg";
    fs::copy_file(gpkg, tracked);
    ASSERT_EQ(run_shell(dir, bin() + " progress " + quote(tracked.string()) + " " + kReports +
                                 " --as-of 2022-10-10 --quiet")
                  .code,
              1);
    const std::string tracked_before = dataset_digest(tracked);
    FullDisk disk(dir / "full");
    if (!disk.mounted()) GTEST_SKIP() << "needs root to mount a small tmpfs: the full-disk test is skipped";
    disk.fill_up();
    const std::string full = (dir / "full").string() + "/";
    const std::string g = quote(gpkg.string());
    const std::vector<std::pair<std::string, std::string>> commands = {
        {"merge", bin() + " merge data-samples/plans/* --villages data-samples/villages.gpkg -o " +
                      quote(full + "merged.gpkg") + " --quiet"},
        {"annex", bin() + " annex " + g + " -o " + quote(full + "annex.xlsx") + " --quiet"},
        {"map pdf", bin() + " map " + g + " --style styles/route.json -o " + quote(full + "route.pdf") + " --quiet"},
        {"map png", bin() + " map " + g + " --style styles/route.json -o " + quote(full + "route.png") + " --quiet"},
        {"report", bin() + " report " + g + " -o " + quote(full + "report.pdf") + " --quiet"},
        {"spotcheck", bin() + " spotcheck " + quote(tracked.string()) + " --rate 0.05 --seed 1 -o " +
                          quote(full + "spot.xlsx") + " --quiet"},
        {"contiguity", bin() + " contiguity " + g + " --xlsx " + quote(full + "contiguity.xlsx") + " --quiet"},
        {"progress", bin() + " progress " + g + " " + kReports + " --as-of 2022-10-10 -o " +
                         quote(full + "progress.xlsx") + " --quiet"},
        {"inspect", bin() + " inspect data-samples/plans/滨城区2022年农村清洁取暖计划.xlsx --mapping-out " +
                        quote(full + "mapping.json") + " --quiet"},
    };
    for (const auto& [name, command] : commands) {
        const Shell r = run_shell(dir, command);
        EXPECT_EQ(r.code, 4) << name << ": " << r.err;
        EXPECT_NE(r.err.find(full), std::string::npos) << name << " names the file: " << r.err;
        EXPECT_EQ(disk.leftovers(), std::vector<std::string>{}) << name;
        // the dataset as it was: a workbook that could not be written leaves the ledger unchanged
        EXPECT_EQ(dataset_digest(gpkg), before) << name;
        EXPECT_EQ(dataset_digest(tracked), tracked_before) << name;
    }
    // and the progress import, retried where there is room, tells the whole truth
    const Shell retry = run_shell(dir, bin() + " progress " + g + " " + kReports + " --as-of 2022-10-10 -o " +
                                           quote((dir / "progress.xlsx").string()) + " --quiet");
    EXPECT_EQ(retry.code, 1) << retry.err;  // the planted faults of the sample reports
    EXPECT_TRUE(fs::exists(dir / "progress.xlsx"));
}

TEST(FaultsCli, ADatasetOnAFullDiskIsLeftAsItWasByEveryCommandThatChangesIt) {
    const auto dir = temp_dir();
    const fs::path source = merge_samples(dir);
    // with a ledger already, so that the spot check has villages to draw
    ASSERT_EQ(run_shell(dir, bin() + " progress " + quote(source.string()) + " " + kReports +
                                 " --as-of 2022-09-20 --quiet")
                  .code,
              1);
    FullDisk disk(dir / "full", {source});
    if (!disk.mounted()) GTEST_SKIP() << "needs root to mount a small tmpfs: the full-disk test is skipped";
    const fs::path gpkg = dir / "full" / source.filename();
    const std::string before = dataset_digest(gpkg);  // before the disk is full (a reader needs room for -shm)
    ASSERT_FALSE(before.empty());
    disk.fill_up();
    const std::string g = quote(gpkg.string());
    const std::vector<std::pair<std::string, std::string>> commands = {
        {"contiguity", bin() + " contiguity " + g + " --quiet"},
        {"progress", bin() + " progress " + g + " " + kReports + " --as-of 2022-10-10 --quiet"},
        {"spotcheck", bin() + " spotcheck " + g + " --rate 0.05 --seed 1 -o " +
                          quote((dir / "spot.xlsx").string()) + " --quiet"},
    };
    for (const auto& [name, command] : commands) {
        const Shell r = run_shell(dir, command);
        EXPECT_NE(r.code, 0) << name << ": " << r.err;
        EXPECT_NE(r.code, 5) << name << " (internal error): " << r.err;
        disk.make_room();
        EXPECT_EQ(integrity_check(gpkg), "ok") << name;
        EXPECT_EQ(dataset_digest(gpkg), before) << name;
        EXPECT_FALSE(fs::exists(gpkg.string() + "-journal")) << name;
        // the spot check's workbook is renamed only once the sample is marked in the dataset
        EXPECT_FALSE(fs::exists(dir / "spot.xlsx")) << name;
        disk.fill_up();
    }
}

namespace {

// One command of the campaign: what it runs on a fresh copy of the dataset, and where its
// state is (the dataset, or a new output for merge).
struct FaultCommand {
    std::string name;
    std::string command;  // with @DATA@ for the dataset copy and @OUT@ for a new output
    bool changes_dataset;
};

std::string fill(std::string command, const fs::path& data, const fs::path& out) {
    for (auto [key, value] : {std::pair<std::string, std::string>{"@DATA@", quote(data.string())},
                              std::pair<std::string, std::string>{"@OUT@", quote(out.string())}})
        for (std::size_t p; (p = command.find(key)) != std::string::npos;) command.replace(p, key.size(), value);
    return command;
}

}  // namespace

TEST(FaultsCli, SignalsAtRandomPointsLeaveTheDatasetBeforeOrAfterAndARerunSucceeds) {
    // CLEANHEAT_FAULT_TRIALS trials (30 in CI; 100 by hand), each a command killed by one of
    // three signals after a random delay within its own clean run time
    const char* env = std::getenv("CLEANHEAT_FAULT_TRIALS");
    const int trials = env ? std::max(1, std::atoi(env)) : 30;
    const auto dir = temp_dir();
    const fs::path base = merge_samples(dir);
    // progress runs on a dataset that already has its contiguity layers, and contiguity on one
    // that already has a ledger: both then replace or add to earlier state
    const std::vector<FaultCommand> commands = {
        {"merge",
         bin() + " merge data-samples/plans/* --villages data-samples/villages.gpkg --heating data-samples/heating.xlsx "
                 "-o @OUT@ --overwrite --quiet",
         false},
        {"contiguity", bin() + " contiguity @DATA@ --quiet", true},
        {"progress", bin() + " progress @DATA@ " + kReports + " --as-of 2022-10-10 --quiet", true},
    };
    struct Clean {
        std::string before, after;
        int code;
        double seconds;
    };
    std::vector<Clean> clean;
    for (const auto& c : commands) {
        const fs::path data = dir / ("clean-" + c.name + ".gpkg"), out = dir / ("clean-" + c.name + "-out.gpkg");
        fs::copy_file(base, data);
        const auto start = std::chrono::steady_clock::now();
        const Shell r = run_shell(dir, fill(c.command, data, out));
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const fs::path state = c.changes_dataset ? data : out;
        clean.push_back({dataset_digest(base), dataset_digest(state), r.code, seconds});
        ASSERT_NE(clean.back().after, "") << c.name << ": " << r.err;
        ASSERT_NE(clean.back().after, clean.back().before) << c.name;
        // a second clean run of the command gives the same digest: the comparison is fair
        if (c.changes_dataset) {
            const fs::path again = dir / ("again-" + c.name + ".gpkg");
            fs::copy_file(base, again);
            run_shell(dir, fill(c.command, again, out));
            ASSERT_EQ(dataset_digest(again), clean.back().after) << c.name;
        }
    }

    std::mt19937 random(2026);
    const char* signals[] = {"KILL", "INT", "TERM"};
    std::map<std::string, int> observed;
    for (int t = 0; t < trials; ++t) {
        const std::size_t k = static_cast<std::size_t>(t) % commands.size();
        const auto& c = commands[k];
        const std::string signal = signals[(static_cast<std::size_t>(t) / commands.size()) % 3];
        const double delay = std::uniform_real_distribution<double>(0.02, 1.0)(random) * clean[k].seconds;
        const std::string label = c.name + " SIG" + signal + " after " + std::to_string(delay) + " s (trial " +
                                  std::to_string(t) + ")";
        const fs::path data = dir / ("trial.gpkg"), out = dir / "trial-out.gpkg";
        for (const auto& p : {data, out}) {
            std::error_code ec;
            for (const char* suffix : {"", "-wal", "-shm", "-journal", ".partial"}) fs::remove(p.string() + suffix, ec);
        }
        fs::copy_file(base, data);
        char delay_text[32];
        std::snprintf(delay_text, sizeof delay_text, "%.3f", delay);
        const std::string killed = shell_output("cd " + quote(source_dir().string()) + " && { " +
                                                fill(c.command, data, out) + " >/dev/null 2>/dev/null & pid=$!; sleep " +
                                                delay_text + "; kill -" + signal + " $pid 2>/dev/null; wait $pid; echo $?; }");
        const int code = std::atoi(killed.c_str());
        const fs::path state = c.changes_dataset ? data : out;
        std::string seen;
        if (!c.changes_dataset && !fs::exists(out)) {
            seen = "before";  // no output: the merge never renamed its partial file
        } else {
            EXPECT_EQ(integrity_check(state), "ok") << label;
            const std::string digest = dataset_digest(state);
            seen = digest == clean[k].before ? "before" : digest == clean[k].after ? "after" : "neither";
            EXPECT_NE(seen, "neither") << label << ": " << digest;
        }
        if (signal != "KILL") {
            // stopped by cleanheat itself, or finished before the signal came
            EXPECT_TRUE(code == (signal == "INT" ? 130 : 143) || code == clean[k].code) << label << ": exit " << code;
            EXPECT_FALSE(fs::exists(out.string() + ".partial")) << label;
            EXPECT_FALSE(fs::exists(data.string() + "-journal")) << label;
        }
        observed[c.name + " " + signal + " " + seen]++;
        // a re-run succeeds and gives the state after
        const Shell again = run_shell(dir, fill(c.command, data, out));
        EXPECT_EQ(again.code, clean[k].code) << label << ": " << again.err;
        EXPECT_EQ(dataset_digest(state), clean[k].after) << label;
    }
    std::cout << "fault campaign: " << trials << " trials;";
    for (const auto& [what, n] : observed) std::cout << " " << what << " " << n << ";";
    std::cout << "\n";
    RecordProperty("trials", trials);
}

TEST(FaultsCli, ADatasetWithAJournalBesideItOrDamagedByACopyIsRefusedWithAClearMessage) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    const std::string g = quote(gpkg.string());
    const std::vector<std::pair<std::string, std::string>> commands = {
        {"annex", bin() + " annex " + g + " -o " + quote((dir / "annex.xlsx").string()) + " --quiet"},
        {"map", bin() + " map " + g + " --style styles/route.json -o " + quote((dir / "m.png").string()) + " --quiet"},
        {"contiguity", bin() + " contiguity " + g + " --quiet"},
        {"progress", bin() + " progress " + g + " " + kReports + " --as-of 2022-10-10 --quiet"},
        {"report", bin() + " report " + g + " -o " + quote((dir / "r.pdf").string()) + " --quiet"},
        {"spotcheck", bin() + " spotcheck " + g + " --rate 0.05 --seed 1 -o " + quote((dir / "s.xlsx").string()) +
                          " --quiet"},
    };
    // the journal of a write on another machine, copied along
    const std::string before = dataset_digest(gpkg);
    {
        std::ofstream journal(gpkg.string() + "-journal", std::ios::binary);
        journal << std::string(4096, '\xd9');
    }
    for (const auto& [name, command] : commands) {
        const Shell r = run_shell(dir, command);
        EXPECT_EQ(r.code, 3) << name << ": " << r.err;
        EXPECT_NE(r.err.find(gpkg.string() + "-journal: a rollback journal"), std::string::npos) << name << ": " << r.err;
    }
    fs::remove(gpkg.string() + "-journal");
    EXPECT_EQ(dataset_digest(gpkg), before);
    // a copy taken mid-write: the schema pages overwritten by other pages
    const fs::path damaged = dir / "damaged.gpkg";
    {
        std::string bytes = read_file(gpkg);
        ASSERT_GT(bytes.size(), 200000u);
        for (std::size_t p = 4096; p < 65536; ++p) bytes[p] = bytes[p + 131072];
        std::ofstream(damaged, std::ios::binary) << bytes;
    }
    for (const auto& [name, command] : commands) {
        std::string c = command;
        c.replace(c.find(g), g.size(), quote(damaged.string()));
        const Shell r = run_shell(dir, c);
        EXPECT_EQ(r.code, 3) << name << ": " << r.err;
        EXPECT_NE(r.err.find("the dataset is damaged"), std::string::npos) << name << ": " << r.err;
        EXPECT_NE(r.err.find(".backup"), std::string::npos) << name << ": " << r.err;
    }
}

TEST(FaultsCli, OverwriteNeverReplacesAFileTheDatasetWasMadeFrom) {
    // the samples copied, so that a failure of the check cannot touch the repository's files
    const auto dir = temp_dir();
    fs::create_directories(dir / "plans");
    fs::create_directories(dir / "progress");
    std::string plans;
    for (const auto& f : sample_plan_files()) {
        fs::copy_file(source_dir() / f, dir / "plans" / fs::path(f).filename());
        plans += " " + quote((dir / "plans" / fs::path(f).filename()).string());
    }
    fs::copy_file(source_dir() / "data-samples/villages.gpkg", dir / "villages.gpkg");
    const fs::path report = dir / "progress" / "无棣县_20220630.xlsx";
    fs::copy_file(source_dir() / "data-samples/progress/无棣县_20220630.xlsx", report);
    const fs::path gpkg = dir / "merged.gpkg";
    const std::string g = quote(gpkg.string());
    ASSERT_LE(run_shell(dir, bin() + " merge" + plans + " --villages " + quote((dir / "villages.gpkg").string()) +
                                 " -o " + g + " --quiet")
                  .code,
              1);
    ASSERT_LE(run_shell(dir, bin() + " progress " + g + " " + quote(report.string()) + " --as-of 2022-07-01 --quiet")
                  .code,
              1);
    const fs::path plan = dir / "plans" / "无棣县2022年农村清洁取暖计划.xlsx";
    const fs::path copy = dir / "copy-of-a-plan.xlsx";
    fs::copy_file(plan, copy);
    struct Attempt {
        std::string name, command;
        fs::path target;
    };
    const std::vector<Attempt> attempts = {
        {"annex over a plan table", bin() + " annex " + g + " -o " + quote(plan.string()), plan},
        {"annex over a copy of a plan table", bin() + " annex " + g + " -o " + quote(copy.string()), copy},
        {"contiguity over the villages", bin() + " contiguity " + g + " -o " + quote((dir / "villages.gpkg").string()),
         dir / "villages.gpkg"},
        {"progress over an imported report", bin() + " progress " + g + " --as-of 2022-07-01 -o " + quote(report.string()),
         report},
        {"spotcheck over a plan table", bin() + " spotcheck " + g + " --rate 0.05 -o " + quote(plan.string()), plan},
    };
    for (const auto& a : attempts) {
        const std::string before = read_file(a.target);
        const Shell r = run_shell(dir, a.command + " --overwrite --quiet");
        EXPECT_EQ(r.code, 4) << a.name << ": " << r.err;
        EXPECT_NE(r.err.find("a file the dataset " + gpkg.string() + " was made from"), std::string::npos)
            << a.name << ": " << r.err;
        EXPECT_EQ(read_file(a.target), before) << a.name;
    }
    {  // a report (a PDF) over a plan table is refused by its name already
        const std::string before = read_file(plan);
        const Shell r = run_shell(dir, bin() + " report " + g + " -o " + quote(plan.string()) + " --overwrite --quiet");
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_NE(r.err.find("give a name ending in .pdf"), std::string::npos) << r.err;
        EXPECT_EQ(read_file(plan), before);
    }
    // a file the dataset was not made from may be replaced
    std::ofstream(dir / "old-annex.xlsx") << "old";
    EXPECT_EQ(run_shell(dir, bin() + " annex " + g + " -o " + quote((dir / "old-annex.xlsx").string()) +
                                 " --overwrite --quiet")
                  .code,
              0);
}

TEST(FaultsCli, WorkbooksAreRenamedOnlyOnceTheDatasetChangeIsCommitted) {
    // a dataset that refuses the change (a trigger raises): the command fails and leaves no workbook
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    const std::string g = quote(gpkg.string());
    ASSERT_LE(run_shell(dir, bin() + " progress " + g +
                                 " data-samples/progress/*_20220[679]*.* --as-of 2022-09-20 --quiet")
                  .code,
              1);  // villages completed by then: the spot check has some to draw
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(gpkg.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db,
                               "CREATE TRIGGER refuse_marks BEFORE UPDATE OF spot_check ON villages "
                               "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;"
                               "CREATE TRIGGER refuse_entries BEFORE INSERT ON progress_ledger "
                               "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
                               nullptr, nullptr, nullptr),
                  SQLITE_OK)
            << sqlite3_errmsg(db);
        sqlite3_close(db);
    }
    const std::string before = dataset_digest(gpkg);
    const Shell spot = run_shell(dir, bin() + " spotcheck " + g + " --rate 0.05 --seed 1 -o " +
                                          quote((dir / "spot.xlsx").string()) + " --quiet");
    EXPECT_NE(spot.code, 0);
    EXPECT_NE(spot.err.find("refused by the test"), std::string::npos) << spot.err;
    EXPECT_FALSE(fs::exists(dir / "spot.xlsx"));
    const Shell progress = run_shell(dir, bin() + " progress " + g + " data-samples/progress/*_20221010.* --as-of 2022-10-10 -o " +
                                              quote((dir / "progress.xlsx").string()) + " --quiet");
    EXPECT_NE(progress.code, 0);
    EXPECT_NE(progress.err.find("refused by the test"), std::string::npos) << progress.err;
    EXPECT_FALSE(fs::exists(dir / "progress.xlsx"));
    EXPECT_FALSE(fs::exists(dir / "progress-chart.pdf"));
    EXPECT_EQ(dataset_digest(gpkg), before);
    for (const auto& e : fs::directory_iterator(dir))
        EXPECT_EQ(e.path().extension(), e.path().extension() == ".partial" ? "" : e.path().extension()) << e.path();
}

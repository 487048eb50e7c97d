// One table read in runs of fids side by side: the runs' fid ranges and conditions, the threads,
// and SQLite statements that begin their reads in one state of the file. The contiguity check
// reads its coverage this way (both stores), the map its layers (GeoPackage).
#pragma once
#include <sqlite3.h>

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace cleanheat {

// Threads for work side by side: `asked` when given (> 0), else the cores, at most 4.
int side_by_side_threads(int asked);
// The lowest and highest fid of a table (`fid` a column expression); false when it has no rows.
bool fid_range(sqlite3* db, const std::string& table, const std::string& fid, long long& min, long long& max);
// The fid ranges [first, next first) of `runs` runs between `min` and `max`: [min, ...), ..., [..., max].
std::vector<long long> run_starts(long long min, long long max, std::size_t runs);
// The condition on the fid of run `r` of the runs starting at `starts` (" WHERE ...", or "" for a
// single run): the first has no lower bound and the last no upper one (every fid is in one run,
// whatever the range was taken from).
std::string run_range(const std::string& fid, const std::vector<long long>& starts, std::size_t r);
// Work of the runs, side by side (run 0 on this thread); the first error once every run has stopped.
void side_by_side(std::size_t runs, const std::function<void(std::size_t)>& read);

// SQLite statements over one file, each on a read-only connection of its own, all reading one
// state of the file: each run's read begins (its first step) while another connection holds the
// write lock, so that no writer commits in between. When the lock cannot be had at once (a
// read-only file, a writer at work), SQLite is not built for threads, or a statement does not
// prepare, begin() leaves nothing open and says false: the caller reads in one run.
class SqliteRuns {
public:
    struct Run {
        sqlite3* db = nullptr;
        sqlite3_stmt* st = nullptr;
        int rc = SQLITE_DONE;  // of the last step: SQLITE_ROW while rows remain
    };
    SqliteRuns() = default;
    ~SqliteRuns();
    SqliteRuns(const SqliteRuns&) = delete;
    SqliteRuns& operator=(const SqliteRuns&) = delete;
    bool begin(const std::string& path, const std::vector<std::string>& statements, int busy_ms);
    Run& run(std::size_t r) { return runs_[r]; }
    std::size_t size() const { return runs_.size(); }

private:
    void close();
    std::vector<Run> runs_;
};

}  // namespace cleanheat

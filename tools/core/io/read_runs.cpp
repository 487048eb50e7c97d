#include "io/read_runs.hpp"

#include <exception>
#include <algorithm>
#include <future>
#include <thread>

#include "io/gpkg_sql.hpp"

namespace cleanheat {

int side_by_side_threads(int asked) {
    return asked > 0 ? asked : std::min(4, static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
}

bool fid_range(sqlite3* db, const std::string& table, const std::string& fid, long long& min, long long& max) {
    sqlite3_stmt* range = nullptr;
    const bool found =
        sqlite3_prepare_v2(db, ("SELECT min(" + fid + "), max(" + fid + ") FROM " + sql_identifier(table)).c_str(), -1,
                           &range, nullptr) == SQLITE_OK &&
        sqlite3_step(range) == SQLITE_ROW && sqlite3_column_type(range, 0) != SQLITE_NULL;
    if (found) {
        min = sqlite3_column_int64(range, 0);
        max = sqlite3_column_int64(range, 1);
    }
    sqlite3_finalize(range);
    return found;
}

std::vector<long long> run_starts(long long min, long long max, std::size_t runs) {
    std::vector<long long> starts;
    const __int128 span = static_cast<__int128>(max) - min + 1;
    for (std::size_t r = 0; r < runs; ++r)
        starts.push_back(static_cast<long long>(min + span * static_cast<__int128>(r) / static_cast<__int128>(runs)));
    return starts;
}

std::string run_range(const std::string& fid, const std::vector<long long>& starts, std::size_t r) {
    std::string where;
    if (r > 0) where = fid + " >= " + std::to_string(starts[r]);
    if (r + 1 < starts.size()) where += (where.empty() ? "" : " AND ") + fid + " < " + std::to_string(starts[r + 1]);
    if (r == 0 && !where.empty()) where += " OR " + fid + " IS NULL";  // first in fid order, as in one run
    return where.empty() ? where : " WHERE " + where;
}

void side_by_side(std::size_t runs, const std::function<void(std::size_t)>& read) {
    std::vector<std::future<void>> work;
    for (std::size_t r = 1; r < runs; ++r) work.push_back(std::async(std::launch::async, read, r));
    std::exception_ptr error;
    try {
        read(0);
    } catch (...) {
        error = std::current_exception();
    }
    for (auto& w : work) {
        try {
            w.get();
        } catch (...) {
            if (!error) error = std::current_exception();
        }
    }
    if (error) std::rethrow_exception(error);
}

SqliteRuns::~SqliteRuns() { close(); }

void SqliteRuns::close() {
    for (auto& r : runs_) {
        sqlite3_finalize(r.st);
        sqlite3_close(r.db);
    }
    runs_.clear();
}

bool SqliteRuns::begin(const std::string& path, const std::vector<std::string>& statements, int busy_ms) {
    close();
    if (statements.size() < 2 || sqlite3_threadsafe() == 0) return false;
    sqlite3* lock = nullptr;
    const bool locked = sqlite3_open_v2(path.c_str(), &lock, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) == SQLITE_OK &&
                        sqlite3_exec(lock, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
    bool ok = locked;
    for (std::size_t r = 0; ok && r < statements.size(); ++r) {
        runs_.emplace_back();
        Run& run = runs_.back();
        ok = sqlite3_open_v2(path.c_str(), &run.db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) == SQLITE_OK &&
             sqlite3_busy_timeout(run.db, busy_ms) == SQLITE_OK &&
             sqlite3_prepare_v2(run.db, statements[r].c_str(), -1, &run.st, nullptr) == SQLITE_OK;
        if (ok) {
            run.rc = sqlite3_step(run.st);  // the read begins, in the state the lock holds
            ok = run.rc == SQLITE_ROW || run.rc == SQLITE_DONE;
        }
    }
    if (locked) sqlite3_exec(lock, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(lock);
    if (!ok) close();
    return ok;
}

}  // namespace cleanheat

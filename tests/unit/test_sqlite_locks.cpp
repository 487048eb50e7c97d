// A file the run holds open through SQLite is never opened and closed by other means meanwhile:
// closing any descriptor of a file drops all the process's POSIX locks on it, SQLite's among them,
// and another process could then fold the WAL into the file and delete it under the run.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "io/atomic_output.hpp"
#include "io/file_info.hpp"
#include "io/gpkg_sql.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {
namespace fs = std::filesystem;

void exec(sqlite3* db, const char* sql) {
    char* error = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql, nullptr, nullptr, &error), SQLITE_OK) << (error ? error : "");
}

// Another process opens the database, reads it and closes: when it finds no other connection (no
// lock of ours on the file), it folds the WAL into the file and deletes it, under our reads. The
// test binary itself, started again (a fork alone would share SQLite's record of our locks).
const bool child_ran = [] {
    const char* path = std::getenv("CLEANHEAT_TEST_READ_AND_CLOSE");
    if (!path) return false;
    sqlite3* db = nullptr;
    int code = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nullptr);
    if (code == SQLITE_OK) code = sqlite3_exec(db, "SELECT count(*) FROM inputs", nullptr, nullptr, nullptr);
    if (sqlite3_close(db) != SQLITE_OK) code = SQLITE_ERROR;
    _exit(code == SQLITE_OK ? 0 : 1);
}();

void read_and_close_in_another_process(const fs::path& path) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        setenv("CLEANHEAT_TEST_READ_AND_CLOSE", path.c_str(), 1);
        char self[] = "/proc/self/exe";
        char* argv[] = {self, nullptr};
        execv(self, argv);
        _exit(2);
    }
    int status = 0;
    ASSERT_EQ(waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

fs::path wal_dataset(const fs::path& dir) {
    const fs::path dataset = dir / "dataset.gpkg";
    {
        sqlite3* db = nullptr;
        EXPECT_EQ(sqlite3_open_v2(dataset.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr), SQLITE_OK);
        exec(db, "PRAGMA journal_mode=WAL");
        exec(db, "CREATE TABLE inputs (path TEXT, sha256 TEXT)");
        exec(db, "INSERT INTO inputs VALUES ('plan.xlsx', 'ab')");
        sqlite3_close(db);
    }
    return dataset;
}

TEST(SqliteLocks, ADatasetNamedAsAnOutputsInputKeepsTheLocksOfTheConnectionHoldingIt) {
    const fs::path dir = test::temp_dir();
    const fs::path dataset = wal_dataset(dir);
    for (const auto mode : {SqliteDb::Mode::read, SqliteDb::Mode::write}) {
        const SqliteDb held(dataset, mode);  // as copy, annex or progress hold their dataset
        ASSERT_TRUE(fs::exists(dataset.string() + "-wal"));
        const fs::path target = dir / (mode == SqliteDb::Mode::read ? "read.xlsx" : "write.xlsx");
        const AtomicOutput output(target, false, {dataset});
        read_and_close_in_another_process(dataset);
        EXPECT_TRUE(fs::exists(dataset.string() + "-wal"))
            << "the other process found no lock of ours and removed the WAL from under the connection";
    }
    // the recorded inputs are still refused as outputs
    EXPECT_THROW(AtomicOutput(dir / "plan.xlsx", true, {dataset}), std::exception);
}

TEST(SqliteLocks, AFileHashedWhileAConnectionHoldsItKeepsItsLocksUntilTheConnectionIsDone) {
    const fs::path dir = test::temp_dir();
    const fs::path dataset = wal_dataset(dir);
    std::string kept_open;
    {
        OpenFiles hashed;  // as the merge hashes its inputs while GDAL reads the villages
        const SqliteDb held(dataset, SqliteDb::Mode::read);
        kept_open = sha256_of(dataset.string(), &hashed);
        read_and_close_in_another_process(dataset);
        EXPECT_TRUE(fs::exists(dataset.string() + "-wal"));
    }
    EXPECT_EQ(kept_open.size(), 64u);
    EXPECT_EQ(kept_open, sha256_of(dataset.string()));  // the same hash, the descriptor closed
    {
        // the control: a descriptor closed at once drops the connection's locks
        const SqliteDb held(dataset, SqliteDb::Mode::read);
        ASSERT_TRUE(fs::exists(dataset.string() + "-wal"));
        sha256_of(dataset.string());
        read_and_close_in_another_process(dataset);
        EXPECT_FALSE(fs::exists(dataset.string() + "-wal"));
    }
}

TEST(SqliteLocks, OnlySqliteFilesAreKeptOpenSoThatAMergeOfManyTablesHoldsFewDescriptors) {
    const fs::path dir = test::temp_dir();
    const fs::path dataset = wal_dataset(dir);
    auto open_descriptors = [] {
        return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator());
    };
    std::vector<fs::path> tables;
    for (int i = 0; i < 20; ++i) {
        tables.push_back(dir / ("plan" + std::to_string(i) + ".csv"));
        std::ofstream(tables.back()) << "abc";
    }
    const auto before = open_descriptors();
    {
        OpenFiles hashed;
        for (const auto& table : tables)
            EXPECT_EQ(sha256_of(table.string(), &hashed), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        EXPECT_EQ(open_descriptors(), before);
        EXPECT_EQ(sha256_of(dataset.string(), &hashed).size(), 64u);
        EXPECT_EQ(open_descriptors(), before + 1);
    }
    EXPECT_EQ(open_descriptors(), before);
}

}  // namespace
}  // namespace cleanheat

// Several people, one dataset: readers while a writer imports, and a second writer that waits.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <fstream>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

long long scalar(const fs::path& gpkg, const std::string& sql) {
    sqlite3* db = nullptr;
    long long value = -1;
    if (sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            value = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return value;
}

std::string text_of(const fs::path& gpkg, const std::string& sql) {
    sqlite3* db = nullptr;
    std::string value;
    if (sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
            value = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return value;
}

}  // namespace

TEST(ConcurrencyCli, ReadersSeeTheDatasetWhileAWriterImportsAndASecondWriterWaits) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    EXPECT_EQ(text_of(gpkg, "PRAGMA journal_mode"), "wal");
    // the serial result: the sample reports imported once into a copy
    const fs::path serial = dir / "serial.gpkg";
    fs::copy_file(gpkg, serial);
    const std::string bin = "'" + std::string(CLEANHEAT_BINARY) + "'";
    shell_output("cd '" + source_dir().string() + "' && " + bin + " progress '" + serial.string() +
                 "' data-samples/progress/* --as-of 2022-10-10 --quiet >/dev/null 2>&1");
    const long long serial_rows = scalar(serial, "SELECT count(*) FROM progress_ledger");
    ASSERT_GT(serial_rows, 0);

    // a writer imports; three readers and a second writer start while it runs
    const std::string d = dir.string();
    const std::string script =
        "cd '" + source_dir().string() + "' && { (" + bin + " progress '" + gpkg.string() +
        "' data-samples/progress/* --as-of 2022-10-10 --quiet >/dev/null 2>'" + d + "/w1.err'; echo $? >'" + d +
        "/w1.rc') & sleep 0.2; (" + bin + " progress '" + gpkg.string() +
        "' data-samples/progress/* --as-of 2022-10-10 --quiet >/dev/null 2>'" + d + "/w2.err'; echo $? >'" + d +
        "/w2.rc') & for i in 1 2 3; do " + bin + " annex '" + gpkg.string() + "' -o '" + d +
        "/annex'$i'.xlsx' --quiet >/dev/null 2>>'" + d + "/r.err'; echo $? >>'" + d + "/r.rc'; done; wait; }";
    shell_output(script);
    EXPECT_EQ(read_file(dir / "r.rc"), "0\n0\n0\n") << read_file(dir / "r.err");
    // the planted faults of the sample reports: exit 1 for both; the second found every report imported
    EXPECT_EQ(read_file(dir / "w1.rc"), "1\n") << read_file(dir / "w1.err");
    EXPECT_EQ(read_file(dir / "w2.rc"), "1\n") << read_file(dir / "w2.err");
    EXPECT_EQ(scalar(gpkg, "SELECT count(*) FROM progress_ledger"), serial_rows);
    EXPECT_EQ(text_of(gpkg, "PRAGMA integrity_check"), "ok");
    EXPECT_EQ(text_of(gpkg, "PRAGMA journal_mode"), "wal");  // still: the writers kept it
    EXPECT_FALSE(fs::exists(gpkg.string() + "-journal"));
}

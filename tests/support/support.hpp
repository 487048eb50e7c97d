// Test helpers: temporary folders, running the built binary, reading layers back
// through GDAL, writing small real spreadsheets and GeoPackages.
#pragma once
#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/issue.hpp"
#include "geo/coverage.hpp"

namespace cleanheat::test {

namespace fs = std::filesystem;

// A fresh folder under the system temp dir, removed at exit of the test process.
fs::path temp_dir();
fs::path source_dir();
fs::path samples(const std::string& relative = {});

struct CliResult {
    int exit_code = -1;
    std::string out, err;
};
// Runs the cleanheat binary with `args` (no shell), in the source folder.
CliResult run_cli(const std::vector<std::string>& args);
// The same with the binary's address space limited to `bytes` (RLIMIT_AS).
CliResult run_cli_within(std::size_t bytes, const std::vector<std::string>& args);

// A coverage of the geometries written as WKT, in order.
Coverage coverage_from_wkt(const std::vector<std::string>& wkts);

using Record = std::map<std::string, std::string>;
// Every feature of a layer as field-name -> text (geometry as WKT under "geometry").
std::vector<Record> read_layer(const fs::path& source, const std::string& layer);

// A small spreadsheet written with libxlsxwriter: cells by (row, column) 0-based, with
// merged ranges; numbers are written as numbers when `numbers` is true and they parse.
struct XlsxCell {
    int row, column;
    std::string text;
    bool number = false;
};
struct XlsxMerge {
    int first_row, first_column, last_row, last_column;
    std::string text;
};
struct XlsxSheet {
    std::string name;
    std::vector<XlsxCell> cells;
    std::vector<XlsxMerge> merges;
};
void write_xlsx(const fs::path& path, const std::vector<XlsxSheet>& sheets);
// A cell holding a number / a text, at 0-based row and column.
inline XlsxCell number_cell(int row, int column, const std::string& value) {
    return {row, column, value, true};
}
inline XlsxCell text_cell(int row, int column, const std::string& value) {
    return {row, column, value, false};
}

// A village GeoPackage of unit squares (EPSG:4527 around zone 39), one per code.
struct TestVillage {
    std::string code, name, township_name, county_name;
    double x, y;  // lower-left corner, metres
};
void write_villages(const fs::path& path, const std::vector<TestVillage>& villages, int epsg = 4527,
                    bool points = false);

std::string read_file(const fs::path& path);

// A resident ID number: the 17 digits given and their GB 11643 check character, computed here.
std::string resident_id(const std::string& first17);

// Standard output of a shell command (poppler and unzip checks).
std::string shell_output(const std::string& command);
// The text of a PDF (pdftotext, PAGES like "-f 2 -l 2"), spaces and line ends taken out.
std::string pdf_text(const fs::path& pdf, const std::string& pages = {});

// Every village of a GeoPackage with its fields and the contiguity check's (village_contiguity,
// joined by fid), in fid order; the geometry left out.
std::vector<Record> villages_with_contiguity(const fs::path& gpkg);
// Turns a dataset after contiguity into one as schema version 2 wrote it: the contiguity fields in
// the villages layer, no table village_contiguity (std::runtime_error when a statement fails).
void make_version_2(const fs::path& gpkg);
// The findings of one code, in their order.
std::vector<Issue> issues_with_code(const std::vector<Issue>& issues, const std::string& code);

// The content of a SQLite dataset as one digest: every row of every table in rowid order,
// tables by name; the tables run_info and run_log (and their rows in gpkg_contents/gpkg_ogr_contents) and the columns imported_at and last_change (times of a
// run) are left out, so two runs of the same command on the same data give the same digest.
// Empty when the file cannot be read as SQLite.
std::string dataset_digest(const fs::path& path);
// Every row of a SQLite table as text, keyed by its key column, geometry as WKB hex; reals with
// every digit (%.17g), so that a value changed in its last bit shows.
std::map<std::string, std::vector<std::string>> sqlite_rows(const fs::path& gpkg, const std::string& table,
                                                            const std::string& key, const std::vector<std::string>& columns);
// Runs SQL statements on a SQLite file; std::runtime_error with SQLite's message when one fails.
void sqlite_exec(const fs::path& path, const std::string& statements);
// The columns of a table of a GeoPackage, its key first.
std::vector<std::string> table_columns(const fs::path& gpkg, const std::string& table);
// PRAGMA integrity_check of a SQLite file ("ok" when sound; the error text otherwise).
std::string integrity_check(const fs::path& path);

// The sample plan tables as the command line names them (data-samples/plans/..., sorted).
std::vector<std::string> sample_plan_files();

// Runs cleanheat merge on data-samples/ (plans, villages, heating) into dir/merged.gpkg.
fs::path merge_samples(const fs::path& dir);

// Every row of a spreadsheet sheet as the text of its cells (GDAL's XLSX driver, no header
// detection, every cell as text; empty cells as "").
std::vector<std::vector<std::string>> sheet_rows(const fs::path& path, const std::string& sheet);

// A database of its own in the test cluster that `bash make.sh test` starts (tests/pg/cluster.sh,
// CLEANHEAT_TEST_PG: its admin connection), dropped at the end with the login roles made for it.
// Without a cluster the test is skipped with a message, except under make.sh test
// (CLEANHEAT_REQUIRE_PG=1), where a missing cluster fails it.
class PgTestDatabase {
public:
    PgTestDatabase();
    ~PgTestDatabase();
    bool available() const { return !name_.empty(); }
    const std::string& name() const { return name_; }
    // libpq keywords for the admin (a superuser), or for a login role made by login_role().
    std::string conninfo(const std::string& user = {}) const;
    // "PG:..." as the command line takes it.
    std::string pg(const std::string& user = {}) const { return "PG:" + conninfo(user); }
    // A login role of this test, member of `member_of` (cleanheat_city, cleanheat_unit_371602 ...).
    std::string login_role(const std::string& suffix, const std::string& member_of);
    // Runs SQL as the admin; the first column of the first row, "" when none.
    std::string admin_sql(const std::string& sql) const;

private:
    std::string admin_, name_;
    std::vector<std::string> roles_;
};
// Skips (or fails under make.sh test) a test when no cluster is there.
#define CLEANHEAT_REQUIRE_PG(db)                                                                         \
    do {                                                                                                \
        if (!(db).available()) {                                                                        \
            if (std::getenv("CLEANHEAT_REQUIRE_PG")) FAIL() << "no PostgreSQL test cluster (CLEANHEAT_TEST_PG)"; \
            GTEST_SKIP() << "no PostgreSQL test cluster: run the tests with bash make.sh test";       \
        }                                                                                               \
    } while (0)

}  // namespace cleanheat::test

// The commands that change a dataset (progress, contiguity, spotcheck) on a database: the same
// results as on a GeoPackage; ten reporting units importing at once lose nothing and double
// nothing; a reader meanwhile sees whole imports only; a unit cannot import another's report.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "io/pg_connection.hpp"
#include "support.hpp"

using namespace cleanheat::test;

namespace {

// db init of a schema and the dataset copied into it.
void dataset_into(const PgTestDatabase& pg, const fs::path& gpkg, const std::string& schema) {
    auto r = run_cli({"db", "init", pg.pg(), "--pg-schema", schema, "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli({"copy", gpkg.string(), pg.pg(), "--pg-schema", schema, "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
}

// The samples merged (`gpkg`), a copy to run on as a file (`file`), and the dataset in the
// database's schema cleanheat.
struct Stores {
    fs::path dir, gpkg, file;
};
Stores both_stores(const PgTestDatabase& pg) {
    Stores s;
    s.dir = temp_dir();
    s.gpkg = merge_samples(s.dir);
    s.file = s.dir / "file.gpkg";
    fs::copy_file(s.gpkg, s.file);
    dataset_into(pg, s.gpkg, "cleanheat");
    return s;
}

// Runs a command while `holder` keeps its transaction open: the command must still be waiting
// after 1.5 s (`why` says what it would have done otherwise); then the transaction commits.
CliResult run_while_held(const cleanheat::PgConnection& holder, const std::vector<std::string>& args,
                         const std::string& why) {
    std::atomic<bool> done{false};
    CliResult result;
    std::thread command([&] {
        result = run_cli(args);
        done = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    EXPECT_FALSE(done) << why;
    holder.exec("COMMIT");
    command.join();
    return result;
}

// The dataset of a schema copied back into a GeoPackage.
fs::path copy_back(const PgTestDatabase& pg, const std::string& schema, const fs::path& to) {
    const auto r = run_cli({"copy", pg.pg(), to.string(), "--pg-schema", schema, "--quiet"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return to;
}

std::vector<std::string> without(std::vector<std::string> columns, const std::set<std::string>& left_out) {
    columns.erase(std::remove_if(columns.begin(), columns.end(), [&](const std::string& c) { return left_out.count(c) > 0; }),
                  columns.end());
    return columns;
}

// Rows of a table as a sorted list, keys and run times left out, files by their names.
std::multiset<std::string> rows_of(const fs::path& gpkg, const std::string& table, const std::set<std::string>& left_out) {
    const auto all = table_columns(gpkg, table);
    const auto columns = without(std::vector<std::string>(all.begin() + 1, all.end()), left_out);
    std::multiset<std::string> out;
    for (const auto& [key, row] : sqlite_rows(gpkg, table, all.front(), columns)) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i)
            line += (columns[i] == "file" ? fs::path(row[i]).filename().string() : row[i]) + "|";
        out.insert(line);
    }
    return out;
}

std::string county_code_of(const std::string& report_file) {
    const auto units = nlohmann::json::parse(read_file(source_dir() / "styles/units.json"));
    for (const auto& u : units.at("units"))
        if (report_file.rfind(u.at("name").get<std::string>(), 0) == 0) return u.at("code").get<std::string>();
    return {};
}

}  // namespace

TEST(DatabaseWriters, ProgressContiguityAndSpotcheckOnTheDatabaseGiveTheFileResults) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const Stores stores = both_stores(pg);
    const fs::path& dir = stores.dir;
    const fs::path& file = stores.file;
    std::vector<std::string> reports;
    for (const auto& e : fs::directory_iterator(samples("progress")))
        if (e.path().extension() != ".md" && e.path().extension() != ".json") reports.push_back(e.path().string());
    std::sort(reports.begin(), reports.end());

    std::map<std::string, std::vector<std::string>> out;  // the summaries, store -> one per command
    std::map<std::string, long long> written;             // villages whose state the last run changed
    for (const std::string& target : {file.string(), pg.pg()}) {
        const std::string tag = target == file.string() ? "file" : "pg";
        std::vector<std::string> args = {"progress", target};
        args.insert(args.end(), reports.begin(), reports.end());
        args.insert(args.end(), {"--as-of", "2022-10-10", "-o", (dir / (tag + "-progress.xlsx")).string(), "--no-chart"});
        auto r = run_cli(args);
        EXPECT_EQ(r.exit_code, 1) << tag << r.err;  // the samples' planted rejects
        out[tag].push_back(r.out);
        r = run_cli({"contiguity", target, "--quiet"});  // twice: the second run replaces the first's results
        EXPECT_EQ(r.exit_code, 0) << tag << r.err;
        r = run_cli({"contiguity", target, "--xlsx", (dir / (tag + "-contiguity.xlsx")).string()});
        EXPECT_EQ(r.exit_code, 0) << tag << r.err;
        out[tag].push_back(r.out.substr(0, r.out.find("Output:")));
        r = run_cli({"spotcheck", target, "--rate", "0.2", "--seed", "11", "-o", (dir / (tag + "-spot.xlsx")).string()});
        EXPECT_EQ(r.exit_code, 0) << tag << r.err;
        out[tag].push_back(r.out.substr(0, r.out.find("Output:")));
        // a report again: nothing imported twice, no village's state changed (the database's run
        // reads the villages' states it had, not only the fields that name them)
        r = run_cli({"progress", target, reports.front(), "--as-of", "2022-10-10", "--json"});
        EXPECT_EQ(r.exit_code, 0) << tag << r.err;
        written[tag] = nlohmann::json::parse(r.out).at("villages_written").get<long long>();
    }
    EXPECT_EQ(written["pg"], written["file"]);
    EXPECT_EQ(written["pg"], 0);
    for (std::size_t i = 0; i < out["file"].size(); ++i) {
        auto pg_text = out["pg"][i];
        EXPECT_EQ(out["file"][i].substr(0, out["file"][i].find("Output:")), pg_text.substr(0, pg_text.find("Output:")))
            << "summary " << i;
    }
    EXPECT_NE(out["pg"][0].find("Ledger:"), std::string::npos);

    const fs::path back = copy_back(pg, "cleanheat", dir / "back.gpkg");
    for (const std::string table : {"progress_imports", "progress_ledger", "progress_issues", "clusters",
                                    "contiguity_groups", "contiguity_findings"}) {
        const auto in_file = rows_of(file, table, {"imported_at"});
        if (table != "contiguity_findings") {  // the samples have no overlaps
            EXPECT_FALSE(in_file.empty()) << table;
        }
        EXPECT_EQ(in_file, rows_of(back, table, {"imported_at"})) << table;
    }
    // the keys too: the database numbers the imports as the file does
    EXPECT_EQ(sqlite_rows(file, "progress_imports", "import_id", {"sha256"}),
              sqlite_rows(back, "progress_imports", "import_id", {"sha256"}));
    // every field of every village, by fid (progress, contiguity and spot-check fields included)
    const auto village_columns = without(table_columns(file, "villages"), {"fid"});
    EXPECT_EQ(village_columns, without(table_columns(back, "villages"), {"fid"}));
    const auto villages = sqlite_rows(file, "villages", "fid", village_columns);
    EXPECT_EQ(villages, sqlite_rows(back, "villages", "fid", village_columns));
    long long drawn = 0;
    for (const auto& [fid, row] : villages)
        drawn += row[std::find(village_columns.begin(), village_columns.end(), "spot_check") - village_columns.begin()] == "1";
    EXPECT_GT(drawn, 0);
    // the run log of the database: each run once
    EXPECT_EQ(rows_of(back, "run_log", {"arguments", "started_at", "finished_at", "tool_version"}),
              rows_of(file, "run_log", {"arguments", "started_at", "finished_at", "tool_version"}));
    // the workbooks hold the same tables (the import times aside)
    for (const auto& [book, sheet] : std::vector<std::pair<std::string, std::string>>{
             {"progress", "分县进度"}, {"progress", "滞后村庄"}, {"progress", "数据问题"}, {"contiguity", "连片情况汇总"}, {"contiguity", "孤立村"},
             {"spot", "抽查名单"}}) {
        const auto a = sheet_rows(dir / ("file-" + book + ".xlsx"), sheet);
        EXPECT_FALSE(a.empty()) << book << " " << sheet;
        EXPECT_EQ(a, sheet_rows(dir / ("pg-" + book + ".xlsx"), sheet)) << book << " " << sheet;
    }
}

TEST(DatabaseWriters, TenUnitsImportingAtOnceLoseNothingAndDoubleNothing) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    dataset_into(pg, gpkg, "cleanheat");
    dataset_into(pg, gpkg, "serial");
    // the city office's first run (the June reports), in both schemas
    std::vector<std::string> june;
    for (const auto& e : fs::directory_iterator(samples("progress")))
        if (e.path().filename().string().find("_20220630") != std::string::npos) june.push_back(e.path().string());
    ASSERT_EQ(june.size(), 7u);
    for (const std::string schema : {"cleanheat", "serial"}) {
        std::vector<std::string> args = {"progress", pg.pg(), "--pg-schema", schema};
        args.insert(args.end(), june.begin(), june.end());
        args.insert(args.end(), {"--as-of", "2022-08-01", "--quiet"});
        const auto r = run_cli(args);
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    // the July reports, each by its unit's login; three of them sent twice (the same file again)
    std::vector<std::pair<std::string, std::string>> jobs;  // login conninfo, report
    std::map<std::string, std::string> login;               // county code -> login conninfo
    fs::create_directories(dir / "again");
    for (const auto& e : fs::directory_iterator(samples("progress"))) {
        const std::string name = e.path().filename().string();
        if (name.find("_20220731.") == std::string::npos) continue;
        const std::string code = county_code_of(name);
        ASSERT_FALSE(code.empty()) << name;
        login[code] = pg.conninfo(pg.login_role("u" + code, "cleanheat_unit_" + code));
        jobs.emplace_back(login[code], e.path().string());
    }
    ASSERT_EQ(jobs.size(), 7u);
    std::sort(jobs.begin(), jobs.end());
    for (std::size_t i = 0; i < 3; ++i) {
        const fs::path again = dir / "again" / fs::path(jobs[i].second).filename();
        fs::copy_file(jobs[i].second, again);
        jobs.emplace_back(jobs[i].first, again.string());
    }
    ASSERT_EQ(jobs.size(), 10u);

    // at once, while a reader copies the dataset out again and again
    const std::string bin = "'" + std::string(CLEANHEAT_BINARY) + "'";
    std::string script = "cd '" + source_dir().string() + "' && ";
    for (std::size_t i = 0; i < jobs.size(); ++i)
        script += "(" + bin + " progress 'PG:" + jobs[i].first + "' '" + jobs[i].second +
                  "' --as-of 2022-08-01 --quiet >/dev/null 2>'" + (dir / ("job" + std::to_string(i) + ".err")).string() +
                  "'; echo $? >'" + (dir / ("job" + std::to_string(i) + ".rc")).string() + "') & ";
    script += "wait";
    std::atomic<bool> done{false};
    std::thread writers([&] {
        shell_output(script);
        done = true;
    });
    std::vector<fs::path> seen;
    for (int k = 0; !done && k < 200; ++k) {
        const fs::path copy = dir / ("reader" + std::to_string(k) + ".gpkg");
        const auto r = run_cli({"copy", pg.pg(), copy.string(), "--quiet"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        if (r.exit_code == 0) seen.push_back(copy);
    }
    writers.join();
    // one after the other, in the other schema: each run exits as it did at once (1 for a report
    // with rejected rows, also when it comes again)
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        const auto r = run_cli({"progress", "PG:" + jobs[i].first, "--pg-schema", "serial", jobs[i].second, "--as-of",
                                "2022-08-01"});
        EXPECT_LE(r.exit_code, 1) << jobs[i].second << r.err;
        // a unit's copy holds its own imports only, yet numbers its import as the database does
        EXPECT_EQ(r.err.find("in the database"), std::string::npos) << r.err;
        EXPECT_EQ(read_file(dir / ("job" + std::to_string(i) + ".rc")), std::to_string(r.exit_code) + "\n")
            << jobs[i].second << ": " << read_file(dir / ("job" + std::to_string(i) + ".err"));
    }
    const fs::path at_once = copy_back(pg, "cleanheat", dir / "at_once.gpkg");
    const fs::path serial = copy_back(pg, "serial", dir / "serial.gpkg");
    const auto imports = rows_of(at_once, "progress_imports", {"imported_at"});
    EXPECT_EQ(imports.size(), 14u);  // 7 in June, 7 in July: the three sent twice are there once
    EXPECT_EQ(imports, rows_of(serial, "progress_imports", {"imported_at"}));
    EXPECT_EQ(rows_of(at_once, "progress_ledger", {"imported_at", "import_id"}),
              rows_of(serial, "progress_ledger", {"imported_at", "import_id"}));
    EXPECT_EQ(rows_of(at_once, "progress_issues", {"import_id"}), rows_of(serial, "progress_issues", {"import_id"}));
    std::set<std::string> hashes;
    for (const auto& [id, row] : sqlite_rows(at_once, "progress_imports", "import_id", {"sha256"})) hashes.insert(row[0]);
    EXPECT_EQ(hashes.size(), 14u);
    const auto village_columns = without(table_columns(serial, "villages"), {"fid"});
    EXPECT_EQ(sqlite_rows(at_once, "villages", "fid", village_columns), sqlite_rows(serial, "villages", "fid", village_columns));

    // every copy taken meanwhile holds whole imports: each import's rows, and village fields that
    // agree with the ledger it holds
    EXPECT_FALSE(seen.empty());
    std::set<std::size_t> states;  // imports seen by a copy (said, not asserted: timing decides)
    for (const auto& copy : seen) {
        const auto imports_seen = sqlite_rows(copy, "progress_imports", "import_id", {"rows_read"});
        states.insert(imports_seen.size());
        EXPECT_GE(imports_seen.size(), 7u) << copy;
        EXPECT_LE(imports_seen.size(), 14u) << copy;
        std::map<std::string, long long> ledger_rows;
        for (const auto& [fid, row] : sqlite_rows(copy, "progress_ledger", "fid", {"import_id"})) ++ledger_rows[row[0]];
        for (const auto& [id, row] : imports_seen) EXPECT_EQ(ledger_rows[id], std::stoll(row[0])) << copy << " import " << id;
        EXPECT_EQ(ledger_rows.size(), imports_seen.size()) << copy;
        // a village's status date is the date of the latest report applied to it
        std::map<std::string, std::string> latest;
        for (const auto& [fid, row] : sqlite_rows(copy, "progress_ledger", "fid", {"village_fid", "report_date", "applied"}))
            if (row[2] == "1" && row[1] > latest[row[0]]) latest[row[0]] = row[1];
        for (const auto& [fid, row] : sqlite_rows(copy, "villages", "fid", {"status_date"}))
            EXPECT_EQ(row[0], latest.count(fid) ? latest[fid] : "NULL") << copy << " village " << fid;
    }

    std::string said;
    for (auto n : states) said += " " + std::to_string(n);
    std::cout << "[ reader   ] " << seen.size() << " copies during the imports; imports seen:" << said << std::endl;

    // a unit cannot import another unit's report: refused, nothing changed, no workbook left
    const auto r = run_cli({"progress", "PG:" + login.at("371602"), samples("progress/沾化区_20220731_重报.xlsx").string(),
                            "--as-of", "2022-08-01", "-o", (dir / "other.xlsx").string(), "--quiet"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("row-level security"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "other.xlsx"));
    const fs::path after = copy_back(pg, "cleanheat", dir / "after.gpkg");
    EXPECT_EQ(rows_of(after, "progress_imports", {}), rows_of(at_once, "progress_imports", {}));
    EXPECT_EQ(rows_of(after, "progress_ledger", {}), rows_of(at_once, "progress_ledger", {}));

    // a login that may not read the database's numbering: its copy numbers the new import after its
    // own imports, the database after everyone's; the ledger rows follow the database's number
    pg.admin_sql("REVOKE SELECT ON SEQUENCE serial.progress_imports_import_id_seq FROM cleanheat_unit_371602");
    const std::string report = samples("progress/滨城区_20220920.xlsx").string();
    const auto late = run_cli({"progress", "PG:" + login.at("371602"), "--pg-schema", "serial", report, "--as-of", "2022-10-01"});
    EXPECT_LE(late.exit_code, 1) << late.err;
    EXPECT_NE(late.err.find("in the database"), std::string::npos) << late.err;  // said
    const fs::path numbered = copy_back(pg, "serial", dir / "numbered.gpkg");
    std::string id;
    long long rows_read = 0;
    for (const auto& [key, row] : sqlite_rows(numbered, "progress_imports", "import_id", {"file", "rows_read"}))
        if (row[0] == report) {
            id = key;
            rows_read = std::stoll(row[1]);
        }
    ASSERT_FALSE(id.empty());
    long long ledger_rows = 0;
    for (const auto& [fid, row] : sqlite_rows(numbered, "progress_ledger", "fid", {"import_id", "file"})) {
        if (row[1] == report) {
            EXPECT_EQ(row[0], id) << fid;
        }
        ledger_rows += row[0] == id;
    }
    EXPECT_EQ(ledger_rows, rows_read);
}

TEST(DatabaseWriters, AVersion2DatasetInTheDatabaseIsUpgradedWholeByTheCityOfficeOnly) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"contiguity", gpkg.string(), "--quiet"}).exit_code, 0);
    const fs::path v3 = dir / "v3.gpkg";
    fs::copy_file(gpkg, v3);
    make_version_2(gpkg);
    dataset_into(pg, gpkg, "cleanheat");
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'cleanheat' AND "
                           "table_name = 'villages' AND column_name = 'contiguity'"),
              "1");
    // a unit may not upgrade it (the tables are the city office's): told, nothing changed
    const std::string unit = pg.conninfo(pg.login_role("u371602", "cleanheat_unit_371602"));
    auto r = run_cli({"progress", "PG:" + unit, samples("progress/滨城区_20220630.xlsx").string(), "--as-of",
                      "2022-07-01", "--quiet"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("schema version 2"), std::string::npos) << r.err;
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.villages WHERE contiguity IS NOT NULL"),
              std::to_string(read_layer(v3, "villages").size()));
    // any command of the city office upgrades it whole: the fields move, values kept, the version recorded
    r = run_cli({"progress", pg.pg(), "--as-of", "2022-07-01"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("upgraded from schema version 2"), std::string::npos) << r.err;
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM information_schema.columns WHERE table_schema = 'cleanheat' AND "
                           "table_name = 'villages' AND column_name IN ('contiguity', 'cluster_id', 'isolated')"),
              "0");
    EXPECT_EQ(pg.admin_sql("SELECT value FROM cleanheat.run_info WHERE key = 'schema_version'"), "3");
    const fs::path back = copy_back(pg, "cleanheat", dir / "back.gpkg");
    EXPECT_EQ(rows_of(back, "village_contiguity", {}), rows_of(v3, "village_contiguity", {}));
    EXPECT_EQ(without(table_columns(back, "villages"), {"progress_stage", "progress_late"}), table_columns(v3, "villages"));
    // said once; the unit's import goes through now
    r = run_cli({"contiguity", pg.pg()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("upgraded"), std::string::npos) << r.err;
    r = run_cli({"progress", "PG:" + unit, samples("progress/滨城区_20220630.xlsx").string(), "--as-of", "2022-07-01",
                 "--quiet"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST(DatabaseWriters, ACopyIntoTheDatabaseWaitsForARunThatWrites) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    dataset_into(pg, gpkg, "cleanheat");
    // another run holds the dataset's write lock
    cleanheat::PgConnection writer(pg.conninfo());
    writer.exec("BEGIN");
    writer.query("SELECT pg_advisory_xact_lock(hashtextextended('cleanheat dataset cleanheat', 0))");
    const CliResult copied = run_while_held(writer, {"copy", gpkg.string(), pg.pg(), "--overwrite"},
                                            "the copy replaced the dataset while another run was writing it");
    EXPECT_EQ(copied.exit_code, 0) << copied.err;
    EXPECT_NE(copied.err.find("waiting"), std::string::npos) << copied.err;
}

// The contiguity check on a database reads only the villages' fields it needs; its --planned
// filter may name any field (and its --by another): the same results as on the file.
TEST(DatabaseWriters, ContiguityOnTheDatabaseReadsTheFieldsItsOptionsName) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const Stores stores = both_stores(pg);
    const fs::path& dir = stores.dir;
    const fs::path& file = stores.file;
    std::map<std::string, nlohmann::json> out;
    // the key of village_contiguity: its constraint's oid (a new one when it was built again)
    const std::string key = "SELECT k.oid::text || ' ' || k.conname || ' ' || a.attname FROM pg_constraint k JOIN "
                            "pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1] WHERE k.conrelid = "
                            "'cleanheat.village_contiguity'::regclass AND k.contype = 'p'";
    for (const std::string& target : {file.string(), pg.pg()}) {
        // a first run, then one that plans other villages: the second writes back what changed
        auto r = run_cli({"contiguity", target, "--quiet"});
        ASSERT_EQ(r.exit_code, 0) << target << r.err;
        r = run_cli({"contiguity", target, "--planned", "households_gas > 0 /* the city's list */ AND \"PLAN_year\" <= 2022 AND "
                                                        "village_name <> 'a \"quoted'' name'",
                     "--by", "township_code", "--json", "--quiet"});
        ASSERT_EQ(r.exit_code, 0) << target << r.err;
        auto j = nlohmann::json::parse(r.out);
        for (const char* key : {"seconds", "output", "dataset"}) j.erase(key);
        out[target == file.string() ? "file" : "pg"] = j;
    }
    EXPECT_GT(out["file"]["total"]["planned"].get<long long>(), 0);
    EXPECT_GT(out["file"]["groups"].size(), 1u);
    EXPECT_EQ(out["file"], out["pg"]);
    const fs::path back = copy_back(pg, "cleanheat", dir / "back.gpkg");
    for (const std::string table : {"village_contiguity", "clusters", "contiguity_groups"})
        EXPECT_EQ(rows_of(file, table, {}), rows_of(back, table, {})) << table;
    // the same run again changes no village's row: none is written (their row versions stay)
    cleanheat::PgConnection db(pg.conninfo());
    const std::string versions = "SELECT string_agg(xmin::text, ',' ORDER BY village_fid) FROM cleanheat.village_contiguity";
    const std::string before = db.query(versions).text(0, 0);
    const auto r = run_cli({"contiguity", pg.pg(), "--planned", "households_gas > 0 /* the city's list */ AND \"PLAN_year\" <= 2022 AND "
                                                                "village_name <> 'a \"quoted'' name'",
                            "--by", "township_code", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(db.query(versions).text(0, 0), before);
    // every village planned: most villages' rows change, and are written again without their key,
    // which is built again after (a constraint of its own); the rows are the file's
    const std::string key_before = pg.admin_sql(key);
    for (const std::string& target : {file.string(), pg.pg()})
        ASSERT_EQ(run_cli({"contiguity", target, "--planned", "1 = 1", "--quiet"}).exit_code, 0) << target;
    const std::string key_after = pg.admin_sql(key);
    EXPECT_NE(key_after, key_before);
    EXPECT_NE(key_after.find(" village_contiguity_pkey village_fid"), std::string::npos) << key_after;
    const fs::path all = copy_back(pg, "cleanheat", dir / "all.gpkg");
    EXPECT_EQ(rows_of(file, "village_contiguity", {}), rows_of(all, "village_contiguity", {}));
    // a table whose replica identity is its key (logical replication): the key stays
    pg.admin_sql("ALTER TABLE cleanheat.village_contiguity REPLICA IDENTITY USING INDEX village_contiguity_pkey");
    ASSERT_EQ(run_cli({"contiguity", pg.pg(), "--quiet"}).exit_code, 0);  // most rows change back
    EXPECT_EQ(pg.admin_sql(key), key_after);
    pg.admin_sql("ALTER TABLE cleanheat.village_contiguity REPLICA IDENTITY DEFAULT");
    // a village taken out of the dataset: its row goes too
    db.exec("DELETE FROM cleanheat.villages WHERE fid = (SELECT min(village_fid) FROM cleanheat.village_contiguity)");
    ASSERT_EQ(run_cli({"contiguity", pg.pg(), "--quiet"}).exit_code, 0);
    EXPECT_EQ(db.query("SELECT count(*) FROM cleanheat.village_contiguity c LEFT JOIN cleanheat.villages v ON v.fid = "
                       "c.village_fid WHERE v.fid IS NULL").integer(0, 0), 0);
    EXPECT_EQ(db.query("SELECT count(*) FROM cleanheat.village_contiguity").integer(0, 0),
              db.query("SELECT count(*) FROM cleanheat.villages").integer(0, 0));
    // a table of someone's that refers to the key: the key stays, the rows are written under it
    pg.admin_sql("CREATE TABLE public.visits (village_fid bigint REFERENCES cleanheat.village_contiguity (village_fid))");
    const std::string kept = pg.admin_sql(key);
    ASSERT_EQ(run_cli({"contiguity", pg.pg(), "--planned", "1 = 1", "--quiet"}).exit_code, 0);
    EXPECT_EQ(pg.admin_sql(key), kept);
    EXPECT_EQ(db.query("SELECT count(*) FROM cleanheat.village_contiguity").integer(0, 0),
              db.query("SELECT count(*) FROM cleanheat.villages").integer(0, 0));
    EXPECT_GT(db.query("SELECT count(*) FROM cleanheat.village_contiguity WHERE cluster_id IS NOT NULL").integer(0, 0), 0);
    // every village taken out: every row goes, and the key stays
    pg.admin_sql("DROP TABLE public.visits");
    db.exec("DELETE FROM cleanheat.villages");
    const auto none = run_cli({"contiguity", pg.pg(), "--planned", "1 = 1"});
    EXPECT_EQ(none.exit_code, 0) << none.err;
    EXPECT_EQ(db.query("SELECT count(*) FROM cleanheat.village_contiguity").integer(0, 0), 0);
    EXPECT_EQ(pg.admin_sql(key), kept);
}

// On a database the check reads the villages itself and evaluates the --planned filter as SQLite
// does on the file (types, affinity, SQLite's functions: the fields the filter names, in memory);
// a filter naming another table makes it work on a copy of the dataset, and say so. Either way the
// file's results.
TEST(DatabaseWriters, ContiguityOnTheDatabaseEvaluatesTheFilterAsSqliteDoesOnTheFile) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const Stores stores = both_stores(pg);
    const long long villages = static_cast<long long>(sqlite_rows(stores.gpkg, "villages", "fid", {"village_code"}).size());
    struct Case {
        std::string planned;
        bool on_a_copy;
        long long villages_planned = -1;  // when known
    };
    // plan_year < '10000' and > '100' hold as numbers (INTEGER affinity: a number is less than any
    // text), not as text; LIKE ignores case
    const std::vector<Case> cases = {
        {"typeof(households_gas) = 'integer' AND typeof(plan_year) = 'integer' AND plan_year < '10000' AND "
         "plan_year > '100' AND rowid = fid AND "
         "ifnull(households_electric, 0) >= 0 AND ROUTE_MAIN like '%' || substr(route_main, 2)",
         false},
        {"households_total > 0 AND EXISTS (SELECT 1 FROM run_info WHERE key = 'tool')", true},
        // every village's row changes: all written again
        {"NOT (households_total > 0)", false},
        // a subquery on the villages themselves (looked up by fid) and a window: read in one run,
        // they see the whole layer
        {"households_total > 0 AND EXISTS (SELECT 1 FROM villages v WHERE v.fid = villages.fid - 1 AND "
         "v.households_total > 0)",
         false},
        {"rank() OVER (ORDER BY households_total DESC, fid) <= 20", false, 20}};
    for (const Case& c : cases) {
        std::map<std::string, nlohmann::json> out;
        for (const std::string& target : {stores.file.string(), pg.pg()}) {
            const auto r = run_cli({"contiguity", target, "--planned", c.planned, "--json"});
            ASSERT_EQ(r.exit_code, 0) << target << r.err;
            const bool copied = r.err.find("contiguity works on a copy of the dataset") != std::string::npos;
            EXPECT_EQ(copied, target == pg.pg() && c.on_a_copy) << c.planned << r.err;
            auto j = nlohmann::json::parse(r.out);
            for (const char* key : {"seconds", "output", "dataset"}) j.erase(key);
            out[target == pg.pg() ? "pg" : "file"] = j;
        }
        const long long planned = out["file"]["total"]["planned"].get<long long>();
        EXPECT_GT(planned, 0) << c.planned;
        EXPECT_LT(planned, villages) << c.planned;
        if (c.villages_planned >= 0) {
            EXPECT_EQ(planned, c.villages_planned) << c.planned;
        }
        EXPECT_EQ(out["file"], out["pg"]) << c.planned;
        const fs::path back = copy_back(pg, "cleanheat", stores.dir / "back.gpkg");
        for (const std::string table : {"village_contiguity", "clusters", "contiguity_groups", "contiguity_findings"})
            EXPECT_EQ(rows_of(stores.file, table, {}), rows_of(back, table, {})) << table << " " << c.planned;
        fs::remove(back);
    }
    // a field that is not there: refused at once, as on the file (no copy made to find that out)
    const auto r = run_cli({"contiguity", pg.pg(), "--planned", "housholds_total > 0"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("no such column: housholds_total"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("works on a copy"), std::string::npos) << r.err;
    // an aggregate keeps no village by its own row: refused on both stores (the scan would be one row)
    for (const std::string& target : {stores.file.string(), pg.pg()}) {
        const auto aggregate = run_cli({"contiguity", target, "--planned", "max(households_total) > 0"});
        EXPECT_EQ(aggregate.exit_code, 2) << target << aggregate.err;
        EXPECT_NE(aggregate.err.find("misuse of aggregate"), std::string::npos) << target << aggregate.err;
    }
    // the villages read in three runs side by side (connections of their own, the run's snapshot):
    // the results of one reader
    std::map<std::string, nlohmann::json> by_threads;
    std::map<std::string, std::multiset<std::string>> tables;
    for (const std::string threads : {"1", "3"}) {
        const auto run = run_cli({"contiguity", pg.pg(), "--by", "township_code", "--threads", threads, "--json"});
        ASSERT_EQ(run.exit_code, 0) << run.err;
        auto j = nlohmann::json::parse(run.out);
        for (const char* key : {"seconds", "output", "dataset"}) j.erase(key);
        by_threads[threads] = j;
        const fs::path back = copy_back(pg, "cleanheat", stores.dir / ("threads" + threads + ".gpkg"));
        for (const std::string table : {"village_contiguity", "clusters", "contiguity_groups"}) {
            auto rows = rows_of(back, table, {});
            tables[threads + table] = rows;
            if (threads == "3") {
                EXPECT_EQ(tables["1" + table], rows) << table;
            }
        }
    }
    EXPECT_GT(by_threads["1"]["groups"].size(), 1u);
    EXPECT_EQ(by_threads["1"], by_threads["3"]);
}

// Copies taken while contiguity runs replace village_contiguity again and again hold every
// village's row: a reader never sees the table emptied or half written.
TEST(DatabaseWriters, CopiesDuringContiguityRunsHoldEveryVillagesRow) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    dataset_into(pg, gpkg, "cleanheat");
    const auto villages = sqlite_rows(gpkg, "villages", "fid", {"village_code"}).size();
    std::atomic<bool> stop{false};
    std::atomic<int> runs{0};
    std::thread again([&] {
        for (int i = 0; !stop; ++i) {  // the planned set alternates: every run changes rows
            const auto r = run_cli({"contiguity", pg.pg(), "--quiet", "--planned",
                                    i % 2 ? "households_total > 0" : "households_gas > 0"});
            EXPECT_EQ(r.exit_code, 0) << r.err;
            ++runs;
        }
    });
    for (int i = 0; i < 4; ++i) {
        const fs::path copy = dir / ("read" + std::to_string(i) + ".gpkg");
        const auto copied = run_cli({"copy", pg.pg(), copy.string(), "--quiet"});
        EXPECT_EQ(copied.exit_code, 0) << copied.err;
        if (copied.exit_code == 0 && runs > 0) {
            EXPECT_EQ(sqlite_rows(copy, "village_contiguity", "village_fid", {"contiguity"}).size(), villages) << i;
        }
    }
    stop = true;
    again.join();
    EXPECT_GT(runs, 1);
}

// A database's geometry is read as PostGIS sends it (EWKB, its SRID inside); a geometry the
// check's own reader does not take (curves) goes through OGR without that SRID, and counts as the
// polygon it is: the same results as before, nothing unreadable.
TEST(DatabaseWriters, ContiguityOnTheDatabaseReadsCurvedVillagesAsTheirPolygons) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const Stores stores = both_stores(pg);
    auto totals = [&] {
        const auto r = run_cli({"contiguity", pg.pg(), "--json", "--quiet"});
        EXPECT_EQ(r.exit_code, 0) << r.err;
        auto j = nlohmann::json::parse(r.out);
        return std::make_pair(j["total"], j.at("geometry").at("empty").get<long long>());
    };
    const auto before = totals();
    cleanheat::PgConnection db(pg.conninfo());
    const long long srid = db.query("SELECT Find_SRID('cleanheat', 'villages', 'geom')").integer(0, 0);
    db.exec("ALTER TABLE cleanheat.villages ALTER COLUMN geom TYPE geometry(Geometry, " + std::to_string(srid) + ")");
    // every planned village of one county curved (CURVEPOLYGON / MULTISURFACE of its own rings)
    const long long curved = db.query("WITH c AS (UPDATE cleanheat.villages SET geom = ST_ForceCurve(geom) WHERE county_code = "
                                      "(SELECT min(county_code) FROM cleanheat.villages WHERE households_total > 0) "
                                      "RETURNING 1) SELECT count(*) FROM c").integer(0, 0);
    ASSERT_GT(curved, 10);
    ASSERT_GT(db.query("SELECT count(*) FROM cleanheat.villages WHERE GeometryType(geom) IN ('CURVEPOLYGON', 'MULTISURFACE')")
                  .integer(0, 0), 10);
    const auto after = totals();
    EXPECT_EQ(after.second, before.second);
    EXPECT_EQ(after.first, before.first);
    EXPECT_GT(before.first["planned"].get<long long>(), curved);
}

// A first run fills village_contiguity on a connection of its own under a staging name and takes
// it in: the rows are the file's, the table is keyed and secured like the others, and no staging
// table is left; one that a killed run left behind is dropped by the next run.
TEST(DatabaseWriters, AFirstContiguityRunTakesInItsStagedTableAndDropsOneLeftBehind) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const Stores stores = both_stores(pg);
    cleanheat::PgConnection db(pg.conninfo());
    ASSERT_EQ(db.query("SELECT to_regclass('cleanheat.village_contiguity') IS NULL").text(0, 0), "t");
    db.exec("CREATE TABLE cleanheat.village_contiguity_staging_1_1 (village_fid bigint)");
    db.exec("INSERT INTO cleanheat.village_contiguity_staging_1_1 VALUES (1)");
    // one that cannot be dropped (a view of someone's on it) stays, and the run goes on
    db.exec("CREATE TABLE cleanheat.village_contiguity_staging_3_3 (village_fid bigint)");
    db.exec("CREATE VIEW public.looking_at_3_3 AS SELECT * FROM cleanheat.village_contiguity_staging_3_3");
    for (const std::string& target : {stores.file.string(), pg.pg()}) {
        const auto r = run_cli({"contiguity", target, "--quiet"});
        ASSERT_EQ(r.exit_code, 0) << target << r.err;
    }
    EXPECT_EQ(db.query("SELECT string_agg(c.relname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = "
                       "c.relnamespace WHERE n.nspname = 'cleanheat' AND c.relname LIKE 'village\\_contiguity\\_staging%'")
                  .text(0, 0),
              "village_contiguity_staging_3_3");
    // keyed by the village, owned by the city office's role, under row-level security with its policies
    EXPECT_EQ(db.query("SELECT string_agg(a.attname, ',') FROM pg_index i JOIN pg_attribute a ON a.attrelid = "
                       "i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indisprimary AND i.indrelid = "
                       "'cleanheat.village_contiguity'::regclass")
                  .text(0, 0),
              "village_fid");
    EXPECT_EQ(db.query("SELECT to_regclass('cleanheat.village_contiguity_pkey') IS NOT NULL").text(0, 0), "t");
    EXPECT_EQ(db.query("SELECT relrowsecurity::text || ' ' || pg_get_userbyid(relowner) FROM pg_class WHERE oid = "
                       "'cleanheat.village_contiguity'::regclass")
                  .text(0, 0),
              "true cleanheat_city");
    EXPECT_EQ(db.query("SELECT count(*) FROM pg_policies WHERE schemaname = 'cleanheat' AND tablename = "
                       "'village_contiguity'")
                  .integer(0, 0),
              3);  // city_all, viewer_read, unit_own
    const fs::path back = copy_back(pg, "cleanheat", stores.dir / "back.gpkg");
    EXPECT_EQ(rows_of(stores.file, "village_contiguity", {}), rows_of(back, "village_contiguity", {}));
    EXPECT_EQ(rows_of(back, "village_contiguity", {}).size(), read_layer(stores.file, "villages").size());
}

// A login allowed one connection: the villages are read, and village_contiguity written, on the
// run's own connection, and the run says so; the rows are the file's all the same. A staging
// table left behind by a login it may not drop stays, and the run goes on.
TEST(DatabaseWriters, AFirstContiguityRunOnOneConnectionWritesWhatItWouldHaveStaged) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const Stores stores = both_stores(pg);
    const std::string login = pg.login_role("one", "cleanheat_city");
    pg.admin_sql("ALTER ROLE " + login + " CONNECTION LIMIT 1");
    pg.admin_sql("CREATE TABLE cleanheat.village_contiguity_staging_2_2 (village_fid bigint)");  // the admin's
    auto r = run_cli({"contiguity", stores.file.string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli({"contiguity", "PG:" + pg.conninfo(login), "--threads", "1"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("village_contiguity written on one connection"), std::string::npos) << r.err;
    cleanheat::PgConnection db(pg.conninfo());
    EXPECT_EQ(db.query("SELECT string_agg(relname, ',') FROM pg_class WHERE relname LIKE "
                       "'village\\_contiguity\\_staging%'").text(0, 0),
              "village_contiguity_staging_2_2");
    const fs::path back = copy_back(pg, "cleanheat", stores.dir / "back.gpkg");
    EXPECT_EQ(rows_of(stores.file, "village_contiguity", {}), rows_of(back, "village_contiguity", {}));
    EXPECT_EQ(rows_of(stores.file, "clusters", {}), rows_of(back, "clusters", {}));
}

// cleanheat households as a user runs it on the sample lists (data-samples/households): every
// planted fault found at its file and row and nothing else (expected.json), a second run changing
// nothing, no full ID or phone number outside the households table, and the lists in a
// PostgreSQL dataset, where a unit sees only its own households and the viewers none.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unordered_set>
#include <cctype>
#include <set>
#include <tuple>

#include "base/error.hpp"
#include "io/pg_connection.hpp"
#include "support.hpp"

using namespace cleanheat::test;

namespace {

using json = nlohmann::json;

json expected() { return json::parse(read_file(samples("households/expected.json"))); }

std::vector<std::string> lists(const std::string& folder) {
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(samples("households/" + folder))) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    return files;
}

std::vector<std::string> households_args(const std::string& dataset) {
    std::vector<std::string> args = {"households", dataset};
    for (const auto& f : lists("2022")) args.push_back(f);
    args.push_back("--prior");
    for (const auto& f : lists("prior")) args.push_back(f);
    return args;
}

using Finding = std::tuple<std::string, std::string, int, std::string>;  // file name, sheet, row, code

std::set<Finding> expected_findings(const json& e) {
    std::set<Finding> out;
    for (const char* part : {"expected_findings", "village_findings"})
        for (const auto& f : e.at(part))
            out.emplace(f.at("file").get<std::string>(), f.at("sheet").is_null() ? "" : f.at("sheet").get<std::string>(),
                        f.at("row").get<int>(), f.at("code").get<std::string>());
    return out;
}

// Every text value of every table of a GeoPackage but `except`, with where it is.
std::vector<std::pair<std::string, std::string>> texts_of(const fs::path& gpkg, const std::set<std::string>& except) {
    sqlite3* db = nullptr;
    sqlite3_open_v2(gpkg.string().c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
    std::vector<std::string> tables;
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(db, "SELECT name FROM sqlite_master WHERE type = 'table'", -1, &st, nullptr);
    while (sqlite3_step(st) == SQLITE_ROW) tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& t : tables) {
        if (except.count(t)) continue;
        sqlite3_prepare_v2(db, ("SELECT * FROM \"" + t + "\"").c_str(), -1, &st, nullptr);
        while (sqlite3_step(st) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(st); ++c)
                if (sqlite3_column_type(st, c) == SQLITE_TEXT)
                    out.emplace_back(t + "." + sqlite3_column_name(st, c),
                                     reinterpret_cast<const char*>(sqlite3_column_text(st, c)));
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return out;
}

// The ID numbers and phones of the households, as stored (the personal data to look for).
std::unordered_set<std::string> personal_numbers(const fs::path& gpkg) {
    std::unordered_set<std::string> out;
    for (const auto& h : read_layer(gpkg, "households")) {
        if (h.at("id_number").size() >= 15) out.insert(h.at("id_number"));
        if (h.at("phone").size() >= 11) out.insert(h.at("phone"));
    }
    return out;
}

// Where a full personal number shows in a text: any 11 or 18 characters of a run of digits.
std::string leak_in(const std::string& text, const std::unordered_set<std::string>& numbers) {
    for (std::size_t i = 0; i < text.size();) {
        if (!std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == 'X')) ++end;
        for (std::size_t length : {11u, 15u, 17u, 18u, 19u})
            for (std::size_t at = i; at + length <= end; ++at)
                if (numbers.count(text.substr(at, length))) return text.substr(at, length);
        i = end;
    }
    return {};
}

}  // namespace

TEST(HouseholdsCli, EveryPlantedFaultIsFoundAtItsRowAndASecondRunChangesNothing) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const json e = expected();
    auto args = households_args(gpkg.string());
    args.push_back("--json");
    const auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 1) << r.err;  // the planted faults
    const json j = json::parse(r.out);
    EXPECT_EQ(j.at("rows").at("read"), j.at("rows").at("loaded").get<long long>() + j.at("rows").at("rejected").get<long long>());
    long long listed = 0;
    for (const auto& f : e.at("files"))
        for (const auto& s : f.at("sheets")) listed += s.at("households").get<long long>();
    long long prior = 0;
    for (const auto& p : e.at("prior")) prior += p.at("households").get<long long>();
    EXPECT_EQ(j.at("rows").at("read").get<long long>(), listed + prior);
    EXPECT_EQ(j.at("prior_households").get<long long>(), prior);
    EXPECT_EQ(j.at("villages_planned_unlisted"), 0);
    for (const auto& i : j.at("imports")) EXPECT_EQ(i.at("status"), "imported") << i.at("file");
    // every finding at its file, sheet and row; none that was not planted or expected
    std::set<Finding> found, suspect;
    for (const auto& i : read_layer(gpkg, "household_issues"))
        if (std::stoi(i.at("row")) > 0)
            (i.at("code") == "W_ID_SUSPECT" ? suspect : found)
                .emplace(fs::path(i.at("file")).filename().string(), i.at("sheet"), std::stoi(i.at("row")), i.at("code"));
    // an ID whose last three digits read 000 is said (typed as a number?), and only such an ID
    std::set<Finding> zeros;
    for (const auto& h : read_layer(gpkg, "households"))
        if (h.at("id_status") == "ok" && h.at("id_number").size() == 18 && h.at("id_number").substr(15) == "000")
            zeros.emplace(fs::path(h.at("file")).filename().string(), h.at("sheet"), std::stoi(h.at("row")), "W_ID_SUSPECT");
    EXPECT_EQ(suspect, zeros);
    const auto want = expected_findings(e);
    std::vector<Finding> missing, extra;
    std::set_difference(want.begin(), want.end(), found.begin(), found.end(), std::back_inserter(missing));
    std::set_difference(found.begin(), found.end(), want.begin(), want.end(), std::back_inserter(extra));
    EXPECT_TRUE(missing.empty()) << missing.size() << " missing, first " << std::get<0>(missing.front()) << " row "
                                 << std::get<2>(missing.front()) << " " << std::get<3>(missing.front());
    EXPECT_TRUE(extra.empty()) << extra.size() << " not expected, first " << std::get<0>(extra.front()) << " row "
                               << std::get<2>(extra.front()) << " " << std::get<3>(extra.front());
    // again: every list a duplicate, the tables as they were
    const auto rows_before = read_layer(gpkg, "households").size();
    const auto issues_before = read_layer(gpkg, "household_issues").size();
    const auto again = run_cli(args);
    ASSERT_EQ(again.exit_code, 0) << again.err;
    const auto second = json::parse(again.out);
    for (const auto& i : second.at("imports")) EXPECT_EQ(i.at("status"), "duplicate");
    EXPECT_EQ(read_layer(gpkg, "households").size(), rows_before);
    EXPECT_EQ(read_layer(gpkg, "household_issues").size(), issues_before);
    EXPECT_EQ(second.at("households"), j.at("households"));
}

TEST(HouseholdsCli, NoFullIdOrPhoneNumberLeavesTheHouseholdsTable) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    auto args = households_args(gpkg.string());
    const auto text = run_cli(args);
    ASSERT_EQ(text.exit_code, 1) << text.err;
    const auto numbers = personal_numbers(gpkg);
    ASSERT_GT(numbers.size(), 100000u);
    // the dataset's other tables (findings, imports, run log), the summary on stdout and stderr
    for (const auto& [where, value] : texts_of(gpkg, {"households"}))
        ASSERT_EQ(leak_in(value, numbers), "") << where << ": " << value;
    EXPECT_EQ(leak_in(text.out, numbers), "");
    EXPECT_EQ(leak_in(text.err, numbers), "");
    // the subsidy workbook and table: masked everywhere; the roll made --unmasked holds them, its
    // notice lists (公示名单) still masked
    const auto xlsx = dir / "subsidy.xlsx";
    const auto sub = run_cli({"subsidy", gpkg.string(), "--season", "2022-2023", "-o", xlsx.string(), "--json"});
    ASSERT_EQ(sub.exit_code, 0) << sub.err;
    EXPECT_EQ(leak_in(shell_output("unzip -p " + xlsx.string()), numbers), "");
    EXPECT_EQ(leak_in(sub.out, numbers), "");
    for (const auto& [where, value] : texts_of(gpkg, {"households"}))
        ASSERT_EQ(leak_in(value, numbers), "") << where << ": " << value;
    const auto roll = dir / "roll.xlsx";
    ASSERT_EQ(run_cli({"subsidy", gpkg.string(), "--season", "2022-2023", "-o", roll.string(), "--unmasked", "--quiet"}).exit_code, 0);
    EXPECT_NE(leak_in(shell_output("unzip -p " + roll.string()), numbers), "");
    const auto notice = sheet_rows(roll, "公示名单-滨城区");
    for (const auto& row : notice)
        for (const auto& cell : row) ASSERT_EQ(leak_in(cell, numbers), "") << cell;
    const auto title = sheet_rows(roll, "花名册-滨城区").at(0).at(0);
    EXPECT_NE(title.find("内部资料"), std::string::npos) << title;
    // the report's section on acceptance and subsidies: the city's figures, no personal number
    const auto pdf = dir / "report.pdf";
    ASSERT_EQ(run_cli({"report", gpkg.string(), "-o", pdf.string(), "--quiet"}).exit_code, 0);
    const std::string pdf_text = shell_output("pdftotext " + pdf.string() + " - 2>/dev/null");
    EXPECT_NE(pdf_text.find("验收与补贴"), std::string::npos);
    const json city = json::parse(sub.out).at("city");
    char paid[64];
    std::snprintf(paid, sizeof paid, "%.2f", city.at("paid").get<double>());
    std::string grouped = paid;  // written as every output writes numbers: 1,234,567.00
    for (auto i = static_cast<long>(grouped.find('.')) - 3; i > 0; i -= 3) grouped.insert(static_cast<std::size_t>(i), ",");
    EXPECT_NE(pdf_text.find(std::string("本次拨付 ") + grouped), std::string::npos) << grouped;
    EXPECT_EQ(leak_in(pdf_text, numbers), "");
    // the use subsidy at most the cap, which the samples' larger uses reach
    double most = 0;
    for (const auto& line : read_layer(gpkg, "subsidies"))
        if (line.at("kind") == "use") most = std::max(most, std::stod(line.at("due")));
    EXPECT_EQ(most, json::parse(read_file(source_dir() / "styles/subsidy.json")).at("use").at("cap").get<double>());
    // due = paid + withheld, per unit and for the city
    const json j = json::parse(sub.out);
    double units_due = 0;
    for (const auto& [code, u] : j.at("units").items()) {
        EXPECT_NEAR(u.at("due").get<double>(), u.at("paid").get<double>() + u.at("withheld").get<double>(), 0.005) << code;
        units_due += u.at("due").get<double>();
    }
    EXPECT_NEAR(j.at("city").at("due").get<double>(), units_due, 0.01);
    EXPECT_NEAR(j.at("city").at("due").get<double>(),
                j.at("city").at("paid").get<double>() + j.at("city").at("withheld").get<double>(), 0.005);
    // and the masks are there: an invalid ID quoted with its middle hidden
    bool masked = false;
    for (const auto& i : read_layer(gpkg, "household_issues"))
        if (i.at("code") == "E_ID_INVALID" && i.at("value").find("********") != std::string::npos) masked = true;
    EXPECT_TRUE(masked);
}

TEST(HouseholdsCli, InTheDatabaseAUnitSeesItsOwnHouseholdsAndTheViewersNone) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(run_cli({"copy", gpkg.string(), pg.pg(), "--quiet"}).exit_code, 0);
    // the city office imports every list but 滨城区's; the unit 371602 imports its own
    std::vector<std::string> args = {"households", pg.pg(), "--json"};
    std::string binchen_list;
    for (const auto& f : lists("2022")) {
        if (f.find("滨城区") != std::string::npos)
            binchen_list = f;
        else
            args.push_back(f);
    }
    ASSERT_FALSE(binchen_list.empty());
    const auto city_run = run_cli(args);
    ASSERT_EQ(city_run.exit_code, 1) << city_run.err;
    const std::string binchen = pg.login_role("binchen", "cleanheat_unit_371602");
    const auto unit_run = run_cli({"households", pg.pg(binchen), binchen_list, "--json"});
    ASSERT_EQ(unit_run.exit_code, 1) << unit_run.err;
    const json u = json::parse(unit_run.out);
    EXPECT_EQ(u.at("imports").at(0).at("status"), "imported");
    // the database holds what the file run holds: every household of every list
    const auto file_run = run_cli({"households", gpkg.string(), binchen_list, "--quiet"});
    args[1] = gpkg.string();
    run_cli(args);
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.households"),
              std::to_string(read_layer(gpkg, "households").size()));
    EXPECT_EQ(pg.admin_sql("SELECT count(DISTINCT id_number) FROM cleanheat.households WHERE county_code = '371602'"),
              pg.admin_sql("SELECT count(DISTINCT id_number) FROM cleanheat.households WHERE import_id IN (SELECT "
                           "import_id FROM cleanheat.household_imports WHERE county_code = '371602')"));
    // the unit: its own households only, and it cannot add another's
    const cleanheat::PgConnection unit(pg.conninfo(binchen));
    EXPECT_EQ(unit.query("SELECT string_agg(DISTINCT county_code, ',') FROM cleanheat.households").text(0, 0), "371602");
    EXPECT_EQ(unit.query("SELECT count(*) FROM cleanheat.households").text(0, 0),
              pg.admin_sql("SELECT count(*) FROM cleanheat.households WHERE county_code = '371602'"));
    try {
        unit.exec("INSERT INTO cleanheat.households (county_code, holder_name) VALUES ('371603', 'x')");
        ADD_FAILURE() << "a unit added another unit's household";
    } catch (const cleanheat::Error&) {
        EXPECT_EQ(unit.last_state(), "42501");
    }
    // the viewers: no households at all (their findings, masked, they may read)
    const std::string viewer = pg.login_role("viewer", "cleanheat_viewer");
    const cleanheat::PgConnection view(pg.conninfo(viewer));
    try {
        view.query("SELECT count(*) FROM cleanheat.households");
        ADD_FAILURE() << "the viewer read households";
    } catch (const cleanheat::Error&) {
        EXPECT_EQ(view.last_state(), "42501");
    }
    EXPECT_NE(view.query("SELECT count(*) FROM cleanheat.household_issues").text(0, 0), "0");
    // the subsidies computed in the database, the same as from the file
    const auto db_run = run_cli({"subsidy", pg.pg(), "--season", "2022-2023", "-o", (dir / "db.xlsx").string(), "--json"});
    ASSERT_EQ(db_run.exit_code, 0) << db_run.err;
    const auto file_run2 = run_cli({"subsidy", gpkg.string(), "--season", "2022-2023", "-o", (dir / "file.xlsx").string(), "--json"});
    ASSERT_EQ(file_run2.exit_code, 0) << file_run2.err;
    EXPECT_EQ(json::parse(db_run.out).at("city"), json::parse(file_run2.out).at("city"));
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.subsidies"),
              std::to_string(json::parse(db_run.out).at("lines").at("all").get<long long>()));
    EXPECT_EQ(unit.query("SELECT string_agg(DISTINCT county_code, ',') FROM cleanheat.subsidies").text(0, 0), "371602");
}

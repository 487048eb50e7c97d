// A province gathering city databases with postgres_fdw (cleanheat db gather, docs/scale.md): the
// province's annex from two city datasets equals the annex of their union.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

// A keyword of the test cluster's admin connection (host, port, user): "key=value" words.
std::string admin_keyword(const std::string& key) {
    const char* admin = std::getenv("CLEANHEAT_TEST_PG");
    std::istringstream words(admin ? admin : "");
    for (std::string word; words >> word;)
        if (word.rfind(key + "=", 0) == 0) return word.substr(key.size() + 1);
    return {};
}

}  // namespace

TEST(ProvinceCli, AProvinceAnnexOfTwoCityDatabasesIsTheAnnexOfTheirUnion) {
    PgTestDatabase city_a, city_b, province;
    CLEANHEAT_REQUIRE_PG(province);
    const auto dir = temp_dir();
    const fs::path whole = merge_samples(dir);
    // two cities: three counties and the other four, each with its villages, plan rows and heating
    const std::string first = "('371602', '371603', '371621')";
    const fs::path a = dir / "a.gpkg", b = dir / "b.gpkg";
    fs::copy_file(whole, a);
    fs::copy_file(whole, b);
    for (const auto& [gpkg, keep] : {std::pair{a, "IN"}, std::pair{b, "NOT IN"}})
        for (const char* table : {"villages", "plan_rows", "heating"})
            sqlite_exec(gpkg, std::string("DELETE FROM ") + table + " WHERE county_code NOT IN (SELECT county_code FROM " + table +
                          " WHERE county_code " + keep + " " + first + ")");
    sqlite_exec(b, "DELETE FROM issues");  // the merge's findings: the first city's
    for (const auto& [db, gpkg] : {std::pair{&city_a, a}, std::pair{&city_b, b}}) {
        ASSERT_EQ(run_cli({"db", "init", db->pg(), "--quiet"}).exit_code, 0);
        const auto r = run_cli({"copy", gpkg.string(), db->pg(), "--quiet"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
    }
    // the province's administrator: a foreign server and user mapping per city (PostgreSQL's own means)
    province.admin_sql("CREATE EXTENSION postgres_fdw");
    std::string host = admin_keyword("host"), port = admin_keyword("port");
    for (const auto& [server, db] : {std::pair{"srv_a", &city_a}, std::pair{"srv_b", &city_b}}) {
        province.admin_sql(std::string("CREATE SERVER ") + server + " FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '" +
                           host + "', " + (port.empty() ? "" : "port '" + port + "', ") + "dbname '" + db->name() + "')");
        province.admin_sql(std::string("CREATE USER MAPPING FOR CURRENT_USER SERVER ") + server + " OPTIONS (user '" +
                           admin_keyword("user") + "')");
    }
    auto r = run_cli({"db", "gather", province.pg(), "--city", "a=srv_a", "--city", "b=srv_b", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("villages").get<long long>(), static_cast<long long>(read_layer(whole, "villages").size()));
    EXPECT_EQ(j.at("srid").get<int>(), 4527);
    // the province's annex, read through the cities' servers, and the annex of the whole
    r = run_cli({"annex", province.pg(), "-o", (dir / "province.xlsx").string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run_cli({"annex", whole.string(), "-o", (dir / "whole.xlsx").string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* sheet : {"附件1", "附件2"}) {
        const auto rows = sheet_rows(dir / "whole.xlsx", sheet);
        EXPECT_GT(rows.size(), 8u) << sheet;
        EXPECT_EQ(sheet_rows(dir / "province.xlsx", sheet), rows) << sheet;
    }
    // a village is one row of the union: the province's numbers never mean two villages
    EXPECT_EQ(province.admin_sql("SELECT count(DISTINCT fid) = count(*) FROM cleanheat.villages"), "t");
    // a change in a city is in the province's next annex
    city_b.admin_sql("UPDATE cleanheat.heating SET area_m2 = area_m2 + 10000, area_10k_m2 = area_10k_m2 + 1");
    r = run_cli({"annex", province.pg(), "-o", (dir / "province2.xlsx").string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(sheet_rows(dir / "province2.xlsx", "附件2"), sheet_rows(dir / "whole.xlsx", "附件2"));
    // refusals: a server that is not there, a schema holding a dataset of its own, a bad --city
    r = run_cli({"db", "gather", province.pg(), "--city", "c=srv_missing"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("no foreign server srv_missing"), std::string::npos) << r.err;
    r = run_cli({"db", "gather", city_a.pg(), "--city", "a=srv_a"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("holds a table"), std::string::npos) << r.err;
    r = run_cli({"db", "gather", province.pg(), "--city", "srv_a"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
}

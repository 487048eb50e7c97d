// The dataset in PostgreSQL/PostGIS: cleanheat db init (schema, roles), cleanheat copy into the
// database (every row, every geometry), and who sees and changes what (row-level security),
// against the private cluster that bash make.sh test starts.
#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "base/error.hpp"
#include "dataset/schema.hpp"
#include "io/pg_connection.hpp"
#include "support.hpp"

using namespace cleanheat::test;
namespace ds = cleanheat::dataset;

namespace {

// The sample dataset after progress, contiguity, households and subsidy (every table the commands write).
fs::path full_samples(const fs::path& dir) {
    const fs::path gpkg = merge_samples(dir);
    std::vector<std::string> args = {"progress", gpkg.string()};
    for (const auto& e : fs::directory_iterator(samples("progress"))) args.push_back(e.path().string());
    args.insert(args.end(), {"--as-of", "2022-10-10", "--quiet"});
    EXPECT_EQ(run_cli(args).exit_code, 1);  // the samples' planted rejects
    EXPECT_EQ(run_cli({"contiguity", gpkg.string(), "--quiet"}).exit_code, 0);
    // households: one county's list and one earlier year's (personal data, their own access rules)
    const fs::path lists = samples("households");
    EXPECT_EQ(run_cli({"households", gpkg.string(), (lists / "2022/惠民县2022年清洁取暖改造到户清单.xlsx").string(), "--prior",
                       (lists / "prior/2018年农村清洁取暖改造户名单.xlsx").string(), "--quiet"})
                  .exit_code,
              1);  // the planted faults
    EXPECT_EQ(run_cli({"subsidy", gpkg.string(), "--season", "2022-2023", "-o", (dir / "subsidy.xlsx").string(), "--quiet"})
                  .exit_code,
              0);
    // the service stations: points, their service areas, every village's nearest station
    EXPECT_EQ(run_cli({"stations", gpkg.string(), "--stations", samples("stations/stations.gpkg").string(), "--quiet"})
                  .exit_code,
              1);
    return gpkg;
}

std::string unit_codes_json() {
    const auto j = nlohmann::json::parse(read_file(source_dir() / "styles/units.json"));
    std::string out;
    for (const auto& u : j.at("units")) out += u.at("code").get<std::string>() + " ";
    return out;
}

std::map<std::string, std::vector<std::string>> pg_rows(const cleanheat::PgConnection& db, const std::string& table,
                                                        const std::string& key, const std::vector<std::string>& columns) {
    std::string select;
    for (const auto& c : columns) {
        if (c == "geom")
            select += ", encode(ST_AsBinary(geom), 'hex')";
        else
            select += ", " + db.identifier(c) + "::text, pg_typeof(" + db.identifier(c) + ")::text";
    }
    const auto r = db.query("SELECT " + db.identifier(key) + "::text" + select + " FROM cleanheat." + db.identifier(table));
    std::map<std::string, std::vector<std::string>> rows;
    for (int i = 0; i < r.rows(); ++i) {
        std::vector<std::string> row;
        int at = 1;
        for (const auto& c : columns) {
            if (c == "geom") {
                row.push_back(r.null(i, at) ? "NULL" : r.text(i, at));
                at += 1;
                continue;
            }
            std::string v = r.null(i, at) ? "NULL" : r.text(i, at);
            if (!r.null(i, at) && r.text(i, at + 1) == "double precision") {
                char text[40];
                std::snprintf(text, sizeof text, "%.17g", std::stod(v));
                v = text;
            }
            row.push_back(v);
            at += 2;
        }
        rows[r.text(i, 0)] = row;
    }
    return rows;
}

}  // namespace

TEST(DatabaseCli, InitCreatesTheSchemaAndRolesAndCanRunAgain) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    auto r = run_cli({"db", "init", pg.pg(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto j = nlohmann::json::parse(r.out);
    std::set<std::string> roles;
    for (const char* list : {"roles_created", "roles_present"})
        for (const auto& role : j.at(list)) roles.insert(role.get<std::string>());
    std::set<std::string> expected = {"cleanheat_city", "cleanheat_viewer"};
    std::istringstream codes(unit_codes_json());
    for (std::string code; codes >> code;) expected.insert("cleanheat_unit_" + code);
    EXPECT_EQ(roles, expected);
    EXPECT_EQ(j.at("units").get<std::size_t>(), expected.size() - 2);
    EXPECT_FALSE(j.at("dataset_present").get<bool>());
    for (const auto& role : expected)
        EXPECT_EQ(pg.admin_sql("SELECT rolcanlogin::text FROM pg_roles WHERE rolname = '" + role + "'"), "false") << role;
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.unit_roles"), std::to_string(expected.size() - 2));
    EXPECT_NE(pg.admin_sql("SELECT extversion FROM pg_extension WHERE extname = 'postgis'"), "");
    // again, with one unit more: only that one is new
    const auto dir = temp_dir();
    auto units = nlohmann::json::parse(read_file(source_dir() / "styles/units.json"));
    const std::string extra = "T" + pg.name().substr(pg.name().size() - 6);
    units["units"].push_back({{"code", extra}, {"name", "测试开发区"}, {"kind", "zone"}});
    std::ofstream(dir / "units.json") << units.dump();
    r = run_cli({"db", "init", pg.pg(), "--units", (dir / "units.json").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("roles_created"), nlohmann::json::array({"cleanheat_unit_" + extra}));
    EXPECT_EQ(j.at("units").get<std::size_t>(), expected.size() - 1);
    pg.admin_sql("DROP OWNED BY \"cleanheat_unit_" + extra + "\"");
    pg.admin_sql("DROP ROLE \"cleanheat_unit_" + extra + "\"");
    // a connection that does not work is an input error naming the database, never a password
    r = run_cli({"db", "init", "PG:dbname=" + pg.name() + "_missing host=/nonexistent password=s3cret"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("cannot connect"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
    r = run_cli({"db", "init", "PG:dbname=x password='s3cret"});  // a string libpq cannot read
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_EQ(r.err.find("s3cret"), std::string::npos) << r.err;
    r = run_cli({"db", "init", "out/merged.gpkg"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    for (const char* schema : {"bin$f$zhou", "Binzhou", "a%sb", "1st"}) {
        r = run_cli({"db", "init", pg.pg(), "--pg-schema", schema});
        EXPECT_EQ(r.exit_code, 2) << schema << ": " << r.err;
        EXPECT_NE(r.err.find("plain name"), std::string::npos) << r.err;
        EXPECT_EQ(r.err.rfind("cleanheat db init: error:", 0), 0u) << r.err;  // the command as typed
    }
    // a bad schema name is said before the server is asked (no server here)
    r = run_cli({"db", "init", "PG:dbname=x host=/nonexistent", "--pg-schema", "Binzhou"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("plain name"), std::string::npos) << r.err;
}

TEST(DatabaseCli, ACopyIntoTheDatabaseHoldsEveryRowAndGeometry) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = full_samples(dir);
    // not prepared yet
    auto r = run_cli({"copy", gpkg.string(), pg.pg()});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("db init"), std::string::npos) << r.err;
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--quiet"}).exit_code, 0);
    r = run_cli({"copy", gpkg.string(), pg.pg(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("integrity"), "ok");
    EXPECT_EQ(j.at("tables").get<int>(), 23);  // every table but the two caches of the ledger
    const cleanheat::PgConnection db(pg.conninfo());
    int compared = 0;
    for (const auto& table : ds::tables()) {
        if (!table.registered) {  // caches: a database computes the state from the ledger
            EXPECT_EQ(db.query("SELECT to_regclass('cleanheat." + std::string(table.name) + "') IS NULL").text(0, 0), "t")
                << table.name;
            continue;
        }
        std::vector<std::string> columns = table_columns(gpkg, table.name);
        ASSERT_FALSE(columns.empty()) << table.name;
        const std::string key = columns[0];
        columns.erase(columns.begin());
        const auto expected = sqlite_rows(gpkg, table.name, key, columns);
        const auto found = pg_rows(db, table.name, key, columns);
        EXPECT_EQ(found.size(), expected.size()) << table.name;
        EXPECT_TRUE(found == expected) << table.name;
        ++compared;
    }
    EXPECT_EQ(compared, 23);
    // geometry in PostGIS, indexed, in the dataset's CRS
    EXPECT_EQ(pg.admin_sql("SELECT srid FROM geometry_columns WHERE f_table_schema = 'cleanheat' AND f_table_name = 'villages'"),
              "4527");
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM pg_indexes WHERE schemaname = 'cleanheat' AND indexdef LIKE '%USING gist%'"),
              "4");  // villages, clusters, stations, station_areas
    EXPECT_EQ(pg.admin_sql("SELECT sum(households_total) FROM cleanheat.villages"), "121000");
    // every table keyed (its key added once its rows were in), its rows frozen (no reader sets hint bits)
    EXPECT_EQ(pg.admin_sql("SELECT string_agg(c.relname, ',') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = 'cleanheat' AND c.relkind = 'r' AND NOT EXISTS (SELECT 1 FROM pg_constraint "
                           "WHERE conrelid = c.oid AND contype = 'p')"),
              "");
    // the clusters' outlines stored uncompressed (EXTERNAL), the villages' geometries compressed
    EXPECT_EQ(pg.admin_sql("SELECT string_agg(c.relname || ' ' || a.attstorage::text, ', ' ORDER BY c.relname) FROM pg_attribute a "
                           "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace "
                           "WHERE n.nspname = 'cleanheat' AND c.relkind = 'r' AND a.attname = 'geom'"),
              "clusters e, station_areas m, stations m, villages m");
    pg.admin_sql("CREATE EXTENSION IF NOT EXISTS pg_visibility");
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FILTER (WHERE NOT all_frozen) || ' of ' || count(*) FROM "
                           "pg_visibility_map('cleanheat.villages')"),
              "0 of " + pg.admin_sql("SELECT pg_relation_size('cleanheat.villages') / current_setting('block_size')::int"));
    // a second copy replaces the first only when asked
    r = run_cli({"copy", gpkg.string(), pg.pg()});
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("holds a dataset already"), std::string::npos) << r.err;
    pg.admin_sql("UPDATE cleanheat.villages SET households_total = 0");
    ASSERT_EQ(run_cli({"copy", gpkg.string(), pg.pg(), "--overwrite", "--quiet"}).exit_code, 0);
    EXPECT_EQ(pg.admin_sql("SELECT sum(households_total) FROM cleanheat.villages"), "121000");
    // new rows get keys after the copied ones
    pg.admin_sql("INSERT INTO cleanheat.progress_imports (file) VALUES ('x')");
    EXPECT_EQ(pg.admin_sql("SELECT max(import_id) FROM cleanheat.progress_imports"),
              pg.admin_sql("SELECT count(*) FROM cleanheat.progress_imports"));
}

// QGIS opens a database's layers with the printed maps' styles: they are in public.layer_styles
// (QGIS's own table, lower-case columns, QML as xml) for the dataset's schema, replaced by a new
// copy without touching a user's own styles, readable by the viewers. Dates are dates in both
// stores (PostgreSQL date, GeoPackage DATE read by GDAL as dates), a ledger's reported dates text.
TEST(DatabaseCli, QgisFindsTheMapStylesAndTheDatesAreDates) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = full_samples(dir);
    auto r = run_cli({"db", "init", pg.pg(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("qgis_styles"), "ready");
    // a planner's own style, saved from QGIS before
    pg.admin_sql("INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                 "stylename, styleqml, useasdefault, owner) VALUES (current_database(), 'cleanheat', 'villages', 'geom', "
                 "'mine', XMLPARSE(DOCUMENT '<qgis/>'), false, 'planner')");
    for (int run = 0; run < 2; ++run) {  // a second copy replaces cleanheat's styles, not the planner's
        r = run_cli({"copy", gpkg.string(), pg.pg(), "--overwrite", "--quiet"});
        ASSERT_EQ(r.exit_code, 0) << r.err;
        EXPECT_EQ(r.err.find("not published"), std::string::npos) << r.err;
        const std::string ours = "FROM public.layer_styles WHERE f_table_catalog = current_database() AND "
                                 "f_table_schema = 'cleanheat' AND owner = 'cleanheat'";
        EXPECT_EQ(pg.admin_sql("SELECT count(*) " + ours), pg.admin_sql("SELECT count(*) FROM cleanheat.layer_styles"));
        EXPECT_NE(pg.admin_sql("SELECT count(*) " + ours), "0");
        EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM public.layer_styles WHERE owner = 'planner'"), "1");
        // one default per table, every style a well-formed QGIS document, its text the GeoPackage's
        EXPECT_EQ(pg.admin_sql("SELECT string_agg(f_table_name || ' ' || n, ',' ORDER BY f_table_name) FROM (SELECT "
                               "f_table_name, count(*) FILTER (WHERE useasdefault) AS n " + ours +
                               " GROUP BY 1) d WHERE n <> 1"),
                  "");
        EXPECT_EQ(pg.admin_sql("SELECT count(*) " + ours + " AND NOT (xml_is_well_formed_document(styleqml::text) AND "
                               "(xpath('/qgis/renderer-v2/@type', styleqml))[1] IS NOT NULL)"),
                  "0");
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open_v2(gpkg.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(db, "SELECT styleName, styleQML FROM layer_styles WHERE styleName LIKE 'route:%'", -1, &st, nullptr);
        ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
        const std::string name = reinterpret_cast<const char*>(sqlite3_column_text(st, 0)),
                          qml = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
        sqlite3_finalize(st);
        sqlite3_close(db);
        EXPECT_EQ(pg.admin_sql("SELECT styleqml::text " + ours + " AND f_table_name = 'villages' AND stylename = '" + name + "'"),
                  qml);
    }
    // what QGIS asks as a viewer (publicity staff): the default style of the villages
    const std::string viewer = pg.login_role("qgis_viewer", "cleanheat_viewer");
    const cleanheat::PgConnection view(pg.conninfo(viewer));
    EXPECT_NE(view.query("SELECT styleqml FROM layer_styles WHERE f_table_catalog = current_database() AND f_table_schema = "
                         "'cleanheat' AND f_table_name = 'villages' AND f_geometry_column = 'geom' ORDER BY CASE WHEN "
                         "useasdefault THEN 1 ELSE 2 END, update_time DESC LIMIT 1")
                  .text(0, 0)
                  .find("route_main"),
              std::string::npos);
    // a dataset written before dates were dates (text, empty when not known) goes in all the same
    const fs::path old = dir / "old.gpkg";
    fs::copy_file(gpkg, old);
    {
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open(old.c_str(), &db), SQLITE_OK);
        ASSERT_EQ(sqlite3_exec(db, "UPDATE households SET start_date = '' WHERE start_date IS NULL", nullptr, nullptr, nullptr),
                  SQLITE_OK);
        sqlite3_close(db);
    }
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--pg-schema", "older", "--quiet"}).exit_code, 0);
    r = run_cli({"copy", old.string(), pg.pg(), "--pg-schema", "older", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM older.households WHERE start_date IS NULL"),
              pg.admin_sql("SELECT count(*) FROM cleanheat.households WHERE start_date IS NULL"));
    EXPECT_NE(pg.admin_sql("SELECT count(*) FROM older.households WHERE start_date IS NULL"), "0");
    // dates
    auto pg_type = [&](const std::string& table, const std::string& column) {
        return pg.admin_sql("SELECT data_type FROM information_schema.columns WHERE table_schema = 'cleanheat' AND "
                            "table_name = '" + table + "' AND column_name = '" + column + "'");
    };
    for (const auto& [table, column] : std::vector<std::pair<std::string, std::string>>{
             {"villages", "status_date"}, {"progress_imports", "report_date"}, {"progress_ledger", "report_date"},
             {"households", "start_date"}, {"households", "accept_date"}, {"households", "pledge_date"}})
        EXPECT_EQ(pg_type(table, column), "date") << table << "." << column;
    EXPECT_EQ(pg_type("progress_ledger", "start_date"), "text");  // as the report wrote it
    EXPECT_NE(pg.admin_sql("SELECT count(*) FROM cleanheat.villages WHERE status_date IS NOT NULL"), "0");
    EXPECT_EQ(pg.admin_sql("SELECT max(report_date)::text FROM cleanheat.progress_imports"), "2022-10-10");
    GDALAllRegister();
    GDALDatasetUniquePtr ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    ASSERT_TRUE(ds);
    for (const auto& [table, column] : std::vector<std::pair<std::string, std::string>>{
             {"villages", "status_date"}, {"progress_imports", "report_date"}, {"households", "start_date"}}) {
        OGRLayer* layer = ds->GetLayerByName(table.c_str());
        ASSERT_TRUE(layer) << table;
        const int i = layer->GetLayerDefn()->GetFieldIndex(column.c_str());
        ASSERT_GE(i, 0) << table << "." << column;
        EXPECT_EQ(layer->GetLayerDefn()->GetFieldDefn(i)->GetType(), OFTDate) << table << "." << column;
        long long dated = 0;
        CPLErrorReset();
        for (auto& f : *layer)
            if (f->IsFieldSetAndNotNull(i)) {
                int y = 0, m = 0, d = 0, h = 0, mi = 0, tz = 0;
                float sec = 0;
                ASSERT_TRUE(f->GetFieldAsDateTime(i, &y, &m, &d, &h, &mi, &sec, &tz)) << table;
                EXPECT_TRUE(y >= 2017 && y <= 2023 && m >= 1 && d >= 1) << table << " " << f->GetFieldAsString(i);
                ++dated;
            }
        EXPECT_EQ(CPLGetLastErrorType(), CE_None) << CPLGetLastErrorMsg();  // no "invalid content" of an empty date
        EXPECT_GT(dated, 0) << table << "." << column;
    }
}

TEST(DatabaseCli, EachUnitSeesAndChangesOnlyItsOwnRowsAndTheViewerOnlyReads) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = full_samples(dir);
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(run_cli({"copy", gpkg.string(), pg.pg(), "--quiet"}).exit_code, 0);
    const std::string total = pg.admin_sql("SELECT count(*) FROM cleanheat.villages");
    const std::string own = pg.admin_sql("SELECT count(*) FROM cleanheat.villages WHERE county_code = '371602'");
    ASSERT_NE(own, "0");
    const std::string binchen = pg.login_role("binchen", "cleanheat_unit_371602");
    const std::string viewer = pg.login_role("viewer", "cleanheat_viewer");
    const std::string city = pg.login_role("city", "cleanheat_city");

    const cleanheat::PgConnection unit(pg.conninfo(binchen));
    auto one = [](const cleanheat::PgConnection& c, const std::string& sql) { return c.query(sql).text(0, 0); };
    EXPECT_EQ(one(unit, "SELECT count(*) FROM cleanheat.villages"), own);
    EXPECT_EQ(one(unit, "SELECT count(*) FROM cleanheat.villages WHERE county_code <> '371602'"), "0");
    EXPECT_EQ(one(unit, "SELECT string_agg(DISTINCT county_code, ',') FROM cleanheat.progress_ledger"), "371602");
    EXPECT_EQ(one(unit, "SELECT string_agg(DISTINCT county_code, ',') FROM cleanheat.plan_rows"), "371602");
    const std::string own_issues = pg.admin_sql(
        "SELECT count(*) FROM cleanheat.progress_issues WHERE import_id IN (SELECT import_id FROM "
        "cleanheat.progress_imports WHERE county_code = '371602')");
    EXPECT_EQ(one(unit, "SELECT count(*) FROM cleanheat.progress_issues"), own_issues);
    EXPECT_NE(pg.admin_sql("SELECT count(*) FROM cleanheat.progress_issues"), own_issues);
    for (const char* county : {"371602", "371603"})  // a finding in each county (the samples have none)
        pg.admin_sql(
            "INSERT INTO cleanheat.contiguity_findings (village_fid, code) SELECT min(fid), 'W_RULE_GAS_MAIN' FROM "
            "cleanheat.villages WHERE county_code = '" + std::string(county) + "'");
    const std::string own_findings = pg.admin_sql(
        "SELECT count(*) FROM cleanheat.contiguity_findings f JOIN cleanheat.villages v ON v.fid = f.village_fid "
        "WHERE v.county_code = '371602'");
    ASSERT_NE(own_findings, "0");
    EXPECT_NE(pg.admin_sql("SELECT count(*) FROM cleanheat.contiguity_findings"), own_findings);
    EXPECT_EQ(one(unit, "SELECT count(*) FROM cleanheat.contiguity_findings"), own_findings);
    // another county's rows cannot be changed: not found by an UPDATE, refused for an INSERT
    const std::string statuses =
        "SELECT string_agg(coalesce(status, '-'), ',' ORDER BY fid) FROM cleanheat.villages WHERE county_code = '371603'";
    const std::string before = pg.admin_sql(statuses);
    EXPECT_EQ(unit.query("UPDATE cleanheat.villages SET status = 'xx' WHERE county_code = '371603'").affected(), 0);
    EXPECT_EQ(pg.admin_sql(statuses), before);
    auto refused = [&](const std::string& sql, const std::string& state) {
        try {
            unit.exec(sql);
            ADD_FAILURE() << "allowed: " << sql;
        } catch (const cleanheat::Error& e) {
            EXPECT_EQ(unit.last_state(), state) << sql << ": " << e.what();
        }
    };
    refused("INSERT INTO cleanheat.progress_ledger (county_code, village_fid) VALUES ('371603', 1)", "42501");
    refused("UPDATE cleanheat.villages SET households_total = 0 WHERE county_code = '371602'", "42501");
    refused("SELECT count(*) FROM cleanheat.run_log", "42501");
    refused("DELETE FROM cleanheat.progress_ledger", "42501");
    // nor through its own rows: a ledger row of its unit about another county's village, keys it
    // picks itself, an import moved to another number
    const std::string other_village =
        pg.admin_sql("SELECT min(fid) FROM cleanheat.villages WHERE county_code = '371603'");
    refused("INSERT INTO cleanheat.progress_ledger (county_code, village_fid, applied) VALUES ('371602', " +
                other_village + ", 1)",
            "42501");
    refused("INSERT INTO cleanheat.progress_imports (import_id, file, county_code) VALUES (100000, 'x', '371602')", "42501");
    refused("UPDATE cleanheat.progress_imports SET import_id = import_id + 100000", "42501");
    refused("UPDATE cleanheat.progress_imports SET county_code = '371602'", "42501");
    // its own: an import of its unit and the status of its villages
    unit.exec("INSERT INTO cleanheat.progress_imports (file, county_code) VALUES ('滨城区_20221020.xlsx', '371602')");
    unit.exec("INSERT INTO cleanheat.progress_ledger (county_code, report_date) VALUES ('371602', '2022-10-20')");
    const std::string mine = pg.admin_sql("SELECT count(*) FROM cleanheat.villages WHERE county_code = '371602'");
    EXPECT_EQ(unit.query("UPDATE cleanheat.villages SET status = 'completed' WHERE county_code = '371602'").affected(),
              std::stoll(mine));
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.villages WHERE status = 'completed' AND county_code = '371602'"),
              mine);

    const cleanheat::PgConnection view(pg.conninfo(viewer));
    EXPECT_EQ(one(view, "SELECT count(*) FROM cleanheat.villages"), total);
    EXPECT_EQ(one(view, "SELECT count(*) FROM cleanheat.run_log"), pg.admin_sql("SELECT count(*) FROM cleanheat.run_log"));
    try {
        view.exec("UPDATE cleanheat.villages SET status = NULL");
        ADD_FAILURE() << "the viewer changed villages";
    } catch (const cleanheat::Error&) {
        EXPECT_EQ(view.last_state(), "42501");
    }
    const cleanheat::PgConnection office(pg.conninfo(city));
    EXPECT_EQ(one(office, "SELECT count(*) FROM cleanheat.villages"), total);
    office.exec("UPDATE cleanheat.villages SET status = 'planned' WHERE county_code = '371603'");
    EXPECT_NE(pg.admin_sql("SELECT count(*) FROM cleanheat.villages WHERE status = 'planned' AND county_code = '371603'"),
              "0");
}

TEST(DatabaseCli, ADatasetCopiedIntoTheDatabaseAndBackIsTheSameDataset) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = full_samples(dir);
    ASSERT_EQ(run_cli({"spotcheck", gpkg.string(), "--rate", "0.1", "-o", (dir / "spot.xlsx").string(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--quiet", "--pg-schema", "binzhou"}).exit_code, 0);
    ASSERT_EQ(run_cli({"copy", gpkg.string(), pg.pg(), "--pg-schema", "binzhou", "--quiet"}).exit_code, 0);
    const fs::path back = dir / "back.gpkg";
    auto r = run_cli({"copy", pg.pg(), back.string(), "--pg-schema", "binzhou", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("integrity"), "ok");
    EXPECT_EQ(integrity_check(back), "ok");
    // every table, every column, every row and geometry (the caches of the ledger are not kept)
    for (const auto& table : ds::tables()) {
        if (!table.registered) {
            EXPECT_TRUE(table_columns(back, table.name).empty()) << table.name;
            continue;
        }
        std::vector<std::string> columns = table_columns(gpkg, table.name);
        const std::string key = columns.at(0);
        columns.erase(columns.begin());
        EXPECT_EQ(table_columns(back, table.name), table_columns(gpkg, table.name)) << table.name;
        const auto original = sqlite_rows(gpkg, table.name, key, columns);
        const auto copied = sqlite_rows(back, table.name, key, columns);
        EXPECT_EQ(copied.size(), original.size()) << table.name;
        EXPECT_TRUE(copied == original) << table.name;
    }
    EXPECT_EQ(read_layer(back, "villages").size(), read_layer(gpkg, "villages").size());
    // the copy is a dataset like the original: the same annex
    ASSERT_EQ(run_cli({"annex", gpkg.string(), "-o", (dir / "a1.xlsx").string(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(run_cli({"annex", back.string(), "-o", (dir / "a2.xlsx").string(), "--quiet"}).exit_code, 0);
    for (const char* sheet : {"附件1", "附件2"}) EXPECT_EQ(sheet_rows(dir / "a2.xlsx", sheet), sheet_rows(dir / "a1.xlsx", sheet));
    // a schema without a dataset, an existing file
    r = run_cli({"copy", pg.pg(), (dir / "none.gpkg").string()});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("no dataset there"), std::string::npos) << r.err;
    r = run_cli({"copy", pg.pg(), back.string(), "--pg-schema", "binzhou"});
    EXPECT_EQ(r.exit_code, 4) << r.err;
}

TEST(DatabaseCli, AnnexMapAndReportGiveTheSameOutputsFromTheDatabaseAsFromTheFile) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = full_samples(dir);
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(run_cli({"copy", gpkg.string(), pg.pg(), "--quiet"}).exit_code, 0);
    const std::string d = dir.string();
    // annex: the same sheets, every sheet the same
    auto r = run_cli({"annex", gpkg.string(), "-o", d + "/file.xlsx", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto sheets = nlohmann::json::parse(r.out).at("sheets");
    r = run_cli({"annex", pg.pg(), "-o", d + "/db.xlsx", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("sheets"), sheets);
    EXPECT_GT(sheets.size(), 5u);
    for (const auto& sheet : sheets)
        EXPECT_EQ(sheet_rows(dir / "db.xlsx", sheet.get<std::string>()), sheet_rows(dir / "file.xlsx", sheet.get<std::string>()))
            << sheet;
    // map: the same picture
    ASSERT_EQ(run_cli({"map", gpkg.string(), "--style", "styles/route.json", "-o", d + "/file.png", "--dpi", "40",
                       "--date", "2022-10-10", "--quiet"}).exit_code, 0);
    r = run_cli({"map", pg.pg(), "--style", "styles/route.json", "-o", d + "/db.png", "--dpi", "40", "--date",
                 "2022-10-10", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir / "db.png"), read_file(dir / "file.png"));
    // report: the same text, the progress as of the same date from the ledger
    ASSERT_EQ(run_cli({"report", gpkg.string(), "-o", d + "/file.pdf", "--quiet"}).exit_code, 0);
    r = run_cli({"report", pg.pg(), "-o", d + "/db.pdf", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("as_of"), "2022-10-10");
    EXPECT_EQ(shell_output("pdftotext " + d + "/db.pdf -"), shell_output("pdftotext " + d + "/file.pdf -"));
    // a county's login gets its own county's annex
    const std::string binchen = pg.login_role("binchen", "cleanheat_unit_371602");
    r = run_cli({"annex", pg.pg(binchen), "-o", d + "/binchen.xlsx", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("annex1").at("households").get<long long>(),
              std::stoll(pg.admin_sql("SELECT sum(households_total) FROM cleanheat.villages WHERE county_code = '371602'")));
    for (const auto& sheet : j.at("sheets"))
        EXPECT_EQ(sheet.get<std::string>().find("沾化区"), std::string::npos) << sheet;
    // no dataset, no rights
    r = run_cli({"annex", pg.pg(), "--pg-schema", "nothing_here", "-o", d + "/none.xlsx"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_FALSE(fs::exists(dir / "none.xlsx"));
}

TEST(DatabaseCli, MergeIntoTheDatabaseHoldsWhatMergeIntoAFileHolds) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--quiet"}).exit_code, 0);
    std::vector<std::string> args = {"merge"};  // as merge_samples() names the tables
    std::vector<std::string> files;
    for (const auto& e : fs::directory_iterator(samples("plans"))) files.push_back(e.path().string());
    std::sort(files.begin(), files.end());
    args.insert(args.end(), files.begin(), files.end());
    args.insert(args.end(), {"--villages", samples("villages.gpkg").string(), "--heating", samples("heating.xlsx").string(),
                             "-o", pg.pg() + " password=s3cret", "--json"});  // (trust: the password is not asked)
    auto r = run_cli(args);
    ASSERT_EQ(r.exit_code, 1) << r.err;  // the samples' planted rejects, as into a file
    // the command line is recorded without the password
    const std::string recorded = pg.admin_sql("SELECT value FROM cleanheat.run_info WHERE key = 'command_line'");
    EXPECT_NE(recorded.find("-o PG:"), std::string::npos) << recorded;
    EXPECT_EQ(recorded.find("s3cret"), std::string::npos) << recorded;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("households").at("total").get<long long>(), 121000);
    EXPECT_EQ(pg.admin_sql("SELECT sum(households_total) FROM cleanheat.villages"), "121000");
    // into a dataset already there only with --overwrite
    r = run_cli(args);
    EXPECT_EQ(r.exit_code, 4) << r.err;
    const fs::path back = dir / "back.gpkg";
    r = run_cli({"copy", pg.pg(), back.string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    // every table the merge writes, row by row with its key (the rows went straight into the
    // database while they were made, no file in between)
    for (const char* table : {"villages", "plan_rows", "heating", "issues", "inputs", "layer_styles", "run_log"}) {
        std::vector<std::string> columns = table_columns(gpkg, table);
        columns.erase(columns.begin());
        EXPECT_TRUE(sqlite_rows(back, table, "fid", columns) == sqlite_rows(gpkg, table, "fid", columns)) << table;
    }
    auto info = sqlite_rows(back, "run_info", "key", {"value"}), file_info = sqlite_rows(gpkg, "run_info", "key", {"value"});
    for (auto* rows : {&info, &file_info})
        for (const char* key : {"started_at", "finished_at", "command_line"}) rows->erase(key);
    EXPECT_TRUE(info == file_info);
    EXPECT_EQ(info.at("schema_version").at(0), std::to_string(ds::kSchemaVersion));
    // new rows continue after the merge's keys
    EXPECT_EQ(pg.admin_sql("SELECT nextval(pg_get_serial_sequence('cleanheat.issues', 'fid')) > max(fid) FROM cleanheat.issues"), "t");
    // the villages of the dataset there, merged again with the plans into its own place: read
    // whole before the dataset is replaced (no waiting on its own locks)
    std::vector<std::string> again = {"merge"};
    again.insert(again.end(), files.begin(), files.end());
    again.insert(again.end(), {"--villages", pg.pg(), "--villages-layer", "cleanheat.villages", "-o", pg.pg(),
                               "--overwrite", "--quiet"});
    r = run_cli(again);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.villages"), "3209");
    EXPECT_EQ(pg.admin_sql("SELECT sum(households_total) FROM cleanheat.villages"), "121000");
    EXPECT_NE(pg.admin_sql("SELECT value FROM cleanheat.run_info WHERE key = 'villages_source'").find("PG:"), std::string::npos);
}

TEST(DatabaseCli, MergeIntoTheDatabaseKeepsVillagesOfThreeDimensionsAndAFailedOneLeavesTheDatasetAsItWas) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--quiet"}).exit_code, 0);
    // villages surveyed with heights (3D polygons), as some counties' geodata comes
    const fs::path v3d = dir / "villages_3d.gpkg";
    shell_output("ogr2ogr -q -dim XYZ -f GPKG '" + v3d.string() + "' '" + samples("villages.gpkg").string() + "' villages");
    std::vector<std::string> args = {"merge"};
    const auto plans = sample_plan_files();
    args.insert(args.end(), plans.begin(), plans.end());
    args.insert(args.end(), {"--villages", v3d.string(), "--quiet"});
    auto into = [&](const std::string& output, const std::string& villages) {
        std::vector<std::string> a = args;
        a.at(a.size() - 2) = villages;
        a.insert(a.end(), {"-o", output, "--overwrite"});
        return run_cli(a);
    };
    auto r = into(pg.pg(), v3d.string());
    ASSERT_EQ(r.exit_code, 1) << r.err;  // the samples' planted rejects
    EXPECT_EQ(pg.admin_sql("SELECT string_agg(DISTINCT ST_NDims(geom)::text, ',') FROM cleanheat.villages"), "3");
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.villages"), "3209");
    // the same coordinates, z too, as merged into a file, and back out as a layer of 3D polygons
    const fs::path file = dir / "merged_3d.gpkg", back = dir / "back_3d.gpkg";
    ASSERT_EQ(into(file.string(), v3d.string()).exit_code, 1);
    ASSERT_EQ(run_cli({"copy", pg.pg(), back.string(), "--quiet"}).exit_code, 0);
    EXPECT_TRUE(sqlite_rows(back, "villages", "fid", {"geom", "village_code"}) ==
                sqlite_rows(file, "villages", "fid", {"geom", "village_code"}));
    EXPECT_EQ(sqlite_rows(back, "gpkg_geometry_columns", "table_name", {"z"}).at("villages").at(0), "1");
    EXPECT_EQ(sqlite_rows(file, "gpkg_geometry_columns", "table_name", {"z"}).at("villages").at(0), "1");
    // and the file's copy into the database the same
    r = run_cli({"copy", file.string(), pg.pg(), "--overwrite", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(pg.admin_sql("SELECT string_agg(DISTINCT ST_NDims(geom)::text, ',') FROM cleanheat.villages"), "3");

    // A layer that says 2D and holds 3D: the database refuses the rows midway through the
    // villages; the dataset there before stays whole (one transaction), the error says why.
    const std::string before = pg.admin_sql("SELECT value FROM cleanheat.run_info WHERE key = 'finished_at'"),
                      plan_rows = pg.admin_sql("SELECT count(*) FROM cleanheat.plan_rows");
    ASSERT_EQ(plan_rows, std::to_string(sqlite_rows(file, "plan_rows", "fid", {"row"}).size()));
    const fs::path odd = dir / "villages_odd.gpkg";
    fs::copy_file(v3d, odd);
    sqlite_exec(odd, "UPDATE gpkg_geometry_columns SET z = 0 WHERE table_name = 'villages'");
    r = into(pg.pg(), odd.string());
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_NE(r.err.find("Z dimension"), std::string::npos) << r.err;
    EXPECT_EQ(pg.admin_sql("SELECT value FROM cleanheat.run_info WHERE key = 'finished_at'"), before);
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.villages"), "3209");
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.plan_rows"), plan_rows);
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database "
                           "WHERE l.locktype = 'advisory' AND d.datname = current_database()"),
              "0");  // (the other tests' databases share the cluster)
    // a working CRS without an EPSG code, which the database would keep with the geometries: refused
    const fs::path custom = dir / "villages_custom_crs.gpkg";
    shell_output("ogr2ogr -q -f GPKG -t_srs '+proj=tmerc +lat_0=0 +lon_0=117.7 +k=0.9999 +x_0=600000 +y_0=0 "
                 "+ellps=GRS80 +units=m +no_defs' '" + custom.string() + "' '" + samples("villages.gpkg").string() + "' villages");
    r = into(pg.pg(), custom.string());
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--working-crs"), std::string::npos) << r.err;
    EXPECT_EQ(pg.admin_sql("SELECT value FROM cleanheat.run_info WHERE key = 'finished_at'"), before);
    std::vector<std::string> named = args;
    named.at(named.size() - 2) = custom.string();
    named.insert(named.end(), {"-o", pg.pg(), "--overwrite", "--working-crs", "EPSG:4527"});
    r = run_cli(named);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(pg.admin_sql("SELECT Find_SRID('cleanheat', 'villages', 'geom')"), "4527");
}

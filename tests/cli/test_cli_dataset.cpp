// The merged dataset as tools/core/dataset declares it: the tables every command writes, the
// schema version, the upgrade of an older dataset, and the refusal of a newer one or of a file
// that is no dataset at all.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cpl_minixml.h>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <nlohmann/json.hpp>

#include "dataset/dataset.hpp"
#include "dataset/schema.hpp"
#include "support.hpp"

using namespace cleanheat::test;
namespace ds = cleanheat::dataset;

namespace {

std::vector<std::vector<std::string>> query(const fs::path& path, const std::string& statement) {
    std::vector<std::vector<std::string>> rows;
    sqlite3* db = nullptr;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
        sqlite3_prepare_v2(db, statement.c_str(), -1, &st, nullptr) == SQLITE_OK)
        while (sqlite3_step(st) == SQLITE_ROW) {
            std::vector<std::string> row;
            for (int c = 0; c < sqlite3_column_count(st); ++c) {
                const auto* t = sqlite3_column_text(st, c);
                row.emplace_back(t ? reinterpret_cast<const char*>(t) : "NULL");
            }
            rows.push_back(row);
        }
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rows;
}

std::vector<std::string> columns_of(const fs::path& path, const std::string& table) {
    std::vector<std::string> names;
    for (const auto& row : query(path, "SELECT name FROM pragma_table_info('" + table + "')"))
        if (row[0] != "fid" && row[0] != "geom" && !(row[0] == "import_id" && table == "progress_imports"))
            names.push_back(row[0]);
    return names;
}

std::vector<std::string> declared(const std::vector<ds::Column>& columns) {
    std::vector<std::string> names;
    for (const auto& c : columns) names.emplace_back(c.name);
    return names;
}

// A dataset as cleanheat wrote it before the schema version: no run_log, later runs as dotted
// keys in run_info.
void make_version_1(const fs::path& gpkg) {
    sqlite_exec(gpkg,
        "DELETE FROM run_info WHERE key = 'schema_version'; DROP TABLE run_log; "
        "DELETE FROM gpkg_contents WHERE table_name = 'run_log'; "
        "DELETE FROM gpkg_ogr_contents WHERE table_name = 'run_log'; "
        "INSERT INTO run_info (key, value) VALUES ('progress.command', 'cleanheat progress a.gpkg r1.xlsx'), "
        "('progress.as_of', '2022-09-30'), ('contiguity.command', 'cleanheat contiguity a.gpkg'), "
        "('contiguity.planned', 'households_total > 0'), ('progress.command', 'cleanheat progress a.gpkg r2.xlsx'), "
        "('progress.as_of', '2022-10-20');");
}

// cleanheat progress GPKG data-samples/progress/* ARGS...
std::vector<std::string> progress_args(const fs::path& gpkg, const std::vector<std::string>& more) {
    std::vector<std::string> args = {"progress", gpkg.string()};
    std::vector<std::string> reports;
    for (const auto& e : fs::directory_iterator(source_dir() / "data-samples/progress"))
        reports.push_back("data-samples/progress/" + e.path().filename().string());
    std::sort(reports.begin(), reports.end());
    args.insert(args.end(), reports.begin(), reports.end());
    args.insert(args.end(), more.begin(), more.end());
    return args;
}

}  // namespace

TEST(DatasetSchema, EveryTableTheCommandsWriteIsTheDeclaredOne) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    EXPECT_EQ(query(gpkg, "SELECT value FROM run_info WHERE key = 'schema_version'"),
              (std::vector<std::vector<std::string>>{{std::to_string(ds::kSchemaVersion)}}));
    for (const char* table : {"villages", "plan_rows", "heating", "issues", "inputs", "run_info", "run_log"})
        EXPECT_EQ(columns_of(gpkg, table), declared(ds::table(table).columns)) << table;
    // what GDAL lists: the merge's tables, with their Chinese descriptions
    for (const char* table : {"plan_rows", "run_log"}) {
        const auto rows = query(gpkg, std::string("SELECT description FROM gpkg_contents WHERE table_name = '") + table + "'");
        ASSERT_EQ(rows.size(), 1u) << table;
        EXPECT_EQ(rows[0][0], ds::table(table).description);
    }
    EXPECT_TRUE(query(gpkg, "SELECT name FROM sqlite_master WHERE name LIKE 'progress_%' OR name = 'clusters'").empty());

    ASSERT_LE(run_cli(progress_args(gpkg, {"--as-of", "2022-10-10", "--quiet"})).exit_code, 1);  // 1: the samples' planted rejects
    ASSERT_EQ(run_cli({"contiguity", gpkg.string(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(run_cli({"spotcheck", gpkg.string(), "--rate", "0.1", "-o", (dir / "spot.xlsx").string(), "--quiet"}).exit_code, 0);
    for (const char* table : {"progress_imports", "progress_ledger", "progress_issues", "progress_latest",
                              "progress_trend", "clusters", "contiguity_groups", "contiguity_findings", "village_contiguity"}) {
        auto expected = declared(ds::table(table).columns);
        if (ds::table(table).key == ds::Key::first_column) expected.erase(expected.begin());
        auto found = columns_of(gpkg, table);
        if (ds::table(table).key == ds::Key::first_column) found.erase(found.begin());
        EXPECT_EQ(found, expected) << table;
    }
    // the villages: the merge's fields, then those of the checks in the order they ran (the
    // contiguity check's are the table village_contiguity)
    auto villages = declared(ds::table("villages").columns);
    for (const auto* group : {&ds::village_progress_columns(), &ds::village_spot_check_columns()})
        for (const auto& c : *group)
            if (std::find(villages.begin(), villages.end(), c.name) == villages.end()) villages.emplace_back(c.name);
    EXPECT_EQ(columns_of(gpkg, "villages"), villages);
    // one run_log row per run that changed the dataset; run_info holds the merge's keys only
    const auto log = query(gpkg, "SELECT command, tool_version, json_extract(details, '$.as_of'), "
                                 "started_at <= finished_at FROM run_log ORDER BY fid");
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(log[0], (std::vector<std::string>{"progress", CLEANHEAT_VERSION, "2022-10-10", "1"}));
    EXPECT_EQ(log[1][0], "contiguity");
    EXPECT_EQ(log[2][0], "spotcheck");
    EXPECT_TRUE(query(gpkg, "SELECT key FROM run_info WHERE instr(key, '.') > 0").empty());
}

TEST(DatasetSchema, AnOlderDatasetIsUpgradedInPlaceOnceAndSaidSo) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    make_version_1(gpkg);
    // a reader reads it as it is, and changes nothing
    const std::string before = dataset_digest(gpkg);
    auto r = run_cli({"annex", gpkg.string(), "-o", (dir / "annex.xlsx").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err.find("upgraded"), std::string::npos) << r.err;
    EXPECT_TRUE(query(gpkg, "SELECT name FROM sqlite_master WHERE name = 'run_log'").empty());
    // the report takes its date from the last progress run of an old dataset too
    r = run_cli({"report", gpkg.string(), "-o", (dir / "report.pdf").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out).at("as_of"), "2022-10-20");
    EXPECT_EQ(dataset_digest(gpkg), before);

    // a writer upgrades it first, in one transaction, and says so
    r = run_cli({"contiguity", gpkg.string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("upgraded from schema version 1 to " + std::to_string(ds::kSchemaVersion)), std::string::npos)
        << r.err;
    EXPECT_EQ(query(gpkg, "SELECT value FROM run_info WHERE key = 'schema_version'"),
              (std::vector<std::vector<std::string>>{{std::to_string(ds::kSchemaVersion)}}));
    EXPECT_TRUE(query(gpkg, "SELECT key FROM run_info WHERE instr(key, '.') > 0").empty());
    const auto log = query(gpkg, "SELECT command, arguments, details FROM run_log ORDER BY fid");
    ASSERT_EQ(log.size(), 4u);
    EXPECT_EQ(log[0], (std::vector<std::string>{"progress", "cleanheat progress a.gpkg r1.xlsx", "{\"as_of\":\"2022-09-30\"}"}));
    EXPECT_EQ(log[1], (std::vector<std::string>{"contiguity", "cleanheat contiguity a.gpkg",
                                                "{\"planned\":\"households_total > 0\"}"}));
    EXPECT_EQ(log[2], (std::vector<std::string>{"progress", "cleanheat progress a.gpkg r2.xlsx", "{\"as_of\":\"2022-10-20\"}"}));
    EXPECT_EQ(integrity_check(gpkg), "ok");
    EXPECT_EQ(log[3][0], "contiguity");
    // said once: the next run finds it current
    r = run_cli({"contiguity", gpkg.string()});
    EXPECT_EQ(r.err.find("upgraded"), std::string::npos) << r.err;
    // --quiet keeps the note to itself
    const fs::path again = merge_samples(dir / "again");
    make_version_1(again);
    r = run_cli({"contiguity", again.string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_EQ(query(again, "SELECT count(*) FROM run_log WHERE command = 'contiguity'")[0][0], "2");
}

TEST(DatasetSchema, ANewerDatasetOrNoDatasetIsRefusedByEveryCommand) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    ASSERT_LE(run_cli(progress_args(gpkg, {"--as-of", "2022-10-10", "--quiet"})).exit_code, 1);  // 1: the samples' planted rejects
    sqlite_exec(gpkg, "UPDATE run_info SET value = '" + std::to_string(ds::kSchemaVersion + 1) + "' WHERE key = 'schema_version'");
    const std::string before = dataset_digest(gpkg);
    const std::string g = gpkg.string(), d = dir.string();
    const std::vector<std::vector<std::string>> commands = {
        {"annex", g, "-o", d + "/a.xlsx"},
        {"map", g, "--style", "styles/route.json", "-o", d + "/m.png"},
        {"report", g, "-o", d + "/r.pdf"},
        progress_args(gpkg, {}),
        {"spotcheck", g, "--rate", "0.1", "-o", d + "/s.xlsx"},
        {"contiguity", g},
        {"copy", g, d + "/c.gpkg"},
    };
    for (const auto& args : commands) {
        const auto r = run_cli(args);
        EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << r.err;
        EXPECT_NE(r.err.find("schema version " + std::to_string(ds::kSchemaVersion + 1) + " is newer"), std::string::npos)
            << args[0] << ": " << r.err;
    }
    EXPECT_EQ(dataset_digest(gpkg), before);
    for (const char* out : {"a.xlsx", "m.png", "r.pdf", "s.xlsx", "c.gpkg"}) EXPECT_FALSE(fs::exists(dir / out)) << out;

    // a GeoPackage that is no dataset of cleanheat merge
    const std::string villages = (source_dir() / "data-samples/villages.gpkg").string();
    for (const auto& args : std::vector<std::vector<std::string>>{{"annex", villages, "-o", d + "/a.xlsx"},
                                                                  {"report", villages, "-o", d + "/r.pdf"},
                                                                  progress_args(villages, {}),
                                                                  {"spotcheck", villages, "--rate", "0.1", "-o", d + "/s.xlsx"}}) {
        const auto r = run_cli(args);
        EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << r.err;
        EXPECT_NE(r.err.find("not a dataset of cleanheat merge"), std::string::npos) << args[0] << ": " << r.err;
    }
}

TEST(DatasetSchema, AVersion2DatasetKeepsItsContiguityResultsThroughTheUpgrade) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"contiguity", gpkg.string(), "--quiet"}).exit_code, 0);
    const std::string select =
        "SELECT village_fid, cluster_id, cluster_size, route_cluster_id, group_cluster_id, isolated, hole, enclosed, "
        "contiguity FROM village_contiguity ORDER BY village_fid";
    const auto results = query(gpkg, select);
    ASSERT_EQ(results.size(), read_layer(gpkg, "villages").size());
    auto r = run_cli({"map", gpkg.string(), "--style", "styles/contiguity.json", "-o", (dir / "v3.png").string(),
                      "--dpi", "40", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    make_version_2(gpkg);
    // a reader takes the fields from the villages as version 2 has them: the same map
    const std::string before = dataset_digest(gpkg);
    r = run_cli({"map", gpkg.string(), "--style", "styles/contiguity.json", "-o", (dir / "v2.png").string(), "--dpi",
                 "40", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir / "v2.png"), read_file(dir / "v3.png"));
    EXPECT_EQ(dataset_digest(gpkg), before);
    // any writer upgrades it: the fields move into village_contiguity, values kept, and leave the villages
    r = run_cli({"progress", gpkg.string(), "--as-of", "2022-10-10"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("upgraded from schema version 2 to " + std::to_string(ds::kSchemaVersion)), std::string::npos)
        << r.err;
    EXPECT_EQ(query(gpkg, select), results);
    for (const auto& c : ds::village_contiguity_columns()) EXPECT_FALSE(query(gpkg, "SELECT 1 FROM pragma_table_info('villages') WHERE name = '" + std::string(c.name) + "'").size()) << c.name;
    EXPECT_EQ(integrity_check(gpkg), "ok");
    r = run_cli({"map", gpkg.string(), "--style", "styles/contiguity.json", "-o", (dir / "after.png").string(),
                 "--dpi", "40", "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_file(dir / "after.png"), read_file(dir / "v3.png"));
}

// Every spatial layer the tools write carries a spatial index (the R*Tree GIS programs filter with,
// kept by its triggers when a layer is edited) and its extent in gpkg_contents.
TEST(DatasetCli, EverySpatialLayerIsIndexedWithItsExtentAndTheIndexFollowsAnEdit) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"contiguity", gpkg.string(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(run_cli({"stations", gpkg.string(), "--stations", samples("stations/stations.gpkg").string(), "--quiet"})
                  .exit_code,
              1);
    GDALAllRegister();
    std::set<std::string> spatial;
    {
        std::unique_ptr<GDALDataset> ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
        ASSERT_TRUE(ds);
        for (auto* layer : ds->GetLayers()) {
            if (layer->GetGeomType() == wkbNone) continue;
            spatial.insert(layer->GetName());
            EXPECT_TRUE(layer->TestCapability(OLCFastSpatialFilter)) << layer->GetName() << " has no spatial index";
            OGREnvelope declared;
            EXPECT_EQ(layer->GetExtent(&declared, FALSE), OGRERR_NONE) << layer->GetName() << " has no extent";
            OGREnvelope computed;
            for (auto& f : *layer)
                if (f->GetGeometryRef()) {
                    OGREnvelope e;
                    f->GetGeometryRef()->getEnvelope(&e);
                    computed.Merge(e);
                }
            EXPECT_NEAR(declared.MinX, computed.MinX, 1e-6) << layer->GetName();
            EXPECT_NEAR(declared.MaxY, computed.MaxY, 1e-6) << layer->GetName();
        }
    }
    EXPECT_EQ(spatial, (std::set<std::string>{"villages", "clusters", "stations", "station_areas"}));
    // a spatial filter through the index finds what a scan finds, also after a station is moved in QGIS's way (GDAL)
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
    OGRLayer* stations = ds->GetLayerByName("stations");
    std::unique_ptr<OGRFeature> first(stations->GetFeature(1));
    ASSERT_TRUE(first);
    OGRPoint moved(first->GetGeometryRef()->toPoint()->getX() + 50000, first->GetGeometryRef()->toPoint()->getY());
    first->SetGeometry(&moved);
    ASSERT_EQ(stations->SetFeature(first.get()), OGRERR_NONE);
    stations->SetSpatialFilterRect(moved.getX() - 1, moved.getY() - 1, moved.getX() + 1, moved.getY() + 1);
    std::vector<GIntBig> found;
    for (auto& f : *stations) found.push_back(f->GetFID());
    EXPECT_EQ(found, std::vector<GIntBig>{1});
    stations->SetSpatialFilter(nullptr);
    ds.reset();
    EXPECT_EQ(integrity_check(gpkg), "ok");
}

// The dataset carries QGIS layer styles made from the same styles/*.json as the printed maps: valid
// QML for each, the colour of every class the style file's.
TEST(DatasetCli, QgisLayerStylesAreTheMapStylesWithTheirColours) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto rows = read_layer(gpkg, "layer_styles");
    ASSERT_FALSE(rows.empty());
    std::map<std::string, int> defaults;
    std::set<std::string> names;
    for (const auto& r : rows) {
        names.insert(r.at("styleName"));
        defaults[r.at("f_table_name")] += r.at("useAsDefault") == "1";
        EXPECT_EQ(r.at("f_geometry_column"), "geom");
        CPLXMLNode* root = CPLParseXMLString(r.at("styleQML").c_str());
        ASSERT_TRUE(root) << r.at("styleName");
        EXPECT_TRUE(CPLGetXMLNode(root, "=qgis.renderer-v2")) << r.at("styleName");
        CPLDestroyXMLNode(root);
    }
    for (const auto& [table, n] : defaults) EXPECT_EQ(n, 1) << table << ": one default style";
    for (const char* name : {"route: 规划技术路线（村庄数）", "stations: 服务范围（服务半径）"})
        EXPECT_EQ(names.count(name), 1u) << name;
    // the route style: each category's value, label and colour as styles/route.json has them
    const auto style = nlohmann::json::parse(read_file(source_dir() / "styles" / "route.json"));
    const auto& fill = style.at("layers").at(0).at("fill");
    std::string qml;
    for (const auto& r : rows)
        if (r.at("styleName").rfind("route:", 0) == 0) qml = r.at("styleQML");
    CPLXMLNode* root = CPLParseXMLString(qml.c_str());
    ASSERT_TRUE(root);
    const CPLXMLNode* renderer = CPLGetXMLNode(root, "=qgis.renderer-v2");
    EXPECT_STREQ(CPLGetXMLValue(renderer, "attr", ""), fill.at("field").get<std::string>().c_str());
    std::map<std::string, std::string> colour_of_symbol, symbol_of_value, label_of_value;
    for (const CPLXMLNode* s = CPLGetXMLNode(renderer, "symbols")->psChild; s; s = s->psNext) {
        if (s->eType != CXT_Element) continue;
        for (const CPLXMLNode* o = CPLGetXMLNode(s, "layer.Option")->psChild; o; o = o->psNext)
            if (o->eType == CXT_Element && std::string(CPLGetXMLValue(o, "name", "")) == "color")
                colour_of_symbol[CPLGetXMLValue(s, "name", "")] = CPLGetXMLValue(o, "value", "");
    }
    for (const CPLXMLNode* c = CPLGetXMLNode(renderer, "categories")->psChild; c; c = c->psNext)
        if (c->eType == CXT_Element) {
            symbol_of_value[CPLGetXMLValue(c, "value", "")] = CPLGetXMLValue(c, "symbol", "");
            label_of_value[CPLGetXMLValue(c, "value", "")] = CPLGetXMLValue(c, "label", "");
        }
    CPLDestroyXMLNode(root);
    auto rgba = [](const std::string& hex) {
        const auto v = [&](int at) { return std::to_string(std::stoi(hex.substr(static_cast<std::size_t>(at), 2), nullptr, 16)); };
        return v(1) + "," + v(3) + "," + v(5) + ",255";
    };
    for (const auto& c : fill.at("categories")) {
        const std::string value = c.at("value");
        ASSERT_EQ(symbol_of_value.count(value), 1u) << value;
        EXPECT_EQ(label_of_value[value], c.at("label").get<std::string>());
        EXPECT_EQ(colour_of_symbol[symbol_of_value[value]], rgba(c.at("color"))) << value;
    }
    EXPECT_EQ(colour_of_symbol[symbol_of_value[""]], rgba(fill.at("other").at("color")));  // every other value
    EXPECT_EQ(symbol_of_value.size(), fill.at("categories").size() + 1);
}

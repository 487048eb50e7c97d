// cleanheat::contiguity() on small GeoPackages with known answers, on the samples against
// a plain pairwise GEOS count, and its outputs read back through GDAL.
#include <gdal_priv.h>
#include <geos_c.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include <functional>
#include <map>
#include <numeric>
#include <nlohmann/json.hpp>
#include <set>

#include "commands/contiguity.hpp"
#include "base/error.hpp"
#include "io/gdal_context.hpp"
#include "commands/merge.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

using test::read_layer;
using test::temp_dir;

struct Cell {
    std::string wkt;
    int households = 0;  // > 0: planned
    std::string county = "371602", route = "gas";
};

std::string square(double x, double y, double s = 1000) {
    auto p = [](double a, double b) { return std::to_string(a) + " " + std::to_string(b); };
    const double x0 = 39500000 + x, y0 = 4100000 + y;
    return "POLYGON((" + p(x0, y0) + "," + p(x0 + s, y0) + "," + p(x0 + s, y0 + s) + "," + p(x0, y0 + s) + "," +
           p(x0, y0) + "))";
}

std::string write_cells(const test::fs::path& path, const std::vector<Cell>& cells) {
    ensure_gdal();
    GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    std::unique_ptr<GDALDataset> ds(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    OGRSpatialReference srs;
    srs.importFromEPSG(4527);
    OGRLayer* layer = ds->CreateLayer("villages", &srs, wkbPolygon, nullptr);
    OGRFieldDefn code("village_code", OFTString), households("households_total", OFTInteger),
        county("county_code", OFTString), route("route_main", OFTString);
    layer->CreateField(&code);
    layer->CreateField(&households);
    layer->CreateField(&county);
    layer->CreateField(&route);
    int i = 0;
    for (const auto& c : cells) {
        OGRFeature f(layer->GetLayerDefn());
        f.SetField("village_code", ("3716020010" + std::to_string(10 + i++)).c_str());
        f.SetField("households_total", c.households);
        f.SetField("county_code", c.county.c_str());
        f.SetField("route_main", c.route.c_str());
        OGRGeometry* g = nullptr;
        OGRGeometryFactory::createFromWkt(c.wkt.c_str(), nullptr, &g);
        f.SetGeometryDirectly(g);
        EXPECT_EQ(layer->CreateFeature(&f), OGRERR_NONE);
    }
    return path.string();
}

// 3x3 grid: the ring planned, the centre unplanned.
std::vector<Cell> ring_around_centre() {
    std::vector<Cell> cells;
    for (int y = 0; y < 3; ++y)
        for (int x = 0; x < 3; ++x) cells.push_back({square(x * 1000, y * 1000), (x == 1 && y == 1) ? 0 : 10});
    return cells;
}

ContiguityOptions options_for(const std::string& dataset) {
    ContiguityOptions o;
    o.dataset = dataset;
    o.threads = 2;
    return o;
}

TEST(Contiguity, RingAroundUnplannedVillageIsOneClusterWithAHole) {
    const auto dir = temp_dir();
    auto o = options_for(write_cells(dir / "ring.gpkg", ring_around_centre()));
    const ContiguityResult r = contiguity(o, Progress());
    EXPECT_EQ(r.total.planned, 8);
    EXPECT_EQ(r.total.edges, 20);
    EXPECT_EQ(r.total.clusters, 1);
    EXPECT_EQ(r.total.isolated, 0);
    EXPECT_EQ(r.total.holes, 1);
    EXPECT_EQ(r.total.enclosed, 1);
    const auto villages = test::villages_with_contiguity(dir / "ring.gpkg");
    ASSERT_EQ(villages.size(), 9u);
    EXPECT_EQ(villages[4].at("hole"), "1");
    EXPECT_EQ(villages[4].at("enclosed"), "1");
    EXPECT_EQ(villages[4].at("contiguity"), "hole");
    EXPECT_EQ(villages[0].at("cluster_id"), "1");
    EXPECT_EQ(villages[0].at("cluster_size"), "8");
    EXPECT_EQ(villages[0].at("contiguity"), "cluster");
    const auto clusters = read_layer(dir / "ring.gpkg", "clusters");
    ASSERT_EQ(clusters.size(), 1u);
    EXPECT_EQ(clusters[0].at("villages"), "8");
    EXPECT_NEAR(std::stod(clusters[0].at("area_km2")), 8.0, 1e-9);
    EXPECT_NE(clusters[0].at("geometry").find("MULTIPOLYGON"), std::string::npos);
}

// Enclosed villages are found across the hole's edges and through shared edges; where that
// does not tile the hole (a gap with a village on an island in it), the hole asks geometry.
TEST(Contiguity, VillagesBeyondAGapInsideAHoleAreEnclosed) {
    const auto dir = temp_dir();
    std::vector<Cell> cells;
    std::set<std::string> inner;  // village codes of the unplanned villages inside the ring
    for (int y = 0; y < 7; ++y)
        for (int x = 0; x < 7; ++x) {
            const bool border = x == 0 || y == 0 || x == 6 || y == 6;
            const bool gap = x >= 2 && x <= 4 && y >= 2 && y <= 4 && !(x == 3 && y == 3);
            if (gap) continue;  // no village there
            if (!border) inner.insert("3716020010" + std::to_string(10 + cells.size()));
            cells.push_back({square(x * 1000, y * 1000), border ? 10 : 0});
        }
    auto o = options_for(write_cells(dir / "gap.gpkg", cells));
    const ContiguityResult r = contiguity(o, Progress());
    EXPECT_EQ(r.total.clusters, 1);
    EXPECT_EQ(r.total.enclosed, 17);  // the 16 around the gap and the one on the island
    std::set<std::string> enclosed;
    for (const auto& v : test::villages_with_contiguity(dir / "gap.gpkg"))
        if (v.at("enclosed") == "1") enclosed.insert(v.at("village_code"));
    EXPECT_EQ(enclosed, inner);
}

// A hole meeting the outside at one corner: the unplanned village beyond the corner touches
// one inside it there, and is not enclosed.
TEST(Contiguity, AHoleMeetingTheOutsideAtACornerEnclosesOnlyItsOwn) {
    const auto dir = temp_dir();
    std::vector<Cell> cells;
    for (int y = 0; y < 4; ++y)
        for (int x = 0; x < 4; ++x) {
            const bool border = x == 0 || y == 0 || x == 3 || y == 3;
            cells.push_back({square(x * 1000, y * 1000), border && !(x == 3 && y == 3) ? 10 : 0});
        }
    cells.push_back({square(4000, 3000), 0});  // beyond the open corner, next to (3, 3)
    auto o = options_for(write_cells(dir / "corner.gpkg", cells));
    const ContiguityResult r = contiguity(o, Progress());
    EXPECT_EQ(r.total.clusters, 1);
    EXPECT_EQ(r.total.enclosed, 4);
    const auto villages = test::villages_with_contiguity(dir / "corner.gpkg");
    for (int i : {5, 6, 9, 10}) EXPECT_EQ(villages[static_cast<std::size_t>(i)].at("enclosed"), "1") << i;
    EXPECT_EQ(villages[15].at("enclosed"), "0");
    EXPECT_EQ(villages[16].at("enclosed"), "0");
    const auto clusters = read_layer(dir / "corner.gpkg", "clusters");
    ASSERT_EQ(clusters.size(), 1u);
    EXPECT_NEAR(std::stod(clusters[0].at("area_km2")), 11.0, 1e-9);
}

TEST(Contiguity, RerunReplacesTheResults) {
    const auto dir = temp_dir();
    auto o = options_for(write_cells(dir / "ring.gpkg", ring_around_centre()));
    contiguity(o, Progress());
    o.planned = "households_total > 0 AND fid <> 1";
    const ContiguityResult r = contiguity(o, Progress());
    EXPECT_EQ(r.total.planned, 7);
    EXPECT_EQ(read_layer(dir / "ring.gpkg", "clusters").size(), 1u);
    EXPECT_EQ(read_layer(dir / "ring.gpkg", "contiguity_groups").size(), 2u);  // total + one county
    EXPECT_EQ(test::villages_with_contiguity(dir / "ring.gpkg")[0].at("contiguity"), "unplanned");
    // the village rows themselves are not rewritten: the results are a table keyed by village
    EXPECT_EQ(read_layer(dir / "ring.gpkg", "villages")[0].count("contiguity"), 0u);
    EXPECT_EQ(read_layer(dir / "ring.gpkg", "village_contiguity").size(), 9u);
}

TEST(Contiguity, BlocksTouchingAtACornerJoinUnderQueenOnly) {
    const auto dir = temp_dir();
    const std::vector<Cell> cells = {{square(0, 0), 5},
                                     {square(1000, 0), 5},
                                     {square(2000, 1000), 5},
                                     {square(3000, 1000), 5},
                                     {square(0, 1000), 0}};
    auto o = options_for(write_cells(dir / "corner.gpkg", cells));
    o.write = false;
    EXPECT_EQ(contiguity(o, Progress()).total.clusters, 1);
    o.adjacency = AdjacencyKind::rook;
    const auto rook = contiguity(o, Progress());
    EXPECT_EQ(rook.total.clusters, 2);
    EXPECT_EQ(rook.total.isolated, 0);
}

TEST(Contiguity, SliverGapBridgedOnlyWithToleranceAndReported) {
    const auto dir = temp_dir();
    const std::vector<Cell> cells = {{square(0, 0), 5}, {square(1002, 0), 5}};  // 2 m apart
    auto o = options_for(write_cells(dir / "gap.gpkg", cells));
    o.write = false;
    EXPECT_EQ(contiguity(o, Progress()).total.isolated, 2);
    o.tolerance = 5;
    const auto r = contiguity(o, Progress());
    EXPECT_EQ(r.total.clusters, 1);
    EXPECT_EQ(r.total.isolated, 0);
    EXPECT_EQ(r.gaps_bridged, 1);
    ASSERT_FALSE(r.issues.empty());
    EXPECT_EQ(r.issues[0].code, "W_GAP_BRIDGED");
}

TEST(Contiguity, ByCountyChecksEachCountyAloneTotalAcrossTheLine) {
    const auto dir = temp_dir();
    std::vector<Cell> cells = {{square(0, 0), 5, "371602"},
                               {square(1000, 0), 5, "371603"},
                               {square(2000, 0), 0, "371603"},
                               {square(3000, 0), 5, "371603"}};
    auto o = options_for(write_cells(dir / "by.gpkg", cells));
    o.write = false;
    const auto r = contiguity(o, Progress());
    EXPECT_EQ(r.total.clusters, 2);
    EXPECT_EQ(r.total.edges, 3);
    ASSERT_EQ(r.groups.size(), 2u);
    EXPECT_EQ(r.groups[0].value, "371602");
    EXPECT_EQ(r.groups[0].isolated, 1);  // alone in its county
    EXPECT_EQ(r.groups[1].clusters, 2);
    EXPECT_EQ(r.groups[1].holes, 1);
    EXPECT_EQ(r.groups[0].edges + r.groups[1].edges, 2);  // the edge across the line belongs to no group
}

TEST(Contiguity, InvalidPolygonIsRepairedAndReportedNotDropped) {
    const auto dir = temp_dir();
    const double x0 = 39500000, y0 = 4100000;
    auto p = [&](double a, double b) { return std::to_string(x0 + a) + " " + std::to_string(y0 + b); };
    const std::string bowtie = "POLYGON((" + p(1000, 0) + "," + p(2000, 1000) + "," + p(2000, 0) + "," + p(1000, 1000) +
                               "," + p(1000, 0) + "))";
    const std::vector<Cell> cells = {{square(0, 0), 5}, {bowtie, 5}};
    auto o = options_for(write_cells(dir / "bad.gpkg", cells));
    o.write = false;
    const auto r = contiguity(o, Progress());
    EXPECT_EQ(r.features, 2);
    EXPECT_EQ(r.repaired, 1);
    EXPECT_EQ(r.total.clusters, 1);  // the repaired bow-tie still touches its neighbour
    ASSERT_EQ(r.issues.size(), 1u);
    EXPECT_EQ(r.issues[0].code, "W_GEOMETRY_INVALID");
}

TEST(Contiguity, BadPlannedFilterIsAUsageError) {
    const auto dir = temp_dir();
    auto o = options_for(write_cells(dir / "ring.gpkg", ring_around_centre()));
    o.planned = "no_such_field > 0";
    EXPECT_THROW(contiguity(o, Progress()), UsageError);
    o.planned = "households_total > 0";
    o.by = "no_such_field";
    EXPECT_THROW(contiguity(o, Progress()), UsageError);
}

TEST(Contiguity, ShapefileInputWritesToOutputAndLeavesTheInput) {
    const auto dir = temp_dir();
    const auto gpkg = write_cells(dir / "ring.gpkg", ring_around_centre());
    ASSERT_EQ(std::system(("ogr2ogr -f 'ESRI Shapefile' " + (dir / "ring.shp").string() + " " + gpkg).c_str()), 0);
    auto o = options_for((dir / "ring.shp").string());
    EXPECT_THROW(contiguity(o, Progress()), UsageError);  // not a GeoPackage and no -o
    o.output = (dir / "out.gpkg").string();
    o.planned = "households > 0";  // the shapefile's ten-character name
    const auto r = contiguity(o, Progress());
    EXPECT_EQ(r.total.holes, 1);
    EXPECT_EQ(read_layer(dir / "out.gpkg", "villages").size(), 9u);
    EXPECT_EQ(test::villages_with_contiguity(dir / "out.gpkg")[4].at("hole"), "1");
    EXPECT_FALSE(test::fs::exists(dir / "out.gpkg.partial"));
}

TEST(Contiguity, RulesNameTheVillageAndTheRule) {
    const auto dir = temp_dir();
    std::vector<Cell> cells = {{square(0, 0), 5, "371602", "gas"},
                               {square(1000, 0), 5, "371602", "district_heating"},
                               {square(5000, 0), 5, "371602", "electric"},
                               {square(9000, 0), 5, "371602", "electric"}};
    auto o = options_for(write_cells(dir / "rules.gpkg", cells));
    write_cells(dir / "heating.gpkg", {{square(-100, -100, 2500), 0}});  // covers the first two
    write_cells(dir / "zones.gpkg", {{square(4500, -500, 2000), 0}});    // covers the third only
    o.heating_coverage = (dir / "heating.gpkg").string();
    o.grid_zones = (dir / "zones.gpkg").string();
    o.gas_mains = (dir / "zones.gpkg").string();
    o.gas_distance = 1000;
    o.xlsx = (dir / "c.xlsx").string();
    const auto r = contiguity(o, Progress());
    std::multiset<std::string> codes;
    for (const auto& f : r.findings) codes.insert(f.code + ":" + std::to_string(f.feature));
    EXPECT_EQ(codes,
              (std::multiset<std::string>{"W_RULE_HEATING_COVERAGE:0", "W_RULE_GAS_DISTANCE:0", "W_RULE_GRID_ZONE:3"}));
    const auto findings = read_layer(dir / "rules.gpkg", "contiguity_findings");
    EXPECT_EQ(findings.size(), 3u);
    const auto sheet = read_layer(dir / "c.xlsx", "规则检查");
    int rows = 0;
    for (const auto& row : sheet)
        for (const auto& [k, v] : row)
            if (v.rfind("W_RULE_", 0) == 0) ++rows;
    EXPECT_EQ(rows, 3);
}

// Invalid, overlapping and missing geometries are listed village by village in
// contiguity_findings, the workbook's 图形问题 sheet and --json, not only counted.
TEST(Contiguity, GeometryFindingsAreListedInTheTableTheWorkbookAndJson) {
    const auto dir = temp_dir();
    const double x0 = 39500000, y0 = 4100000;
    auto p = [&](double a, double b) { return std::to_string(x0 + a) + " " + std::to_string(y0 + b); };
    const std::string bowtie = "POLYGON((" + p(1000, 0) + "," + p(2000, 1000) + "," + p(2000, 0) + "," + p(1000, 1000) +
                               "," + p(1000, 0) + "))";
    const std::vector<Cell> cells = {{square(0, 0), 5},           // 0
                                     {bowtie, 5},                 // 1: invalid, repaired
                                     {square(0, 3000), 5},        // 2
                                     {square(900, 3000), 5},      // 3: overlaps 2 by 100 m
                                     {"POLYGON EMPTY", 5},        // 4: missing
                                     {square(9000, 9000), 0}};    // 5
    const std::string gpkg = write_cells(dir / "geom.gpkg", cells);
    auto o = options_for(gpkg);
    o.xlsx = (dir / "geom.xlsx").string();
    const auto r = contiguity(o, Progress());
    std::multiset<std::string> listed;
    for (const auto& f : r.geometry_findings) listed.insert(f.code + ":" + f.village_code);
    EXPECT_EQ(listed, (std::multiset<std::string>{"W_GEOMETRY_INVALID:371602001011", "W_POLYGON_OVERLAP:371602001012",
                                                   "W_GEOMETRY_MISSING:371602001014"}));
    // the findings table
    std::multiset<std::string> table;
    for (const auto& row : read_layer(dir / "geom.gpkg", "contiguity_findings"))
        table.insert(row.at("code") + ":" + row.at("village_code"));
    EXPECT_EQ(table, listed);
    // the workbook
    std::multiset<std::string> sheet;
    for (const auto& row : test::sheet_rows(dir / "geom.xlsx", "图形问题"))
        for (std::size_t c = 0; c + 3 < row.size(); ++c)  // 村代码, 村名, 要素号, 问题代码
            if (row[c + 3].rfind("W_", 0) == 0) sheet.insert(row[c + 3] + ":" + row[c]);
    EXPECT_EQ(sheet, listed);
    // --json
    const auto cli = test::run_cli({"contiguity", gpkg, "--json", "--quiet"});
    ASSERT_LE(cli.exit_code, 1) << cli.err;
    const auto j = nlohmann::json::parse(cli.out);
    std::multiset<std::string> json;
    for (const auto& f : j.at("geometry_findings"))
        json.insert(f.at("code").get<std::string>() + ":" + f.at("village_code").get<std::string>());
    EXPECT_EQ(json, listed);
    EXPECT_EQ(j.at("geometry_findings")[0].at("village_fid").get<long long>() > 0, true);
}

// The samples: every count equal to a plain pairwise GEOS computation.
// Villages read in several runs side by side (one per thread) give what one reader gives: the same
// villages in the same order, the same values and clusters, the same tables and workbook.
TEST(Contiguity, ReadingInRunsSideBySideGivesTheResultsOfOneReader) {
    const auto dir = temp_dir();
    test::merge_samples(dir);
    std::map<int, ContiguityResult> results;
    for (int threads : {1, 3}) {
        const auto copy = dir / ("runs" + std::to_string(threads) + ".gpkg");
        test::fs::copy_file(dir / "merged.gpkg", copy);
        auto o = options_for(copy.string());
        o.threads = threads;
        o.by = "township_code";
        o.xlsx = (dir / ("runs" + std::to_string(threads) + ".xlsx")).string();
        results[threads] = contiguity(o, Progress());
    }
    const ContiguityResult &one = results[1], &three = results[3];
    EXPECT_EQ(one.total.villages, three.total.villages);
    EXPECT_EQ(one.total.planned, three.total.planned);
    EXPECT_EQ(one.total.clusters, three.total.clusters);
    EXPECT_EQ(one.total.holes, three.total.holes);
    EXPECT_EQ(one.total.enclosed, three.total.enclosed);
    ASSERT_EQ(one.groups.size(), three.groups.size());
    for (std::size_t g = 0; g < one.groups.size(); ++g) {
        EXPECT_EQ(one.groups[g].value, three.groups[g].value);
        EXPECT_EQ(one.groups[g].name, three.groups[g].name);
        EXPECT_EQ(one.groups[g].clusters, three.groups[g].clusters);
    }
    ASSERT_EQ(one.routes.size(), three.routes.size());
    for (const auto& [route, stats] : one.routes) EXPECT_EQ(stats.clusters, three.routes.at(route).clusters) << route;
    ASSERT_EQ(one.clusters.size(), three.clusters.size());
    for (std::size_t c = 0; c < one.clusters.size(); ++c) {
        EXPECT_EQ(one.clusters[c].routes, three.clusters[c].routes);
        EXPECT_EQ(one.clusters[c].groups, three.clusters[c].groups);
    }
    EXPECT_GT(one.groups.size(), 1u);
    EXPECT_GT(one.routes.size(), 1u);
    for (const char* layer : {"village_contiguity", "clusters", "contiguity_groups", "contiguity_findings"})
        EXPECT_EQ(read_layer(dir / "runs1.gpkg", layer), read_layer(dir / "runs3.gpkg", layer)) << layer;
    for (const char* sheet : {"连片情况汇总", "孤立村", "区块内包围村"})
        EXPECT_EQ(read_layer(dir / "runs1.xlsx", sheet), read_layer(dir / "runs3.xlsx", sheet)) << sheet;
}

TEST(Contiguity, SamplesAgreeWithPairwiseGeos) {
    const auto dir = temp_dir();
    test::merge_samples(dir);
    auto o = options_for((dir / "merged.gpkg").string());
    o.xlsx = (dir / "contiguity.xlsx").string();
    const ContiguityResult r = contiguity(o, Progress());

    // pairwise: every pair of villages with overlapping boxes, GEOS intersects
    const auto villages = read_layer(dir / "merged.gpkg", "villages");
    GEOSContextHandle_t ctx = GEOS_init_r();
    GEOSWKTReader* reader = GEOSWKTReader_create_r(ctx);
    std::vector<GEOSGeometry*> geoms;
    std::vector<bool> planned;
    for (const auto& v : villages) {
        geoms.push_back(GEOSWKTReader_read_r(ctx, reader, v.at("geometry").c_str()));
        planned.push_back(std::stoi(v.at("households_total").empty() ? "0" : v.at("households_total")) > 0);
    }
    const std::size_t n = geoms.size();
    std::vector<std::array<double, 4>> box(n);
    for (std::size_t i = 0; i < n; ++i) {
        GEOSGeom_getXMin_r(ctx, geoms[i], &box[i][0]);
        GEOSGeom_getYMin_r(ctx, geoms[i], &box[i][1]);
        GEOSGeom_getXMax_r(ctx, geoms[i], &box[i][2]);
        GEOSGeom_getYMax_r(ctx, geoms[i], &box[i][3]);
    }
    std::vector<std::vector<std::size_t>> nb(n);
    long long edges = 0;
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = i + 1; j < n; ++j) {
            if (box[i][0] > box[j][2] || box[j][0] > box[i][2] || box[i][1] > box[j][3] || box[j][1] > box[i][3])
                continue;
            if (GEOSIntersects_r(ctx, geoms[i], geoms[j]) == 1) {
                nb[i].push_back(j);
                nb[j].push_back(i);
                ++edges;
            }
        }
    std::vector<int> comp(n, -1);
    int clusters = 0, isolated = 0, holes = 0;
    for (std::size_t i = 0; i < n; ++i) {
        if (!planned[i] || comp[i] >= 0) continue;
        std::vector<std::size_t> stack{i};
        comp[i] = clusters;
        int size = 0;
        while (!stack.empty()) {
            const std::size_t k = stack.back();
            stack.pop_back();
            ++size;
            for (std::size_t j : nb[k])
                if (planned[j] && comp[j] < 0) {
                    comp[j] = clusters;
                    stack.push_back(j);
                }
        }
        ++clusters;
        if (size == 1) ++isolated;
    }
    for (std::size_t i = 0; i < n; ++i) {
        if (planned[i] || nb[i].empty()) continue;
        if (std::all_of(nb[i].begin(), nb[i].end(), [&](std::size_t j) { return planned[j]; })) ++holes;
    }
    for (auto* g : geoms) GEOSGeom_destroy_r(ctx, g);
    GEOSWKTReader_destroy_r(ctx, reader);
    GEOS_finish_r(ctx);

    EXPECT_EQ(r.total.villages, static_cast<long long>(n));
    // each county's group carries the county's name
    std::map<std::string, std::string> county_name;
    for (const auto& v : villages) county_name.emplace(v.at("county_code"), v.at("county_name"));
    EXPECT_GT(r.groups.size(), 1u);
    for (const auto& g : r.groups) {
        EXPECT_FALSE(g.name.empty()) << g.value;
        EXPECT_EQ(g.name, county_name[g.value]) << g.value;
    }
    EXPECT_EQ(r.total.edges, edges);
    EXPECT_EQ(r.total.clusters, clusters);
    EXPECT_EQ(r.total.isolated, isolated);
    EXPECT_EQ(r.total.holes, holes);
    EXPECT_GT(clusters, 1);
    EXPECT_GT(holes, 0);
    // the workbook's summary 合计 row carries the same counts
    const auto summary = read_layer(dir / "contiguity.xlsx", "连片情况汇总");
    bool found = false;
    for (const auto& row : summary) {
        std::vector<std::string> cells;
        for (const auto& [k, v] : row) cells.push_back(v);
        if (std::find(cells.begin(), cells.end(), "合计") == cells.end()) continue;
        found = true;
        EXPECT_NE(std::find(cells.begin(), cells.end(), std::to_string(r.total.planned)), cells.end());
        EXPECT_NE(std::find(cells.begin(), cells.end(), std::to_string(isolated)), cells.end());
    }
    EXPECT_TRUE(found);
}

}  // namespace
}  // namespace cleanheat

// cleanheat stations as a user runs it on the sample stations (data-samples/stations): every planted
// fault found at its row and every township without a station named (expected.json), each village's
// nearest station and distance measured again here with OGR/GEOS, the beyond-reach sheet and map, a
// CSV with 经度/纬度 columns read like the GeoPackage, and the same results in a PostgreSQL dataset,
// where a unit reads its own stations only.
#include <cairo.h>
#include <gtest/gtest.h>
#include <gdal_priv.h>
#include <ogr_api.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <array>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "base/error.hpp"
#include "io/pg_connection.hpp"
#include "support.hpp"

using namespace cleanheat::test;

namespace {

using json = nlohmann::json;

json expected() { return json::parse(read_file(samples("stations/expected.json"))); }
std::string sample_stations() { return samples("stations/stations.gpkg").string(); }

double radius_m() {
    return json::parse(read_file(source_dir() / "styles" / "subsidy.json")).at("service_stations").at("radius_km").get<double>() *
           1000.0;
}

// read_layer, each feature's FID under "fid"
std::vector<Record> features(const fs::path& source, const std::string& layer_name) {
    GDALAllRegister();
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(source.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ds) throw std::runtime_error("cannot open " + source.string());
    OGRLayer* layer = ds->GetLayerByName(layer_name.c_str());
    if (!layer) throw std::runtime_error("no layer " + layer_name + " in " + source.string());
    std::vector<Record> out;
    for (auto& f : *layer) {
        Record r;
        for (int i = 0; i < f->GetFieldCount(); ++i)
            r[f->GetFieldDefnRef(i)->GetNameRef()] = f->IsFieldSetAndNotNull(i) ? f->GetFieldAsString(i) : "";
        r["geometry"] = f->GetGeometryRef() ? f->GetGeometryRef()->exportToWkt() : "";
        r["fid"] = std::to_string(f->GetFID());
        out.push_back(std::move(r));
    }
    return out;
}

std::unique_ptr<OGRGeometry> from_wkt(const std::string& wkt) {
    OGRGeometry* g = nullptr;
    OGRGeometryFactory::createFromWkt(wkt.c_str(), nullptr, &g);
    return std::unique_ptr<OGRGeometry>(g);
}

// (code, row) of the findings about a row; the townships (county code + township code) without a station.
std::set<std::pair<std::string, int>> row_findings(const fs::path& gpkg) {
    std::set<std::pair<std::string, int>> out;
    for (const auto& f : features(gpkg, "station_findings"))
        if (f.at("code") != "E_TOWNSHIP_NO_STATION") out.emplace(f.at("code"), std::stoi(f.at("row")));
    return out;
}
std::set<std::string> townships_without(const fs::path& gpkg) {
    std::set<std::string> out;
    for (const auto& f : features(gpkg, "station_findings"))
        if (f.at("code") == "E_TOWNSHIP_NO_STATION") {
            EXPECT_EQ(f.at("row"), "0");
            out.insert(f.at("county_code") + "/" + f.at("township_code"));
        }
    return out;
}

// village fid -> (station fid, distance, reach)
std::map<std::string, std::tuple<std::string, double, std::string>> village_stations(const fs::path& gpkg) {
    std::map<std::string, std::tuple<std::string, double, std::string>> out;
    for (const auto& v : features(gpkg, "village_stations"))
        out[v.at("fid")] = {v.at("station_fid"), v.at("distance_m").empty() ? -1.0 : std::stod(v.at("distance_m")),
                                    v.at("station_reach")};
    return out;
}

}  // namespace

TEST(StationsCli, EveryPlantedFaultAndEveryTownshipWithoutAStationIsFoundAtItsRow) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto xlsx = dir / "stations.xlsx";
    const auto r = run_cli({"stations", gpkg.string(), "--stations", sample_stations(), "-o", xlsx.string(), "--json"});
    ASSERT_EQ(r.exit_code, 1) << r.err;  // findings of error level
    const json j = json::parse(r.out);
    const json e = expected();
    std::set<std::pair<std::string, int>> want;
    std::set<int> rejected_rows;
    for (const auto& f : e.at("findings")) {
        want.emplace(f.at("code").get<std::string>(), f.at("row").get<int>());
        if (f.at("code").get<std::string>()[0] == 'E') rejected_rows.insert(f.at("row").get<int>());
    }
    EXPECT_EQ(row_findings(gpkg), want);
    std::set<std::string> without;
    for (const auto& t : e.at("townships_without_station"))
        without.insert(t.at("county_code").get<std::string>() + "/" + t.at("township_code").get<std::string>());
    EXPECT_EQ(townships_without(gpkg), without);
    // every row loaded or rejected with its finding, and the counts say so
    EXPECT_EQ(j.at("rows").at("read"), e.at("stations"));
    EXPECT_EQ(j.at("rows").at("rejected").get<std::size_t>(), rejected_rows.size());
    const auto stations = features(gpkg, "stations");
    EXPECT_EQ(stations.size(), j.at("rows").at("loaded").get<std::size_t>());
    std::set<int> loaded_rows;
    for (const auto& s : stations) loaded_rows.insert(std::stoi(s.at("row")));
    EXPECT_EQ(loaded_rows.size() + rejected_rows.size(), e.at("stations").get<std::size_t>());
    for (int row : rejected_rows) EXPECT_EQ(loaded_rows.count(row), 0u) << row;
    EXPECT_EQ(j.at("townships").at("with_planned_villages"), e.at("townships_with_planned_villages"));
    EXPECT_EQ(j.at("townships").at("without_station").get<std::size_t>(), without.size());
    // the workbook: the townships without a station marked 未设置, the findings listed
    long long unset = 0;
    for (const auto& row : sheet_rows(xlsx, "乡镇覆盖"))
        if (!row.empty() && row.back() == "未设置") ++unset;
    EXPECT_EQ(unset, static_cast<long long>(without.size()));
    long long listed = 0;
    for (const auto& row : sheet_rows(xlsx, "检查问题"))
        for (const auto& cell : row)
            if (cell.rfind("E_", 0) == 0 || cell.rfind("W_", 0) == 0) ++listed;
    EXPECT_EQ(listed, static_cast<long long>(want.size() + without.size()));
    // a second run replaces the results, it does not add to them
    ASSERT_EQ(run_cli({"stations", gpkg.string(), "--stations", sample_stations(), "--quiet"}).exit_code, 1);
    EXPECT_EQ(features(gpkg, "stations").size(), stations.size());
    EXPECT_EQ(row_findings(gpkg), want);
}

TEST(StationsCli, EachVillageIsMeasuredToItsNearestStationAndThePlannedBeyondTheRadiusAreListed) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto xlsx = dir / "stations.xlsx";
    {  // one village with a courtyard cut out off its centre (a hole moves the centre away from it)
        GDALAllRegister();
        std::unique_ptr<GDALDataset> ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
        OGRLayer* villages = ds->GetLayerByName("villages");
        std::unique_ptr<OGRFeature> v(villages->GetNextFeature());
        ASSERT_TRUE(v);
        auto* polygon = v->GetGeometryRef()->clone();
        OGRPolygon* shell = wkbFlatten(polygon->getGeometryType()) == wkbMultiPolygon
                                ? polygon->toMultiPolygon()->getGeometryRef(0)
                                : polygon->toPolygon();
        OGREnvelope e;
        shell->getEnvelope(&e);
        std::unique_ptr<OGRGeometry> on(
            OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(static_cast<OGRGeometry*>(shell)))));
        ASSERT_TRUE(on);
        const OGRPoint inside = *on->toPoint();
        const double r = std::min(e.MaxX - e.MinX, e.MaxY - e.MinY) / 8;
        OGRLinearRing hole;
        for (const auto& [dx, dy] : std::vector<std::pair<double, double>>{{-1, -1}, {-1, 1}, {1, 1}, {1, -1}, {-1, -1}})
            hole.addPoint(inside.getX() + dx * r, inside.getY() + dy * r);
        OGRPolygon square;
        square.addRing(&hole);
        ASSERT_TRUE(shell->Contains(&square));
        shell->addRing(&hole);
        v->SetGeometryDirectly(polygon);
        ASSERT_EQ(villages->SetFeature(v.get()), OGRERR_NONE);
    }
    ASSERT_EQ(run_cli({"stations", gpkg.string(), "--stations", sample_stations(), "-o", xlsx.string(), "--quiet"}).exit_code, 1);
    // the stations as written (points in the dataset's CRS), measured here with OGR (GEOS)
    std::vector<std::pair<std::string, std::unique_ptr<OGRGeometry>>> stations;
    for (const auto& s : features(gpkg, "stations")) stations.emplace_back(s.at("fid"), from_wkt(s.at("geometry")));
    ASSERT_GT(stations.size(), 30u);
    const auto measured = village_stations(gpkg);
    const double radius = radius_m();
    std::set<std::string> beyond_codes;
    long long villages = 0, planned = 0;
    for (const auto& v : features(gpkg, "villages")) {
        ++villages;
        auto g = from_wkt(v.at("geometry"));
        ASSERT_TRUE(g) << v.at("fid");
        OGRPoint centre;
        ASSERT_EQ(g->Centroid(&centre), OGRERR_NONE);
        std::string nearest;
        double best = INFINITY;
        for (const auto& [fid, point] : stations) {
            const double d = centre.Distance(point.get());
            if (d < best) best = d, nearest = fid;
        }
        const auto& [station, distance, reach] = measured.at(v.at("fid"));
        EXPECT_EQ(station, nearest) << "village " << v.at("village_code");
        EXPECT_NEAR(distance, best, 0.5) << "village " << v.at("village_code");
        const bool is_planned = v.at("planned") == "1";
        planned += is_planned;
        EXPECT_EQ(reach, !is_planned ? "" : best <= radius ? "within" : "beyond") << v.at("village_code");
        if (is_planned && best > radius) beyond_codes.insert(v.at("village_code"));
    }
    EXPECT_EQ(static_cast<long long>(measured.size()), villages);
    ASSERT_FALSE(beyond_codes.empty());  // the townships left without a station leave villages beyond reach
    ASSERT_LT(static_cast<long long>(beyond_codes.size()), planned);
    // the sheet lists exactly those villages
    std::set<std::string> listed;
    for (const auto& row : sheet_rows(xlsx, "超出服务半径"))
        for (const auto& cell : row)
            if (cell.size() == 12 && cell.find_first_not_of("0123456789") == std::string::npos) listed.insert(cell);
    EXPECT_EQ(listed, beyond_codes);
    // each station counts the villages it is nearest to
    std::map<std::string, long long> nearest_to;
    for (const auto& [village, m] : measured) ++nearest_to[std::get<0>(m)];
    for (const auto& s : features(gpkg, "stations")) EXPECT_EQ(std::stoll(s.at("villages")), nearest_to[s.at("fid")]);
    // the map of styles/stations.json draws the villages beyond reach in its red
    const auto png = dir / "stations.png";
    const auto map = run_cli({"map", gpkg.string(), "--style", "styles/stations.json", "-o", png.string(), "--dpi", "60"});
    ASSERT_EQ(map.exit_code, 0) << map.err;
    cairo_surface_t* image = cairo_image_surface_create_from_png(png.c_str());
    ASSERT_EQ(cairo_surface_status(image), CAIRO_STATUS_SUCCESS);
    const int w = cairo_image_surface_get_width(image), h = cairo_image_surface_get_height(image);
    const int stride = cairo_image_surface_get_stride(image);
    const unsigned char* data = cairo_image_surface_get_data(image);
    long long red = 0;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            const unsigned char* p = data + y * stride + 4 * x;  // BGRA
            if (p[2] == 0xd7 && p[1] == 0x19 && p[0] == 0x1c) ++red;
        }
    cairo_surface_destroy(image);
    EXPECT_GT(red, 50);
}

TEST(StationsCli, ACsvWithLongitudeAndLatitudeColumnsIsReadLikeTheLayer) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"stations", gpkg.string(), "--stations", sample_stations(), "--quiet"}).exit_code, 1);
    const auto from_layer = village_stations(gpkg);
    // the sample's good stations as a CSV (lon/lat columns, a township by its code), then a bad line
    const auto csv = dir / "服务站.csv";
    std::ofstream out(csv);
    out << "序号,服务站名称,乡镇（街道）,联系电话,经度,纬度\n";
    std::map<std::string, std::string> code_of_township;
    for (const auto& s : features(gpkg, "stations")) code_of_township[s.at("township_name")] = s.at("township_code");
    int line = 1;
    std::string township_by_code;
    std::set<std::string> names;
    for (const auto& s : features(sample_stations(), "运维服务站")) {
        if (s.at("geometry").empty() || s.at("服务站名称").empty() || !code_of_township.count(s.at("所属乡镇"))) continue;
        auto point = from_wkt(s.at("geometry"));
        const double lon = point->toPoint()->getX(), lat = point->toPoint()->getY();
        if (lon < 100 || !names.insert(s.at("服务站名称")).second) continue;  // the swapped one, the one twice
        std::string township = s.at("所属乡镇");
        if (township_by_code.empty()) township_by_code = township = code_of_township.at(township);
        ++line;
        char row[256];
        std::snprintf(row, sizeof row, "%d,%s,%s,%s,%.6f,%.6f\n", line - 1, s.at("服务站名称").c_str(), township.c_str(),
                      s.at("服务电话").c_str(), lon, lat);
        out << row;
    }
    out << line << ",不存在站,不存在镇,0543-0000000,118.0,37.4\n";
    const int bad_line = line + 1;
    out << line + 1 << ",无坐标站," << code_of_township.begin()->first << ",0543-0000001,,\n";
    out.close();
    const auto r = run_cli({"stations", gpkg.string(), "--stations", csv.string(), "--json"});
    ASSERT_EQ(r.exit_code, 1) << r.err;
    const auto found = row_findings(gpkg);
    EXPECT_EQ(found.count({"E_STATION_TOWNSHIP_UNKNOWN", bad_line}), 1u);
    EXPECT_EQ(found.count({"E_STATION_NO_LOCATION", bad_line + 1}), 1u);
    EXPECT_EQ(json::parse(r.out).at("rows").at("rejected"), 2);
    // the same stations (the duplicate left out): every village measured to the same place
    const auto from_csv = village_stations(gpkg);
    ASSERT_EQ(from_csv.size(), from_layer.size());
    for (const auto& [village, m] : from_layer) {
        EXPECT_NEAR(std::get<1>(from_csv.at(village)), std::get<1>(m), 0.5) << village;
        EXPECT_EQ(std::get<2>(from_csv.at(village)), std::get<2>(m)) << village;
    }
    // a layer without a township column is refused whole, naming what is missing
    const auto bare = dir / "bare.csv";
    std::ofstream(bare) << "名称,电话,经度,纬度\n甲站,0543-1,118.0,37.4\n";
    const auto refused = run_cli({"stations", gpkg.string(), "--stations", bare.string()});
    EXPECT_EQ(refused.exit_code, 3);
    EXPECT_NE(refused.err.find("乡镇"), std::string::npos) << refused.err;
}

TEST(StationsCli, InTheDatabaseTheResultsAreTheFilesAndAUnitReadsItsOwnStations) {
    PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"db", "init", pg.pg(), "--quiet"}).exit_code, 0);
    ASSERT_EQ(run_cli({"copy", gpkg.string(), pg.pg(), "--quiet"}).exit_code, 0);
    const auto db_run =
        run_cli({"stations", pg.pg(), "--stations", sample_stations(), "-o", (dir / "db.xlsx").string(), "--json"});
    ASSERT_EQ(db_run.exit_code, 1) << db_run.err;
    const auto file_run = run_cli({"stations", gpkg.string(), "--stations", sample_stations(), "--json"});
    ASSERT_EQ(file_run.exit_code, 1) << file_run.err;
    EXPECT_EQ(json::parse(db_run.out).at("villages"), json::parse(file_run.out).at("villages"));
    EXPECT_EQ(json::parse(db_run.out).at("findings"), json::parse(file_run.out).at("findings"));
    EXPECT_TRUE(fs::exists(dir / "db.xlsx"));
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.stations"), std::to_string(features(gpkg, "stations").size()));
    EXPECT_EQ(pg.admin_sql("SELECT GeometryType(geom) FROM cleanheat.stations LIMIT 1"), "POINT");
    EXPECT_EQ(pg.admin_sql("SELECT count(*) FROM cleanheat.village_stations WHERE station_reach = 'beyond'"),
              std::to_string(json::parse(file_run.out).at("villages").at("planned_beyond_radius").get<long long>()));
    // a copy back into a file holds the same points
    const auto back = dir / "back.gpkg";
    ASSERT_EQ(run_cli({"copy", pg.pg(), back.string(), "--quiet"}).exit_code, 0);
    EXPECT_EQ(features(back, "stations").size(), features(gpkg, "stations").size());
    EXPECT_EQ(features(back, "stations").front().at("geometry").rfind("POINT", 0), 0u);
    // a unit reads its own county's stations; the viewers read them all
    const std::string binchen = pg.login_role("binchen", "cleanheat_unit_371602");
    const cleanheat::PgConnection unit(pg.conninfo(binchen));
    EXPECT_EQ(unit.query("SELECT string_agg(DISTINCT county_code, ',') FROM cleanheat.stations").text(0, 0), "371602");
    // its findings too, also of the rows that were not loaded (a township of its own named twice)
    EXPECT_EQ(unit.query("SELECT string_agg(DISTINCT county_code, ',') FROM cleanheat.station_findings").text(0, 0), "371602");
    EXPECT_NE(unit.query("SELECT count(*) FROM cleanheat.station_findings WHERE code = 'E_STATION_DUPLICATE'").text(0, 0), "0");
    const std::string viewer = pg.login_role("viewer", "cleanheat_viewer");
    const cleanheat::PgConnection view(pg.conninfo(viewer));
    EXPECT_EQ(view.query("SELECT count(*) FROM cleanheat.stations").text(0, 0),
              pg.admin_sql("SELECT count(*) FROM cleanheat.stations"));
}

TEST(StationsCli, TownshipsOfTheSameNameAreToldApartByTheCountyColumnOrWhereTheStationStands) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    // two counties with a township of the same name: 滨城区's first township's name given to one of 沾化区's
    const auto villages = features(gpkg, "villages");
    std::string name_a, code_a, county_a, county_a_name, code_b, county_b, county_b_name, x, y;
    for (const auto& v : villages)
        if (v.at("planned") == "1" && code_a.empty()) {
            name_a = v.at("township_name"), code_a = v.at("township_code"), county_a = v.at("county_code");
            county_a_name = v.at("county_name");
            auto g = from_wkt(v.at("geometry"));
            std::unique_ptr<OGRGeometry> on(OGRGeometry::FromHandle(OGR_G_PointOnSurface(OGRGeometry::ToHandle(g.get()))));
            const OGRPoint& p = *on->toPoint();
            char text[64];
            std::snprintf(text, sizeof text, "%.3f", p.getX());
            x = text;
            std::snprintf(text, sizeof text, "%.3f", p.getY());
            y = text;
        }
    for (const auto& v : villages)
        if (v.at("county_code") != county_a && code_b.empty())
            code_b = v.at("township_code"), county_b = v.at("county_code"), county_b_name = v.at("county_name");
    ASSERT_FALSE(code_b.empty());
    {  // (through GDAL: the layer's index triggers call its SQL functions)
        GDALAllRegister();
        std::unique_ptr<GDALDataset> ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
        ds->ExecuteSQL(("UPDATE villages SET township_name = '" + name_a + "' WHERE township_code = '" + code_b + "'").c_str(),
                       nullptr, nullptr);
    }
    // (the points in the dataset's CRS, as x/y columns with the CRS named)
    const auto csv = dir / "stations.csv";
    std::ofstream(csv) << "名称,乡镇,电话,县区,x,y\n"
                       << "甲站," << name_a << ",0543-1,," << x << "," << y << "\n"               // where it stands: A's
                       << "乙站," << name_a << ",0543-2," << county_b_name << "," << x << "," << y << "\n"  // the column: B's
                       << "丙站," << name_a << ",0543-3,," << 0 << "," << 0 << "\n";               // neither
    const auto r = run_cli({"stations", gpkg.string(), "--stations", csv.string(), "--stations-crs", "EPSG:4527", "--json"});
    ASSERT_EQ(r.exit_code, 1) << r.err;
    std::map<std::string, std::string> township_of;
    for (const auto& s : features(gpkg, "stations")) township_of[s.at("name")] = s.at("county_code") + "/" + s.at("township_code");
    EXPECT_EQ(township_of["甲站"], county_a + "/" + code_a);
    EXPECT_EQ(township_of["乙站"], county_b + "/" + code_b);
    EXPECT_EQ(township_of.count("丙站"), 0u);
    const auto found = row_findings(gpkg);
    EXPECT_TRUE(found.count({"E_STATION_OUTSIDE_AREA", 4}) || found.count({"E_STATION_TOWNSHIP_AMBIGUOUS", 4})) << r.out;
    EXPECT_EQ(found.count({"W_STATION_OUTSIDE_TOWNSHIP", 3}), 1u);  // 乙站 stands in A's township
}

TEST(StationsCli, AWorkbookWithATitleAndAFewRowsWithOneSwappedAreReadRowByRow) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    ASSERT_EQ(run_cli({"stations", gpkg.string(), "--stations", sample_stations(), "--quiet"}).exit_code, 1);
    // five good stations of the sample, lon/lat as text, under a title row; a bad township on line 5
    std::vector<std::array<std::string, 4>> good;  // name, township, lon, lat
    for (const auto& s : features(sample_stations(), "运维服务站")) {
        if (good.size() == 5) break;
        if (s.at("geometry").empty() || s.at("服务站名称").empty() || s.at("服务电话").empty()) continue;
        auto p = from_wkt(s.at("geometry"));
        char lon[32], lat[32];
        std::snprintf(lon, sizeof lon, "%.6f", p->toPoint()->getX());
        std::snprintf(lat, sizeof lat, "%.6f", p->toPoint()->getY());
        if (p->toPoint()->getX() < 100) continue;
        good.push_back({s.at("服务站名称"), s.at("所属乡镇"), lon, lat});
    }
    ASSERT_EQ(good.size(), 5u);
    std::vector<XlsxCell> cells = {text_cell(0, 0, "运维服务站名单"), text_cell(1, 0, "服务站名称"), text_cell(1, 1, "所属乡镇（街道）"),
                                   text_cell(1, 2, "联系电话"),     text_cell(1, 3, "经度（°）"),  text_cell(1, 4, "纬度（°）")};
    int row = 2;
    for (const auto& g : good) {
        if (row == 4) {  // line 5 of the sheet
            for (int c = 0; c < 5; ++c)
                cells.push_back(text_cell(row, c, std::vector<std::string>{"错站", "不存在镇", "0543-9", g[2], g[3]}[c]));
            ++row;
        }
        for (int c = 0; c < 5; ++c)
            cells.push_back(text_cell(row, c, std::vector<std::string>{g[0], g[1], "0543-1", g[2], g[3]}[c]));
        ++row;
    }
    const auto xlsx = dir / "服务站.xlsx";
    write_xlsx(xlsx, {{"服务站", cells, {}}});
    auto r = run_cli({"stations", gpkg.string(), "--stations", xlsx.string(), "--json"});
    ASSERT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(row_findings(gpkg), (std::set<std::pair<std::string, int>>{{"E_STATION_TOWNSHIP_UNKNOWN", 5}}));
    EXPECT_EQ(features(gpkg, "stations").size(), 5u);
    // a CSV of five, one with longitude and latitude swapped: that row refused, the others read as lon/lat
    const auto csv = dir / "five.csv";
    {
        std::ofstream out(csv);
        out << "名称,乡镇,电话,经度,纬度\n";
        for (std::size_t i = 0; i < good.size(); ++i)
            out << good[i][0] << "," << good[i][1] << ",0543-1," << (i == 2 ? good[i][3] : good[i][2]) << ","
                << (i == 2 ? good[i][2] : good[i][3]) << "\n";
    }
    r = run_cli({"stations", gpkg.string(), "--stations", csv.string(), "--json"});
    ASSERT_EQ(r.exit_code, 1) << r.err;
    EXPECT_EQ(row_findings(gpkg), (std::set<std::pair<std::string, int>>{{"E_STATION_OUTSIDE_AREA", 4}}));
    EXPECT_EQ(features(gpkg, "stations").size(), 4u);
}

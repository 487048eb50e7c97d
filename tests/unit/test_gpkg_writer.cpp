#include <gtest/gtest.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <memory>
#include <random>
#include <cstring>

#include "io/gpkg_writer.hpp"
#include "support.hpp"

using namespace cleanheat;
using namespace cleanheat::test;

namespace {

std::vector<TestVillage> random_villages(int n) {
    std::mt19937 rng(7);
    std::uniform_real_distribution<double> x(39400000, 39460000), y(4100000, 4160000);
    std::vector<TestVillage> out;
    for (int i = 0; i < n; ++i) {
        char code[24];
        std::snprintf(code, sizeof code, "371602%06d", i);
        out.push_back({code, "村" + std::to_string(i), "镇", "滨城区", x(rng), y(rng)});
    }
    return out;
}

// Copies `source` (villages layer) through GpkgWriter, either reusing its R-tree or rebuilding it.
void copy_through_writer(const fs::path& source, const fs::path& target, bool reuse_index, int skip_every) {
    std::unique_ptr<GDALDataset> src(GDALDataset::Open(source.c_str(), GDAL_OF_VECTOR));
    OGRLayer* layer = src->GetLayer(0);
    GpkgWriter writer(target.string());
    writer.create_layer("villages", wkbPolygon, layer->GetSpatialRef(), {{"village_code", OFTString}}, "", true);
    writer.begin_rows();
    if (reuse_index) writer.reuse_spatial_index("villages", source.string(), "villages", "geom");
    {
        BulkInsert insert(writer, "villages");
        for (auto& f : *layer) {
            if (skip_every && f->GetFID() % skip_every == 0) continue;
            insert.fid(f->GetFID());
            insert.text(0, f->GetFieldAsString("village_code"));
            insert.geometry(gpkg_blob(*f->GetGeometryRef(), writer.srs_id("villages")));
            insert.insert();
        }
    }
    writer.finish();
}

// Features found through the spatial index in a window, and by brute force.
std::pair<int, int> window_counts(const fs::path& file, double x0, double y0, double x1, double y1) {
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(file.c_str(), GDAL_OF_VECTOR));
    OGRLayer* layer = ds->GetLayerByName("villages");
    layer->SetSpatialFilterRect(x0, y0, x1, y1);
    int indexed = 0;
    for (auto& f : *layer) (void)f, ++indexed;
    layer->SetSpatialFilter(nullptr);
    int brute = 0;
    for (auto& f : *layer) {
        OGREnvelope e;
        f->GetGeometryRef()->getEnvelope(&e);
        brute += e.MaxX >= x0 && e.MinX <= x1 && e.MaxY >= y0 && e.MinY <= y1;
    }
    return {indexed, brute};
}

}  // namespace

TEST(GpkgWriter, ReusedAndRebuiltSpatialIndexesAnswerLikeBruteForce) {
    const auto dir = temp_dir();
    write_villages(dir / "source.gpkg", random_villages(3000));
    copy_through_writer(dir / "source.gpkg", dir / "reused.gpkg", true, 0);
    copy_through_writer(dir / "source.gpkg", dir / "reused_skip.gpkg", true, 7);
    copy_through_writer(dir / "source.gpkg", dir / "rebuilt.gpkg", false, 0);
    for (const char* name : {"reused.gpkg", "reused_skip.gpkg", "rebuilt.gpkg"}) {
        for (int w = 0; w < 5; ++w) {
            const double x0 = 39400000 + w * 11000, y0 = 4100000 + w * 9000;
            const auto [indexed, brute] = window_counts(dir / name, x0, y0, x0 + 8000, y0 + 8000);
            EXPECT_EQ(indexed, brute) << name << " window " << w;
            EXPECT_GT(brute, 0);
        }
    }
    for (const char* name : {"reused.gpkg", "reused_skip.gpkg", "rebuilt.gpkg"}) {
        // SQLite's own consistency check of the R-tree (node boxes contain their children ...)
        sqlite3* db = nullptr;
        ASSERT_EQ(sqlite3_open_v2((dir / name).c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
        sqlite3_stmt* s = nullptr;
        ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT rtreecheck('rtree_villages_geom')", -1, &s, nullptr), SQLITE_OK);
        ASSERT_EQ(sqlite3_step(s), SQLITE_ROW);
        EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)), "ok") << name;
        sqlite3_finalize(s);
        sqlite3_prepare_v2(db, "SELECT count(*) FROM rtree_villages_geom", -1, &s, nullptr);
        sqlite3_step(s);
        EXPECT_EQ(sqlite3_column_int(s, 0), std::string(name) == "reused_skip.gpkg" ? 3000 - 3000 / 7 : 3000) << name;
        sqlite3_finalize(s);
        sqlite3_close(db);
    }
    const auto all = read_layer(dir / "reused_skip.gpkg", "villages");
    EXPECT_EQ(all.size(), 3000u - 3000u / 7);  // FIDs 7, 14, ... left out
}

TEST(GpkgWriter, BlobRoundTripKeepsGeometryAndEnvelope) {
    OGRPolygon polygon;
    OGRLinearRing ring;
    for (auto [x, y] : {std::pair{0.0, 0.0}, {3.0, 0.0}, {3.0, 2.0}, {0.0, 2.0}, {0.0, 0.0}}) ring.addPoint(x, y);
    polygon.addRing(&ring);
    std::string blob = gpkg_blob(polygon, 4527);
    OGREnvelope e;
    ASSERT_TRUE(gpkg_blob_envelope(blob, e));
    EXPECT_DOUBLE_EQ(e.MaxX, 3.0);
    EXPECT_DOUBLE_EQ(e.MaxY, 2.0);
    ASSERT_TRUE(gpkg_blob_set_srs(blob, 4490));
    int32_t srs;
    std::memcpy(&srs, blob.data() + 4, 4);
    EXPECT_EQ(srs, 4490);
}

// The blob made from the WKB as it is: the same bytes OGR's way makes (header, envelope, WKB),
// for either byte order and with Z; other and empty geometries are left to OGR.
TEST(GpkgWriter, BlobFromWkbEqualsOgrsBlob) {
    for (const char* wkt : {"MULTIPOLYGON(((39500000 4100000,39502000 4100000,39502000 4101000,39500000 4100000)),"
                            "((39400000 4000000,39400010 4000000,39400000 4000020,39400000 4000000)))",
                            "POLYGON((0 0,4 0,4 3,0 0),(1 1,2 1,1 2,1 1))", "POINT(-5 7)",
                            "LINESTRING(1 9,-3 2,8 8)", "GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(-2 5,3 -4))",
                            "POLYGON Z((0 0 5,4 0 6,4 3 7,0 0 5))"}) {
        OGRGeometry* g = nullptr;
        ASSERT_EQ(OGRGeometryFactory::createFromWkt(wkt, nullptr, &g), OGRERR_NONE) << wkt;
        std::unique_ptr<OGRGeometry> geometry(g);
        for (const OGRwkbByteOrder order : {wkbNDR, wkbXDR}) {
            std::string wkb(static_cast<std::size_t>(geometry->WkbSize()), '\0');
            geometry->exportToWkb(order, reinterpret_cast<unsigned char*>(wkb.data()), wkbVariantIso);
            std::string blob;
            ASSERT_TRUE(gpkg_blob_from_wkb(wkb, 4527, blob)) << wkt;
            OGREnvelope e, expected;
            geometry->getEnvelope(&expected);
            ASSERT_TRUE(gpkg_blob_envelope(blob, e));
            EXPECT_EQ(e.MinX, expected.MinX) << wkt;
            EXPECT_EQ(e.MaxX, expected.MaxX) << wkt;
            EXPECT_EQ(e.MinY, expected.MinY) << wkt;
            EXPECT_EQ(e.MaxY, expected.MaxY) << wkt;
            EXPECT_EQ(blob.substr(0, 40), gpkg_blob(*geometry, 4527).substr(0, 40)) << wkt;
            EXPECT_EQ(blob.substr(40), wkb) << wkt;
        }
    }
    std::string blob;
    EXPECT_FALSE(gpkg_blob_from_wkb(std::string("\x01\x03\x00\x00\x00\x00\x00\x00\x00", 9), 4527, blob));  // empty
    EXPECT_FALSE(gpkg_blob_from_wkb(std::string("\x01\x03\x00\x00\x00\x01\x00\x00\x00\x05", 10), 4527, blob));  // cut
    EXPECT_FALSE(gpkg_blob_from_wkb(std::string("\x01\x09\x00\x00\x00\x00\x00\x00\x00", 9), 4527, blob));  // a curve
}

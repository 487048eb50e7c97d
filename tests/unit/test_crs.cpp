#include <gtest/gtest.h>

#include <cmath>

#include "geo/crs.hpp"
#include "geo/gcj02.hpp"

using namespace cleanheat;

namespace {
int epsg_of(const CrsChoice& c) {
    return std::atoi(c.source->GetAuthorityCode(nullptr));
}
}  // namespace

TEST(Crs, GaussKrugerZoneCodes) {
    EXPECT_EQ(cgcs2000_gk3_epsg(39, true), 4527);
    EXPECT_EQ(cgcs2000_gk3_epsg(39, false), 4548);
    EXPECT_EQ(cgcs2000_gk3_epsg(40, true), 4528);
}

TEST(Crs, MissingPrjJudgedFromZonePrefixedEastings) {
    const auto c = choose_source_crs(nullptr, {39400000, 4100000, 39600000, 4200000}, "", 117);
    EXPECT_TRUE(c.assumed);
    EXPECT_EQ(epsg_of(c), 4527);
    EXPECT_FALSE(c.swap_axes);
}

TEST(Crs, MissingPrjWithDegreesIsCgcs2000Geographic) {
    const auto c = choose_source_crs(nullptr, {117.2, 36.8, 118.3, 38.2}, "", 117);
    EXPECT_EQ(epsg_of(c), 4490);
}

TEST(Crs, SwappedNorthingEastingIsDetected) {
    const auto c = choose_source_crs(nullptr, {4100000, 39400000, 4200000, 39600000}, "", 117);
    EXPECT_TRUE(c.swap_axes);
    EXPECT_EQ(epsg_of(c), 4527);
}

TEST(Crs, DeclaredWithoutZoneButEastingsCarryIt) {
    OGRSpatialReference declared;
    declared.importFromEPSG(4548);
    const auto c = choose_source_crs(&declared, {39400000, 4100000, 39600000, 4200000}, "", 117);
    EXPECT_TRUE(c.assumed);
    EXPECT_EQ(epsg_of(c), 4527);
}

TEST(Crs, DeclaredAndFittingIsKept) {
    OGRSpatialReference declared;
    declared.importFromEPSG(4527);
    const auto c = choose_source_crs(&declared, {39400000, 4100000, 39600000, 4200000}, "", 117);
    EXPECT_FALSE(c.assumed);
    EXPECT_EQ(epsg_of(c), 4527);
}

TEST(Crs, WorkingCrsForGeographicInputIsTheGaussKrugerZone) {
    const auto c = choose_source_crs(nullptr, {117.2, 36.8, 118.3, 38.2}, "", 117);
    const auto w = choose_working_crs(c, {117.2, 36.8, 118.3, 38.2}, "");
    EXPECT_STREQ(w->GetAuthorityCode(nullptr), "4527");  // centre 117.75E: zone round(39.25) = 39
}

TEST(Gcj02, RoundTripWithinOneCentimetre) {
    double lon, lat, back_lon, back_lat;
    wgs84_to_gcj02(118.0, 37.4, lon, lat);
    // the offset is a few hundred metres
    EXPECT_GT(std::hypot((lon - 118.0) * 88000, (lat - 37.4) * 111000), 100.0);
    gcj02_to_wgs84(lon, lat, back_lon, back_lat);
    EXPECT_NEAR(back_lon, 118.0, 1e-7);
    EXPECT_NEAR(back_lat, 37.4, 1e-7);
}

TEST(Gcj02, OutsideChinaUnchanged) {
    double lon, lat;
    wgs84_to_gcj02(2.35, 48.85, lon, lat);
    EXPECT_DOUBLE_EQ(lon, 2.35);
}

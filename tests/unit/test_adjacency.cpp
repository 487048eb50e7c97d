// Adjacency on hand-built coverages with known answers.
#include <gtest/gtest.h>
#include <ogr_geometry.h>

#include <string>
#include <vector>

#include "base/error.hpp"
#include "geo/adjacency.hpp"
#include "geo/coverage.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

std::string square(double x, double y, double s = 1) {
    auto p = [](double a, double b) { return std::to_string(a) + " " + std::to_string(b); };
    return "POLYGON((" + p(x, y) + "," + p(x + s, y) + "," + p(x + s, y + s) + "," + p(x, y + s) + "," + p(x, y) + "))";
}

std::vector<std::string> grid(int n) {
    std::vector<std::string> cells;
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) cells.push_back(square(x, y));
    return cells;
}

Adjacency adjacency(const Coverage& c, AdjacencyKind kind, double tolerance = 0) {
    AdjacencyOptions o;
    o.kind = kind;
    o.tolerance = tolerance;
    return polygon_adjacency(c, o, Progress());
}

TEST(Adjacency, GridQueenCountsCornersRookOnlyEdges) {
    const Coverage c = test::coverage_from_wkt(grid(3));
    const Adjacency queen = adjacency(c, AdjacencyKind::queen);
    const Adjacency rook = adjacency(c, AdjacencyKind::rook);
    EXPECT_EQ(queen.edges, 20u);  // 12 edges + 8 diagonals
    EXPECT_EQ(rook.edges, 12u);
    EXPECT_EQ(queen.degree(4), 8u);
    EXPECT_EQ(rook.degree(4), 4u);
    EXPECT_TRUE(queen.adjacent(0, 4));
    EXPECT_FALSE(rook.adjacent(0, 4));
    EXPECT_FALSE(queen.exact_everywhere);
    EXPECT_TRUE(queen.overlaps.empty());
}

TEST(Adjacency, TJunctionWithoutSharedVertexIsFoundExactly) {
    // a 2x2 block on the left; two unit squares on its right: (2,1) is no vertex of the block
    const Coverage c = test::coverage_from_wkt({"POLYGON((0 0,2 0,2 2,0 2,0 0))", square(2, 0), square(2, 1)});
    const Adjacency queen = adjacency(c, AdjacencyKind::queen);
    EXPECT_EQ(queen.edges, 3u);
    EXPECT_TRUE(queen.adjacent(0, 1));
    EXPECT_TRUE(queen.adjacent(0, 2));
    const Adjacency rook = adjacency(c, AdjacencyKind::rook);
    EXPECT_EQ(rook.edges, 3u);
}

TEST(Adjacency, SliverGapJoinsOnlyWithTolerance) {
    const Coverage c = test::coverage_from_wkt({square(0, 0), square(1.4, 0)});  // 0.4 apart
    EXPECT_EQ(adjacency(c, AdjacencyKind::queen).edges, 0u);
    const Adjacency with = adjacency(c, AdjacencyKind::queen, 0.5);
    EXPECT_EQ(with.edges, 1u);
    ASSERT_EQ(with.gaps.size(), 1u);
    EXPECT_NEAR(with.gaps[0].distance, 0.4, 1e-9);
    EXPECT_EQ(adjacency(c, AdjacencyKind::queen, 0.3).edges, 0u);
}

TEST(Adjacency, OverlappingPolygonsAreNeighboursAndReported) {
    const Coverage c = test::coverage_from_wkt({square(0, 0, 2), square(1, 1, 2), square(10, 10)});
    const Adjacency a = adjacency(c, AdjacencyKind::queen);
    EXPECT_EQ(a.edges, 1u);
    ASSERT_EQ(a.overlaps.size(), 1u);
    EXPECT_TRUE(a.exact_everywhere);
}

// Twins: an edge two polygons alone share, run opposite ways, names the other at the point it
// starts from; an edge two share the same way (a village drawn twice) names none, and the pair
// is checked exactly and reported as overlapping.
TEST(Adjacency, EdgesSharedOppositeWaysNameTheirTwinsAndADuplicateNone) {
    const Coverage c = test::coverage_from_wkt({square(0, 0), square(1, 0), square(5, 5), square(5, 5)});
    const Adjacency a = adjacency(c, AdjacencyKind::queen);
    ASSERT_EQ(a.twin.size(), c.point_count());
    std::vector<int> named(c.size(), 0);
    for (std::size_t f = 0; f < c.size(); ++f)
        for (std::uint32_t r = c.ring_begin(f); r < c.ring_end(f); ++r)
            for (std::uint32_t i = c.point_begin(r); i < c.point_end(r); ++i)
                if (a.twin[i] != kNoTwin) {
                    ++named[f];
                    EXPECT_EQ(a.twin[i], f == 0 ? 1u : 0u) << "feature " << f << " point " << i;
                }
    EXPECT_EQ(named, (std::vector<int>{1, 1, 0, 0}));  // the edge x = 1, from each side
    // ... at the point each side's edge starts: (1 0) of the left square, (1 1) of the right one
    EXPECT_EQ(a.twin[c.point_begin(c.ring_begin(0)) + 1], 1u);
    EXPECT_EQ(a.twin[c.point_begin(c.ring_begin(1)) + 3], 0u);
    ASSERT_EQ(a.overlaps.size(), 1u);
    EXPECT_EQ(a.overlaps[0].first + a.overlaps[0].second, 5u);  // 2 and 3
}

// A ring stored without its closing point turns as the same ring closed: drawn twice, once
// closed and once open (from its upper right corner, at projected coordinates), a village's
// edges run the same way and name no twins.
TEST(Adjacency, AnOpenRingTurnsAsTheSameRingClosed) {
    const Coverage c = test::coverage_from_wkt(
        {"POLYGON((39500000 4100000,39501000 4100000,39501000 4101000,39500000 4101000,39500000 4100000))",
         "POLYGON((39501000 4101000,39500000 4101000,39500000 4100000,39501000 4100000))"});
    ASSERT_EQ(c.point_end(c.ring_begin(1)) - c.point_begin(c.ring_begin(1)), 4u);  // kept open
    EXPECT_GT(ring_signed_area(c, c.ring_begin(0)), 0);
    EXPECT_GT(ring_signed_area(c, c.ring_begin(1)), 0);
    const Adjacency a = adjacency(c, AdjacencyKind::queen);
    for (std::uint32_t g : a.twin) EXPECT_EQ(g, kNoTwin);
}

TEST(Adjacency, PolygonInsideAnotherWithoutTouchingIsANeighbour) {
    const Coverage c = test::coverage_from_wkt({square(0, 0, 10), square(4, 4, 1)});
    EXPECT_EQ(adjacency(c, AdjacencyKind::queen).edges, 1u);
}

TEST(Adjacency, HoleFilledByAnotherPolygonSharesItsRing) {
    const Coverage c = test::coverage_from_wkt({"POLYGON((0 0,9 0,9 9,0 9,0 0),(3 3,6 3,6 6,3 6,3 3))", square(3, 3, 3)});
    const Adjacency a = adjacency(c, AdjacencyKind::rook);
    EXPECT_EQ(a.edges, 1u);
    EXPECT_TRUE(a.overlaps.empty());
    EXPECT_FALSE(a.exact_everywhere);
}

TEST(Adjacency, RingOrientationDoesNotMatter) {
    // the right square drawn clockwise
    const Coverage c = test::coverage_from_wkt({square(0, 0), "POLYGON((1 0,1 1,2 1,2 0,1 0))"});
    const Adjacency a = adjacency(c, AdjacencyKind::rook);
    EXPECT_EQ(a.edges, 1u);
    EXPECT_TRUE(a.overlaps.empty());
}

TEST(Adjacency, PointsLinkDelaunayNeighboursWithinDistance) {
    const Coverage c = test::coverage_from_wkt({"POINT(0 0)", "POINT(1000 0)", "POINT(0 1000)", "POINT(9000 9000)", "POINT(0 0)"});
    AdjacencyOptions o;
    o.max_distance = 1500;
    const Adjacency a = point_adjacency(c, o, Progress());
    EXPECT_TRUE(a.adjacent(0, 1));
    EXPECT_TRUE(a.adjacent(0, 2));
    EXPECT_TRUE(a.adjacent(1, 2));
    EXPECT_TRUE(a.adjacent(0, 4));  // same place
    EXPECT_EQ(a.degree(3), 0u);     // too far from everyone
    std::vector<std::int32_t> township = {1, 1, 2, 1, 1};
    o.within = &township;
    const Adjacency within = point_adjacency(c, o, Progress());
    EXPECT_TRUE(within.adjacent(0, 1));
    EXPECT_FALSE(within.adjacent(0, 2));
}

TEST(Coverage, SuspectsAreInvalidOrNeedGeos) {
    const Coverage c =
        test::coverage_from_wkt({square(0, 0), "POLYGON((0 0,2 2,2 0,0 2,0 0))", "POLYGON((0 0,4 0,4 4,0 4,0 0),(5 5,6 5,6 6,5 5))",
                  "MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))"});
    const auto suspects = suspect_features(c, 2);
    EXPECT_EQ(suspects, (std::vector<std::uint32_t>{1, 2, 3}));
}

TEST(Coverage, ReadsGeoPackageBlobAndBigEndianWkb) {
    // GP header (little endian, no envelope) + big-endian WKB polygon
    const std::vector<unsigned char> blob = {
        'G', 'P', 0, 0x01, 0xB7, 0x11, 0, 0, 0x00, 0,    0,    0, 3, 0, 0, 0,    1,    0,    0,    0, 4, 0x00,
        0,   0,   0, 0,    0,    0,    0, 0, 0,    0,    0,    0, 0, 0, 0, 0x3F, 0xF0, 0,    0,    0, 0, 0,
        0,   0,   0, 0,    0,    0,    0, 0, 0,    0x3F, 0xF0, 0, 0, 0, 0, 0,    0,    0x3F, 0xF0, 0, 0, 0,
        0,   0,   0, 0x00, 0,    0,    0, 0, 0,    0,    0,    0, 0, 0, 0, 0,    0,    0,    0};
    Coverage c;
    ASSERT_TRUE(c.add_gpkg_blob(blob.data(), blob.size()));
    EXPECT_EQ(c.kind(0), FeatureKind::polygon);
    EXPECT_DOUBLE_EQ(c.area(0), 0.5);
    EXPECT_DOUBLE_EQ(c.box(0).max_x, 1.0);
}

TEST(Coverage, AppendedRunsEqualOneReadWhetherTakenWholeOrCopiedIntoRoomMadeBefore) {
    const std::vector<std::string> first = {square(0, 0), "POLYGON((1 0,3 0,3 2,1 2,1 0),(1.5 0.5,2 0.5,2 1,1.5 0.5))"};
    const std::vector<std::string> second = {"MULTIPOLYGON(((5 5,6 5,6 6,5 5)),((7 7,8 7,8 8,7 7)))", square(9, 0, 2)};
    std::vector<std::string> all = first;
    all.insert(all.end(), second.begin(), second.end());
    const Coverage one = test::coverage_from_wkt(all);
    for (const bool room : {false, true}) {
        Coverage joined;
        if (room) joined.reserve(100, 1000);  // more room than the first run: copied, not taken
        joined.append(test::coverage_from_wkt(first));
        joined.append(test::coverage_from_wkt(second));
        ASSERT_EQ(joined.size(), one.size()) << "room " << room;
        ASSERT_EQ(joined.point_count(), one.point_count());
        for (std::size_t f = 0; f < one.size(); ++f) {
            EXPECT_EQ(joined.kind(f), one.kind(f));
            EXPECT_DOUBLE_EQ(joined.area(f), one.area(f)) << "feature " << f << " room " << room;
            EXPECT_DOUBLE_EQ(joined.box(f).max_x, one.box(f).max_x);
            EXPECT_EQ(joined.ring_end(f) - joined.ring_begin(f), one.ring_end(f) - one.ring_begin(f));
        }
        for (std::uint32_t r = 0; r < one.ring_end(one.size() - 1); ++r) {
            EXPECT_EQ(joined.point_begin(r), one.point_begin(r));
            EXPECT_EQ(joined.ring_is_shell(r), one.ring_is_shell(r));
        }
    }
}

TEST(Adjacency, AStopAskedDuringTheParallelExactChecksReachesTheCallerAsCancelled) {
    // the T-junction needs exact checks, done on two threads; the sink says stop once they begin
    const Coverage c = test::coverage_from_wkt({"POLYGON((0 0,2 0,2 2,0 2,0 0))", square(2, 0), square(2, 1)});
    AdjacencyOptions o;
    o.kind = AdjacencyKind::queen;
    o.threads = 2;
    int calls_in_exact_checks = 0;
    const Progress stop_in_exact_checks([&](double fraction, const std::string& message) {
        if (fraction < 0.6 || !message.empty()) return true;  // the workers' updates say no step name
        ++calls_in_exact_checks;
        return false;
    });
    EXPECT_THROW(polygon_adjacency(c, o, stop_in_exact_checks), Cancelled);  // not std::terminate
    EXPECT_GT(calls_in_exact_checks, 0);
}

}  // namespace
}  // namespace cleanheat

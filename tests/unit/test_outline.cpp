// Outlines by cancelled edges, against GEOS's general union of the same members: equal
// point sets, valid, the same area; and refused where the members are no clean coverage.
#include <geos_c.h>
#include <gtest/gtest.h>
#include <ogr_geometry.h>

#include <random>
#include <string>
#include <vector>

#include "geo/adjacency.hpp"
#include "geo/coverage.hpp"
#include "support.hpp"
#include "geo/geos_util.hpp"
#include "geo/outline.hpp"

namespace cleanheat {
namespace {

// Projected-size coordinates, so that rounding would show.
std::string square(int x, int y, bool clockwise = false) {
    auto p = [](double a, double b) { return std::to_string(a) + " " + std::to_string(b); };
    const double x0 = 39500000 + 1000.0 * x, y0 = 4100000 + 1000.0 * y, s = 1000;
    if (clockwise)
        return "POLYGON((" + p(x0, y0) + "," + p(x0, y0 + s) + "," + p(x0 + s, y0 + s) + "," + p(x0 + s, y0) + "," +
               p(x0, y0) + "))";
    return "POLYGON((" + p(x0, y0) + "," + p(x0 + s, y0) + "," + p(x0 + s, y0 + s) + "," + p(x0, y0 + s) + "," +
           p(x0, y0) + "))";
}

// The cells (x, y) of an n x n grid for which `take` holds.
template <class Take>
Coverage cells_where(int n, Take take) {
    std::vector<std::string> cells;
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x)
            if (take(x, y)) cells.push_back(square(x, y, (x + y) % 2 == 1));  // mixed ring orientations
    return test::coverage_from_wkt(cells);
}

Adjacency queen(const Coverage& c) {
    AdjacencyOptions o;
    o.kind = AdjacencyKind::queen;
    return polygon_adjacency(c, o, Progress());
}

struct Compared {
    bool made = false;    // the fast outline was made
    bool equal = false;   // ... and covers what GEOS's union covers
    bool valid = false;   // ... and is a valid MultiPolygon
    int polygons = 0, holes = 0;
    double area = 0;
};

Compared compare(const Coverage& c, const std::vector<std::uint32_t>& members, int threads = 1) {
    Compared out;
    const Adjacency adjacency = queen(c);
    const auto outline = coverage_outline(c, members, adjacency, threads);
    if (!outline) return out;
    out.made = true;
    GeosContext ctx;
    GeosGeometry fast = geos_own(ctx, outline_to_geos(ctx, *outline));
    std::vector<GEOSGeometry*> parts;
    for (auto f : members) parts.push_back(c.to_geos(ctx, f));
    GeosGeometry collection = geos_own(
        ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, parts.data(), static_cast<unsigned>(parts.size())));
    GeosGeometry general = geos_own(ctx, GEOSUnaryUnion_r(ctx, collection.get()));
    out.equal = GEOSEquals_r(ctx, fast.get(), general.get()) == 1;
    out.valid = GEOSisValid_r(ctx, fast.get()) == 1;
    if (!out.valid) {
        char* reason = GEOSisValidReason_r(ctx, fast.get());
        ADD_FAILURE() << reason;
        GEOSFree_r(ctx, reason);
    }
    GEOSArea_r(ctx, fast.get(), &out.area);
    out.polygons = static_cast<int>(outline->size());
    for (const auto& p : *outline) out.holes += static_cast<int>(p.holes.size());
    return out;
}

void expect_general_union(const Compared& r) {
    ASSERT_TRUE(r.made);
    EXPECT_TRUE(r.equal);
    EXPECT_TRUE(r.valid);
}

std::vector<std::uint32_t> all_of(const Coverage& c) {
    std::vector<std::uint32_t> m(c.size());
    for (std::size_t i = 0; i < m.size(); ++i) m[i] = static_cast<std::uint32_t>(i);
    return m;
}

TEST(Outline, RingOfCellsIsOnePolygonWithOneHole) {
    const Coverage c = cells_where(5, [](int x, int y) { return x != 2 || y != 2; });
    const Compared r = compare(c, all_of(c));
    expect_general_union(r);
    EXPECT_EQ(r.polygons, 1);
    EXPECT_EQ(r.holes, 1);
    EXPECT_NEAR(r.area, 24e6, 1e-3);
}

TEST(Outline, CellsTouchingAtACornerAreTwoPolygons) {
    const Coverage c = test::coverage_from_wkt({square(0, 0), square(1, 1)});
    const Compared r = compare(c, all_of(c));
    expect_general_union(r);
    EXPECT_EQ(r.polygons, 2);
}

TEST(Outline, HoleTouchingTheOutsideAtOnePointStaysValid) {
    // 3x3 without the centre and one corner: the centre's hole meets the outside at a vertex
    const Coverage c = cells_where(3, [](int x, int y) { return !(x == 1 && y == 1) && !(x == 2 && y == 2); });
    const Compared r = compare(c, all_of(c));
    expect_general_union(r);
    EXPECT_NEAR(r.area, 7e6, 1e-3);
}

TEST(Outline, AnIslandInsideAHoleIsAPolygonOfItsOwn) {
    // a 5x5 ring of cells and a single cell in the middle of its 3x3 hole
    const Coverage c =
        cells_where(5, [](int x, int y) { return x == 0 || y == 0 || x == 4 || y == 4 || (x == 2 && y == 2); });
    const Compared r = compare(c, all_of(c));
    expect_general_union(r);
    EXPECT_EQ(r.polygons, 2);
    EXPECT_EQ(r.holes, 1);
}

TEST(Outline, RandomSubsetsOfAGridEqualTheGeneralUnion) {
    const Coverage c = cells_where(24, [](int, int) { return true; });
    for (unsigned seed = 1; seed <= 12; ++seed) {
        std::mt19937 random(seed);
        std::bernoulli_distribution take(0.35 + 0.05 * (seed % 6));
        std::vector<std::uint32_t> members;
        for (std::uint32_t f = 0; f < c.size(); ++f)
            if (take(random)) members.push_back(f);
        const Compared r = compare(c, members, seed % 2 ? 2 : 1);
        ASSERT_TRUE(r.made) << "seed " << seed;
        EXPECT_TRUE(r.equal) << "seed " << seed;
        EXPECT_TRUE(r.valid) << "seed " << seed;
        EXPECT_NEAR(r.area, 1e6 * static_cast<double>(members.size()), 1e-3) << "seed " << seed;
    }
}

TEST(Outline, ManyEdgesSortedOnTwoThreadsEqualOneThread) {
    // > 100,000 edges, many holes; without the adjacency's twins, every edge goes to the sort
    const Coverage c = cells_where(170, [](int x, int y) { return (x * 7 + y * 3) % 11 != 0; });
    Adjacency adjacency = queen(c);
    adjacency.twin.clear();
    const auto one = coverage_outline(c, all_of(c), adjacency, 1);
    const auto two = coverage_outline(c, all_of(c), adjacency, 2);
    ASSERT_TRUE(one && two);
    ASSERT_EQ(one->size(), two->size());
    std::size_t holes_one = 0, holes_two = 0;
    for (const auto& p : *one) holes_one += p.holes.size();
    for (const auto& p : *two) holes_two += p.holes.size();
    EXPECT_EQ(holes_one, holes_two);
    EXPECT_GT(holes_one, 1000u);
}

// The edges two members alone share, known from the adjacency (its twins), are left out before
// the sort: the outline is the one sorting every edge gives, ring by ring, point by point; the
// few members searched, the many marked.
TEST(Outline, EdgesTheAdjacencyKnowsSharedGiveTheOutlineSortingEveryEdgeGives) {
    const Coverage c = cells_where(30, [](int x, int y) { return (x * 5 + y * 2) % 13 != 0; });
    const Adjacency with = queen(c);
    Adjacency without = with;
    without.twin.clear();
    std::size_t twins = 0;
    for (std::uint32_t g : with.twin) twins += g != kNoTwin ? 1 : 0;
    EXPECT_GT(twins, c.point_count() / 2);  // the inner edges of the grid, both sides
    for (unsigned seed = 1; seed <= 8; ++seed) {
        std::mt19937 random(seed);
        std::bernoulli_distribution take(seed <= 4 ? 0.2 : 0.7);  // ~170 members (searched), ~600 (marked)
        std::vector<std::uint32_t> members;
        for (std::uint32_t f = 0; f < c.size(); ++f)
            if (take(random)) members.push_back(f);
        const auto fast = coverage_outline(c, members, with, 1);
        const auto slow = coverage_outline(c, members, without, 1);
        ASSERT_TRUE(fast && slow) << "seed " << seed;
        ASSERT_EQ(fast->size(), slow->size()) << "seed " << seed;
        for (std::size_t p = 0; p < fast->size(); ++p) {
            EXPECT_EQ((*fast)[p].shell.xy, (*slow)[p].shell.xy) << "seed " << seed << " polygon " << p;
            EXPECT_EQ((*fast)[p].shell.owner, (*slow)[p].shell.owner) << "seed " << seed << " polygon " << p;
            ASSERT_EQ((*fast)[p].holes.size(), (*slow)[p].holes.size()) << "seed " << seed << " polygon " << p;
            for (std::size_t h = 0; h < (*fast)[p].holes.size(); ++h)
                EXPECT_EQ((*fast)[p].holes[h].xy, (*slow)[p].holes[h].xy) << "seed " << seed << " polygon " << p;
        }
    }
}

TEST(Outline, NeighboursNotSharingTheirVerticesAreRefused) {
    // a wide cell under two cells whose common corner lies inside its top edge
    const std::string wide = "POLYGON((39500000 4100000,39502000 4100000,39502000 4101000,39500000 4101000,"
                             "39500000 4100000))";
    const Coverage c = test::coverage_from_wkt({wide, square(0, 1), square(1, 1)});
    EXPECT_FALSE(compare(c, all_of(c)).made);
    // the two upper cells alone share their edge whole
    EXPECT_TRUE(compare(c, {1, 2}).made);
}

TEST(Outline, OverlappingMembersAreRefused) {
    const Coverage c = test::coverage_from_wkt({square(0, 0), square(0, 0), square(1, 0)});
    EXPECT_FALSE(compare(c, all_of(c)).made);
}

TEST(Outline, AMemberInsideAnotherIsRefused) {
    const std::string inner = "POLYGON((39500200 4100200,39500400 4100200,39500400 4100400,39500200 4100400,"
                              "39500200 4100200))";
    const Coverage c = test::coverage_from_wkt({square(0, 0), inner});
    EXPECT_FALSE(compare(c, all_of(c)).made);
}

TEST(Outline, RingAreaAndInsideRing) {
    const std::vector<double> ring = {0, 0, 4, 0, 4, 4, 0, 4, 0, 0};
    EXPECT_DOUBLE_EQ(ring_area(ring), 16);
    const std::vector<double> clockwise = {0, 0, 0, 4, 4, 4, 4, 0, 0, 0};
    EXPECT_DOUBLE_EQ(ring_area(clockwise), -16);
    EXPECT_TRUE(inside_ring(ring, 1, 1));
    EXPECT_FALSE(inside_ring(ring, 5, 1));
    EXPECT_FALSE(inside_ring(ring, -1, 2));
}

}  // namespace
}  // namespace cleanheat

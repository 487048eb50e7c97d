// Outlines of groups of coverage features by cancelling the edges they share. On a clean
// coverage (neighbours share their vertices, nothing overlaps) the boundary of a union is
// the set of member edges no other member runs the other way, walked into rings: linear
// after one sort, where a general union nodes every segment against every other. What it
// cannot vouch for (an edge left twice, a neighbour's vertex inside an edge, an open walk, a
// shell inside another) it refuses, and the caller takes GEOS's general union instead.
// Overlaps in general are the caller's to rule out (the adjacency finds them).
#pragma once
#include <geos_c.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "geo/adjacency.hpp"
#include "geo/coverage.hpp"

namespace cleanheat {

struct OutlineRing {
    std::vector<double> xy;            // x, y pairs, closed (the last point repeats the first)
    std::vector<std::uint32_t> owner;  // per segment i (point i to i + 1): the feature whose edge it is
    double area = 0;                   // signed: > 0 a shell (counter-clockwise), < 0 a hole
    Box box;
};

struct OutlinePolygon {
    OutlineRing shell;
    std::vector<OutlineRing> holes;
};

using Outline = std::vector<OutlinePolygon>;

// The union of the polygon features `members` (ascending) of `coverage`, or nothing when the
// members do not form a clean coverage of their own (see above). `adjacency` (of the whole
// coverage) finds a member's vertex lying inside another member's outline edge (neighbours
// not sharing their vertices there: the edges would not cancel and the walk would keep a slit).
std::optional<Outline> coverage_outline(const Coverage& coverage, const std::vector<std::uint32_t>& members,
                                        const Adjacency& adjacency, int threads = 1);

// The outline as a GEOS MultiPolygon (caller owns it), the polygons and holes in its order;
// nullptr when GEOS refuses a ring (whole or nothing).
GEOSGeometry* outline_to_geos(GEOSContextHandle_t context, const Outline& outline);

// Signed area of a closed ring of x, y pairs (> 0 counter-clockwise).
double ring_area(const std::vector<double>& xy);
// Whether (x, y) lies inside a closed ring (crossing count; a point on the ring is either).
bool inside_ring(const std::vector<double>& xy, double x, double y);

}  // namespace cleanheat

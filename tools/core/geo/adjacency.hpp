// Which villages touch. Clean coverages (shared vertices identical) connect through
// shared vertices and edges found by sorting coordinates in spatial buckets: about linear
// time. Features with an edge no neighbour shares (the coverage's rim, gaps, slivers,
// T-junctions) are checked with exact GEOS predicates against every feature whose box
// meets theirs; if that finds overlapping polygons, or with a tolerance, every feature is
// checked that way. Points: Delaunay neighbours within a distance.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "geo/coverage.hpp"
#include "base/progress.hpp"

namespace cleanheat {

enum class AdjacencyKind { queen, rook };

struct AdjacencyOptions {
    AdjacencyKind kind = AdjacencyKind::queen;
    double tolerance = 0;                               // polygons: closer than this count as neighbours (map units)
    double max_distance = 0;                            // points: longest Delaunay edge kept (0: no limit)
    const std::vector<std::int32_t>* within = nullptr;  // points: only join equal values (township ...)
    int threads = 2;
};

struct Gap {  // a pair joined only through the tolerance
    std::uint32_t a = 0, b = 0;
    double distance = 0;
};

constexpr std::uint32_t kNoTwin = 0xffffffffu;

struct Adjacency {
    std::vector<std::uint64_t> offsets{0};  // CSR: neighbours of f are [offsets[f], offsets[f+1])
    std::vector<std::uint32_t> neighbours;  // sorted, both directions
    std::vector<Gap> gaps;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> overlaps;  // polygons whose interiors overlap
    std::size_t edges = 0;
    std::size_t rim_features = 0;   // features checked exactly because an edge of theirs is unshared
    std::vector<std::uint8_t> rim;  // per polygon feature: 1 when one of its edges is not another's (empty: unknown)
    // per point of the coverage: the feature whose edge runs the other way along the edge that
    // starts there (the two alone on that line), else kNoTwin (empty: unknown; points' adjacency)
    std::vector<std::uint32_t> twin;
    std::size_t exact_tests = 0;    // GEOS predicate evaluations
    bool exact_everywhere = false;  // every feature was checked with GEOS (tolerance or overlaps)
    std::string method;

    std::size_t degree(std::size_t f) const { return offsets[f + 1] - offsets[f]; }
    const std::uint32_t* begin(std::size_t f) const { return neighbours.data() + offsets[f]; }
    const std::uint32_t* end(std::size_t f) const { return neighbours.data() + offsets[f + 1]; }
    bool adjacent(std::uint32_t a, std::uint32_t b) const;
};

Adjacency polygon_adjacency(const Coverage& coverage, const AdjacencyOptions& options, const Progress& progress);
Adjacency point_adjacency(const Coverage& coverage, const AdjacencyOptions& options, const Progress& progress);

// A uniform grid over feature boxes, for candidate searches.
class BoxGrid {
public:
    BoxGrid(const Coverage& coverage, double grow);
    // Calls visit(g) once for every feature whose (grown) box meets `box`.
    template <class Visit>
    void query(const Box& box, std::vector<std::uint32_t>& stamp, std::uint32_t token, Visit visit) const;

private:
    void cell_range(const Box& box, int& x0, int& y0, int& x1, int& y1) const;
    Box extent_;
    int nx_ = 1, ny_ = 1;
    double sx_ = 1, sy_ = 1;
    std::vector<std::uint32_t> start_, items_;
    std::vector<Box> boxes_;
};

template <class Visit>
void BoxGrid::query(const Box& box, std::vector<std::uint32_t>& stamp, std::uint32_t token, Visit visit) const {
    int x0, y0, x1, y1;
    cell_range(box, x0, y0, x1, y1);
    for (int y = y0; y <= y1; ++y)
        for (int x = x0; x <= x1; ++x) {
            const std::size_t c =
                static_cast<std::size_t>(y) * static_cast<std::size_t>(nx_) + static_cast<std::size_t>(x);
            for (std::uint32_t k = start_[c]; k < start_[c + 1]; ++k) {
                const std::uint32_t g = items_[k];
                if (stamp[g] == token || !boxes_[g].intersects(box)) continue;
                stamp[g] = token;
                visit(g);
            }
        }
}

}  // namespace cleanheat

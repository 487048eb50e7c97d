#include "geo/outline.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <thread>

namespace cleanheat {
namespace {

// One directed edge of a member, interior on its left; lo/hi its end points in order.
struct Edge {
    double lx, ly, hx, hy;
    std::uint32_t owner;
    bool forward;  // runs lo -> hi
    double ax() const { return forward ? lx : hx; }
    double ay() const { return forward ? ly : hy; }
    double bx() const { return forward ? hx : lx; }
    double by() const { return forward ? hy : ly; }
    bool same_line(const Edge& o) const { return lx == o.lx && ly == o.ly && hx == o.hx && hy == o.hy; }
};

bool point_less(double ax, double ay, double bx, double by) { return ax < bx || (ax == bx && ay < by); }

// std::sort, the two halves at once when there are two threads and enough to sort.
template <class Less>
void sort_edges(std::vector<Edge>& edges, Less less, int threads) {
    if (threads < 2 || edges.size() < 100000) {
        std::sort(edges.begin(), edges.end(), less);
        return;
    }
    const auto middle = edges.begin() + static_cast<std::ptrdiff_t>(edges.size() / 2);
    std::thread first([&] { std::sort(edges.begin(), middle, less); });
    std::sort(middle, edges.end(), less);
    first.join();
    std::inplace_merge(edges.begin(), middle, edges.end(), less);
}

// The members' edges, each ring turned so that the interior is on the left; without those the
// adjacency knows to be shared whole by two members alone (they cancel: cancel_shared is left
// the outline's edges and those of lines more than two features share).
std::vector<Edge> member_edges(const Coverage& cov, const std::vector<std::uint32_t>& members,
                               const Adjacency& adjacency) {
    const bool twins = adjacency.twin.size() == cov.point_count();
    // membership: a mark per feature for many members, a search of the (ascending) few
    std::vector<bool> marked;
    if (twins && members.size() >= 256) {
        marked.assign(cov.size(), false);
        for (std::uint32_t f : members) marked[f] = true;
    }
    auto shared_by_a_member = [&](std::uint32_t point) {
        if (!twins) return false;
        const std::uint32_t g = adjacency.twin[point];
        if (g == kNoTwin) return false;
        return marked.empty() ? std::binary_search(members.begin(), members.end(), g) : (g < marked.size() && marked[g]);
    };
    std::vector<Edge> edges;
    if (!twins) {  // (with them, most edges are left out: no room made for all)
        std::size_t points = 0;
        for (std::uint32_t f : members)
            if (cov.kind(f) == FeatureKind::polygon)
                points += cov.point_begin(cov.ring_end(f)) - cov.point_begin(cov.ring_begin(f));
        edges.reserve(points);
    }
    for (std::uint32_t f : members) {
        if (cov.kind(f) != FeatureKind::polygon) continue;
        for (std::uint32_t r = cov.ring_begin(f); r < cov.ring_end(f); ++r) {
            const double a = ring_signed_area(cov, r);
            const bool flip = cov.ring_is_shell(r) ? a < 0 : a > 0;
            const std::uint32_t b = cov.point_begin(r), e = cov.point_end(r);
            for (std::uint32_t i = b; i < e; ++i) {
                const double* p = cov.xy(i);
                const double* q = cov.xy(i + 1 < e ? i + 1 : b);
                if (p[0] == q[0] && p[1] == q[1]) continue;  // a repeated point, or the closing one
                if (shared_by_a_member(i)) continue;
                if (flip) std::swap(p, q);
                const bool forward = point_less(p[0], p[1], q[0], q[1]);
                const double* lo = forward ? p : q;
                const double* hi = forward ? q : p;
                edges.push_back({lo[0], lo[1], hi[0], hi[1], f, forward});
            }
        }
    }
    return edges;
}

// Edges run both ways cancel; what is left is the boundary. False when an edge is left
// more than once (members overlapping along it).
bool cancel_shared(std::vector<Edge>& edges, int threads) {
    sort_edges(
        edges,
        [](const Edge& a, const Edge& b) {
            if (a.lx != b.lx) return a.lx < b.lx;
            if (a.ly != b.ly) return a.ly < b.ly;
            if (a.hx != b.hx) return a.hx < b.hx;
            return a.hy < b.hy;
        },
        threads);
    std::size_t out = 0;
    for (std::size_t run = 0; run < edges.size();) {
        std::size_t stop = run + 1;
        while (stop < edges.size() && edges[stop].same_line(edges[run])) ++stop;
        long net = 0;
        for (std::size_t i = run; i < stop; ++i) net += edges[i].forward ? 1 : -1;
        if (net > 1 || net < -1) return false;
        if (net != 0)
            for (std::size_t i = run; i < stop; ++i)
                if (edges[i].forward == (net > 0)) {
                    edges[out++] = edges[i];
                    break;
                }
        run = stop;
    }
    edges.resize(out);
    return true;
}

constexpr double two_pi = 6.283185307179586;

bool finish_ring(OutlineRing& ring, std::vector<OutlineRing>& rings) {
    ring.area = ring_area(ring.xy);
    if (ring.area == 0 || ring.owner.size() < 3) return false;
    for (std::size_t i = 0; i < ring.xy.size(); i += 2) ring.box.expand(ring.xy[i], ring.xy[i + 1]);
    rings.push_back(std::move(ring));
    return true;
}

// A walked ring passes a point twice where the outline touches itself there (a hole meeting
// the outside, two holes meeting): such a ring is cut into the simple rings it is made of
// (shells counter-clockwise, holes clockwise), as OGC validity wants them.
bool split_at_repeats(OutlineRing& ring, std::vector<OutlineRing>& rings) {
    const std::size_t points = ring.owner.size();  // the last point repeats the first
    std::vector<std::pair<std::pair<double, double>, std::size_t>> sorted(points);
    for (std::size_t i = 0; i < points; ++i) sorted[i] = {{ring.xy[2 * i], ring.xy[2 * i + 1]}, i};
    std::sort(sorted.begin(), sorted.end());
    bool repeated = false;
    for (std::size_t i = 1; i < points && !repeated; ++i) repeated = sorted[i].first == sorted[i - 1].first;
    if (!repeated) return finish_ring(ring, rings);
    // walk the points on a stack; a point already on it closes the loop above it
    std::map<std::pair<double, double>, std::size_t> on_stack;  // point -> its place on the stack
    std::vector<double> xy = {ring.xy[0], ring.xy[1]};
    std::vector<std::uint32_t> owner;
    on_stack[{ring.xy[0], ring.xy[1]}] = 0;
    for (std::size_t i = 0; i < points; ++i) {
        const std::pair<double, double> next{ring.xy[2 * i + 2], ring.xy[2 * i + 3]};
        owner.push_back(ring.owner[i]);
        auto it = on_stack.find(next);
        if (it == on_stack.end()) {
            on_stack[next] = xy.size() / 2;
            xy.push_back(next.first);
            xy.push_back(next.second);
            continue;
        }
        const std::size_t k = it->second;
        OutlineRing loop;
        loop.xy.assign(xy.begin() + static_cast<std::ptrdiff_t>(2 * k), xy.end());
        loop.xy.push_back(next.first);
        loop.xy.push_back(next.second);
        loop.owner.assign(owner.begin() + static_cast<std::ptrdiff_t>(k), owner.end());
        for (std::size_t j = k + 1; j < xy.size() / 2; ++j) on_stack.erase({xy[2 * j], xy[2 * j + 1]});
        xy.resize(2 * (k + 1));
        owner.resize(k);
        if (!finish_ring(loop, rings)) return false;
    }
    return owner.empty();
}

// Walks the boundary edges into closed rings, interior on the left. Where several edges
// leave a point (the outline touching itself there), the walk takes the first one clockwise
// from the way it came, so that every ring stays simple.
bool walk_rings(std::vector<Edge>& edges, std::vector<OutlineRing>& rings, int threads) {
    sort_edges(
        edges, [](const Edge& a, const Edge& b) { return point_less(a.ax(), a.ay(), b.ax(), b.ay()); }, threads);
    auto leaving = [&](double x, double y) {
        auto first = std::lower_bound(edges.begin(), edges.end(), 0, [&](const Edge& e, int) {
            return point_less(e.ax(), e.ay(), x, y);
        });
        auto last = first;
        while (last != edges.end() && last->ax() == x && last->ay() == y) ++last;
        return std::make_pair(static_cast<std::size_t>(first - edges.begin()),
                              static_cast<std::size_t>(last - edges.begin()));
    };
    std::vector<std::uint8_t> used(edges.size(), 0);
    for (std::size_t start = 0; start < edges.size(); ++start) {
        if (used[start]) continue;
        OutlineRing ring;
        std::size_t current = start;
        used[start] = 1;
        ring.xy = {edges[start].ax(), edges[start].ay()};
        for (std::size_t steps = 0;; ++steps) {
            if (steps > edges.size()) return false;
            const Edge& e = edges[current];
            ring.xy.push_back(e.bx());
            ring.xy.push_back(e.by());
            ring.owner.push_back(e.owner);
            const auto [first, last] = leaving(e.bx(), e.by());
            if (first == last) return false;  // an open end
            std::size_t next = first;
            if (last - first > 1) {
                const double back = std::atan2(e.ay() - e.by(), e.ax() - e.bx());
                double best = two_pi + 1;
                for (std::size_t i = first; i < last; ++i) {
                    double turn = back - std::atan2(edges[i].by() - e.by(), edges[i].bx() - e.bx());
                    while (turn <= 0) turn += two_pi;
                    while (turn > two_pi) turn -= two_pi;
                    if (turn < best) {
                        best = turn;
                        next = i;
                    }
                }
            }
            if (next == start) break;
            if (used[next]) return false;
            used[next] = 1;
            current = next;
        }
        if (!split_at_repeats(ring, rings)) return false;
    }
    return true;
}

// A vertex of a member neighbouring `owner` strictly inside the edge a-b.
bool vertex_inside_edge(const Coverage& cov, const std::vector<std::uint32_t>& members, const Adjacency& adjacency,
                        std::uint32_t owner, const double* a, const double* b) {
    const double min_x = std::min(a[0], b[0]), max_x = std::max(a[0], b[0]);
    const double min_y = std::min(a[1], b[1]), max_y = std::max(a[1], b[1]);
    for (const std::uint32_t* n = adjacency.begin(owner); n != adjacency.end(owner); ++n) {
        if (!std::binary_search(members.begin(), members.end(), *n)) continue;
        for (std::uint32_t r = cov.ring_begin(*n); r < cov.ring_end(*n); ++r)
            for (std::uint32_t i = cov.point_begin(r); i < cov.point_end(r); ++i) {
                const double* m = cov.xy(i);
                if (m[0] < min_x || m[0] > max_x || m[1] < min_y || m[1] > max_y) continue;
                if ((m[0] == a[0] && m[1] == a[1]) || (m[0] == b[0] && m[1] == b[1])) continue;
                if ((b[0] - a[0]) * (m[1] - a[1]) - (b[1] - a[1]) * (m[0] - a[0]) == 0) return true;
            }
    }
    return false;
}

bool box_contains(const Box& b, double x, double y) {
    return b.min_x <= x && x <= b.max_x && b.min_y <= y && y <= b.max_y;
}

GEOSGeometry* geos_ring(GEOSContextHandle_t ctx, const OutlineRing& ring) {
    GEOSCoordSequence* seq = GEOSCoordSeq_copyFromBuffer_r(ctx, ring.xy.data(), ring.xy.size() / 2, 0, 0);
    return seq ? GEOSGeom_createLinearRing_r(ctx, seq) : nullptr;
}

}  // namespace

double ring_area(const std::vector<double>& xy) {
    if (xy.size() < 8) return 0;
    const double ox = xy[0], oy = xy[1];
    double s = 0;
    for (std::size_t i = 0; i + 3 < xy.size(); i += 2)
        s += (xy[i] - ox) * (xy[i + 3] - oy) - (xy[i + 2] - ox) * (xy[i + 1] - oy);
    return s / 2;
}

bool inside_ring(const std::vector<double>& xy, double x, double y) {
    bool inside = false;
    for (std::size_t i = 0; i + 3 < xy.size(); i += 2) {
        const double px = xy[i], py = xy[i + 1], qx = xy[i + 2], qy = xy[i + 3];
        if ((py > y) != (qy > y) && x < px + (y - py) * (qx - px) / (qy - py)) inside = !inside;
    }
    return inside;
}

std::optional<Outline> coverage_outline(const Coverage& coverage, const std::vector<std::uint32_t>& members,
                                        const Adjacency& adjacency, int threads) {
    std::vector<Edge> edges = member_edges(coverage, members, adjacency);
    if (edges.empty() || !cancel_shared(edges, threads)) return std::nullopt;
    // only a feature with an edge no neighbour shares whole (the adjacency's rim) can have one
    // of a neighbour's vertices inside that edge
    for (const Edge& e : edges) {
        if (!adjacency.rim.empty() && (e.owner >= adjacency.rim.size() || !adjacency.rim[e.owner])) continue;
        const double a[2] = {e.lx, e.ly}, b[2] = {e.hx, e.hy};
        if (vertex_inside_edge(coverage, members, adjacency, e.owner, a, b)) return std::nullopt;
    }
    std::vector<OutlineRing> rings;
    if (!walk_rings(edges, rings, threads)) return std::nullopt;
    Outline outline;
    std::vector<OutlineRing> holes;
    for (auto& ring : rings) {
        if (ring.area > 0)
            outline.push_back({std::move(ring), {}});
        else
            holes.push_back(std::move(ring));
    }
    if (outline.empty()) return std::nullopt;
    for (auto& hole : holes) {
        std::size_t into = outline.size();
        if (outline.size() == 1) {
            into = 0;
        } else {
            // a point inside the hole's first edge lies inside exactly the shells around the hole;
            // the smallest of them holds it
            const double x = (hole.xy[0] + hole.xy[2]) / 2, y = (hole.xy[1] + hole.xy[3]) / 2;
            for (std::size_t s = 0; s < outline.size(); ++s) {
                const OutlineRing& shell = outline[s].shell;
                if (!box_contains(shell.box, x, y) || !inside_ring(shell.xy, x, y)) continue;
                if (into == outline.size() || shell.area < outline[into].shell.area) into = s;
            }
            if (into == outline.size()) return std::nullopt;
        }
        outline[into].holes.push_back(std::move(hole));
    }
    // a shell inside another one, not in one of its holes: members overlapping without sharing
    // an edge (their edges cannot cancel)
    for (std::size_t s = 0; s < outline.size() && outline.size() > 1; ++s) {
        const OutlineRing& shell = outline[s].shell;
        const double x = (shell.xy[0] + shell.xy[2]) / 2, y = (shell.xy[1] + shell.xy[3]) / 2;
        for (std::size_t t = 0; t < outline.size(); ++t) {
            if (t == s || !box_contains(outline[t].shell.box, x, y) || !inside_ring(outline[t].shell.xy, x, y))
                continue;
            bool in_hole = false;
            for (const auto& h : outline[t].holes) in_hole = in_hole || inside_ring(h.xy, x, y);
            if (!in_hole) return std::nullopt;
        }
    }
    return outline;
}

GEOSGeometry* outline_to_geos(GEOSContextHandle_t ctx, const Outline& outline) {
    std::vector<GEOSGeometry*> polygons;
    auto give_up = [&] {
        for (auto* p : polygons) GEOSGeom_destroy_r(ctx, p);
        return nullptr;
    };
    for (const auto& polygon : outline) {
        std::vector<GEOSGeometry*> holes;
        for (const auto& h : polygon.holes)
            if (GEOSGeometry* ring = geos_ring(ctx, h)) holes.push_back(ring);
        GEOSGeometry* shell = geos_ring(ctx, polygon.shell);
        if (!shell || holes.size() != polygon.holes.size()) {
            for (auto* h : holes) GEOSGeom_destroy_r(ctx, h);
            if (shell) GEOSGeom_destroy_r(ctx, shell);
            return give_up();
        }
        GEOSGeometry* made = GEOSGeom_createPolygon_r(ctx, shell, holes.empty() ? nullptr : holes.data(),
                                                      static_cast<unsigned>(holes.size()));
        if (!made) return give_up();
        polygons.push_back(made);
    }
    return GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, polygons.data(), static_cast<unsigned>(polygons.size()));
}

}  // namespace cleanheat

#include "geo/adjacency.hpp"

#include <algorithm>
#include <exception>
#include <atomic>
#include <cmath>
#include <thread>

#include "base/error.hpp"
#include "base/stop.hpp"
#include "geo/geos_util.hpp"

namespace cleanheat {
namespace {

std::uint64_t pair_key(std::uint32_t a, std::uint32_t b) {
    if (a > b) std::swap(a, b);
    return (static_cast<std::uint64_t>(a) << 32) | b;
}

template <class Work>
void parallel(int threads, Work work) {
    threads = std::max(1, threads);
    if (threads == 1) {
        work(0);
        return;
    }
    // an exception in a worker (a stop asked through the progress sink) is carried to the caller
    // once every worker has ended, never left to end the process
    std::vector<std::exception_ptr> errors(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&work, &errors, t] {
            try {
                work(t);
            } catch (...) {
                errors[static_cast<std::size_t>(t)] = std::current_exception();
            }
        });
    for (auto& th : pool) th.join();
    for (const auto& e : errors)
        if (e) std::rethrow_exception(e);
}

// Symmetric CSR from undirected pairs (duplicates allowed).
void build_csr(std::size_t n, const std::vector<std::vector<std::uint64_t>>& pair_lists, Adjacency& adj, int threads) {
    std::vector<std::uint64_t> degree(n + 1, 0);
    for (const auto& pairs : pair_lists)
        for (std::uint64_t p : pairs) {
            ++degree[p >> 32];
            ++degree[p & 0xffffffffu];
        }
    std::vector<std::uint64_t> start(n + 1, 0);
    for (std::size_t f = 0; f < n; ++f) start[f + 1] = start[f] + degree[f];
    std::vector<std::uint32_t> all(start[n]);
    std::vector<std::uint64_t> fill(start.begin(), start.end() - 1);
    for (const auto& pairs : pair_lists)
        for (std::uint64_t p : pairs) {
            const auto a = static_cast<std::uint32_t>(p >> 32), b = static_cast<std::uint32_t>(p & 0xffffffffu);
            all[fill[a]++] = b;
            all[fill[b]++] = a;
        }
    std::vector<std::uint64_t> kept(n, 0);
    parallel(threads, [&](int t) {
        for (std::size_t f = static_cast<std::size_t>(t); f < n; f += static_cast<std::size_t>(std::max(1, threads))) {
            auto* b = all.data() + start[f];
            auto* e = all.data() + start[f + 1];
            std::sort(b, e);
            kept[f] = static_cast<std::uint64_t>(std::unique(b, e) - b);
        }
    });
    adj.offsets.assign(n + 1, 0);
    for (std::size_t f = 0; f < n; ++f) adj.offsets[f + 1] = adj.offsets[f] + kept[f];
    adj.neighbours.resize(adj.offsets[n]);
    for (std::size_t f = 0; f < n; ++f)
        std::copy(all.begin() + static_cast<std::ptrdiff_t>(start[f]),
                  all.begin() + static_cast<std::ptrdiff_t>(start[f] + kept[f]),
                  adj.neighbours.begin() + static_cast<std::ptrdiff_t>(adj.offsets[f]));
    adj.edges = adj.neighbours.size() / 2;
}

// Adds pairs to an existing CSR (rebuilds it).
void add_pairs(std::size_t n, const std::vector<std::uint64_t>& extra, Adjacency& adj, int threads) {
    if (extra.empty()) return;
    std::vector<std::uint64_t> existing;
    existing.reserve(adj.edges);
    for (std::size_t f = 0; f < n; ++f)
        for (const std::uint32_t* g = adj.begin(f); g != adj.end(f); ++g)
            if (f < *g) existing.push_back(pair_key(static_cast<std::uint32_t>(f), *g));
    build_csr(n, {existing, extra}, adj, threads);
}

struct VertexEntry {
    double x, y;
    std::uint32_t feature, point;
};

struct SegmentEntry {
    std::uint64_t key;
    std::uint32_t feature;
    std::uint32_t start;  // the point the edge starts at; the top bit: it runs from the lower vertex id
    std::uint32_t point() const { return start & 0x7fffffffu; }
    bool forward() const { return (start >> 31) != 0; }
};

bool ring_closed(const Coverage& c, std::uint32_t r) {
    const std::uint32_t b = c.point_begin(r), e = c.point_end(r);
    return e - b >= 2 && c.xy(b)[0] == c.xy(e - 1)[0] && c.xy(b)[1] == c.xy(e - 1)[1];
}

}  // namespace

bool Adjacency::adjacent(std::uint32_t a, std::uint32_t b) const {
    return std::binary_search(begin(a), end(a), b);
}

BoxGrid::BoxGrid(const Coverage& coverage, double grow) {
    const std::size_t n = coverage.size();
    boxes_.resize(n);
    for (std::size_t f = 0; f < n; ++f) {
        boxes_[f] = coverage.kind(f) == FeatureKind::empty ? Box{} : coverage.box(f).grown(grow);
        extent_.expand(boxes_[f]);
    }
    if (!extent_.valid()) {
        start_.assign(2, 0);
        return;
    }
    const double w = std::max(extent_.max_x - extent_.min_x, 1e-9), h = std::max(extent_.max_y - extent_.min_y, 1e-9);
    const double cells = std::max(1.0, static_cast<double>(n));
    nx_ = std::max(1, std::min(4096, static_cast<int>(std::sqrt(cells * w / h))));
    ny_ = std::max(1, std::min(4096, static_cast<int>(cells / nx_)));
    sx_ = nx_ / w;
    sy_ = ny_ / h;
    const std::size_t total = static_cast<std::size_t>(nx_) * static_cast<std::size_t>(ny_);
    std::vector<std::uint32_t> count(total + 1, 0);
    for (int pass = 0; pass < 2; ++pass) {
        for (std::size_t f = 0; f < n; ++f) {
            if (!boxes_[f].valid()) continue;
            int x0, y0, x1, y1;
            cell_range(boxes_[f], x0, y0, x1, y1);
            for (int y = y0; y <= y1; ++y)
                for (int x = x0; x <= x1; ++x) {
                    const std::size_t c =
                        static_cast<std::size_t>(y) * static_cast<std::size_t>(nx_) + static_cast<std::size_t>(x);
                    if (pass == 0)
                        ++count[c + 1];
                    else
                        items_[count[c]++] = static_cast<std::uint32_t>(f);
                }
        }
        if (pass == 0) {
            for (std::size_t c = 0; c < total; ++c) count[c + 1] += count[c];
            start_ = count;
            items_.resize(count[total]);
        }
    }
}

void BoxGrid::cell_range(const Box& box, int& x0, int& y0, int& x1, int& y1) const {
    auto clampi = [](double v, int hi) { return v < 0 ? 0 : (v >= hi ? hi - 1 : static_cast<int>(v)); };
    x0 = clampi((box.min_x - extent_.min_x) * sx_, nx_);
    x1 = clampi((box.max_x - extent_.min_x) * sx_, nx_);
    y0 = clampi((box.min_y - extent_.min_y) * sy_, ny_);
    y1 = clampi((box.max_y - extent_.min_y) * sy_, ny_);
}

Adjacency polygon_adjacency(const Coverage& cov, const AdjacencyOptions& options, const Progress& progress) {
    const std::size_t n = cov.size();
    const int threads = std::max(1, options.threads);
    Adjacency adj;
    if (n >= 0xffffffffu || cov.point_count() >= 0x7ffffff0u) throw InputError("too many features or vertices");

    // 1. Vertices bucketed by a spatial grid cell, sorted exactly inside each bucket.
    progress.update(0.0, "shared vertices");
    std::size_t vertex_count = 0;
    for (std::size_t f = 0; f < n; ++f)
        if (cov.kind(f) == FeatureKind::polygon)
            for (std::uint32_t r = cov.ring_begin(f); r < cov.ring_end(f); ++r)
                vertex_count += cov.point_end(r) - cov.point_begin(r) - (ring_closed(cov, r) ? 1 : 0);
    const Box extent = cov.extent();
    const double w = std::max(extent.max_x - extent.min_x, 1e-9), h = std::max(extent.max_y - extent.min_y, 1e-9);
    const double cells = std::max(1.0, std::min(static_cast<double>(vertex_count) / 32.0, 16777216.0));
    const int gx = std::max(1, static_cast<int>(std::sqrt(cells * w / h)));
    const int gy = std::max(1, static_cast<int>(cells / gx));
    const double sx = gx / w, sy = gy / h;
    auto cell_of = [&](const double* p) {
        const double fx = (p[0] - extent.min_x) * sx, fy = (p[1] - extent.min_y) * sy;
        const int cx = fx < 0 ? 0 : (fx >= gx ? gx - 1 : static_cast<int>(fx));
        const int cy = fy < 0 ? 0 : (fy >= gy ? gy - 1 : static_cast<int>(fy));
        return static_cast<std::size_t>(cy) * static_cast<std::size_t>(gx) + static_cast<std::size_t>(cx);
    };
    const std::size_t bucket_count = static_cast<std::size_t>(gx) * static_cast<std::size_t>(gy);
    std::vector<std::uint32_t> bucket_start(bucket_count + 1, 0);
    auto for_each_vertex = [&](auto visit) {
        for (std::size_t f = 0; f < n; ++f) {
            if (cov.kind(f) != FeatureKind::polygon) continue;
            for (std::uint32_t r = cov.ring_begin(f); r < cov.ring_end(f); ++r) {
                const std::uint32_t e = cov.point_end(r) - (ring_closed(cov, r) ? 1 : 0);
                for (std::uint32_t i = cov.point_begin(r); i < e; ++i) visit(static_cast<std::uint32_t>(f), i);
            }
        }
    };
    for_each_vertex([&](std::uint32_t, std::uint32_t i) { ++bucket_start[cell_of(cov.xy(i)) + 1]; });
    for (std::size_t b = 0; b < bucket_count; ++b) bucket_start[b + 1] += bucket_start[b];
    std::vector<VertexEntry> vertices(vertex_count);
    {
        std::vector<std::uint32_t> fill(bucket_start.begin(), bucket_start.end() - 1);
        for_each_vertex([&](std::uint32_t f, std::uint32_t i) {
            const double* p = cov.xy(i);
            vertices[fill[cell_of(p)]++] = {p[0], p[1], f, i};
        });
    }
    std::vector<std::uint32_t> vertex_id(cov.point_count(), 0xffffffffu);
    std::vector<std::vector<std::uint64_t>> vertex_pairs(static_cast<std::size_t>(threads));
    parallel(threads, [&](int t) {
        auto& pairs = vertex_pairs[static_cast<std::size_t>(t)];
        for (std::size_t b = static_cast<std::size_t>(t); b < bucket_count; b += static_cast<std::size_t>(threads)) {
            auto* first = vertices.data() + bucket_start[b];
            auto* last = vertices.data() + bucket_start[b + 1];
            std::sort(first, last, [](const VertexEntry& u, const VertexEntry& v) {
                return u.x < v.x || (u.x == v.x && (u.y < v.y || (u.y == v.y && u.feature < v.feature)));
            });
            for (auto* run = first; run < last;) {
                auto* stop = run + 1;
                while (stop < last && stop->x == run->x && stop->y == run->y) ++stop;
                const auto id = static_cast<std::uint32_t>(run - vertices.data());
                for (auto* v = run; v < stop; ++v) vertex_id[v->point] = id;
                if (options.kind == AdjacencyKind::queen && stop - run > 1 && run->feature != (stop - 1)->feature)
                    for (auto* u = run; u < stop; ++u)
                        for (auto* v = u + 1; v < stop; ++v)
                            if (u->feature != v->feature) pairs.push_back(pair_key(u->feature, v->feature));
                run = stop;
            }
        }
    });
    // the vertices are their ids now: their room is the segments'
    vertices.clear();
    vertices.shrink_to_fit();
    progress.update(0.35, "shared edges");

    // 2. Segments by their two vertex ids: an edge two polygons share, on opposite sides,
    // connects them (rook); any other edge marks its feature as one to check exactly.
    std::vector<SegmentEntry> segments;
    segments.reserve(vertex_count);
    const int shift = 6;
    const std::size_t segment_buckets = (vertex_count >> shift) + 1;
    std::vector<std::uint32_t> segment_start(segment_buckets + 1, 0);
    auto for_each_segment = [&](auto visit) {
        for (std::size_t f = 0; f < n; ++f) {
            if (cov.kind(f) != FeatureKind::polygon) continue;
            for (std::uint32_t r = cov.ring_begin(f); r < cov.ring_end(f); ++r) {
                const double area = ring_signed_area(cov, r);
                const bool flip = cov.ring_is_shell(r) ? area < 0 : area > 0;
                const std::uint32_t b = cov.point_begin(r), e = cov.point_end(r);
                const bool closed = ring_closed(cov, r);
                const std::uint32_t last = closed ? e - 1 : e;
                for (std::uint32_t i = b; i < last; ++i) {
                    const std::uint32_t j = (i + 1 < last) ? i + 1 : b;
                    std::uint32_t u = vertex_id[i], v = vertex_id[j];
                    if (u == v) continue;
                    if (flip) std::swap(u, v);
                    visit(static_cast<std::uint32_t>(f), u, v, i);
                }
            }
        }
    };
    for_each_segment(
        [&](std::uint32_t, std::uint32_t u, std::uint32_t v, std::uint32_t) {
            ++segment_start[(std::min(u, v) >> shift) + 1];
        });
    for (std::size_t b = 0; b < segment_buckets; ++b) segment_start[b + 1] += segment_start[b];
    segments.resize(segment_start[segment_buckets]);
    {
        std::vector<std::uint32_t> fill(segment_start.begin(), segment_start.end() - 1);
        for_each_segment([&](std::uint32_t f, std::uint32_t u, std::uint32_t v, std::uint32_t i) {
            segments[fill[std::min(u, v) >> shift]++] = {pair_key(u, v), f, i | (u < v ? 0x80000000u : 0u)};
        });
    }
    adj.twin.assign(cov.point_count(), kNoTwin);
    std::vector<std::vector<std::uint64_t>> segment_pairs(static_cast<std::size_t>(threads));
    std::vector<std::vector<std::uint32_t>> rim_lists(static_cast<std::size_t>(threads));
    parallel(threads, [&](int t) {
        auto& pairs = segment_pairs[static_cast<std::size_t>(t)];
        auto& rim = rim_lists[static_cast<std::size_t>(t)];
        for (std::size_t b = static_cast<std::size_t>(t); b < segment_buckets; b += static_cast<std::size_t>(threads)) {
            auto* first = segments.data() + segment_start[b];
            auto* last = segments.data() + segment_start[b + 1];
            std::sort(first, last, [](const SegmentEntry& s, const SegmentEntry& u) {
                return s.key < u.key || (s.key == u.key && s.feature < u.feature);
            });
            for (auto* run = first; run < last;) {
                auto* stop = run + 1;
                while (stop < last && stop->key == run->key) ++stop;
                if (stop - run == 2 && run->feature != (run + 1)->feature && run->forward() != (run + 1)->forward()) {
                    if (options.kind == AdjacencyKind::rook)
                        pairs.push_back(pair_key(run->feature, (run + 1)->feature));
                    adj.twin[run->point()] = (run + 1)->feature;  // (each point in one run: no two threads write it)
                    adj.twin[(run + 1)->point()] = run->feature;
                } else {
                    for (auto* s = run; s < stop; ++s) rim.push_back(s->feature);
                }
                run = stop;
            }
        }
    });
    std::vector<std::uint8_t> is_rim(n, 0);
    for (const auto& list : rim_lists)
        for (std::uint32_t f : list) is_rim[f] = 1;
    segments.clear();
    segments.shrink_to_fit();
    build_csr(n, options.kind == AdjacencyKind::queen ? vertex_pairs : segment_pairs, adj, threads);
    vertex_pairs.clear();
    segment_pairs.clear();
    progress.update(0.6, "exact checks");

    // 3. Exact checks with GEOS: the rim features, or every feature when needed.
    const bool rook = options.kind == AdjacencyKind::rook;
    const double tolerance = std::max(0.0, options.tolerance);
    const BoxGrid grid(cov, tolerance / 2);
    std::vector<std::uint32_t> rim;
    for (std::size_t f = 0; f < n; ++f)
        if (is_rim[f]) rim.push_back(static_cast<std::uint32_t>(f));
    adj.rim_features = rim.size();
    adj.rim = std::move(is_rim);

    struct Found {
        std::vector<std::uint64_t> pairs;
        std::vector<std::pair<std::uint32_t, std::uint32_t>> overlaps;
        std::vector<Gap> gaps;
        std::size_t tests = 0;
    };
    // Checks feature f against candidates g; `all_pairs`: only g > f (every feature is visited).
    auto check = [&](const std::vector<std::uint32_t>& features, bool every_feature) {
        std::vector<Found> found(static_cast<std::size_t>(threads));
        std::atomic<std::size_t> done{0};
        parallel(threads, [&](int t) {
            GeosContext ctx;
            Found& out = found[static_cast<std::size_t>(t)];
            std::vector<std::uint32_t> stamp(n, 0);
            std::uint32_t token = 0;
            for (std::size_t k = static_cast<std::size_t>(t); k < features.size();
                 k += static_cast<std::size_t>(threads)) {
                const std::uint32_t f = features[k];
                if (cov.kind(f) != FeatureKind::polygon) continue;
                GeosGeometry gf = geos_own(ctx, cov.to_geos(ctx, f));
                if (!gf) continue;
                GeosPrepared pf = geos_prepare(ctx, gf.get());
                ++token;
                grid.query(cov.box(f).grown(tolerance / 2), stamp, token, [&](std::uint32_t g) {
                    if (g == f || cov.kind(g) != FeatureKind::polygon) return;
                    if (every_feature && g < f) return;
                    const bool known = adj.adjacent(f, g);
                    if (every_feature && known) return;
                    GeosGeometry gg = geos_own(ctx, cov.to_geos(ctx, g));
                    if (!gg) return;
                    ++out.tests;
                    if (rook) {
                        char* matrix = GEOSRelate_r(ctx, gf.get(), gg.get());
                        if (!matrix) return;
                        const bool interiors = matrix[0] != 'F';
                        const bool edge = matrix[4] == '1';
                        GEOSFree_r(ctx, matrix);
                        if (interiors) out.overlaps.emplace_back(std::min(f, g), std::max(f, g));
                        if ((interiors || edge) && !known) {
                            out.pairs.push_back(pair_key(f, g));
                            return;
                        }
                        if (interiors || edge || known || tolerance <= 0) return;
                    } else {
                        if (GEOSPreparedIntersects_r(ctx, pf.get(), gg.get()) == 1) {
                            if (GEOSPreparedTouches_r(ctx, pf.get(), gg.get()) != 1)
                                out.overlaps.emplace_back(std::min(f, g), std::max(f, g));
                            if (!known) out.pairs.push_back(pair_key(f, g));
                            return;
                        }
                        if (known || tolerance <= 0) return;
                    }
                    if (GEOSPreparedDistanceWithin_r(ctx, pf.get(), gg.get(), tolerance) == 1) {
                        double d = 0;
                        GEOSDistance_r(ctx, gf.get(), gg.get(), &d);
                        out.pairs.push_back(pair_key(f, g));
                        out.gaps.push_back({std::min(f, g), std::max(f, g), d});
                    }
                });
                if (t == 0 && (k & 1023) == 0)
                    progress.update(0.6 + 0.4 * static_cast<double>(k) / static_cast<double>(features.size() + 1));
                else if ((k & 1023) == 0)
                    throw_if_stop_requested();
            }
            done += 1;
        });
        return found;
    };

    auto merge_found = [&](std::vector<Found>& found) {
        std::vector<std::uint64_t> extra;
        for (auto& fd : found) {
            extra.insert(extra.end(), fd.pairs.begin(), fd.pairs.end());
            adj.overlaps.insert(adj.overlaps.end(), fd.overlaps.begin(), fd.overlaps.end());
            adj.gaps.insert(adj.gaps.end(), fd.gaps.begin(), fd.gaps.end());
            adj.exact_tests += fd.tests;
        }
        add_pairs(n, extra, adj, threads);
    };

    if (tolerance <= 0) {
        auto found = check(rim, false);
        merge_found(found);
    }
    std::sort(adj.overlaps.begin(), adj.overlaps.end());
    adj.overlaps.erase(std::unique(adj.overlaps.begin(), adj.overlaps.end()), adj.overlaps.end());
    if (tolerance > 0 || !adj.overlaps.empty()) {
        adj.exact_everywhere = true;
        std::vector<std::uint32_t> all(n);
        for (std::size_t f = 0; f < n; ++f) all[f] = static_cast<std::uint32_t>(f);
        auto found = check(all, true);
        merge_found(found);
        std::sort(adj.overlaps.begin(), adj.overlaps.end());
        adj.overlaps.erase(std::unique(adj.overlaps.begin(), adj.overlaps.end()), adj.overlaps.end());
        std::sort(adj.gaps.begin(), adj.gaps.end(),
                  [](const Gap& x, const Gap& y) { return x.a < y.a || (x.a == y.a && x.b < y.b); });
        adj.gaps.erase(std::unique(adj.gaps.begin(), adj.gaps.end(),
                                   [](const Gap& x, const Gap& y) { return x.a == y.a && x.b == y.b; }),
                       adj.gaps.end());
    }
    adj.method = std::string(rook ? "rook" : "queen") + ": shared " + (rook ? "edges" : "vertices") +
                 " by sorting, exact GEOS checks for " +
                 (adj.exact_everywhere ? "every feature" : std::to_string(rim.size()) + " rim features");
    progress.update(1.0);
    return adj;
}

Adjacency point_adjacency(const Coverage& cov, const AdjacencyOptions& options, const Progress& progress) {
    const std::size_t n = cov.size();
    Adjacency adj;
    struct Site {
        double x, y;
        std::uint32_t feature;
    };
    std::vector<Site> sites;
    for (std::size_t f = 0; f < n; ++f) {
        if (cov.kind(f) == FeatureKind::empty) continue;
        const double* p = cov.xy(cov.point_begin(cov.ring_begin(f)));
        if (cov.kind(f) == FeatureKind::polygon) {  // a polygon in a point layer: its box centre
            const Box& b = cov.box(f);
            sites.push_back({(b.min_x + b.max_x) / 2, (b.min_y + b.max_y) / 2, static_cast<std::uint32_t>(f)});
        } else {
            sites.push_back({p[0], p[1], static_cast<std::uint32_t>(f)});
        }
    }
    std::sort(sites.begin(), sites.end(), [](const Site& a, const Site& b) {
        return a.x < b.x || (a.x == b.x && (a.y < b.y || (a.y == b.y && a.feature < b.feature)));
    });
    auto same_group = [&](std::uint32_t a, std::uint32_t b) {
        return !options.within || (*options.within)[a] == (*options.within)[b];
    };
    std::vector<std::uint64_t> pairs;
    std::vector<std::size_t> unique_start;
    for (std::size_t i = 0; i < sites.size();) {
        std::size_t j = i + 1;
        while (j < sites.size() && sites[j].x == sites[i].x && sites[j].y == sites[i].y) ++j;
        for (std::size_t a = i; a < j; ++a)
            for (std::size_t b = a + 1; b < j; ++b)
                if (same_group(sites[a].feature, sites[b].feature))
                    pairs.push_back(pair_key(sites[a].feature, sites[b].feature));
        unique_start.push_back(i);
        i = j;
    }
    unique_start.push_back(sites.size());
    progress.update(0.2, "Delaunay");
    if (unique_start.size() > 2) {
        GeosContext ctx;
        std::vector<GEOSGeometry*> points;
        points.reserve(unique_start.size() - 1);
        for (std::size_t u = 0; u + 1 < unique_start.size(); ++u)
            points.push_back(GEOSGeom_createPointFromXY_r(ctx, sites[unique_start[u]].x, sites[unique_start[u]].y));
        GeosGeometry multi = geos_own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOINT, points.data(),
                                                                       static_cast<unsigned>(points.size())));
        GeosGeometry edges = geos_own(ctx, GEOSDelaunayTriangulation_r(ctx, multi.get(), 0.0, 1));
        if (!edges) throw InputError("Delaunay triangulation failed: " + ctx.last_error());
        auto locate = [&](double x, double y) -> std::ptrdiff_t {
            std::size_t lo = 0, hi = unique_start.size() - 1;
            while (lo < hi) {
                const std::size_t mid = (lo + hi) / 2;
                const Site& s = sites[unique_start[mid]];
                if (s.x < x || (s.x == x && s.y < y))
                    lo = mid + 1;
                else
                    hi = mid;
            }
            if (lo + 1 < unique_start.size() && sites[unique_start[lo]].x == x && sites[unique_start[lo]].y == y)
                return static_cast<std::ptrdiff_t>(lo);
            return -1;
        };
        const int count = GEOSGetNumGeometries_r(ctx, edges.get());
        for (int i = 0; i < count; ++i) {
            const GEOSGeometry* line = GEOSGetGeometryN_r(ctx, edges.get(), i);
            const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, line);
            double xy[4];
            if (!seq || !GEOSCoordSeq_copyToBuffer_r(ctx, seq, xy, 0, 0)) continue;
            if (options.max_distance > 0 && std::hypot(xy[2] - xy[0], xy[3] - xy[1]) > options.max_distance) continue;
            const std::ptrdiff_t a = locate(xy[0], xy[1]), b = locate(xy[2], xy[3]);
            if (a < 0 || b < 0) continue;
            for (std::size_t p = unique_start[static_cast<std::size_t>(a)];
                 p < unique_start[static_cast<std::size_t>(a) + 1]; ++p)
                for (std::size_t q = unique_start[static_cast<std::size_t>(b)];
                     q < unique_start[static_cast<std::size_t>(b) + 1]; ++q)
                    if (same_group(sites[p].feature, sites[q].feature))
                        pairs.push_back(pair_key(sites[p].feature, sites[q].feature));
        }
    }
    build_csr(n, {pairs}, adj, options.threads);
    adj.method =
        "points: Delaunay neighbours" +
        (options.max_distance > 0 ? " within " + std::to_string(static_cast<long long>(options.max_distance)) + " m"
                                  : std::string()) +
        (options.within ? ", same area only" : "");
    progress.update(1.0);
    return adj;
}

}  // namespace cleanheat

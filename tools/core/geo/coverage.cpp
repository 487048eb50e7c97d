#include "geo/coverage.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <thread>

#include "io/wkb_reader.hpp"

namespace cleanheat {
namespace {

double orient(const double* a, const double* b, const double* c) {
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]);
}

bool on_segment(const double* a, const double* b, const double* c) {  // c collinear with ab
    return std::min(a[0], b[0]) <= c[0] && c[0] <= std::max(a[0], b[0]) && std::min(a[1], b[1]) <= c[1] &&
           c[1] <= std::max(a[1], b[1]);
}

// Any common point of segments ab and cd.
bool segments_meet(const double* a, const double* b, const double* c, const double* d) {
    if (std::max(a[0], b[0]) < std::min(c[0], d[0]) || std::max(c[0], d[0]) < std::min(a[0], b[0]) ||
        std::max(a[1], b[1]) < std::min(c[1], d[1]) || std::max(c[1], d[1]) < std::min(a[1], b[1]))
        return false;
    const double o1 = orient(a, b, c), o2 = orient(a, b, d), o3 = orient(c, d, a), o4 = orient(c, d, b);
    if (((o1 > 0 && o2 < 0) || (o1 < 0 && o2 > 0)) && ((o3 > 0 && o4 < 0) || (o3 < 0 && o4 > 0))) return true;
    if (o1 == 0 && on_segment(a, b, c)) return true;
    if (o2 == 0 && on_segment(a, b, d)) return true;
    if (o3 == 0 && on_segment(c, d, a)) return true;
    if (o4 == 0 && on_segment(c, d, b)) return true;
    return false;
}

// Consecutive segments ab, bc folding back over each other (a spike).
bool folds_back(const double* a, const double* b, const double* c) {
    if (orient(a, b, c) != 0) return false;
    return (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]) < 0;
}

bool point_in_ring(const Coverage& cov, std::uint32_t r, const double* pt, bool& on_boundary) {
    const std::uint32_t b = cov.point_begin(r), e = cov.point_end(r);
    bool inside = false;
    on_boundary = false;
    for (std::uint32_t i = b; i + 1 < e; ++i) {
        const double* p = cov.xy(i);
        const double* q = cov.xy(i + 1);
        if (orient(p, q, pt) == 0 && on_segment(p, q, pt)) {
            on_boundary = true;
            return false;
        }
        if ((p[1] > pt[1]) != (q[1] > pt[1])) {
            const double x = p[0] + (pt[1] - p[1]) * (q[0] - p[0]) / (q[1] - p[1]);
            if (pt[0] < x) inside = !inside;
        }
    }
    return inside;
}

bool feature_suspect(const Coverage& cov, std::size_t f) {
    if (cov.kind(f) != FeatureKind::polygon) return false;
    const std::uint32_t rb = cov.ring_begin(f), re = cov.ring_end(f);
    int shells = 0;
    struct Segment {
        const double* a;
        const double* b;
        std::uint32_t ring, index, ring_size;
        double min_x;
    };
    std::vector<Segment> segments;
    for (std::uint32_t r = rb; r < re; ++r) {
        const std::uint32_t b = cov.point_begin(r), e = cov.point_end(r);
        const std::uint32_t n = e - b;
        if (n < 4) return true;
        const double* first = cov.xy(b);
        const double* last = cov.xy(e - 1);
        if (first[0] != last[0] || first[1] != last[1]) return true;
        for (std::uint32_t i = b; i < e; ++i)
            if (!std::isfinite(cov.xy(i)[0]) || !std::isfinite(cov.xy(i)[1])) return true;
        if (ring_signed_area(cov, r) == 0) return true;
        if (cov.ring_is_shell(r)) {
            if (++shells > 1) return true;  // multipart: GEOS judges the parts
        } else {
            bool boundary = false;
            if (!point_in_ring(cov, rb, cov.xy(b), boundary) || boundary) return true;
        }
        for (std::uint32_t i = b; i + 1 < e; ++i) {
            const double* p = cov.xy(i);
            const double* q = cov.xy(i + 1);
            if (p[0] == q[0] && p[1] == q[1]) continue;  // repeated point: harmless
            segments.push_back({p, q, r, i - b, n - 1, std::min(p[0], q[0])});
        }
    }
    auto adjacent = [](const Segment& s, const Segment& t) {
        if (s.ring != t.ring) return false;
        const std::uint32_t d = s.index > t.index ? s.index - t.index : t.index - s.index;
        return d == 1 || d == s.ring_size - 1;
    };
    auto check = [&](const Segment& s, const Segment& t) {
        if (adjacent(s, t)) {
            // consecutive: they share one end; a fold-back is a spike
            if (s.b == t.a || (s.b[0] == t.a[0] && s.b[1] == t.a[1])) return folds_back(s.a, s.b, t.b);
            return folds_back(t.a, t.b, s.b);
        }
        return segments_meet(s.a, s.b, t.a, t.b);
    };
    std::sort(segments.begin(), segments.end(), [](const Segment& s, const Segment& t) { return s.min_x < t.min_x; });
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const double max_x = std::max(segments[i].a[0], segments[i].b[0]);
        for (std::size_t j = i + 1; j < segments.size() && segments[j].min_x <= max_x; ++j)
            if (check(segments[i], segments[j])) return true;
    }
    return false;
}

}  // namespace

// Measured from the ring's first point: projected coordinates are millions of metres, and
// their products would leave square metres to rounding.
double ring_signed_area(const Coverage& cov, std::uint32_t r) {
    const std::uint32_t b = cov.point_begin(r), e = cov.point_end(r);
    if (b == e) return 0;
    const double* o = cov.xy(b);
    double s = 0;
    for (std::uint32_t i = b; i + 1 < e; ++i) {
        const double* p = cov.xy(i);
        const double* q = cov.xy(i + 1);
        s += (p[0] - o[0]) * (q[1] - o[1]) - (q[0] - o[0]) * (p[1] - o[1]);
    }
    return s / 2;
}

void Box::expand(double x, double y) {
    if (!valid()) {
        min_x = max_x = x;
        min_y = max_y = y;
        return;
    }
    min_x = std::min(min_x, x);
    max_x = std::max(max_x, x);
    min_y = std::min(min_y, y);
    max_y = std::max(max_y, y);
}

void Box::expand(const Box& o) {
    if (!o.valid()) return;
    expand(o.min_x, o.min_y);
    expand(o.max_x, o.max_y);
}

Coverage::Coverage() : feature_ring_{0}, ring_point_{0} {}

void Coverage::begin_feature(FeatureKind kind) {
    kinds_.push_back(kind);
    point_taken_ = false;
}

void Coverage::end_feature() {
    feature_ring_.push_back(static_cast<std::uint32_t>(ring_shell_.size()));
    Box box;
    const std::size_t f = kinds_.size() - 1;
    for (std::uint32_t r = feature_ring_[f]; r < feature_ring_[f + 1]; ++r)
        for (std::uint32_t i = ring_point_[r]; i < ring_point_[r + 1]; ++i) box.expand(xy_[2 * i], xy_[2 * i + 1]);
    boxes_.push_back(box);
    if (ring_shell_.size() == feature_ring_[f]) kinds_[f] = FeatureKind::empty;
}

void Coverage::append(Coverage&& other) {
    if (kinds_.empty() && xy_.capacity() <= other.xy_.capacity()) {
        *this = std::move(other);
        return;
    }
    const auto rings = static_cast<std::uint32_t>(ring_shell_.size());
    const auto points = static_cast<std::uint32_t>(xy_.size() / 2);
    kinds_.insert(kinds_.end(), other.kinds_.begin(), other.kinds_.end());
    boxes_.insert(boxes_.end(), other.boxes_.begin(), other.boxes_.end());
    for (std::size_t f = 1; f < other.feature_ring_.size(); ++f) feature_ring_.push_back(rings + other.feature_ring_[f]);
    for (std::size_t r = 1; r < other.ring_point_.size(); ++r) ring_point_.push_back(points + other.ring_point_[r]);
    ring_shell_.insert(ring_shell_.end(), other.ring_shell_.begin(), other.ring_shell_.end());
    xy_.insert(xy_.end(), other.xy_.begin(), other.xy_.end());
    other = Coverage();
}

void Coverage::reserve(std::size_t features, std::size_t points) {
    kinds_.reserve(kinds_.size() + features);
    boxes_.reserve(boxes_.size() + features);
    feature_ring_.reserve(feature_ring_.size() + features);
    ring_point_.reserve(ring_point_.size() + features);
    ring_shell_.reserve(ring_shell_.size() + features);
    xy_.reserve(xy_.size() + 2 * points);
}

void Coverage::add_empty() {
    begin_feature(FeatureKind::empty);
    end_feature();
}

bool Coverage::parse(const unsigned char*& p, const unsigned char* end, int depth) {
    if (depth > 8) return false;
    WkbReader in{p, end};
    std::uint8_t order = 0;
    std::uint32_t type = 0;
    if (!in.u8(order)) return false;
    in.little = order == 1;
    if (!in.u32(type)) return false;
    int dims = 2;
    if (type & 0x80000000u) ++dims;
    if (type & 0x40000000u) ++dims;
    if (type & 0x20000000u) {
        std::uint32_t srid;
        if (!in.u32(srid)) return false;
    }
    std::uint32_t base = type & 0x0FFFFFFFu;
    const std::uint32_t iso = base / 1000;
    if (iso == 1 || iso == 2) ++dims;
    if (iso == 3) dims += 2;
    base %= 1000;
    FeatureKind& kind = kinds_.back();
    auto read_point = [&](double& x, double& y) {
        double skip;
        if (!in.f64(x) || !in.f64(y)) return false;
        for (int d = 2; d < dims; ++d)
            if (!in.f64(skip)) return false;
        return true;
    };
    switch (base) {
        case 1: {  // Point (NaN coordinates: empty)
            double x, y;
            if (!read_point(x, y)) return false;
            if (std::isnan(x) || std::isnan(y) || kind == FeatureKind::polygon || point_taken_) break;
            kind = FeatureKind::point;
            point_taken_ = true;
            xy_.push_back(x);
            xy_.push_back(y);
            ring_shell_.push_back(1);
            ring_point_.push_back(static_cast<std::uint32_t>(xy_.size() / 2));
            break;
        }
        case 3: {  // Polygon
            std::uint32_t rings;
            if (!in.u32(rings)) return false;
            bool have_shell = false;
            for (std::uint32_t r = 0; r < rings; ++r) {
                std::uint32_t n;
                if (!in.u32(n)) return false;
                if (static_cast<std::size_t>(end - in.p) < static_cast<std::size_t>(n) * dims * 8) return false;
                if (n == 0 || (r > 0 && !have_shell) || kind == FeatureKind::point) {
                    in.p += static_cast<std::size_t>(n) * dims * 8;
                    continue;
                }
                kind = FeatureKind::polygon;
                for (std::uint32_t i = 0; i < n; ++i) {
                    double x, y;
                    if (!read_point(x, y)) return false;
                    xy_.push_back(x);
                    xy_.push_back(y);
                }
                ring_shell_.push_back(r == 0 ? 1 : 0);
                ring_point_.push_back(static_cast<std::uint32_t>(xy_.size() / 2));
                if (r == 0) have_shell = true;
            }
            break;
        }
        case 4:
        case 6:
        case 7: {  // MultiPoint, MultiPolygon, GeometryCollection
            std::uint32_t n;
            if (!in.u32(n)) return false;
            for (std::uint32_t i = 0; i < n; ++i)
                if (!parse(in.p, end, depth + 1)) return false;
            break;
        }
        default:
            return false;
    }
    p = in.p;
    return true;
}

bool Coverage::add_wkb(const unsigned char* data, std::size_t size) {
    const std::size_t rings = ring_shell_.size(), points = xy_.size();
    begin_feature(FeatureKind::empty);
    const unsigned char* p = data;
    if (!parse(p, data + size, 0)) {
        kinds_.pop_back();
        ring_shell_.resize(rings);
        ring_point_.resize(rings + 1);
        xy_.resize(points);
        return false;
    }
    end_feature();
    return true;
}

bool Coverage::add_gpkg_blob(const unsigned char* data, std::size_t size) {
    const std::size_t header = gpkg_header_size(data, size);
    if (header == 0) return false;
    if (data[3] & 0x10) {  // empty
        add_empty();
        return true;
    }
    return add_wkb(data + header, size - header);
}

void Coverage::add_geos(GEOSContextHandle_t context, const GEOSGeometry* geometry) {
    begin_feature(FeatureKind::polygon);
    std::vector<double> buffer;
    auto add_ring = [&](const GEOSGeometry* ring, bool shell) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(context, ring);
        unsigned int n = 0;
        if (!seq || !GEOSCoordSeq_getSize_r(context, seq, &n) || n == 0) return;
        buffer.resize(2 * static_cast<std::size_t>(n));
        GEOSCoordSeq_copyToBuffer_r(context, seq, buffer.data(), 0, 0);
        xy_.insert(xy_.end(), buffer.begin(), buffer.end());
        ring_shell_.push_back(shell ? 1 : 0);
        ring_point_.push_back(static_cast<std::uint32_t>(xy_.size() / 2));
    };
    std::vector<const GEOSGeometry*> stack{geometry};
    while (!stack.empty()) {
        const GEOSGeometry* g = stack.back();
        stack.pop_back();
        const int type = GEOSGeomTypeId_r(context, g);
        if (type == GEOS_POLYGON) {
            if (GEOSisEmpty_r(context, g)) continue;
            add_ring(GEOSGetExteriorRing_r(context, g), true);
            const int holes = GEOSGetNumInteriorRings_r(context, g);
            for (int h = 0; h < holes; ++h) add_ring(GEOSGetInteriorRingN_r(context, g, h), false);
        } else if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
            const int n = GEOSGetNumGeometries_r(context, g);
            for (int i = n - 1; i >= 0; --i) stack.push_back(GEOSGetGeometryN_r(context, g, i));
        }
    }
    end_feature();
}

Box Coverage::extent() const {
    Box all;
    for (const Box& b : boxes_) all.expand(b);
    return all;
}

void Coverage::recompute_boxes() {
    for (std::size_t f = 0; f < size(); ++f) {
        Box box;
        for (std::uint32_t r = feature_ring_[f]; r < feature_ring_[f + 1]; ++r)
            for (std::uint32_t i = ring_point_[r]; i < ring_point_[r + 1]; ++i) box.expand(xy_[2 * i], xy_[2 * i + 1]);
        boxes_[f] = box;
    }
}

double Coverage::area(std::size_t f) const {
    if (kinds_[f] != FeatureKind::polygon) return 0;
    double a = 0;
    for (std::uint32_t r = ring_begin(f); r < ring_end(f); ++r) {
        const double s = std::fabs(ring_signed_area(*this, r));
        a += ring_is_shell(r) ? s : -s;
    }
    return a;
}

GEOSGeometry* Coverage::to_geos(GEOSContextHandle_t context, std::size_t f) const {
    if (kinds_[f] == FeatureKind::point) {
        const double* p = xy(point_begin(ring_begin(f)));
        return GEOSGeom_createPointFromXY_r(context, p[0], p[1]);
    }
    if (kinds_[f] == FeatureKind::empty) return GEOSGeom_createEmptyPolygon_r(context);
    std::vector<GEOSGeometry*> polygons;
    std::vector<GEOSGeometry*> holes;
    GEOSGeometry* shell = nullptr;
    std::vector<double> closed;
    auto make_ring = [&](std::uint32_t r) -> GEOSGeometry* {
        const std::uint32_t b = point_begin(r), n = point_end(r) - b;
        const double* p = xy(b);
        closed.assign(p, p + 2 * static_cast<std::size_t>(n));
        if (n > 0 && (closed[0] != closed[2 * n - 2] || closed[1] != closed[2 * n - 1])) {
            closed.push_back(closed[0]);
            closed.push_back(closed[1]);
        }
        while (closed.size() < 8 && !closed.empty()) {  // degenerate: pad so GEOS accepts and judges it
            closed.push_back(closed[0]);
            closed.push_back(closed[1]);
        }
        GEOSCoordSequence* seq = GEOSCoordSeq_copyFromBuffer_r(context, closed.data(), closed.size() / 2, 0, 0);
        return seq ? GEOSGeom_createLinearRing_r(context, seq) : nullptr;
    };
    auto flush = [&] {
        if (shell) {
            polygons.push_back(GEOSGeom_createPolygon_r(context, shell, holes.empty() ? nullptr : holes.data(),
                                                        static_cast<unsigned>(holes.size())));
        } else {
            for (auto* h : holes) GEOSGeom_destroy_r(context, h);
        }
        shell = nullptr;
        holes.clear();
    };
    for (std::uint32_t r = ring_begin(f); r < ring_end(f); ++r) {
        if (ring_is_shell(r)) {
            flush();
            shell = make_ring(r);
        } else if (GEOSGeometry* h = make_ring(r)) {
            holes.push_back(h);
        }
    }
    flush();
    polygons.erase(std::remove(polygons.begin(), polygons.end(), nullptr), polygons.end());
    if (polygons.size() == 1) return polygons[0];
    return GEOSGeom_createCollection_r(context, GEOS_MULTIPOLYGON, polygons.data(),
                                       static_cast<unsigned>(polygons.size()));
}

void Coverage::replace(const std::vector<std::pair<std::size_t, const GEOSGeometry*>>& replacements,
                       GEOSContextHandle_t context) {
    if (replacements.empty()) return;
    Coverage rebuilt;
    rebuilt.kinds_.reserve(size());
    rebuilt.boxes_.reserve(size());
    rebuilt.xy_.reserve(xy_.size());
    std::size_t next = 0;
    for (std::size_t f = 0; f < size(); ++f) {
        if (next < replacements.size() && replacements[next].first == f) {
            rebuilt.add_geos(context, replacements[next].second);
            ++next;
            continue;
        }
        rebuilt.begin_feature(kinds_[f]);
        for (std::uint32_t r = ring_begin(f); r < ring_end(f); ++r) {
            rebuilt.xy_.insert(rebuilt.xy_.end(), xy_.begin() + 2 * static_cast<std::ptrdiff_t>(point_begin(r)),
                               xy_.begin() + 2 * static_cast<std::ptrdiff_t>(point_end(r)));
            rebuilt.ring_shell_.push_back(ring_shell_[r]);
            rebuilt.ring_point_.push_back(static_cast<std::uint32_t>(rebuilt.xy_.size() / 2));
        }
        rebuilt.end_feature();
    }
    *this = std::move(rebuilt);
}

std::vector<std::uint32_t> suspect_features(const Coverage& coverage, int threads) {
    threads = std::max(1, threads);
    std::vector<std::vector<std::uint32_t>> found(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    const std::size_t n = coverage.size();
    for (int t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (std::size_t f = static_cast<std::size_t>(t); f < n; f += static_cast<std::size_t>(threads))
                if (feature_suspect(coverage, f))
                    found[static_cast<std::size_t>(t)].push_back(static_cast<std::uint32_t>(f));
        });
    for (auto& th : pool) th.join();
    std::vector<std::uint32_t> all;
    for (auto& v : found) all.insert(all.end(), v.begin(), v.end());
    std::sort(all.begin(), all.end());
    return all;
}

}  // namespace cleanheat

// Village geometries in flat arrays: rings of doubles, one bounding box per feature.
// Built straight from WKB (GeoPackage blobs or OGR's export), read by the adjacency and
// turned into GEOS geometries only where an exact predicate is needed.
#pragma once
#include <geos_c.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace cleanheat {

struct Box {
    double min_x = 0, min_y = 0, max_x = -1, max_y = -1;
    bool valid() const { return max_x >= min_x && max_y >= min_y; }
    bool intersects(const Box& o) const {
        return min_x <= o.max_x && o.min_x <= max_x && min_y <= o.max_y && o.min_y <= max_y;
    }
    void expand(double x, double y);
    void expand(const Box& o);
    Box grown(double d) const { return {min_x - d, min_y - d, max_x + d, max_y + d}; }
};

enum class FeatureKind : std::uint8_t { empty, polygon, point };

class Coverage {
public:
    Coverage();
    // Appends one feature from (ISO or extended) WKB: Polygon, MultiPolygon, Point,
    // MultiPoint (its first point), collections of those; Z/M dropped. False when the
    // type is not handled (nothing appended): the caller linearises it through OGR.
    bool add_wkb(const unsigned char* data, std::size_t size);
    // Appends one feature from a GeoPackage geometry blob (header + WKB).
    bool add_gpkg_blob(const unsigned char* data, std::size_t size);
    void add_empty();
    // Appends the polygons of a GEOS geometry (MakeValid output) as one feature.
    void add_geos(GEOSContextHandle_t context, const GEOSGeometry* geometry);
    // Appends the features of `other` after these (taken whole when this one is empty).
    void append(Coverage&& other);
    // Room for `features` more features of `points` points in all (one ring each, as a guess).
    void reserve(std::size_t features, std::size_t points);

    std::size_t size() const { return kinds_.size(); }
    FeatureKind kind(std::size_t f) const { return kinds_[f]; }
    const Box& box(std::size_t f) const { return boxes_[f]; }
    Box extent() const;

    std::uint32_t ring_begin(std::size_t f) const { return feature_ring_[f]; }
    std::uint32_t ring_end(std::size_t f) const { return feature_ring_[f + 1]; }
    std::uint32_t point_begin(std::uint32_t r) const { return ring_point_[r]; }
    std::uint32_t point_end(std::uint32_t r) const { return ring_point_[r + 1]; }
    bool ring_is_shell(std::uint32_t r) const { return ring_shell_[r] != 0; }
    const double* xy(std::uint32_t point) const { return &xy_[2 * static_cast<std::size_t>(point)]; }
    double* mutable_xy() { return xy_.data(); }
    std::size_t point_count() const { return xy_.size() / 2; }
    void recompute_boxes();

    // Planar area in square units of the coordinates (shells minus holes).
    double area(std::size_t f) const;
    // The feature as a GEOS Polygon/MultiPolygon/Point (caller owns it).
    GEOSGeometry* to_geos(GEOSContextHandle_t context, std::size_t f) const;
    // Replaces the geometries of some features (one rebuild of the arrays); `replacements`
    // sorted by feature.
    void replace(const std::vector<std::pair<std::size_t, const GEOSGeometry*>>& replacements,
                 GEOSContextHandle_t context);

private:
    void begin_feature(FeatureKind kind);
    void end_feature();
    bool parse(const unsigned char*& p, const unsigned char* end, int depth);

    std::vector<FeatureKind> kinds_;
    std::vector<Box> boxes_;
    std::vector<std::uint32_t> feature_ring_;  // size() + 1
    std::vector<std::uint32_t> ring_point_;    // rings + 1
    std::vector<std::uint8_t> ring_shell_;     // per ring: 1 starts a polygon (shell), 0 hole
    std::vector<double> xy_;
    bool point_taken_ = false;
};

// Features whose polygons may be invalid, found by a cheap exact test (rings open or
// too short, a ring touching or crossing itself or another ring of the feature, a hole
// outside its shell, zero area). GEOS decides about these only.
std::vector<std::uint32_t> suspect_features(const Coverage& coverage, int threads);

// Signed area of ring `r` (> 0 counter-clockwise), open or closed alike (its closing edge
// counts nothing measured from its first point). The one orientation every step uses: the
// adjacency's edge directions and the outlines' must agree for their twins to cancel.
double ring_signed_area(const Coverage& coverage, std::uint32_t r);

}  // namespace cleanheat

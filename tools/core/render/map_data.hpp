// The features a map style draws, read from a GeoPackage (SQLite blobs, no OGR feature
// objects), dissolved and joined as the style says, with their class and label.
#pragma once
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "geo/coverage.hpp"
#include "render/style.hpp"

namespace cleanheat {

struct MapLayer {
    const LayerSpec* spec = nullptr;
    Coverage coverage;
    std::vector<std::string> key;  // dissolve key (or the --atlas field) per feature
    std::vector<std::string> label, extra;
    std::vector<double> value;   // fill value (graduated) ; NaN none
    std::vector<double> symbol;  // proportional symbol value
    std::vector<int> cls;        // class index, -1: not drawn by the fill
    std::vector<std::string> class_labels;
    std::vector<Colour> class_colours;
    std::vector<long long> class_counts;
    // The atlas unit (county or township code) of each feature, when read with a unit field and
    // every feature lies in one unit; empty otherwise.
    std::vector<std::string> unit;
};

class MapSource {
public:
    explicit MapSource(const std::string& gpkg);
    ~MapSource();
    MapSource(const MapSource&) = delete;
    MapSource& operator=(const MapSource&) = delete;
    sqlite3* db() const { return db_; }
    const std::string& path() const { return path_; }
    bool has_table(const std::string& name) const;
    bool has_column(const std::string& table, const std::string& column) const;
    // WKT of the layer's CRS (empty when unknown).
    std::string srs_wkt(const std::string& table) const;
    // Runs a layer without a filter is read in side by side: 0 (the default) the cores, at most
    // 4, for a layer of 100,000 fids or more; n: n runs whatever its size.
    void set_read_threads(int threads) { read_threads_ = threads; }
    int read_threads() const { return read_threads_; }

private:
    std::string path_;
    sqlite3* db_ = nullptr;
    int read_threads_ = 0;
};

// Reads one style layer; `extra_where` (from --where) applies to layers of `extra_table`.
// `unit_field` (county_code, township_code): each feature's unit is kept in MapLayer::unit,
// for the legend counts and the fading of an atlas page.
MapLayer read_map_layer(const MapSource& source, const LayerSpec& spec, const std::string& extra_where,
                        const std::string& extra_table, const std::string& style_file,
                        const std::string& unit_field = {});

// Dissolves the features of `table` by `field` (GEOS union per value): the atlas pages.
MapLayer dissolve_units(const MapSource& source, const std::string& table, const std::string& field,
                        const std::string& name_field, const std::string& where);

// Upper class bounds for graduated values.
std::vector<double> class_breaks(std::vector<double> values, const std::string& method, int classes,
                                 const std::vector<double>& manual);

}  // namespace cleanheat

// cleanheat map: print-quality maps of the merged GeoPackage from a style file, one page
// (PDF, PNG, SVG by the output's extension) or an atlas with one page per county or township.
#pragma once
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "render/map_data.hpp"
#include "render/map_renderer.hpp"
#include "render/style.hpp"

namespace cleanheat {

struct MapOptions {
    std::string dataset;           // the merged GeoPackage
    std::string pg_schema;          // the schema when the dataset is PG:"..." (empty: cleanheat)
    std::filesystem::path style;   // styles/<kind>.json
    std::filesystem::path output;  // .pdf | .png | .svg
    double dpi = 0;                // 0: the style's
    std::string atlas;             // "" | county | township
    std::string where;             // SQL filter on the villages
    std::string unit;              // zoom to a county or township code
    std::string extent;            // "minx,miny,maxx,maxy" in the data's CRS
    std::string date;              // the date printed (empty: today)
    int threads = 0;               // PNG: bands drawn side by side (0: the cores, at most 4)
    bool overwrite = false;
};

struct MapResult {
    std::vector<std::filesystem::path> outputs;
    int pages = 0;
    long long features_drawn = 0, labels_placed = 0, labels_dropped = 0;
    double scale_denominator = 0, scale_bar_ground_m = 0, scale_bar_paper_mm = 0, scale_bar_true_ground_m = 0;
    double north_angle_deg = 0;
    double seconds_read = 0, seconds_render = 0;
};

MapResult make_map(const MapOptions& options, const Progress& progress);

// A style's layers read once, to be drawn on pages of other documents (the PDF report).
struct PreparedMap {
    Style style;
    std::vector<MapLayer> layers;
    std::string srs_wkt;
    Box extent;  // of all features
    MapLayer units;  // with a unit field: the villages dissolved by it (the pages' units)
};
// `page_size` (A4 ...), landscape and margin override the style's when given. `unit_field`
// (county_code, township_code): pages of one unit can be drawn (draw_map_page's `focus`).
std::unique_ptr<PreparedMap> prepare_map(const std::string& dataset, const std::filesystem::path& style,
                                         const std::string& page_size = {}, bool landscape = true,
                                         double margin_mm = -1, const std::string& unit_field = {});
// The map page of the style (title, legend, scale bar ...) drawn at the origin of `cr`, in
// points, showing `extent` (empty: everything). `date` as YYYY-MM-DD (empty: today). `focus`:
// the code of the unit the page is about (the legend counts its features, the rest fades);
// needs the map prepared with its unit field.
// `portrait`: the page drawn upright on a portrait sheet of the style's size.
PageResult draw_map_page(cairo_t* cr, const PreparedMap& map, Box extent, const std::string& date,
                         const std::vector<std::string>& figures = {}, const std::string& focus = {},
                         bool portrait = false);
// The extent of the villages whose `field` equals `value` (a county or township code).
Box unit_extent(const std::string& dataset, const std::string& field, const std::string& value);

}  // namespace cleanheat

// Draws one map page with Cairo and Pango: layers (generalised to the output resolution,
// one path per colour), labels placed without overlap, legend with counts, scale bar with a
// round ground length measured on the ellipsoid, north arrow to true north, title, source
// and date, the map-use line (审图号 or 内部资料 注意保存) and the neat line.
#pragma once
#include <cairo.h>

#include <string>
#include <vector>

#include "render/map_data.hpp"
#include "render/style.hpp"

namespace cleanheat {

struct PageRequest {
    const Style* style = nullptr;
    const std::vector<MapLayer>* layers = nullptr;
    Box extent;                             // map units to show (fitted into the frame)
    const MapLayer* focus_layer = nullptr;  // atlas: the units; the focus unit stays, the rest fades
    int focus = -1;
    // atlas: the code of the page's unit: the legend counts its features only (of the layers
    // whose features know their unit, MapLayer::unit), and the labels and symbols of the other
    // units fade with their areas
    std::string focus_key;
    std::vector<std::string> figures;  // lines under the map (atlas)
    std::string page_label;            // 第 N 页 共 M 页
    std::string srs_wkt;               // the layers' CRS
    std::string date_text;             // 制图日期 ...
    double resolution_dpi = 300;       // for generalisation (PNG: the raster's; PDF/SVG: the style's)
    bool vector_output = false;        // PDF/SVG: coordinates rounded to 1/4 pt
};

struct PageResult {
    long long features_drawn = 0, labels_placed = 0, labels_dropped = 0;
    double scale_denominator = 0;
    double scale_bar_ground_m = 0, scale_bar_paper_mm = 0, scale_bar_true_ground_m = 0;
    double north_angle_deg = 0;  // true north, clockwise from the page's up
    std::vector<Box> label_boxes, obstacle_boxes;
    Box frame;  // points
};

// Draws the page into `cr` (user units: points, origin top-left). Throws RenderError-like
// InputError when a text cannot be drawn with the fonts (names the text).
PageResult render_page(cairo_t* cr, const PageRequest& request);

// The largest extent of the features of the layers (map units).
Box layers_extent(const std::vector<MapLayer>& layers);

}  // namespace cleanheat

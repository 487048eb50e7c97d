// cleanheat map: print-quality maps of the merged GeoPackage from a style file, one page
// (PDF, PNG, SVG by the output's extension) or an atlas with one page per county or township.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

#include "progress.hpp"

namespace cleanheat {

struct MapOptions {
    std::string dataset;           // the merged GeoPackage
    std::filesystem::path style;   // styles/<kind>.json
    std::filesystem::path output;  // .pdf | .png | .svg
    double dpi = 0;                // 0: the style's
    std::string atlas;             // "" | county | township
    std::string where;             // SQL filter on the villages
    std::string unit;              // zoom to a county or township code
    std::string extent;            // "minx,miny,maxx,maxy" in the data's CRS
    std::string date;              // the date printed (empty: today)
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

}  // namespace cleanheat

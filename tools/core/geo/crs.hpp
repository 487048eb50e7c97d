// Coordinate systems as Chinese geodata really comes: CGCS2000 lon/lat, 3-degree
// Gauss-Kruger zones with or without the zone number in the easting, a missing or
// wrong .prj, northing/easting swapped, GCJ-02 web-map points.
#pragma once
#include <ogr_spatialref.h>

#include <memory>
#include <string>

namespace cleanheat {

struct Extent {
    double min_x = 0, min_y = 0, max_x = 0, max_y = 0;
    bool valid() const { return max_x >= min_x && max_y >= min_y; }
};

struct CrsChoice {
    std::unique_ptr<OGRSpatialReference> source;  // what the coordinates really are
    bool gcj02 = false;                           // coordinates are GCJ-02 lon/lat (converted by our code)
    bool swap_axes = false;                       // x holds the northing, y the easting
    bool assumed = false;                         // the declared CRS was missing or did not fit the numbers
    std::string description;                      // e.g. "EPSG:4527 (CGCS2000 / 3-degree Gauss-Kruger zone 39)"
    std::string note;                             // why, when assumed
};

// EPSG code of CGCS2000 3-degree Gauss-Kruger zone `zone` (25..45), with the zone number
// in the easting (EPSG:4513..4533) or without it (CM variants, EPSG:4534..4554).
int cgcs2000_gk3_epsg(int zone, bool zone_in_easting);

// Judges the CRS of a layer from its declaration and its coordinate magnitudes.
// `override_crs`: "" (judge), "gcj02", or anything OGRSpatialReference::SetFromUserInput
// takes. `central_meridian`: for Gauss-Kruger eastings without a zone number and no .prj.
// `layer`: what the messages call the layer ("villages", "stations"), its option --<layer>-crs.
CrsChoice choose_source_crs(const OGRSpatialReference* declared, const Extent& extent, const std::string& override_crs,
                            double central_meridian, const std::string& layer = "villages");

// The working CRS: the source when projected; else the 3-degree Gauss-Kruger zone
// (zone number in the easting) of the extent's centre. `requested` overrides.
std::unique_ptr<OGRSpatialReference> choose_working_crs(const CrsChoice& source, const Extent& extent,
                                                        const std::string& requested);

std::string describe_crs(const OGRSpatialReference& srs);
std::unique_ptr<OGRSpatialReference> srs_from_user_input(const std::string& text);

}  // namespace cleanheat

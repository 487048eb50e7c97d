#include "geo/crs.hpp"

#include <cmath>

#include "base/error.hpp"

namespace cleanheat {
namespace {

std::unique_ptr<OGRSpatialReference> epsg(int code) {
    auto srs = std::make_unique<OGRSpatialReference>();
    srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (srs->importFromEPSG(code) != OGRERR_NONE)
        throw InputError("EPSG:" + std::to_string(code) + " is not known to PROJ");
    return srs;
}

bool looks_geographic(const Extent& e) {
    return e.min_x >= -180 && e.max_x <= 180 && e.min_y >= -90 && e.max_y <= 90;
}
// Easting with the 3-degree zone number in front: 25,xxx,xxx .. 45,xxx,xxx.
int prefixed_zone(double x) {
    const int zone = static_cast<int>(std::floor(x / 1e6));
    return zone >= 25 && zone <= 45 ? zone : 0;
}
bool plain_easting(double x) {
    return x > 1e5 && x < 9e5;
}
bool northing(double y) {
    return y > 1e6 && y < 6.5e6;
}

}  // namespace

int cgcs2000_gk3_epsg(int zone, bool zone_in_easting) {
    return (zone_in_easting ? 4513 : 4534) + (zone - 25);
}

std::string describe_crs(const OGRSpatialReference& srs) {
    const char* name = srs.GetName();
    const char* authority = srs.GetAuthorityName(nullptr);
    const char* code = srs.GetAuthorityCode(nullptr);
    std::string s;
    if (authority && code) s = std::string(authority) + ":" + code;
    if (name) s += (s.empty() ? "" : " (") + std::string(name) + (s.empty() ? "" : ")");
    return s.empty() ? "unnamed CRS" : s;
}

std::unique_ptr<OGRSpatialReference> srs_from_user_input(const std::string& text) {
    auto srs = std::make_unique<OGRSpatialReference>();
    srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (srs->SetFromUserInput(text.c_str()) != OGRERR_NONE)
        throw UsageError("unknown coordinate system '" + text + "'", "use e.g. EPSG:4527, EPSG:4490 or gcj02");
    return srs;
}

CrsChoice choose_source_crs(const OGRSpatialReference* declared, const Extent& extent, const std::string& override_crs,
                            double central_meridian, const std::string& layer) {
    CrsChoice choice;
    if (override_crs == "gcj02" || override_crs == "GCJ02" || override_crs == "GCJ-02") {
        choice.source = epsg(4490);
        choice.gcj02 = true;
        choice.description = "GCJ-02 lon/lat (converted to CGCS2000 by cleanheat)";
        return choice;
    }
    if (!override_crs.empty()) {
        choice.source = srs_from_user_input(override_crs);
        choice.description = describe_crs(*choice.source);
        return choice;
    }
    const double cx = (extent.min_x + extent.max_x) / 2, cy = (extent.min_y + extent.max_y) / 2;
    auto judge = [&](const std::string& why) {
        choice.assumed = true;
        if (!extent.valid()) throw InputError("the " + layer + " have no coordinates to judge their CRS from");
        if (looks_geographic(extent)) {
            choice.source = epsg(4490);
        } else if (int zone = prefixed_zone(cx); zone && northing(cy)) {
            choice.source = epsg(cgcs2000_gk3_epsg(zone, true));
        } else if (int zone2 = prefixed_zone(cy); zone2 && northing(cx)) {
            choice.source = epsg(cgcs2000_gk3_epsg(zone2, true));
            choice.swap_axes = true;
        } else if (plain_easting(cx) && northing(cy)) {
            choice.source = epsg(cgcs2000_gk3_epsg(static_cast<int>(std::lround(central_meridian / 3)), false));
        } else if (plain_easting(cy) && northing(cx)) {
            choice.source = epsg(cgcs2000_gk3_epsg(static_cast<int>(std::lround(central_meridian / 3)), false));
            choice.swap_axes = true;
        } else {
            throw InputError("cannot tell the " + layer + "' coordinate system from their coordinates",
                             "name it with --" + layer + "-crs (e.g. EPSG:4527)");
        }
        choice.description = describe_crs(*choice.source) + (choice.swap_axes ? ", axes swapped" : "");
        choice.note = why + "; assumed " + choice.description + " from the coordinate values";
    };
    if (!declared || declared->IsEmpty()) {
        judge("no coordinate system declared");
        return choice;
    }
    choice.source.reset(declared->Clone());
    choice.source->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    choice.description = describe_crs(*choice.source);
    if (!extent.valid()) return choice;
    if (declared->IsGeographic() && !looks_geographic(extent)) {
        judge("declared " + choice.description + " but the coordinates are not degrees");
    } else if (declared->IsProjected() && looks_geographic(extent)) {
        judge("declared " + choice.description + " but the coordinates look like degrees");
    } else if (declared->IsProjected()) {
        const double false_easting = declared->GetProjParm(SRS_PP_FALSE_EASTING, 0.0);
        const bool declared_prefix = false_easting > 1e6;
        const bool data_prefix = prefixed_zone(cx) != 0;
        const bool data_swapped = !data_prefix && !plain_easting(cx) && (prefixed_zone(cy) || plain_easting(cy));
        if (data_swapped || (declared_prefix != data_prefix && (plain_easting(cx) || data_prefix))) {
            judge("declared " + choice.description + " but the eastings do not fit it");
        } else if (data_prefix && declared_prefix &&
                   std::lround((false_easting - 500000.0) / 1e6) != prefixed_zone(cx)) {
            judge("declared " + choice.description + " but the eastings carry another zone number");
        }
    }
    return choice;
}

std::unique_ptr<OGRSpatialReference> choose_working_crs(const CrsChoice& source, const Extent& extent,
                                                        const std::string& requested) {
    if (!requested.empty()) return srs_from_user_input(requested);
    if (source.source->IsProjected()) {
        auto srs = std::unique_ptr<OGRSpatialReference>(source.source->Clone());
        srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        return srs;
    }
    double lon = (extent.min_x + extent.max_x) / 2;
    if (source.swap_axes) lon = (extent.min_y + extent.max_y) / 2;
    int zone = static_cast<int>(std::lround(lon / 3.0));
    if (zone < 25) zone = 25;
    if (zone > 45) zone = 45;
    return epsg(cgcs2000_gk3_epsg(zone, true));
}

}  // namespace cleanheat

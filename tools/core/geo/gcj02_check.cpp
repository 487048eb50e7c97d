#include "geo/gcj02_check.hpp"

#include <ogrsf_frmts.h>

#include <algorithm>
#include <memory>
#include <unordered_map>

#include "base/error.hpp"
#include "geo/gcj02.hpp"
#include "io/gdal_context.hpp"
#include "io/geodata_reader.hpp"
#include "base/text.hpp"

namespace cleanheat {

bool Gcj02Check::suspicious() const {
    if (compared < 10) return false;
    return inside_other_way - inside_as_taken >= std::max(3, compared / 10);
}

namespace {

int code_field(OGRFeatureDefn* defn) {
    for (const char* name :
         {"village_code", "township_code", "county_code", "code", "xzqdm", "zldwdm", "村代码", "区划代码"})
        for (int i = 0; i < defn->GetFieldCount(); ++i) {
            std::string n = defn->GetFieldDefn(i)->GetNameRef();
            std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
            if (n == name) return i;
        }
    return -1;
}

std::unique_ptr<OGRSpatialReference> cgcs2000() {
    auto srs = std::make_unique<OGRSpatialReference>();
    srs->importFromEPSG(4490);
    srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    return srs;
}

}  // namespace

Gcj02Check check_gcj02(VillageSource& source, const CrsChoice& crs, const std::string& reference) {
    GdalErrorCapture capture;
    Gcj02Check result;
    const auto lonlat = cgcs2000();
    // reference polygons by code, in lon/lat
    std::unique_ptr<GDALDataset> ref(GDALDataset::Open(reference.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!ref || ref->GetLayerCount() == 0)
        throw InputError(reference + ": cannot open: " +
                         (capture.last_message().empty() ? "no vector layer" : capture.last_message()));
    OGRLayer* ref_layer = ref->GetLayer(0);
    const int ref_code = code_field(ref_layer->GetLayerDefn());
    if (ref_code < 0) throw InputError(reference + ": no code field (village_code, township_code, county_code, ...)");
    std::unique_ptr<OGRCoordinateTransformation> to_lonlat;
    if (const auto* srs = ref_layer->GetSpatialRef()) {
        OGRSpatialReference source(*srs);
        source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        if (!source.IsSame(lonlat.get())) to_lonlat.reset(OGRCreateCoordinateTransformation(&source, lonlat.get()));
    }
    std::unordered_map<std::string, std::unique_ptr<OGRGeometry>> polygons;
    for (auto& feature : *ref_layer) {
        std::unique_ptr<OGRGeometry> g(feature->StealGeometry());
        if (!g || wkbFlatten(g->getGeometryType()) == wkbPoint) continue;
        if (to_lonlat && g->transform(to_lonlat.get()) != OGRERR_NONE) continue;
        polygons[normalise_code(feature->GetFieldAsString(ref_code)).digits] = std::move(g);
    }
    // the points, in lon/lat as the merge takes them
    std::unique_ptr<OGRCoordinateTransformation> points_to_lonlat;
    if (!crs.source->IsGeographic())
        points_to_lonlat.reset(OGRCreateCoordinateTransformation(crs.source.get(), lonlat.get()));
    for (auto& feature : *source.layer) {
        const OGRGeometry* g = feature->GetGeometryRef();
        if (!g || wkbFlatten(g->getGeometryType()) != wkbPoint) continue;
        double x = g->toPoint()->getX(), y = g->toPoint()->getY();
        if (crs.swap_axes) std::swap(x, y);
        if (points_to_lonlat && !points_to_lonlat->Transform(1, &x, &y)) continue;
        const std::string code = normalise_code(feature->GetFieldAsString(source.fields.code)).digits;
        const OGRGeometry* polygon = nullptr;
        for (std::size_t length : {std::size_t{12}, std::size_t{9}, std::size_t{6}}) {
            if (code.size() < length) continue;
            const auto it = polygons.find(code.substr(0, length));
            if (it != polygons.end()) {
                polygon = it->second.get();
                break;
            }
        }
        if (!polygon) continue;
        double taken_x = x, taken_y = y, other_x, other_y;
        if (crs.gcj02) {
            gcj02_to_wgs84(x, y, taken_x, taken_y);  // what the merge does
            other_x = x;
            other_y = y;
        } else {
            gcj02_to_wgs84(x, y, other_x, other_y);
        }
        const OGRPoint taken(taken_x, taken_y), other(other_x, other_y);
        ++result.compared;
        result.inside_as_taken += polygon->Contains(&taken) ? 1 : 0;
        result.inside_other_way += polygon->Contains(&other) ? 1 : 0;
    }
    return result;
}

}  // namespace cleanheat

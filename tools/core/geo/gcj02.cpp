#include "geo/gcj02.hpp"

#include <cmath>

namespace cleanheat {
namespace {

constexpr double kA = 6378245.0;
constexpr double kEe = 0.00669342162296594323;
constexpr double kPi = 3.14159265358979324;

double transform_lat(double x, double y) {
    double r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * std::sqrt(std::fabs(x));
    r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(y * kPi) + 40.0 * std::sin(y / 3.0 * kPi)) * 2.0 / 3.0;
    r += (160.0 * std::sin(y / 12.0 * kPi) + 320 * std::sin(y * kPi / 30.0)) * 2.0 / 3.0;
    return r;
}

double transform_lon(double x, double y) {
    double r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * std::sqrt(std::fabs(x));
    r += (20.0 * std::sin(6.0 * x * kPi) + 20.0 * std::sin(2.0 * x * kPi)) * 2.0 / 3.0;
    r += (20.0 * std::sin(x * kPi) + 40.0 * std::sin(x / 3.0 * kPi)) * 2.0 / 3.0;
    r += (150.0 * std::sin(x / 12.0 * kPi) + 300.0 * std::sin(x / 30.0 * kPi)) * 2.0 / 3.0;
    return r;
}

}  // namespace

bool outside_china(double lon, double lat) {
    return lon < 72.004 || lon > 137.8347 || lat < 0.8293 || lat > 55.8271;
}

void wgs84_to_gcj02(double lon, double lat, double& out_lon, double& out_lat) {
    if (outside_china(lon, lat)) {
        out_lon = lon;
        out_lat = lat;
        return;
    }
    double dlat = transform_lat(lon - 105.0, lat - 35.0);
    double dlon = transform_lon(lon - 105.0, lat - 35.0);
    const double radlat = lat / 180.0 * kPi;
    double magic = std::sin(radlat);
    magic = 1 - kEe * magic * magic;
    const double sqrtmagic = std::sqrt(magic);
    dlat = (dlat * 180.0) / ((kA * (1 - kEe)) / (magic * sqrtmagic) * kPi);
    dlon = (dlon * 180.0) / (kA / sqrtmagic * std::cos(radlat) * kPi);
    out_lat = lat + dlat;
    out_lon = lon + dlon;
}

void gcj02_to_wgs84(double lon, double lat, double& out_lon, double& out_lat) {
    double x = lon, y = lat;
    for (int i = 0; i < 30; ++i) {
        double gx, gy;
        wgs84_to_gcj02(x, y, gx, gy);
        const double dx = gx - lon, dy = gy - lat;
        x -= dx;
        y -= dy;
        if (std::fabs(dx) < 1e-10 && std::fabs(dy) < 1e-10) break;
    }
    out_lon = x;
    out_lat = y;
}

}  // namespace cleanheat

// GCJ-02 ("Mars" coordinates of Chinese web maps), which PROJ does not know.
#pragma once

namespace cleanheat {

// WGS84 / CGCS2000 lon/lat to GCJ-02 (the public forward formula); outside China unchanged.
void wgs84_to_gcj02(double lon, double lat, double& out_lon, double& out_lat);
// GCJ-02 to WGS84 / CGCS2000 by fixed-point iteration of the forward formula (< 1 mm).
void gcj02_to_wgs84(double lon, double lat, double& out_lon, double& out_lat);
bool outside_china(double lon, double lat);

}  // namespace cleanheat

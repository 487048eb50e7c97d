// RAII for the GEOS C API: one context per thread, geometries that free themselves.
#pragma once
#include <geos_c.h>

#include <memory>
#include <string>

namespace cleanheat {

class GeosContext {
public:
    GeosContext();
    ~GeosContext();
    GeosContext(const GeosContext&) = delete;
    GeosContext& operator=(const GeosContext&) = delete;
    GEOSContextHandle_t get() const { return handle_; }
    operator GEOSContextHandle_t() const { return handle_; }
    // The last error GEOS reported in this context (empty when none).
    const std::string& last_error() const { return error_; }

private:
    static void on_error(const char* message, void* user);
    GEOSContextHandle_t handle_;
    std::string error_;
};

struct GeosGeometryDeleter {
    GEOSContextHandle_t context;
    void operator()(GEOSGeometry* g) const {
        if (g) GEOSGeom_destroy_r(context, g);
    }
};
using GeosGeometry = std::unique_ptr<GEOSGeometry, GeosGeometryDeleter>;

struct GeosPreparedDeleter {
    GEOSContextHandle_t context;
    void operator()(const GEOSPreparedGeometry* g) const {
        if (g) GEOSPreparedGeom_destroy_r(context, g);
    }
};
using GeosPrepared = std::unique_ptr<const GEOSPreparedGeometry, GeosPreparedDeleter>;

inline GeosGeometry geos_own(const GeosContext& context, GEOSGeometry* g) {
    return GeosGeometry(g, GeosGeometryDeleter{context.get()});
}
inline GeosPrepared geos_prepare(const GeosContext& context, const GEOSGeometry* g) {
    return GeosPrepared(GEOSPrepare_r(context.get(), g), GeosPreparedDeleter{context.get()});
}

}  // namespace cleanheat

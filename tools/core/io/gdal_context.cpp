#include "io/gdal_context.hpp"

#include <cpl_conv.h>

#include <cpl_error.h>
#include <gdal.h>
#include <ogr_api.h>
#include <sqlite3.h>

namespace cleanheat {

void ensure_gdal() {
    if (GDALGetDriverCount() == 0) {
        // SQLite's allocation statistics take a global lock on every allocation; nothing here
        // reads them. Possible only before SQLite starts, hence here, before GDAL uses it.
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        // GeoPackages GDAL opens wait for another cleanheat command writing to them, as ours do
        if (!CPLGetConfigOption("OGR_SQLITE_PRAGMA", nullptr)) CPLSetConfigOption("OGR_SQLITE_PRAGMA", "busy_timeout=60000");
        GDALAllRegister();
    }
}

GdalErrorCapture::GdalErrorCapture() {
    ensure_gdal();
    CPLPushErrorHandlerEx([](CPLErr error_class, CPLErrorNum number,
                             const char* message) { handler(static_cast<int>(error_class), number, message); },
                          this);
}

GdalErrorCapture::~GdalErrorCapture() {
    CPLPopErrorHandler();
}

void GdalErrorCapture::handler(int error_class, int, const char* message) {
    auto* self = static_cast<GdalErrorCapture*>(CPLGetErrorHandlerUserData());
    if (!self || !message) return;
    if (error_class == CE_Warning) {
        self->warnings_.emplace_back(message);
    } else if (error_class >= CE_Failure) {
        self->last_ = message;
    }
}

}  // namespace cleanheat

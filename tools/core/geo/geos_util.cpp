#include "geo/geos_util.hpp"

namespace cleanheat {

GeosContext::GeosContext() : handle_(GEOS_init_r()) {
    GEOSContext_setErrorMessageHandler_r(handle_, &GeosContext::on_error, this);
    GEOSContext_setNoticeMessageHandler_r(handle_, nullptr, nullptr);
}

GeosContext::~GeosContext() {
    GEOS_finish_r(handle_);
}

void GeosContext::on_error(const char* message, void* user) {
    static_cast<GeosContext*>(user)->error_ = message ? message : "";
}

}  // namespace cleanheat

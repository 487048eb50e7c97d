#include "base/progress.hpp"

#include <algorithm>

#include "base/error.hpp"

namespace cleanheat {

void Progress::update(double fraction, const std::string& message) const {
    if (!sink_) return;
    const double f = from_ + (to_ - from_) * std::clamp(fraction, 0.0, 1.0);
    // the end of the whole run is said, never cancelled: its outputs are already in place
    if (!sink_(f, message) && f < 1.0) throw Cancelled();
}

Progress Progress::slice(double from, double to) const {
    Progress p(sink_);
    p.from_ = from_ + (to_ - from_) * from;
    p.to_ = from_ + (to_ - from_) * to;
    return p;
}

int Progress::gdal_callback(double fraction, const char* message, void* user_data) {
    const auto* self = static_cast<const Progress*>(user_data);
    if (!self || !self->sink_) return 1;
    const double f = self->from_ + (self->to_ - self->from_) * std::clamp(fraction, 0.0, 1.0);
    return self->sink_(f, message ? message : "") ? 1 : 0;
}

}  // namespace cleanheat

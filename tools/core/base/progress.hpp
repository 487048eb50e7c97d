// Progress reporting from the core: a fraction 0..1 and a message; false cancels.
#pragma once
#include <functional>
#include <string>

namespace cleanheat {

class Progress {
public:
    using Sink = std::function<bool(double fraction, const std::string& message)>;

    Progress() = default;
    explicit Progress(Sink sink) : sink_(std::move(sink)) {}

    // Reports `fraction` of this slice; throws Cancelled when the sink asks to stop.
    void update(double fraction, const std::string& message = {}) const;
    // A sub-range [from, to] of this progress.
    Progress slice(double from, double to) const;

    // Adapter for GDAL's GDALProgressFunc: pass gdal_callback and this as the user data.
    static int gdal_callback(double fraction, const char* message, void* user_data);

private:
    Sink sink_;
    double from_ = 0.0;
    double to_ = 1.0;
};

}  // namespace cleanheat

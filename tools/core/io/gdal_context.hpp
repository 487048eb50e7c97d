// The one scoped handler that GDAL messages pass through: nothing reaches the user
// bare; the caller turns them into errors with our context or into findings.
#pragma once
#include <string>
#include <vector>

namespace cleanheat {

// Registers GDAL's drivers (idempotent).
void ensure_gdal();

class GdalErrorCapture {
public:
    GdalErrorCapture();
    ~GdalErrorCapture();
    GdalErrorCapture(const GdalErrorCapture&) = delete;
    GdalErrorCapture& operator=(const GdalErrorCapture&) = delete;

    const std::string& last_message() const { return last_; }
    const std::vector<std::string>& warnings() const { return warnings_; }

private:
    static void handler(int error_class, int error_number, const char* message);
    std::string last_;
    std::vector<std::string> warnings_;
};

}  // namespace cleanheat

#include "io/file_info.hpp"

#include <glib.h>

#include <ctime>
#include <fstream>
#include <vector>

namespace cleanheat {

std::string sha256_of(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return {};
    GChecksum* checksum = g_checksum_new(G_CHECKSUM_SHA256);
    std::vector<char> buffer(1 << 16);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        g_checksum_update(checksum, reinterpret_cast<const guchar*>(buffer.data()), in.gcount());
    }
    std::string hex = g_checksum_get_string(checksum);
    g_checksum_free(checksum);
    return hex;
}

namespace {
std::string local_time(const char* format) {
    const std::time_t t = std::time(nullptr);
    std::tm local{};
    localtime_r(&t, &local);
    char buffer[40];
    std::strftime(buffer, sizeof buffer, format, &local);
    return buffer;
}
}  // namespace

std::string now_iso() {
    return local_time("%Y-%m-%dT%H:%M:%S%z");
}
std::string today_iso() {
    return local_time("%Y-%m-%d");
}

}  // namespace cleanheat

#include "io/file_info.hpp"

#include <glib.h>

#include <cstdio>
#include <cstdlib>
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

std::string local_time_text(const std::string& iso) {
    int y, mo, d, h, mi, sec, off;
    char sign;
    int used = 0;
    if (std::sscanf(iso.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c%4d%n", &y, &mo, &d, &h, &mi, &sec, &sign, &off, &used) != 8 ||
        static_cast<std::size_t>(used) != iso.size() || (sign != '+' && sign != '-'))
        return iso;
    std::tm utc{};
    utc.tm_year = y - 1900;
    utc.tm_mon = mo - 1;
    utc.tm_mday = d;
    utc.tm_hour = h;
    utc.tm_min = mi;
    utc.tm_sec = sec;
    const long offset_s = (sign == '-' ? -1 : 1) * ((off / 100) * 3600L + (off % 100) * 60L);
    const std::time_t t = timegm(&utc) - offset_s;
    std::tm local{};
    localtime_r(&t, &local);
    char text[64];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    const long here = local.tm_gmtoff;
    if (here == 8 * 3600) return std::string(text) + " 北京时间";
    char zone[32];
    std::snprintf(zone, sizeof zone, " UTC%c%02ld:%02ld", here < 0 ? '-' : '+', std::labs(here) / 3600,
                  (std::labs(here) % 3600) / 60);
    return text + std::string(zone);
}

}  // namespace cleanheat

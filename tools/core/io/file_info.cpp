#include "io/file_info.hpp"

#include <glib.h>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <cstdlib>
#include <ctime>
#include <vector>

namespace cleanheat {

OpenFiles::~OpenFiles() {
    for (const int fd : fds_) ::close(fd);
}

void OpenFiles::keep(int fd) {
    const std::lock_guard<std::mutex> lock(mutex_);
    fds_.push_back(fd);
}

std::string sha256_of(const std::string& path, OpenFiles* keep_open) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};
    GChecksum* checksum = g_checksum_new(G_CHECKSUM_SHA256);
    std::vector<unsigned char> buffer(1 << 16);
    bool read_whole = true, first = true, sqlite = false;
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) read_whole = false;
        if (n <= 0) break;
        if (first) sqlite = n >= 16 && std::memcmp(buffer.data(), "SQLite format 3", 16) == 0;
        first = false;
        g_checksum_update(checksum, buffer.data(), n);
    }
    std::string hex = read_whole ? g_checksum_get_string(checksum) : "";
    g_checksum_free(checksum);
    if (keep_open && sqlite)  // (only SQLite files have locks to keep: a merge of many tables holds few)
        keep_open->keep(fd);
    else
        ::close(fd);
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

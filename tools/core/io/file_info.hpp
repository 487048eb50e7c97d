// What a run records about its inputs and itself: a file's SHA-256, the time.
#pragma once
#include <mutex>
#include <string>
#include <vector>

namespace cleanheat {

// Descriptors kept open until this is destroyed. Closing any descriptor of a file drops every
// POSIX lock the process holds on it, SQLite's among them: a file that a connection of this run
// has open (or will open) is read through a descriptor closed only after that connection.
class OpenFiles {
public:
    OpenFiles() = default;
    ~OpenFiles();
    OpenFiles(const OpenFiles&) = delete;
    OpenFiles& operator=(const OpenFiles&) = delete;
    void keep(int fd);

private:
    std::mutex mutex_;
    std::vector<int> fds_;
};

// Lower-case hex SHA-256 of a file's bytes; empty when it cannot be read. With `keep_open`, the
// descriptor of an SQLite file (GeoPackage) is closed only when that is destroyed.
std::string sha256_of(const std::string& path, OpenFiles* keep_open = nullptr);
// Local time as 2022-07-31T09:30:00+0800.
std::string now_iso();
// Today's local date as 2022-07-31.
std::string today_iso();
// A time written by now_iso() (on any machine, in any zone) as a reader here reads it: in this
// machine's zone (TZ), with the zone said: "2022-07-31 09:30:00 北京时间" or
// "2022-07-31 01:30:00 UTC+00:00". Text that is not such a time comes back as it is.
std::string local_time_text(const std::string& iso);

}  // namespace cleanheat

// What a run records about its inputs and itself: a file's SHA-256, the time.
#pragma once
#include <string>

namespace cleanheat {

// Lower-case hex SHA-256 of a file's bytes; empty when it cannot be read.
std::string sha256_of(const std::string& path);
// Local time as 2022-07-31T09:30:00+0800.
std::string now_iso();
// Today's local date as 2022-07-31.
std::string today_iso();

}  // namespace cleanheat

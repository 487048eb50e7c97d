// What the fuzz targets share: GDAL set up once, the bytes in a file of this process.
#pragma once
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

#include "io/gdal_context.hpp"

namespace cleanheat::fuzz {

// Writes the bytes to a file of this process named like `name` (its extension picks the
// reader) and returns the path; read_table takes real files only.
inline std::string input_file(const std::string& name, const uint8_t* data, size_t size) {
    ensure_gdal();
    const std::string path = "/tmp/cleanheat-fuzz-" + std::to_string(getpid()) + "-" + name;
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    return path;
}

inline void forget(const std::string& path) {
    std::remove(path.c_str());
}

}  // namespace cleanheat::fuzz

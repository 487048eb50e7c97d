// Reading WKB (either byte order) a value at a time, bounds-checked: for the parsers that walk
// geometries without building them (geo/coverage.cpp, io/gpkg_writer.cpp).
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>

namespace cleanheat {

struct WkbReader {
    const unsigned char* p;
    const unsigned char* end;
    bool little = true;
    bool u8(std::uint8_t& v) {
        if (p + 1 > end) return false;
        v = *p++;
        return true;
    }
    bool u32(std::uint32_t& v) {
        if (p + 4 > end) return false;
        unsigned char b[4];
        std::memcpy(b, p, 4);
        if (!little) std::reverse(b, b + 4);
        std::memcpy(&v, b, 4);
        p += 4;
        return true;
    }
    bool f64(double& v) {
        if (p + 8 > end) return false;
        unsigned char b[8];
        std::memcpy(b, p, 8);
        if (!little) std::reverse(b, b + 8);
        std::memcpy(&v, b, 8);
        p += 8;
        return true;
    }
};

}  // namespace cleanheat

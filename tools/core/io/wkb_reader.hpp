// Reading WKB (either byte order) a value at a time, bounds-checked: for the parsers that walk
// geometries without building them (geo/coverage.cpp, io/gpkg_writer.cpp), and the header of a
// GeoPackage geometry blob.
#pragma once
#include <algorithm>
#include <cstddef>
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
    bool u32(std::uint32_t& v) { return value(v); }
    bool f64(double& v) { return value(v); }
    // A 4- or 8-byte value in the reader's byte order.
    template <typename T>
    bool value(T& v) {
        if (p + sizeof(T) > end) return false;
        unsigned char b[sizeof(T)];
        std::memcpy(b, p, sizeof(T));
        if (!little) std::reverse(b, b + sizeof(T));
        std::memcpy(&v, b, sizeof(T));
        p += sizeof(T);
        return true;
    }
};

// The bytes before the WKB of a GeoPackage geometry blob (header and envelope); 0 when `size`
// bytes hold no such header (too short, not "GP", an envelope code GeoPackage does not define).
inline std::size_t gpkg_header_size(const unsigned char* blob, std::size_t size) {
    if (size < 8 || blob[0] != 'G' || blob[1] != 'P') return 0;
    static const std::size_t envelope[8] = {0, 32, 48, 48, 64, 0, 0, 0};
    const unsigned code = (blob[3] >> 1) & 7;
    if (code > 4) return 0;
    const std::size_t header = 8 + envelope[code];
    return header <= size ? header : 0;
}

}  // namespace cleanheat

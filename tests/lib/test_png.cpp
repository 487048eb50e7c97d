// The PNG writer: an image compressed in bands (side by side in the map command) is one valid
// zlib stream whose bytes, unfiltered, are the image's pixels; chunks with correct CRCs, the
// resolution recorded.
#include <cairo.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "render/png_writer.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

std::uint32_t u32(const std::string& s, std::size_t at) {
    return (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at])) << 24) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 1])) << 16) |
           (static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 2])) << 8) |
           static_cast<std::uint32_t>(static_cast<unsigned char>(s[at + 3]));
}

struct Decoded {
    int w = 0, h = 0;
    std::uint32_t ppm = 0;
    std::vector<unsigned char> rgb;
    std::string error;
};

// A PNG read by hand: every chunk's CRC checked, the IDAT stream inflated by zlib (which checks
// its Adler-32), the Sub filter undone.
Decoded decode(const test::fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    const std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    Decoded d;
    if (s.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return d.error = "no signature", d;
    std::string idat;
    bool ended = false;
    for (std::size_t at = 8; at + 12 <= s.size(); ) {
        const std::uint32_t size = u32(s, at);
        const std::string type = s.substr(at + 4, 4);
        if (at + 12 + size > s.size()) return d.error = "chunk past the end", d;
        const auto crc = crc32(0, reinterpret_cast<const Bytef*>(s.data() + at + 4), size + 4);
        if (crc != u32(s, at + 8 + size)) return d.error = "bad CRC in " + type, d;
        const std::string body = s.substr(at + 8, size);
        if (type == "IHDR") {
            d.w = static_cast<int>(u32(body, 0));
            d.h = static_cast<int>(u32(body, 4));
            if (body.substr(8) != std::string("\x08\x02\x00\x00\x00", 5)) return d.error = "not 8-bit RGB", d;
        } else if (type == "pHYs") {
            d.ppm = u32(body, 0);
        } else if (type == "IDAT") {
            idat += body;
        } else if (type == "IEND") {
            ended = true;
        }
        at += 12 + size;
    }
    if (!ended) return d.error = "no IEND", d;
    const std::size_t row = 1 + 3 * static_cast<std::size_t>(d.w);
    std::vector<unsigned char> raw(row * static_cast<std::size_t>(d.h) + 1);
    uLongf got = static_cast<uLongf>(raw.size());
    const int rc = uncompress(raw.data(), &got, reinterpret_cast<const Bytef*>(idat.data()), static_cast<uLong>(idat.size()));
    if (rc != Z_OK) return d.error = "zlib: " + std::to_string(rc), d;
    if (got != row * static_cast<std::size_t>(d.h)) return d.error = "wrong size " + std::to_string(got), d;
    for (int y = 0; y < d.h; ++y) {
        const unsigned char* r = raw.data() + row * static_cast<std::size_t>(y);
        if (r[0] != 1) return d.error = "filter " + std::to_string(r[0]), d;
        for (std::size_t i = 1; i < row; ++i)
            d.rgb.push_back(static_cast<unsigned char>(r[i] + (i > 3 ? d.rgb[d.rgb.size() - 3] : 0)));
    }
    return d;
}

TEST(PngWriter, BandsCompressedApartMakeOneStreamOfThePixels) {
    const int w = 203, h = 157;
    cairo_surface_t* image = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    unsigned char* data = cairo_image_surface_get_data(image);
    const int stride = cairo_image_surface_get_stride(image);
    std::vector<unsigned char> expected;
    std::uint32_t seed = 12345;
    for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) {
            seed = seed * 1103515245u + 12345u;  // areas of colour with noise, as a map has
            const auto r = static_cast<unsigned char>((x / 20) * 40 + (seed >> 28)), g = static_cast<unsigned char>(y * 3),
                       b = static_cast<unsigned char>((x * y) >> 5);
            *reinterpret_cast<std::uint32_t*>(data + y * stride + 4 * x) = 0xff000000u | (r << 16) | (g << 8) | b;
            expected.insert(expected.end(), {r, g, b});
        }
    cairo_surface_mark_dirty(image);
    const auto dir = test::temp_dir();
    for (int bands : {1, 2, 5}) {
        std::vector<PngBand> parts;
        for (int b = 0; b < bands; ++b) parts.push_back(encode_png_band(image, h * b / bands, h * (b + 1) / bands, b + 1 == bands));
        const auto file = dir / ("bands-" + std::to_string(bands) + ".png");
        write_png_bands(file, file, w, h, 300, parts);
        const Decoded d = decode(file);
        ASSERT_EQ(d.error, "") << bands << " bands";
        EXPECT_EQ(d.w, w);
        EXPECT_EQ(d.h, h);
        EXPECT_EQ(d.ppm, static_cast<std::uint32_t>(std::lround(300 / 0.0254)));  // 11,811 per metre
        EXPECT_TRUE(d.rgb == expected) << bands << " bands: the pixels differ";
        cairo_surface_t* back = cairo_image_surface_create_from_png(file.c_str());  // libpng reads it too
        EXPECT_EQ(cairo_surface_status(back), CAIRO_STATUS_SUCCESS);
        EXPECT_EQ(cairo_image_surface_get_width(back), w);
        cairo_surface_destroy(back);
    }
    cairo_surface_destroy(image);
}

}  // namespace
}  // namespace cleanheat

#include "render/png_writer.hpp"

#include <zlib.h>

#include <cmath>
#include <cstdio>
#include <memory>

#include "base/error.hpp"

namespace cleanheat {
namespace {

void put_u32(std::string& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// One chunk: length, type, data, CRC of type and data.
void put_chunk(std::FILE* f, const char* type, const char* data, std::size_t size, bool& ok) {
    std::string head;
    put_u32(head, static_cast<std::uint32_t>(size));
    head.append(type, 4);
    std::uint32_t crc = static_cast<std::uint32_t>(crc32(0, reinterpret_cast<const Bytef*>(type), 4));
    if (size > 0) crc = static_cast<std::uint32_t>(crc32(crc, reinterpret_cast<const Bytef*>(data), static_cast<uInt>(size)));
    std::string tail;
    put_u32(tail, crc);
    ok = ok && std::fwrite(head.data(), 1, head.size(), f) == head.size() &&
         (size == 0 || std::fwrite(data, 1, size, f) == size) && std::fwrite(tail.data(), 1, tail.size(), f) == tail.size();
}

}  // namespace

PngBand encode_png_band(cairo_surface_t* surface, int y0, int y1, bool last) {
    const int w = cairo_image_surface_get_width(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    const unsigned char* data = cairo_image_surface_get_data(surface);
    PngBand band;
    z_stream z{};
    // raw deflate (no zlib header: write_png_bands writes one for the joined stream), level 1
    if (deflateInit2(&z, 1, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        throw OutputError("cannot start the PNG encoder");
    std::vector<unsigned char> row(static_cast<std::size_t>(w) * 3 + 1);
    std::vector<unsigned char> chunk(1 << 18);
    auto pump = [&](int flush) {
        do {
            z.next_out = chunk.data();
            z.avail_out = static_cast<uInt>(chunk.size());
            const int rc = deflate(&z, flush);
            if (rc == Z_STREAM_ERROR) {
                deflateEnd(&z);
                throw OutputError("PNG encoder failed");
            }
            band.deflated.append(reinterpret_cast<const char*>(chunk.data()), chunk.size() - z.avail_out);
        } while (z.avail_out == 0);
    };
    for (int y = y0; y < y1; ++y) {
        const auto* src = reinterpret_cast<const std::uint32_t*>(data + static_cast<std::ptrdiff_t>(y) * stride);
        row[0] = 1;  // filter type Sub: each byte minus the same channel of the pixel before
        unsigned char pr = 0, pg = 0, pb = 0;
        for (int x = 0; x < w; ++x) {
            const std::uint32_t p = src[x];  // native-endian 0xAARRGGBB
            const auto r = static_cast<unsigned char>(p >> 16), g = static_cast<unsigned char>(p >> 8),
                       b = static_cast<unsigned char>(p);
            unsigned char* out = &row[1 + 3 * static_cast<std::size_t>(x)];
            out[0] = static_cast<unsigned char>(r - pr);
            out[1] = static_cast<unsigned char>(g - pg);
            out[2] = static_cast<unsigned char>(b - pb);
            pr = r;
            pg = g;
            pb = b;
        }
        band.adler = static_cast<std::uint32_t>(adler32(band.adler, row.data(), static_cast<uInt>(row.size())));
        band.filtered_bytes += row.size();
        z.next_in = row.data();
        z.avail_in = static_cast<uInt>(row.size());
        pump(Z_NO_FLUSH);
    }
    // a band that does not end the image ends on a byte boundary (an empty stored block), so that
    // the next band's blocks follow it
    pump(last ? Z_FINISH : Z_SYNC_FLUSH);
    deflateEnd(&z);
    return band;
}

void write_png_bands(const std::filesystem::path& path, const std::filesystem::path& shown_as, int w, int h,
                     double dpi, const std::vector<PngBand>& bands) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "wb"), std::fclose);
    if (!file) throw OutputError(shown_as.string() + ": cannot write");
    bool ok = std::fwrite("\x89PNG\r\n\x1a\n", 1, 8, file.get()) == 8;
    std::string ihdr;
    put_u32(ihdr, static_cast<std::uint32_t>(w));
    put_u32(ihdr, static_cast<std::uint32_t>(h));
    ihdr += std::string("\x08\x02\x00\x00\x00", 5);  // 8 bits, RGB, deflate, adaptive filters, no interlace
    put_chunk(file.get(), "IHDR", ihdr.data(), ihdr.size(), ok);
    std::string phys;
    const auto ppm = static_cast<std::uint32_t>(std::lround(dpi / 0.0254));
    put_u32(phys, ppm);
    put_u32(phys, ppm);
    phys.push_back('\x01');  // per metre
    put_chunk(file.get(), "pHYs", phys.data(), phys.size(), ok);
    // the zlib stream: header (deflate, 32K window, fastest), the bands, the Adler-32 of all
    put_chunk(file.get(), "IDAT", "\x78\x01", 2, ok);
    std::uint32_t adler = 1;
    for (const PngBand& band : bands) {
        adler = static_cast<std::uint32_t>(adler32_combine(adler, band.adler, static_cast<z_off_t>(band.filtered_bytes)));
        constexpr std::size_t kChunk = 1u << 30;
        for (std::size_t at = 0; at < band.deflated.size(); at += kChunk)
            put_chunk(file.get(), "IDAT", band.deflated.data() + at, std::min(kChunk, band.deflated.size() - at), ok);
    }
    std::string trailer;
    put_u32(trailer, adler);
    put_chunk(file.get(), "IDAT", trailer.data(), trailer.size(), ok);
    put_chunk(file.get(), "IEND", nullptr, 0, ok);
    if (!ok || std::fflush(file.get()) != 0) throw OutputError(shown_as.string() + ": cannot write");
}

void write_png(cairo_surface_t* surface, const std::filesystem::path& path, double dpi) {
    cairo_surface_flush(surface);
    const int w = cairo_image_surface_get_width(surface), h = cairo_image_surface_get_height(surface);
    std::vector<PngBand> bands;
    bands.push_back(encode_png_band(surface, 0, h, true));
    write_png_bands(path, path, w, h, dpi, bands);
}

}  // namespace cleanheat

// PNG output of a rendered page: fast compression (the encoder, not the drawing, is what
// costs time on an A3 page at 300 dpi), done in bands side by side, and the resolution
// recorded for printing.
#pragma once
#include <cairo.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace cleanheat {

// The compressed rows of one horizontal band of an image: a raw deflate stream ending on a byte
// boundary (the last band's ends the whole stream), and the Adler-32 of its filtered bytes. Bands
// compressed on separate threads and joined in order make one zlib stream (as pigz does).
struct PngBand {
    std::string deflated;
    std::uint32_t adler = 1;
    std::size_t filtered_bytes = 0;
};

// Compresses rows [y0, y1) of an RGB24/ARGB32 image surface as 8-bit RGB with the Sub filter;
// `last`: the band that ends the image. Throws OutputError.
PngBand encode_png_band(cairo_surface_t* surface, int y0, int y1, bool last);
// Writes the PNG of a w x h image from its bands, in order, with pHYs = dpi; throws OutputError
// naming `shown_as`.
void write_png_bands(const std::filesystem::path& path, const std::filesystem::path& shown_as, int w, int h,
                     double dpi, const std::vector<PngBand>& bands);
// Writes an RGB24/ARGB32 image surface as an 8-bit RGB PNG with pHYs = dpi; throws OutputError.
void write_png(cairo_surface_t* surface, const std::filesystem::path& path, double dpi);

}  // namespace cleanheat

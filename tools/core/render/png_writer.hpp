// PNG output of a rendered page: fast compression (the encoder, not the drawing, is what
// costs time on an A3 page at 300 dpi) and the resolution recorded for printing.
#pragma once
#include <cairo.h>

#include <filesystem>

namespace cleanheat {

// Writes an RGB24/ARGB32 image surface as an 8-bit RGB PNG with pHYs = dpi; throws OutputError.
void write_png(cairo_surface_t* surface, const std::filesystem::path& path, double dpi);

}  // namespace cleanheat

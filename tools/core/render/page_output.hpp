// Pages drawn with Cairo into a PDF or SVG file, or one page into a PNG: the surface set
// up, the drawing function called per page, errors turned into OutputError naming the file.
#pragma once
#include <cairo.h>

#include <filesystem>
#include <functional>
#include <string>

namespace cleanheat {

// `draw(cr, page)` paints page `page` (0-based) in points on a w_pt x h_pt page.
// `turned(page)` (PDF): whether that page is turned (h_pt x w_pt: a portrait page among
// landscape ones).
void write_vector_pages(const std::filesystem::path& file, const std::filesystem::path& shown_as, bool pdf, double w_pt,
                        double h_pt, std::size_t pages, const std::string& title, const std::string& creator,
                        const std::function<void(cairo_t*, std::size_t)>& draw,
                        const std::function<bool(std::size_t)>& turned = {});
// One page of w_px x h_px at `dpi`; `draw(cr)` paints in points (the context is scaled).
void write_png_page(const std::filesystem::path& file, const std::filesystem::path& shown_as, int w_px, int h_px,
                    double dpi, const std::function<void(cairo_t*)>& draw);
// The same in `bands` horizontal bands drawn and compressed side by side on threads:
// `draw(cr, band)` paints the whole page (clipped to its band; band 0 on the calling thread) and
// must be safe to run on several threads at once. The pixels are those of one drawing.
void write_png_page(const std::filesystem::path& file, const std::filesystem::path& shown_as, int w_px, int h_px,
                    double dpi, int bands, const std::function<void(cairo_t*, int)>& draw);

}  // namespace cleanheat

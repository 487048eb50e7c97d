#include "render/page_output.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include "base/error.hpp"
#include "render/png_writer.hpp"

namespace cleanheat {
namespace {

void check(cairo_surface_t* s, const std::filesystem::path& shown_as) {
    if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
        const std::string message = cairo_status_to_string(cairo_surface_status(s));
        cairo_surface_destroy(s);
        throw OutputError(shown_as.string() + ": " + message);
    }
}

}  // namespace

void write_vector_pages(const std::filesystem::path& file, const std::filesystem::path& shown_as, bool pdf, double w_pt,
                        double h_pt, std::size_t pages, const std::string& title, const std::string& creator,
                        const std::function<void(cairo_t*, std::size_t)>& draw,
                        const std::function<bool(std::size_t)>& turned) {
    cairo_surface_t* surface =
        pdf ? cairo_pdf_surface_create(file.c_str(), w_pt, h_pt) : cairo_svg_surface_create(file.c_str(), w_pt, h_pt);
    check(surface, shown_as);
    if (pdf) {
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
        cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, creator.c_str());
    }
    cairo_t* cr = cairo_create(surface);
    try {
        for (std::size_t i = 0; i < pages; ++i) {
            if (pdf && turned) {
                const bool turn = turned(i);
                cairo_pdf_surface_set_size(surface, turn ? h_pt : w_pt, turn ? w_pt : h_pt);
            }
            draw(cr, i);
            cairo_show_page(cr);
        }
    } catch (...) {
        cairo_destroy(cr);
        cairo_surface_destroy(surface);
        throw;
    }
    cairo_destroy(cr);
    cairo_surface_finish(surface);
    const cairo_status_t status = cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS) throw OutputError(shown_as.string() + ": " + cairo_status_to_string(status));
}

void write_png_page(const std::filesystem::path& file, const std::filesystem::path& shown_as, int w_px, int h_px,
                    double dpi, const std::function<void(cairo_t*)>& draw) {
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w_px, h_px);
    check(surface, shown_as);
    cairo_t* cr = cairo_create(surface);
    cairo_scale(cr, dpi / 72.0, dpi / 72.0);
    try {
        draw(cr);
    } catch (...) {
        cairo_destroy(cr);
        cairo_surface_destroy(surface);
        throw;
    }
    cairo_destroy(cr);
    try {
        write_png(surface, file, dpi);
    } catch (...) {
        cairo_surface_destroy(surface);
        throw;
    }
    cairo_surface_destroy(surface);
}

}  // namespace cleanheat

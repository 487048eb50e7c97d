#include "render/page_output.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <thread>
#include <vector>

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
    write_png_page(file, shown_as, w_px, h_px, dpi, 1, [&](cairo_t* cr, int) { draw(cr); });
}

void write_png_page(const std::filesystem::path& file, const std::filesystem::path& shown_as, int w_px, int h_px,
                    double dpi, int bands, const std::function<void(cairo_t*, int)>& draw) {
    cairo_surface_t* surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w_px, h_px);
    check(surface, shown_as);
    std::unique_ptr<cairo_surface_t, void (*)(cairo_surface_t*)> page(surface, cairo_surface_destroy);
    bands = std::clamp(bands, 1, std::max(1, h_px));
    unsigned char* data = cairo_image_surface_get_data(surface);
    const int stride = cairo_image_surface_get_stride(surface);
    std::vector<PngBand> encoded(static_cast<std::size_t>(bands));
    std::vector<std::exception_ptr> failed(static_cast<std::size_t>(bands));
    // Band b: rows [y0, y1) of the page, drawn through its own surface on the page's pixels (the
    // context moved up by y0 device pixels, so that the drawing is the page's, clipped), then
    // compressed; the bands side by side on threads, the first on this one.
    auto band = [&](int b) {
        try {
            const int y0 = static_cast<int>(static_cast<long long>(h_px) * b / bands);
            const int y1 = static_cast<int>(static_cast<long long>(h_px) * (b + 1) / bands);
            cairo_surface_t* part = cairo_image_surface_create_for_data(
                data + static_cast<std::ptrdiff_t>(y0) * stride, CAIRO_FORMAT_RGB24, w_px, y1 - y0, stride);
            check(part, shown_as);
            cairo_t* cr = cairo_create(part);
            cairo_translate(cr, 0, -y0);
            cairo_scale(cr, dpi / 72.0, dpi / 72.0);
            try {
                draw(cr, b);
            } catch (...) {
                cairo_destroy(cr);
                cairo_surface_destroy(part);
                throw;
            }
            const cairo_status_t status = cairo_status(cr);
            cairo_destroy(cr);
            cairo_surface_flush(part);
            cairo_surface_destroy(part);
            if (status != CAIRO_STATUS_SUCCESS) throw OutputError(shown_as.string() + ": " + cairo_status_to_string(status));
            encoded[static_cast<std::size_t>(b)] = encode_png_band(surface, y0, y1, b + 1 == bands);
        } catch (...) {
            failed[static_cast<std::size_t>(b)] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    for (int b = 1; b < bands; ++b) threads.emplace_back(band, b);
    band(0);
    for (auto& t : threads) t.join();
    for (const auto& e : failed)
        if (e) std::rethrow_exception(e);
    write_png_bands(file, shown_as, w_px, h_px, dpi, encoded);
}

}  // namespace cleanheat

#include "report/pdf_document.hpp"

#include <pango/pangocairo.h>

#include <algorithm>
#include <cmath>

#include "render/page_output.hpp"

namespace cleanheat {
namespace {

constexpr double kMm = 72.0 / 25.4;

void line(cairo_t* cr, double x0, double y0, double x1, double y1, double width) {
    cairo_set_line_width(cr, width);
    cairo_move_to(cr, x0, y0);
    cairo_line_to(cr, x1, y1);
    cairo_stroke(cr);
}

}  // namespace

PdfDocument::PdfDocument(std::string family, double w_mm, double h_mm, double margin_mm)
    : family_(std::move(family)), w_(w_mm * kMm), h_(h_mm * kMm), margin_(margin_mm * kMm) {}

PdfDocument::~PdfDocument() {
    if (cr_) cairo_destroy(cr_);
    for (auto& p : pages_) cairo_surface_destroy(p.surface);
}

double PdfDocument::draw_text(cairo_t* cr, const std::string& text, double x, double y, double width, double size_pt,
                              bool bold, int align, bool measure_only) const {
    PangoLayout* layout = pango_cairo_create_layout(cr);
    PangoFontDescription* font = pango_font_description_from_string(family_.c_str());
    pango_font_description_set_absolute_size(font, size_pt * PANGO_SCALE);
    pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
    pango_layout_set_font_description(layout, font);
    pango_font_description_free(font);
    pango_layout_set_width(layout, static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR);
    pango_layout_set_alignment(layout, align == 1   ? PANGO_ALIGN_CENTER
                                       : align == 2 ? PANGO_ALIGN_RIGHT
                                                    : PANGO_ALIGN_LEFT);
    pango_layout_set_text(layout, text.c_str(), -1);
    int w = 0, h = 0;
    pango_layout_get_size(layout, &w, &h);
    if (!measure_only) {
        cairo_move_to(cr, x, y);
        pango_cairo_show_layout(cr, layout);
    }
    g_object_unref(layout);
    return static_cast<double>(h) / PANGO_SCALE;
}

PdfDocument::Page& PdfDocument::add_page(bool header, bool footer, bool reserved) {
    if (cr_) {  // the flow page before is done
        cairo_destroy(cr_);
        cr_ = nullptr;
    }
    Page p;
    const cairo_rectangle_t extents{0, 0, w_, h_};
    p.surface = cairo_recording_surface_create(CAIRO_CONTENT_COLOR_ALPHA, &extents);
    p.header = header;
    p.footer = footer;
    p.reserved = reserved;
    pages_.push_back(p);
    return pages_.back();
}

void PdfDocument::new_page() {
    cr_ = cairo_create(add_page(true, true, false).surface);
    cairo_set_source_rgb(cr_, 0.1, 0.1, 0.1);
    y_ = margin_;
}

void PdfDocument::ensure_page() {
    if (!cr_) new_page();
}

cairo_t* PdfDocument::page_cr() {
    ensure_page();
    return cr_;
}

void PdfDocument::full_page(const std::function<void(cairo_t*, double, double)>& draw, bool with_footer) {
    cairo_t* cr = cairo_create(add_page(false, with_footer, false).surface);
    draw(cr, w_, h_);
    cairo_destroy(cr);
}

int PdfDocument::reserve_page() {
    add_page(true, true, true);
    return static_cast<int>(pages_.size());
}

void PdfDocument::space(double pt) {
    ensure_page();
    y_ += pt;
}

void PdfDocument::heading(const std::string& text, int level) {
    const double size = level == 1 ? 16 : 13;
    cairo_t* cr = page_cr();
    const double h = draw_text(cr, text, margin_, y_, text_width(), size, true, 0, true);
    // a heading never ends a page: keep room for a few lines after it
    if (level == 1 && y_ > margin_ + 1) {
        new_page();
        cr = cr_;
    } else if (!fits(h + 60)) {
        new_page();
        cr = cr_;
    }
    y_ += level == 1 ? 4 : 8;
    draw_text(cr, text, margin_, y_, text_width(), size, true, level == 1 ? 1 : 0);
    y_ += h + (level == 1 ? 14 : 6);
    contents_.push_back({level, text, pages()});
}

void PdfDocument::paragraph(const std::string& text, double size_pt, bool bold, double space_after_pt) {
    cairo_t* cr = page_cr();
    const double h = draw_text(cr, text, margin_, y_, text_width(), size_pt, bold, 0, true);
    if (!fits(h)) {
        new_page();
        cr = cr_;
    }
    draw_text(cr, text, margin_, y_, text_width(), size_pt, bold, 0);
    y_ += h + space_after_pt;
}

void PdfDocument::box(double height, const std::function<void(cairo_t*, double, double, double, double)>& draw) {
    ensure_page();
    if (!fits(height)) new_page();
    cairo_save(cr_);
    draw(cr_, margin_, y_, text_width(), height);
    cairo_restore(cr_);
    y_ += height;
}

void PdfDocument::table(const PdfTable& t) {
    const double size = 8.5, pad = 3;
    double total_weight = 0;
    for (const auto& c : t.columns) total_weight += c.weight;
    std::vector<double> x(t.columns.size() + 1, margin_);
    for (std::size_t c = 0; c < t.columns.size(); ++c)
        x[c + 1] = x[c] + text_width() * t.columns[c].weight / total_weight;
    const bool groups =
        std::any_of(t.columns.begin(), t.columns.end(), [](const PdfColumn& c) { return !c.group.empty(); });
    cairo_t* cr = page_cr();
    auto cell_height = [&](const std::string& text, std::size_t c0, std::size_t c1, bool bold) {
        return draw_text(cr, text, 0, 0, x[c1] - x[c0] - 2 * pad, size, bold, 0, true) + 2 * pad;
    };
    // header heights
    double lower = 0, upper = 0;
    for (std::size_t c = 0; c < t.columns.size(); ++c)
        lower = std::max(lower, cell_height(t.columns[c].header, c, c + 1, true));
    if (groups) upper = cell_height("组", 0, 1, true);
    const double header_height = lower + upper;
    auto draw_header = [&] {
        cairo_set_source_rgb(cr, 0.93, 0.93, 0.93);
        cairo_rectangle(cr, x.front(), y_, x.back() - x.front(), header_height);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        for (std::size_t c = 0; c < t.columns.size();) {
            std::size_t end = c + 1;
            const auto& col = t.columns[c];
            if (!col.group.empty())
                while (end < t.columns.size() && t.columns[end].group == col.group) ++end;
            if (!col.group.empty() && groups) {
                draw_text(cr, col.group, x[c] + pad, y_ + pad, x[end] - x[c] - 2 * pad, size, true, 1);
                line(cr, x[c], y_ + upper, x[end], y_ + upper, 0.4);
                for (std::size_t k = c; k < end; ++k)
                    draw_text(cr, t.columns[k].header, x[k] + pad, y_ + upper + pad, x[k + 1] - x[k] - 2 * pad, size,
                              true, 1);
            } else {
                const double hh = draw_text(cr, col.header, 0, 0, x[c + 1] - x[c] - 2 * pad, size, true, 1, true);
                draw_text(cr, col.header, x[c] + pad, y_ + (header_height - hh) / 2, x[c + 1] - x[c] - 2 * pad, size,
                          true, 1);
            }
            c = end;
        }
        cairo_rectangle(cr, x.front(), y_, x.back() - x.front(), header_height);
        cairo_set_line_width(cr, 0.6);
        cairo_stroke(cr);
        for (std::size_t c = 1; c < t.columns.size(); ++c) {
            const bool inside_group = !t.columns[c].group.empty() && t.columns[c].group == t.columns[c - 1].group;
            line(cr, x[c], y_ + (inside_group ? upper : 0), x[c], y_ + header_height, 0.4);
        }
        y_ += header_height;
    };
    // title and unit
    double title_h = t.title.empty() ? 0 : draw_text(cr, t.title, 0, 0, text_width(), 11, true, 1, true) + 4;
    double unit_h = t.unit.empty() ? 0 : draw_text(cr, t.unit, 0, 0, text_width(), 8.5, false, 2, true) + 2;
    const double first_row = t.rows.empty() ? 0 : cell_height(t.rows[0].empty() ? "" : t.rows[0][0], 0, 1, false);
    if (!fits(title_h + unit_h + header_height + first_row)) {
        new_page();
        cr = cr_;
    }
    if (!t.title.empty()) y_ += draw_text(cr, t.title, margin_, y_, text_width(), 11, true, 1) + 4;
    if (!t.unit.empty()) y_ += draw_text(cr, t.unit, margin_, y_, text_width(), 8.5, false, 2) + 2;
    draw_header();
    for (std::size_t r = 0; r < t.rows.size(); ++r) {
        const auto& row = t.rows[r];
        const bool bold = t.last_row_total && r + 1 == t.rows.size();
        double h = 0;
        for (std::size_t c = 0; c < t.columns.size() && c < row.size(); ++c)
            h = std::max(h, cell_height(row[c], c, c + 1, bold));
        h = std::max(h, size + 2 * pad);
        if (!fits(h)) {  // the row goes whole to the next page, under the title (续) and the header again
            new_page();
            cr = cr_;
            if (!t.title.empty()) y_ += draw_text(cr, t.title + "（续）", margin_, y_, text_width(), 11, true, 1) + 4;
            draw_header();
        }
        for (std::size_t c = 0; c < t.columns.size() && c < row.size(); ++c) {
            const double ch = draw_text(cr, row[c], 0, 0, x[c + 1] - x[c] - 2 * pad, size, bold, 0, true);
            draw_text(cr, row[c], x[c] + pad, y_ + (h - ch) / 2, x[c + 1] - x[c] - 2 * pad, size, bold,
                      t.columns[c].right ? 2 : 0);
        }
        cairo_set_line_width(cr, 0.4);
        cairo_rectangle(cr, x.front(), y_, x.back() - x.front(), h);
        cairo_stroke(cr);
        for (std::size_t c = 1; c < t.columns.size(); ++c) line(cr, x[c], y_, x[c], y_ + h, 0.4);
        y_ += h;
    }
    y_ += 4;
    for (const auto& note : t.notes) paragraph(note, 8.5, false, 2);
    y_ += 8;
}

void PdfDocument::write(const std::filesystem::path& file, const std::filesystem::path& shown_as,
                        const std::string& title, const std::string& header,
                        const std::function<void(cairo_t*, int)>& reserved) {
    if (cr_) {
        cairo_destroy(cr_);
        cr_ = nullptr;
    }
    const int total = pages();
    write_vector_pages(file, shown_as, true, w_, h_, pages_.size(), title, "cleanheat report",
                       [&](cairo_t* cr, std::size_t i) {
                           const Page& p = pages_[i];
                           cairo_set_source_rgb(cr, 1, 1, 1);
                           cairo_paint(cr);
                           if (p.reserved) {
                               cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
                               reserved(cr, static_cast<int>(i) + 1);
                           } else {
                               cairo_set_source_surface(cr, p.surface, 0, 0);
                               cairo_paint(cr);
                           }
                           cairo_set_source_rgb(cr, 0.35, 0.35, 0.35);
                           if (p.header) {
                               draw_text(cr, header, margin_, margin_ * 0.45, text_width(), 8, false, 2);
                               line(cr, margin_, margin_ * 0.45 + 12, w_ - margin_, margin_ * 0.45 + 12, 0.4);
                           }
                           if (p.footer)
                               draw_text(cr, "第 " + std::to_string(i + 1) + " 页 共 " + std::to_string(total) + " 页",
                                         margin_, h_ - margin_ * 0.6, text_width(), 8, false, 1);
                       });
}

}  // namespace cleanheat

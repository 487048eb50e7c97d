// A printed document laid out page by page with Cairo and Pango: headings that feed a
// contents page, wrapped paragraphs, tables whose header repeats on every page and whose
// rows never split, boxes drawn by callers (maps, charts). Pages are kept as recording
// surfaces until the end, so the running header and "第 N 页 共 M 页" know M, and the PDF
// gets vector output with the fonts embedded.
#pragma once
#include <cairo.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace cleanheat {

struct PdfColumn {
    std::string header;
    std::string group;   // columns with the same group share a header cell above theirs
    double weight = 1;   // share of the table width
    bool right = false;  // numbers
};

struct PdfTable {
    std::string title;  // centred above the table
    std::string unit;   // right-aligned line under the title
    std::vector<PdfColumn> columns;
    std::vector<std::vector<std::string>> rows;
    bool last_row_total = false;  // the last row in bold (合计)
    std::vector<std::string> notes;
};

struct ContentsEntry {
    int level = 1;
    std::string text;
    int page = 0;  // 1-based
};

class PdfDocument {
public:
    // A4 portrait by default; margins in millimetres.
    explicit PdfDocument(std::string family = "Noto Sans CJK SC", double w_mm = 210, double h_mm = 297,
                         double margin_mm = 20);
    ~PdfDocument();
    PdfDocument(const PdfDocument&) = delete;
    PdfDocument& operator=(const PdfDocument&) = delete;

    // A page of its own, drawn entirely by `draw` (cover, full-page maps): no header.
    void full_page(const std::function<void(cairo_t*, double w_pt, double h_pt)>& draw, bool with_footer = false);
    // A page reserved now and drawn at the end, when the page numbers are known (contents).
    int reserve_page();
    void new_page();
    void heading(const std::string& text, int level = 1);
    void paragraph(const std::string& text, double size_pt = 10.5, bool bold = false, double space_after_pt = 6);
    void table(const PdfTable& table);
    // A box of the given height across the text width; a new page first when it does not fit.
    void box(double height_pt, const std::function<void(cairo_t*, double x, double y, double w, double h)>& draw);
    void space(double pt);

    double text_width() const { return w_ - 2 * margin_; }
    // Height left on the current flow page (a whole text height when none is open).
    double remaining() const { return cr_ ? h_ - margin_ - y_ : text_height(); }
    double text_height() const { return h_ - 2 * margin_; }
    double page_width() const { return w_; }
    double page_height() const { return h_; }
    int pages() const { return static_cast<int>(pages_.size()); }
    const std::vector<ContentsEntry>& contents() const { return contents_; }
    const std::string& family() const { return family_; }

    // Writes the PDF: every page, the reserved ones drawn by `reserved(cr, page)`, the running
    // header (`header` on every page but the cover) and the footer 第 N 页 共 M 页.
    void write(const std::filesystem::path& file, const std::filesystem::path& shown_as, const std::string& title,
               const std::string& header, const std::function<void(cairo_t*, int page)>& reserved);

    // Text helpers for callers drawing their own pages (point sizes, top-left anchors).
    double draw_text(cairo_t* cr, const std::string& text, double x, double y, double width, double size_pt, bool bold,
                     int align /* 0 left, 1 centre, 2 right */, bool measure_only = false) const;

private:
    struct Page {
        cairo_surface_t* surface = nullptr;  // recording
        bool header = true, footer = true, reserved = false;
    };
    Page& add_page(bool header, bool footer, bool reserved);
    cairo_t* page_cr();
    void ensure_page();
    bool fits(double height) const { return y_ + height <= h_ - margin_ + 0.01; }

    std::string family_;
    double w_, h_, margin_;
    std::vector<Page> pages_;
    cairo_t* cr_ = nullptr;  // the current flow page
    double y_ = 0;
    std::vector<ContentsEntry> contents_;
};

}  // namespace cleanheat

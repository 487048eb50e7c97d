#include "render/map_renderer.hpp"

#include <ogr_spatialref.h>
#include <pango/pangocairo.h>
#include <proj.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "base/error.hpp"
#include "base/text.hpp"
#include "geo/geos_util.hpp"
#include "render/label_placer.hpp"

namespace cleanheat {
namespace {

constexpr double kMm = 72.0 / 25.4;  // points per millimetre

struct View {
    Box extent;
    double scale = 1;  // points per map unit
    double ox = 0, oy = 0;
    double quantum = 0;  // vector output: coordinates rounded to this many points (shorter files)
    double round(double v) const { return quantum > 0 ? std::round(v / quantum) * quantum : v; }
    double px(double x) const { return round(ox + (x - extent.min_x) * scale); }
    double py(double y) const { return round(oy - (y - extent.min_y) * scale); }
};

void set_colour(cairo_t* cr, const Colour& c, double opacity = 1) {
    cairo_set_source_rgba(cr, c.r, c.g, c.b, c.a * opacity);
}

// Text through Pango; checks that the fonts can draw every character.
class Text {
public:
    Text(cairo_t* cr, const std::string& family, double size_pt, bool bold, const std::string& text) {
        layout_ = pango_cairo_create_layout(cr);
        PangoFontDescription* font = pango_font_description_from_string(family.c_str());
        pango_font_description_set_absolute_size(font, size_pt * PANGO_SCALE);
        pango_font_description_set_weight(font, bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL);
        pango_layout_set_font_description(layout_, font);
        pango_font_description_free(font);
        pango_layout_set_text(layout_, text.c_str(), -1);
        pango_layout_set_alignment(layout_, PANGO_ALIGN_CENTER);
        if (pango_layout_get_unknown_glyphs_count(layout_) > 0) {
            g_object_unref(layout_);
            throw InputError("text \"" + text + "\" has characters the fonts (" + family +
                             ") cannot draw; install fonts-noto-cjk or change fonts.family in the style");
        }
        PangoRectangle ink, logical;
        pango_layout_get_extents(layout_, &ink, &logical);
        width_ = logical.width / static_cast<double>(PANGO_SCALE);
        height_ = logical.height / static_cast<double>(PANGO_SCALE);
    }
    ~Text() { g_object_unref(layout_); }
    Text(const Text&) = delete;
    Text& operator=(const Text&) = delete;
    double width() const { return width_; }
    double height() const { return height_; }
    // Draws with the top-left corner at (x, y).
    void draw(cairo_t* cr, double x, double y, const Colour& colour, const Colour* halo = nullptr, double halo_pt = 0) {
        cairo_save(cr);
        cairo_move_to(cr, x, y);
        if (halo && halo_pt > 0) {
            pango_cairo_layout_path(cr, layout_);
            set_colour(cr, *halo);
            cairo_set_line_width(cr, halo_pt * 2);
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
            cairo_stroke(cr);
            cairo_move_to(cr, x, y);
        }
        set_colour(cr, colour);
        pango_cairo_show_layout(cr, layout_);
        cairo_restore(cr);
    }

private:
    PangoLayout* layout_ = nullptr;
    double width_ = 0, height_ = 0;
};

// Adds the feature's rings to the path, dropping vertices closer than `step` points to
// the last kept one; a feature smaller than a step becomes one step-sized square.
void add_path(cairo_t* cr, const Coverage& c, std::size_t f, const View& v, double step) {
    const Box& b = c.box(f);
    const double w = (b.max_x - b.min_x) * v.scale, h = (b.max_y - b.min_y) * v.scale;
    if (w < step && h < step) {
        cairo_rectangle(cr, v.px(b.min_x), v.py(b.max_y), std::max(w, step), std::max(h, step));
        return;
    }
    for (std::uint32_t r = c.ring_begin(f); r < c.ring_end(f); ++r) {
        const std::uint32_t first = c.point_begin(r), end = c.point_end(r);
        if (end - first < 3) continue;
        const double fx = v.px(c.xy(first)[0]), fy = v.py(c.xy(first)[1]);
        double lx = fx, ly = fy;
        cairo_move_to(cr, fx, fy);
        for (std::uint32_t i = first + 1; i < end; ++i) {
            const double x = v.px(c.xy(i)[0]), y = v.py(c.xy(i)[1]);
            const bool last = i + 1 == end;
            if (last && x == fx && y == fy) break;  // the closing point: close_path draws it
            if (std::fabs(x - lx) + std::fabs(y - ly) < step && !last) continue;
            if (x == lx && y == ly) continue;
            cairo_line_to(cr, x, y);
            lx = x;
            ly = y;
        }
        cairo_close_path(cr);
    }
}

bool visible(const Box& b, const Box& view) {
    return b.valid() && b.intersects(view);
}

// A point well inside a polygon (centre of the largest inscribed circle), map units.
// An atlas page's other units: a white veil of this opacity over their areas, and their labels
// and symbols in colours mixed with white as much.
constexpr double kFade = 0.65;
Colour faded(Colour c) {
    return {c.r + (1 - c.r) * kFade, c.g + (1 - c.g) * kFade, c.b + (1 - c.b) * kFade, c.a};
}
// Whether feature f of the layer lies outside the atlas page's unit (and is to fade).
bool outside_focus(const MapLayer& layer, std::size_t f, const std::string& focus_key) {
    return !focus_key.empty() && f < layer.unit.size() && layer.unit[f] != focus_key;
}

bool label_point(GEOSContextHandle_t ctx, const Coverage& c, std::size_t f, double tolerance, double& x, double& y) {
    if (c.kind(f) == FeatureKind::point) {
        x = c.xy(c.point_begin(c.ring_begin(f)))[0];
        y = c.xy(c.point_begin(c.ring_begin(f)))[1];
        return true;
    }
    if (c.kind(f) != FeatureKind::polygon) return false;
    GEOSGeometry* g = c.to_geos(ctx, f);
    if (!g) return false;
    GEOSGeometry* mic = GEOSMaximumInscribedCircle_r(ctx, g, tolerance);
    bool ok = false;
    if (mic) {
        const GEOSCoordSequence* seq = GEOSGeom_getCoordSeq_r(ctx, mic);
        ok = seq && GEOSCoordSeq_getXY_r(ctx, seq, 0, &x, &y);
        GEOSGeom_destroy_r(ctx, mic);
    }
    GEOSGeom_destroy_r(ctx, g);
    return ok;
}

double nice_length(double target) {  // 1, 2, 5 x 10^k not above target
    const double p = std::pow(10.0, std::floor(std::log10(target)));
    for (double m : {5.0, 2.0, 1.0})
        if (m * p <= target) return m * p;
    return p;
}

// Geodesic metres between two map points, and true north's angle, from the CRS.
struct Geodesy {
    std::unique_ptr<OGRCoordinateTransformation> to_geo, from_geo;
    PJ* ellipsoid = nullptr;
    explicit Geodesy(const std::string& wkt) {
        if (wkt.empty()) return;
        OGRSpatialReference map, geo;
        if (map.importFromWkt(wkt.c_str()) != OGRERR_NONE || !map.IsProjected()) return;
        geo.CopyGeogCSFrom(&map);
        map.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        geo.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        to_geo.reset(OGRCreateCoordinateTransformation(&map, &geo));
        from_geo.reset(OGRCreateCoordinateTransformation(&geo, &map));
        const double a = map.GetSemiMajor(), inv_f = map.GetInvFlattening();
        const std::string def = "+proj=longlat +a=" + std::to_string(a) + " +rf=" + std::to_string(inv_f);
        ellipsoid = proj_create(PJ_DEFAULT_CTX, def.c_str());
    }
    ~Geodesy() {
        if (ellipsoid) proj_destroy(ellipsoid);
    }
    bool ok() const { return to_geo && from_geo && ellipsoid; }
    double distance(double x0, double y0, double x1, double y1) const {
        if (!ok()) return std::hypot(x1 - x0, y1 - y0);
        double xs[2] = {x0, x1}, ys[2] = {y0, y1};
        if (!to_geo->Transform(2, xs, ys)) return std::hypot(x1 - x0, y1 - y0);
        const PJ_COORD a = proj_coord(proj_torad(xs[0]), proj_torad(ys[0]), 0, 0);
        const PJ_COORD b = proj_coord(proj_torad(xs[1]), proj_torad(ys[1]), 0, 0);
        return proj_lp_dist(ellipsoid, a, b);
    }
    // Angle of true north, clockwise from grid north, degrees.
    double north(double x, double y) const {
        if (!ok()) return 0;
        double lon = x, lat = y;
        if (!to_geo->Transform(1, &lon, &lat)) return 0;
        double nx = lon, ny = lat + 0.01;
        if (!from_geo->Transform(1, &nx, &ny)) return 0;
        return std::atan2(nx - x, ny - y) * 180.0 / M_PI;
    }
};

double title_size(double page_w_mm) {
    return std::clamp(24.0 * page_w_mm / 420.0, 16.0, 60.0);
}

// Raster output, strokes no wider than a pixel: antialiased lines (Xiaolin Wu) drawn
// straight into the image, clipped to the frame. Cairo's general stroker costs most of a
// national map's time for such hairlines.
class Hairlines {
public:
    Hairlines(cairo_t* cr, const Box& frame_pt, const Colour& colour, double width_px) : cr_(cr) {
        surface_ = cairo_get_target(cr);
        cairo_surface_flush(surface_);
        data_ = cairo_image_surface_get_data(surface_);
        stride_ = cairo_image_surface_get_stride(surface_);
        double x0 = frame_pt.min_x, y0 = frame_pt.min_y, x1 = frame_pt.max_x, y1 = frame_pt.max_y;
        cairo_user_to_device(cr, &x0, &y0);
        cairo_user_to_device(cr, &x1, &y1);
        clip_ = {std::max(0.0, std::min(x0, x1)), std::max(0.0, std::min(y0, y1)),
                 std::min<double>(cairo_image_surface_get_width(surface_) - 1, std::max(x0, x1)),
                 std::min<double>(cairo_image_surface_get_height(surface_) - 1, std::max(y0, y1))};
        r_ = colour.r * 255;
        g_ = colour.g * 255;
        b_ = colour.b * 255;
        alpha_ = colour.a * std::clamp(width_px, 0.2, 1.0);
        double sx = 1, sy = 0;
        cairo_user_to_device_distance(cr, &sx, &sy);
        scale_ = sx;
    }
    ~Hairlines() { cairo_surface_mark_dirty(surface_); }
    Hairlines(const Hairlines&) = delete;
    Hairlines& operator=(const Hairlines&) = delete;
    double scale() const { return scale_; }
    void line(double x0, double y0, double x1, double y1) {  // device pixels
        const bool steep = std::fabs(y1 - y0) > std::fabs(x1 - x0);
        if (steep) {
            std::swap(x0, y0);
            std::swap(x1, y1);
        }
        if (x0 > x1) {
            std::swap(x0, x1);
            std::swap(y0, y1);
        }
        const double dx = x1 - x0, gradient = dx == 0 ? 1 : (y1 - y0) / dx;
        double y = y0 + gradient * (std::round(x0) - x0);
        for (long x = std::lround(x0); x <= std::lround(x1); ++x, y += gradient) {
            const double fy = std::floor(y), frac = y - fy;
            const long iy = static_cast<long>(fy);
            if (steep) {
                plot(iy, x, 1 - frac);
                plot(iy + 1, x, frac);
            } else {
                plot(x, iy, 1 - frac);
                plot(x, iy + 1, frac);
            }
        }
    }

private:
    void plot(long x, long y, double coverage) {
        if (x < clip_.min_x || x > clip_.max_x || y < clip_.min_y || y > clip_.max_y || coverage <= 0) return;
        auto* p = reinterpret_cast<std::uint32_t*>(data_ + y * stride_) + x;
        const double a = alpha_ * coverage;
        const double pr = (*p >> 16) & 0xff, pg = (*p >> 8) & 0xff, pb = *p & 0xff;
        const auto mix = [a](double under, double over) {
            return static_cast<std::uint32_t>(under + (over - under) * a + 0.5);
        };
        *p = 0xff000000u | (mix(pr, r_) << 16) | (mix(pg, g_) << 8) | mix(pb, b_);
    }
    cairo_t* cr_;
    cairo_surface_t* surface_ = nullptr;
    unsigned char* data_ = nullptr;
    int stride_ = 0;
    Box clip_;
    double r_ = 0, g_ = 0, b_ = 0, alpha_ = 1, scale_ = 1;
};

void hairline_feature(Hairlines& h, const Coverage& c, std::size_t f, const View& v, double ox, double oy) {
    const double s = h.scale();
    for (std::uint32_t r = c.ring_begin(f); r < c.ring_end(f); ++r) {
        const std::uint32_t first = c.point_begin(r), end = c.point_end(r);
        if (end - first < 3) continue;
        double lx = ox + v.px(c.xy(first)[0]) * s, ly = oy + v.py(c.xy(first)[1]) * s;
        for (std::uint32_t i = first + 1; i < end; ++i) {
            const double x = ox + v.px(c.xy(i)[0]) * s, y = oy + v.py(c.xy(i)[1]) * s;
            if (std::fabs(x - lx) + std::fabs(y - ly) < 0.5 && i + 1 < end) continue;
            h.line(lx, ly, x, y);
            lx = x;
            ly = y;
        }
    }
}

}  // namespace

Box layers_extent(const std::vector<MapLayer>& layers) {
    Box e;
    for (const auto& l : layers) e.expand(l.coverage.extent());
    return e;
}

PageResult render_page(cairo_t* cr, const PageRequest& req) {
    const Style& style = *req.style;
    PageResult out;
    const auto [page_w_mm, page_h_mm] = page_size_mm(style);
    const double pw = page_w_mm * kMm, ph = page_h_mm * kMm, m = style.margin_mm * kMm;
    const double unit = page_w_mm / 420.0 * (style.landscape ? 1.0 : 1.414);  // 1 at A3 landscape
    const double text_pt = std::clamp(9.0 * unit, 7.0, 30.0);
    const std::string& family = style.font_family;

    set_colour(cr, style.background);
    cairo_rectangle(cr, 0, 0, pw, ph);  // the page only: it may be drawn inside a larger document page
    cairo_fill(cr);

    // title band
    const double tsize = title_size(std::max(page_w_mm, page_h_mm) * (style.landscape ? 1.0 : 0.707));
    double top = m;
    {
        Text title(cr, style.title_family, tsize, true, style.title);
        title.draw(cr, (pw - title.width()) / 2, top, {0.1, 0.1, 0.1, 1});
        top += title.height();
        if (!style.subtitle.empty()) {
            Text sub(cr, family, tsize * 0.55, false, style.subtitle);
            sub.draw(cr, (pw - sub.width()) / 2, top, {0.25, 0.25, 0.25, 1});
            top += sub.height();
        }
        top += 2 * kMm;
    }
    // bottom band: figures (atlas), source and date, map-use line
    const double line_h = text_pt * 1.45;
    const double figures_h =
        req.figures.empty() ? 0 : (static_cast<double>(req.figures.size()) * text_pt * 1.25 * 1.5 + 2 * kMm);
    const double bottom_band = 2 * line_h + figures_h + 2 * kMm;
    Box frame{m, top, pw - m, ph - m - bottom_band};
    out.frame = frame;
    const double fw = frame.max_x - frame.min_x, fh = frame.max_y - frame.min_y;

    // view
    Box extent = req.extent;
    if (!extent.valid()) extent = {0, 0, 1, 1};
    const double ew = std::max(extent.max_x - extent.min_x, 1e-9), eh = std::max(extent.max_y - extent.min_y, 1e-9);
    View view;
    const double pad = 0.03;
    view.scale = std::min(fw / ew, fh / eh) * (1 - 2 * pad);
    const double cx = (extent.min_x + extent.max_x) / 2, cy = (extent.min_y + extent.max_y) / 2;
    view.extent = {cx - fw / 2 / view.scale, cy - fh / 2 / view.scale, cx + fw / 2 / view.scale,
                   cy + fh / 2 / view.scale};
    view.ox = frame.min_x;
    view.oy = frame.max_y;
    view.quantum = req.vector_output ? 0.25 : 0;                // a power of two: exact in Cairo's fixed point
    out.scale_denominator = 1.0 / (view.scale / kMm / 1000.0);  // map metres per paper metre
    // half a device pixel (vector output: the 1/4 pt grid the coordinates are rounded to)
    const double step = std::max(0.5 * 72.0 / req.resolution_dpi, req.vector_output ? 0.25 : 0.0);

    // layers, clipped to the frame
    cairo_save(cr);
    cairo_rectangle(cr, frame.min_x, frame.min_y, fw, fh);
    cairo_clip(cr);
    cairo_set_fill_rule(cr, CAIRO_FILL_RULE_EVEN_ODD);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    // the features drawn: those in the part of the frame this surface shows (a band of a raster
    // page drawn on several threads: its own rows), with a margin for strokes and joins
    Box cull = view.extent;
    {
        double x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        cairo_clip_extents(cr, &x0, &y0, &x1, &y1);
        const double margin = 4 * kMm;
        const Box shown{view.extent.min_x + (x0 - margin - view.ox) / view.scale,
                        view.extent.min_y + (view.oy - y1 - margin) / view.scale,
                        view.extent.min_x + (x1 + margin - view.ox) / view.scale,
                        view.extent.min_y + (view.oy - y0 + margin) / view.scale};
        if (x1 > x0 && y1 > y0)
            cull = {std::max(cull.min_x, shown.min_x), std::max(cull.min_y, shown.min_y),
                    std::min(cull.max_x, shown.max_x), std::min(cull.max_y, shown.max_y)};
    }
    const auto& layers = *req.layers;
    for (const auto& layer : layers) {
        const LayerSpec& spec = *layer.spec;
        const Coverage& c = layer.coverage;
        double device_scale = 1, device_y = 0;
        cairo_user_to_device_distance(cr, &device_scale, &device_y);
        const bool hairline = spec.stroke.enabled && spec.stroke.dash_mm.empty() &&
                              cairo_surface_get_type(cairo_get_target(cr)) == CAIRO_SURFACE_TYPE_IMAGE &&
                              std::max(spec.stroke.width_mm * kMm, step) * device_scale <= 1.5;
        if (spec.fill.kind != FillSpec::Kind::none) {
            std::vector<std::vector<std::size_t>> by_class(layer.class_colours.size());
            for (std::size_t f = 0; f < c.size(); ++f)
                if (layer.cls[f] >= 0 && c.kind(f) == FeatureKind::polygon && visible(c.box(f), view.extent)) {
                    ++out.features_drawn;  // on the page, whichever band draws it
                    by_class[static_cast<std::size_t>(layer.cls[f])].push_back(f);
                }
            // one path per class, in chunks (bounded memory); with a stroke, each chunk is filled
            // and stroked as one path (PDF: one "B" operator, the path written once). The chunks
            // are the page's whatever part is drawn, so that a band's pixels are those of the whole
            // page (shared edges inside one fill and across two differ in their antialiasing).
            const double width = std::max(spec.stroke.width_mm * kMm, step);
            std::vector<double> dashes;
            for (double d : spec.stroke.dash_mm) dashes.push_back(d * kMm);
            auto flush = [&](std::size_t k) {
                set_colour(cr, layer.class_colours[k], spec.opacity);
                if (!spec.stroke.enabled || hairline) {
                    cairo_fill(cr);
                    return;
                }
                cairo_fill_preserve(cr);
                set_colour(cr, spec.stroke.colour, spec.opacity);
                cairo_set_line_width(cr, width);
                cairo_set_line_join(cr, width < 4 * step ? CAIRO_LINE_JOIN_BEVEL : CAIRO_LINE_JOIN_ROUND);
                cairo_set_dash(cr, dashes.data(), static_cast<int>(dashes.size()), 0);
                cairo_stroke(cr);
                cairo_set_dash(cr, nullptr, 0, 0);
            };
            for (std::size_t k = 0; k < by_class.size(); ++k) {
                if (by_class[k].empty()) continue;
                cairo_new_path(cr);
                std::size_t in_path = 0;
                for (std::size_t f : by_class[k]) {
                    if (visible(c.box(f), cull)) add_path(cr, c, f, view, step);
                    if (++in_path == 2048) {
                        flush(k);
                        in_path = 0;
                    }
                }
                flush(k);
            }
        }
        if (hairline) {
            double ox = 0, oy = 0;
            cairo_user_to_device(cr, &ox, &oy);
            Hairlines lines(
                cr, frame,
                {spec.stroke.colour.r, spec.stroke.colour.g, spec.stroke.colour.b, spec.stroke.colour.a * spec.opacity},
                std::max(spec.stroke.width_mm * kMm, step) * device_scale);
            for (std::size_t f = 0; f < c.size(); ++f)
                if (c.kind(f) == FeatureKind::polygon && visible(c.box(f), cull))
                    hairline_feature(lines, c, f, view, ox, oy);
        } else if (spec.stroke.enabled) {
            // stroked in chunks: Cairo's stroker slows down and grows on one huge path
            const double width = std::max(spec.stroke.width_mm * kMm, step);
            set_colour(cr, spec.stroke.colour, spec.opacity);
            cairo_set_line_width(cr, width);
            cairo_set_line_join(cr, width < 4 * step ? CAIRO_LINE_JOIN_BEVEL : CAIRO_LINE_JOIN_ROUND);
            std::vector<double> dashes;
            for (double d : spec.stroke.dash_mm) dashes.push_back(d * kMm);
            cairo_set_dash(cr, dashes.data(), static_cast<int>(dashes.size()), 0);
            cairo_new_path(cr);
            int in_path = 0;
            const bool filled = spec.fill.kind != FillSpec::Kind::none;
            for (std::size_t f = 0; f < c.size(); ++f) {
                if (c.kind(f) != FeatureKind::polygon || !visible(c.box(f), view.extent)) continue;
                if (filled && layer.cls[f] >= 0) continue;  // stroked with its fill
                const Box& b = c.box(f);
                if ((b.max_x - b.min_x) * view.scale < 4 * step && (b.max_y - b.min_y) * view.scale < 4 * step)
                    continue;
                if (visible(b, cull)) add_path(cr, c, f, view, step);  // chunks as the page's (above)
                if (++in_path == 256) {
                    cairo_stroke(cr);
                    in_path = 0;
                }
            }
            cairo_stroke(cr);
            cairo_set_dash(cr, nullptr, 0, 0);
            cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
        }
    }
    // atlas: fade everything but the focus unit
    if (req.focus_layer && req.focus >= 0) {
        const Coverage& u = req.focus_layer->coverage;
        cairo_new_path(cr);
        cairo_rectangle(cr, frame.min_x, frame.min_y, fw, fh);
        add_path(cr, u, static_cast<std::size_t>(req.focus), view, step);
        cairo_set_source_rgba(cr, 1, 1, 1, kFade);
        cairo_fill_preserve(cr);
        cairo_new_path(cr);
        add_path(cr, u, static_cast<std::size_t>(req.focus), view, step);
        cairo_set_source_rgba(cr, 0.1, 0.1, 0.1, 1);
        cairo_set_line_width(cr, 0.6 * kMm * unit);
        cairo_stroke(cr);
    }
    cairo_restore(cr);

    // legend box (an obstacle for labels)
    struct Entry {
        std::string text;
        Colour colour;
        bool heading = false, circle = false, line = false;
        double width_mm = 0;
        std::vector<double> dash_mm;
    };
    std::vector<Entry> entries;
    for (const auto& layer : layers) {
        const LayerSpec& spec = *layer.spec;
        if (!spec.legend) continue;
        if (!layer.class_labels.empty() && spec.fill.kind != FillSpec::Kind::none) {
            if (spec.fill.kind != FillSpec::Kind::single) entries.push_back({spec.name, {}, true, false, false, 0, {}});
            // an atlas page counts its own unit's features, where the layer knows them
            std::vector<long long> counts = layer.class_counts;
            if (!req.focus_key.empty() && layer.unit.size() == layer.cls.size()) {
                std::fill(counts.begin(), counts.end(), 0);
                for (std::size_t f = 0; f < layer.cls.size(); ++f)
                    if (layer.cls[f] >= 0 && layer.unit[f] == req.focus_key) ++counts[static_cast<std::size_t>(layer.cls[f])];
            }
            for (std::size_t k = 0; k < layer.class_labels.size(); ++k)
                entries.push_back({layer.class_labels[k] + "（" + group_thousands(static_cast<double>(counts[k])) + "）",
                                   layer.class_colours[k],
                                   false,
                                   false,
                                   false,
                                   0,
                                   {}});
        } else if (spec.stroke.enabled && spec.fill.kind == FillSpec::Kind::none) {
            entries.push_back(
                {spec.name, spec.stroke.colour, false, false, true, spec.stroke.width_mm, spec.stroke.dash_mm});
        }
        if (spec.symbol.enabled)
            entries.push_back(
                {spec.name + "（圆面积与数值成比例" + (spec.symbol.unit.empty() ? "" : "，" + spec.symbol.unit) + "）",
                 spec.symbol.colour,
                 false,
                 true,
                 false,
                 0,
                 {}});
    }
    Box legend;
    if (!entries.empty()) {
        const double pad_l = 2.5 * kMm * unit, sw = 6 * kMm * unit, sh = 3.8 * kMm * unit, gap = 1.6 * kMm * unit;
        std::vector<std::unique_ptr<Text>> texts;
        Text heading(cr, family, text_pt * 1.25, true, style.legend_title);
        double w = heading.width(), h = heading.height() + gap;
        for (const auto& e : entries) {
            texts.push_back(std::make_unique<Text>(cr, family, text_pt, e.heading, e.text));
            w = std::max(w, (e.heading ? 0 : sw + gap) + texts.back()->width());
            h += std::max(texts.back()->height(), e.heading ? 0.0 : sh) + gap * 0.6;
        }
        w += 2 * pad_l;
        h += 2 * pad_l;
        const bool right = style.legend_position.find("right") != std::string::npos;
        const bool bottom = style.legend_position.find("bottom") != std::string::npos;
        const double inset = 3 * kMm;
        const double lx = right ? frame.max_x - inset - w : frame.min_x + inset;
        const double ly = bottom ? frame.max_y - inset - h : frame.min_y + inset;
        legend = {lx, ly, lx + w, ly + h};
        cairo_rectangle(cr, lx, ly, w, h);
        cairo_set_source_rgba(cr, 1, 1, 1, 0.92);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.3, 0.3, 0.3);
        cairo_set_line_width(cr, 0.25 * kMm);
        cairo_stroke(cr);
        double y = ly + pad_l;
        heading.draw(cr, lx + pad_l, y, {0.1, 0.1, 0.1, 1});
        y += heading.height() + gap;
        for (std::size_t i = 0; i < entries.size(); ++i) {
            const auto& e = entries[i];
            const double th = texts[i]->height();
            if (e.heading) {
                texts[i]->draw(cr, lx + pad_l, y, {0.15, 0.15, 0.15, 1});
                y += th + gap * 0.6;
                continue;
            }
            const double row_h = std::max(th, sh);
            if (e.line) {
                cairo_move_to(cr, lx + pad_l, y + row_h / 2);
                cairo_line_to(cr, lx + pad_l + sw, y + row_h / 2);
                set_colour(cr, e.colour);
                cairo_set_line_width(cr, std::max(e.width_mm * kMm * 1.5, 0.3 * kMm));
                std::vector<double> dashes;
                for (double d : e.dash_mm) dashes.push_back(d * kMm);
                cairo_set_dash(cr, dashes.data(), static_cast<int>(dashes.size()), 0);
                cairo_stroke(cr);
                cairo_set_dash(cr, nullptr, 0, 0);
                texts[i]->draw(cr, lx + pad_l + sw + gap, y + (row_h - th) / 2, {0.1, 0.1, 0.1, 1});
                y += row_h + gap * 0.6;
                continue;
            }
            if (e.circle) {
                cairo_new_path(cr);
                cairo_arc(cr, lx + pad_l + sw / 2, y + row_h / 2, sh / 2, 0, 2 * M_PI);
            } else {
                cairo_rectangle(cr, lx + pad_l, y + (row_h - sh) / 2, sw, sh);
            }
            set_colour(cr, e.colour);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 0.4, 0.4, 0.4);
            cairo_set_line_width(cr, 0.15 * kMm);
            cairo_stroke(cr);
            texts[i]->draw(cr, lx + pad_l + sw + gap, y + (row_h - th) / 2, {0.1, 0.1, 0.1, 1});
            y += row_h + gap * 0.6;
        }
        out.obstacle_boxes.push_back(legend);
    }
    const bool legend_left = !entries.empty() && style.legend_position.find("left") != std::string::npos;
    const bool legend_top_right = !entries.empty() && style.legend_position == "top-right";

    // scale bar with a round ground length, measured on the ellipsoid at the map's centre
    const Geodesy geodesy(req.srs_wkt);
    if (style.scale_bar) {
        const double mcx = (view.extent.min_x + view.extent.max_x) / 2,
                     mcy = (view.extent.min_y + view.extent.max_y) / 2;
        const double probe = fw / 5 / view.scale;  // map units
        const double ground = geodesy.distance(mcx - probe / 2, mcy, mcx + probe / 2, mcy);
        const double metres_per_unit = ground / probe;
        const double target_m = nice_length(ground);
        const double bar_units = target_m / metres_per_unit;
        const double bar_pt = bar_units * view.scale;
        out.scale_bar_ground_m = target_m;
        out.scale_bar_paper_mm = bar_pt / kMm;
        out.scale_bar_true_ground_m = geodesy.distance(mcx - bar_units / 2, mcy, mcx + bar_units / 2, mcy);
        const std::string label = target_m >= 1000 ? std::to_string(static_cast<long long>(target_m / 1000)) + " 千米"
                                                   : std::to_string(static_cast<long long>(target_m)) + " 米";
        Text zero(cr, family, text_pt, false, "0");
        Text end(cr, family, text_pt, false, label);
        const double d = out.scale_denominator;
        char ratio[64];
        std::snprintf(ratio, sizeof ratio, "1:%.0f",
                      d > 10000 ? std::round(d / 1000) * 1000 : std::round(d / 100) * 100);
        Text rtext(cr, family, text_pt, false, ratio);
        const double bh = 1.6 * kMm * unit;
        const double x0 = legend_left ? frame.max_x - 6 * kMm - bar_pt - end.width() : frame.min_x + 6 * kMm;
        const double y0 = frame.max_y - 6 * kMm - bh - zero.height();
        cairo_set_line_width(cr, 0.2 * kMm);
        for (int i = 0; i < 4; ++i) {
            cairo_rectangle(cr, x0 + bar_pt * i / 4, y0, bar_pt / 4, bh);
            if (i % 2 == 0)
                cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            else
                cairo_set_source_rgb(cr, 1, 1, 1);
            cairo_fill_preserve(cr);
            cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
            cairo_stroke(cr);
        }
        const Colour ink{0.1, 0.1, 0.1, 1}, halo{1, 1, 1, 0.9};
        zero.draw(cr, x0 - zero.width() / 2, y0 + bh, ink, &halo, 0.4 * kMm);
        end.draw(cr, x0 + bar_pt - end.width() / 2, y0 + bh, ink, &halo, 0.4 * kMm);
        rtext.draw(cr, x0, y0 - rtext.height() - 0.5 * kMm, ink, &halo, 0.4 * kMm);
        out.obstacle_boxes.push_back(
            {x0 - zero.width(), y0 - rtext.height() - kMm, x0 + bar_pt + end.width(), y0 + bh + zero.height()});
    }
    // north arrow pointing to true north
    if (style.north_arrow) {
        const double mcx = (view.extent.min_x + view.extent.max_x) / 2,
                     mcy = (view.extent.min_y + view.extent.max_y) / 2;
        out.north_angle_deg = geodesy.north(mcx, mcy);
        const double size = 14 * kMm * unit;
        const double ax = legend_top_right ? frame.min_x + 6 * kMm + size / 2 : frame.max_x - 6 * kMm - size / 2;
        const double ay = frame.min_y + 6 * kMm + size / 2;
        cairo_save(cr);
        cairo_translate(cr, ax, ay);
        cairo_rotate(cr, out.north_angle_deg * M_PI / 180.0);
        cairo_move_to(cr, 0, -size / 2);
        cairo_line_to(cr, size * 0.22, size * 0.35);
        cairo_line_to(cr, 0, size * 0.2);
        cairo_close_path(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_fill(cr);
        cairo_move_to(cr, 0, -size / 2);
        cairo_line_to(cr, -size * 0.22, size * 0.35);
        cairo_line_to(cr, 0, size * 0.2);
        cairo_close_path(cr);
        cairo_set_source_rgb(cr, 1, 1, 1);
        cairo_fill_preserve(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        cairo_set_line_width(cr, 0.2 * kMm);
        cairo_stroke(cr);
        cairo_restore(cr);
        Text n(cr, family, text_pt * 1.3, true, "北");
        n.draw(cr, ax - n.width() / 2, ay - size / 2 - n.height(), {0.1, 0.1, 0.1, 1});
        out.obstacle_boxes.push_back({ax - size / 2, ay - size / 2 - n.height(), ax + size / 2, ay + size / 2});
    }

    // proportional symbols and labels
    GeosContext ctx;
    LabelPlacer placer(frame);
    for (const auto& b : out.obstacle_boxes) placer.add_obstacle(b);
    struct Pending {
        std::unique_ptr<Text> text;
        double x = 0, y = 0;  // top-left
        const LabelSpec* spec = nullptr;
        bool faded = false;  // another unit's, on an atlas page
    };
    std::vector<Pending> pending;
    std::vector<LabelCandidate> candidates;
    for (const auto& layer : layers) {
        const LayerSpec& spec = *layer.spec;
        const Coverage& c = layer.coverage;
        if (!spec.labels.enabled && !spec.symbol.enabled) continue;
        double max_value = 0;
        if (spec.symbol.enabled)
            for (double v : layer.symbol)
                if (std::isfinite(v)) max_value = std::max(max_value, v);
        struct Circle {
            double x, y, r;
            std::size_t f;
            bool faded;
        };
        std::vector<Circle> circles;
        for (std::size_t f = 0; f < c.size(); ++f) {
            if (c.kind(f) == FeatureKind::empty || !visible(c.box(f), view.extent)) continue;
            const double area_mm2 = c.area(f) * view.scale * view.scale / (kMm * kMm);
            const bool want_label =
                spec.labels.enabled && !layer.label[f].empty() && area_mm2 >= spec.labels.min_area_mm2;
            const bool want_symbol =
                spec.symbol.enabled && std::isfinite(layer.symbol[f]) && layer.symbol[f] > 0 && max_value > 0;
            if (!want_label && !want_symbol) continue;
            double x, y;
            if (!label_point(ctx, c, f, 1.0 / view.scale, x, y)) continue;
            const double dx = view.px(x), dy = view.py(y);
            if (dx < frame.min_x || dx > frame.max_x || dy < frame.min_y || dy > frame.max_y) continue;
            double below = dy;
            if (want_symbol) {
                const double r = spec.symbol.max_diameter_mm * kMm * unit / 2 * std::sqrt(layer.symbol[f] / max_value);
                circles.push_back({dx, dy, std::max(r, 0.6 * kMm), f, outside_focus(layer, f, req.focus_key)});
                below = dy + r;
            }
            if (want_label || (want_symbol && spec.symbol.label)) {
                std::string t = want_label ? layer.label[f] : "";
                if (want_label && !layer.extra[f].empty()) t += "\n" + layer.extra[f];
                if (want_symbol && spec.symbol.label) {
                    char v[64];
                    std::snprintf(v, sizeof v, "%.*f", spec.symbol.decimals, layer.symbol[f]);
                    t += (t.empty() ? "" : "\n") + std::string(v) + spec.symbol.unit;
                }
                const double size = (spec.labels.enabled ? spec.labels.size_pt : 9.0) * unit;
                Pending p;
                p.text = std::make_unique<Text>(cr, family, size, spec.labels.bold, t);
                p.spec = &spec.labels;
                p.faded = outside_focus(layer, f, req.focus_key);
                p.x = dx - p.text->width() / 2;
                p.y = want_symbol ? below + 0.5 * kMm : dy - p.text->height() / 2;
                const double halo = spec.labels.halo_mm * kMm;
                candidates.push_back(
                    {{p.x - halo, p.y - halo, p.x + p.text->width() + halo, p.y + p.text->height() + halo},
                     spec.labels.priority + (want_symbol ? 1000 : 0),
                     area_mm2,
                     pending.size()});
                pending.push_back(std::move(p));
            }
        }
        std::sort(circles.begin(), circles.end(), [](const Circle& a, const Circle& b) { return a.r > b.r; });
        for (const auto& ci : circles) {
            cairo_new_path(cr);  // no line from a point left by what was drawn before
            cairo_arc(cr, ci.x, ci.y, ci.r, 0, 2 * M_PI);
            set_colour(cr, ci.faded ? faded(spec.symbol.colour) : spec.symbol.colour);
            cairo_fill_preserve(cr);
            set_colour(cr, ci.faded ? faded(spec.symbol.outline) : spec.symbol.outline);
            cairo_set_line_width(cr, 0.3 * kMm);
            cairo_stroke(cr);
        }
    }
    const auto accepted = placer.place(candidates);
    for (std::size_t id : accepted) {
        Pending& p = pending[id];
        p.text->draw(cr, p.x, p.y, p.faded ? faded(p.spec->colour) : p.spec->colour, &p.spec->halo,
                     p.spec->halo_mm * kMm);
    }
    out.labels_placed = static_cast<long long>(accepted.size());
    out.labels_dropped = static_cast<long long>(candidates.size() - accepted.size());
    out.label_boxes = placer.placed();

    // neat line
    cairo_rectangle(cr, frame.min_x, frame.min_y, fw, fh);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_set_line_width(cr, 0.5 * kMm);
    cairo_stroke(cr);
    cairo_rectangle(cr, frame.min_x - 1.2 * kMm, frame.min_y - 1.2 * kMm, fw + 2.4 * kMm, fh + 2.4 * kMm);
    cairo_set_line_width(cr, 0.15 * kMm);
    cairo_stroke(cr);

    // under the frame: figures, source and date, map use, page number
    double y = frame.max_y + 2.5 * kMm;
    for (const auto& line : req.figures) {
        Text t(cr, family, text_pt * 1.25, false, line);
        t.draw(cr, frame.min_x, y, {0.1, 0.1, 0.1, 1});
        y += t.height() * 1.1;
    }
    if (!req.figures.empty()) y += kMm;
    const std::string use = style.map_use == "public" ? style.review_number : "内部资料 注意保存";
    Text use_text(cr, family, text_pt, style.map_use != "public", use);
    use_text.draw(cr, frame.min_x, y,
                  style.map_use == "public" ? Colour{0.2, 0.2, 0.2, 1} : Colour{0.7, 0.05, 0.05, 1});
    std::string note = style.source_note;
    if (!req.date_text.empty()) note += (note.empty() ? "" : "    ") + req.date_text;
    if (!note.empty()) {
        Text n(cr, family, text_pt, false, note);
        n.draw(cr, frame.max_x - n.width(), y, {0.25, 0.25, 0.25, 1});
    }
    if (!req.page_label.empty()) {
        Text p(cr, family, text_pt, false, req.page_label);
        p.draw(cr, (pw - p.width()) / 2, ph - m - p.height(), {0.25, 0.25, 0.25, 1});
    }
    return out;
}

}  // namespace cleanheat

#include "commands/map.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <cairo.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <map>
#include <memory>
#include <sstream>

#include "base/text.hpp"
#include "base/error.hpp"
#include "dataset/snapshot.hpp"
#include "io/pg_connection.hpp"
#include "dataset/dataset.hpp"
#include "io/atomic_output.hpp"
#include "io/read_runs.hpp"
#include "io/sqlite_util.hpp"
#include "render/map_data.hpp"
#include "render/map_renderer.hpp"
#include "render/page_output.hpp"
#include "render/style.hpp"
#include "base/routes.hpp"

namespace cleanheat {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kMm = 72.0 / 25.4;

std::string today_text(const std::string& date) {
    int y = 0, m = 0, d = 0;
    if (!date.empty()) {
        if (std::sscanf(date.c_str(), "%d-%d-%d", &y, &m, &d) != 3)
            throw UsageError("--date " + date + ": use YYYY-MM-DD");
    } else {
        const std::time_t t = std::time(nullptr);
        std::tm tm{};
        localtime_r(&t, &tm);
        y = tm.tm_year + 1900;
        m = tm.tm_mon + 1;
        d = tm.tm_mday;
    }
    return "制图日期：" + std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
}

struct UnitFigures {
    long long villages = 0, households = 0;
    long long route[kRouteCount] = {};
};

std::map<std::string, UnitFigures> unit_figures(const MapSource& source, const std::string& field) {
    std::map<std::string, UnitFigures> out;
    if (!source.has_column("villages", "households_total")) return out;
    const std::string sql = "SELECT " + sql_identifier(field) + ", sum(planned), sum(households_total), " +
                            dataset::route_columns("sum") + " FROM villages GROUP BY 1";
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(source.db(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK) return out;
    while (sqlite3_step(st) == SQLITE_ROW) {
        const auto* k = sqlite3_column_text(st, 0);
        UnitFigures& f = out[k ? reinterpret_cast<const char*>(k) : ""];
        f.villages = sqlite3_column_int64(st, 1);
        f.households = sqlite3_column_int64(st, 2);
        for (std::size_t r = 0; r < kRouteCount; ++r) f.route[r] = sqlite3_column_int64(st, static_cast<int>(3 + r));
    }
    sqlite3_finalize(st);
    return out;
}

std::string kind_of(const std::filesystem::path& output) {
    std::string ext = output.extension().string();
    for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (ext == ".pdf" || ext == ".png" || ext == ".svg") return ext.substr(1);
    throw UsageError(output.string() + ": the output must end in .pdf, .png or .svg");
}

// A map draws any GeoPackage; a dataset of cleanheat merge must be of a schema this tool reads.
void check_schema(const std::string& path) {
    const SqliteDb db(path, SqliteDb::Mode::read);
    if (dataset::is_dataset(db)) dataset::check_readable(db);
}

// Bands of a PNG page drawn side by side: `threads` when given, else the cores (at most 4);
// one for a small page, where a thread costs more than it saves.
int png_bands(int threads, int h_px) {
    return h_px < 1024 ? 1 : side_by_side_threads(threads);
}

}  // namespace

std::unique_ptr<PreparedMap> prepare_map(const std::string& dataset, const std::filesystem::path& style_file,
                                         const std::string& page_size, bool landscape, double margin_mm,
                                         const std::string& unit_field) {
    auto map = std::make_unique<PreparedMap>();
    map->style = load_style(style_file);
    if (!page_size.empty()) {
        map->style.page_size = page_size;
        map->style.landscape = landscape;
    }
    if (margin_mm >= 0) map->style.margin_mm = margin_mm;
    const MapSource source(dataset);
    check_schema(dataset);
    for (const auto& spec : map->style.layers)
        map->layers.push_back(read_map_layer(source, spec, "", "villages", map->style.file, unit_field));
    if (!unit_field.empty() && source.has_column("villages", unit_field))
        map->units = dissolve_units(source, "villages", unit_field,
                                    unit_field == "township_code" ? "township_name" : "county_name", "");
    for (const auto& spec : map->style.layers)
        if (map->srs_wkt.empty()) map->srs_wkt = source.srs_wkt(spec.source);
    map->extent = layers_extent(map->layers);
    return map;
}

PageResult draw_map_page(cairo_t* cr, const PreparedMap& map, Box extent, const std::string& date,
                         const std::vector<std::string>& figures, const std::string& focus, bool portrait) {
    PageRequest req;
    Style upright = map.style;
    upright.landscape = !portrait;
    if (!focus.empty()) {
        const auto it = std::find(map.units.key.begin(), map.units.key.end(), focus);
        if (it != map.units.key.end()) {
            req.focus_layer = &map.units;
            req.focus = static_cast<int>(it - map.units.key.begin());
            req.focus_key = focus;
        }
    }
    req.style = &upright;
    req.layers = &map.layers;
    req.extent = extent.valid() ? extent : map.extent;
    req.figures = figures;
    req.srs_wkt = map.srs_wkt;
    req.date_text = today_text(date);
    req.resolution_dpi = map.style.dpi;
    req.vector_output = true;
    return render_page(cr, req);
}

Box unit_extent(const std::string& dataset, const std::string& field, const std::string& value) {
    const MapSource source(dataset);
    check_schema(dataset);
    Box b;
    if (source.has_table("rtree_villages_geom")) {  // the spatial index knows every village's box
        const std::string sql =
            "SELECT min(r.minx), min(r.miny), max(r.maxx), max(r.maxy) FROM rtree_villages_geom r "
            "JOIN villages v ON v.fid = r.id WHERE v." +
            sql_identifier(field) + " = ?1";
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(source.db(), sql.c_str(), -1, &st, nullptr) == SQLITE_OK) {
            sqlite3_bind_text(st, 1, value.c_str(), -1, SQLITE_TRANSIENT);
            if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
                b = {sqlite3_column_double(st, 0), sqlite3_column_double(st, 1), sqlite3_column_double(st, 2),
                     sqlite3_column_double(st, 3)};
        }
        sqlite3_finalize(st);
    } else {
        const MapLayer units = dissolve_units(source, "villages", field, field, field + " = " + sql_literal(value));
        if (units.coverage.size() > 0) b = units.coverage.extent();
    }
    if (b.valid()) b = b.grown(0.06 * std::max(b.max_x - b.min_x, b.max_y - b.min_y));
    return b;
}

MapResult make_map(const MapOptions& options, const Progress& progress) {
    if (is_pg_name(options.dataset)) {  // a database: read through one snapshot of it (dataset/snapshot.hpp)
        const dataset::Snapshot snapshot(options.dataset, options.pg_schema);
        MapOptions local = options;
        local.dataset = snapshot.path();
        return make_map(local, progress);
    }
    const auto started = Clock::now();
    MapResult result;
    const std::string kind = kind_of(options.output);
    if (!options.atlas.empty() && options.atlas != "county" && options.atlas != "township")
        throw UsageError("--atlas must be county or township");
    if (!options.atlas.empty() && kind == "svg") throw UsageError("--atlas writes PDF or PNG, not SVG");
    const Style style = load_style(options.style);
    const double dpi = options.dpi > 0 ? options.dpi : style.dpi;
    MapSource source(options.dataset);
    source.set_read_threads(options.threads);
    check_schema(options.dataset);
    progress.update(0.0, "reading");
    // an atlas page's unit: each feature's is read, for the page's legend counts and fading
    const std::string atlas_field = options.atlas == "township" ? "township_code"
                                    : options.atlas == "county" ? "county_code"
                                                                : "";
    std::vector<MapLayer> layers;
    for (const auto& spec : style.layers)
        layers.push_back(read_map_layer(source, spec, options.where, "villages", style.file, atlas_field));
    // a --where that keeps no village is a mistake, not an empty map
    if (!options.where.empty()) {
        bool filtered = false, kept = false;
        for (std::size_t i = 0; i < layers.size(); ++i)
            if (style.layers[i].source == "villages") {
                filtered = true;
                kept = kept || layers[i].coverage.size() > 0;
            }
        if (filtered && !kept)
            throw UsageError("--where \"" + options.where + "\": no village matches it; the map would be empty");
    }
    std::string srs;
    for (const auto& spec : style.layers)
        if (srs.empty()) srs = source.srs_wkt(spec.source);

    // what to show
    Box extent = layers_extent(layers);
    const std::string code_field = [&] {
        if (options.atlas == "township") return std::string("township_code");
        if (!options.unit.empty() && options.unit.size() > 6) return std::string("township_code");
        return std::string("county_code");
    }();
    const std::string name_field = code_field == "township_code" ? "township_name" : "county_name";
    if (!options.extent.empty()) {
        Box e;
        char comma;
        std::istringstream in(options.extent);
        if (!(in >> e.min_x >> comma >> e.min_y >> comma >> e.max_x >> comma >> e.max_y) || !e.valid())
            throw UsageError("--extent " + options.extent + ": use minx,miny,maxx,maxy");
        extent = e;
    }
    MapLayer units;
    if (!options.atlas.empty() || !options.unit.empty()) {
        if (!source.has_column("villages", code_field))
            throw UsageError("the villages have no " + code_field + " field");
        std::string where = options.where;
        if (!options.unit.empty()) {
            where = (where.empty() ? "" : "(" + where + ") AND ") + code_field + " = " + sql_literal(options.unit);
        }
        units = dissolve_units(source, "villages", code_field, name_field, where);
        if (units.coverage.size() == 0)
            throw UsageError(options.unit.empty() ? "no villages to make an atlas of"
                                                  : "--unit " + options.unit + ": no such unit");
        if (!options.unit.empty()) extent = units.coverage.extent();
    }
    result.seconds_read = std::chrono::duration<double>(Clock::now() - started).count();

    // each page's orientation from what it shows, unless the style fixes it: the style as it
    // is drawn on a landscape and on a portrait sheet
    Style landscape_style = style, portrait_style = style;
    landscape_style.landscape = true;
    portrait_style.landscape = false;
    const auto [w_mm, h_mm] = page_size_mm(landscape_style);
    // whole points: with coordinates on a 1/4 pt grid the PDF's y flip keeps them short
    const double w_pt = std::round(w_mm * kMm), h_pt = std::round(h_mm * kMm);
    const std::string date = today_text(options.date);
    const auto figures =
        options.atlas.empty() ? std::map<std::string, UnitFigures>{} : unit_figures(source, code_field);
    struct Page {
        Box extent;
        int focus = -1;
        std::vector<std::string> figures;
        std::string code;
        bool landscape = true;
    };
    std::vector<Page> pages;
    if (options.atlas.empty()) {
        pages.push_back({extent, -1, {}, ""});
    } else {
        for (std::size_t u = 0; u < units.coverage.size(); ++u) {
            Box b = units.coverage.box(u);
            const double g = 0.08 * std::max(b.max_x - b.min_x, b.max_y - b.min_y);
            Page p{b.grown(g), static_cast<int>(u), {}, units.key[u]};
            auto it = figures.find(units.key[u]);
            if (it != figures.end()) {
                const UnitFigures& f = it->second;
                p.figures.push_back(units.label[u] + "（" + units.key[u] + "）：规划改造 " +
                                    group_thousands(static_cast<double>(f.households)) + " 户，涉及 " +
                                    group_thousands(static_cast<double>(f.villages)) +
                                    " 个村庄");
                std::string routes = "其中";
                for (Route r : kRoutes)
                    if (f.route[static_cast<int>(r)] > 0)
                        routes += std::string(routes == "其中" ? "" : "，") + route_name(r) + " " +
                                  group_thousands(static_cast<double>(f.route[static_cast<int>(r)])) + " 户";
                if (routes != "其中") p.figures.push_back(routes + "。");
            }
            pages.push_back(p);
        }
    }
    for (auto& p : pages) p.landscape = landscape_for(style, p.extent);
    const auto render_started = Clock::now();
    auto request_for = [&](const Page& p, std::size_t index) {
        PageRequest req;
        req.style = p.landscape ? &landscape_style : &portrait_style;
        req.layers = &layers;
        req.extent = p.extent;
        req.focus_layer = p.focus >= 0 ? &units : nullptr;
        req.focus = p.focus;
        req.focus_key = p.focus >= 0 ? p.code : "";
        req.figures = p.figures;
        if (pages.size() > 1)
            req.page_label = "第 " + std::to_string(index + 1) + " 页 共 " + std::to_string(pages.size()) + " 页";
        req.srs_wkt = srs;
        req.date_text = date;
        req.resolution_dpi = dpi;
        req.vector_output = kind != "png";
        return req;
    };
    auto keep = [&](const PageResult& r, std::size_t index) {
        result.features_drawn += r.features_drawn;
        result.labels_placed += r.labels_placed;
        result.labels_dropped += r.labels_dropped;
        if (index == 0) {
            result.scale_denominator = r.scale_denominator;
            result.scale_bar_ground_m = r.scale_bar_ground_m;
            result.scale_bar_paper_mm = r.scale_bar_paper_mm;
            result.scale_bar_true_ground_m = r.scale_bar_true_ground_m;
            result.north_angle_deg = r.north_angle_deg;
        }
        ++result.pages;
        progress.update(0.2 + 0.8 * static_cast<double>(index + 1) / static_cast<double>(pages.size()));
    };
    if (kind == "pdf" || kind == "svg") {
        AtomicOutput out(options.output, options.overwrite, {options.dataset});
        const bool svg_turned = kind == "svg" && !pages.front().landscape;  // one page
        write_vector_pages(out.partial(), options.output, kind == "pdf", svg_turned ? h_pt : w_pt,
                           svg_turned ? w_pt : h_pt, pages.size(), style.title, "cleanheat map",
                           [&](cairo_t* cr, std::size_t i) { keep(render_page(cr, request_for(pages[i], i)), i); },
                           [&](std::size_t i) { return kind == "pdf" && !pages[i].landscape; });
        out.commit();
        result.outputs.push_back(options.output);
    } else {
        for (std::size_t i = 0; i < pages.size(); ++i) {
            const double page_w = pages[i].landscape ? w_mm : h_mm, page_h = pages[i].landscape ? h_mm : w_mm;
            const int w_px = static_cast<int>(std::lround(page_w / 25.4 * dpi)),
                      h_px = static_cast<int>(std::lround(page_h / 25.4 * dpi));
            std::filesystem::path path = options.output;
            if (pages.size() > 1)
                path = options.output.parent_path() / (options.output.stem().string() + "-" + pages[i].code + ".png");
            AtomicOutput out(path, options.overwrite, {options.dataset});
            // bands drawn side by side: each draws the page clipped to its rows; the first one's
            // result (scale, labels) stands for the page
            write_png_page(out.partial(), path, w_px, h_px, dpi, png_bands(options.threads, h_px),
                           [&](cairo_t* cr, int band) {
                               const PageResult r = render_page(cr, request_for(pages[i], i));
                               if (band == 0) keep(r, i);
                           });
            out.commit();
            result.outputs.push_back(path);
        }
    }
    result.seconds_render = std::chrono::duration<double>(Clock::now() - render_started).count();
    progress.update(1.0);
    return result;
}

}  // namespace cleanheat

#include "render/style.hpp"

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "base/error.hpp"

namespace cleanheat {
namespace {

using nlohmann::json;

class Reader {
public:
    explicit Reader(std::string file) : file_(std::move(file)) {}

    [[noreturn]] void fail(const std::string& path, const std::string& what) const {
        throw UsageError("style " + file_ + ": " + path + ": " + what);
    }
    void keys(const json& j, const std::string& path, const std::set<std::string>& allowed) const {
        if (!j.is_object()) fail(path, "must be an object");
        for (const auto& [k, v] : j.items())
            if (!allowed.count(k) && k != "comment") fail(path.empty() ? k : path + "." + k, "unknown key");
    }
    std::string text(const json& j, const std::string& key, const std::string& path, const std::string& fallback,
                     bool required = false) const {
        if (!j.contains(key)) {
            if (required) fail(join(path, key), "missing (required)");
            return fallback;
        }
        if (!j[key].is_string()) fail(join(path, key), "must be text");
        return j[key].get<std::string>();
    }
    double number(const json& j, const std::string& key, const std::string& path, double fallback, double min = -1e300,
                  double max = 1e300) const {
        if (!j.contains(key)) return fallback;
        if (!j[key].is_number()) fail(join(path, key), "must be a number");
        const double v = j[key].get<double>();
        if (v < min || v > max) fail(join(path, key), "out of range");
        return v;
    }
    bool boolean(const json& j, const std::string& key, const std::string& path, bool fallback) const {
        if (!j.contains(key)) return fallback;
        if (!j[key].is_boolean()) fail(join(path, key), "must be true or false");
        return j[key].get<bool>();
    }
    Colour colour(const json& j, const std::string& key, const std::string& path, Colour fallback,
                  bool required = false) const {
        const std::string t = text(j, key, path, "", required);
        if (t.empty()) return fallback;
        try {
            return parse_colour(t);
        } catch (const std::invalid_argument&) {
            fail(join(path, key), "not a colour (#rrggbb): " + t);
        }
    }
    static std::string join(const std::string& path, const std::string& key) {
        return path.empty() ? key : path + "." + key;
    }

private:
    std::string file_;
};

FillSpec read_fill(const Reader& r, const json& j, const std::string& path) {
    r.keys(j, path,
           {"color", "field", "divide_by", "categories", "other", "method", "classes", "breaks", "colors", "format",
            "decimals", "unit"});
    FillSpec f;
    if (j.contains("categories")) {
        f.kind = FillSpec::Kind::categorical;
        f.field = r.text(j, "field", path, "", true);
        if (!j["categories"].is_array() || j["categories"].empty())
            r.fail(path + ".categories", "must be a non-empty list");
        for (std::size_t i = 0; i < j["categories"].size(); ++i) {
            const json& c = j["categories"][i];
            const std::string p = path + ".categories[" + std::to_string(i) + "]";
            r.keys(c, p, {"value", "label", "color"});
            CategoryClass cls;
            cls.value = r.text(c, "value", p, "", true);
            cls.label = r.text(c, "label", p, cls.value);
            cls.colour = r.colour(c, "color", p, {}, true);
            f.categories.push_back(cls);
        }
        if (j.contains("other")) {
            r.keys(j["other"], path + ".other", {"label", "color"});
            CategoryClass cls;
            cls.label = r.text(j["other"], "label", path + ".other", "其他");
            cls.colour = r.colour(j["other"], "color", path + ".other", {}, true);
            f.other = cls;
        }
    } else if (j.contains("colors") || j.contains("method") || j.contains("breaks")) {
        f.kind = FillSpec::Kind::graduated;
        f.field = r.text(j, "field", path, "", true);
        f.divide_by = r.text(j, "divide_by", path, "");
        f.method = r.text(j, "method", path, "quantile");
        if (f.method != "quantile" && f.method != "equal" && f.method != "jenks" && f.method != "manual")
            r.fail(path + ".method", "must be quantile, equal, jenks or manual");
        if (!j.contains("colors") || !j["colors"].is_array() || j["colors"].empty())
            r.fail(path + ".colors", "missing: a list of class colours");
        for (std::size_t i = 0; i < j["colors"].size(); ++i) {
            if (!j["colors"][i].is_string()) r.fail(path + ".colors[" + std::to_string(i) + "]", "must be a colour");
            try {
                f.colours.push_back(parse_colour(j["colors"][i].get<std::string>()));
            } catch (const std::invalid_argument&) {
                r.fail(path + ".colors[" + std::to_string(i) + "]", "not a colour");
            }
        }
        f.classes = static_cast<int>(r.number(j, "classes", path, static_cast<double>(f.colours.size()), 1, 12));
        if (f.classes != static_cast<int>(f.colours.size()))
            r.fail(path + ".classes", "must equal the number of colors");
        if (f.method == "manual") {
            if (!j.contains("breaks") || !j["breaks"].is_array()) r.fail(path + ".breaks", "missing for method manual");
            for (const auto& b : j["breaks"]) {
                if (!b.is_number()) r.fail(path + ".breaks", "must be numbers");
                f.breaks.push_back(b.get<double>());
            }
            if (f.breaks.size() + 1 != f.colours.size()) r.fail(path + ".breaks", "needs one break fewer than colors");
        }
        f.format = r.text(j, "format", path, "number");
        if (f.format != "number" && f.format != "percent" && f.format != "integer")
            r.fail(path + ".format", "must be number, percent or integer");
        f.decimals = static_cast<int>(r.number(j, "decimals", path, 0, 0, 6));
        f.unit = r.text(j, "unit", path, "");
    } else if (j.contains("color")) {
        f.kind = FillSpec::Kind::single;
        f.colour = r.colour(j, "color", path, {});
    } else {
        r.fail(path, "needs color, categories or colors");
    }
    return f;
}

LayerSpec read_layer(const Reader& r, const json& j, const std::string& path) {
    r.keys(j, path,
           {"name", "source", "where", "dissolve", "sum", "join", "fill", "stroke", "symbol", "labels", "opacity",
            "legend", "atlas_unit"});
    LayerSpec l;
    l.source = r.text(j, "source", path, "", true);
    l.name = r.text(j, "name", path, l.source);
    l.where = r.text(j, "where", path, "");
    l.dissolve = r.text(j, "dissolve", path, "");
    if (j.contains("sum")) {
        if (!j["sum"].is_array()) r.fail(path + ".sum", "must be a list of field names");
        for (const auto& s : j["sum"]) {
            if (!s.is_string()) r.fail(path + ".sum", "must be a list of field names");
            l.sum.push_back(s.get<std::string>());
        }
        if (l.dissolve.empty()) r.fail(path + ".sum", "needs dissolve");
    }
    if (j.contains("join")) {
        const std::string p = path + ".join";
        r.keys(j["join"], p, {"table", "key", "field", "as"});
        l.join.enabled = true;
        l.join.table = r.text(j["join"], "table", p, "", true);
        l.join.key = r.text(j["join"], "key", p, "", true);
        l.join.field = r.text(j["join"], "field", p, "", true);
        l.join.as = r.text(j["join"], "as", p, l.join.field);
    }
    if (j.contains("fill")) l.fill = read_fill(r, j["fill"], path + ".fill");
    if (j.contains("stroke")) {
        const std::string p = path + ".stroke";
        r.keys(j["stroke"], p, {"color", "width_mm", "dash_mm"});
        l.stroke.enabled = true;
        l.stroke.colour = r.colour(j["stroke"], "color", p, l.stroke.colour);
        l.stroke.width_mm = r.number(j["stroke"], "width_mm", p, l.stroke.width_mm, 0, 20);
        if (j["stroke"].contains("dash_mm")) {
            if (!j["stroke"]["dash_mm"].is_array()) r.fail(p + ".dash_mm", "must be a list of lengths");
            for (const auto& d : j["stroke"]["dash_mm"]) {
                if (!d.is_number()) r.fail(p + ".dash_mm", "must be a list of lengths");
                l.stroke.dash_mm.push_back(d.get<double>());
            }
        }
    }
    if (j.contains("symbol")) {
        const std::string p = path + ".symbol";
        r.keys(j["symbol"], p, {"field", "max_diameter_mm", "color", "outline", "label", "decimals", "unit"});
        l.symbol.enabled = true;
        l.symbol.field = r.text(j["symbol"], "field", p, "", true);
        l.symbol.max_diameter_mm = r.number(j["symbol"], "max_diameter_mm", p, l.symbol.max_diameter_mm, 1, 200);
        l.symbol.colour = r.colour(j["symbol"], "color", p, l.symbol.colour);
        l.symbol.outline = r.colour(j["symbol"], "outline", p, l.symbol.outline);
        l.symbol.label = r.boolean(j["symbol"], "label", p, true);
        l.symbol.decimals = static_cast<int>(r.number(j["symbol"], "decimals", p, 2, 0, 6));
        l.symbol.unit = r.text(j["symbol"], "unit", p, "");
    }
    if (j.contains("labels")) {
        const std::string p = path + ".labels";
        r.keys(j["labels"], p,
               {"field", "extra", "extra_prefix", "size_pt", "color", "halo", "halo_mm", "priority", "min_area_mm2",
                "bold"});
        l.labels.enabled = true;
        l.labels.field = r.text(j["labels"], "field", p, "", true);
        l.labels.extra = r.text(j["labels"], "extra", p, "");
        l.labels.extra_prefix = r.text(j["labels"], "extra_prefix", p, "");
        l.labels.size_pt = r.number(j["labels"], "size_pt", p, l.labels.size_pt, 3, 72);
        l.labels.colour = r.colour(j["labels"], "color", p, l.labels.colour);
        l.labels.halo = r.colour(j["labels"], "halo", p, l.labels.halo);
        l.labels.halo_mm = r.number(j["labels"], "halo_mm", p, l.labels.halo_mm, 0, 5);
        l.labels.priority = static_cast<int>(r.number(j["labels"], "priority", p, 0));
        l.labels.min_area_mm2 = r.number(j["labels"], "min_area_mm2", p, 0, 0);
        l.labels.bold = r.boolean(j["labels"], "bold", p, false);
    }
    l.opacity = r.number(j, "opacity", path, 1, 0, 1);
    l.legend = r.boolean(j, "legend", path, true);
    l.atlas_unit = r.boolean(j, "atlas_unit", path, false);
    if (l.fill.kind == FillSpec::Kind::none && !l.stroke.enabled && !l.symbol.enabled && !l.labels.enabled)
        r.fail(path, "draws nothing: give fill, stroke, symbol or labels");
    return l;
}

}  // namespace

Colour parse_colour(const std::string& text) {
    std::string h = text;
    if (h.empty() || h[0] != '#') throw std::invalid_argument(text);
    h = h.substr(1);
    if (h.size() == 3) h = {h[0], h[0], h[1], h[1], h[2], h[2]};
    if (h.size() != 6 && h.size() != 8) throw std::invalid_argument(text);
    for (char c : h)
        if (!std::isxdigit(static_cast<unsigned char>(c))) throw std::invalid_argument(text);
    auto byte = [&](int i) { return std::stoi(h.substr(static_cast<std::size_t>(i), 2), nullptr, 16) / 255.0; };
    return {byte(0), byte(2), byte(4), h.size() == 8 ? byte(6) : 1.0};
}

std::pair<double, double> page_size_mm(const Style& style) {
    static const std::map<std::string, std::pair<double, double>> sizes = {
        {"A0", {841, 1189}}, {"A1", {594, 841}}, {"A2", {420, 594}}, {"A3", {297, 420}}, {"A4", {210, 297}}};
    auto [w, h] = sizes.at(style.page_size);
    return style.landscape ? std::make_pair(h, w) : std::make_pair(w, h);
}

bool landscape_for(const Style& style, const Box& extent) {
    if (!style.orientation_auto || !extent.valid()) return style.landscape;
    const double ew = extent.max_x - extent.min_x, eh = extent.max_y - extent.min_y;
    if (ew <= 0 || eh <= 0) return style.landscape;
    Style s = style;
    s.landscape = true;
    const auto [lw, lh] = page_size_mm(s);
    // the map frame: the page less its margins, the title above and the lines below it (about
    // a tenth of the page's height together)
    auto scale = [&](double w, double h) {
        const double fw = w - 2 * style.margin_mm, fh = h * 0.9 - 2 * style.margin_mm;
        return std::min(fw / ew, fh / eh);
    };
    return scale(lw, lh) >= scale(lh, lw);  // the larger map; landscape on a tie
}

Style load_style(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw UsageError("style " + file.string() + ": cannot read");
    json j;
    try {
        j = json::parse(in);
    } catch (const json::exception& e) {
        throw UsageError("style " + file.string() + ": not valid JSON: " + e.what());
    }
    const Reader r(file.string());
    r.keys(j, "",
           {"title", "subtitle", "source", "page", "map_use", "fonts", "background", "legend", "scale_bar",
            "north_arrow", "layers"});
    Style s;
    s.file = file.string();
    s.name = file.stem().string();
    s.title = r.text(j, "title", "", "", true);
    s.subtitle = r.text(j, "subtitle", "", "");
    s.source_note = r.text(j, "source", "", "");
    if (j.contains("page")) {
        r.keys(j["page"], "page", {"size", "orientation", "margin_mm", "dpi"});
        s.page_size = r.text(j["page"], "size", "page", s.page_size);
        if (s.page_size != "A0" && s.page_size != "A1" && s.page_size != "A2" && s.page_size != "A3" &&
            s.page_size != "A4")
            r.fail("page.size", "must be A0, A1, A2, A3 or A4");
        const std::string o = r.text(j["page"], "orientation", "page", "auto");
        if (o != "landscape" && o != "portrait" && o != "auto")
            r.fail("page.orientation", "must be auto, landscape or portrait");
        s.orientation_auto = o == "auto";
        s.landscape = o != "portrait";
        s.margin_mm = r.number(j["page"], "margin_mm", "page", s.margin_mm, 0, 100);
        s.dpi = r.number(j["page"], "dpi", "page", s.dpi, 36, 1200);
    }
    if (!j.contains("map_use"))
        r.fail("map_use",
               "missing: {\"class\": \"public\", \"review_number\": \"审图号：...\"} or {\"class\": \"internal\"}");
    r.keys(j["map_use"], "map_use", {"class", "review_number"});
    s.map_use = r.text(j["map_use"], "class", "map_use", "", true);
    if (s.map_use != "public" && s.map_use != "internal") r.fail("map_use.class", "must be public or internal");
    s.review_number = r.text(j["map_use"], "review_number", "map_use", "");
    if (s.map_use == "public" && s.review_number.empty())
        r.fail("map_use.review_number", "a public map must print its 审图号");
    if (j.contains("fonts")) {
        r.keys(j["fonts"], "fonts", {"family", "title_family"});
        s.font_family = r.text(j["fonts"], "family", "fonts", s.font_family);
        s.title_family = r.text(j["fonts"], "title_family", "fonts", s.font_family);
    }
    s.background = r.colour(j, "background", "", s.background);
    if (j.contains("legend")) {
        r.keys(j["legend"], "legend", {"position", "title"});
        s.legend_position = r.text(j["legend"], "position", "legend", s.legend_position);
        if (s.legend_position != "bottom-right" && s.legend_position != "bottom-left" &&
            s.legend_position != "top-right" && s.legend_position != "top-left")
            r.fail("legend.position", "must be bottom-right, bottom-left, top-right or top-left");
        s.legend_title = r.text(j["legend"], "title", "legend", s.legend_title);
    }
    s.scale_bar = r.boolean(j, "scale_bar", "", true);
    s.north_arrow = r.boolean(j, "north_arrow", "", true);
    if (!j.contains("layers") || !j["layers"].is_array() || j["layers"].empty())
        r.fail("layers", "missing: a list of layers");
    for (std::size_t i = 0; i < j["layers"].size(); ++i)
        s.layers.push_back(read_layer(r, j["layers"][i], "layers[" + std::to_string(i) + "]"));
    return s;
}

}  // namespace cleanheat

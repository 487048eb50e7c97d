#include "render/qml.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

namespace cleanheat {
namespace {

std::string xml_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

std::string rgba(const Colour& c) {
    auto v = [](double x) { return std::to_string(static_cast<int>(std::lround(std::clamp(x, 0.0, 1.0) * 255.0))); };
    return v(c.r) + "," + v(c.g) + "," + v(c.b) + "," + v(c.a);
}

std::string number(double v) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", v);
    return text;
}

std::string option(const std::string& name, const std::string& value) {
    return "            <Option type=\"QString\" name=\"" + name + "\" value=\"" + xml_escape(value) + "\"/>\n";
}

// A fill symbol (polygons): the fill colour, or none, and the layer's outline.
std::string fill_symbol(int index, const Colour* fill, const StrokeSpec& stroke, double opacity) {
    std::string s = "      <symbol type=\"fill\" name=\"" + std::to_string(index) + "\" alpha=\"" + number(opacity) +
                    "\" clip_to_extent=\"1\" force_rhr=\"0\">\n        <layer class=\"SimpleFill\" enabled=\"1\" "
                    "locked=\"0\" pass=\"0\">\n          <Option type=\"Map\">\n";
    s += option("color", fill ? rgba(*fill) : "0,0,0,0");
    s += option("style", fill ? "solid" : "no");
    s += option("outline_color", stroke.enabled ? rgba(stroke.colour) : "0,0,0,0");
    s += option("outline_style", !stroke.enabled ? "no" : stroke.dash_mm.empty() ? "solid" : "dash");
    s += option("outline_width", number(stroke.enabled ? stroke.width_mm : 0));
    s += option("outline_width_unit", "MM");
    if (stroke.enabled && !stroke.dash_mm.empty()) {
        std::string pattern;
        for (double d : stroke.dash_mm) pattern += (pattern.empty() ? "" : ";") + number(d);
        s += option("use_custom_dash", "1") + option("customdash", pattern) + option("customdash_unit", "MM");
    }
    return s + "          </Option>\n        </layer>\n      </symbol>\n";
}

// A marker symbol (points): a circle of the symbol's colour.
std::string marker_symbol(int index, const SymbolSpec& symbol) {
    std::string s = "      <symbol type=\"marker\" name=\"" + std::to_string(index) +
                    "\" alpha=\"1\" clip_to_extent=\"1\" force_rhr=\"0\">\n        <layer class=\"SimpleMarker\" "
                    "enabled=\"1\" locked=\"0\" pass=\"0\">\n          <Option type=\"Map\">\n";
    s += option("name", "circle") + option("color", rgba(symbol.colour)) + option("outline_color", rgba(symbol.outline));
    s += option("size", number(symbol.max_diameter_mm / 2)) + option("size_unit", "MM");
    return s + "          </Option>\n        </layer>\n      </symbol>\n";
}

std::string labeling(const LabelSpec& labels) {
    if (!labels.enabled) return {};
    std::string s = "  <labeling type=\"simple\">\n    <settings calloutType=\"simple\">\n";
    s += "      <text-style fieldName=\"" + xml_escape(labels.field) + "\" fontSize=\"" + number(labels.size_pt) +
         "\" fontSizeUnit=\"Point\" fontFamily=\"Noto Sans CJK SC\" fontWeight=\"" + (labels.bold ? "75" : "50") +
         "\" textColor=\"" + rgba(labels.colour) + "\" isExpression=\"0\">\n";
    s += "        <text-buffer bufferDraw=\"1\" bufferSize=\"" + number(labels.halo_mm) +
         "\" bufferSizeUnits=\"MM\" bufferColor=\"" + rgba(labels.halo) + "\"/>\n      </text-style>\n";
    s += "      <placement placement=\"1\"/>\n      <rendering obstacle=\"1\" priority=\"" +
         std::to_string(std::clamp(labels.priority, 0, 10)) + "\"/>\n    </settings>\n  </labeling>\n";
    return s;
}

}  // namespace

std::string layer_qml(const LayerSpec& layer, const std::function<bool(const std::string&)>& has_field) {
    // what QGIS cannot draw from the table alone
    if (!layer.dissolve.empty() || layer.join.enabled || !layer.where.empty()) return {};
    if (layer.fill.kind == FillSpec::Kind::graduated && layer.fill.method != "manual") return {};
    for (const std::string* f : {&layer.fill.field, &layer.fill.divide_by, &layer.labels.field})
        if (!f->empty() && (f->front() == '$' || !has_field(*f))) return {};
    const bool points = layer.symbol.enabled;
    if (points && layer.fill.kind != FillSpec::Kind::none) return {};
    std::string renderer, symbols;
    const double opacity = layer.opacity;
    if (points) {
        renderer = "  <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n";
        symbols = marker_symbol(0, layer.symbol);
    } else if (layer.fill.kind == FillSpec::Kind::categorical) {
        renderer = "  <renderer-v2 type=\"categorizedSymbol\" attr=\"" + xml_escape(layer.fill.field) +
                   "\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n    <categories>\n";
        int k = 0;
        for (const auto& c : layer.fill.categories) {
            renderer += "      <category value=\"" + xml_escape(c.value) + "\" symbol=\"" + std::to_string(k) +
                        "\" label=\"" + xml_escape(c.label) + "\" render=\"true\"/>\n";
            symbols += fill_symbol(k++, &c.colour, layer.stroke, opacity);
        }
        if (layer.fill.other) {  // QGIS: a category with no value takes every other value
            renderer += "      <category value=\"\" symbol=\"" + std::to_string(k) + "\" label=\"" +
                        xml_escape(layer.fill.other->label) + "\" render=\"true\"/>\n";
            symbols += fill_symbol(k++, &layer.fill.other->colour, layer.stroke, opacity);
        }
        renderer += "    </categories>\n";
    } else if (layer.fill.kind == FillSpec::Kind::graduated) {  // manual breaks: upper bounds
        const std::string attr = layer.fill.divide_by.empty()
                                     ? layer.fill.field
                                     : "\"" + layer.fill.field + "\" / \"" + layer.fill.divide_by + "\"";
        renderer = "  <renderer-v2 type=\"graduatedSymbol\" attr=\"" + xml_escape(attr) +
                   "\" graduatedMethod=\"GraduatedColor\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n"
                   "    <ranges>\n";
        double lower = -1e300;
        for (std::size_t k = 0; k < layer.fill.breaks.size() && k < layer.fill.colours.size(); ++k) {
            const double upper = layer.fill.breaks[k];
            renderer += "      <range lower=\"" + number(k == 0 ? std::min(0.0, upper) : lower) + "\" upper=\"" +
                        number(upper) + "\" symbol=\"" + std::to_string(k) + "\" label=\"" +
                        xml_escape((k == 0 ? "≤ " : number(lower) + " – ") + number(upper) + layer.fill.unit) +
                        "\" render=\"true\"/>\n";
            symbols += fill_symbol(static_cast<int>(k), &layer.fill.colours[k], layer.stroke, opacity);
            lower = upper;
        }
        renderer += "    </ranges>\n";
    } else {  // single fill, or outlines only
        renderer = "  <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" forceraster=\"0\" enableorderby=\"0\">\n";
        symbols = fill_symbol(0, layer.fill.kind == FillSpec::Kind::single ? &layer.fill.colour : nullptr, layer.stroke,
                              opacity);
    }
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
           "<qgis version=\"3.28.0\" styleCategories=\"Symbology|Labeling\" labelsEnabled=\"" +
           std::string(layer.labels.enabled ? "1" : "0") + "\">\n" + renderer + "    <symbols>\n" + symbols +
           "    </symbols>\n  </renderer-v2>\n" + labeling(layer.labels) + "  <layerOpacity>1</layerOpacity>\n</qgis>\n";
}

std::vector<QgisStyle> qgis_styles(const std::filesystem::path& folder,
                                   const std::function<bool(const std::string&, const std::string&)>& has_field) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(folder, ec))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) {
        const bool ra = a.stem() == "route", rb = b.stem() == "route";
        return ra != rb ? ra : a.filename() < b.filename();
    });
    std::vector<QgisStyle> out;
    std::map<std::string, bool> has_default;
    for (const auto& file : files) {
        {  // a map style has layers; the other files there (units, targets, policies) are not styles
            std::ifstream in(file);
            const auto j = nlohmann::json::parse(in, nullptr, false);
            if (j.is_discarded() || !j.is_object() || !j.contains("layers")) continue;
        }
        Style style;
        try {
            style = load_style(file);
        } catch (const std::exception&) {
            continue;  // a style the map command would refuse is no QGIS style either
        }
        for (const auto& layer : style.layers) {
            const std::string qml =
                layer_qml(layer, [&](const std::string& field) { return has_field(layer.source, field); });
            if (qml.empty()) continue;
            QgisStyle s;
            s.table = layer.source;
            s.name = file.stem().string() + ": " + layer.name;
            s.description = style.title + (style.subtitle.empty() ? "" : "（" + style.subtitle + "）") + "，" + layer.name +
                            "；由 styles/" + file.filename().string() + " 生成";
            s.qml = qml;
            s.use_as_default = !has_default[layer.source];
            has_default[layer.source] = true;
            out.push_back(std::move(s));
        }
    }
    return out;
}

}  // namespace cleanheat

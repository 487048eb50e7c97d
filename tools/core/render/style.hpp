// Map styles: a documented JSON format (docs/styles.md) read strictly: an unknown key, a
// value of the wrong type or a missing required key is an error naming the key's path.
#pragma once
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "geo/coverage.hpp"

namespace cleanheat {

struct Colour {
    double r = 0, g = 0, b = 0, a = 1;
};
Colour parse_colour(const std::string& text);  // #rgb, #rrggbb, #rrggbbaa; throws std::invalid_argument

struct CategoryClass {
    std::string value, label;
    Colour colour;
};

struct FillSpec {
    enum class Kind { none, single, categorical, graduated } kind = Kind::none;
    Colour colour;                 // single
    std::string field, divide_by;  // categorical / graduated value = field (/ divide_by)
    std::vector<CategoryClass> categories;
    std::optional<CategoryClass> other;  // categorical: values not listed (omitted: not drawn)
    std::string method = "quantile";     // graduated: quantile | equal | jenks | manual
    int classes = 5;
    std::vector<double> breaks;     // manual: upper bounds
    std::vector<Colour> colours;    // graduated: one per class
    std::string format = "number";  // number | percent | integer
    int decimals = 0;
    std::string unit;  // appended to class labels
};

struct StrokeSpec {
    bool enabled = false;
    Colour colour{0.25, 0.25, 0.25, 1};
    double width_mm = 0.1;
    std::vector<double> dash_mm;
};

struct SymbolSpec {  // proportional circles
    bool enabled = false;
    std::string field;
    double max_diameter_mm = 16;
    Colour colour{0.84, 0.19, 0.12, 0.85};
    Colour outline{1, 1, 1, 1};
    bool label = true;  // value under the circle
    int decimals = 2;
    std::string unit;
};

struct LabelSpec {
    bool enabled = false;
    std::string field;
    std::string extra;         // optional second line: a field, "$value" (the fill's value) or "a/b" (a percentage)
    std::string extra_prefix;  // text before the second line's value
    double size_pt = 9;
    Colour colour{0.13, 0.13, 0.13, 1};
    Colour halo{1, 1, 1, 0.9};
    double halo_mm = 0.5;
    int priority = 0;
    double min_area_mm2 = 0;  // polygons smaller on paper are not labelled
    bool bold = false;
};

struct JoinSpec {
    bool enabled = false;
    std::string table, key, field, as;  // sum of table.field by key, as a new field `as`
};

struct LayerSpec {
    std::string name;              // legend heading
    std::string source;            // layer name in the dataset
    std::string where;             // SQL filter
    std::string dissolve;          // union the features by this field
    std::vector<std::string> sum;  // with dissolve: fields summed into the dissolved features
    JoinSpec join;
    FillSpec fill;
    StrokeSpec stroke;
    SymbolSpec symbol;
    LabelSpec labels;
    double opacity = 1;
    bool legend = true;
    bool atlas_unit = false;  // the layer whose features are the atlas pages (dissolved units)
};

struct Style {
    std::string file, name;
    std::string title, subtitle, source_note;
    std::string page_size = "A3";
    bool landscape = true;
    bool orientation_auto = true;  // page.orientation "auto" (or none): from the map's extent
    double margin_mm = 10;
    double dpi = 300;
    std::string map_use = "internal";  // public | internal
    std::string review_number;         // 审图号 (public maps)
    std::string font_family = "Noto Sans CJK SC";
    std::string title_family = "Noto Sans CJK SC";
    Colour background{1, 1, 1, 1};
    std::string legend_position = "bottom-right";
    std::string legend_title = "图例";
    bool scale_bar = true, north_arrow = true;
    std::vector<LayerSpec> layers;
};

// Reads and checks a style file; throws UsageError naming the file and the key.
Style load_style(const std::filesystem::path& file);
// Paper size in millimetres (width, height) for the page settings.
std::pair<double, double> page_size_mm(const Style& style);
// The orientation a page of the style takes to show `extent` (map units): the style's when it
// fixes one (page.orientation landscape or portrait), else the one that shows the extent at
// the larger scale (a tall city on a portrait sheet), landscape on a tie.
bool landscape_for(const Style& style, const Box& extent);

}  // namespace cleanheat

// QGIS layer styles (QML) from the map styles (styles/*.json), so that a planner who opens the
// dataset in QGIS sees the colours, classes and labels of the printed maps. Written by merge into
// the dataset's layer_styles table (QGIS reads it from a GeoPackage and from PostgreSQL alike).
// A style layer QGIS cannot draw from the table alone (dissolved units, joined or computed fields,
// classes that depend on the data) is left out.
#pragma once
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "render/style.hpp"

namespace cleanheat {

struct QgisStyle {
    std::string table;  // f_table_name
    std::string name;   // styleName: "route: 规划技术路线（村庄数）"
    std::string description;
    std::string qml;
    bool use_as_default = false;
};

// The QML of one layer of a map style; "" when QGIS cannot draw it from `table` alone
// (`has_field(table, field)` says which fields the table holds).
std::string layer_qml(const LayerSpec& layer, const std::function<bool(const std::string&)>& has_field);

// Every map style in `folder` (its *.json with "layers"), each layer that QGIS can draw; the first
// style of each table, in file-name order with route.json first, is its default.
std::vector<QgisStyle> qgis_styles(const std::filesystem::path& folder,
                                   const std::function<bool(const std::string& table, const std::string& field)>& has_field);

}  // namespace cleanheat

// cleanheat contiguity: the 成方连片 check. Planned villages whose areas touch form a
// cluster; a planned village with no planned neighbour is isolated; an unplanned village
// whose neighbours are all planned is a hole; an unplanned village inside the outline of
// one cluster is enclosed. Works on any OGR polygon or point layer.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "geo/adjacency.hpp"
#include "base/issue.hpp"
#include "base/progress.hpp"

namespace cleanheat {

struct ContiguityOptions {
    std::string dataset;                           // any OGR source; PG:"..." with a dataset of cleanheat merge in pg_schema
    std::string pg_schema;                         // the schema of a PG: dataset (empty: cleanheat)
    std::string layer;                             // empty: "villages" when present, else the first layer
    std::string planned = "households_total > 0";  // attribute filter selecting the planned villages
    std::string route_field;                       // empty: route_main when present
    std::string by;                                // empty: county_code when present; "none": no groups
    AdjacencyKind adjacency = AdjacencyKind::queen;
    double tolerance = 0;        // metres
    int min_villages = 2;        // components smaller than this are isolated
    int block_villages = 10;     // "in blocks": clusters of at least this many villages
    double max_distance = 3000;  // points: longest neighbour link, metres
    std::string within_field;    // points: only link villages with equal values (township_code ...)
    std::string heating_coverage, gas_mains, grid_zones;  // optional infrastructure layers
    double gas_distance = 2000;                           // metres from a gas main
    std::string output;  // GeoPackage to write when the dataset is not one (or to keep it unchanged)
    std::string xlsx;    // workbook of the findings (optional)
    bool write = true;   // false: counts only
    bool overwrite = false;
    int threads = 0;  // 0: hardware
    std::string command_line;
};

struct ContiguityStats {
    std::string value;  // the --by value (empty for the total)
    std::string name;   // county name when known
    long long villages = 0, planned = 0, edges = 0, clusters = 0, isolated = 0, holes = 0, enclosed = 0;
    double planned_households = 0, largest_households = 0, block_households = 0;
    long long largest_villages = 0;
};

struct ClusterSummary {
    int id = 0;
    long long villages = 0;
    double households = 0, area_m2 = 0;
    std::vector<std::string> groups;  // --by values of its members
    std::string routes;               // e.g. "gas 12; electric 3"
};

struct RuleFinding {
    std::uint32_t feature = 0;  // index in the layer as read
    std::string code;
    std::string detail;
    long long fid = 0;  // the village's feature id and code, for listings
    std::string village_code, village_name;
};

struct ContiguityResult {
    std::string dataset, layer, output, xlsx, adjacency_method, crs;
    std::string started_at;  // for the dataset's run_log
    bool points = false;
    long long features = 0, empty_geometries = 0, repaired = 0;
    long long rim_features = 0, exact_tests = 0, gaps_bridged = 0, overlaps = 0;
    bool exact_everywhere = false;
    ContiguityStats total;
    std::vector<ContiguityStats> groups;            // by --by value
    std::map<std::string, ContiguityStats> routes;  // clusters of one route
    std::vector<ClusterSummary> clusters;           // id order (largest first)
    std::vector<RuleFinding> findings;           // rule checks (heating, gas, grid)
    std::vector<RuleFinding> geometry_findings;  // W_GEOMETRY_MISSING/INVALID, W_POLYGON_OVERLAP, W_GAP_BRIDGED
    std::vector<Issue> issues;
    double seconds_read = 0, seconds_adjacency = 0, seconds_clusters = 0, seconds_outlines = 0, seconds_write = 0;
    bool written = false;
};

ContiguityResult contiguity(const ContiguityOptions& options, const Progress& progress);

}  // namespace cleanheat

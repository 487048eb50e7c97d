// cleanheat stations: the after-care service stations (运维服务站) against the plan. Every township
// with planned villages has a station (a finding for each that has none), each village's distance to
// its nearest station, the planned villages beyond the policy's radius; the stations, their service
// areas (the radius around each) and every village's nearest station into the dataset (tables
// stations, station_areas, village_stations, station_findings; styles/stations.json maps them), and
// a workbook.
#pragma once
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "base/progress.hpp"

namespace cleanheat {

struct StationsOptions {
    std::string merged;  // the dataset (.gpkg or PG:)
    std::string pg_schema;
    std::string stations;        // any OGR source of points (or a table with 经度/纬度 columns)
    std::string stations_layer;  // empty: the only layer, or the first
    std::string stations_crs;    // empty: judged (declaration and coordinates); "gcj02"; EPSG:...
    std::filesystem::path policy_file;  // empty: styles/subsidy.json (service_stations.radius_km)
    std::filesystem::path output;       // the workbook (optional)
    bool overwrite = false;
    std::string command_line;
};

struct StationsResult {
    std::string stations_crs, dataset_crs;
    double radius_km = 0;
    long long rows_read = 0, stations_loaded = 0, rows_rejected = 0;
    long long townships = 0, townships_without = 0;  // townships with planned villages; of them without a station
    long long villages = 0, planned_villages = 0, planned_beyond = 0, planned_households_beyond = 0;
    double farthest_planned_km = 0;
    long long errors = 0, warnings = 0;
    std::map<std::string, long long> findings;  // by code
    std::vector<std::filesystem::path> outputs;
};

StationsResult check_stations(const StationsOptions& options, Progress& progress);

}  // namespace cleanheat

// The after-care service stations in the dataset (stations): the villages as the check reads them,
// and the check's four tables, replaced as a whole by each run. Typed reads and writes; no other
// module spells these tables' SQL.
#pragma once
#include <string>
#include <vector>

#include "base/issue.hpp"
#include "geo/coverage.hpp"
#include "io/gpkg_sql.hpp"

namespace cleanheat::dataset {

struct StationVillage {
    long long fid = 0;
    std::string code, name, township_code, township_name, county_code, county_name;
    bool planned = false;
    long long planned_households = 0;  // the plan's households over every route
};
// Every village and its geometry (feature i of `geometry` is village i); the dataset's srs_id.
std::vector<StationVillage> read_station_villages(const SqliteDb& db, Coverage& geometry, int& srs_id);
// The CRS of the villages as WKT ("" when the dataset declares none).
std::string villages_crs_wkt(const SqliteDb& db);

struct StationRow {
    long long fid = 0;  // 1, 2 ... in the order loaded
    double x = 0, y = 0;  // in the dataset's CRS
    std::string name, phone, county_code, county_name, township_code, township_name, township_as_written;
    long long villages = 0, planned_villages = 0, planned_households = 0;  // nearest to this station
    double farthest_planned_m = 0;
    std::string file, layer;
    int row = 0;
};

struct StationArea {
    long long station_fid = 0;
    std::string name, county_code, township_name;
    double radius_m = 0;
    std::vector<unsigned char> blob;  // GeoPackage geometry blob (MultiPolygon)
};

struct VillageStation {
    long long village_fid = 0, station_fid = 0;
    std::string station_name;
    double distance_m = 0;  // NaN: no station, or the village has no geometry
    bool planned = false;   // (not stored: the villages say it)
    std::string reach;  // within / beyond (planned villages), "" (not planned)
};

struct StationFinding {
    std::string county_code, township_code, township_name;
    Issue issue;
};

struct StationTables {
    std::vector<StationRow> stations;
    std::vector<StationArea> areas;
    std::vector<VillageStation> villages;
    std::vector<StationFinding> findings;
};

// Replaces the four tables with these rows, inside the caller's transaction.
void write_station_tables(const SqliteDb& db, const StationTables& tables, int srs_id);

}  // namespace cleanheat::dataset

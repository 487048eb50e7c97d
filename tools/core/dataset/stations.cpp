#include "dataset/stations.hpp"

#include <ogr_geometry.h>

#include <cmath>

#include "dataset/results.hpp"
#include "dataset/schema.hpp"
#include "io/gpkg_writer.hpp"

namespace cleanheat::dataset {

std::vector<StationVillage> read_station_villages(const SqliteDb& db, Coverage& geometry, int& srs_id) {
    srs_id = static_cast<int>(
        db.scalar("SELECT coalesce(max(srs_id), 0) FROM gpkg_geometry_columns WHERE table_name = 'villages'"));
    std::vector<StationVillage> villages;
    db.each("SELECT fid, village_code, village_name, township_code, township_name, county_code, county_name, "
            "coalesce(planned, 0), " +
                route_columns() + ", geom FROM villages ORDER BY fid",
            [&](sqlite3_stmt* st) {
                StationVillage v;
                v.fid = sqlite3_column_int64(st, 0);
                v.code = sql_text(st, 1);
                v.name = sql_text(st, 2);
                v.township_code = sql_text(st, 3);
                v.township_name = sql_text(st, 4);
                v.county_code = sql_text(st, 5);
                v.county_name = sql_text(st, 6);
                v.planned = sqlite3_column_int(st, 7) != 0;
                for (std::size_t r = 0; r < kRouteCount; ++r)
                    v.planned_households += sqlite3_column_int64(st, 8 + static_cast<int>(r));
                const int g = 8 + static_cast<int>(kRouteCount);
                const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(st, g));
                if (!blob || !geometry.add_gpkg_blob(blob, static_cast<std::size_t>(sqlite3_column_bytes(st, g))))
                    geometry.add_empty();
                villages.push_back(std::move(v));
            });
    return villages;
}

std::string villages_crs_wkt(const SqliteDb& db) {
    std::string wkt;
    db.each("SELECT s.definition FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = g.srs_id "
            "WHERE g.table_name = 'villages'",
            [&](sqlite3_stmt* st) { wkt = sql_text(st, 0); });
    return wkt == "undefined" ? "" : wkt;
}

void write_station_tables(const SqliteDb& db, const StationTables& t, int srs_id) {
    for (const char* name : {"stations", "station_areas", "village_stations", "station_findings"})
        recreate_table(db, table(name), srs_id);
    insert_rows(db, table("stations"), t.stations.size(), [&](std::size_t i, RowOut& out) {
        const StationRow& s = t.stations[i];
        out.integer(s.fid);
        const OGRPoint point(s.x, s.y);
        const std::string blob = gpkg_blob(point, srs_id);
        out.geometry(std::vector<unsigned char>(blob.begin(), blob.end()));
        for (const std::string* v : {&s.name, &s.phone, &s.county_code, &s.county_name, &s.township_code,
                                     &s.township_name, &s.township_as_written})
            out.text(*v);
        out.integer(s.villages);
        out.integer(s.planned_villages);
        out.integer(s.planned_households);
        out.real(s.farthest_planned_m);
        out.text(s.file);
        out.text(s.layer);
        out.integer(s.row);
    }, srs_id);
    insert_rows(db, table("station_areas"), t.areas.size(), [&](std::size_t i, RowOut& out) {
        const StationArea& a = t.areas[i];
        out.integer(static_cast<long long>(i + 1));
        out.geometry(a.blob);
        out.integer(a.station_fid);
        out.text(a.name);
        out.text(a.county_code);
        out.text(a.township_name);
        out.real(a.radius_m);
    }, srs_id);
    insert_rows(db, table("village_stations"), t.villages.size(), [&](std::size_t i, RowOut& out) {
        const VillageStation& v = t.villages[i];
        out.integer(v.village_fid);
        out.integer(v.station_fid);
        out.text(v.station_name);
        if (std::isnan(v.distance_m))
            out.null();
        else
            out.real(v.distance_m);
        out.text(v.reach);
    }, srs_id);
    insert_rows(db, table("station_findings"), t.findings.size(), [&](std::size_t i, RowOut& out) {
        const StationFinding& f = t.findings[i];
        out.integer(static_cast<long long>(i + 1));
        out.text(f.county_code);
        out.text(f.township_code);
        out.text(f.township_name);
        out.text(f.issue.file);
        out.text(f.issue.sheet);
        out.integer(f.issue.row);
        out.text(f.issue.column);
        out.text(f.issue.value);
        out.text(f.issue.code);
        out.text(severity_name(f.issue.severity));
        out.text(f.issue.message);
    }, srs_id);
}

}  // namespace cleanheat::dataset

// The merged dataset, declared once: every table and column the commands read and write, the
// schema version recorded in the dataset, and the SQL that creates them. No other module
// creates or alters a table of the dataset, or spells a route column.
//
//   villages             the village polygons and their plan (merge); the fields of later checks
//                        are added by the command that computes them (progress, contiguity,
//                        spotcheck), so a map can tell "not checked" from "checked, nothing"
//   plan_rows, heating   the rows of the plan tables and of the heating table as loaded (merge)
//   issues, inputs       the merge's findings and the files it read, with their row counts
//   run_info             key/value facts of the merge (tool, version, CRS, counts, schema_version)
//   run_log              one row per later run that changed the dataset (command, arguments, times)
//   progress_*           the ledger of imported progress reports and its caches (progress)
//   household_imports, households, household_issues   the household lists as imported, append-only
//                        (households); personal data, read by the city office and the unit only
//   subsidies            each household's subsidies of a season, paid or withheld with the reason (subsidy)
//   clusters, contiguity_groups, contiguity_findings, village_contiguity   the contiguity check's
//                        results (village_contiguity: each village's cluster and class, by fid)
//   stations, station_areas, village_stations, station_findings   the after-care service stations
//                        as loaded (points), their service areas, each village's nearest station
//                        and distance, and the findings (stations)
#pragma once
#include <ogr_core.h>

#include <string>
#include <vector>

#include "base/routes.hpp"
#include "io/gpkg_sql.hpp"
#include "io/gpkg_writer.hpp"

namespace cleanheat::dataset {

// Version 1: datasets written before the version was recorded (no run_log; later runs logged
// as dotted keys in run_info). Version 2: run_log, and run_info.schema_version. Version 3: the
// contiguity check's village fields in their own table village_contiguity (keyed by village),
// no longer in villages (a check rewrote every village row for them).
constexpr int kSchemaVersion = 3;

// integer: 32-bit in GDAL's eyes (MEDIUMINT). date: a day, written yyyy-mm-dd (GeoPackage DATE,
// PostgreSQL date), NULL when unknown, never empty text; for the dates the tools have checked
// (a ledger's dates as a report wrote them stay text).
enum class ColumnType { text, integer, integer64, real, date };
// Bound and read as text (text and dates).
inline bool textual(ColumnType type) { return type == ColumnType::text || type == ColumnType::date; }

struct Column {
    const char* name;
    ColumnType type;
};

enum class Key {
    fid,           // fid INTEGER PRIMARY KEY AUTOINCREMENT (GeoPackage layers and tables)
    import_id,     // import_id INTEGER PRIMARY KEY AUTOINCREMENT (progress_imports)
    first_column,  // the first declared column is the primary key (caches keyed by village or date)
};

struct Table {
    const char* name;
    const char* description;  // Chinese, as GIS programs list the layer
    const char* written_by;   // the command that creates it: merge, progress, contiguity
    bool features = false;    // a layer with a `geom` of the type below (villages: the geodata's type)
    bool registered = true;   // listed in gpkg_contents (caches are not)
    Key key = Key::fid;
    std::vector<Column> columns;
    // Rows are only ever added (the ledger, the run log): a run's changes are its new rows. Other
    // tables a command writes are its results, replaced as a whole.
    bool append_only = false;
    // Its geometries can be long (a cluster's outline: 400,000 points): stored uncompressed in a
    // database (written without pglz, read without decompressing); a village's stay compressed.
    bool long_geometries = false;
    // Personal data (names, ID numbers, phones): read by the city office and the unit's own role only,
    // never by viewers, never gathered into a province's database.
    bool personal = false;
    // The geometry type a feature layer declares (GeoPackage geometry_type_name).
    const char* geometry = "MULTIPOLYGON";
};

// The tables, by name (throws std::logic_error for a name not declared).
const Table& table(const std::string& name);
const std::vector<Table>& tables();

// The villages' field of one route: households_district_heating, households_gas, ...
std::string route_column(Route route);
// All of them in route order, comma-separated, each wrapped in `function` when given:
// route_columns("sum") -> "sum(households_district_heating), sum(households_gas), ...".
std::string route_columns(const std::string& function = {});
// The villages' fields the later checks add.
const std::vector<Column>& village_progress_columns();    // progress: status, households_started ...
// contiguity: cluster_id ... contiguity; since version 3 in the table village_contiguity
// (village_fid, then these), read with the villages through a join
const std::vector<Column>& village_contiguity_columns();
const std::vector<Column>& village_spot_check_columns();  // spotcheck: spot_check
// The villages' fields a command writes (progress, contiguity, spotcheck; none for others).
const std::vector<Column>& village_columns_of(const std::string& command);

// The fields of a table for GpkgWriter::create_layer.
std::vector<FieldSpec> writer_fields(const Table& table);

// Creates a declared table (and registers it in the GeoPackage) when it is missing;
// `srs_id` for feature tables. Inside the caller's transaction.
void create_table(const SqliteDb& db, const Table& table, int srs_id = 0);
// Drops and creates a declared table (results that a run replaces as a whole).
void recreate_table(const SqliteDb& db, const Table& table, int srs_id = 0);
// Adds the declared columns a table lacks (ALTER TABLE ... ADD COLUMN). `table_name` may be a
// layer that is not the dataset's own (contiguity runs on any GeoPackage coverage).
void add_missing_columns(const SqliteDb& db, const std::string& table_name, const std::vector<Column>& columns);

// The contiguity fields a layer holds from before version 3 moved into village_contiguity (made
// anew) and dropped from the layer, inside the caller's transaction; whether there were any.
bool move_contiguity_fields(const SqliteDb& db, const std::string& layer);

// A column as a SELECT on a GeoPackage reads it for another store: a date's empty text (datasets
// written before dates were dates) as NULL, since a database's date takes no empty text.
std::string sqlite_select(const Column& column, const std::string& prefix = {});

// "INSERT INTO t (c1, c2 ...) VALUES (?1, ?2 ...)" over the declared columns of a table, or over
// the ones named (in that order).
std::string insert_sql(const Table& table);
std::string insert_sql(const Table& table, const std::vector<std::string>& columns);

}  // namespace cleanheat::dataset

// The merged dataset in PostgreSQL/PostGIS: one schema (default `cleanheat`) holding the tables
// declared in dataset/schema.hpp, geometry in PostGIS with GiST indexes, and who may do what:
//
//   cleanheat_city          reads and writes everything (owns the tables)
//   cleanheat_unit_<code>   one per reporting unit: reads its own unit's villages, plan rows,
//                           heating rows and ledger; imports progress reports for its unit
//                           (row-level security on county_code)
//   cleanheat_viewer        reads everything, writes nothing (maps and reports)
//
// The roles hold no login: people log in as their own users, made members of a role by the
// database administrator (docs/database.md).
#pragma once
#include <set>
#include <string>
#include <vector>

#include "base/units.hpp"
#include "dataset/schema.hpp"
#include "io/pg_connection.hpp"

namespace cleanheat::dataset {

constexpr const char* kDefaultPgSchema = "cleanheat";
constexpr const char* kCityRole = "cleanheat_city";
constexpr const char* kViewerRole = "cleanheat_viewer";
// cleanheat_unit_<code>
std::string unit_role(const std::string& unit_code);
// UsageError unless a schema name is plain (a-z, 0-9, _, not starting with a digit; at most 63).
void check_schema_name(const std::string& schema);

struct PgInitResult {
    std::string database, schema;
    std::vector<std::string> roles_created, roles_present;
    long long units = 0;
    bool dataset_present = false;  // the schema already held a dataset: its tables were secured again
    std::string qgis_styles;       // public.layer_styles: "ready", or why not
};

// Creates (or completes: it may run again, e.g. with more units) the PostGIS extension, the
// schema, the roles, the unit_roles table and, when a dataset is there, its policies and grants.
// One transaction.
PgInitResult pg_init(const PgConnection& db, const std::string& schema, const UnitRegistry& units);

// QGIS's own table of layer styles in a database, public.layer_styles (QGIS finds it on its
// search path: lower-case columns, the QML as xml), made when missing (QGIS's columns), readable by
// every cleanheat role and written by the city office. Inside the caller's transaction; false
// when this login may not create it (the reason in `why`).
bool pg_prepare_qgis_styles(const PgConnection& db, std::string& why);
// The dataset's styles (its layer_styles table) published to public.layer_styles for the schema's
// tables, replacing those cleanheat published before (owner 'cleanheat'; a user's own styles stay).
// Inside the caller's transaction (a savepoint); how many, or -1 when it cannot (`why` says why).
long long pg_publish_qgis_styles(const PgConnection& db, const std::string& schema, std::string& why);

// Whether db init has prepared the schema; whether a dataset is in it (a villages table).
bool pg_initialised(const PgConnection& db, const std::string& schema);
bool pg_has_dataset(const PgConnection& db, const std::string& schema);
// The schema version the dataset there records (1 when run_info names none, 0 when the login
// may not read run_info or there is none).
int pg_schema_version(const PgConnection& db, const std::string& schema);

// Creates one declared table with the given columns (the declaration's types; `srid` and the
// OGC type name, e.g. MULTIPOLYGON or GEOMETRY, for the geometry of a feature table, with " Z",
// " M" or " ZM" after it for coordinates of more than two dimensions). Inside the
// caller's transaction. `key_later`: its primary key added by pg_add_key once its rows are in
// (one index build instead of a check per row; the rows then copied WITH (FREEZE), the table
// being new in this transaction).
void pg_create_table(const PgConnection& db, const std::string& schema, const Table& table,
                     const std::vector<Column>& columns, int srid, const std::string& geometry_type,
                     bool key_later = false);
void pg_add_key(const PgConnection& db, const std::string& schema, const Table& table,
                const std::vector<Column>& columns);
// The geometry type a feature table's GeoPackage layer declared (GEOMETRY when not recorded).
std::string pg_geometry_type(const PgConnection& db, const std::string& schema, const std::string& table);
// The columns of a dataset table in the database, in order, typed by their declarations (keys and
// geometry left out); InputError for a column the dataset does not declare.
std::vector<Column> pg_columns(const PgConnection& db, const std::string& schema, const Table& table);
// The PostgreSQL type of a declared column: text, integer, bigint, double precision.
const char* pg_type(ColumnType type);
// The cast a column is read with, as its declaration types it (::text, ::float8, ::bigint): a column
// someone altered reads as before.
const char* pg_read_cast(ColumnType type);
// The dataset's write lock: a transaction-scoped advisory lock of the schema, held by every run
// that changes the dataset (write-through commands, copy into it, merge -o PG:). Waits for it,
// asking again every 50 ms so that a stop request ends the wait, and says once that it waits.
void pg_lock_dataset(const PgConnection& db, const std::string& schema, const std::string& label);
// Whether the schema holds a table of that name.
bool pg_table_exists(const PgConnection& db, const std::string& schema, const std::string& table);
// Adds the declared columns a table lacks (ALTER TABLE ... ADD COLUMN); whether any was added.
bool pg_add_missing_columns(const PgConnection& db, const std::string& schema, const std::string& table,
                            const std::vector<Column>& columns);
// Sets the numbering of a table's key after the largest key it holds (after rows copied with
// their keys, new rows continue from there).
void pg_continue_keys(const PgConnection& db, const std::string& schema, const std::string& table, const std::string& key);
// Drops every declared table of the schema.
void pg_drop_dataset(const PgConnection& db, const std::string& schema);
// Indexes, owner, row-level security, policies and grants of the dataset tables present (`only`:
// of those named, when given).
void pg_secure_dataset(const PgConnection& db, const std::string& schema, const std::set<std::string>& only = {});

// A column's declaration: in its table, else among the villages' later fields; nullptr if none.
const Column* declared_column(const Table& table, const std::string& name);

}  // namespace cleanheat::dataset

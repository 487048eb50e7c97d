// Rows of a GeoPackage dataset into PostgreSQL: one SQLite value as a field of a COPY row, the
// way `cleanheat copy` and the commands that write through to a database both send them.
#pragma once
#include <sqlite3.h>

#include <cstddef>
#include <map>
#include <string>

#include "io/gpkg_sql.hpp"
#include "io/pg_connection.hpp"

namespace cleanheat::dataset {

// GeoPackage geometry blob -> hex EWKB with the SRID, as PostGIS reads it in COPY; false for a
// blob that is not one (an empty geometry keeps its empty WKB).
bool blob_to_hex_ewkb(const unsigned char* blob, std::size_t size, int srid, std::string& hex);

// Column `i` of the current row as the next field: NULL as NULL, a geometry (when `geometry`) as
// EWKB hex, a real with every digit (%.17g: the same double in the database), the rest as text.
// False when a geometry column holds no GeoPackage geometry (nothing is written then).
bool copy_sqlite_value(PgCopyIn& copy, sqlite3_stmt* st, int i, bool geometry, int srid, std::string& scratch);

// The SRID (the CRS's EPSG code) and the geometry type a GeoPackage layer declares (0 and
// GEOMETRY when it declares none), " Z", " M" or " ZM" after it when all its geometries have them.
void gpkg_geometry_of(const SqliteDb& source, const std::string& table, int& srid, std::string& geometry_type);

// Every row `select` gives into the COPY, its columns in order: column `geometry_at` a geometry
// (-1: none), and the whole numbers of column `renumber_at` (-1: none) looked up in `renumber`
// (numbers not in it kept). Rows written; InputError naming `what` and the row's first value for a
// geometry that is none.
long long copy_sqlite_rows(const SqliteDb& source, const std::string& select, PgCopyIn& copy, int geometry_at,
                           int srid, const std::string& what, int renumber_at = -1,
                           const std::map<long long, long long>* renumber = nullptr);

}  // namespace cleanheat::dataset

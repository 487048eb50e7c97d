// A province's database gathering the datasets of city databases with PostgreSQL's own means
// (docs/scale.md): each city's tables reached through postgres_fdw (a foreign server per city,
// made by the administrator with its user mapping: host, login and password stay in the
// database, never on a command line), imported as foreign tables into a schema city_<name>,
// and the province's dataset made of views of their union. The views read the cities where they
// lie: the province's annex, map and report are those of the union, and always current.
//
// In the union, keys and the numbers that refer to them (village_fid, import_id) become
// key * 100 + the city's place (1, 2 ...), so that a village is one row and the same number
// never means two villages; geometry is brought into the first city's CRS. run_info is the first
// city's (its tool version and schema version; all cities must have the same schema version).
#pragma once
#include <string>
#include <vector>

#include "io/pg_connection.hpp"

namespace cleanheat::dataset {

struct GatherCity {
    std::string name;    // plain: a-z, 0-9, _ (the schema city_<name>)
    std::string server;  // a foreign server of postgres_fdw (CREATE SERVER ...) reaching the city's database
};

struct GatherResult {
    std::string database, schema;
    std::vector<std::string> cities;
    std::vector<std::string> views;  // the province's tables, each a view of the union
    long long villages = 0;
    int srid = 0;
};

// Creates or renews the cities' foreign tables and the province's views in `schema` (which must
// hold no dataset of its own), one transaction. `city_schema`: the cities' dataset schema.
// UsageError for a bad name, more than 99 cities or none; InputError for a missing server, a
// city without a dataset, or cities of different schema versions.
GatherResult pg_gather(const PgConnection& db, const std::string& schema, const std::vector<GatherCity>& cities,
                       const std::string& city_schema);

}  // namespace cleanheat::dataset

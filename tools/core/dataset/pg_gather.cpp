#include "dataset/pg_gather.hpp"

#include <algorithm>
#include <set>

#include "base/error.hpp"
#include "dataset/pg_store.hpp"
#include "dataset/schema.hpp"

namespace cleanheat::dataset {
namespace {

constexpr const char* kGatheredMark = "cleanheat db gather: a city's dataset through postgres_fdw";

std::string relkind(const PgConnection& db, const std::string& schema, const std::string& name) {
    const PgResult r = db.query(
        "SELECT c.relkind::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND "
        "c.relname = $2",
        {schema, name});
    return r.rows() > 0 ? r.text(0, 0) : std::string();
}

std::vector<std::string> columns_of(const PgConnection& db, const std::string& schema, const std::string& table) {
    std::vector<std::string> names;
    const PgResult r = db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY "
        "ordinal_position",
        {schema, table});
    for (int i = 0; i < r.rows(); ++i) names.push_back(r.text(i, 0));
    return names;
}

}  // namespace

GatherResult pg_gather(const PgConnection& db, const std::string& schema, const std::vector<GatherCity>& cities,
                       const std::string& city_schema) {
    check_schema_name(schema);
    check_schema_name(city_schema);
    if (cities.empty()) throw UsageError("give the cities: --city NAME=SERVER (a postgres_fdw server each)");
    if (cities.size() > 99) throw UsageError(std::to_string(cities.size()) + " cities: at most 99 in one province");
    std::set<std::string> names;
    for (const auto& c : cities) {
        check_schema_name("city_" + c.name);
        if (!names.insert(c.name).second) throw UsageError("city " + c.name + " given twice");
    }
    GatherResult result;
    result.schema = schema;
    result.database = db.query("SELECT current_database()").text(0, 0);
    const std::string s = db.identifier(schema);
    db.exec("BEGIN");
    try {
        db.exec("CREATE EXTENSION IF NOT EXISTS postgis");
        db.exec("CREATE EXTENSION IF NOT EXISTS postgres_fdw");
        // the province's schema holds views of the union only, never a dataset of its own
        for (const auto& t : tables()) {
            const std::string kind = relkind(db, schema, t.name);
            if (!kind.empty() && kind != "v")
                throw InputError(db.label() + ": schema " + schema + " holds a table " + t.name +
                                 ": gather the cities into a schema of their own (--pg-schema)");
            if (kind == "v") db.exec("DROP VIEW " + s + "." + db.identifier(t.name));
        }
        db.exec("CREATE SCHEMA IF NOT EXISTS " + s);
        // each city's tables as foreign tables of a schema city_<name> (made anew: always the city's columns)
        std::string limit;
        for (const auto& t : tables())
            if (t.registered && !t.personal) limit += (limit.empty() ? "" : ", ") + db.identifier(t.name);
        for (const auto& city : cities) {
            if (db.query("SELECT 1 FROM pg_foreign_server WHERE srvname = $1", {city.server}).rows() == 0)
                throw InputError(db.label() + ": no foreign server " + city.server + " for city " + city.name,
                                 "the administrator makes it: CREATE SERVER ... FOREIGN DATA WRAPPER postgres_fdw and "
                                 "CREATE USER MAPPING (docs/scale.md)");
            const std::string cs = "city_" + city.name;
            const PgResult mark = db.query(
                "SELECT coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace WHERE nspname = $1", {cs});
            if (mark.rows() > 0) {
                if (mark.text(0, 0) != kGatheredMark)
                    throw InputError(db.label() + ": schema " + cs + " exists and was not made by cleanheat db gather");
                db.exec("DROP SCHEMA " + db.identifier(cs) + " CASCADE");
            }
            db.exec("CREATE SCHEMA " + db.identifier(cs));
            db.exec("COMMENT ON SCHEMA " + db.identifier(cs) + " IS " + db.literal(kGatheredMark));
            db.exec("IMPORT FOREIGN SCHEMA " + db.identifier(city_schema) + " LIMIT TO (" + limit + ") FROM SERVER " +
                    db.identifier(city.server) + " INTO " + db.identifier(cs));
            if (relkind(db, cs, "villages").empty())
                throw InputError(db.label() + ": city " + city.name + " (server " + city.server + ") holds no dataset in schema " +
                                 city_schema);
            result.cities.push_back(city.name);
        }
        // one schema version in all (asked through the servers: each city is reached here)
        std::string version;
        for (const auto& city : cities) {
            const std::string cs = db.identifier("city_" + city.name);
            const PgResult r = db.query("SELECT value FROM " + cs + ".run_info WHERE key = 'schema_version'");
            const std::string v = r.rows() > 0 ? r.text(0, 0) : "1";
            if (version.empty()) version = v;
            if (v != version)
                throw InputError(db.label() + ": city " + city.name + " has schema version " + v + ", city " +
                                 cities.front().name + " " + version,
                                 "upgrade the older city first: any cleanheat command that writes its dataset does");
        }
        {
            const PgResult r = db.query("SELECT ST_SRID(geom) FROM " + db.identifier("city_" + cities.front().name) +
                                        ".villages WHERE geom IS NOT NULL LIMIT 1");
            result.srid = r.rows() > 0 ? static_cast<int>(r.integer(0, 0)) : 0;
        }
        // the province's tables: views of the union, keys and references renumbered
        for (const auto& t : tables()) {
            if (!t.registered || t.personal) continue;  // households stay in their city
            std::vector<std::size_t> with;  // the cities that have the table
            std::vector<std::vector<std::string>> present(cities.size());
            for (std::size_t k = 0; k < cities.size(); ++k) {
                if (std::string(t.name) == "run_info" && k > 0) continue;  // the first city's facts
                const std::string cs = "city_" + cities[k].name;
                if (relkind(db, cs, t.name).empty()) continue;
                with.push_back(k);
                present[k] = columns_of(db, cs, t.name);
            }
            if (with.empty()) continue;
            // the declared columns any city has, in the order they come
            std::vector<Column> columns;
            for (std::size_t k : with)
                for (const auto& name : present[k]) {
                    const Column* declared = declared_column(t, name);
                    if (declared && std::none_of(columns.begin(), columns.end(),
                                                 [&](const Column& c) { return name == c.name; }))
                        columns.push_back(*declared);
                }
            const std::string key = t.key == Key::import_id ? "import_id" : "fid";
            std::string view;
            for (std::size_t k : with) {
                const std::string place = std::to_string(k + 1);
                const auto has = [&](const std::string& name) {
                    return std::find(present[k].begin(), present[k].end(), name) != present[k].end();
                };
                std::vector<std::string> parts;  // a table keyed by its first column (village_fid) has no key of its own
                if (t.key != Key::first_column)
                    parts.push_back("(" + db.identifier(key) + "::bigint * 100 + " + place + ") AS " + db.identifier(key));
                if (t.features)
                    parts.push_back("ST_Transform(geom, " + std::to_string(result.srid) + ")::geometry(Geometry, " +
                                    std::to_string(result.srid) + ") AS geom");
                for (const auto& c : columns) {
                    const std::string name = db.identifier(c.name);
                    const std::string type = pg_type(c.type);
                    if (!has(c.name))
                        parts.push_back("NULL::" + type + " AS " + name);
                    else if (std::string(c.name) == "village_fid" || std::string(c.name) == "import_id")
                        parts.push_back("(" + name + "::bigint * 100 + " + place + ")::" + type + " AS " + name);
                    else
                        parts.push_back(name + "::" + type + " AS " + name);
                }
                std::string select;
                for (const auto& p : parts) select += (select.empty() ? "SELECT " : ", ") + p;
                view += (view.empty() ? "" : " UNION ALL ") + select + " FROM " + db.identifier("city_" + cities[k].name) +
                        "." + db.identifier(t.name);
            }
            db.exec("CREATE VIEW " + s + "." + db.identifier(t.name) + " AS " + view);
            result.views.emplace_back(t.name);
        }
        result.villages = db.query("SELECT count(*) FROM " + s + ".villages").integer(0, 0);
        db.exec("COMMIT");
    } catch (...) {
        db.rollback();
        throw;
    }
    return result;
}

}  // namespace cleanheat::dataset

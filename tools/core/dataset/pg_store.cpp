#include "dataset/pg_store.hpp"

#include <cstring>

#include <algorithm>
#include <chrono>
#include <thread>

#include "base/error.hpp"
#include "base/notice.hpp"
#include "base/stop.hpp"

namespace cleanheat::dataset {
namespace {

// The tables a reporting unit sees, the rows it sees (a predicate on the table's own columns)
// and what it may do besides reading.
struct UnitAccess {
    const char* table;
    const char* predicate;  // %s: the schema (quoted)
    const char* privileges;
};

const std::vector<UnitAccess>& unit_access() {
    static const std::vector<UnitAccess> access = {
        {"villages", "county_code IN (SELECT %s.my_units())", "SELECT"},
        {"plan_rows", "county_code IN (SELECT %s.my_units())", "SELECT"},
        {"heating", "county_code IN (SELECT %s.my_units())", "SELECT"},
        {"progress_imports", "county_code IN (SELECT %s.my_units())", "SELECT, INSERT"},
        // a ledger row of its own unit, about one of its own villages (or none), in one of its imports
        {"progress_ledger",
         "county_code IN (SELECT %s.my_units()) AND (village_fid IS NULL OR village_fid IN (SELECT fid FROM "
         "%s.villages)) AND (import_id IS NULL OR import_id IN (SELECT import_id FROM %s.progress_imports))",
         "SELECT, INSERT"},
        {"progress_issues", "import_id IN (SELECT import_id FROM %s.progress_imports)", "SELECT, INSERT"},
        {"contiguity_findings", "village_fid IN (SELECT fid FROM %s.villages)", "SELECT"},
        {"household_imports", "county_code IN (SELECT %s.my_units())", "SELECT, INSERT"},
        // a unit's own households, in one of its own imports
        {"households",
         "county_code IN (SELECT %s.my_units()) AND village_fid IN (SELECT fid FROM %s.villages) AND import_id IN "
         "(SELECT import_id FROM %s.household_imports)",
         "SELECT, INSERT"},
        {"household_issues", "import_id IN (SELECT import_id FROM %s.household_imports)", "SELECT, INSERT"},
        {"subsidies", "county_code IN (SELECT %s.my_units())", "SELECT"},
        {"village_contiguity", "village_fid IN (SELECT fid FROM %s.villages)", "SELECT"},
        {"stations", "county_code IN (SELECT %s.my_units())", "SELECT"},
        {"station_areas", "county_code IN (SELECT %s.my_units())", "SELECT"},
        {"village_stations", "village_fid IN (SELECT fid FROM %s.villages)", "SELECT"},
        {"station_findings", "county_code IN (SELECT %s.my_units())", "SELECT"},
    };
    return access;
}

std::string with_schema(const char* pattern, const std::string& schema) {
    std::string out = pattern;
    for (std::size_t p = out.find("%s"); p != std::string::npos; p = out.find("%s", p + schema.size()))
        out.replace(p, 2, schema);
    return out;
}

bool table_exists(const PgConnection& db, const std::string& schema, const std::string& table) {
    return db.query("SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2", {schema, table}).rows() > 0;
}

bool role_exists(const PgConnection& db, const std::string& role) {
    return db.query("SELECT 1 FROM pg_roles WHERE rolname = $1", {role}).rows() > 0;
}

// CREATE ROLE, also when another session creates the same role at the same moment.
bool create_role(const PgConnection& db, const std::string& role) {
    if (role_exists(db, role)) return false;
    db.exec("SAVEPOINT cleanheat_role");
    try {
        db.exec("CREATE ROLE " + db.identifier(role) + " NOLOGIN");
    } catch (const Error&) {
        if (db.last_state() != "42710" && db.last_state() != "23505") throw;  // duplicate_object, unique_violation
        db.exec("ROLLBACK TO SAVEPOINT cleanheat_role");
        return false;
    }
    db.exec("RELEASE SAVEPOINT cleanheat_role");
    return true;
}

}  // namespace

const char* pg_read_cast(ColumnType type) {
    // a date as text: yyyy-mm-dd (the connection's DateStyle is ISO)
    return textual(type) ? "::text" : type == ColumnType::real ? "::float8" : "::bigint";
}

const char* pg_type(ColumnType type) {
    switch (type) {
        case ColumnType::text:
            return "text";
        case ColumnType::integer:
            return "integer";
        case ColumnType::integer64:
            return "bigint";
        case ColumnType::real:
            return "double precision";
        case ColumnType::date:
            return "date";
    }
    return "text";
}


std::string unit_role(const std::string& unit_code) { return "cleanheat_unit_" + unit_code; }

void check_schema_name(const std::string& schema) {
    const bool plain = !schema.empty() && schema.size() <= 63 &&
                       std::all_of(schema.begin(), schema.end(), [](unsigned char c) {
                           return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                       }) &&
                       !(schema[0] >= '0' && schema[0] <= '9');
    if (!plain)
        throw UsageError("--pg-schema " + schema + ": give a plain name (lower-case letters, digits, _; e.g. binzhou)");
}

const Column* declared_column(const Table& table, const std::string& name) {
    for (const auto& c : table.columns)
        if (name == c.name) return &c;
    if (std::string(table.name) == "villages")
        for (const auto* group : {&village_progress_columns(), &village_contiguity_columns(), &village_spot_check_columns()})
            for (const auto& c : *group)
                if (name == c.name) return &c;
    return nullptr;
}

bool pg_initialised(const PgConnection& db, const std::string& schema) { return table_exists(db, schema, "unit_roles"); }

bool pg_has_dataset(const PgConnection& db, const std::string& schema) {  // a table, or a view (a province's union)
    return db.query("SELECT to_regclass(quote_ident($1) || '.villages') IS NOT NULL", {schema}).text(0, 0) == "t";
}

int pg_schema_version(const PgConnection& db, const std::string& schema) {
    const PgResult readable = db.query(
        "SELECT to_regclass(quote_ident($1) || '.run_info') IS NOT NULL AND "
        "has_table_privilege(quote_ident($1) || '.run_info', 'SELECT')",
        {schema});
    if (readable.text(0, 0) != "t") return 0;
    const PgResult r = db.query("SELECT value FROM " + db.identifier(schema) +
                                ".run_info WHERE key = 'schema_version' ORDER BY fid DESC LIMIT 1");
    return r.rows() == 0 ? 1 : std::atoi(r.text(0, 0).c_str());
}

PgInitResult pg_init(const PgConnection& db, const std::string& schema, const UnitRegistry& units) {
    check_schema_name(schema);
    PgInitResult result;
    result.schema = schema;
    result.database = db.query("SELECT current_database()").text(0, 0);
    for (const auto& u : units.units())
        if (u.code.empty() || unit_role(u.code).size() > 63 || u.code.find_first_of("\"$\\") != std::string::npos)
            throw InputError("unit code '" + u.code + "': cannot name a role cleanheat_unit_<code> (at most 48 bytes, no quotes)");
    const std::string s = db.identifier(schema);
    db.exec("BEGIN");
    try {
        db.exec("CREATE EXTENSION IF NOT EXISTS postgis");
        db.exec("CREATE SCHEMA IF NOT EXISTS " + s);
        std::vector<std::string> roles = {kCityRole, kViewerRole};
        for (const auto& u : units.units()) roles.push_back(unit_role(u.code));
        for (const auto& role : roles)
            (create_role(db, role) ? result.roles_created : result.roles_present).push_back(role);
        db.exec("CREATE TABLE IF NOT EXISTS " + s +
                ".unit_roles (role_name text PRIMARY KEY, unit_code text UNIQUE NOT NULL, unit_name text)");
        for (const auto& u : units.units())
            db.query("INSERT INTO " + s +
                         ".unit_roles (role_name, unit_code, unit_name) VALUES ($1, $2, $3) ON CONFLICT (role_name) DO "
                         "UPDATE SET unit_name = EXCLUDED.unit_name",
                     {unit_role(u.code), u.code, u.name});
        result.units = db.query("SELECT count(*) FROM " + s + ".unit_roles").integer(0, 0);
        // the units of the user: those whose role the user is (or is a member of)
        // (its search_path fixed, every name qualified: a user's own functions cannot stand in for these)
        db.exec("CREATE OR REPLACE FUNCTION " + s +
                ".my_units() RETURNS SETOF text LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS "
                "$cleanheat$ SELECT u.unit_code FROM " + s +
                ".unit_roles u WHERE CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_roles r WHERE r.rolname "
                "OPERATOR(pg_catalog.=) u.role_name) THEN pg_catalog.pg_has_role(current_user, u.role_name, 'MEMBER') "
                "ELSE false END $cleanheat$");
        db.exec("REVOKE ALL ON FUNCTION " + s + ".my_units() FROM PUBLIC");
        db.exec("GRANT USAGE, CREATE ON SCHEMA " + s + " TO " + kCityRole);
        std::string readers = kViewerRole;
        for (const auto& u : units.units()) readers += ", " + db.identifier(unit_role(u.code));
        db.exec("GRANT USAGE ON SCHEMA " + s + " TO " + readers);
        db.exec("GRANT SELECT ON " + s + ".unit_roles TO " + std::string(kCityRole) + ", " + readers);
        db.exec("GRANT EXECUTE ON FUNCTION " + s + ".my_units() TO " + std::string(kCityRole) + ", " + readers);
        std::string why;
        result.qgis_styles = pg_prepare_qgis_styles(db, why) ? "ready" : why;
        result.dataset_present = pg_has_dataset(db, schema);
        if (result.dataset_present) {
            pg_secure_dataset(db, schema);
            if (pg_publish_qgis_styles(db, schema, why) < 0) result.qgis_styles = why;
        }
        db.exec("COMMIT");
    } catch (...) {
        db.rollback();
        throw;
    }
    return result;
}

bool pg_prepare_qgis_styles(const PgConnection& db, std::string& why) {
    db.exec("SAVEPOINT cleanheat_qgis");
    try {
        if (!pg_table_exists(db, "public", "layer_styles"))  // as QGIS makes it (QGIS 3.x)
            db.exec("CREATE TABLE public.layer_styles (id serial PRIMARY KEY, f_table_catalog varchar, "
                    "f_table_schema varchar, f_table_name varchar, f_geometry_column varchar, stylename text, "
                    "styleqml xml, stylesld xml, useasdefault boolean, description text, owner varchar(63) DEFAULT "
                    "CURRENT_USER, ui xml, update_time timestamp DEFAULT CURRENT_TIMESTAMP, type varchar)");
        db.exec("GRANT SELECT, INSERT, UPDATE, DELETE ON public.layer_styles TO " + std::string(kCityRole));
        const PgResult sequence = db.query("SELECT pg_get_serial_sequence('public.layer_styles', 'id')");
        if (!sequence.null(0, 0))
            db.exec("GRANT USAGE, SELECT ON SEQUENCE " + sequence.text(0, 0) + " TO " + std::string(kCityRole));
        db.exec("GRANT SELECT ON public.layer_styles TO " + std::string(kViewerRole));
        const PgResult units =
            db.query("SELECT rolname FROM pg_catalog.pg_roles WHERE rolname LIKE 'cleanheat\\_unit\\_%' ORDER BY 1");
        for (int i = 0; i < units.rows(); ++i)
            db.exec("GRANT SELECT ON public.layer_styles TO " + db.identifier(units.text(i, 0)));
    } catch (const std::exception& e) {
        db.exec("ROLLBACK TO SAVEPOINT cleanheat_qgis");
        db.exec("RELEASE SAVEPOINT cleanheat_qgis");
        why = std::string("public.layer_styles cannot be prepared by this login (") + e.what() +
              "); run 'cleanheat db init' as the database's owner";
        return false;
    }
    db.exec("RELEASE SAVEPOINT cleanheat_qgis");
    return true;
}

long long pg_publish_qgis_styles(const PgConnection& db, const std::string& schema, std::string& why) {
    if (!pg_table_exists(db, schema, "layer_styles")) return 0;
    if (!pg_table_exists(db, "public", "layer_styles") && !pg_prepare_qgis_styles(db, why)) return -1;
    db.exec("SAVEPOINT cleanheat_qgis_publish");
    try {
        db.query("DELETE FROM public.layer_styles WHERE f_table_catalog = current_database() AND f_table_schema = $1 "
                 "AND owner = 'cleanheat'",
                 {schema});
        const std::string from = db.identifier(schema) + ".layer_styles";
        const long long n =
            db.query("INSERT INTO public.layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                     "stylename, styleqml, useasdefault, description, owner, update_time) SELECT current_database(), "
                     "$1, f_table_name, f_geometry_column, \"styleName\", XMLPARSE(DOCUMENT \"styleQML\"), "
                     "\"useAsDefault\" <> 0, description, 'cleanheat', now() FROM " + from +
                         " WHERE \"styleQML\" <> '' ORDER BY fid",
                     {schema})
                .affected();
        db.exec("RELEASE SAVEPOINT cleanheat_qgis_publish");
        return n;
    } catch (const std::exception& e) {
        db.exec("ROLLBACK TO SAVEPOINT cleanheat_qgis_publish");
        db.exec("RELEASE SAVEPOINT cleanheat_qgis_publish");
        why = std::string("QGIS styles not published to public.layer_styles: ") + e.what();
        return -1;
    }
}

std::vector<Column> pg_columns(const PgConnection& db, const std::string& schema, const Table& table) {
    std::vector<Column> columns;
    const PgResult r = db.query(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY "
        "ordinal_position",
        {schema, std::string(table.name)});
    for (int i = 0; i < r.rows(); ++i) {
        const std::string name = r.text(i, 0);
        if (name == "geom" || (table.key == Key::fid && name == "fid") ||
            (table.key == Key::import_id && name == "import_id"))
            continue;
        const Column* declared = declared_column(table, name);
        if (!declared)
            throw InputError(db.label() + ": " + schema + "." + table.name + " has a column " + name +
                             " that the dataset does not declare");
        columns.push_back(*declared);
    }
    return columns;
}

void pg_create_table(const PgConnection& db, const std::string& schema, const Table& table,
                     const std::vector<Column>& columns, int srid, const std::string& geometry_type, bool key_later) {
    std::string sql = "CREATE TABLE " + db.identifier(schema) + "." + db.identifier(table.name) + " (";
    const std::string primary = key_later ? "" : " PRIMARY KEY";
    switch (table.key) {
        case Key::fid:
            sql += "fid bigint GENERATED BY DEFAULT AS IDENTITY" + primary;
            break;
        case Key::import_id:
            sql += "import_id bigint GENERATED BY DEFAULT AS IDENTITY" + primary;
            break;
        case Key::first_column:
            break;
    }
    bool first = table.key == Key::first_column;
    if (table.features) {
        // the coordinates' dimensions as the layer declares them: "MULTIPOLYGON Z" takes x, y, z
        std::string dimensions;
        for (const char* suffix : {" ZM", " Z", " M"}) {
            const std::size_t n = std::strlen(suffix);
            if (geometry_type.size() > n && geometry_type.compare(geometry_type.size() - n, n, suffix) == 0) {
                dimensions = suffix + 1;
                break;
            }
        }
        sql += std::string(first ? "" : ", ") + "geom geometry(Geometry" + dimensions + ", " + std::to_string(srid) + ")";
        first = false;
    }
    for (std::size_t i = 0; i < columns.size(); ++i) {
        sql += std::string(first ? "" : ", ") + db.identifier(columns[i].name) + " " + pg_type(columns[i].type);
        if (first && table.key == Key::first_column) sql += primary;
        first = false;
    }
    db.exec(sql + ")");
    // any geometry is taken (a GeoPackage layer declared MULTIPOLYGON may hold polygons); the type
    // the layer declared is kept beside it, for a copy back into a GeoPackage
    if (table.features) {
        const std::string qualified = db.identifier(schema) + "." + db.identifier(table.name);
        db.exec("COMMENT ON COLUMN " + qualified + ".geom IS " + db.literal(geometry_type));
        // long geometries (a cluster's outline of 400,000 points) kept uncompressed: written in half
        // the time (no pglz) and read without decompressing
        if (table.long_geometries) db.exec("ALTER TABLE " + qualified + " ALTER COLUMN geom SET STORAGE EXTERNAL");
    }
}

void pg_add_key(const PgConnection& db, const std::string& schema, const Table& table,
                const std::vector<Column>& columns) {
    const std::string key = table.key == Key::fid         ? "fid"
                            : table.key == Key::import_id ? "import_id"
                                                          : columns.at(0).name;
    db.exec("ALTER TABLE " + db.identifier(schema) + "." + db.identifier(table.name) + " ADD PRIMARY KEY (" +
            db.identifier(key) + ")");
}

std::string pg_geometry_type(const PgConnection& db, const std::string& schema, const std::string& table) {
    const PgResult r = db.query(
        "SELECT col_description(c.oid, a.attnum) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN "
        "pg_attribute a ON a.attrelid = c.oid WHERE n.nspname = $1 AND c.relname = $2 AND a.attname = 'geom'",
        {schema, table});
    return r.rows() > 0 && !r.null(0, 0) ? r.text(0, 0) : "GEOMETRY";
}

void pg_lock_dataset(const PgConnection& db, const std::string& schema, const std::string& label) {
    const std::string lock = "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))";
    const std::string key = "cleanheat dataset " + schema;
    if (db.query(lock, {key}).text(0, 0) == "t") return;
    notice(label + ": another run is writing the dataset; waiting for it to finish");
    do {
        throw_if_stop_requested();
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    } while (db.query(lock, {key}).text(0, 0) != "t");
}

bool pg_table_exists(const PgConnection& db, const std::string& schema, const std::string& table) {
    return table_exists(db, schema, table);
}

bool pg_add_missing_columns(const PgConnection& db, const std::string& schema, const std::string& table,
                            const std::vector<Column>& columns) {
    bool added = false;
    for (const auto& c : columns) {
        if (db.query("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND "
                     "column_name = $3",
                     {schema, table, std::string(c.name)})
                .rows() > 0)
            continue;
        db.exec("ALTER TABLE " + db.identifier(schema) + "." + db.identifier(table) + " ADD COLUMN " +
                db.identifier(c.name) + " " + pg_type(c.type));
        added = true;
    }
    return added;
}

void pg_continue_keys(const PgConnection& db, const std::string& schema, const std::string& table, const std::string& key) {
    const std::string q = db.identifier(schema) + "." + db.identifier(table);
    db.query("SELECT setval(pg_get_serial_sequence($1, $2), greatest(coalesce(max(" + db.identifier(key) +
                 "), 0), 1), max(" + db.identifier(key) + ") IS NOT NULL) FROM " + q,
             {q, key});
}

void pg_drop_dataset(const PgConnection& db, const std::string& schema) {
    for (const auto& t : tables())
        db.exec("DROP TABLE IF EXISTS " + db.identifier(schema) + "." + db.identifier(t.name) + " CASCADE");
}

void pg_secure_dataset(const PgConnection& db, const std::string& schema, const std::set<std::string>& only) {
    const std::string s = db.identifier(schema);
    std::vector<std::string> unit_roles;
    {
        const PgResult r = db.query("SELECT u.role_name FROM " + s +
                                    ".unit_roles u JOIN pg_roles r ON r.rolname = u.role_name ORDER BY 1");
        for (int i = 0; i < r.rows(); ++i) unit_roles.push_back(db.identifier(r.text(i, 0)));
    }
    for (const auto& t : tables()) {
        if ((!only.empty() && !only.count(t.name)) || !table_exists(db, schema, t.name)) continue;
        const std::string q = s + "." + db.identifier(t.name);
        const std::string index = db.identifier(std::string(t.name) + "_geom_gist");
        if (t.features) db.exec("CREATE INDEX IF NOT EXISTS " + index + " ON " + q + " USING gist (geom)");
        db.exec("ALTER TABLE " + q + " OWNER TO " + kCityRole);
        db.exec("GRANT ALL ON " + q + " TO " + kCityRole);
        // personal data: the city office and the unit's own role only, never the viewers
        const bool personal = t.personal;
        if (personal)
            db.exec("REVOKE ALL ON " + q + " FROM " + kViewerRole);
        else
            db.exec("GRANT SELECT ON " + q + " TO " + kViewerRole);
        const auto access = std::find_if(unit_access().begin(), unit_access().end(),
                                         [&](const UnitAccess& a) { return std::string(a.table) == t.name; });
        if (std::string(t.name) == "run_info")  // the merge's facts (tool, version, CRS): a unit's copy is a dataset too
            for (const auto& role : unit_roles) db.exec("GRANT SELECT ON " + q + " TO " + role);
        if (access == unit_access().end()) continue;
        const std::string predicate = with_schema(access->predicate, s);
        // (village_contiguity is keyed by its village: its key's index serves)
        if (std::string(t.name) == "village_contiguity" || std::string(t.name) == "village_stations")
            db.exec("DROP INDEX IF EXISTS " + s + "." + db.identifier(std::string(t.name) + "_unit"));
        else if (std::string(t.name) != "progress_issues" && std::string(t.name) != "household_issues")
            db.exec("CREATE INDEX IF NOT EXISTS " + db.identifier(std::string(t.name) + "_unit") + " ON " + q + " (" +
                    (std::string(t.name) == "contiguity_findings" ? "village_fid" : "county_code") + ")");
        db.exec("ALTER TABLE " + q + " ENABLE ROW LEVEL SECURITY");
        for (const char* policy : {"city_all", "viewer_read", "unit_own"})
            db.exec(std::string("DROP POLICY IF EXISTS ") + policy + " ON " + q);
        db.exec("CREATE POLICY city_all ON " + q + " TO " + kCityRole + " USING (true) WITH CHECK (true)");
        if (!personal)
            db.exec("CREATE POLICY viewer_read ON " + q + " FOR SELECT TO " + kViewerRole + " USING (true)");
        db.exec("CREATE POLICY unit_own ON " + q + " TO PUBLIC USING (" + predicate + ") WITH CHECK (" + predicate + ")");
        // inserts name every column but the key (the database numbers the rows: no unit picks or
        // takes another's keys)
        std::string insertable;
        {
            const PgResult columns = db.query(
                "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND "
                "column_name <> $3 ORDER BY ordinal_position",
                {schema, std::string(t.name), std::string(t.key == Key::import_id ? "import_id" : "fid")});
            for (int i = 0; i < columns.rows(); ++i)
                insertable += (insertable.empty() ? "" : ", ") + db.identifier(columns.text(i, 0));
        }
        for (const auto& role : unit_roles) {
            db.exec("GRANT SELECT ON " + q + " TO " + role);
            if (std::string(access->privileges).find("INSERT") != std::string::npos) {
                db.exec("GRANT INSERT (" + insertable + ") ON " + q + " TO " + role);
                // the numbers the next rows will get (a run numbers its rows as the database will)
                const PgResult sequence = db.query("SELECT pg_get_serial_sequence($1, $2)",
                                                   {s + "." + db.identifier(t.name), std::string(t.key == Key::import_id ? "import_id" : "fid")});
                if (!sequence.null(0, 0)) db.exec("GRANT SELECT ON SEQUENCE " + sequence.text(0, 0) + " TO " + role);
            }
            if (std::string(t.name) == "progress_imports")  // the counts of its own import, once read
                db.exec("GRANT UPDATE (rows_read, rows_applied, rows_unchanged, rows_rejected) ON " + q + " TO " + role);
            if (std::string(t.name) == "villages") {  // the progress fields of its own villages
                std::string columns;
                for (const auto& c : village_progress_columns())
                    if (db.query("SELECT 1 FROM information_schema.columns WHERE table_schema = $1 AND table_name = "
                                 "'villages' AND column_name = $2",
                                 {schema, std::string(c.name)})
                            .rows() > 0)
                        columns += (columns.empty() ? "" : ", ") + db.identifier(c.name);
                if (!columns.empty()) db.exec("GRANT UPDATE (" + columns + ") ON " + q + " TO " + role);
            }
        }
    }
}

}  // namespace cleanheat::dataset

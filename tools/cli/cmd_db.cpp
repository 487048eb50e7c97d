// cleanheat db init: prepare a PostgreSQL/PostGIS database to hold the city's dataset;
// cleanheat db gather: a province's database reading the cities' datasets as one.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "base/error.hpp"
#include "base/units.hpp"
#include "commands.hpp"
#include "usage.hpp"
#include "dataset/pg_gather.hpp"
#include "dataset/pg_store.hpp"
#include "io/pg_connection.hpp"

namespace cleanheat::cli {
namespace {

struct DbInitOptions {
    std::string database;
    std::string units;
    std::string schema = dataset::kDefaultPgSchema;
};

void print_summary(const dataset::PgInitResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        j["database"] = r.database;
        j["schema"] = r.schema;
        j["roles_created"] = r.roles_created;
        j["roles_present"] = r.roles_present;
        j["units"] = r.units;
        j["dataset_present"] = r.dataset_present;
        j["qgis_styles"] = r.qgis_styles;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("Database:   %s, schema %s\n", r.database.c_str(), r.schema.c_str());
    std::printf("Roles:      %zu created, %zu already there; %lld reporting units\n", r.roles_created.size(),
                r.roles_present.size(), r.units);
    for (const auto& role : r.roles_created) std::printf("            + %s\n", role.c_str());
    std::printf("Dataset:    %s\n", r.dataset_present ? "present: its access rights were set again"
                                                      : "none yet: cleanheat copy merged.gpkg PG:... puts one there");
    std::printf("QGIS:       public.layer_styles %s\n", r.qgis_styles.c_str());
}

struct DbGatherOptions {
    std::string database;
    std::vector<std::string> cities;  // NAME=SERVER
    std::string schema = dataset::kDefaultPgSchema;
    std::string city_schema = dataset::kDefaultPgSchema;
};

void print_gather(const dataset::GatherResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        j["database"] = r.database;
        j["schema"] = r.schema;
        j["cities"] = r.cities;
        j["views"] = r.views;
        j["villages"] = r.villages;
        j["srid"] = r.srid;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("Database:   %s, schema %s: views of the union of %zu cities\n", r.database.c_str(), r.schema.c_str(),
                r.cities.size());
    for (const auto& c : r.cities) std::printf("            city_%s\n", c.c_str());
    std::printf("Villages:   %lld (EPSG:%d)\n", r.villages, r.srid);
}

void add_gather(CLI::App& db, Context& context) {
    auto opt = std::make_shared<DbGatherOptions>();
    auto* gather = db.add_subcommand(
        "gather", "A province's database: the datasets of city databases (postgres_fdw servers) as views of their union");
    gather->add_option("database", opt->database, "The province's database, PG:\"dbname=... host=... user=...\"")->required();
    gather->add_option("--city", opt->cities, "NAME=SERVER: a city and the postgres_fdw server that reaches its database")
        ->required();
    gather->add_option("--pg-schema", opt->schema, "The province's schema (default: cleanheat)");
    gather->add_option("--city-schema", opt->city_schema, "The cities' dataset schema (default: cleanheat)");
    add_common_options(*gather, context);
    gather->footer(examples("db"));
    gather->callback([opt, &context] {
        if (!is_pg_name(opt->database))
            throw UsageError(opt->database + ": give a PostgreSQL connection: PG:\"dbname=province host=...\"");
        std::vector<dataset::GatherCity> cities;
        for (const auto& c : opt->cities) {
            const auto eq = c.find('=');
            if (eq == std::string::npos || eq == 0 || eq + 1 == c.size())
                throw UsageError("--city " + c + ": give NAME=SERVER, e.g. --city binzhou=city_binzhou");
            cities.push_back({c.substr(0, eq), c.substr(eq + 1)});
        }
        dataset::check_schema_name(opt->schema);
        dataset::check_schema_name(opt->city_schema);
        auto progress = context.make_progress("Gathering the cities");
        const PgConnection db(pg_conninfo(opt->database));
        const auto result = dataset::pg_gather(db, opt->schema, cities, opt->city_schema);
        progress.update(1.0, "done");
        print_gather(result, context);
        context.exit_code = 0;
    });
}

}  // namespace

void add_db(CLI::App& app, Context& context) {
    auto* cmd = app.add_subcommand(
        "db", "Prepare a PostgreSQL/PostGIS database for the dataset (schema, roles, rights), or gather cities' databases");
    cmd->require_subcommand(1);
    cmd->set_version_flag("--version", std::string("cleanheat ") + CLEANHEAT_VERSION);
    auto opt = std::make_shared<DbInitOptions>();
    auto* init = cmd->add_subcommand(
        "init", "Create the schema, the PostGIS extension and the roles cleanheat_city, cleanheat_unit_<code>, "
                "cleanheat_viewer (again with more units: it completes what is there)");
    init->add_option("database", opt->database, "PG:\"dbname=... host=... user=...\" (GDAL's syntax; no password)")
        ->required();
    init->add_option("--units", opt->units, "Reporting units: one role each (default: styles/units.json)")
        ->transform(style_file("--units"));
    init->add_option("--pg-schema", opt->schema, "The schema of the dataset (default: cleanheat)");
    add_common_options(*init, context);
    cmd->footer(examples("db"));
    init->footer(examples("db"));
    add_gather(*cmd, context);
    init->callback([opt, &context] {
        if (!is_pg_name(opt->database))
            throw UsageError(opt->database + ": give a PostgreSQL connection: PG:\"dbname=cleanheat host=...\"");
        UnitRegistry units;
        const auto units_file = opt->units.empty() ? default_style_file("units.json") : std::filesystem::path(opt->units);
        if (units_file.empty()) throw InputError("no units file (styles/units.json) found; give --units");
        units.load(units_file);
        dataset::check_schema_name(opt->schema);  // before anything is asked of the server
        auto progress = context.make_progress("Preparing the database");
        const PgConnection db(pg_conninfo(opt->database));
        const auto result = dataset::pg_init(db, opt->schema, units);
        progress.update(1.0, "done");
        print_summary(result, context);
        context.exit_code = 0;
    });
}

}  // namespace cleanheat::cli

// cleanheat stations: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/stations.hpp"

namespace cleanheat::cli {
namespace {

void print_summary(const StationsResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        j["radius_km"] = r.radius_km;
        j["crs"] = {{"stations", r.stations_crs}, {"dataset", r.dataset_crs}};
        j["rows"] = {{"read", r.rows_read}, {"loaded", r.stations_loaded}, {"rejected", r.rows_rejected}};
        j["townships"] = {{"with_planned_villages", r.townships}, {"without_station", r.townships_without}};
        j["villages"] = {{"all", r.villages},
                         {"planned", r.planned_villages},
                         {"planned_beyond_radius", r.planned_beyond},
                         {"planned_households_beyond_radius", r.planned_households_beyond},
                         {"farthest_planned_km", r.farthest_planned_km}};
        j["errors"] = r.errors;
        j["warnings"] = r.warnings;
        j["findings"] = r.findings;
        nlohmann::json outputs = nlohmann::json::array();
        for (const auto& o : r.outputs) outputs.push_back(o.string());
        j["outputs"] = outputs;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("Stations:   %lld rows read, %lld loaded, %lld rejected (%s)\n", r.rows_read, r.stations_loaded,
                r.rows_rejected, r.stations_crs.empty() ? "no location" : r.stations_crs.c_str());
    std::printf("Townships:  %lld with planned villages, %lld without a station\n", r.townships, r.townships_without);
    std::printf("Villages:   %lld planned of %lld; %lld planned (%lld households) beyond %g km, farthest %.1f km\n",
                r.planned_villages, r.villages, r.planned_beyond, r.planned_households_beyond, r.radius_km,
                r.farthest_planned_km);
    for (const auto& [code, n] : r.findings) std::printf("Finding:    %-28s %lld\n", code.c_str(), n);
    for (const auto& o : r.outputs) std::printf("Output:     %s\n", o.string().c_str());
}

}  // namespace

void add_stations(CLI::App& app, Context& context) {
    auto opt = std::make_shared<StationsOptions>();
    auto output = std::make_shared<std::string>();
    auto policy = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("stations",
                                   "Check the after-care service stations: a station in every township with planned "
                                   "villages, each village's distance to its nearest station, villages beyond the radius");
    cmd->add_option("merged", opt->merged, "The dataset (.gpkg or PG:\"dbname=...\")")->required();
    cmd->add_option("--stations", opt->stations,
                    "The stations: points with name, township and phone (any OGR source; a table with 经度/纬度)")
        ->required();
    cmd->add_option("--stations-layer", opt->stations_layer, "The layer of the stations (when the source has several)");
    cmd->add_option("--stations-crs", opt->stations_crs,
                    "The stations' CRS when not declared or wrong: EPSG:4490, EPSG:4527, gcj02 ...");
    cmd->add_option("--policy", *policy, "The policy file with service_stations.radius_km (default: styles/subsidy.json)")
        ->transform(style_file("--policy"));
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("-o,--output", *output, "A workbook (.xlsx) of the stations, townships, villages beyond reach and findings")
        ->check(output_type({".xlsx"}, "the workbook is Excel"));
    add_common_options(*cmd, context);
    cmd->footer(examples("stations"));
    cmd->callback([opt, output, policy, &context] {
        opt->overwrite = context.overwrite;
        opt->command_line = context.command_line;
        opt->output = *output;
        opt->policy_file = *policy;
        auto progress = context.make_progress("Checking stations");
        const StationsResult result = check_stations(*opt, progress);
        print_summary(result, context);
        context.exit_code = result.errors > 0 ? 1 : 0;
    });
}

}  // namespace cleanheat::cli

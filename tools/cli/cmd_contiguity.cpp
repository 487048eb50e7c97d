// cleanheat contiguity: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/contiguity.hpp"

namespace cleanheat::cli {
namespace {

nlohmann::json stats_json(const ContiguityStats& s) {
    nlohmann::json j = {{"villages", s.villages},
                        {"planned", s.planned},
                        {"edges", s.edges},
                        {"clusters", s.clusters},
                        {"isolated", s.isolated},
                        {"holes", s.holes},
                        {"enclosed", s.enclosed},
                        {"largest_cluster", s.largest_villages},
                        {"planned_households", s.planned_households}};
    j["largest_share"] = s.planned_households > 0 ? s.largest_households / s.planned_households : 0.0;
    j["block_share"] = s.planned_households > 0 ? s.block_households / s.planned_households : 0.0;
    if (!s.name.empty()) j["name"] = s.name;
    return j;
}

nlohmann::json to_json(const ContiguityResult& r) {
    nlohmann::json j;
    j["dataset"] = r.dataset;
    j["layer"] = r.layer;
    j["features"] = r.features;
    j["total"] = stats_json(r.total);
    nlohmann::json groups = nlohmann::json::object();
    for (const auto& g : r.groups) groups[g.value] = stats_json(g);
    j["groups"] = groups;
    nlohmann::json routes = nlohmann::json::object();
    for (const auto& [k, s] : r.routes) routes[k] = stats_json(s);
    j["routes"] = routes;
    j["adjacency"] = {{"method", r.adjacency_method},   {"rim_features", r.rim_features},
                      {"exact_tests", r.exact_tests},   {"exact_everywhere", r.exact_everywhere},
                      {"gaps_bridged", r.gaps_bridged}, {"overlaps", r.overlaps}};
    j["geometry"] = {{"empty", r.empty_geometries}, {"repaired", r.repaired}, {"points", r.points}, {"crs", r.crs}};
    nlohmann::json geometry_findings = nlohmann::json::array();
    for (const auto& f : r.geometry_findings)
        geometry_findings.push_back({{"code", f.code},
                                     {"village_fid", f.fid},
                                     {"village_code", f.village_code},
                                     {"village_name", f.village_name},
                                     {"detail", f.detail}});
    j["geometry_findings"] = geometry_findings;
    nlohmann::json rules = nlohmann::json::object();
    for (const auto& f : r.findings) rules[f.code] = rules.value(f.code, 0) + 1;
    j["rules"] = rules;
    j["seconds"] = {{"read", r.seconds_read},
                    {"adjacency", r.seconds_adjacency},
                    {"clusters", r.seconds_clusters},
                    {"outlines", r.seconds_outlines},
                    {"write", r.seconds_write}};
    if (r.written) j["output"] = r.output;
    if (!r.xlsx.empty()) j["xlsx"] = r.xlsx;
    return j;
}

void print_summary(const ContiguityResult& r, const Context& context) {
    if (context.json) {
        std::cout << to_json(r).dump(2) << "\n";
        return;
    }
    const auto& t = r.total;
    std::printf("Villages:   %lld in layer %s (%lld planned, %lld without geometry, %lld repaired)\n", r.features,
                r.layer.c_str(), t.planned, r.empty_geometries, r.repaired);
    std::printf("Adjacency:  %lld pairs; %s\n", t.edges, r.adjacency_method.c_str());
    if (r.gaps_bridged || r.overlaps)
        std::printf("            %lld gaps bridged by the tolerance, %lld overlapping pairs\n", r.gaps_bridged,
                    r.overlaps);
    std::printf("Clusters:   %lld (largest %lld villages), isolated %lld, holes %lld", t.clusters, t.largest_villages,
                t.isolated, t.holes);
    if (r.written) std::printf(", enclosed %lld", t.enclosed);
    std::printf("\n");
    for (const auto& g : r.groups)
        std::printf("  %-12s %-10s planned %6lld  clusters %5lld  isolated %5lld  holes %5lld\n", g.value.c_str(),
                    g.name.c_str(), g.planned, g.clusters, g.isolated, g.holes);
    if (!r.geometry_findings.empty()) {
        std::map<std::string, int> by_code;
        for (const auto& f : r.geometry_findings) by_code[f.code]++;
        std::printf("Geometry:   %zu findings (", r.geometry_findings.size());
        const char* sep = "";
        for (const auto& [code, n] : by_code) {
            std::printf("%s%s %d", sep, code.c_str(), n);
            sep = ", ";
        }
        std::printf("), listed in contiguity_findings%s\n", r.xlsx.empty() ? "" : " and the workbook");
    }
    if (!r.findings.empty()) std::printf("Rules:      %zu findings\n", r.findings.size());
    if (r.written) std::printf("Output:     %s%s%s\n", r.output.c_str(), r.xlsx.empty() ? "" : ", ", r.xlsx.c_str());
}

}  // namespace

void add_contiguity(CLI::App& app, Context& context) {
    auto opt = std::make_shared<ContiguityOptions>();
    auto adjacency = std::make_shared<std::string>("queen");
    auto no_write = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("contiguity", "Check that planned villages form contiguous blocks (成方连片)");
    cmd->add_option("dataset", opt->dataset,
                    "Villages: the merged GeoPackage or PG:\"dbname=...\", or any OGR polygon or point layer")
        ->required();
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("--layer", opt->layer, "Layer (default: villages, else the first)");
    cmd->add_option("--planned", opt->planned, "Attribute filter selecting the planned villages")
        ->capture_default_str();
    cmd->add_option("--route-field", opt->route_field,
                    "Field with the route, for clusters per route (default: route_main)");
    cmd->add_option("--by", opt->by,
                    "Field grouping the villages, each group checked alone (default: county_code; none)");
    cmd->add_option("--adjacency", *adjacency, "queen: any shared boundary point; rook: a shared edge")
        ->check(CLI::IsMember({"queen", "rook"}))
        ->capture_default_str();
    cmd->add_option("--tolerance", opt->tolerance,
                    "Villages closer than this many metres are neighbours (gaps, slivers)")
        ->capture_default_str();
    cmd->add_option("--min-villages", opt->min_villages, "Planned villages in smaller clusters are isolated")
        ->capture_default_str();
    cmd->add_option("--block-villages", opt->block_villages, "Clusters of at least this many villages count as blocks")
        ->capture_default_str();
    cmd->add_option("--max-distance", opt->max_distance, "Points: longest neighbour link in metres")
        ->capture_default_str();
    cmd->add_option("--within-field", opt->within_field,
                    "Points: link only villages with equal values (township_code)");
    cmd->add_option("--heating-coverage", opt->heating_coverage, "Polygons of district-heating coverage (rule check)");
    cmd->add_option("--gas-mains", opt->gas_mains, "Gas main lines (rule check)");
    cmd->add_option("--gas-distance", opt->gas_distance, "Metres a gas village may be from a main")
        ->capture_default_str();
    cmd->add_option("--grid-zones", opt->grid_zones, "Polygons where the grid has capacity (rule check)");
    cmd->add_option("-o,--output", opt->output,
                    "GeoPackage for the results (default: written into DATASET when it is a GeoPackage)")
        ->check(output_type({".gpkg"}, "the results are a GeoPackage"));
    cmd->add_option("--xlsx", opt->xlsx, "Workbook of the summary, isolated villages, holes and rule findings")
        ->check(output_type({".xlsx"}, "the workbook is Excel"));
    cmd->add_flag("--no-write", *no_write, "Counts only: write nothing");
    cmd->add_option("--threads", opt->threads, "Threads (default: all cores)");
    add_common_options(*cmd, context);
    cmd->footer(examples("contiguity"));
    cmd->callback([opt, adjacency, no_write, &context] {
        opt->adjacency = *adjacency == "rook" ? AdjacencyKind::rook : AdjacencyKind::queen;
        opt->write = !*no_write;
        opt->overwrite = context.overwrite;
        opt->command_line = context.command_line;
        auto progress = context.make_progress("Checking contiguity");
        const ContiguityResult result = contiguity(*opt, progress);
        print_summary(result, context);
        context.exit_code = 0;
    });
}

}  // namespace cleanheat::cli

// cleanheat spotcheck: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/spotcheck.hpp"

namespace cleanheat::cli {
namespace {

void print_summary(const SpotcheckResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        j["seed"] = r.seed;
        j["eligible"] = r.eligible;
        nlohmann::json counties = nlohmann::json::object();
        for (const auto& c : r.counties)
            counties[c.code] = {{"name", c.name}, {"eligible", c.eligible}, {"quota", c.quota}, {"sampled", c.sampled}};
        j["counties"] = counties;
        nlohmann::json sample = nlohmann::json::array();
        for (const auto& v : r.sample)
            sample.push_back({{"number", v.number},
                              {"village_code", v.code},
                              {"village_name", v.name},
                              {"county_code", v.county_code},
                              {"stage", v.stage},
                              {"households", v.planned}});
        j["sample"] = sample;
        nlohmann::json issues = nlohmann::json::object();
        for (const auto& i : r.issues) issues[i.code] = issues.value(i.code, 0) + 1;
        j["issues"] = issues;
        nlohmann::json outputs = nlohmann::json::array();
        for (const auto& o : r.outputs) outputs.push_back(o.string());
        j["outputs"] = outputs;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("Sample:   %zu of %lld eligible villages (seed %llu)\n", r.sample.size(), r.eligible,
                static_cast<unsigned long long>(r.seed));
    for (const auto& c : r.counties)
        std::printf("  %-8s %-10s eligible %5lld  drawn %4lld\n", c.code.c_str(), c.name.c_str(), c.eligible,
                    c.sampled);
    for (const auto& i : r.issues) std::printf("Note:     %s %s\n", i.code.c_str(), i.message.c_str());
    for (const auto& o : r.outputs) std::printf("Output:   %s\n", o.string().c_str());
}

}  // namespace

void add_spotcheck(CLI::App& app, Context& context) {
    auto opt = std::make_shared<SpotcheckOptions>();
    auto output = std::make_shared<std::string>();
    auto map = std::make_shared<std::string>();
    auto style = std::make_shared<std::string>();
    auto no_map = std::make_shared<bool>(false);
    auto weight = std::make_shared<std::string>("none");
    auto* cmd = app.add_subcommand("spotcheck",
                                   "Draw a reproducible county-stratified sample of completed villages for on-site "
                                   "checks: inspectors' workbook and map");
    cmd->add_option("merged", opt->merged, "The GeoPackage after cleanheat progress, or PG:\"dbname=...\"")->required();
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("--rate", opt->rate, "Share of the eligible villages drawn in every county (0.05 = 5%)")
        ->transform(share_value("--rate"));
    cmd->add_option("--count", opt->count, "Villages drawn in all, shared out by county size");
    cmd->add_option("--min-per-county", opt->min_per_county, "At least this many villages per county")
        ->capture_default_str();
    cmd->add_option("--seed", opt->seed, "Random seed: the same seed and data give the same sample")
        ->capture_default_str();
    cmd->add_option("--weight", *weight, "none, or households: draw large villages more often")
        ->check(CLI::IsMember({"none", "households"}))
        ->capture_default_str();
    cmd->add_option("--stage", opt->stage, "completed: completed or accepted villages; accepted: accepted only")
        ->check(CLI::IsMember({"completed", "accepted"}))
        ->capture_default_str();
    cmd->add_option("-o,--output", *output, "Inspectors' workbook (.xlsx), written atomically")
        ->required()
        ->check(output_type({".xlsx"}, "the inspectors' list is an Excel workbook"));
    cmd->add_option("--map", *map, "Map of the sampled villages, .pdf/.png/.svg (default: <workbook>.pdf)")
        ->check(output_type({".pdf", ".png", ".svg"}, "the map is drawn as PDF, PNG or SVG"));
    cmd->add_flag("--no-map", *no_map, "Draw no map");
    cmd->add_option("--style", *style, "Map style (default: styles/spotcheck.json)")
        ->transform(style_file("--style"));
    add_common_options(*cmd, context);
    cmd->footer(examples("spotcheck"));
    cmd->callback([opt, output, map, style, no_map, weight, &context] {
        opt->overwrite = context.overwrite;
        opt->command_line = context.command_line;
        opt->output = *output;
        opt->style = *style;
        opt->weight_households = *weight == "households";
        if (!*no_map) {
            std::filesystem::path m = *map;
            if (m.empty()) m = std::filesystem::path(*output).replace_extension(".pdf");
            opt->map = m;
        }
        auto progress = context.make_progress("Drawing the spot-check sample");
        const SpotcheckResult result = spotcheck(*opt, progress);
        print_summary(result, context);
        context.exit_code = 0;
    });
}

}  // namespace cleanheat::cli

// cleanheat map: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/map.hpp"

namespace cleanheat::cli {
namespace {

void print_summary(const MapResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        std::vector<std::string> outputs;
        for (const auto& o : r.outputs) outputs.push_back(o.string());
        j["outputs"] = outputs;
        j["pages"] = r.pages;
        j["features_drawn"] = r.features_drawn;
        j["labels"] = {{"placed", r.labels_placed}, {"dropped", r.labels_dropped}};
        j["scale"] = {{"denominator", r.scale_denominator},
                      {"bar_ground_m", r.scale_bar_ground_m},
                      {"bar_paper_mm", r.scale_bar_paper_mm},
                      {"bar_true_ground_m", r.scale_bar_true_ground_m}};
        j["north_angle_deg"] = r.north_angle_deg;
        j["seconds"] = {{"read", r.seconds_read}, {"render", r.seconds_render}};
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("Pages:    %d; %lld features drawn; labels %lld placed, %lld dropped (no room)\n", r.pages,
                r.features_drawn, r.labels_placed, r.labels_dropped);
    std::printf("Scale:    1:%.0f; scale bar %.0f m = %.1f mm; true north %.2f° from grid north\n", r.scale_denominator,
                r.scale_bar_ground_m, r.scale_bar_paper_mm, r.north_angle_deg);
    for (const auto& o : r.outputs) std::printf("Output:   %s\n", o.string().c_str());
}

}  // namespace

void add_map(CLI::App& app, Context& context) {
    auto opt = std::make_shared<MapOptions>();
    auto* cmd = app.add_subcommand("map", "Draw a print-quality map from a style file (PDF, PNG, SVG; atlas)");
    cmd->add_option("dataset", opt->dataset, "The GeoPackage written by cleanheat merge, or PG:\"dbname=...\"")->required();
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("--style", opt->style, "Style file: styles/route.json, progress.json, heating.json, ...")
        ->transform(style_file("--style"))
        ->required();
    cmd->add_option("-o,--output", opt->output, "Output: .pdf (vector), .png or .svg, written atomically")->required();
    cmd->add_option("--dpi", opt->dpi, "PNG resolution and generalisation (default: the style's)");
    cmd->add_option("--threads", opt->threads, "PNG: bands drawn side by side (default: the cores, at most 4)")
        ->check(CLI::Range(1, 64));
    cmd->add_option("--atlas", opt->atlas, "One page per county or township")
        ->check(CLI::IsMember({"county", "township"}));
    cmd->add_option("--where", opt->where, "Filter on the villages (fields, values, AND/OR/NOT, IN, LIKE, BETWEEN, IS NULL), e.g. \"county_code = '371602'\"");
    cmd->add_option("--unit", opt->unit, "Zoom to a county (6 digits) or township (9 digits) code");
    cmd->add_option("--extent", opt->extent, "Zoom to minx,miny,maxx,maxy in the data's coordinates");
    auto* as_of = cmd->add_option("--as-of", opt->date,
                                  "The data as of this date, printed on the map, YYYY-MM-DD (default: today)")
                      ->transform(date_value("--as-of"));
    cmd->add_option("--date", opt->date, "The same as --as-of (an older name)")
        ->transform(date_value("--date"))
        ->excludes(as_of);
    add_common_options(*cmd, context);
    cmd->footer(examples("map"));
    cmd->callback([opt, &context] {
        opt->overwrite = context.overwrite;
        auto progress = context.make_progress("Drawing");
        const MapResult result = make_map(*opt, progress);
        print_summary(result, context);
        context.exit_code = 0;
    });
}

}  // namespace cleanheat::cli

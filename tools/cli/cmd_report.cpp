// cleanheat report: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/report.hpp"

namespace cleanheat::cli {

void add_report(CLI::App& app, Context& context) {
    auto opt = std::make_shared<ReportOptions>();
    auto* cmd =
        app.add_subcommand("report", "Write the printable PDF report: plan, progress, maps, counties, data issues");
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("merged", opt->merged,
                    "The GeoPackage written by cleanheat merge (after contiguity/progress), or PG:\"dbname=...\"")
        ->required();
    cmd->add_option("-o,--output", opt->output, "PDF file, written atomically")
        ->required()
        ->check(output_type({".pdf"}, "the report is a PDF"));
    cmd->add_option("--as-of", opt->as_of, "Progress as of this date, YYYY-MM-DD (default: the last progress run's)")
        ->transform(date_value("--as-of"));
    cmd->add_option("--style", opt->style, "Report style: titles, issuer, maps (default: styles/report.json)")
        ->transform(style_file("--style"));
    cmd->add_option("--targets", opt->targets, "Targets and titles file (default: styles/targets.json)")
        ->transform(style_file("--targets"));
    cmd->add_option("--units", opt->units, "Reporting units file (default: styles/units.json)")
        ->transform(style_file("--units"));
    add_common_options(*cmd, context);
    cmd->footer(examples("report"));
    cmd->callback([opt, &context] {
        opt->overwrite = context.overwrite;
        auto progress = context.make_progress("Writing the report");
        const ReportResult r = make_report(*opt, progress);
        if (context.json) {
            nlohmann::json j = {
                {"output", r.output.string()}, {"pages", r.pages},     {"sections", r.sections}, {"as_of", r.as_of},
                {"households", r.households},  {"area_m2", r.area_m2}, {"notes", r.notes}};
            std::cout << j.dump(2) << "\n";
        } else {
            std::printf("Report:   %d pages, data as of %s\n", r.pages, r.as_of.c_str());
            for (const auto& s : r.sections) std::printf("  %s\n", s.c_str());
            for (const auto& n : r.notes) std::printf("Note:     %s\n", n.c_str());
            std::printf("Output:   %s\n", r.output.string().c_str());
        }
        context.exit_code = 0;
    });
}

}  // namespace cleanheat::cli

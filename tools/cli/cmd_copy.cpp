// cleanheat copy: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "dataset/copy.hpp"

namespace cleanheat::cli {
namespace {

void print_summary(const CopyResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        j["source"] = r.source;
        j["destination"] = r.destination;
        j["bytes"] = r.bytes;
        j["tables"] = r.tables;
        j["villages"] = r.villages;
        j["integrity"] = r.integrity;
        j["seconds"] = r.seconds;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("Copied:     %s -> %s\n", r.source.c_str(), r.destination.c_str());
    if (r.bytes > 0) std::printf("            %.1f MiB,", static_cast<double>(r.bytes) / (1024.0 * 1024.0));
    std::printf("%s%lld tables, %lld villages; integrity %s; %.2f s\n", r.bytes > 0 ? " " : "            ",
                r.tables, r.villages, r.integrity.c_str(), r.seconds);
}

}  // namespace

void add_copy(CLI::App& app, Context& context) {
    auto opt = std::make_shared<CopyOptions>();
    auto* cmd = app.add_subcommand(
        "copy", "Copy a dataset safely, also while another command writes it (one consistent state, checked)");
    cmd->add_option("source", opt->source, "The dataset: a .gpkg written by cleanheat merge, or PG:\"dbname=...\"")
        ->required();
    cmd->add_option("destination", opt->destination,
                    "The copy: a .gpkg written atomically, or PG:\"dbname=...\" (one transaction; see cleanheat db init)")
        ->required();
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: source or destination (default: cleanheat)");
    add_common_options(*cmd, context);
    cmd->footer(examples("copy"));
    cmd->callback([opt, &context] {
        opt->overwrite = context.overwrite;
        auto progress = context.make_progress("Copying");
        const CopyResult result = copy_dataset(*opt, progress);
        print_summary(result, context);
        context.exit_code = 0;
    });
}

}  // namespace cleanheat::cli

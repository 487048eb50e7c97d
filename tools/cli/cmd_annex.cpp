// cleanheat annex: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands/annex.hpp"
#include "commands.hpp"
#include "usage.hpp"

namespace cleanheat::cli {
namespace {

void print_summary(const AnnexResult& r, const Context& context) {
    const auto& d = r.data;
    if (context.json) {
        nlohmann::json j;
        j["output"] = r.output.string();
        j["sheets"] = r.sheets;
        j["year"] = r.targets.year;
        nlohmann::json units = nlohmann::json::array();
        for (const auto& row : d.annex1) {
            nlohmann::json by_route = nlohmann::json::object();
            for (std::size_t k = 0; k < d.routes.size(); ++k) by_route[d.routes[k]] = row.by_route[k];
            units.push_back({{"code", row.code},
                             {"name", row.name},
                             {"households", row.households},
                             {"by_route", by_route},
                             {"villages", row.villages}});
        }
        j["annex1"] = {
            {"units", units}, {"households", d.annex1_total.households}, {"villages", d.annex1_total.villages}};
        nlohmann::json heating = nlohmann::json::array();
        for (const auto& row : d.annex2)
            heating.push_back({{"code", row.code}, {"name", row.name}, {"area_m2", row.area_m2}});
        j["annex2"] = {{"units", heating}, {"area_m2", d.annex2_total.area_m2}};
        j["targets"] = {{"households", r.targets.households}, {"area_m2", r.targets.area_m2}};
        j["village_rows"] = r.village_rows;
        j["issue_rows"] = r.issue_rows;
        j["constant_memory"] = r.constant_memory;
        j["notes"] = r.notes;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("附件1:        %zu units, %lld households (target %.0f), %lld villages\n", d.annex1.size(),
                d.annex1_total.households, r.targets.households, d.annex1_total.villages);
    std::printf("附件2:        %zu units, %.2f 万平方米 (target %.2f)\n", d.annex2.size(), d.annex2_total.area_m2 / 1e4,
                r.targets.area_m2 / 1e4);
    std::printf("Village rows: %lld; issue rows: %lld%s\n", r.village_rows, r.issue_rows,
                r.constant_memory ? " (constant-memory mode)" : "");
    for (const auto& note : r.notes) std::printf("Note:         %s\n", note.c_str());
    std::printf("Sheets:       %zu\n", r.sheets.size() + (r.constant_memory ? 0 : 1));
    std::printf("Output:       %s\n", r.output.string().c_str());
}

}  // namespace

void add_annex(CLI::App& app, Context& context) {
    auto opt = std::make_shared<AnnexOptions>();
    auto memory = std::make_shared<std::string>("auto");
    auto no_villages = std::make_shared<bool>(false);
    auto* cmd = app.add_subcommand("annex", "Write the annex tables (附件1, 附件2), targets, village lists as Excel");
    cmd->add_option("merged", opt->merged, "The GeoPackage written by cleanheat merge, or PG:\"dbname=...\"")->required();
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("-o,--output", opt->output, "Workbook (.xlsx), written atomically")
        ->required()
        ->check(output_type({".xlsx"}, "the annex is an Excel workbook"));
    cmd->add_option("--targets", opt->targets, "Targets and titles file (default: styles/targets.json)")
        ->transform(style_file("--targets"));
    cmd->add_option("--units", opt->units, "Reporting units file (default: styles/units.json)")
        ->transform(style_file("--units"));
    cmd->add_option("--year", opt->year, "Plan year in the titles (default: the targets file's)")
        ->transform(year_value("--year"));
    cmd->add_flag("--total-first", opt->total_first, "Put the 合计 row above the units instead of below");
    cmd->add_flag("--no-villages", *no_villages, "Leave out the 分村清单 sheets");
    cmd->add_option("--constant-memory", *memory, "Stream rows to disk: auto (over 100,000 villages), on, off")
        ->check(CLI::IsMember({"auto", "on", "off"}))
        ->capture_default_str();
    add_common_options(*cmd, context);
    cmd->footer(examples("annex"));
    cmd->callback([opt, memory, no_villages, &context] {
        opt->overwrite = context.overwrite;
        opt->villages = !*no_villages;
        opt->constant_memory = *memory == "auto" ? -1 : (*memory == "on" ? 1 : 0);
        auto progress = context.make_progress("Writing the annex");
        const AnnexResult result = annex(*opt, progress);
        print_summary(result, context);
        context.exit_code = 0;
    });
}

}  // namespace cleanheat::cli

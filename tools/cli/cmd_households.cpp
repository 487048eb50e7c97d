// cleanheat households: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/households.hpp"

namespace cleanheat::cli {
namespace {

void print_summary(const HouseholdsResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        j["plan_year"] = r.plan_year;
        nlohmann::json imports = nlohmann::json::array();
        for (const auto& s : r.imports) {
            const auto& i = s.import;
            nlohmann::json one = {{"file", i.file},
                                  {"status", s.status},
                                  {"import_id", i.import_id},
                                  {"county_code", i.county_code},
                                  {"list_year", i.list_year},
                                  {"prior", i.prior},
                                  {"sheets", i.sheets},
                                  {"rows_read", i.rows_read},
                                  {"rows_loaded", i.rows_loaded},
                                  {"rows_rejected", i.rows_rejected},
                                  {"villages", i.villages},
                                  {"revises", i.revises}};
            if (!s.duplicate_of.empty()) one["duplicate_of"] = s.duplicate_of;
            imports.push_back(one);
        }
        j["imports"] = imports;
        j["rows"] = {{"read", r.rows_read}, {"loaded", r.rows_loaded}, {"rejected", r.rows_rejected}};
        j["households"] = r.households;
        j["prior_households"] = r.prior_households;
        j["villages_listed"] = r.villages_listed;
        j["villages_planned_unlisted"] = r.villages_planned_unlisted;
        nlohmann::json units = nlohmann::json::object();
        for (const auto& u : r.units)
            units[u.code] = {{"name", u.name},         {"listed", u.listed},     {"accepted", u.accepted},
                             {"failed", u.failed},     {"declined", u.declined}, {"blocked", u.blocked},
                             {"prior", u.prior}};
        j["units"] = units;
        j["findings"] = r.findings;
        j["errors"] = r.errors;
        j["warnings"] = r.warnings;
        std::cout << j.dump(2) << "\n";
        return;
    }
    for (const auto& s : r.imports) {
        const auto& i = s.import;
        std::printf("%-9s %s: %d rows read, %d loaded, %d rejected%s%s\n", s.status.c_str(), i.file.c_str(),
                    i.rows_read, i.rows_loaded, i.rows_rejected,
                    i.prior ? (" (" + std::to_string(i.list_year) + ")").c_str() : "",
                    s.duplicate_of.empty() ? "" : (" (same as " + s.duplicate_of + ")").c_str());
    }
    std::printf("Rows:       %lld read = %lld loaded + %lld rejected\n", r.rows_read, r.rows_loaded, r.rows_rejected);
    std::printf("Households: %lld listed for %d in %lld villages (%lld planned villages without a list); %lld of "
                "earlier years\n",
                r.households, r.plan_year, r.villages_listed, r.villages_planned_unlisted, r.prior_households);
    for (const auto& u : r.units)
        std::printf("  %-8s %-12s listed %6lld  accepted %6lld  failed %4lld  declined %4lld  blocked %4lld\n",
                    u.code.c_str(), u.name.c_str(), u.listed, u.accepted, u.failed, u.declined, u.blocked);
    std::printf("Findings:   %d errors, %d warnings (household_issues)\n", r.errors, r.warnings);
    for (const auto& [code, n] : r.findings) std::printf("  %-28s %lld\n", code.c_str(), n);
}

}  // namespace

void add_households(CLI::App& app, Context& context) {
    auto opt = std::make_shared<HouseholdsOptions>();
    auto* cmd = app.add_subcommand("households",
                                   "Import the counties' household lists (到户清单) into the dataset and check them "
                                   "for payment: ID numbers, repeats, earlier years, plan, acceptance, pledges");
    cmd->add_option("merged", opt->merged, "The dataset: a GeoPackage of cleanheat merge, or PG:\"dbname=...\"")
        ->required();
    cmd->add_option("lists", opt->lists, "This year's household lists (xlsx, xls, ods, csv)");
    cmd->add_option("--prior", opt->prior, "Earlier years' lists (2017-2021), for repeats and the use of 2017-2019 users")
        ->expected(1, -1);
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("--units", opt->units_file, "Reporting units (default: styles/units.json)")
        ->transform(style_file("--units"));
    add_common_options(*cmd, context);
    cmd->remove_option(cmd->get_option("--overwrite"));  // it writes no file: the lists go into the dataset
    cmd->footer(examples("households"));
    cmd->callback([opt, &context] {
        opt->command_line = context.command_line;
        auto progress = context.make_progress("Importing household lists");
        const HouseholdsResult result = import_households(*opt, progress);
        print_summary(result, context);
        context.exit_code = result.errors > 0 ? 1 : 0;
    });
}

}  // namespace cleanheat::cli

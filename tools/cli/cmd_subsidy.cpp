// cleanheat subsidy: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/subsidy.hpp"

namespace cleanheat::cli {
namespace {

nlohmann::json amounts_json(const SubsidyAmounts& a) {
    nlohmann::json j;
    for (std::size_t k = 0; k < kSubsidyKinds; ++k)
        j[subsidy_kind_key(static_cast<SubsidyKind>(k))] = {
            {"due", a.due[k]}, {"paid", a.paid[k]}, {"pending", a.pending[k]}, {"refused", a.refused[k]}};
    j["due"] = a.total_due();
    j["paid"] = a.total_paid();
    j["withheld"] = a.total_withheld();
    return j;
}

void print_summary(const SubsidyResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        j["season"] = r.season;
        j["policy"] = r.policy;
        j["households"] = r.households;
        j["lines"] = {{"all", r.lines}, {"paid", r.paid_lines}, {"pending", r.pending_lines}, {"refused", r.refused_lines}};
        j["reasons"] = r.reasons;
        j["city"] = amounts_json(r.city);
        j["clawback"] = r.clawback;
        nlohmann::json units = nlohmann::json::object();
        for (const auto& u : r.units) {
            auto one = amounts_json(u.amounts);
            one["name"] = u.name;
            one["households"] = u.households;
            one["accepted"] = u.accepted;
            one["target"] = u.target;
            one["city_subsidy"] = u.city_subsidy;
            one["unfinished_share"] = u.unfinished_share;
            one["clawback"] = u.clawback;
            units[u.code] = one;
        }
        j["units"] = units;
        nlohmann::json outputs = nlohmann::json::array();
        for (const auto& o : r.outputs) outputs.push_back(o.string());
        j["outputs"] = outputs;
        std::cout << j.dump(2) << "\n";
        return;
    }
    std::printf("Season:     %s (%s)\n", r.season.c_str(), r.policy.c_str());
    std::printf("Households: %lld with a subsidy; %lld lines: %lld paid, %lld pending, %lld refused\n", r.households,
                r.lines, r.paid_lines, r.pending_lines, r.refused_lines);
    std::printf("City:       due %.2f = paid %.2f + withheld %.2f yuan; clawback estimate %.2f\n", r.city.total_due(),
                r.city.total_paid(), r.city.total_withheld(), r.clawback);
    for (const auto& u : r.units)
        std::printf("  %-8s %-12s due %14.2f  paid %14.2f  withheld %13.2f  accepted %6lld of %6lld  clawback %12.2f\n",
                    u.code.c_str(), u.name.c_str(), u.amounts.total_due(), u.amounts.total_paid(),
                    u.amounts.total_withheld(), u.accepted, u.target, u.clawback);
    for (const auto& [code, n] : r.reasons) std::printf("Withheld:   %-16s %lld\n", code.c_str(), n);
    for (const auto& o : r.outputs) std::printf("Output:     %s\n", o.string().c_str());
}

}  // namespace

void add_subsidy(CLI::App& app, Context& context) {
    auto opt = std::make_shared<SubsidyOptions>();
    auto output = std::make_shared<std::string>();
    auto policy = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand("subsidy",
                                   "Compute each household's subsidies for a heating season from the household lists "
                                   "and a policy file: paid or withheld with the reason, unit and city totals, clawback");
    cmd->add_option("merged", opt->merged, "The dataset after cleanheat households (.gpkg or PG:\"dbname=...\")")->required();
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("--policy", *policy, "The subsidy policy: every amount (default: styles/subsidy.json)")
        ->transform(style_file("--policy"));
    cmd->add_option("--season", opt->season, "The heating season, YYYY-YYYY (e.g. 2022-2023)")->required();
    cmd->add_option("-o,--output", *output, "The workbook (.xlsx), written atomically")
        ->required()
        ->check(output_type({".xlsx"}, "the workbook is Excel"));
    cmd->add_flag("--unmasked", opt->unmasked,
                  "Full names and ID numbers in the roll (花名册), marked 内部资料: for the finance desk only");
    add_common_options(*cmd, context);
    cmd->footer(examples("subsidy"));
    cmd->callback([opt, output, policy, &context] {
        opt->overwrite = context.overwrite;
        opt->command_line = context.command_line;
        opt->output = *output;
        opt->policy_file = *policy;
        auto progress = context.make_progress("Computing subsidies");
        const SubsidyResult result = compute_subsidies(*opt, progress);
        print_summary(result, context);
        context.exit_code = 0;
    });
}

}  // namespace cleanheat::cli

// cleanheat progress: declare, bind, call, report.
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/tracking.hpp"

namespace cleanheat::cli {
namespace {

nlohmann::json counts_json(const StageCounts& c) {
    return {{"villages", c.villages},
            {"households", c.households},
            {"started", c.started},
            {"completed", c.completed},
            {"accepted", c.accepted},
            {"villages_started", c.villages_started},
            {"villages_completed", c.villages_completed},
            {"villages_accepted", c.villages_accepted},
            {"villages_late", c.villages_late},
            {"villages_reported", c.villages_reported}};
}

void print_summary(const ProgressResult& r, const Context& context) {
    if (context.json) {
        nlohmann::json j;
        j["as_of"] = r.as_of;
        j["due"] = stage_key(r.due);
        j["due_label"] = r.due_label;
        nlohmann::json imports = nlohmann::json::array();
        for (const auto& i : r.imports)
            imports.push_back({{"file", i.file},
                               {"status", i.status},
                               {"report_date", i.report_date},
                               {"county_code", i.county_code},
                               {"rows_read", i.rows_read},
                               {"rows_applied", i.rows_applied},
                               {"rows_unchanged", i.rows_unchanged},
                               {"rows_rejected", i.rows_rejected},
                               {"duplicate_of", i.duplicate_of},
                               {"sha256", i.sha256}});
        j["imports"] = imports;
        j["total"] = counts_json(r.total);
        nlohmann::json counties = nlohmann::json::object();
        for (const auto& u : r.counties) {
            counties[u.code] = counts_json(u.counts);
            counties[u.code]["name"] = u.name;
        }
        j["counties"] = counties;
        nlohmann::json townships = nlohmann::json::object();
        for (const auto& u : r.townships) {
            townships[u.code] = counts_json(u.counts);
            townships[u.code]["name"] = u.name;
        }
        j["townships"] = townships;
        nlohmann::json late = nlohmann::json::array();
        for (const auto& v : r.late)
            late.push_back({{"village_code", r.village(v).code},
                            {"village_name", r.village(v).name},
                            {"county_code", r.village(v).county_code},
                            {"stage", stage_key(v.stage)},
                            {"due", stage_key(v.due)},
                            {"planned", v.planned},
                            {"started", v.started},
                            {"completed", v.completed},
                            {"accepted", v.accepted}});
        j["late"] = late;
        nlohmann::json trend = nlohmann::json::array();
        for (const auto& t : r.trend)
            trend.push_back({{"date", t.date},
                             {"planned", t.planned},
                             {"started", t.started},
                             {"completed", t.completed},
                             {"accepted", t.accepted}});
        j["trend"] = trend;
        nlohmann::json issues = nlohmann::json::object();
        for (const auto& i : r.issues) issues[i.code] = issues.value(i.code, 0) + 1;
        j["issues"] = issues;
        j["errors"] = r.errors;
        j["warnings"] = r.warnings;
        j["ledger"] = {{"rows", r.ledger_rows}, {"imports", r.ledger_imports}};
        j["villages_written"] = r.villages_written;
        nlohmann::json outputs = nlohmann::json::array();
        for (const auto& o : r.outputs) outputs.push_back(o.string());
        j["outputs"] = outputs;
        j["seconds"] = {{"villages", r.seconds_villages}, {"read", r.seconds_read},     {"apply", r.seconds_apply},
                        {"state", r.seconds_state},       {"commit", r.seconds_commit}, {"outputs", r.seconds_outputs}};
        std::cout << j.dump(2) << "\n";
        return;
    }
    for (const auto& i : r.imports) {
        if (i.status == "not_a_table") {
            std::printf("Skipped:   %s (not a table)\n", i.file.c_str());
            continue;
        }
        if (i.status == "duplicate") {
            std::printf("Skipped:   %s (already imported as %s: the ledger is unchanged)\n", i.file.c_str(),
                        i.duplicate_of.c_str());
            continue;
        }
        std::printf("Imported:  %s  %s %s  rows %d = applied %d (unchanged %d) + rejected %d%s\n", i.file.c_str(),
                    i.report_date.c_str(), i.county_name.c_str(), i.rows_read, i.rows_applied, i.rows_unchanged,
                    i.rows_rejected, i.status == "no_date" ? "  (no report date: not imported)" : "");
    }
    const auto& t = r.total;
    auto pct = [&](long long v) { return t.households > 0 ? 100.0 * static_cast<double>(v) / t.households : 0.0; };
    std::printf("As of %s (milestone in force: %s)\n", r.as_of.c_str(),
                r.due_label.empty() ? "none yet" : r.due_label.c_str());
    std::printf("  planned   %lld villages, %lld households\n", t.villages, t.households);
    std::printf("  started   %lld villages, %lld households (%.1f%%)\n", t.villages_started, t.started, pct(t.started));
    std::printf("  completed %lld villages, %lld households (%.1f%%)\n", t.villages_completed, t.completed,
                pct(t.completed));
    std::printf("  accepted  %lld villages, %lld households (%.1f%%)\n", t.villages_accepted, t.accepted,
                pct(t.accepted));
    std::printf("  late      %lld villages; %lld villages without any report\n", t.villages_late,
                t.villages - t.villages_reported);
    std::printf("Ledger:    %lld rows from %lld imports; this run: %d errors, %d warnings\n", r.ledger_rows,
                r.ledger_imports, r.errors, r.warnings);
    for (const auto& o : r.outputs) std::printf("Output:    %s\n", o.string().c_str());
}

}  // namespace

void add_progress(CLI::App& app, Context& context) {
    auto opt = std::make_shared<ProgressOptions>();
    auto charts = std::make_shared<std::vector<std::string>>();
    auto no_chart = std::make_shared<bool>(false);
    auto output = std::make_shared<std::string>();
    auto* cmd = app.add_subcommand(
        "progress", "Import county progress reports into the ledger; progress against the milestones as of a date");
    cmd->add_option("merged", opt->merged,
                    "The GeoPackage written by cleanheat merge, or PG:\"dbname=...\" (the ledger is kept in it)")
        ->required();
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: dataset (default: cleanheat)");
    cmd->add_option("reports", opt->reports, "Progress reports (xlsx, xls, ods, csv); none: report on the ledger");
    cmd->add_option("--as-of", opt->as_of, "Status as of this date, YYYY-MM-DD (default: today)")
        ->transform(date_value("--as-of"));
    cmd->add_option("-o,--output", *output, "Progress workbook (.xlsx), written atomically")
        ->check(output_type({".xlsx"}, "the progress workbook is Excel"));
    cmd->add_option("--chart", *charts,
                    "Chart file(s), .pdf/.png/.svg (default with -o: <workbook>-chart.pdf and .png)")
        ->check(output_type({".pdf", ".png", ".svg"}, "the chart is drawn as PDF, PNG or SVG"));
    cmd->add_flag("--no-chart", *no_chart, "Write no chart file");
    cmd->add_option("--milestones", opt->milestones_file, "Milestones file (default: styles/milestones.json)")
        ->transform(style_file("--milestones"));
    cmd->add_option("--units", opt->units_file, "Reporting units file (default: styles/units.json)")
        ->transform(style_file("--units"));
    cmd->add_option("--mapping", opt->mapping_file, "Column roles of an unusual report layout (styles/mapping-*.json)");
    add_common_options(*cmd, context);
    cmd->footer(examples("progress"));
    cmd->callback([opt, charts, no_chart, output, &context] {
        opt->overwrite = context.overwrite;
        opt->command_line = context.command_line;
        opt->output = *output;
        opt->charts.assign(charts->begin(), charts->end());
        if (opt->charts.empty() && !*no_chart && !output->empty()) {
            std::filesystem::path base = *output;
            base.replace_extension();
            opt->charts = {base.string() + "-chart.pdf", base.string() + "-chart.png"};
        }
        if (*no_chart) opt->charts.clear();
        auto progress = context.make_progress("Tracking progress");
        const ProgressResult result = track_progress(*opt, progress);
        print_summary(result, context);
        context.exit_code = result.errors > 0 ? 1 : 0;
    });
}

}  // namespace cleanheat::cli

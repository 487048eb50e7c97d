// cleanheat merge: declare, bind, call, report.
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/merge.hpp"

namespace cleanheat::cli {
namespace {

nlohmann::json to_json(const MergeResult& r) {
    nlohmann::json j;
    j["output"] = r.output.string();
    j["rows"] = {{"read", r.plan_rows.read}, {"loaded", r.plan_rows.loaded}, {"rejected", r.plan_rows.rejected}};
    nlohmann::json households = {{"total", r.households_total}};
    for (Route route : kRoutes) households[route_key(route)] = r.households_by_route[static_cast<int>(route)];
    j["households"] = households;
    j["households_by_county"] = r.households_by_county;
    j["heating"] = {
        {"rows",
         {{"read", r.heating_rows.read}, {"loaded", r.heating_rows.loaded}, {"rejected", r.heating_rows.rejected}}},
        {"area_m2", r.area_m2}};
    j["villages"] = {{"in_geodata", r.villages_in_geodata},
                     {"planned", r.villages_planned},
                     {"matched_by_name_rows", r.matched_by_name}};
    nlohmann::json by_code = nlohmann::json::object();
    for (const auto& issue : r.issues) by_code[issue.code] = by_code.value(issue.code, 0) + 1;
    j["issues"] = {{"errors", r.errors}, {"warnings", r.warnings}, {"by_code", by_code}};
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : r.files) {
        nlohmann::json sheets = nlohmann::json::array();
        for (const auto& s : f.counts.sheets)
            sheets.push_back({{"sheet", s.sheet},
                              {"data_rows", s.data_rows},
                              {"blank_rows", s.blank_rows},
                              {"header_rows", s.header_rows},
                              {"aggregate_rows", s.aggregate_rows},
                              {"note_rows", s.note_rows}});
        files.push_back({{"file", f.counts.file},
                         {"kind", f.kind},
                         {"encoding", f.counts.encoding},
                         {"rows_read", f.counts.data_rows()},
                         {"rows_loaded", f.loaded},
                         {"rows_rejected", f.rejected},
                         {"refused", f.refused},
                         {"sha256", f.sha256},
                         {"sheets", sheets}});
    }
    j["files"] = files;
    j["crs"] = {{"villages", r.villages_crs},
                {"villages_note", r.villages_crs_note},
                {"working", r.working_crs},
                {"gcj02_check", r.gcj02_check}};
    return j;
}

// A refused file is said whatever --quiet says: its households are not in the output.
void print_refusals(const MergeResult& r) {
    for (const auto& file : r.files) {
        if (file.refused.empty()) continue;
        std::fprintf(stderr, "cleanheat merge: error: %s: not loaded (%s, %d rows):\n", file.counts.file.c_str(),
                     file.refused.c_str(), file.rejected);
        for (const auto& issue : r.issues)
            if (issue.file == file.counts.file && issue.code == file.refused)
                std::fprintf(stderr, "  %s%s%s%s: %s\n", issue.sheet.empty() ? "" : ("sheet " + issue.sheet + ", ").c_str(),
                             issue.row > 0 ? ("row " + std::to_string(issue.row) + ", ").c_str() : "",
                             issue.column.empty() ? "" : ("column " + issue.column).c_str(),
                             issue.value.empty() ? "" : (" \"" + issue.value + "\"").c_str(), issue.message.c_str());
        const std::string mapping = std::filesystem::path(file.counts.file).stem().string() + ".mapping.json";
        std::fprintf(stderr,
                     "hint: cleanheat inspect '%s' --mapping-out '%s' writes the columns as understood; name the "
                     "ones marked \"?\" and merge again with --mapping '%s'\n",
                     file.counts.file.c_str(), mapping.c_str(), mapping.c_str());
    }
}

void print_warnings(const MergeResult& r, const Context& context) {
    print_refusals(r);
    if (context.quiet) return;
    if (!r.villages_crs_note.empty())
        std::fprintf(stderr, "cleanheat merge: warning: %s\n", r.villages_crs_note.c_str());
    for (const auto& issue : r.issues)
        if (issue.code == "W_GCJ02_SUSPECTED" || issue.code == "W_GCJ02_DOUBTFUL")
            std::fprintf(stderr, "cleanheat merge: warning: %s: %s (%s)\n", issue.code.c_str(), issue.message.c_str(),
                         r.gcj02_check.c_str());
    if (r.errors > 0)
        std::fprintf(stderr, "cleanheat merge: %d rows rejected; see the 'issues' table of %s\n", r.errors,
                     r.output.string().c_str());
}

void print_summary(const MergeResult& r, const Context& context) {
    print_warnings(r, context);
    if (context.json) {
        std::cout << to_json(r).dump(2) << "\n";
        return;
    }
    std::printf("Plan rows:    read %d = loaded %d + rejected %d\n", r.plan_rows.read, r.plan_rows.loaded,
                r.plan_rows.rejected);
    std::printf("Households:   %lld", r.households_total);
    for (Route route : kRoutes)
        std::printf("  %s %lld", route_name(route), r.households_by_route[static_cast<int>(route)]);
    std::printf("\n");
    if (r.heating_rows.read > 0 || !r.files.empty())
        std::printf("Heating rows: read %d = loaded %d + rejected %d; area %.2f m2 (%.2f 万平方米)\n",
                    r.heating_rows.read, r.heating_rows.loaded, r.heating_rows.rejected, r.area_m2,
                    r.area_m2 / 10000.0);
    std::printf("Villages:     %d in the geodata, %d planned; %d rows matched by name\n", r.villages_in_geodata,
                r.villages_planned, r.matched_by_name);
    std::printf("Issues:       %d errors (rows not loaded), %d warnings\n", r.errors, r.warnings);
    std::printf("CRS:          villages %s; working %s\n", r.villages_crs.c_str(), r.working_crs.c_str());
    if (!r.gcj02_check.empty()) std::printf("GCJ-02 check: %s\n", r.gcj02_check.c_str());
    std::printf("Output:       %s\n", r.output.string().c_str());
}

}  // namespace

void add_merge(CLI::App& app, Context& context) {
    auto opt = std::make_shared<MergeOptions>();
    auto* cmd = app.add_subcommand("merge", "Merge county plan tables with village geodata into one GeoPackage");
    cmd->add_option("tables", opt->plan_tables, "Plan tables (xlsx, xls, ods, csv in UTF-8 or GB18030)");
    cmd->add_option("--heating", opt->heating_table, "District-heating table (附件2 style)");
    cmd->add_option("--villages", opt->villages, "Village geodata: any OGR source (GeoPackage, Shapefile, ...)")
        ->required();
    cmd->add_option("--villages-layer", opt->villages_layer,
                    "Layer of the villages (default: villages, else the first)");
    cmd->add_option("--villages-crs", opt->villages_crs,
                    "CRS of the villages when missing or wrong: EPSG:4527, EPSG:4490, ..., or gcj02");
    cmd->add_option("--central-meridian", opt->central_meridian,
                    "Central meridian for Gauss-Kruger eastings without zone number and without .prj")
        ->capture_default_str();
    cmd->add_option("--reference", opt->reference,
                    "Polygons with codes (villages, townships or counties) to check village points for GCJ-02");
    cmd->add_option("--working-crs", opt->working_crs, "CRS of the output (default: the villages' when projected)");
    cmd->add_option("--units", opt->units_file, "Reporting units file (default: styles/units.json)")
        ->transform(style_file("--units"));
    cmd->add_option("--villages-fields", opt->villages_fields,
                    "Fields of the villages when not found by name or content: code=F,name=F[,township=F,county=F]");
    cmd->add_option("--mapping", opt->mapping_files,
                    "Mapping file naming the columns of a plan table (write one with cleanheat inspect --mapping-out); "
                    "may be repeated")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_option("--plan-year", opt->plan_year, "Plan year written to planned villages")
        ->capture_default_str()
        ->transform(year_value("--plan-year"));
    cmd->add_option("-o,--output", opt->output,
                    "Output GeoPackage (written atomically), or PG:\"dbname=...\" (a schema prepared by cleanheat db init)")
        ->required();
    cmd->add_option("--pg-schema", opt->pg_schema, "The schema of a PG: output (default: cleanheat)");
    add_common_options(*cmd, context);
    cmd->footer(examples("merge"));
    cmd->callback([opt, &context] {
        opt->overwrite = context.overwrite;
        opt->command_line = context.command_line;
        auto progress = context.make_progress("Merging");
        const MergeResult result = merge(*opt, progress);
        print_summary(result, context);
        context.exit_code = result.errors > 0 ? 1 : 0;
    });
}

}  // namespace cleanheat::cli

// cleanheat inspect: declare, bind, call, report.
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "usage.hpp"
#include "commands/inspect.hpp"

namespace cleanheat::cli {
namespace {

nlohmann::json households_json(const std::array<long long, kRouteCount>& households) {
    nlohmann::json j;
    long long total = 0;
    for (Route route : kRoutes) {
        j[route_key(route)] = households[static_cast<int>(route)];
        total += households[static_cast<int>(route)];
    }
    j["total"] = total;
    return j;
}

nlohmann::json to_json(const InspectResult& r) {
    nlohmann::json files = nlohmann::json::array();
    for (const auto& f : r.files) {
        nlohmann::json sheets = nlohmann::json::array();
        for (const auto& s : f.sheets) {
            nlohmann::json columns = nlohmann::json::array();
            for (const auto& c : s.columns)
                columns.push_back({{"column", c.letter},
                                   {"header", c.header},
                                   {"header_row", c.header_row},
                                   {"meaning", c.meaning},
                                   {"route", c.route},
                                   {"understood", c.understood},
                                   {"stops_file", c.stops_file}});
            sheets.push_back({{"sheet", s.name},
                              {"header", s.has_header},
                              {"header_rows", {s.header_first_row, s.header_last_row}},
                              {"data_rows", {s.counts.first_data_row, s.counts.last_data_row}},
                              {"rows",
                               {{"data", s.counts.data_rows},
                                {"subtotal", s.counts.subtotal_rows},
                                {"total", s.counts.aggregate_rows - s.counts.subtotal_rows},
                                {"note", s.counts.note_rows},
                                {"blank", s.counts.blank_rows},
                                {"header", s.counts.header_rows}}},
                              {"columns", columns},
                              {"households", households_json(s.households)}});
        }
        nlohmann::json issues = nlohmann::json::array();
        for (const auto& i : f.issues)
            issues.push_back({{"sheet", i.sheet},
                              {"row", i.row},
                              {"col", i.column},
                              {"value", i.value},
                              {"code", i.code},
                              {"severity", severity_name(i.severity)},
                              {"message", i.message}});
        files.push_back({{"file", f.file},
                         {"encoding", f.encoding},
                         {"refused", f.refused},
                         {"rows", {{"data", f.data_rows}, {"read", f.rows_parsed}, {"rejected", f.rows_rejected}}},
                         {"households", households_json(f.households)},
                         {"sheets", sheets},
                         {"issues", issues},
                         {"mapping", f.mapping}});
    }
    nlohmann::json j;
    j["files"] = files;
    j["refused_files"] = r.refused_files;
    j["issues"] = {{"errors", r.errors}, {"warnings", r.warnings}};
    if (!r.mapping_out.empty()) j["mapping_out"] = r.mapping_out.string();
    return j;
}

// The text padded to `width` terminal columns (CJK characters take two).
std::string padded(const std::string& text, int width) {
    int used = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        used += n >= 3 ? 2 : 1;
        i += n;
    }
    return text + std::string(static_cast<std::size_t>(std::max(1, width - used)), ' ');
}

void print_file(const InspectedFile& f, bool quiet) {
    std::printf("%s%s\n", f.file.c_str(), f.encoding.empty() ? "" : (" (" + f.encoding + ")").c_str());
    for (const auto& s : f.sheets) {
        const std::string name = s.name.empty() ? std::string("(csv)") : s.name;
        if (!s.has_header) {
            std::printf("  sheet %s: no header found (%d non-blank rows)\n", name.c_str(), s.counts.note_rows);
            continue;
        }
        std::printf("  sheet %s: header row%s %d%s, data rows %d-%d\n", name.c_str(),
                    s.header_first_row == s.header_last_row ? "" : "s", s.header_first_row,
                    s.header_first_row == s.header_last_row ? "" : ("-" + std::to_string(s.header_last_row)).c_str(),
                    s.counts.first_data_row, s.counts.last_data_row);
        for (const auto& c : s.columns) {
            std::string meaning = c.meaning;
            if (!c.route.empty()) meaning += " (" + c.route + ")";
            if (c.stops_file) meaning = "NOT UNDERSTOOD: the file stops here";
            else if (!c.understood) meaning = "not understood (text, not used)";
            std::printf("    %-3s %s%s\n", c.letter.c_str(), padded(c.header.empty() ? "(blank)" : c.header, 30).c_str(),
                        meaning.c_str());
        }
        std::printf("    rows: %d data, %d 小计, %d 合计, %d notes, %d blank, %d header\n", s.counts.data_rows,
                    s.counts.subtotal_rows, s.counts.aggregate_rows - s.counts.subtotal_rows, s.counts.note_rows,
                    s.counts.blank_rows, s.counts.header_rows);
    }
    std::printf("  households it would load (before matching villages):");
    long long total = 0;
    for (Route route : kRoutes) {
        std::printf(" %s %lld", route_name(route), f.households[static_cast<int>(route)]);
        total += f.households[static_cast<int>(route)];
    }
    std::printf("; total %lld\n", total);
    if (!f.refused.empty())
        std::printf("  => REFUSED (%s): none of its %d data rows would be loaded\n", f.refused.c_str(), f.data_rows);
    else
        std::printf("  => %d of %d data rows read, %d rejected\n", f.rows_parsed, f.data_rows, f.rows_rejected);
    if (quiet) return;
    const std::size_t limit = 20;
    for (std::size_t i = 0; i < f.issues.size() && i < limit; ++i) {
        const auto& issue = f.issues[i];
        std::printf("  %s %s%s%s %s\n", issue.code.c_str(),
                    issue.sheet.empty() ? "" : (issue.sheet + "!").c_str(),
                    issue.column.c_str(), issue.row > 0 ? std::to_string(issue.row).c_str() : "",
                    issue.message.c_str());
    }
    if (f.issues.size() > limit) std::printf("  ... %zu more findings (--json lists all)\n", f.issues.size() - limit);
}

void print_summary(const InspectResult& r, const Context& context) {
    if (context.json) {
        std::cout << to_json(r).dump(2) << "\n";
        return;
    }
    for (const auto& f : r.files) print_file(f, context.quiet);
    if (!r.mapping_out.empty())
        std::printf("Mapping:  %s (name the columns marked \"?\", then: cleanheat merge ... --mapping %s)\n",
                    r.mapping_out.string().c_str(), r.mapping_out.string().c_str());
}

}  // namespace

void add_inspect(CLI::App& app, Context& context) {
    auto opt = std::make_shared<InspectOptions>();
    auto* cmd = app.add_subcommand("inspect", "Show what merge will understand of plan tables (read-only)");
    cmd->add_option("tables", opt->tables, "Plan tables (xlsx, xls, ods, csv in UTF-8 or GB18030)")->required();
    cmd->add_option("--mapping", opt->mapping_files, "Mapping file to read the tables with, as merge --mapping")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_option("--mapping-out", opt->mapping_out,
                    "Write the mapping file the merge takes (--mapping), prefilled; \"?\" marks what to fill in")
        ->check(output_type({".json"}, "the mapping is a JSON file"));
    add_common_options(*cmd, context);
    cmd->footer(examples("inspect"));
    cmd->callback([opt, &context] {
        opt->overwrite = context.overwrite;
        auto progress = context.make_progress("Inspecting");
        const InspectResult result = inspect(*opt, progress);
        print_summary(result, context);
        context.exit_code = result.refused_files > 0 || result.errors > 0 ? 1 : 0;
    });
}

}  // namespace cleanheat::cli

// The one list of subcommands: --help, the help tests and the docs checks read it.
#pragma once
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "context.hpp"

namespace cleanheat::cli {

struct CommandEntry {
    const char* name;
    void (*add)(CLI::App& app, Context& context);
    std::vector<std::string> examples;  // shell lines shown under --help
};

const std::vector<CommandEntry>& commands();

void add_merge(CLI::App& app, Context& context);
void add_inspect(CLI::App& app, Context& context);
void add_contiguity(CLI::App& app, Context& context);
void add_annex(CLI::App& app, Context& context);
void add_map(CLI::App& app, Context& context);
void add_progress(CLI::App& app, Context& context);
void add_spotcheck(CLI::App& app, Context& context);
void add_households(CLI::App& app, Context& context);
void add_subsidy(CLI::App& app, Context& context);
void add_stations(CLI::App& app, Context& context);
void add_report(CLI::App& app, Context& context);
void add_copy(CLI::App& app, Context& context);
void add_db(CLI::App& app, Context& context);

}  // namespace cleanheat::cli

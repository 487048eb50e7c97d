// What only the terminal cares about: --quiet, --progress, --json, --overwrite, exit codes.
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "base/progress.hpp"

namespace cleanheat::cli {

struct Context {
    bool quiet = false;
    bool force_progress = false;
    bool json = false;
    bool overwrite = false;
    int exit_code = 0;
    std::string command_line;

    // A Progress that draws the GDAL-style line on stderr when it should be shown.
    Progress make_progress(const std::string& label) const;
    bool show_progress() const;
};

// SIGINT and SIGTERM stop a command at its next progress step (a second signal stops it at once).
void install_interrupt_handlers();
// 130 after SIGINT, 143 after SIGTERM (128 + the signal).
int interrupted_exit_code();

// --quiet --progress --json --overwrite on a subcommand.
void add_common_options(CLI::App& command, Context& context);
// The examples footer of a subcommand, from the one list in commands.cpp.
std::string examples(const std::string& command);

}  // namespace cleanheat::cli

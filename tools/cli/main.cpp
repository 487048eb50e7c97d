// The cleanheat binary: one subcommand per tool; the only place that catches errors
// and maps them to exit codes (docs/exit-codes.md).
#include <malloc.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "commands.hpp"
#include "base/stop.hpp"
#include "base/error.hpp"
#include "io/gdal_context.hpp"
#include "io/pg_connection.hpp"

int main(int argc, char** argv) {
    using namespace cleanheat;
    // Large runs allocate hundreds of MB in small pieces: grow the heap in big steps.
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_TRIM_THRESHOLD, 256 << 20);
    cli::install_interrupt_handlers();
    cli::Context context;
    // as recorded in datasets (run_info, run_log): a database named without its password
    for (int i = 0; i < argc; ++i) {
        const std::string arg = argv[i];
        context.command_line += (i ? " " : "") + (is_pg_name(arg) ? pg_label(pg_conninfo(arg)) : arg);
    }
    CLI::App app{"cleanheat: clean-heating plan tables, village geodata, maps and reports"};
    app.set_version_flag("--version", std::string("cleanheat ") + CLEANHEAT_VERSION);
    app.require_subcommand(1);
    for (const auto& entry : cli::commands()) entry.add(app, context);
    // the command as the user typed it, subcommands of subcommands too ("cleanheat db init")
    const auto command_name = [&app] {
        std::string name = "cleanheat";
        for (const CLI::App* level = &app;;) {
            const auto subs = level->get_subcommands();
            if (subs.empty()) return name;
            level = subs.front();
            name += " " + level->get_name();
        }
    };
    try {
        try {
            app.parse(argc, argv);
        } catch (const CLI::CallForHelp& e) {
            return app.exit(e);
        } catch (const CLI::CallForAllHelp& e) {
            return app.exit(e);
        } catch (const CLI::CallForVersion& e) {
            return app.exit(e);
        } catch (const CLI::ParseError& e) {
            const std::string name = command_name();
            std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
            std::fprintf(stderr, "hint: run '%s --help'\n", name.c_str());
            return kExitUsage;
        }
    } catch (const Error& e) {
        const std::string name = command_name();
        if (e.exit_code() == kExitInterrupted || stop_requested() != 0) {  // also an error the stop caused
            std::fprintf(stderr, "\n%s: interrupted; nothing was written\n", name.c_str());
            return cli::interrupted_exit_code();
        } else {
            std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
            if (!e.hint().empty()) std::fprintf(stderr, "hint: %s\n", e.hint().c_str());
        }
        return e.exit_code();
    } catch (const std::exception& e) {
        const std::string name = command_name();
        if (stop_requested() != 0) {
            std::fprintf(stderr, "\n%s: interrupted; nothing was written\n", name.c_str());
            return cli::interrupted_exit_code();
        }
        std::fprintf(stderr, "%s: internal error: %s\n", name.c_str(), e.what());
        std::fprintf(stderr, "hint: this is a bug in cleanheat; please report it with the command and its inputs\n");
        return kExitInternal;
    }
    return context.exit_code;
}

// The cleanheat binary: one subcommand per tool; the only place that catches errors
// and maps them to exit codes (docs/exit-codes.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <algorithm>
#include <exception>
#include <string>

#include "commands.hpp"
#include "usage.hpp"
#include "base/stop.hpp"
#include "base/error.hpp"
#include "base/memory.hpp"
#include "io/gdal_context.hpp"
#include "io/pg_connection.hpp"

int main(int argc, char** argv) {
    using namespace cleanheat;
    tune_memory(argv);  // may start the process again, once (base/memory.hpp)
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
    // `cleanheat help [COMMAND ...]`, and a command that is not one, named with the nearest
    std::vector<std::string> command_names;
    for (const auto* sub : app.get_subcommands({})) command_names.push_back(sub->get_name());
    if (argc >= 2 && std::string(argv[1]) == "help") {
        CLI::App* level = &app;
        for (int i = 2; i < argc; ++i) {
            CLI::App* sub = nullptr;
            try {
                sub = level->get_subcommand(argv[i]);
            } catch (const CLI::OptionNotFound&) {
            }
            if (!sub) {
                std::vector<std::string> names;
                for (const auto* s : level->get_subcommands({})) names.push_back(s->get_name());
                const std::string near = cli::nearest_name(argv[i], names);
                std::fprintf(stderr, "cleanheat help: error: unknown command '%s'%s\n", argv[i],
                             near.empty() ? "" : ("; did you mean '" + near + "'?").c_str());
                return kExitUsage;
            }
            level = sub;
        }
        std::fputs(level->help().c_str(), stdout);
        return 0;
    }
    if (argc >= 2 && argv[1][0] != '-' &&
        std::find(command_names.begin(), command_names.end(), argv[1]) == command_names.end()) {
        const std::string near = cli::nearest_name(argv[1], command_names);
        std::fprintf(stderr, "cleanheat: error: unknown command '%s'%s\n", argv[1],
                     near.empty() ? "" : ("; did you mean '" + near + "'?").c_str());
        std::fprintf(stderr, "hint: run 'cleanheat --help' for the commands\n");
        return kExitUsage;
    }
    // the deepest command given, for an option it does not know
    const auto command_app = [&app] {
        CLI::App* level = &app;
        for (;;) {
            const auto subs = level->get_subcommands();
            if (subs.empty()) return level;
            level = subs.front();
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
            // an option or command it does not know is the error to name (also when a required
            // option then seems missing: "--village" for "--villages")
            const std::string name = command_name();
            CLI::App* level = command_app();
            std::vector<std::string> options, subcommands;
            for (const CLI::Option* o : level->get_options())
                for (const auto& l : o->get_lnames()) options.push_back("--" + l);
            for (const auto* sub : level->get_subcommands({})) subcommands.push_back(sub->get_name());
            bool said = false;
            for (const auto& extra : level->remaining(false)) {
                if (extra.rfind("--", 0) == 0) {
                    const std::string typed = extra.substr(0, extra.find('='));
                    const std::string near = cli::nearest_name(typed, options);
                    std::fprintf(stderr, "%s: error: unknown option '%s'%s\n", name.c_str(), typed.c_str(),
                                 near.empty() ? "" : ("; did you mean '" + near + "'?").c_str());
                    said = true;
                } else if (!subcommands.empty() && !said) {
                    const std::string near = cli::nearest_name(extra, subcommands);
                    std::fprintf(stderr, "%s: error: unknown command '%s'%s\n", name.c_str(), extra.c_str(),
                                 near.empty() ? "" : ("; did you mean '" + near + "'?").c_str());
                    said = true;
                }
            }
            if (!said) std::fprintf(stderr, "%s: error: %s\n", name.c_str(), e.what());
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

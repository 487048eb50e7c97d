#include "context.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <memory>

#include "base/notice.hpp"
#include "base/stop.hpp"

namespace cleanheat::cli {
namespace {

// The signal that asked to stop (SIGINT, SIGTERM) is kept in stop.hpp's flag; the progress sink
// and the long loops turn it into a cancellation, so that outputs are removed and transactions
// rolled back on the way out.
extern "C" void on_interrupt(int signal_number) {
    if (request_stop(signal_number) != 0) {  // asked twice: stop now
        std::signal(signal_number, SIG_DFL);
        std::raise(signal_number);
    }
}

struct TickLine {
    std::string label;
    int ticks = -1;  // 2.5% steps drawn so far
    bool started = false;
};

}  // namespace

bool Context::show_progress() const {
    if (quiet) return false;
    return force_progress || isatty(STDERR_FILENO);
}

void install_interrupt_handlers() {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
}

int interrupted_exit_code() {
    const int signal_number = stop_requested();
    return signal_number > 0 ? 128 + signal_number : 130;
}

Progress Context::make_progress(const std::string& label) const {
    install_interrupt_handlers();
    const bool show = show_progress();
    auto line = std::make_shared<TickLine>();
    line->label = label;
    set_notice_sink([quiet = quiet, line](const std::string& message) {
        if (quiet) return;
        std::fprintf(stderr, "%snote: %s\n", line->started ? "\n" : "", message.c_str());
        line->started = false;  // the progress line goes on under the note, its label again
    });
    return Progress([show, line](double fraction, const std::string&) {
        if (stop_requested() != 0) return false;
        if (!show) return true;
        const int ticks = static_cast<int>(fraction * 40.0 + 1e-9);
        if (!line->started) {
            std::fprintf(stderr, "%s ", line->label.c_str());
            line->started = true;
        }
        while (line->ticks < ticks) {
            ++line->ticks;
            if (line->ticks % 4 == 0)
                std::fprintf(stderr, "%d", line->ticks / 4 * 10);
            else
                std::fputc('.', stderr);
            if (line->ticks == 40) std::fputs(" - done.\n", stderr);
        }
        std::fflush(stderr);
        return true;
    });
}

void add_common_options(CLI::App& command, Context& context) {
    command.add_flag("-q,--quiet", context.quiet, "No progress and no warnings on stderr");
    command.add_flag("--progress", context.force_progress, "Show progress even when stderr is not a terminal");
    command.add_flag("--json", context.json, "Print the summary as one JSON object on stdout");
    command.add_flag("--overwrite", context.overwrite, "Replace the output file when it exists");
    command.set_version_flag("--version", std::string("cleanheat ") + CLEANHEAT_VERSION);
}

}  // namespace cleanheat::cli

// A request to stop (Ctrl-C, SIGTERM): set by the command line's signal handler, checked by the
// progress sink and by long loops that report no progress (tables read on the second core,
// rows parsed), so that a command stops within a moment whatever it is doing.
#pragma once
#include <atomic>

#include "base/error.hpp"

namespace cleanheat {

namespace detail {
inline std::atomic<int> stop_signal{0};
static_assert(std::atomic<int>::is_always_lock_free, "the stop flag is set from a signal handler");
}  // namespace detail

// Async-signal-safe. Returns the signal asked before (0 when none).
inline int request_stop(int signal_number) noexcept { return detail::stop_signal.exchange(signal_number); }
// The signal that asked to stop, 0 when none.
inline int stop_requested() noexcept { return detail::stop_signal.load(std::memory_order_relaxed); }
inline void throw_if_stop_requested() {
    if (stop_requested() != 0) throw Cancelled();
}

}  // namespace cleanheat

// Things a command says on the way that are neither progress nor findings ("the dataset was
// upgraded to schema version 2"): one sink, set by the command line (stderr, off with --quiet).
#pragma once
#include <functional>
#include <string>
#include <utility>

namespace cleanheat {

using NoticeSink = std::function<void(const std::string& message)>;

inline NoticeSink& notice_sink() {
    static NoticeSink sink;
    return sink;
}
inline void set_notice_sink(NoticeSink sink) { notice_sink() = std::move(sink); }
inline void notice(const std::string& message) {
    if (notice_sink()) notice_sink()(message);
}

}  // namespace cleanheat

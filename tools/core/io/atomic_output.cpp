#include "io/atomic_output.hpp"

#include <system_error>

#include "error.hpp"

namespace cleanheat {
namespace fs = std::filesystem;

AtomicOutput::AtomicOutput(fs::path target, bool overwrite, const std::vector<fs::path>& inputs)
    : target_(std::move(target)) {
    if (target_.empty()) throw UsageError("no output file given");
    std::error_code ec;
    for (const auto& input : inputs) {
        if (fs::exists(input, ec) && fs::exists(target_, ec) && fs::equivalent(input, target_, ec))
            throw OutputError(target_.string() + " is an input; refusing to overwrite it");
        if (fs::weakly_canonical(input, ec) == fs::weakly_canonical(target_, ec))
            throw OutputError(target_.string() + " is an input; refusing to overwrite it");
    }
    if (fs::exists(target_, ec) && !overwrite)
        throw OutputError(target_.string() + " exists; add --overwrite to replace it");
    if (fs::is_directory(target_, ec)) throw OutputError(target_.string() + " is a folder");
    const fs::path parent = target_.parent_path();
    if (!parent.empty() && !fs::exists(parent, ec)) {
        fs::create_directories(parent, ec);
        if (ec) throw OutputError(parent.string() + ": cannot create folder: " + ec.message());
    }
    partial_ = target_;
    partial_ += ".partial";
    fs::remove(partial_, ec);
}

AtomicOutput::~AtomicOutput() {
    if (!committed_) {
        std::error_code ec;
        fs::remove(partial_, ec);
        fs::path journal = partial_;
        journal += "-journal";
        fs::remove(journal, ec);
    }
}

void AtomicOutput::commit() {
    std::error_code ec;
    fs::rename(partial_, target_, ec);
    if (ec) throw OutputError(target_.string() + ": cannot write: " + ec.message());
    committed_ = true;
}

}  // namespace cleanheat

// An output written to <target>.partial and renamed when complete: a failed run
// leaves no half-written file, and an input is never replaced.
#pragma once
#include <filesystem>
#include <vector>

namespace cleanheat {

class AtomicOutput {
public:
    // Throws OutputError when the target exists without `overwrite`, when it is one of
    // `inputs`, or when its folder cannot be created.
    AtomicOutput(std::filesystem::path target, bool overwrite, const std::vector<std::filesystem::path>& inputs);
    ~AtomicOutput();
    AtomicOutput(const AtomicOutput&) = delete;
    AtomicOutput& operator=(const AtomicOutput&) = delete;

    const std::filesystem::path& partial() const { return partial_; }
    const std::filesystem::path& target() const { return target_; }
    // Renames the partial file onto the target.
    void commit();

private:
    std::filesystem::path target_;
    std::filesystem::path partial_;
    bool committed_ = false;
};

}  // namespace cleanheat

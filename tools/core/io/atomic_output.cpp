#include "io/atomic_output.hpp"

#include <sqlite3.h>

#include <system_error>

#include "base/error.hpp"
#include "io/file_info.hpp"

namespace cleanheat {
namespace fs = std::filesystem;

namespace {

struct RecordedInput {
    std::string path, sha256;
};

// The files a dataset was made from, as its tables record them: the merge's inputs (plan
// tables, villages, heating) and the imported progress reports. Empty for anything else.
std::vector<RecordedInput> recorded_inputs(const fs::path& dataset) {
    std::vector<RecordedInput> found;
    std::error_code ec;
    if (!fs::is_regular_file(dataset, ec)) return found;  // never open a pipe or a device
    // Opened by SQLite only, also to tell whether it is SQLite at all (anything else fails to
    // prepare): the run may hold a connection to it, and closing any other descriptor of the file
    // would drop that connection's locks (POSIX locks are the process's), so that another
    // process could fold and delete the WAL under it.
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(dataset.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) == SQLITE_OK) {
        sqlite3_busy_timeout(db, 60000);
        for (const char* sql : {"SELECT path, sha256 FROM inputs", "SELECT file, sha256 FROM progress_imports"}) {
            sqlite3_stmt* st = nullptr;
            if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK)
                while (sqlite3_step(st) == SQLITE_ROW) {
                    const auto* path = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
                    const auto* sha = reinterpret_cast<const char*>(sqlite3_column_text(st, 1));
                    found.push_back({path ? path : "", sha ? sha : ""});
                }
            sqlite3_finalize(st);
        }
    }
    sqlite3_close(db);
    return found;
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    if (fs::exists(a, ec) && fs::exists(b, ec) && fs::equivalent(a, b, ec)) return true;
    return fs::weakly_canonical(a, ec) == fs::weakly_canonical(b, ec);
}

// Refuses a target that is one of the files `dataset` was made from: by its recorded path
// (as given to the merge, or beside the dataset), or, when the target exists, by its content.
void refuse_recorded_input(const fs::path& target, const fs::path& dataset) {
    const auto recorded = recorded_inputs(dataset);
    if (recorded.empty()) return;
    std::error_code ec;
    std::string target_sha;
    if (fs::is_regular_file(target, ec) && fs::file_size(target, ec) > 0) target_sha = sha256_of(target.string());
    for (const auto& input : recorded) {
        const fs::path p = input.path;
        const bool by_path = !input.path.empty() &&
                             (same_file(p, target) || (p.is_relative() && same_file(dataset.parent_path() / p, target)));
        const bool by_content = !target_sha.empty() && target_sha == input.sha256;
        if (by_path || by_content)
            throw OutputError(target.string() + ": " + (by_path ? "" : "a copy of " + input.path + ", ") +
                                  "a file the dataset " + dataset.string() +
                                  " was made from; refusing to overwrite it, also with --overwrite",
                              "write the output to another file");
    }
}

}  // namespace

AtomicOutput::AtomicOutput(fs::path target, bool overwrite, const std::vector<fs::path>& inputs)
    : target_(std::move(target)) {
    if (target_.empty()) throw UsageError("no output file given");
    std::error_code ec;
    for (const auto& input : inputs) {
        if (fs::exists(input, ec) && fs::exists(target_, ec) && fs::equivalent(input, target_, ec))
            throw OutputError(target_.string() + " is an input; refusing to overwrite it");
        if (fs::weakly_canonical(input, ec) == fs::weakly_canonical(target_, ec))
            throw OutputError(target_.string() + " is an input; refusing to overwrite it");
        refuse_recorded_input(target_, input);
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

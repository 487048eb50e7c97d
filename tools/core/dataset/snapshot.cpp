#include "dataset/snapshot.hpp"

#include <cstdlib>
#include <filesystem>
#include <utility>

#include "base/error.hpp"
#include "base/progress.hpp"
#include "dataset/copy.hpp"
#include "io/pg_connection.hpp"

namespace cleanheat::dataset {
namespace fs = std::filesystem;

TempFolder::TempFolder() {
    std::string pattern = (fs::temp_directory_path() / "cleanheat-XXXXXX").string();
    if (!mkdtemp(pattern.data())) throw OutputError(pattern + ": cannot make a temporary folder");
    path_ = pattern;
}

TempFolder::~TempFolder() {
    std::error_code ec;
    fs::remove_all(path_, ec);
}

std::string copy_out(const std::string& name, const std::string& pg_schema, const std::string& file,
                     CopyOptions part) {
    part.source = name;
    part.destination = file;
    part.pg_schema = pg_schema;
    Progress quiet;
    return copy_dataset(part, quiet).source;
}

Snapshot::Snapshot(const std::string& name, const std::string& pg_schema, CopyOptions part) : path_(name), label_(name) {
    if (!is_pg_name(name)) return;
    folder_ = std::make_unique<TempFolder>();
    path_ = (fs::path(folder_->path()) / "snapshot.gpkg").string();
    label_ = copy_out(name, pg_schema, path_, std::move(part));
}

Snapshot::~Snapshot() = default;

}  // namespace cleanheat::dataset

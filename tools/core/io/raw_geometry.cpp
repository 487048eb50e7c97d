#include "io/raw_geometry.hpp"

#include <cstring>
#include <filesystem>

#include "base/error.hpp"
#include "io/sqlite_util.hpp"

namespace cleanheat {
RawGeometryReader::RawGeometryReader(const VillageSource& source, bool identity) {
    if (!identity || !source.dataset || !source.layer) return;
    const auto* driver = source.dataset->GetDriver();
    if (!driver || std::strcmp(driver->GetDescription(), "GPKG") != 0) return;
    std::error_code ec;
    if (!std::filesystem::is_regular_file(source.source, ec)) return;
    const std::string fid = source.layer->GetFIDColumn();
    const std::string geom = source.layer->GetGeometryColumn();
    if (fid.empty() || geom.empty()) return;
    if (sqlite3_open_v2(source.source.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK ||
        sqlite3_busy_timeout(db_, 60000) != SQLITE_OK) {
        sqlite3_close(db_);
        db_ = nullptr;
        return;
    }
    const std::string sql =
        "SELECT " + sql_identifier(fid) + ", " + sql_identifier(geom) + " FROM " + sql_identifier(source.layer_name);
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement_, nullptr) != SQLITE_OK) {
        sqlite3_finalize(statement_);
        statement_ = nullptr;
    }
}

RawGeometryReader::~RawGeometryReader() {
    sqlite3_finalize(statement_);
    sqlite3_close(db_);
}

bool RawGeometryReader::next(GIntBig& fid, std::string& blob) {
    const int rc = sqlite3_step(statement_);
    if (rc == SQLITE_DONE) return false;
    if (rc != SQLITE_ROW) throw InputError(std::string("cannot read geometry: ") + sqlite3_errmsg(db_));
    fid = sqlite3_column_int64(statement_, 0);
    const void* data = sqlite3_column_blob(statement_, 1);
    const int size = sqlite3_column_bytes(statement_, 1);
    blob.assign(static_cast<const char*>(data), data ? static_cast<std::size_t>(size) : 0);
    return true;
}

}  // namespace cleanheat

// Reads the geometry blobs of a GeoPackage layer straight from SQLite, without parsing
// them: when the villages need no transformation, the merge copies them as they are.
#pragma once
#include <sqlite3.h>

#include <string>

#include "io/geodata_reader.hpp"

namespace cleanheat {

class RawGeometryReader {
public:
    // Usable only for a GeoPackage source whose coordinates stay as they are.
    RawGeometryReader(const VillageSource& source, bool identity);
    ~RawGeometryReader();
    RawGeometryReader(const RawGeometryReader&) = delete;
    RawGeometryReader& operator=(const RawGeometryReader&) = delete;

    bool usable() const { return statement_ != nullptr; }
    // Next feature: its FID and geometry blob (empty for NULL geometry); false at the end.
    bool next(GIntBig& fid, std::string& blob);

private:
    sqlite3* db_ = nullptr;
    sqlite3_stmt* statement_ = nullptr;
};

}  // namespace cleanheat

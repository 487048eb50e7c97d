#include "io/gpkg_writer.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "base/error.hpp"
#include "io/rtree_bulk.hpp"
#include "io/sqlite_util.hpp"
#include "io/gdal_context.hpp"
#include "io/wkb_reader.hpp"

namespace cleanheat {
std::string gpkg_blob(const OGRGeometry& geometry, int srs_id) {
    OGREnvelope envelope;
    const bool empty = geometry.IsEmpty();
    if (!empty) geometry.getEnvelope(&envelope);
    const std::size_t wkb_size = geometry.WkbSize();
    std::string blob(8 + (empty ? 0 : 32) + wkb_size, '\0');
    auto* p = reinterpret_cast<unsigned char*>(blob.data());
    p[0] = 'G';
    p[1] = 'P';
    p[2] = 0;                                                              // version
    p[3] = static_cast<unsigned char>((empty ? (1 << 4) : (1 << 1)) | 1);  // empty flag or xy envelope; little endian
    const int32_t srs = srs_id;
    std::memcpy(p + 4, &srs, 4);
    std::size_t offset = 8;
    if (!empty) {
        const double values[4] = {envelope.MinX, envelope.MaxX, envelope.MinY, envelope.MaxY};
        std::memcpy(p + 8, values, 32);
        offset += 32;
    }
    geometry.exportToWkb(wkbNDR, p + offset, wkbVariantIso);
    return blob;
}

namespace {

// Walks one WKB geometry (points, lines, polygons and their collections, 2D to 4D, either byte
// order), widening `envelope` by its x and y; false for anything else or a truncated one.
bool wkb_envelope(WkbReader& in, OGREnvelope& envelope, bool& any, int depth) {
    std::uint8_t order = 0;
    std::uint32_t type = 0;
    if (depth > 8 || !in.u8(order) || order > 1) return false;
    in.little = order == 1;
    if (!in.u32(type) || type > 3007) return false;  // ISO codes only (no EWKB flags)
    const std::uint32_t base = type % 1000, dims = 2 + (type / 1000 == 3 ? 2 : type / 1000 ? 1 : 0);
    auto points = [&](std::uint32_t n) {
        for (std::uint32_t i = 0; i < n; ++i) {
            double x = 0, y = 0, skip = 0;
            if (!in.f64(x) || !in.f64(y)) return false;
            for (std::uint32_t d = 2; d < dims; ++d)
                if (!in.f64(skip)) return false;
            if (std::isnan(x) || std::isnan(y)) continue;  // an empty point
            if (!any) envelope = OGREnvelope();
            envelope.Merge(x, y);
            any = true;
        }
        return true;
    };
    std::uint32_t n = 0;
    switch (base) {
        case 1:
            return points(1);
        case 2:
            return in.u32(n) && points(n);
        case 3:
            if (!in.u32(n)) return false;
            for (std::uint32_t r = 0; r < n; ++r) {
                std::uint32_t count = 0;
                if (!in.u32(count) || !points(count)) return false;
            }
            return true;
        case 4: case 5: case 6: case 7:
            if (!in.u32(n)) return false;
            for (std::uint32_t g = 0; g < n; ++g)
                if (!wkb_envelope(in, envelope, any, depth + 1)) return false;
            return true;
        default:
            return false;
    }
}

}  // namespace

bool gpkg_blob_from_wkb(const std::string& wkb, int srs_id, std::string& blob) {
    const auto* p = reinterpret_cast<const unsigned char*>(wkb.data());
    WkbReader in{p, p + wkb.size()};
    OGREnvelope envelope;
    bool any = false;
    if (!wkb_envelope(in, envelope, any, 0) || in.p != in.end || !any) return false;
    blob.assign(8 + 32, '\0');
    auto* h = reinterpret_cast<unsigned char*>(blob.data());
    h[0] = 'G';
    h[1] = 'P';
    h[2] = 0;
    h[3] = static_cast<unsigned char>((1 << 1) | 1);  // xy envelope, little-endian header
    const int32_t srs = srs_id;
    std::memcpy(h + 4, &srs, 4);
    const double values[4] = {envelope.MinX, envelope.MaxX, envelope.MinY, envelope.MaxY};
    std::memcpy(h + 8, values, 32);
    blob += wkb;
    return true;
}

bool gpkg_blob_set_srs(std::string& blob, int srs_id) {
    if (blob.size() < 8 || blob[0] != 'G' || blob[1] != 'P') return false;
    const bool little = (static_cast<unsigned char>(blob[3]) & 1) != 0;
    uint32_t v = static_cast<uint32_t>(srs_id);
    unsigned char bytes[4];
    for (int i = 0; i < 4; ++i) bytes[little ? i : 3 - i] = static_cast<unsigned char>(v >> (8 * i));
    std::memcpy(blob.data() + 4, bytes, 4);
    return true;
}

bool gpkg_blob_envelope(const std::string& blob, OGREnvelope& envelope) {
    if (blob.size() < 8 || blob[0] != 'G' || blob[1] != 'P') return false;
    const auto flags = static_cast<unsigned char>(blob[3]);
    if (flags & (1 << 4)) return false;  // empty
    const int envelope_type = (flags >> 1) & 7;
    const bool little = (flags & 1) != 0;
    if (envelope_type >= 1 && envelope_type <= 4 && blob.size() >= 40) {
        double v[4];
        for (int k = 0; k < 4; ++k) {
            unsigned char b[8];
            std::memcpy(b, blob.data() + 8 + 8 * k, 8);
            if (!little)
                for (int i = 0; i < 4; ++i) std::swap(b[i], b[7 - i]);
            std::memcpy(&v[k], b, 8);
        }
        envelope.MinX = v[0];
        envelope.MaxX = v[1];
        envelope.MinY = v[2];
        envelope.MaxY = v[3];
        return true;
    }
    static const int sizes[] = {0, 32, 48, 48, 64};
    const std::size_t offset = 8 + (envelope_type <= 4 ? sizes[envelope_type] : 0);
    if (blob.size() <= offset) return false;
    OGRGeometry* g = nullptr;
    if (OGRGeometryFactory::createFromWkb(blob.data() + offset, nullptr, &g, blob.size() - offset) != OGRERR_NONE || !g)
        return false;
    const bool ok = !g->IsEmpty();
    if (ok) g->getEnvelope(&envelope);
    delete g;
    return ok;
}

GpkgWriter::GpkgWriter(const std::string& path) : path_(path) {
    ensure_gdal();
    auto* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (!driver) throw OutputError("GDAL has no GeoPackage driver");
    GdalErrorCapture capture;  // also silences the warning about the .partial extension
    dataset_.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!dataset_) throw OutputError(path + ": cannot create GeoPackage: " + capture.last_message());
}

GpkgWriter::~GpkgWriter() {
    if (db_) sqlite3_close(db_);
}

void GpkgWriter::create_layer(const std::string& name, OGRwkbGeometryType type, const OGRSpatialReference* srs,
                              const std::vector<FieldSpec>& fields, const std::string& description, bool explicit_fid) {
    GdalErrorCapture capture;
    char** options = nullptr;
    if (!description.empty()) options = CSLSetNameValue(options, "DESCRIPTION", description.c_str());
    if (type == wkbNone) {
        options = CSLSetNameValue(options, "ASPATIAL_VARIANT", "GPKG_ATTRIBUTES");
    } else {
        options = CSLSetNameValue(options, "GEOMETRY_NAME", "geom");
    }
    options = CSLSetNameValue(options, "FID", "fid");
    OGRLayer* layer = dataset_->CreateLayer(name.c_str(), const_cast<OGRSpatialReference*>(srs), type, options);
    CSLDestroy(options);
    if (!layer) throw OutputError(path_ + ": cannot create layer " + name + ": " + capture.last_message());
    for (const auto& field : fields) {
        OGRFieldDefn defn(field.name.c_str(), field.type);
        if (layer->CreateField(&defn) != OGRERR_NONE)
            throw OutputError(path_ + ": cannot create field " + name + "." + field.name + ": " +
                              capture.last_message());
    }
    // make sure the table exists on disk before SQLite takes over
    layer->SyncToDisk();
    Table t;
    t.name = name;
    t.fields = fields;
    t.geometry = type != wkbNone;
    t.explicit_fid = explicit_fid;
    tables_.push_back(std::move(t));
}

void GpkgWriter::reuse_spatial_index(const std::string& table_name, const std::string& source_path,
                                     const std::string& source_table, const std::string& source_geometry) {
    auto& t = table(table_name);
    t.index_source_path = source_path;
    t.index_source_rtree = "rtree_" + source_table + "_" + source_geometry;
}

void GpkgWriter::exec(const std::string& sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
        const std::string message = error ? error : "unknown error";
        sqlite3_free(error);
        throw OutputError(path_ + ": cannot write: " + message);
    }
}

void GpkgWriter::begin_rows() {
    {
        GdalErrorCapture capture;
        dataset_.reset();  // closes: the schema is on disk
    }
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK)
        throw OutputError(path_ + ": cannot open for writing: " + std::string(db_ ? sqlite3_errmsg(db_) : ""));
    stop_statements_on_request(db_);
    exec("PRAGMA synchronous = OFF");
    exec("PRAGMA journal_mode = OFF");  // the file is a .partial, renamed only when complete
    exec("PRAGMA cache_size = -262144");
    for (auto& t : tables_) {
        if (!t.geometry) continue;
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db_, "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = ?", -1, &s, nullptr);
        sqlite3_bind_text(s, 1, t.name.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(s) == SQLITE_ROW) t.srs_id = sqlite3_column_int(s, 0);
        sqlite3_finalize(s);
    }
    // GDAL's per-row triggers (feature counts, R-tree): dropped while rows go in; finish() sets
    // the counts, builds the R-trees and puts the triggers back
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db_,
                       "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND "
                       "(name LIKE 'trigger_%_feature_count_%' OR name LIKE 'rtree_%')",
                       -1, &s, nullptr);
    std::vector<std::string> names;
    while (sqlite3_step(s) == SQLITE_ROW) {
        names.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 0)));
        triggers_.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(s, 1)));
    }
    sqlite3_finalize(s);
    for (const auto& name : names) exec("DROP TRIGGER " + sql_identifier(name));
    exec("BEGIN");
}

int GpkgWriter::srs_id(const std::string& name) const {
    for (const auto& t : tables_)
        if (t.name == name) return t.srs_id;
    return 0;
}

GpkgWriter::Table& GpkgWriter::table(const std::string& name) {
    for (auto& t : tables_)
        if (t.name == name) return t;
    throw std::logic_error("no table " + name + " declared");
}

void GpkgWriter::finish() {
    exec("COMMIT");
    for (auto& t : tables_)
        if (t.geometry && spatial_indexes_) build_spatial_index(t);
    exec("BEGIN");
    for (const auto& t : tables_) {
        if (t.geometry && t.rows > 0) {
            sqlite3_stmt* s = nullptr;
            sqlite3_prepare_v2(
                db_, "UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?", -1, &s,
                nullptr);
            sqlite3_bind_double(s, 1, t.extent.MinX);
            sqlite3_bind_double(s, 2, t.extent.MinY);
            sqlite3_bind_double(s, 3, t.extent.MaxX);
            sqlite3_bind_double(s, 4, t.extent.MaxY);
            sqlite3_bind_text(s, 5, t.name.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_step(s);
            sqlite3_finalize(s);
        }
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, "UPDATE gpkg_ogr_contents SET feature_count = ? WHERE table_name = ?", -1, &s,
                               nullptr) == SQLITE_OK) {
            sqlite3_bind_int64(s, 1, t.rows);
            sqlite3_bind_text(s, 2, t.name.c_str(), -1, SQLITE_TRANSIENT);
            sqlite3_step(s);
        }
        sqlite3_finalize(s);
    }
    for (const auto& sql : triggers_)
        if (spatial_indexes_ || sql.find("rtree_") == std::string::npos) exec(sql);
    if (!spatial_indexes_)  // the R-trees GDAL made with the layers, left empty: none at all
        for (const auto& t : tables_) {
            if (!t.geometry) continue;
            exec("DROP TABLE IF EXISTS " + sql_identifier("rtree_" + t.name + "_geom"));
            exec("DELETE FROM gpkg_extensions WHERE extension_name = 'gpkg_rtree_index' AND lower(table_name) = lower(" +
                 sql_literal(t.name) + ")");
        }
    exec("COMMIT");
    // write-ahead logging from now on: readers (map, annex, report) see the dataset as it was while a
    // later command (progress, contiguity) changes it, instead of failing on a locked file
    exec("PRAGMA journal_mode=WAL");
    if (sqlite3_close(db_) != SQLITE_OK) throw OutputError(path_ + ": cannot close: " + sqlite3_errmsg(db_));
    db_ = nullptr;
}

bool GpkgWriter::copy_spatial_index(Table& t, const std::string& rtree) {
    sqlite3_stmt* s = nullptr;
    sqlite3_prepare_v2(db_, "ATTACH DATABASE ? AS source", -1, &s, nullptr);
    sqlite3_bind_text(s, 1, t.index_source_path.c_str(), -1, SQLITE_TRANSIENT);
    const bool attached = sqlite3_step(s) == SQLITE_DONE;
    sqlite3_finalize(s);
    if (!attached) return false;
    const std::string source = t.index_source_rtree;
    const long long source_node =
        sql_scalar(db_, "SELECT length(data) FROM source." + sql_identifier(source + "_node") + " WHERE nodeno = 1");
    const long long own_node =
        sql_scalar(db_, "SELECT length(data) FROM " + sql_identifier(rtree + "_node") + " WHERE nodeno = 1");
    const long long source_entries =
        sql_scalar(db_, "SELECT count(*) FROM source." + sql_identifier(source + "_rowid"));
    const bool fits = source_node > 0 && source_node == own_node && source_entries >= t.rows;
    if (fits) {
        exec("BEGIN");
        for (const char* shadow : {"_node", "_rowid", "_parent"}) {
            exec("DELETE FROM " + sql_identifier(rtree + shadow));
            exec("INSERT INTO " + sql_identifier(rtree + shadow) + " SELECT * FROM source." +
                 sql_identifier(source + shadow));
        }
        if (source_entries != t.rows)  // rows left out of this layer
            exec("DELETE FROM " + sql_identifier(rtree) + " WHERE id NOT IN (SELECT fid FROM " +
                 sql_identifier(t.name) + ")");
        exec("COMMIT");
    }
    exec("DETACH DATABASE source");
    return fits;
}

void GpkgWriter::build_spatial_index(Table& t) {
    const std::string rtree = "rtree_" + t.name + "_geom";
    if (!t.index_source_path.empty() && copy_spatial_index(t, rtree)) return;
    if (!t.index_source_path.empty()) {
        // not copyable after all: envelopes from the stored blobs
        sqlite3_stmt* s = nullptr;
        sqlite3_prepare_v2(db_, ("SELECT fid, geom FROM " + sql_identifier(t.name)).c_str(), -1, &s, nullptr);
        while (sqlite3_step(s) == SQLITE_ROW) {
            const auto* data = static_cast<const char*>(sqlite3_column_blob(s, 1));
            const std::string blob(data ? data : "", data ? static_cast<std::size_t>(sqlite3_column_bytes(s, 1)) : 0);
            OGREnvelope e;
            if (gpkg_blob_envelope(blob, e)) t.envelopes.emplace_back(sqlite3_column_int64(s, 0), e);
        }
        sqlite3_finalize(s);
    }
    exec("BEGIN");
    if (!bulk_load_rtree(db_, rtree, t.envelopes)) {
        // an R-tree of an unexpected form: entry by entry through the virtual table
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db_, ("INSERT INTO " + sql_identifier(rtree) + " VALUES (?, ?, ?, ?, ?)").c_str(), -1,
                               &s, nullptr) != SQLITE_OK)
            throw OutputError(path_ + ": cannot build the spatial index of " + t.name + ": " + sqlite3_errmsg(db_));
        for (const auto& [fid, e] : t.envelopes) {
            sqlite3_bind_int64(s, 1, fid);
            sqlite3_bind_double(s, 2, e.MinX);
            sqlite3_bind_double(s, 3, e.MaxX);
            sqlite3_bind_double(s, 4, e.MinY);
            sqlite3_bind_double(s, 5, e.MaxY);
            if (sqlite3_step(s) != SQLITE_DONE) {
                const std::string message = sqlite3_errmsg(db_);
                sqlite3_finalize(s);
                throw OutputError(path_ + ": cannot build the spatial index of " + t.name + ": " + message);
            }
            sqlite3_reset(s);
        }
        sqlite3_finalize(s);
    }
    exec("COMMIT");
    t.envelopes.clear();
}

BulkInsert::BulkInsert(GpkgWriter& writer, const std::string& table) : writer_(writer), table_(table) {
    auto& t = writer.table(table);
    table_state_ = &t;
    field_count_ = static_cast<int>(t.fields.size());
    has_geometry_ = t.geometry;
    std::string columns, values;
    auto add = [&](const std::string& column) {
        columns += (columns.empty() ? "" : ", ") + sql_identifier(column);
        values += values.empty() ? "?" : ", ?";
    };
    for (const auto& f : t.fields) add(f.name);
    if (has_geometry_) add("geom");
    if (t.explicit_fid) {
        add("fid");
        fid_parameter_ = static_cast<int>(t.fields.size()) + (has_geometry_ ? 2 : 1);
    }
    const std::string sql = "INSERT INTO " + sql_identifier(table) + " (" + columns + ") VALUES (" + values + ")";
    if (sqlite3_prepare_v2(writer.db_, sql.c_str(), -1, &statement_, nullptr) != SQLITE_OK)
        throw OutputError(writer.path_ + ": cannot prepare insert into " + table + ": " + sqlite3_errmsg(writer.db_));
}

BulkInsert::~BulkInsert() {
    sqlite3_finalize(statement_);
}

void BulkInsert::text(int field, const std::string& value) {
    sqlite3_bind_text(statement_, field + 1, value.c_str(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
void BulkInsert::text_ref(int field, const std::string& value) {
    sqlite3_bind_text(statement_, field + 1, value.c_str(), static_cast<int>(value.size()), SQLITE_STATIC);
}
void BulkInsert::text_ref(int field, const char* literal) {
    sqlite3_bind_text(statement_, field + 1, literal, -1, SQLITE_STATIC);
}
void BulkInsert::integer(int field, long long value) {
    sqlite3_bind_int64(statement_, field + 1, value);
}
void BulkInsert::real(int field, double value) {
    sqlite3_bind_double(statement_, field + 1, value);
}
void BulkInsert::null(int field) {
    sqlite3_bind_null(statement_, field + 1);
}

void BulkInsert::fid(long long value) {
    if (!fid_parameter_) return;
    current_fid_ = value;
    if (value < 0)
        sqlite3_bind_null(statement_, fid_parameter_);
    else
        sqlite3_bind_int64(statement_, fid_parameter_, value);
}

void BulkInsert::geometry(std::string blob) {
    blob_ = std::move(blob);
    auto& t = *static_cast<GpkgWriter::Table*>(table_state_);
    OGREnvelope envelope;
    has_envelope_ = gpkg_blob_envelope(blob_, envelope);
    if (has_envelope_) {
        t.extent.Merge(envelope);
        current_envelope_ = envelope;
    }
    sqlite3_bind_blob(statement_, field_count_ + 1, blob_.data(), static_cast<int>(blob_.size()), SQLITE_STATIC);
}

void BulkInsert::insert() {
    if (sqlite3_step(statement_) != SQLITE_DONE)
        throw OutputError(writer_.path_ + ": cannot write to " + table_ + ": " + sqlite3_errmsg(writer_.db_));
    auto& t = *static_cast<GpkgWriter::Table*>(table_state_);
    if (has_envelope_ && t.index_source_path.empty()) {
        const long long fid = current_fid_ >= 0 ? current_fid_ : sqlite3_last_insert_rowid(writer_.db_);
        t.envelopes.emplace_back(fid, current_envelope_);
    }
    has_envelope_ = false;
    current_fid_ = -1;
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
    ++t.rows;
}

}  // namespace cleanheat

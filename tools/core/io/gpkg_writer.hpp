// Writing a GeoPackage: GDAL creates the schema (layers, fields, CRS, metadata), then the
// rows go in through SQLite prepared statements in one transaction, and GDAL builds the
// spatial indexes at the end. Much faster than feature-by-feature OGR writes at 10^5-10^6
// rows, and the file is an ordinary GeoPackage that any GDAL reads.
#pragma once
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

namespace cleanheat {

struct FieldSpec {
    std::string name;
    OGRFieldType type = OFTString;
};

// GeoPackage geometry blob (header with xy envelope + ISO WKB, little endian).
std::string gpkg_blob(const OGRGeometry& geometry, int srs_id);
// The blob of a WKB geometry as it is (points, lines, polygons, their collections), its envelope
// computed on the way; false (blob unset) for an empty or other geometry: use gpkg_blob.
bool gpkg_blob_from_wkb(const std::string& wkb, int srs_id, std::string& blob);
// Rewrites the srs_id of an existing blob in place; false when it is not a GeoPackage blob.
bool gpkg_blob_set_srs(std::string& blob, int srs_id);
// The envelope stored in a blob header (or computed from its WKB); false for empty geometry.
bool gpkg_blob_envelope(const std::string& blob, OGREnvelope& envelope);

class GpkgWriter;

// The rows of one table of a dataset being written, whatever the store: set the fields of a row
// by their declared position (0-based; a field not set is NULL, and so is field n of a table of n
// fields, its geometry), its FID and geometry, then insert(). BulkInsert writes into a GeoPackage,
// dataset::PgDatasetWriter into a database.
class RowSink {
public:
    virtual ~RowSink() = default;
    virtual void text(int field, const std::string& value) = 0;
    // Without copying where the store allows: `value` must stay alive and unchanged until insert().
    virtual void text_ref(int field, const std::string& value) = 0;
    virtual void text_ref(int field, const char* literal) = 0;
    virtual void integer(int field, long long value) = 0;
    virtual void real(int field, double value) = 0;
    virtual void null(int field) = 0;
    // The row's FID (layers declared with explicit FIDs); negative: the next one.
    virtual void fid(long long value) = 0;
    // GeoPackage blob (kept until insert()); grows the layer's extent.
    virtual void geometry(std::string blob) = 0;
    virtual void insert() = 0;
};

// One prepared INSERT into a table of a GeoPackage.
class BulkInsert final : public RowSink {
public:
    BulkInsert(GpkgWriter& writer, const std::string& table);
    ~BulkInsert() override;
    BulkInsert(const BulkInsert&) = delete;
    BulkInsert& operator=(const BulkInsert&) = delete;

    void text(int field, const std::string& value) override;
    // Binds without copying: `value` must stay alive and unchanged until insert().
    void text_ref(int field, const std::string& value) override;
    void text_ref(int field, const char* literal) override;
    void integer(int field, long long value) override;
    void real(int field, double value) override;
    void null(int field) override;
    // The row's FID (layers declared with explicit FIDs); negative: assigned by SQLite.
    void fid(long long value) override;
    // GeoPackage blob (kept until insert()); grows the layer's extent.
    void geometry(std::string blob) override;
    void insert() override;

private:
    GpkgWriter& writer_;
    std::string table_;
    void* table_state_ = nullptr;  // GpkgWriter::Table
    sqlite3_stmt* statement_ = nullptr;
    int field_count_ = 0;
    bool has_geometry_ = false;
    int fid_parameter_ = 0;  // 1-based parameter of the fid, 0 when none
    long long current_fid_ = -1;
    OGREnvelope current_envelope_;
    std::string blob_;
    bool has_envelope_ = false;
};

class GpkgWriter {
public:
    // Creates a new GeoPackage at `path` (which must not exist).
    explicit GpkgWriter(const std::string& path);
    ~GpkgWriter();
    GpkgWriter(const GpkgWriter&) = delete;
    GpkgWriter& operator=(const GpkgWriter&) = delete;

    // Declares a layer with geometry (`srs` non-null) or an attribute table (wkbNone).
    // With `explicit_fid`, rows carry their FID (BulkInsert::fid).
    void create_layer(const std::string& name, OGRwkbGeometryType type, const OGRSpatialReference* srs,
                      const std::vector<FieldSpec>& fields, const std::string& description = {},
                      bool explicit_fid = false);
    // The layer's rows keep the FIDs and geometries of a GeoPackage layer (`source_path`,
    // `source_table`, `source_geometry`): its R-tree is copied instead of rebuilt.
    void reuse_spatial_index(const std::string& table, const std::string& source_path, const std::string& source_table,
                             const std::string& source_geometry);
    // No spatial indexes (a private working copy that is read whole).
    void without_spatial_indexes() { spatial_indexes_ = false; }
    // Ends the schema: from here rows are inserted with BulkInsert.
    void begin_rows();
    // srs_id of a layer's CRS in this file (after begin_rows).
    int srs_id(const std::string& table) const;
    // Commits, records extents and counts, builds the spatial indexes, closes.
    void finish();

private:
    friend class BulkInsert;
    struct Table {
        std::string name;
        std::vector<FieldSpec> fields;
        bool geometry = false;
        int srs_id = 0;
        OGREnvelope extent;
        long long rows = 0;
        bool explicit_fid = false;
        std::vector<std::pair<long long, OGREnvelope>> envelopes;  // for the R-tree when rebuilt
        std::string index_source_path, index_source_rtree;
    };
    void build_spatial_index(Table& t);
    bool copy_spatial_index(Table& t, const std::string& rtree);
    Table& table(const std::string& name);
    void exec(const std::string& sql);

    std::string path_;
    std::unique_ptr<GDALDataset> dataset_;
    sqlite3* db_ = nullptr;
    std::vector<Table> tables_;
    std::vector<std::string> triggers_;  // feature-count triggers, off while rows go in
    bool spatial_indexes_ = true;
};

}  // namespace cleanheat

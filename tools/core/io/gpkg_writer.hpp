// Writing GeoPackage layers and attribute tables through OGR, inside one transaction.
#pragma once
#include <ogrsf_frmts.h>

#include <memory>
#include <string>
#include <vector>

namespace cleanheat {

struct FieldSpec {
    std::string name;
    OGRFieldType type = OFTString;
};

class GpkgWriter {
public:
    // Creates a new GeoPackage at `path` (which must not exist).
    explicit GpkgWriter(const std::string& path);
    ~GpkgWriter();
    GpkgWriter(const GpkgWriter&) = delete;
    GpkgWriter& operator=(const GpkgWriter&) = delete;

    // A layer with geometry (`srs` non-null) or an attribute table (wkbNone).
    OGRLayer* create_layer(const std::string& name, OGRwkbGeometryType type, const OGRSpatialReference* srs,
                           const std::vector<FieldSpec>& fields, const std::string& description = {});
    void begin();
    void commit();
    // Adds a feature; throws OutputError with the layer name on failure.
    void write(OGRLayer* layer, OGRFeature& feature);
    // Closes the dataset (flushes); further calls are errors.
    void close();
    GDALDataset* dataset() { return dataset_.get(); }

private:
    std::string path_;
    std::unique_ptr<GDALDataset> dataset_;
    bool in_transaction_ = false;
};

}  // namespace cleanheat

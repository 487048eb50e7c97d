#include "io/gpkg_writer.hpp"

#include "error.hpp"
#include "io/gdal_context.hpp"

namespace cleanheat {

GpkgWriter::GpkgWriter(const std::string& path) : path_(path) {
    ensure_gdal();
    auto* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
    if (!driver) throw OutputError("GDAL has no GeoPackage driver");
    GdalErrorCapture capture;
    dataset_.reset(driver->Create(path.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
    if (!dataset_) throw OutputError(path + ": cannot create GeoPackage: " + capture.last_message());
}

GpkgWriter::~GpkgWriter() {
    if (dataset_ && in_transaction_) dataset_->RollbackTransaction();
}

OGRLayer* GpkgWriter::create_layer(const std::string& name, OGRwkbGeometryType type, const OGRSpatialReference* srs,
                                   const std::vector<FieldSpec>& fields, const std::string& description) {
    GdalErrorCapture capture;
    char** options = nullptr;
    if (!description.empty()) options = CSLSetNameValue(options, "DESCRIPTION", description.c_str());
    if (type == wkbNone) options = CSLSetNameValue(options, "ASPATIAL_VARIANT", "GPKG_ATTRIBUTES");
    OGRLayer* layer = dataset_->CreateLayer(name.c_str(), const_cast<OGRSpatialReference*>(srs), type, options);
    CSLDestroy(options);
    if (!layer) throw OutputError(path_ + ": cannot create layer " + name + ": " + capture.last_message());
    for (const auto& field : fields) {
        OGRFieldDefn defn(field.name.c_str(), field.type);
        if (layer->CreateField(&defn) != OGRERR_NONE)
            throw OutputError(path_ + ": cannot create field " + name + "." + field.name + ": " + capture.last_message());
    }
    return layer;
}

void GpkgWriter::begin() {
    if (dataset_->StartTransaction() != OGRERR_NONE) throw OutputError(path_ + ": cannot start a transaction");
    in_transaction_ = true;
}

void GpkgWriter::commit() {
    GdalErrorCapture capture;
    if (dataset_->CommitTransaction() != OGRERR_NONE)
        throw OutputError(path_ + ": cannot write: " + capture.last_message());
    in_transaction_ = false;
}

void GpkgWriter::write(OGRLayer* layer, OGRFeature& feature) {
    if (layer->CreateFeature(&feature) != OGRERR_NONE) {
        throw OutputError(path_ + ": cannot write to layer " + std::string(layer->GetName()) + ": " +
                          CPLGetLastErrorMsg());
    }
}

void GpkgWriter::close() {
    if (in_transaction_) commit();
    GdalErrorCapture capture;
    CPLErrorReset();
    if (dataset_) GDALClose(GDALDataset::ToHandle(dataset_.release()));
    if (CPLGetLastErrorType() >= CE_Failure) throw OutputError(path_ + ": cannot write: " + capture.last_message());
}

}  // namespace cleanheat

// From the villages' coordinates as they come to the working CRS: axis swap, GCJ-02
// (our code), then PROJ.
#pragma once
#include <ogr_spatialref.h>

#include <memory>

#include "geo/crs.hpp"

namespace cleanheat {

class SourceTransform : public OGRCoordinateTransformation {
public:
    // `target` is the working CRS. Throws InputError when PROJ has no transformation.
    SourceTransform(const CrsChoice& source, const OGRSpatialReference& target);
    ~SourceTransform() override;

    // True when coordinates pass through unchanged (same CRS, no swap, no GCJ-02).
    bool identity() const { return !proj_ && !swap_ && !gcj02_; }

    OGRSpatialReference* GetSourceCS() override { return source_.get(); }
    OGRSpatialReference* GetTargetCS() override { return target_.get(); }
    int Transform(int count, double* x, double* y, double* z, double* t, int* success) override;
    OGRCoordinateTransformation* Clone() const override;
    OGRCoordinateTransformation* GetInverse() const override { return nullptr; }

private:
    SourceTransform() = default;
    std::unique_ptr<OGRSpatialReference> source_, target_;
    std::unique_ptr<OGRCoordinateTransformation> proj_;
    bool swap_ = false;
    bool gcj02_ = false;
};

}  // namespace cleanheat

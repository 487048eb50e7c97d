#include "geo/reproject.hpp"

#include <utility>

#include "base/error.hpp"
#include "geo/gcj02.hpp"

namespace cleanheat {

SourceTransform::SourceTransform(const CrsChoice& source, const OGRSpatialReference& target)
    : source_(source.source->Clone()), target_(target.Clone()), swap_(source.swap_axes), gcj02_(source.gcj02) {
    source_->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    target_->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    if (!source_->IsSame(target_.get())) {
        proj_.reset(OGRCreateCoordinateTransformation(source_.get(), target_.get()));
        if (!proj_)
            throw InputError("no coordinate transformation from " + describe_crs(*source_) + " to " +
                             describe_crs(*target_));
    }
}

SourceTransform::~SourceTransform() = default;

int SourceTransform::Transform(int count, double* x, double* y, double* z, double* t, int* success) {
    for (int i = 0; i < count; ++i) {
        if (swap_) std::swap(x[i], y[i]);
        if (gcj02_) gcj02_to_wgs84(x[i], y[i], x[i], y[i]);
    }
    if (proj_) return proj_->Transform(count, x, y, z, t, success);
    if (success)
        for (int i = 0; i < count; ++i) success[i] = TRUE;
    return TRUE;
}

OGRCoordinateTransformation* SourceTransform::Clone() const {
    auto* copy = new SourceTransform();
    copy->source_.reset(source_->Clone());
    copy->target_.reset(target_->Clone());
    if (proj_) copy->proj_.reset(proj_->Clone());
    copy->swap_ = swap_;
    copy->gcj02_ = gcj02_;
    return copy;
}

}  // namespace cleanheat

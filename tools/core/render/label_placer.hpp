// Places labels by priority without overlap: a label whose box meets a placed label, an
// obstacle (legend, scale bar, north arrow) or leaves the frame is dropped, not drawn.
#pragma once
#include <string>
#include <vector>

#include "geo/coverage.hpp"

namespace cleanheat {

struct LabelCandidate {
    Box box;            // on the page, points
    int priority = 0;   // higher first
    double weight = 0;  // ties: larger first (area of the feature)
    std::size_t id = 0;
};

class LabelPlacer {
public:
    explicit LabelPlacer(const Box& frame) : frame_(frame) {}
    void add_obstacle(const Box& box) { obstacles_.push_back(box); }
    // The candidates that can be placed, in placing order (ids of `candidates`).
    std::vector<std::size_t> place(std::vector<LabelCandidate> candidates);
    const std::vector<Box>& placed() const { return placed_; }

private:
    bool free(const Box& box) const;
    Box frame_;
    std::vector<Box> obstacles_, placed_;
};

}  // namespace cleanheat

#include "render/label_placer.hpp"

#include <algorithm>

namespace cleanheat {

bool LabelPlacer::free(const Box& box) const {
    if (box.min_x < frame_.min_x || box.min_y < frame_.min_y || box.max_x > frame_.max_x || box.max_y > frame_.max_y)
        return false;
    auto meets = [&](const Box& other) { return box.intersects(other); };
    return std::none_of(obstacles_.begin(), obstacles_.end(), meets) &&
           std::none_of(placed_.begin(), placed_.end(), meets);
}

std::vector<std::size_t> LabelPlacer::place(std::vector<LabelCandidate> candidates) {
    std::stable_sort(candidates.begin(), candidates.end(), [](const LabelCandidate& a, const LabelCandidate& b) {
        return a.priority > b.priority || (a.priority == b.priority && a.weight > b.weight);
    });
    std::vector<std::size_t> accepted;
    for (const auto& c : candidates) {
        if (!free(c.box)) continue;
        placed_.push_back(c.box);
        accepted.push_back(c.id);
    }
    return accepted;
}

}  // namespace cleanheat

// Finds the village a table row means: by its 12-digit code, else by county, township
// and name; says how (warnings) or why not (an error that rejects the row).
#pragma once
#include <optional>
#include <vector>

#include "io/geodata_reader.hpp"
#include "base/issue.hpp"
#include "commands/plan_reader.hpp"

namespace cleanheat {

struct VillageMatch {
    const Village* village = nullptr;
    bool by_name = false;
    std::vector<Issue> warnings;  // W_CODE_REFORMATTED, W_NAME_MISMATCH, W_COUNTY_MISMATCH, W_MATCHED_BY_NAME
    std::optional<Issue> error;   // E_CODE_UNKNOWN, E_VILLAGE_NOT_FOUND, E_NAME_AMBIGUOUS
};

VillageMatch match_village(const VillageIndex& index, const VillageRef& row);

}  // namespace cleanheat

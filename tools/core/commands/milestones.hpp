// The plan year's milestones (styles/milestones.json) and the status of a village's
// retrofit as of a date: how far it got, and whether a milestone in force has passed it by.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace cleanheat {

enum class Stage { not_started = 0, started, completed, accepted };
const char* stage_key(Stage stage);   // not_started, started, completed, accepted
const char* stage_name(Stage stage);  // 未开工, 已开工, 已完工, 已验收

struct Milestone {
    Stage stage = Stage::started;  // every planned household must have reached this stage ...
    std::string date;              // ... by the end of this day (YYYY-MM-DD)
    std::string label;             // 全部开工
};

struct Milestones {
    int year = 0;
    std::vector<Milestone> items;  // in date order
    // The stage every planned household must have reached on `date` (not_started: none due yet).
    Stage due(const std::string& date) const;
};

// Reads a milestones file; throws InputError naming the file and the key.
Milestones load_milestones(const std::filesystem::path& file);

struct VillageProgress {
    long long planned = 0, started = 0, completed = 0, accepted = 0;
};

struct VillageStatus {
    Stage stage = Stage::not_started;  // the stage all planned households reached
    bool late = false;                 // a milestone in force is not met
    Stage due = Stage::not_started;
};

// Status as of `date`: the stage reached by all planned households (a village with more
// households started than planned counts as started), late when below the milestone due.
VillageStatus village_status(const VillageProgress& progress, const Milestones& milestones, const std::string& date);

}  // namespace cleanheat

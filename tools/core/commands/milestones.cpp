#include "commands/milestones.hpp"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "base/error.hpp"
#include "base/json_file.hpp"
#include "base/text.hpp"

namespace cleanheat {

const char* stage_key(Stage stage) {
    switch (stage) {
        case Stage::not_started:
            return "not_started";
        case Stage::started:
            return "started";
        case Stage::completed:
            return "completed";
        case Stage::accepted:
            return "accepted";
    }
    return "not_started";
}

const char* stage_name(Stage stage) {
    switch (stage) {
        case Stage::not_started:
            return "未开工";
        case Stage::started:
            return "已开工";
        case Stage::completed:
            return "已完工";
        case Stage::accepted:
            return "已验收";
    }
    return "未开工";
}

Stage Milestones::due(const std::string& date) const {
    Stage stage = Stage::not_started;
    for (const auto& m : items)
        if (m.date <= date) stage = std::max(stage, m.stage);  // in force on its own day: reports are 截至 that day
    return stage;
}

Milestones load_milestones(const std::filesystem::path& file) {
    const nlohmann::json j = read_json_file(file, "milestones file");
    auto fail = [&](const std::string& key, const std::string& what) {
        throw InputError(file.string() + ": " + key + ": " + what);
    };
    if (!j.is_object()) fail("(top)", "must be an object");
    for (const auto& [key, value] : j.items())
        if (key != "comment" && key != "year" && key != "milestones") fail(key, "unknown key");
    Milestones m;
    if (!j.contains("year") || !j["year"].is_number_integer()) fail("year", "must be an integer year");
    m.year = j["year"].get<int>();
    if (!j.contains("milestones") || !j["milestones"].is_array() || j["milestones"].empty())
        fail("milestones", "must be a non-empty list");
    for (std::size_t i = 0; i < j["milestones"].size(); ++i) {
        const auto& item = j["milestones"][i];
        const std::string where = "milestones[" + std::to_string(i) + "]";
        if (!item.is_object()) fail(where, "must be an object");
        for (const auto& [key, value] : item.items())
            if (key != "stage" && key != "date" && key != "label") fail(where + "." + key, "unknown key");
        if (!item.contains("stage") || !item["stage"].is_string()) fail(where + ".stage", "missing");
        const std::string stage = item["stage"].get<std::string>();
        Milestone ms;
        if (stage == "started")
            ms.stage = Stage::started;
        else if (stage == "completed")
            ms.stage = Stage::completed;
        else if (stage == "accepted")
            ms.stage = Stage::accepted;
        else
            fail(where + ".stage", "must be started, completed or accepted");
        if (!item.contains("date") || !item["date"].is_string()) fail(where + ".date", "missing");
        ms.date = normalise_date(item["date"].get<std::string>());
        if (ms.date.size() != 10) fail(where + ".date", "not a date (YYYY-MM-DD): " + item["date"].get<std::string>());
        ms.label = item.contains("label") && item["label"].is_string() ? item["label"].get<std::string>()
                                                                       : stage_name(ms.stage);
        m.items.push_back(ms);
    }
    std::sort(m.items.begin(), m.items.end(), [](const Milestone& a, const Milestone& b) { return a.date < b.date; });
    return m;
}

VillageStatus village_status(const VillageProgress& p, const Milestones& milestones, const std::string& date) {
    VillageStatus s;
    const long long planned = std::max(0LL, p.planned);
    auto reached = [&](long long count) { return planned > 0 ? count >= planned : count > 0; };
    if (reached(p.accepted))
        s.stage = Stage::accepted;
    else if (reached(p.completed))
        s.stage = Stage::completed;
    else if (reached(p.started) || p.started > 0)
        s.stage = Stage::started;
    // started means all planned households started; a village with some started is started
    // for display, but late for the 开工 milestone until every household has
    s.due = milestones.due(date);
    const Stage all_reached = reached(p.accepted)    ? Stage::accepted
                              : reached(p.completed) ? Stage::completed
                              : reached(p.started)   ? Stage::started
                                                     : Stage::not_started;
    s.late = planned > 0 && all_reached < s.due;
    return s;
}

}  // namespace cleanheat

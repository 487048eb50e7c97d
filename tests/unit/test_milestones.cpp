#include <gtest/gtest.h>

#include <fstream>

#include "base/error.hpp"
#include "commands/milestones.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

Milestones shipped() {
    return load_milestones(test::source_dir() / "styles" / "milestones.json");
}

TEST(Milestones, ShippedFileHoldsThe2022Deadlines) {
    const Milestones m = shipped();
    EXPECT_EQ(m.year, 2022);
    ASSERT_EQ(m.items.size(), 3u);
    EXPECT_EQ(m.items[0].date, "2022-06-30");
    EXPECT_EQ(m.due("2022-06-29"), Stage::not_started);
    EXPECT_EQ(m.due("2022-06-30"), Stage::started);
    EXPECT_EQ(m.due("2022-09-19"), Stage::started);
    EXPECT_EQ(m.due("2022-09-20"), Stage::completed);
    EXPECT_EQ(m.due("2022-10-10"), Stage::accepted);
}

TEST(Milestones, VillageStatusAgainstTheMilestoneInForce) {
    const Milestones m = shipped();
    const auto status = [&](long long p, long long s, long long c, long long a, const char* date) {
        return village_status({p, s, c, a}, m, date);
    };
    EXPECT_EQ(status(100, 0, 0, 0, "2022-06-01").stage, Stage::not_started);
    EXPECT_FALSE(status(100, 0, 0, 0, "2022-06-01").late);
    EXPECT_TRUE(status(100, 60, 0, 0, "2022-06-30").late);  // not every household started
    EXPECT_EQ(status(100, 60, 0, 0, "2022-06-30").stage, Stage::started);
    EXPECT_FALSE(status(100, 100, 10, 0, "2022-07-31").late);
    EXPECT_TRUE(status(100, 100, 99, 0, "2022-09-20").late);
    EXPECT_EQ(status(100, 100, 100, 0, "2022-09-20").stage, Stage::completed);
    EXPECT_FALSE(status(100, 100, 100, 0, "2022-09-20").late);
    EXPECT_TRUE(status(100, 100, 100, 80, "2022-10-10").late);
    EXPECT_EQ(status(100, 100, 100, 100, "2022-10-10").stage, Stage::accepted);
    EXPECT_FALSE(status(100, 100, 100, 100, "2022-10-10").late);
}

TEST(Milestones, BadFileNamesTheKey) {
    const auto dir = test::temp_dir();
    auto error_of = [&](const std::string& json) {
        std::ofstream(dir / "m.json") << json;
        try {
            load_milestones(dir / "m.json");
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    EXPECT_NE(error_of(R"({"year": 2022, "milestones": [{"stage": "begun", "date": "2022-06-30"}]})")
                  .find("milestones[0].stage"),
              std::string::npos);
    EXPECT_NE(
        error_of(R"({"year": 2022, "milestones": [{"stage": "started", "date": "soon"}]})").find("milestones[0].date"),
        std::string::npos);
    EXPECT_NE(error_of(R"({"year": 2022, "deadlines": []})").find("deadlines: unknown key"), std::string::npos);
}

}  // namespace
}  // namespace cleanheat

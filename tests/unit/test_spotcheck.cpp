// The spot check's arithmetic: quotas per county and the seeded (weighted) draw.
#include <gtest/gtest.h>

#include <set>

#include "commands/spotcheck.hpp"

namespace cleanheat {
namespace {

TEST(SpotcheckQuotas, RateIsMetInEveryCountyWithTheMinimumAndTheCap) {
    EXPECT_EQ(spotcheck_quotas({105, 41, 3, 0}, 0.05, 0, 2), (std::vector<long long>{6, 3, 2, 0}));
    EXPECT_EQ(spotcheck_quotas({100, 40}, 0.05, 0, 1), (std::vector<long long>{5, 2}));
    EXPECT_EQ(spotcheck_quotas({1, 200}, 0.5, 0, 3), (std::vector<long long>{1, 100}));
}

TEST(SpotcheckQuotas, CountIsSharedByCountySizeWithLargestRemainders) {
    EXPECT_EQ(spotcheck_quotas({100, 50, 50}, 0, 20, 1), (std::vector<long long>{10, 5, 5}));
    const auto q = spotcheck_quotas({10, 10, 10}, 0, 10, 0);
    EXPECT_EQ(q[0] + q[1] + q[2], 10);
    // the minimum wins over the count: 0.5 + 9.5 -> 1 + 9 by the remainders, then 2 by the minimum
    EXPECT_EQ(spotcheck_quotas({5, 95}, 0, 10, 2), (std::vector<long long>{2, 9}));
}

TEST(DrawSample, SameSeedSameSampleDistinctIndexes) {
    const auto a = draw_sample(500, 25, 2022);
    EXPECT_EQ(a, draw_sample(500, 25, 2022));
    EXPECT_NE(a, draw_sample(500, 25, 2023));
    EXPECT_EQ(std::set<std::size_t>(a.begin(), a.end()).size(), 25u);
    for (std::size_t i : a) EXPECT_LT(i, 500u);
    EXPECT_EQ(draw_sample(3, 10, 1).size(), 3u);
}

TEST(DrawSample, WeightsMakeHeavierCandidatesLikelier) {
    int heavy = 0;
    const int runs = 4000;
    for (int seed = 0; seed < runs; ++seed)
        heavy += draw_sample(2, 1, static_cast<std::uint64_t>(seed), {1, 9})[0] == 1;
    EXPECT_GT(heavy, runs * 85 / 100);  // 90 % expected
    EXPECT_LT(heavy, runs * 95 / 100);
    int uniform = 0;
    for (int seed = 0; seed < runs; ++seed) uniform += draw_sample(2, 1, static_cast<std::uint64_t>(seed))[0] == 1;
    EXPECT_GT(uniform, runs * 45 / 100);
    EXPECT_LT(uniform, runs * 55 / 100);
}

}  // namespace
}  // namespace cleanheat

// The compact texts of the household ledger: pooled texts shared by rows and threads, a row's own
// texts packed together, a number that may be absent.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/packed_texts.hpp"
#include "base/pooled_text.hpp"

using namespace cleanheat;

TEST(PooledText, TheSameTextIsOneEntryAndReadsBackAsWritten) {
    const PooledText a("滨城区"), b(std::string("滨城") + "区"), c("沾化区");
    EXPECT_EQ(a, b);
    EXPECT_NE(a, c);
    EXPECT_EQ(a.str(), "滨城区");
    EXPECT_EQ(&a.str(), &b.str()) << "one copy of a text";
    EXPECT_TRUE(PooledText().empty());
    EXPECT_TRUE(PooledText("").empty());
    EXPECT_EQ(PooledText(), PooledText(""));
    EXPECT_FALSE(a.empty());
    EXPECT_EQ(a.size(), std::string("滨城区").size());
    // ordered as their texts, not as they came
    EXPECT_FALSE(PooledText("b-later") < PooledText("a-later"));
    EXPECT_TRUE(PooledText("a-first") < PooledText("b-first"));
    EXPECT_FALSE(a < b);
    EXPECT_EQ("见" + a + "清单", "见滨城区清单");
    EXPECT_EQ(std::string_view(c), "沾化区");
}

TEST(PooledText, ThreadsAddingTheSameTextsGetTheSameEntries) {
    constexpr int kTexts = 20000;  // beyond one chunk of the pool
    std::vector<std::vector<PooledText>> got(4);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&, t] {
            for (int i = 0; i < kTexts; ++i) got[t].emplace_back("村" + std::to_string((i * (t + 1)) % kTexts));
        });
    for (auto& t : threads) t.join();
    for (int t = 0; t < 4; ++t)
        for (int i = 0; i < kTexts; i += 997) {
            const PooledText expected("村" + std::to_string((i * (t + 1)) % kTexts));
            EXPECT_EQ(got[t][i], expected);
            EXPECT_EQ(got[t][i].str(), "村" + std::to_string((i * (t + 1)) % kTexts));
        }
}

TEST(PackedTexts, FourTextsReadBackAndCopiesAreTheirOwn) {
    PackedTexts<4> p;
    EXPECT_EQ(p.get(0), "");
    EXPECT_EQ(p.get(3), "");
    p.set({"张三明", "371602199001011234", "", "滨城区市中街道1号"});
    EXPECT_EQ(p.get(0), "张三明");
    EXPECT_EQ(p.get(1), "371602199001011234");
    EXPECT_EQ(p.get(2), "");
    EXPECT_EQ(p.get(3), "滨城区市中街道1号");
    PackedTexts<4> copy = p;
    p.set({"李四", "", "13800000000", ""});
    EXPECT_EQ(copy.get(0), "张三明");
    EXPECT_EQ(copy.get(3), "滨城区市中街道1号");
    EXPECT_EQ(p.get(0), "李四");
    EXPECT_EQ(p.get(1), "");
    EXPECT_EQ(p.get(2), "13800000000");
    PackedTexts<4> moved = std::move(copy);
    EXPECT_EQ(moved.get(1), "371602199001011234");
    copy = moved;
    EXPECT_EQ(copy.get(3), "滨城区市中街道1号");
    p.set({"", "", "", ""});
    EXPECT_EQ(p.get(0), "");
    const std::string long_address(70000, 'x');  // longer than any 16-bit length
    p.set({"a", "b", "c", long_address});
    EXPECT_EQ(p.get(3).size(), long_address.size());
    EXPECT_EQ(p.get(2), "c");
}

TEST(OptionalReal, AbsentIsNotZero) {
    const OptionalReal none, zero(std::optional<double>(0.0)), some(std::optional<double>(856.5));
    EXPECT_FALSE(none);
    EXPECT_TRUE(zero);
    EXPECT_TRUE(some);
    EXPECT_EQ(*some, 856.5);
    EXPECT_EQ(none.value_or(7), 7);
    EXPECT_EQ(zero.value_or(7), 0);
    EXPECT_FALSE(OptionalReal(std::nullopt));
}

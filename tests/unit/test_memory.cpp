#include <gtest/gtest.h>

#include "base/memory.hpp"

using namespace cleanheat;

TEST(HugePages, AskedForWhereTheKernelGivesThemOnRequest) {
    EXPECT_EQ(huge_page_tunables("always [madvise] never\n", nullptr, nullptr), "glibc.malloc.hugetlb=1");
    EXPECT_EQ(huge_page_tunables("always [madvise] never\n", "", nullptr), "glibc.malloc.hugetlb=1");
    // a user's own tunables kept, ours added
    EXPECT_EQ(huge_page_tunables("always [madvise] never\n", "glibc.malloc.arena_max=2", nullptr),
              "glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1");
    EXPECT_EQ(huge_page_tunables("always [madvise] never\n", nullptr, "1"), "glibc.malloc.hugetlb=1");
}

TEST(HugePages, NotAskedForWhenGivenUnaskedNeverGivenOrAlreadyNamed) {
    EXPECT_FALSE(huge_page_tunables("[always] madvise never\n", nullptr, nullptr));
    EXPECT_FALSE(huge_page_tunables("always madvise [never]\n", nullptr, nullptr));
    EXPECT_FALSE(huge_page_tunables("", nullptr, nullptr));  // no such file: not Linux, or no THP
    // restarted once already, or the user's choice (hugetlb=0): never a second restart
    EXPECT_FALSE(huge_page_tunables("always [madvise] never\n", "glibc.malloc.hugetlb=1", nullptr));
    EXPECT_FALSE(huge_page_tunables("always [madvise] never\n", "glibc.malloc.hugetlb=0:glibc.malloc.arena_max=2", nullptr));
    EXPECT_FALSE(huge_page_tunables("always [madvise] never\n", nullptr, "0"));
}

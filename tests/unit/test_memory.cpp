#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "base/memory.hpp"
#include "support.hpp"

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

TEST(HugePages, NotAskedForWhereTheHostTakesFreedMemoryUnlessChosen) {
    EXPECT_FALSE(huge_page_tunables("always [madvise] never\n", nullptr, nullptr, true));
    EXPECT_FALSE(huge_page_tunables("always [madvise] never\n", nullptr, "0", true));
    EXPECT_EQ(huge_page_tunables("always [madvise] never\n", nullptr, "1", true), "glibc.malloc.hugetlb=1");
    EXPECT_EQ(huge_page_tunables("always [madvise] never\n", nullptr, nullptr, false), "glibc.malloc.hugetlb=1");
}

TEST(HugePages, AHostTakingFreedMemoryIsABalloonDeviceOfferingFreePageReporting) {
    const auto dir = cleanheat::test::temp_dir();
    auto device = [&](const std::string& name, const std::string& type, const std::string& features) {
        std::filesystem::create_directories(dir / name);
        std::ofstream(dir / name / "device") << type << "\n";
        std::ofstream(dir / name / "features") << features << "\n";
    };
    EXPECT_FALSE(host_takes_freed_memory((dir / "none").string()));  // not a virtual machine
    device("virtio1", "0x0002", "0010011001000000000000000000010010000000");  // a disk, bit 5 set
    EXPECT_FALSE(host_takes_freed_memory(dir.string()));
    device("virtio0", "0x0005", "0110000000000000000000000000000010000000");  // a balloon without reporting
    EXPECT_FALSE(host_takes_freed_memory(dir.string()));
    device("virtio0", "0x0005", "0110010100000000000000000000000010000000");  // with it (as seen on a Firecracker VM)
    EXPECT_TRUE(host_takes_freed_memory(dir.string()));
}

// What a run records of itself: times written in one zone, read in another.
#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "io/file_info.hpp"

namespace cleanheat {
namespace {

// Runs `body` with TZ set to `zone`, and puts the previous zone back.
template <typename Body>
void in_zone(const char* zone, Body body) {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    setenv("TZ", zone, 1);
    tzset();
    body();
    if (old)
        setenv("TZ", saved.c_str(), 1);
    else
        unsetenv("TZ");
    tzset();
}

TEST(FileInfo, ATimeStoredInOneZoneReadsInTheLocalZoneWithTheZoneSaid) {
    in_zone("CST-8", [] {
        EXPECT_EQ(local_time_text("2022-07-31T01:30:00+0000"), "2022-07-31 09:30:00 北京时间");
        EXPECT_EQ(local_time_text("2022-07-31T09:30:00+0800"), "2022-07-31 09:30:00 北京时间");
        EXPECT_EQ(local_time_text("2022-12-31T20:00:00-0500"), "2023-01-01 09:00:00 北京时间");
    });
    in_zone("UTC0", [] { EXPECT_EQ(local_time_text("2022-07-31T09:30:00+0800"), "2022-07-31 01:30:00 UTC+00:00"); });
    in_zone("IST-5:30", [] {
        EXPECT_EQ(local_time_text("2022-07-31T00:00:00+0000"), "2022-07-31 05:30:00 UTC+05:30");
    });
    // not such a time: as it is
    EXPECT_EQ(local_time_text("2022-07-31"), "2022-07-31");
    EXPECT_EQ(local_time_text("2022-07-31T09:30:00+0800x"), "2022-07-31T09:30:00+0800x");
    EXPECT_EQ(local_time_text(""), "");
}

TEST(FileInfo, NowReadsBackAsNow) {
    in_zone("CST-8", [] {
        const std::string now = now_iso();
        ASSERT_EQ(now.size(), 24u) << now;
        EXPECT_EQ(now.substr(19), "+0800");
        EXPECT_EQ(local_time_text(now), now.substr(0, 10) + " " + now.substr(11, 8) + " 北京时间");
    });
}

}  // namespace
}  // namespace cleanheat

#include <gtest/gtest.h>

#include "base/routes.hpp"

using namespace cleanheat;

TEST(ClassifyRoute, DeviceTypesMapToTheFourRoutes) {
    EXPECT_EQ(classify_route("集中供热").route, Route::district_heating);
    EXPECT_EQ(classify_route("燃气壁挂炉").route, Route::gas);
    EXPECT_EQ(classify_route("气代煤").route, Route::gas);
    EXPECT_EQ(classify_route("天然气").route, Route::gas);
    EXPECT_EQ(classify_route("空气源热泵").route, Route::electric);
    EXPECT_EQ(classify_route("蓄热式电暖器").route, Route::electric);
    EXPECT_EQ(classify_route("电代煤").route, Route::electric);
    EXPECT_EQ(classify_route("生物质炉具").route, Route::biomass);
    EXPECT_EQ(classify_route("秸秆气化").route, Route::biomass);
}

TEST(ClassifyRoute, OtherRoutesAreKeptWithTheirName) {
    const auto geothermal = classify_route("地源热泵");
    EXPECT_EQ(geothermal.route, Route::other);
    EXPECT_TRUE(geothermal.recognised);
    EXPECT_EQ(geothermal.detail, "地热");
    const auto solar = classify_route("太阳能+电辅热");
    EXPECT_EQ(solar.route, Route::other);
    EXPECT_EQ(solar.detail, "太阳能");
}

TEST(ClassifyRoute, UnknownTextIsOtherAndNotRecognised) {
    const auto unknown = classify_route("新型取暖");
    EXPECT_EQ(unknown.route, Route::other);
    EXPECT_FALSE(unknown.recognised);
    EXPECT_EQ(unknown.detail, "新型取暖");
}

TEST(ClassifyRoute, EnglishKeysFromMachineTables) {
    EXPECT_EQ(classify_route("district_heating").route, Route::district_heating);
    EXPECT_EQ(classify_route("Electric").route, Route::electric);
    EXPECT_STREQ(route_key(Route::gas), "gas");
    EXPECT_STREQ(route_name(Route::electric), "煤改电");
}

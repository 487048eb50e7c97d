// Route keywords and route headers as counties write them: each keyword on its own (so that a
// keyword mapped to the wrong route cannot hide behind another one in a longer phrase), short
// forms only under a household group, coal never clean, headers that must not be taken for counts.
#include <gtest/gtest.h>

#include <utility>

#include "io/header_detect.hpp"
#include "base/routes.hpp"
#include "base/text.hpp"

using namespace cleanheat;

TEST(RouteKeywords, EveryKeywordOnItsOwnNamesItsRoute) {
    const std::pair<const char*, Route> cases[] = {
        {"集中供热", Route::district_heating}, {"集中供暖", Route::district_heating}, {"集中采暖", Route::district_heating},
        {"热网", Route::district_heating},     {"供热管网", Route::district_heating}, {"热电联产", Route::district_heating},
        {"余热", Route::district_heating},     {"district_heating", Route::district_heating},
        {"煤改气", Route::gas},                {"气代煤", Route::gas},                {"燃气", Route::gas},
        {"天然气", Route::gas},                {"液化气", Route::gas},                {"壁挂炉", Route::gas},
        {"LNG", Route::gas},                   {"CNG", Route::gas},                   {"gas", Route::gas},
        {"煤改电", Route::electric},           {"电代煤", Route::electric},           {"电能", Route::electric},
        {"空气源", Route::electric},           {"空气能", Route::electric},           {"热泵", Route::electric},
        {"电暖", Route::electric},             {"蓄热", Route::electric},             {"电采暖", Route::electric},
        {"电锅炉", Route::electric},           {"电热", Route::electric},             {"碳晶", Route::electric},
        {"石墨烯", Route::electric},           {"发热电缆", Route::electric},         {"电取暖", Route::electric},
        {"electric", Route::electric},         {"生物质", Route::biomass},            {"秸秆", Route::biomass},
        {"颗粒燃料", Route::biomass},          {"biomass", Route::biomass},           {"地源", Route::other},
        {"地热", Route::other},                {"水源热泵", Route::other},            {"太阳能", Route::other},
        {"光热", Route::other},                {"光伏", Route::other},                {"solar", Route::other},
        {"geothermal", Route::other},          {"其他", Route::other},                {"其它", Route::other},
        {"other", Route::other},
    };
    for (const auto& [text, route] : cases) {
        const auto match = classify_route(text);
        EXPECT_TRUE(match.recognised) << text;
        EXPECT_FALSE(match.not_clean) << text;
        EXPECT_EQ(match.route, route) << text;
    }
}

TEST(RouteKeywords, CoalInAnyFormIsRecognisedAsNotClean) {
    for (const char* text : {"洁净型煤", "型煤", "兰炭", "散煤", "燃煤", "燃煤取暖", "清洁煤", "无烟煤", "煤", "潔淨型煤"}) {
        const auto match = classify_route(text);
        EXPECT_TRUE(match.recognised) << text;
        EXPECT_TRUE(match.not_clean) << text;
    }
    // a clean route named next to coal is that route (燃煤改电: coal to electricity)
    EXPECT_FALSE(classify_route("燃煤改电").not_clean);
    EXPECT_EQ(classify_route("燃煤改电").route, Route::electric);
    EXPECT_EQ(classify_route("煤改气").route, Route::gas);
}

TEST(RouteKeywords, TraditionalAndFullWidthFormsReadAsSimplified) {
    EXPECT_EQ(classify_route("集中供熱").route, Route::district_heating);
    EXPECT_EQ(classify_route("煤改氣").route, Route::gas);
    EXPECT_EQ(classify_route("煤改電").route, Route::electric);
    EXPECT_EQ(classify_route("生物質").route, Route::biomass);
    EXPECT_EQ(classify_route("ＬＮＧ").route, Route::gas);
    EXPECT_EQ(to_simplified("鄉鎮（街道）"), "乡镇（街道）");
}

TEST(RouteKeywords, ShortFormsOnlyAsAWholeHeader) {
    EXPECT_EQ(classify_short_route("气").route, Route::gas);
    EXPECT_EQ(classify_short_route("电").route, Route::electric);
    EXPECT_EQ(classify_short_route("集中").route, Route::district_heating);
    EXPECT_EQ(classify_short_route("热网").route, Route::district_heating);
    EXPECT_EQ(classify_short_route("生物").route, Route::biomass);
    EXPECT_EQ(classify_short_route("电（户）").route, Route::electric);
    EXPECT_EQ(classify_short_route("其中：气").route, Route::gas);
    EXPECT_TRUE(classify_short_route("其他").recognised);
    EXPECT_EQ(classify_short_route("其他").route, Route::other);
    // 热 alone is a heat network or a heat pump: not guessed
    EXPECT_FALSE(classify_short_route("热").recognised);
    EXPECT_FALSE(classify_short_route("电话").recognised);
    EXPECT_FALSE(classify_short_route("气温").recognised);
}

TEST(RouteKeywords, RouteCoreDropsGroupWordsAndUnits) {
    EXPECT_EQ(route_core("其中：煤改气"), "煤改气");
    EXPECT_EQ(route_core("含煤改电"), "煤改电");
    EXPECT_EQ(route_core("煤改电（户）"), "煤改电");
    EXPECT_EQ(route_core("煤改电户数"), "煤改电");
    EXPECT_EQ(route_core("煤 改 电"), "煤改电");
    EXPECT_EQ(route_core("户数"), "户数");
}

namespace {
ColumnSpec under_group(const char* label) {
    return classify_header(label, "改造户数");
}
}  // namespace

TEST(RouteHeaders, UnderAHouseholdGroupShortFormsAreRoutes) {
    const std::pair<const char*, Route> cases[] = {{"集中", Route::district_heating}, {"气", Route::gas},
                                                   {"电", Route::electric},           {"生物", Route::biomass},
                                                   {"其他", Route::other},            {"燃气", Route::gas}};
    for (const auto& [label, route] : cases) {
        const auto spec = under_group(label);
        EXPECT_EQ(spec.role, ColumnRole::route_count) << label;
        EXPECT_EQ(spec.route, route) << label;
        EXPECT_TRUE(spec.under_count_group) << label;
    }
    EXPECT_EQ(under_group("合计").role, ColumnRole::total);
    EXPECT_EQ(under_group("热").role, ColumnRole::none);
    // below a household group a column is a route or the total, not "some households"
    EXPECT_EQ(under_group("新能源（户）").role, ColumnRole::none);
    EXPECT_EQ(under_group("清洁能源").role, ColumnRole::none);
}

TEST(RouteHeaders, OutsideAGroupAShortFormIsNotUnderstood) {
    EXPECT_EQ(classify_header("气", "").role, ColumnRole::none);
    EXPECT_EQ(classify_header("电", "").role, ColumnRole::none);
}

TEST(RouteHeaders, FullNamesWithUnitsPrefixesAndOldForms) {
    const std::pair<const char*, Route> cases[] = {
        {"煤改电（户）", Route::electric}, {"其中：煤改气", Route::gas},        {"含煤改电", Route::electric},
        {"集中供熱", Route::district_heating}, {"煤改氣(户)", Route::gas},    {"生物質", Route::biomass},
        {"空气源热泵", Route::electric},   {"燃气壁挂炉", Route::gas},         {"蓄热式电暖器", Route::electric},
        {"生物质炉具", Route::biomass},    {"煤 改 电", Route::electric},       {"地源热泵", Route::other},
        {"煤改电户数", Route::electric},
    };
    for (const auto& [label, route] : cases) {
        const auto spec = classify_header(label, "");
        EXPECT_EQ(spec.role, ColumnRole::route_count) << label;
        EXPECT_EQ(spec.route, route) << label;
    }
}

TEST(RouteHeaders, CoalColumnIsARouteColumnMarkedNotClean) {
    const auto spec = under_group("洁净型煤");
    EXPECT_EQ(spec.role, ColumnRole::route_count);
    EXPECT_TRUE(spec.not_clean);
}

TEST(RouteHeaders, KnownColumnsThatAreNotCountsOfHouseholds) {
    for (const char* label : {"联系电话", "联系人", "户籍人口", "其中：低保户", "总投资（万元）", "燃气管网长度（米）",
                              "空气源热泵（台）", "电话号码"}) {
        const auto spec = classify_header(label, "");
        EXPECT_EQ(spec.role, ColumnRole::info) << label;
    }
    EXPECT_EQ(under_group("其中：低保户").role, ColumnRole::info);
}

TEST(RouteHeaders, GroupsOfHouseholds) {
    EXPECT_TRUE(is_count_group("改造户数"));
    EXPECT_TRUE(is_count_group("计划改造户数（户）"));
    EXPECT_TRUE(is_count_group("其中"));
    EXPECT_TRUE(is_count_group("户数"));
    EXPECT_FALSE(is_count_group("计划开工日期"));
    EXPECT_FALSE(is_count_group("改造方式"));
    EXPECT_FALSE(is_count_group("村（居）"));
}

TEST(VillageParts, PartSuffixIsFoundAndStripped) {
    EXPECT_EQ(village_part_suffix("段家庄（一）"), "(一)");
    EXPECT_EQ(village_part_suffix("段家庄(2)"), "(2)");
    EXPECT_EQ(village_part_suffix("段家庄"), "");
    EXPECT_EQ(village_part_suffix("段家庄（东）"), "");
    EXPECT_EQ(strip_village_part("段家庄（二）"), "段家庄");
}

#include <gtest/gtest.h>

#include "base/text.hpp"
#include "base/text_column.hpp"

using namespace cleanheat;

TEST(Text, FullWidthDigitsAndBracketsBecomeAscii) {
    EXPECT_EQ(to_halfwidth("３７１６０２（滨城）"), "371602(滨城)");
    EXPECT_EQ(to_halfwidth("a\u3000b"), "a b");
}

TEST(Text, StripSpacesRemovesEveryKind) {
    EXPECT_EQ(strip_spaces(" 37 16\u300002\t\n"), "371602");
    EXPECT_EQ(trim("\u3000 段家庄 "), "段家庄");
}

TEST(NormaliseCode, CodeTypedAsNumberOrTextGivesTheSameDigits) {
    EXPECT_EQ(normalise_code("371602001001").digits, "371602001001");
    EXPECT_FALSE(normalise_code("371602001001").reformatted);
    EXPECT_EQ(normalise_code("371602001001.0").digits, "371602001001");
    EXPECT_EQ(normalise_code("3.71602001001E+11").digits, "371602001001");
    const auto apostrophe = normalise_code("'371602001001");
    EXPECT_EQ(apostrophe.digits, "371602001001");
    EXPECT_FALSE(apostrophe.reformatted);  // the ordinary way to type a code as text
    EXPECT_FALSE(normalise_code(" 371602001001 ").reformatted);
    EXPECT_FALSE(normalise_code("371602 001 001").reformatted);
    EXPECT_TRUE(normalise_code("371602-001-001").reformatted);
    const auto fullwidth = normalise_code("３７１６０２００１００１");
    EXPECT_EQ(fullwidth.digits, "371602001001");
    EXPECT_TRUE(fullwidth.reformatted);
    EXPECT_TRUE(normalise_code("3716 0200 1001").valid);
    EXPECT_FALSE(normalise_code("37160200100X").valid);
    EXPECT_TRUE(normalise_code("").digits.empty());
}

TEST(ParseCount, AcceptsIntegersRejectsApproximationsAndNegatives) {
    EXPECT_EQ(parse_count("120").value, 120);
    EXPECT_EQ(parse_count("1,200").value, 1200);
    EXPECT_EQ(parse_count("１２０").value, 120);
    EXPECT_EQ(parse_count("120户").value, 120);
    EXPECT_EQ(parse_count("120.0").status, NumberStatus::ok);
    EXPECT_EQ(parse_count("约120户").status, NumberStatus::unreadable);
    EXPECT_EQ(parse_count("120左右").status, NumberStatus::unreadable);
    EXPECT_EQ(parse_count("12.5").status, NumberStatus::unreadable);
    EXPECT_EQ(parse_count("-3").status, NumberStatus::negative);
    EXPECT_EQ(parse_count("").status, NumberStatus::empty);
    EXPECT_EQ(parse_count("  ").status, NumberStatus::empty);
}

TEST(ParseDecimal, ReadsAreas) {
    EXPECT_DOUBLE_EQ(parse_decimal("12.5").value, 12.5);
    EXPECT_DOUBLE_EQ(parse_decimal("1,250.25").value, 1250.25);
    EXPECT_EQ(parse_decimal("约10").status, NumberStatus::unreadable);
    EXPECT_EQ(parse_decimal("-1").status, NumberStatus::negative);
}

TEST(NameKeys, ShortAndOfficialVillageNamesMeet) {
    EXPECT_EQ(village_name_key("段家庄村委会"), "段家庄");
    EXPECT_EQ(village_name_key("段家庄村"), "段家庄");
    EXPECT_EQ(village_name_key("段家庄"), "段家庄");
    EXPECT_EQ(village_name_key("博华佳苑社区村"), village_name_key("博华佳苑社区村民委员会"));
    EXPECT_EQ(village_name_key("新苑社区居民委员会"), village_name_key("新苑社区"));
    EXPECT_EQ(village_name_key("王村村委会"), village_name_key("王村"));
    EXPECT_EQ(village_name_key("张家村社区"), village_name_key("张家村社区居民委员会"));
    EXPECT_EQ(village_name_key("张家村社区"), village_name_key("张家村"));
    EXPECT_NE(village_name_key("张家村社区"), village_name_key("李家村社区"));
    EXPECT_EQ(township_name_key("滨北街道办事处"), "滨北");
    EXPECT_EQ(township_name_key("杨柳雪镇"), "杨柳雪");
    EXPECT_EQ(unit_name_key("滨城区"), "滨城");
    EXPECT_EQ(unit_name_key("邹平县"), unit_name_key("邹平市"));
}

TEST(NormaliseDate, CommonWritingsBecomeIso) {
    EXPECT_EQ(normalise_date("2022/06/15"), "2022-06-15");
    EXPECT_EQ(normalise_date("2022.6.15"), "2022-06-15");
    EXPECT_EQ(normalise_date("2022年6月15日"), "2022-06-15");
    EXPECT_EQ(normalise_date("44727"), "2022-06-15");
    EXPECT_EQ(normalise_date("六月中旬"), "六月中旬");
}

TEST(Utf8, ValidityAndLength) {
    EXPECT_TRUE(is_valid_utf8("滨州"));
    EXPECT_FALSE(is_valid_utf8("\xb1\xf5\xd6\xdd"));  // 滨州 in GB18030
    EXPECT_EQ(utf8_length("滨州a"), 3u);
}

TEST(Text, CountsAboveWhatAVillageHoldsAreImplausible) {
    EXPECT_EQ(parse_count("2147483648").status, NumberStatus::implausible);
    EXPECT_EQ(parse_count("99999999999999999999").status, NumberStatus::implausible);
    EXPECT_EQ(parse_count("50001").status, NumberStatus::implausible);
    EXPECT_EQ(parse_count("50000").status, NumberStatus::ok);
}

TEST(Text, CountsNotWrittenAsPlainDigitsAreMarked) {
    EXPECT_TRUE(parse_count("1 234").reformatted);
    EXPECT_EQ(parse_count("1 234").value, 1234);
    EXPECT_TRUE(parse_count("12户").reformatted);
    EXPECT_TRUE(parse_count("１２").reformatted);
    EXPECT_FALSE(parse_count("1,200").reformatted);
    EXPECT_FALSE(parse_count(" 120 ").reformatted);
    EXPECT_FALSE(parse_count("120").reformatted);
}

TEST(Text, OnlyRealDaysAreValidDates) {
    EXPECT_TRUE(is_valid_iso_date("2022-06-30"));
    EXPECT_TRUE(is_valid_iso_date("2024-02-29"));
    EXPECT_FALSE(is_valid_iso_date("2022-02-29"));
    EXPECT_FALSE(is_valid_iso_date("2022-02-30"));
    EXPECT_FALSE(is_valid_iso_date("2022-13-01"));
    EXPECT_FALSE(is_valid_iso_date("99999999"));
    EXPECT_FALSE(is_valid_iso_date("2022年6月"));
    EXPECT_EQ(normalise_date("2022年9月20日"), "2022-09-20");
}

TEST(Text, PersonalNumbersAreMaskedAndCodesAreLeftAlone) {
    auto masked = [](std::string s) {
        const std::size_t n = mask_personal_numbers(s);
        return std::to_string(n) + ":" + s;
    };
    EXPECT_EQ(masked("户主张三 371602198001011235 已签约"), "1:户主张三 371602********1235 已签约");
    EXPECT_EQ(masked("身份证37162119751230101x"), "1:身份证371621********101x");
    EXPECT_EQ(masked("联系电话13905431234，或0543-3211234"), "2:联系电话139****1234，或0543-*****34");
    EXPECT_EQ(masked("(0543)3211234"), "1:(0543)*****34");
    EXPECT_EQ(masked("老身份证371602800101123"), "1:老身份证371602*****1123");
    // not personal: a wrong check digit, village and land codes, counts, dates, a number of 11 digits not a mobile
    EXPECT_EQ(masked("371602198001011236"), "0:371602198001011236");
    EXPECT_EQ(masked("371602001214 3716020012140000000"), "0:371602001214 3716020012140000000");
    EXPECT_EQ(masked("120户 2022-06-30 20220630 12345678901"), "0:120户 2022-06-30 20220630 12345678901");
    EXPECT_EQ(masked("139054312345"), "0:139054312345");  // 12 digits: no mobile number
    EXPECT_EQ(masked("3211234"), "0:3211234");            // a landline without its area code is left
}

TEST(Text, NumbersAreWrittenWithTheirDigitsGroupedByThousands) {
    EXPECT_EQ(group_thousands(0), "0");
    EXPECT_EQ(group_thousands(999), "999");
    EXPECT_EQ(group_thousands(1000), "1,000");
    EXPECT_EQ(group_thousands(121000), "121,000");
    EXPECT_EQ(group_thousands(1234567), "1,234,567");
    EXPECT_EQ(group_thousands(-1234567), "-1,234,567");
    EXPECT_EQ(group_thousands(-123), "-123");
    EXPECT_EQ(group_thousands(1234567.891, 2), "1,234,567.89");
    EXPECT_EQ(group_thousands(292, 2), "292.00");
    EXPECT_EQ(group_thousands(999.996, 2), "1,000.00");
}

TEST(TextColumn, RowsReadBackAsGivenRepeatsSharedAppendedInOrder) {
    TextColumn towns;
    for (const char* t : {"滨城镇", "滨城镇", "", "杜店街道办事处", "杜店街道办事处", "滨城镇"}) towns.push_back(t);
    ASSERT_EQ(towns.size(), 6u);
    EXPECT_EQ(towns[0], "滨城镇");
    EXPECT_EQ(towns[1], "滨城镇");
    EXPECT_EQ(towns[2], "");
    EXPECT_EQ(towns.view(4), "杜店街道办事处");
    EXPECT_EQ(towns[5], "滨城镇");

    TextColumn more;
    more.push_back("杜店街道办事处");  // repeats the last row of `towns`: a run of its own after the append
    more.push_back("里则街道");
    TextColumn spare;
    spare.reserve(100, 1000);  // empty, with more room than `towns`: appended into, not replaced
    spare.append(std::move(towns));
    spare.append(std::move(more));
    const std::vector<std::string> expected = {"滨城镇", "滨城镇", "", "杜店街道办事处", "杜店街道办事处",
                                               "滨城镇", "杜店街道办事处", "里则街道"};
    ASSERT_EQ(spare.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_EQ(spare[i], expected[i]) << "row " << i;

    TextColumn taken;  // empty without room: takes the first whole
    taken.append(std::move(spare));
    ASSERT_EQ(taken.size(), expected.size());
    EXPECT_EQ(taken[7], "里则街道");
}

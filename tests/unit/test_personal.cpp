// Resident ID numbers (GB 11643) and the masks of names, ID numbers and phones.
#include <gtest/gtest.h>

#include "base/personal.hpp"

using namespace cleanheat;

namespace {

// The check character of 17 digits, computed here from the standard's weights.
char check_of(const std::string& first17) {
    const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += (first17[static_cast<std::size_t>(i)] - '0') * weights[i];
    return "10X98765432"[sum % 11];
}

std::string id_of(const std::string& first17) { return first17 + check_of(first17); }

}  // namespace

TEST(ResidentId, AcceptsValidNumbersIncludingCheckX) {
    EXPECT_EQ(check_resident_id(id_of("37160219650101001")), IdStatus::ok);
    // find a number whose check character is X, and give it in lower case as typed
    std::string with_x;
    for (int seq = 0; seq < 1000 && with_x.empty(); ++seq) {
        char buffer[32];
        std::snprintf(buffer, sizeof buffer, "37162119700312%03d", seq);
        if (check_of(buffer) == 'X') with_x = std::string(buffer) + "x";
    }
    ASSERT_FALSE(with_x.empty());
    EXPECT_EQ(normalise_id(with_x).back(), 'X');
    EXPECT_EQ(check_resident_id(normalise_id(with_x)), IdStatus::ok);
    EXPECT_EQ(normalise_id(" '３７１６０２１９６５０１０１００１" + std::string(1, check_of("37160219650101001"))),
              id_of("37160219650101001"));
}

TEST(ResidentId, NamesWhatIsWrong) {
    const std::string good = id_of("37160219650101001");
    std::string wrong_check = good;
    wrong_check[17] = wrong_check[17] == '0' ? '1' : '0';
    EXPECT_EQ(check_resident_id(wrong_check), IdStatus::bad_check_digit);
    EXPECT_EQ(check_resident_id(""), IdStatus::missing);
    EXPECT_EQ(check_resident_id(good.substr(0, 17)), IdStatus::wrong_length);
    EXPECT_EQ(check_resident_id(good + "1"), IdStatus::wrong_length);
    EXPECT_EQ(check_resident_id("3716021965A101001" + std::string("1")), IdStatus::bad_characters);
    EXPECT_EQ(check_resident_id(id_of("37160219651301001")), IdStatus::bad_birth_date);  // month 13
    EXPECT_EQ(check_resident_id(id_of("37160219650230001")), IdStatus::bad_birth_date);  // 30 February
    EXPECT_EQ(check_resident_id(id_of("37160219000229001")), IdStatus::bad_birth_date);  // 1900: no leap year
    EXPECT_EQ(check_resident_id(id_of("37160220000229001")), IdStatus::ok);              // 2000 is one
    EXPECT_EQ(check_resident_id(id_of("37160218990101001")), IdStatus::bad_birth_date);
    EXPECT_EQ(check_resident_id(id_of("37160220300101001")), IdStatus::bad_birth_date);  // born after the list
}

TEST(PersonalMasks, MaskAsGovernmentNoticesDo) {
    EXPECT_EQ(mask_name("张明"), "张*");
    EXPECT_EQ(mask_name("张三明"), "张*明");
    EXPECT_EQ(mask_name("欧阳小明"), "欧**明");
    EXPECT_EQ(mask_name(" 李 "), "李");
    EXPECT_EQ(mask_id("371602199001011234"), "371602********1234");
    EXPECT_EQ(mask_id("37160219900101123"), "371602*******1123");
    EXPECT_EQ(mask_id("12345"), "*****");
    EXPECT_EQ(mask_phone("13812345678"), "138****5678");
    EXPECT_EQ(mask_phone("0543-3212345"), "**********45");
    EXPECT_EQ(mask_phone(""), "");
}

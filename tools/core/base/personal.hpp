// Personal data of the household lists: the resident ID number (GB 11643) checked, and names, ID
// numbers and phone numbers masked as Chinese government notices print them. Every output meant to
// be seen outside the finance desk shows them masked (docs/households.md).
#pragma once
#include <string>
#include <string_view>

namespace cleanheat {

enum class IdStatus {
    ok,
    missing,         // empty cell
    wrong_length,    // not 18 characters
    bad_characters,  // not 17 digits and a digit or X
    bad_birth_date,  // characters 7-14 are no real day between 1900-01-01 and today's year
    bad_check_digit  // the 18th character is not the GB 11643 check of the first 17
};

// An ID number as typed made comparable: half-width, no spaces, no leading apostrophe, x -> X.
std::string normalise_id(std::string_view text);
// Checks an 18-character resident ID number (after normalise_id). `latest_year`: the latest birth
// year accepted (a household head born after it is no real one).
IdStatus check_resident_id(std::string_view id, int latest_year = 2022);
// Chinese words for a status (for messages): 位数不是18位, 校验码错误 ...
const char* id_status_text(IdStatus status);

// 张三 -> 张*, 张三明 -> 张*明, 欧阳小明 -> 欧**明; one character stays.
std::string mask_name(std::string_view name);
// 371602199001011234 -> 371602********1234; shorter text keeps its first 6 and last 4 characters
// only when at least 4 are masked, else every character is masked.
std::string mask_id(std::string_view id);
// 13812345678 -> 138****5678; other numbers keep their last 2 digits only.
std::string mask_phone(std::string_view phone);

}  // namespace cleanheat

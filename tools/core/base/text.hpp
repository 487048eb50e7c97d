// Normalisation of the text that county tables contain: full-width characters,
// spaces, codes typed as numbers, counts with units, names with or without suffixes.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cleanheat {

// Full-width ASCII (U+FF01..U+FF5E) and the ideographic space to their ASCII forms.
std::string to_halfwidth(std::string_view text);
// Removes every kind of white space (ASCII, no-break, ideographic, line breaks).
std::string strip_spaces(std::string_view text);
// Trims white space at both ends only.
std::string trim(std::string_view text);
// Traditional characters that county tables use in headers and route cells (熱, 氣, 電, 質,
// 戶, 數 ...) to their simplified forms; everything else unchanged.
std::string to_simplified(std::string_view text);
// Header text made comparable: half-width, simplified, no spaces, no '*' marks, brackets unified to ().
std::string normalise_header(std::string_view text);
// A-Z to a-z, every other byte as it is (names SQLite and GDAL compare without case).
std::string lower_ascii(std::string_view text);
bool contains(std::string_view text, std::string_view part);
bool starts_with(std::string_view text, std::string_view prefix);
bool ends_with(std::string_view text, std::string_view suffix);

struct CodeText {
    std::string digits;        // the code's digits, empty when the cell holds none
    bool reformatted = false;  // full-width digits or marks inside the code; not spaces (371602 001 001) nor
                               // a leading apostrophe, the ordinary ways to type a code as text
    bool valid = false;        // only digits after cleaning
};
// A division code as typed: "371602001001", 371602001001 (number), "'3716 0200 1001",
// "３７１６…", "3.71602001001E+11".
CodeText normalise_code(std::string_view text);

enum class NumberStatus { ok, empty, unreadable, negative, implausible };
// More households than any village-level unit holds: a count above it is not data.
constexpr long long kMaxHouseholdsInACell = 50000;
struct Count {
    NumberStatus status = NumberStatus::empty;
    long long value = 0;
    bool reformatted = false;  // read from "1 234", "120户", "１２０": not plain digits (commas are plain)
};
// A household count: integers, "1,200", "120户", "1 234", full-width digits; "约120户", "120左右",
// "12.5" are unreadable; "-3" is negative; above kMaxHouseholdsInACell implausible.
Count parse_count(std::string_view text);

struct Decimal {
    NumberStatus status = NumberStatus::empty;
    double value = 0.0;
};
// A decimal figure such as an area: "12.5", "１２.５", "1,250.00".
Decimal parse_decimal(std::string_view text);

// Village name key: "段家庄村委会", "段家庄村", "段家庄" all give "段家庄".
std::string village_name_key(std::string_view name);
// The part suffix of a village name written in parts: "段家庄（一）" -> "(一)", "段家庄(2)" -> "(2)";
// empty when there is none.
std::string village_part_suffix(std::string_view name);
// The name without its part suffix: "段家庄（一）" -> "段家庄".
std::string strip_village_part(std::string_view name);
// Township name key: "滨北街道办事处", "滨北街道", "滨北" give "滨北".
std::string township_name_key(std::string_view name);
// County-level unit key: "滨城区", "滨城" give "滨城"; "邹平县", "邹平市" give "邹平".
std::string unit_name_key(std::string_view name);

// A date as ISO yyyy-mm-dd from "2022/06/15", "2022.6.15", "2022年6月15日", an Excel
// serial number (44727); the trimmed input when it is none of these.
std::string normalise_date(std::string_view text);
// True when the text is an ISO date yyyy-mm-dd of a real day between 1900 and 2100.
bool is_valid_iso_date(std::string_view text);

// A number as every output writes it, digits grouped by thousands: 121000 -> "121,000",
// 1234.5 with 2 decimals -> "1,234.50" (the workbooks' formats are #,##0 and #,##0.00).
std::string group_thousands(double value, int decimals = 0);

// An ISO date as the documents write it: 2022-06-30 -> 2022年6月30日 (other text unchanged).
std::string chinese_date(std::string_view iso);
// {year} in a title replaced by the year.
std::string replace_year(std::string text, int year);

// Appends one code point as UTF-8.
void append_utf8(std::string& out, char32_t cp);
// Number of Unicode code points (for messages and widths).
std::size_t utf8_length(std::string_view text);

// Personal numbers in free text masked in place, as Chinese government sites show them: an
// 18-character resident ID (check digit valid) or a 15-digit one (birth date valid) keeps its
// first 6 and last 4 characters, a mobile number (1[3-9] and 9 digits) its first 3 and last 4,
// a landline written with its area code (0xxx-xxxxxxx) the area code and the last 2 digits.
// Only whole runs of digits count (a 19-digit land code is left alone). Returns how many.
std::size_t mask_personal_numbers(std::string& text);
// True when the bytes are valid UTF-8.
bool is_valid_utf8(std::string_view text);

}  // namespace cleanheat

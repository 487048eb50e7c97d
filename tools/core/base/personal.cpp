#include "base/personal.hpp"

#include <vector>

#include "base/text.hpp"

namespace cleanheat {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }

int number(std::string_view s, std::size_t at, std::size_t length) {
    int n = 0;
    for (std::size_t i = at; i < at + length; ++i) n = n * 10 + (s[i] - '0');
    return n;
}

bool real_day(int y, int m, int d) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1) return false;
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap ? 1 : 0);
}

// The code points of a UTF-8 text, each as its bytes.
std::vector<std::string> characters(std::string_view text) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < text.size();) {
        const unsigned char c = static_cast<unsigned char>(text[i]);
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
        if (i + n > text.size()) n = text.size() - i;
        out.emplace_back(text.substr(i, n));
        i += n;
    }
    return out;
}

std::string masked(std::string_view text, std::size_t front, std::size_t back) {
    const auto chars = characters(text);
    std::string out;
    for (std::size_t i = 0; i < chars.size(); ++i) out += i < front || i + back >= chars.size() ? chars[i] : "*";
    return out;
}

}  // namespace

std::string normalise_id(std::string_view text) {
    std::string s = strip_spaces(to_halfwidth(text));
    while (!s.empty() && (s.front() == '\'' || s.front() == '`')) s.erase(s.begin());
    for (auto& c : s)
        if (c == 'x') c = 'X';
    return s;
}

IdStatus check_resident_id(std::string_view id, int latest_year) {
    if (id.empty()) return IdStatus::missing;
    if (id.size() != 18) return IdStatus::wrong_length;
    for (std::size_t i = 0; i < 17; ++i)
        if (!digit(id[i])) return IdStatus::bad_characters;
    if (!digit(id[17]) && id[17] != 'X') return IdStatus::bad_characters;
    const int year = number(id, 6, 4), month = number(id, 10, 2), day = number(id, 12, 2);
    if (year < 1900 || year > latest_year || !real_day(year, month, day)) return IdStatus::bad_birth_date;
    static const int weights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
    static const char check[] = "10X98765432";
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += (id[i] - '0') * weights[i];
    return check[sum % 11] == id[17] ? IdStatus::ok : IdStatus::bad_check_digit;
}

const char* id_status_text(IdStatus status) {
    switch (status) {
        case IdStatus::ok:
            return "有效";
        case IdStatus::missing:
            return "未填身份证号";
        case IdStatus::wrong_length:
            return "位数不是18位";
        case IdStatus::bad_characters:
            return "含有数字以外的字符（末位X除外）";
        case IdStatus::bad_birth_date:
            return "出生日期不存在";
        case IdStatus::bad_check_digit:
            return "校验码错误";
    }
    return "";
}

std::string mask_name(std::string_view name) {
    const std::string n = trim(name);
    const std::size_t length = characters(n).size();
    if (length <= 1) return n;
    if (length == 2) return masked(n, 1, 0);
    return masked(n, 1, 1);
}

std::string mask_id(std::string_view id) {
    const std::size_t length = characters(id).size();
    if (length >= 14) return masked(id, 6, 4);
    return masked(id, 0, 0);
}

std::string mask_phone(std::string_view phone) {
    const std::string p = strip_spaces(phone);
    const std::size_t length = characters(p).size();
    if (length == 11 && p[0] == '1') return masked(p, 3, 4);
    if (length <= 2) return masked(p, 0, 0);
    return masked(p, 0, 2);
}

}  // namespace cleanheat

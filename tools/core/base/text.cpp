#include "base/text.hpp"

#include "base/personal.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <utility>

namespace cleanheat {
namespace {

// Decodes one UTF-8 code point at text[i]; returns its length (1 for invalid bytes).
std::size_t decode(std::string_view text, std::size_t i, char32_t& cp) {
    const auto c = static_cast<unsigned char>(text[i]);
    auto cont = [&](std::size_t k) {
        return i + k < text.size() && (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
    };
    if (c < 0x80) {
        cp = c;
        return 1;
    }
    if ((c & 0xE0) == 0xC0 && cont(1)) {
        cp = ((c & 0x1F) << 6) | (text[i + 1] & 0x3F);
        return 2;
    }
    if ((c & 0xF0) == 0xE0 && cont(1) && cont(2)) {
        cp = ((c & 0x0F) << 12) | ((text[i + 1] & 0x3F) << 6) | (text[i + 2] & 0x3F);
        return 3;
    }
    if ((c & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
        cp = ((c & 0x07) << 18) | ((text[i + 1] & 0x3F) << 12) | ((text[i + 2] & 0x3F) << 6) | (text[i + 3] & 0x3F);
        return 4;
    }
    cp = 0xFFFD;
    return 1;
}

bool is_space(char32_t cp) {
    return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || cp == '\v' || cp == '\f' || cp == 0xA0 ||
           cp == 0x3000 || cp == 0x2002 || cp == 0x2003 || cp == 0x2009 || cp == 0x200B || cp == 0xFEFF;
}

std::string strip_suffix_once(std::string s, const std::vector<std::string_view>& suffixes, std::size_t keep_bytes) {
    for (auto suffix : suffixes) {
        if (s.size() >= suffix.size() + keep_bytes && ends_with(s, suffix)) {
            s.resize(s.size() - suffix.size());
            return s;
        }
    }
    return s;
}

// Traditional -> simplified for the characters seen in headers, route cells and place names
// (sorted by the traditional code point).
constexpr std::pair<char32_t, char32_t> kTraditional[] = {
    {0x500B, 0x4E2A}, {0x5099, 0x5907}, {0x5132, 0x50A8}, {0x5167, 0x5185}, {0x5169, 0x4E24}, {0x5283, 0x5212},
    {0x5289, 0x5218}, {0x52D9, 0x52A1}, {0x5340, 0x533A}, {0x54E1, 0x5458}, {0x55AE, 0x5355}, {0x570B, 0x56FD},
    {0x570D, 0x56F4}, {0x5712, 0x56ED}, {0x5718, 0x56E2}, {0x5831, 0x62A5}, {0x5B6B, 0x5B59}, {0x5BE6, 0x5B9E},
    {0x5BEB, 0x5199}, {0x5C07, 0x5C06}, {0x5C08, 0x4E13}, {0x5C64, 0x5C42}, {0x5C6C, 0x5C5E}, {0x5E7E, 0x51E0},
    {0x5EE0, 0x5382}, {0x5EE2, 0x5E9F}, {0x5F35, 0x5F20}, {0x614B, 0x6001}, {0x61C9, 0x5E94}, {0x6236, 0x6237},
    {0x639B, 0x6302}, {0x63A1, 0x91C7}, {0x64DA, 0x636E}, {0x6578, 0x6570}, {0x65BC, 0x4E8E}, {0x6642, 0x65F6},
    {0x66AB, 0x6682}, {0x6771, 0x4E1C}, {0x68C4, 0x5F03}, {0x68DF, 0x680B}, {0x694A, 0x6768}, {0x696D, 0x4E1A},
    {0x6A02, 0x4E50}, {0x6A13, 0x697C}, {0x6AAF, 0x53F0}, {0x6C23, 0x6C14}, {0x6CC1, 0x51B5}, {0x6DE8, 0x51C0},
    {0x6F54, 0x6D01}, {0x6FDF, 0x6D4E}, {0x6FF1, 0x6EE8}, {0x7063, 0x6E7E}, {0x70BA, 0x4E3A}, {0x7121, 0x65E0},
    {0x7159, 0x70DF}, {0x71B1, 0x70ED}, {0x71D2, 0x70E7}, {0x71DF, 0x8425}, {0x7210, 0x7089}, {0x72C0, 0x72B6},
    {0x7522, 0x4EA7}, {0x78BC, 0x7801}, {0x7926, 0x77FF}, {0x7A08, 0x79C6}, {0x7A31, 0x79F0}, {0x7A4D, 0x79EF},
    {0x7BC0, 0x8282}, {0x7D05, 0x7EA2}, {0x7D44, 0x7EC4}, {0x7DB2, 0x7F51}, {0x7DDA, 0x7EBF}, {0x7DE8, 0x7F16},
    {0x7E23, 0x53BF}, {0x7E3D, 0x603B}, {0x7E6B, 0x7CFB}, {0x806F, 0x8054}, {0x81FA, 0x53F0}, {0x8207, 0x4E0E},
    {0x8208, 0x5174}, {0x838A, 0x5E84}, {0x842C, 0x4E07}, {0x862D, 0x5170}, {0x8655, 0x5904}, {0x865F, 0x53F7},
    {0x885B, 0x536B}, {0x88DC, 0x8865}, {0x898F, 0x89C4}, {0x8A08, 0x8BA1}, {0x8A2D, 0x8BBE}, {0x8A3B, 0x6CE8},
    {0x8A71, 0x8BDD}, {0x8AAA, 0x8BF4}, {0x8CA0, 0x8D1F}, {0x8CAC, 0x8D23}, {0x8CBB, 0x8D39}, {0x8CBC, 0x8D34},
    {0x8CC7, 0x8D44}, {0x8CEA, 0x8D28}, {0x8D99, 0x8D75}, {0x8FA6, 0x529E}, {0x8FB2, 0x519C}, {0x9019, 0x8FD9},
    {0x9109, 0x4E61}, {0x9112, 0x90B9}, {0x92EA, 0x94FA}, {0x9304, 0x5F55}, {0x934B, 0x9505}, {0x93AE, 0x9547},
    {0x9435, 0x94C1}, {0x958B, 0x5F00}, {0x9593, 0x95F4}, {0x9673, 0x9648}, {0x967D, 0x9633}, {0x969B, 0x9645},
    {0x96FB, 0x7535}, {0x9805, 0x9879}, {0x9846, 0x9897}, {0x984D, 0x989D}, {0x985E, 0x7C7B}, {0x9918, 0x4F59},
    {0x99AC, 0x9A6C}, {0x9A57, 0x9A8C}, {0x9EA5, 0x9EA6}, {0x9EC3, 0x9EC4},
};

}  // namespace

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

std::string lower_ascii(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}
bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}
bool ends_with(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string to_halfwidth(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp;
        const std::size_t n = decode(text, i, cp);
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            out.push_back(static_cast<char>(cp - 0xFEE0));
        } else if (cp == 0x3000) {
            out.push_back(' ');
        } else {
            out.append(text.substr(i, n));
        }
        i += n;
    }
    return out;
}

std::string strip_spaces(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp;
        const std::size_t n = decode(text, i, cp);
        if (!is_space(cp)) out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

std::string trim(std::string_view text) {
    std::size_t begin = 0, end = text.size();
    while (begin < end) {
        char32_t cp;
        const std::size_t n = decode(text, begin, cp);
        if (!is_space(cp)) break;
        begin += n;
    }
    while (end > begin) {
        std::size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        char32_t cp;
        decode(text, start, cp);
        if (!is_space(cp)) break;
        end = start;
    }
    return std::string(text.substr(begin, end - begin));
}

std::string to_simplified(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp;
        const std::size_t n = decode(text, i, cp);
        const auto* end = std::end(kTraditional);
        const auto* it = std::lower_bound(std::begin(kTraditional), end, cp,
                                          [](const std::pair<char32_t, char32_t>& p, char32_t c) { return p.first < c; });
        if (n > 1 && it != end && it->first == cp)
            append_utf8(out, it->second);
        else
            out.append(text.substr(i, n));
        i += n;
    }
    return out;
}

std::string normalise_header(std::string_view text) {
    std::string s = strip_spaces(to_simplified(to_halfwidth(text)));
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp;
        const std::size_t n = decode(s, i, cp);
        if (cp == '*') {
        } else if (cp == 0x3010 || cp == '[' || cp == '{') {  // 【 [ {
            out.push_back('(');
        } else if (cp == 0x3011 || cp == ']' || cp == '}') {
            out.push_back(')');
        } else {
            out.append(s, i, n);
        }
        i += n;
    }
    return out;
}

CodeText normalise_code(std::string_view text) {
    CodeText result;
    if (!text.empty() && text.size() <= 20 && text.find_first_not_of("0123456789") == std::string_view::npos) {
        result.digits = std::string(text);  // the common case: plain digits
        result.valid = true;
        return result;
    }
    std::string s = trim(text);
    if (s.empty()) return result;
    // a leading apostrophe (or quote) is how a code is typed as text: not a fault
    while (!s.empty() && (s[0] == '\'' || s[0] == '`')) s.erase(0, 1);
    if (starts_with(s, "\u2018") || starts_with(s, "\u2019")) s.erase(0, 3);
    const std::string half = to_halfwidth(s);
    if (half != s) result.reformatted = true;
    s = half;
    std::string cleaned;
    for (std::size_t i = 0; i < s.size();) {
        char32_t cp;
        const std::size_t n = decode(s, i, cp);
        if (is_space(cp)) {
            // 371602 001 001: spaces typed for readability, harmless
        } else if (cp == '\'' || cp == '"' || cp == '`' || cp == 0x2018 || cp == 0x2019 || cp == 0x201C ||
                   cp == 0x201D || cp == '-') {
            result.reformatted = true;
        } else {
            cleaned.append(s, i, n);
        }
        i += n;
    }
    s = cleaned;
    // a number cell: 371602001001.0 or 3.71602001001E+11
    if (s.find_first_of("eE") != std::string::npos || ends_with(s, ".0")) {
        char* end = nullptr;
        const double v = std::strtod(s.c_str(), &end);
        if (end && *end == '\0' && v > 0 && v < 1e16 && std::floor(v) == v) {
            char buffer[32];
            std::snprintf(buffer, sizeof buffer, "%.0f", v);
            s = buffer;
            result.reformatted = false;
        }
    }
    result.digits = s;
    result.valid = !s.empty() && s.find_first_not_of("0123456789") == std::string::npos;
    return result;
}

Count parse_count(std::string_view text) {
    Count result;
    const std::string half = to_halfwidth(text);
    std::string s = strip_spaces(half);
    if (s.empty() || s == "-" || s == "/" || s == "—" || s == "——" || s == "\\" || s == "无" || s == "--")
        return result;  // blank cells and the placeholders written for "none"
    result.reformatted = half.size() != text.size() || trim(half).size() != s.size();
    std::string digits;
    for (char c : s)
        if (c != ',') digits.push_back(c);
    if (ends_with(digits, "户")) {
        digits.resize(digits.size() - std::string_view("户").size());
        result.reformatted = true;
    }
    bool negative = false;
    std::size_t i = 0;
    if (!digits.empty() && (digits[0] == '-' || digits[0] == '+')) {
        negative = digits[0] == '-';
        i = 1;
    }
    std::string integer = digits.substr(i);
    // 120.0 from a number cell is an integer; 12.5 is not
    const auto dot = integer.find('.');
    if (dot != std::string::npos) {
        const std::string fraction = integer.substr(dot + 1);
        if (fraction.find_first_not_of('0') != std::string::npos) {
            result.status = NumberStatus::unreadable;
            return result;
        }
        integer.resize(dot);
    }
    if (integer.empty() || integer.find_first_not_of("0123456789") != std::string::npos) {
        result.status = NumberStatus::unreadable;
        return result;
    }
    if (integer.size() > 15) {
        result.status = NumberStatus::implausible;
        return result;
    }
    result.value = std::stoll(integer);
    if (negative && result.value != 0) {
        result.status = NumberStatus::negative;
        result.value = -result.value;
        return result;
    }
    result.status = result.value > kMaxHouseholdsInACell ? NumberStatus::implausible : NumberStatus::ok;
    return result;
}

Decimal parse_decimal(std::string_view text) {
    Decimal result;
    std::string s = strip_spaces(to_halfwidth(text));
    if (s.empty() || s == "-" || s == "/" || s == "—") return result;
    std::string cleaned;
    for (char c : s)
        if (c != ',') cleaned.push_back(c);
    char* end = nullptr;
    const double v = std::strtod(cleaned.c_str(), &end);
    if (cleaned.empty() || !end || *end != '\0' || !std::isfinite(v) ||
        cleaned.find_first_of("eExXnN") != std::string::npos) {
        result.status = NumberStatus::unreadable;
        return result;
    }
    result.value = v;
    result.status = v < 0 ? NumberStatus::negative : NumberStatus::ok;
    return result;
}

std::string village_name_key(std::string_view name) {
    std::string s = strip_spaces(to_halfwidth(name));
    // keep at least one character (two bytes of CJK at least) before a suffix
    s = strip_suffix_once(s, {"社区居民委员会", "村民委员会", "居民委员会", "社区居委会", "村委会", "居委会"}, 3);
    s = strip_suffix_once(s, {"社区村", "社区"}, 3);  // 博华佳苑社区村 is 博华佳苑社区村民委员会
    s = strip_suffix_once(s, {"村"}, 3);              // 张家村社区 is 张家村社区居民委员会 and 张家村
    return s;
}

std::string village_part_suffix(std::string_view name) {
    const std::string s = strip_spaces(to_halfwidth(name));
    if (!ends_with(s, ")")) return {};
    const auto open = s.rfind('(');
    if (open == std::string::npos || open == 0) return {};
    const std::string inner = s.substr(open + 1, s.size() - open - 2);
    static constexpr std::string_view kParts[] = {"一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
                                                  "1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9"};
    for (auto part : kParts)
        if (inner == part) return s.substr(open);
    return {};
}

std::string strip_village_part(std::string_view name) {
    const std::string suffix = village_part_suffix(name);
    std::string s = strip_spaces(to_halfwidth(name));
    if (!suffix.empty()) s.resize(s.size() - suffix.size());
    return s;
}

std::string township_name_key(std::string_view name) {
    std::string s = strip_spaces(to_halfwidth(name));
    s = strip_suffix_once(s, {"街道办事处", "办事处", "街道", "镇", "乡"}, 3);
    return s;
}

std::string unit_name_key(std::string_view name) {
    std::string s = strip_spaces(to_halfwidth(name));
    s = strip_suffix_once(s, {"市", "县", "区"}, 6);
    return s;
}

std::string normalise_date(std::string_view text) {
    const std::string s = strip_spaces(to_halfwidth(text));
    if (s.empty()) return s;
    // Excel serial number
    if (s.find_first_not_of("0123456789.") == std::string::npos && std::count(s.begin(), s.end(), '.') <= 1) {
        const double serial = std::atof(s.c_str());
        if (serial > 20000 && serial < 80000) {
            // days since 1899-12-30 -> civil date (Howard Hinnant's algorithm)
            long z = static_cast<long>(serial) - 25569 + 719468;  // 25569 = 1970-01-01
            const long era = (z >= 0 ? z : z - 146096) / 146097;
            const long doe = z - era * 146097;
            const long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
            const long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
            const long mp = (5 * doy + 2) / 153;
            const long d = doy - (153 * mp + 2) / 5 + 1;
            const long m = mp < 10 ? mp + 3 : mp - 9;
            const long y = yoe + era * 400 + (m <= 2);
            char buffer[64];
            std::snprintf(buffer, sizeof buffer, "%04ld-%02ld-%02ld", y, m, d);
            return buffer;
        }
        return s;
    }
    int parts[3] = {0, 0, 0};
    int count = 0;
    std::size_t i = 0;
    while (i < s.size() && count < 3) {
        if (s[i] >= '0' && s[i] <= '9') {
            int v = 0;
            std::size_t digits = 0;
            while (i < s.size() && s[i] >= '0' && s[i] <= '9' && digits < 5) {
                v = v * 10 + (s[i] - '0');
                ++i;
                ++digits;
            }
            parts[count++] = v;
        } else {
            ++i;
        }
    }
    if (count == 3 && parts[0] >= 1900 && parts[0] <= 2100 && parts[1] >= 1 && parts[1] <= 12 && parts[2] >= 1 &&
        parts[2] <= 31) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", parts[0], parts[1], parts[2]);
        return buffer;
    }
    return trim(text);
}

bool is_valid_iso_date(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
    for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (text[i] < '0' || text[i] > '9') return false;
    const int y = std::atoi(std::string(text.substr(0, 4)).c_str());
    const int m = std::atoi(std::string(text.substr(5, 2)).c_str());
    const int d = std::atoi(std::string(text.substr(8, 2)).c_str());
    if (y < 1900 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= kDays[m - 1] + (m == 2 && leap ? 1 : 0);
}

std::size_t utf8_length(std::string_view text) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++n) {
        char32_t cp;
        i += decode(text, i, cp);
    }
    return n;
}

bool is_valid_utf8(std::string_view text) {
    for (std::size_t i = 0; i < text.size();) {
        char32_t cp;
        const std::size_t n = decode(text, i, cp);
        if (cp == 0xFFFD && n == 1 && static_cast<unsigned char>(text[i]) >= 0x80) return false;
        i += n;
    }
    return true;
}

std::string group_thousands(double value, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
    std::string s = buf;
    const std::size_t sign = s[0] == '-' ? 1 : 0;
    const std::size_t point = s.find('.');
    const std::size_t end = point == std::string::npos ? s.size() : point;
    for (std::size_t i = end; i > sign + 3; i -= 3) s.insert(i - 3, ",");
    return s;
}

std::string chinese_date(std::string_view iso) {
    int y = 0, m = 0, d = 0;
    const std::string s(iso);
    if (std::sscanf(s.c_str(), "%d-%d-%d", &y, &m, &d) != 3) return s;
    return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
}

std::string replace_year(std::string text, int year) {
    const std::string key = "{year}";
    for (std::size_t p; (p = text.find(key)) != std::string::npos;) text.replace(p, key.size(), std::to_string(year));
    return text;
}

namespace {

bool ascii_digit(char c) { return c >= '0' && c <= '9'; }

bool valid_resident_id18(std::string_view id) {
    std::string upper(id);
    if (upper[17] == 'x') upper[17] = 'X';
    return check_resident_id(upper, 2100) == IdStatus::ok;
}

bool valid_resident_id15(std::string_view id) {
    const int month = (id[8] - '0') * 10 + (id[9] - '0'), day = (id[10] - '0') * 10 + (id[11] - '0');
    return month >= 1 && month <= 12 && day >= 1 && day <= 31;
}

}  // namespace

std::size_t mask_personal_numbers(std::string& text) {
    std::size_t masked = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        if (!ascii_digit(text[i]) || (i > 0 && ascii_digit(text[i - 1]))) {
            ++i;
            continue;
        }
        std::size_t end = i;
        while (end < text.size() && ascii_digit(text[end])) ++end;
        std::size_t run = end - i;
        // an 18-character ID may end in X
        if (run == 17 && end < text.size() && (text[end] == 'X' || text[end] == 'x') &&
            (end + 1 >= text.size() || !std::isalnum(static_cast<unsigned char>(text[end + 1])))) {
            ++end;
            ++run;
        }
        const std::string_view digits(text.data() + i, run);
        std::size_t keep_front = 0, keep_back = 0;
        if (run == 18 && valid_resident_id18(digits)) {
            keep_front = 6, keep_back = 4;
        } else if (run == 15 && valid_resident_id15(digits)) {
            keep_front = 6, keep_back = 4;
        } else if (run == 11 && digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9') {
            keep_front = 3, keep_back = 4;
        } else if (run >= 7 && run <= 8 && i >= 4) {
            // a landline after its area code: 0543-3212345, 0543 3212345, (0543)3212345
            std::size_t a = i - 1;
            if (text[a] == '-' || text[a] == ' ' || text[a] == ')' || text[a] == '-') {
                std::size_t area_end = a;
                std::size_t b = a;
                while (b > 0 && ascii_digit(text[b - 1])) --b;
                if (b == a && text[a] == ')' && a > 0) {  // (0543)
                    area_end = a;
                    b = a;
                    while (b > 0 && ascii_digit(text[b - 1])) --b;
                }
                const std::size_t area = area_end - b;
                if (area >= 3 && area <= 4 && text[b] == '0' && (b == 0 || !ascii_digit(text[b - 1]))) keep_back = 2;
            }
            if (keep_back == 0) {
                i = end;
                continue;
            }
        } else {
            i = end;
            continue;
        }
        for (std::size_t k = i + keep_front; k + keep_back < end; ++k) text[k] = '*';
        ++masked;
        i = end;
    }
    return masked;
}

}  // namespace cleanheat

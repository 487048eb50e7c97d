#include "commands/household_list.hpp"

#include <algorithm>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <set>
#include <unordered_map>

#include "base/text.hpp"
#include "io/header_detect.hpp"

namespace cleanheat {
namespace {

using HC = HouseholdColumn;

bool has_any(const std::string& text, std::initializer_list<const char*> parts) {
    for (const char* p : parts)
        if (contains(text, p)) return true;
    return false;
}

bool is_any(const std::string& text, std::initializer_list<const char*> words) {
    for (const char* w : words)
        if (text == w) return true;
    return false;
}

enum class Use { gas, electricity, biomass };
struct UseUnit {
    double factor = 0;  // to m3, kWh, tonnes
    std::string doubt;  // why the column is not read
};

// The unit of a use column's header (normalised): named in brackets or after a slash, else
// anywhere in the text; none named is m3 for gas and kWh for electricity (household meters count
// in nothing else), and unknown for biomass (tonnes or kilograms).
UseUnit use_unit(const std::string& h, Use use) {
    struct Known {
        const char* word;
        double factor;
    };
    static const std::vector<Known> gas = {{"m3", 1}, {"m³", 1}, {"nm3", 1}, {"nm³", 1}, {"立方米", 1}, {"立方", 1}, {"立米", 1}, {"标方", 1}, {"方", 1}};
    static const std::vector<Known> electricity = {{"kwh", 1}, {"kw·h", 1}, {"kw.h", 1}, {"kw*h", 1}, {"kw・h", 1}, {"kw•h", 1}, {"千瓦时", 1},
                                                   {"千瓦·时", 1}, {"度", 1}, {"mwh", 1000}, {"兆瓦时", 1000}};
    static const std::vector<Known> biomass = {{"吨", 1}, {"t", 1}, {"公斤", 0.001}, {"千克", 0.001}, {"kg", 0.001}};
    const auto& own = use == Use::gas ? gas : use == Use::electricity ? electricity : biomass;
    const char* expected = use == Use::gas ? "立方米" : use == Use::electricity ? "千瓦时（度）" : "吨或公斤";
    static const std::vector<const char*> foreign = {"吨", "升", "公斤", "千克", "kg", "兆瓦", "mwh", "立方", "m3", "m³", "千瓦", "kwh", "度"};
    // words that hold a unit's character without being one: 年度, 季度 ...
    std::string text = h;
    for (const char* word : {"年度", "季度", "温度", "额度", "进度", "程度"})
        for (std::size_t p; (p = text.find(word)) != std::string::npos;) text.replace(p, std::string(word).size(), "|");
    std::string unit;
    const std::size_t open = text.rfind('('), close = text.rfind(')');
    if (open != std::string::npos && close != std::string::npos && close > open)
        unit = text.substr(open + 1, close - open - 1);
    else if (const std::size_t slash = text.rfind('/'); slash != std::string::npos)
        unit = text.substr(slash + 1);
    for (const char* prefix : {"单位:", "单位："})
        if (starts_with(unit, prefix)) unit.erase(0, std::string(prefix).size());
    for (const char* suffix : {"/户", "每户"})  // a household's row: per household is the household's
        if (ends_with(unit, suffix) && unit.size() > std::string(suffix).size()) unit.resize(unit.size() - std::string(suffix).size());
    if (!unit.empty()) {
        for (const auto& k : own)
            if (unit == k.word) return {k.factor, {}};
        // a bracket without a unit word says when, whose or what (2022-2023采暖季, 户均, 含炊事): no unit
        const bool unit_word = std::any_of(foreign.begin(), foreign.end(), [&](const char* w) { return contains(unit, w); }) ||
                               std::any_of(own.begin(), own.end(), [&](const Known& k) { return std::string(k.word).size() > 1 && contains(unit, k.word); });
        if (unit_word) return {0, "用量单位“" + unit + "”无法识别（应为" + expected + "）"};
    }
    // no unit set apart: any unit word in the text decides, several or another quantity's are doubts
    double factor = 0;
    std::string found;
    for (const char* word : foreign) {
        if (!contains(text, word)) continue;
        const auto k = std::find_if(own.begin(), own.end(), [&](const Known& x) { return contains(std::string(x.word), word) || contains(std::string(word), x.word); });
        if (k == own.end()) return {0, std::string("用量单位“") + word + "”无法识别（应为" + expected + "）"};
        if (factor != 0 && factor != k->factor) return {0, "用量单位不明确（“" + found + "”与“" + word + "”）"};
        factor = k->factor;
        found = word;
    }
    if (factor != 0) return {factor, {}};
    if (use == Use::biomass) return {0, "生物质用量未写明单位（吨或公斤）"};
    return {1, {}};
}

// The role of a header text alone (normalised: half-width, simplified, no spaces, lower case).
HouseholdColumnSpec classify_text(const std::string& h, const std::string& written) {
    HouseholdColumnSpec spec;
    spec.label = written;
    auto set = [&](HC role) {
        spec.role = role;
        return spec;
    };
    if (h.empty()) return spec;
    if (is_any(h, {"序号", "序", "编号", "no", "no."})) return set(HC::seq);
    // English field names (machine-made lists, and the dataset's own)
    if (is_any(h, {"holder_name", "holder"})) return set(HC::holder);
    if (is_any(h, {"id_number"})) return set(HC::id_number);
    if (is_any(h, {"phone"})) return set(HC::phone);
    if (is_any(h, {"address"})) return set(HC::address);
    // other people's and other things' names, numbers and dates: known, not the household's
    if (has_any(h, {"配偶", "联系人", "关系", "验收人", "验收单位", "验收组", "整改内容", "整改措施", "整改要求",
                    "单位电话", "单位联系", "施工负责", "负责人", "经办", "代办", "监护"}))
        return set(HC::info);
    if (has_any(h, {"身份证", "身份号码", "证件号"})) return set(HC::id_number);
    if (has_any(h, {"电话", "手机", "联系方式"})) return set(HC::phone);
    if (has_any(h, {"户主", "姓名"}) || (contains(h, "户名") && !has_any(h, {"户名单", "户名册", "户名录"})))
        return set(HC::holder);
    if (has_any(h, {"门牌", "住址", "地址"})) return set(HC::address);
    if (has_any(h, {"施工单位", "施工企业", "安装单位", "施工方"})) return set(HC::contractor);
    if (has_any(h, {"放弃原因", "未改造原因", "放弃理由"})) return set(HC::decline_reason);
    if (has_any(h, {"放弃"})) return set(HC::declined);
    if (has_any(h, {"承诺"})) return set(HC::pledge);
    if (has_any(h, {"整改", "复验"})) return set(HC::rectify_date);
    if (has_any(h, {"验收"})) {
        if (has_any(h, {"结果", "结论", "情况", "是否合格"})) return set(HC::accept_result);
        return set(HC::accept_date);
    }
    if (is_any(h, {"是否合格", "合格情况"})) return set(HC::accept_result);
    if (has_any(h, {"困难", "低保", "特困", "五保", "贫困", "脱贫"})) return set(HC::hardship);
    if (has_any(h, {"以前年度", "往年", "此前", "曾改造", "以往", "历年"})) return set(HC::earlier_year);
    if (has_any(h, {"改造年度", "改造年份", "实施年度", "实施年份"}) || is_any(h, {"年度", "年份"}))
        return set(HC::retrofit_year);
    // the season's use: a figure, read only with its unit understood
    if (has_any(h, {"用气", "燃气", "气量", "用电", "电量", "生物质", "燃料"}) &&
        has_any(h, {"读数", "底数", "表码", "止码", "起码", "表数"})) {
        spec.doubt = "表读数不是本采暖季用量，无法据以核算";
        return spec;
    }
    const bool gas = has_any(h, {"用气", "燃气用量", "气量"});
    const bool electricity = has_any(h, {"用电", "电量"});
    const bool biomass = has_any(h, {"生物质", "燃料"}) && has_any(h, {"用量", "使用量", "消耗"});
    if (gas || electricity || biomass) {
        if (has_any(h, {"万"})) {
            spec.doubt = "用量单位含“万”，无法确定每户用量";
            return spec;
        }
        // money, accounts and meters are no use figure
        if (has_any(h, {"金额", "费用", "电费", "气费", "元", "户号", "账号", "帐号", "编号", "表号", "号码", "单价", "价格"})) {
            spec.doubt = "不是用量（金额、户号或表号），无法据以核算";
            return spec;
        }
        const UseUnit unit = use_unit(h, gas ? Use::gas : electricity ? Use::electricity : Use::biomass);
        if (!unit.doubt.empty()) {
            spec.doubt = unit.doubt;
            return spec;
        }
        spec.factor = unit.factor;
        return set(gas ? HC::use_gas : electricity ? HC::use_electricity : HC::use_biomass);
    }
    if (has_any(h, {"开工"})) return set(HC::start_date);
    if (has_any(h, {"完工", "竣工", "完成日期", "完成时间"})) return set(HC::complete_date);
    // the columns the plan tables share: where, route, device, remark
    const ColumnSpec plan = classify_header(written, "");
    switch (plan.role) {
        case ColumnRole::seq:
            return set(HC::seq);
        case ColumnRole::county:
            return set(HC::county);
        case ColumnRole::county_code:
            return set(HC::county_code);
        case ColumnRole::township:
            return set(HC::township);
        case ColumnRole::township_code:
            return set(HC::township_code);
        case ColumnRole::village_name:
            return set(HC::village_name);
        case ColumnRole::village_code:
            return set(HC::village_code);
        case ColumnRole::route_text:
            return set(HC::route);
        case ColumnRole::device:
            return set(HC::device);
        case ColumnRole::remark:
            return set(HC::remark);
        case ColumnRole::info:
            return set(HC::info);
        default:
            break;
    }
    return spec;
}

std::string comparable(const std::string& text) { return lower_ascii(normalise_header(text)); }

// A lower header cell that says nothing without its group: 日期, 结果, 名称 ...
bool generic_label(const std::string& h) {
    return is_any(h, {"日期", "时间", "结果", "结论", "情况", "名称", "代码", "编码", "是否签订", "签订日期",
                      "签订时间", "原因", "是否", "类别", "类型"});
}

bool total_word(const std::string& s) {
    return starts_with(s, "合计") || starts_with(s, "小计") || starts_with(s, "总计") || starts_with(s, "共计");
}

// Rows whose first cells say 合计, 小计, 总计: totals, not households. A row with an ID number, or a
// holder's name that is no such word, is a household whatever its other cells say.
bool is_total_row(const TableRow& row, const HouseholdLayout& layout, const std::string& holder,
                  const std::string& id_text) {
    // (a dash or slash where nothing is written is nothing; a count where the name stands, 共2户 or
    // 2户, belongs to the total)
    auto filled = [](const std::string& text) {
        const std::string s = strip_spaces(to_halfwidth(text));
        return s.empty() || s == "/" || s == "\\" || s == "-" || s == "—" || s == "——" || s == "--" ? std::string() : s;
    };
    const std::string who = filled(holder);
    const bool count = starts_with(who, "共") || (!who.empty() && who[0] >= '0' && who[0] <= '9');
    if (!filled(id_text).empty() || (!who.empty() && !total_word(who) && !count)) return false;
    for (const auto& c : layout.columns) {
        if (c.role != HC::seq && c.role != HC::county && c.role != HC::township && c.role != HC::village_name &&
            c.role != HC::village_code && c.role != HC::holder)
            continue;
        const std::string s = strip_spaces(to_halfwidth(row.cell(static_cast<std::size_t>(c.index))));
        if (total_word(s)) return true;
    }
    return false;
}

// A note under the table: 说明：..., 注：..., 填表人 ...; one filled cell that is no household.
bool is_note_row(const TableRow& row) {
    int filled = 0;
    std::string first;
    for (const auto& c : row.cells)
        if (!trim(c).empty()) {
            if (++filled == 1) first = strip_spaces(to_halfwidth(c));
        }
    if (filled == 0) return false;
    for (const char* word : {"说明", "注:", "注：", "备注:", "备注：", "填表", "填报", "审核", "制表", "负责人", "单位负责人",
                             "联系人", "经办", "统计人", "盖章"})
        if (starts_with(first, word)) return filled <= 3;
    return false;
}

int year_in(const std::string& text) {
    for (std::size_t i = 0; i + 4 <= text.size(); ++i) {
        if (!std::all_of(text.begin() + static_cast<long>(i), text.begin() + static_cast<long>(i + 4),
                         [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        if ((i > 0 && text[i - 1] >= '0' && text[i - 1] <= '9') ||
            (i + 4 < text.size() && text[i + 4] >= '0' && text[i + 4] <= '9'))
            continue;
        const int y = std::stoi(text.substr(i, 4));
        if (y >= 2013 && y <= 2035) return y;
    }
    return 0;
}

constexpr int kEarliestListYear = 2013;  // the clean-heating programme's first lists

// A date cell of a list: one whole date (2022-07-15, 2022/7/15, 2022.7.15, 2022年7月15日, an Excel
// serial), between 2013 and the year after the plan's; empty for anything else (预计…, ranges …).
std::string list_date(const std::string& text, int plan_year) {
    const std::string s = strip_spaces(to_halfwidth(text));
    if (s.empty()) return {};
    std::string iso;
    if (s.find_first_not_of("0123456789") == std::string::npos) {
        if (s.size() != 5) return {};  // an Excel serial of these years has five digits
        iso = normalise_date(s);
    } else {
        std::size_t p = 0;
        int parts[3] = {0, 0, 0};
        for (int k = 0; k < 3; ++k) {
            std::size_t digits = 0;
            while (p < s.size() && s[p] >= '0' && s[p] <= '9' && digits < 4) parts[k] = parts[k] * 10 + (s[p++] - '0'), ++digits;
            if (digits == 0 || (k == 0 && digits != 4) || (k > 0 && digits > 2)) return {};
            if (k < 2) {
                if (p < s.size() && (s[p] == '-' || s[p] == '/' || s[p] == '.'))
                    ++p;
                else if (s.compare(p, 3, k == 0 ? "年" : "月") == 0)
                    p += 3;
                else
                    return {};
            }
        }
        if (s.compare(p, 3, "日") == 0) p += 3;
        if (p != s.size()) return {};
        char buffer[16];
        std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", parts[0], parts[1], parts[2]);
        iso = buffer;
    }
    if (!is_valid_iso_date(iso)) return {};
    const int year = std::atoi(iso.substr(0, 4).c_str());
    return year >= kEarliestListYear && year <= plan_year + 1 ? iso : std::string();
}

// 3.71622197001011E+17: a number cell's text, its last digits gone
bool scientific_number(const std::string& text) {
    const std::string s = lower_ascii(strip_spaces(to_halfwidth(text)));
    const std::size_t e = s.find("e+");
    if (e == std::string::npos || e == 0 || e + 2 >= s.size()) return false;
    const auto digits = [](const std::string& part, bool point) {
        return !part.empty() && std::all_of(part.begin(), part.end(), [&](char c) { return (c >= '0' && c <= '9') || (point && c == '.'); });
    };
    return digits(s.substr(0, e), true) && digits(s.substr(e + 2), false);
}

bool yes_word(const std::string& s) {
    return is_any(s, {"是", "已放弃", "放弃", "√", "✓", "y", "yes", "1", "已签", "已签订", "签订", "有"});
}
bool no_word(const std::string& s) { return is_any(s, {"否", "不", "无", "未签", "未签订", "没有", "n", "no", "0", "/", "-"}); }

}  // namespace

const char* household_column_name(HouseholdColumn column) {
    static const char* names[] = {"none",          "seq",           "county",       "county_code",   "township",
                                  "township_code", "village_name",  "village_code", "holder",        "id_number",
                                  "phone",         "address",       "route",        "device",        "contractor",
                                  "start_date",    "complete_date", "accept_date",  "accept_result", "rectify_date",
                                  "pledge",        "hardship",      "earlier_year", "declined",      "decline_reason",
                                  "retrofit_year", "use_gas",       "use_electricity", "use_biomass", "remark",
                                  "info"};
    return names[static_cast<int>(column)];
}

const char* accept_result_name(AcceptResult result) {
    switch (result) {
        case AcceptResult::none:
            return "";
        case AcceptResult::passed:
            return "合格";
        case AcceptResult::failed:
            return "不合格";
        case AcceptResult::rectified:
            return "整改后合格";
    }
    return "";
}

const HouseholdColumnSpec* HouseholdLayout::find(HouseholdColumn role) const {
    for (const auto& c : columns)
        if (c.role == role) return &c;
    return nullptr;
}

HouseholdColumnSpec classify_household_header(const std::string& label, const std::string& group) {
    const std::string h = comparable(label), g = comparable(group);
    const std::string written = group.empty() ? trim(label) : trim(group) + "/" + trim(label);
    if (!g.empty() && (generic_label(h) || h.size() <= 3)) {
        HouseholdColumnSpec whole = classify_text(g + h, written);
        if (whole.role != HC::none || !whole.doubt.empty()) return whole;
    }
    HouseholdColumnSpec alone = classify_text(h, written);
    if (alone.role == HC::none && alone.doubt.empty() && !g.empty()) {
        HouseholdColumnSpec whole = classify_text(g + h, written);
        if (whole.role != HC::none) return whole;
    }
    return alone;
}

namespace {

HouseholdLayout layout_of(const Sheet& sheet, int first, int last) {
    HouseholdLayout layout;
    layout.header_first = first;
    layout.header_last = last;
    const TableRow& upper = sheet.rows[static_cast<std::size_t>(first)];
    const TableRow& lower = sheet.rows[static_cast<std::size_t>(last)];
    const std::size_t width = std::max(upper.cells.size(), lower.cells.size());
    if (first != last) {
        // a title above the header (one cell, at or before the header's first) is no group of its columns
        std::vector<std::size_t> up_filled, low_filled;
        for (std::size_t c = 0; c < width; ++c) {
            if (!trim(upper.cell(c)).empty()) up_filled.push_back(c);
            if (!trim(lower.cell(c)).empty()) low_filled.push_back(c);
        }
        if (up_filled.size() == 1 && !low_filled.empty() && up_filled[0] <= low_filled[0]) return layout;
    }
    std::string group;
    for (std::size_t c = 0; c < width; ++c) {
        const std::string up = trim(upper.cell(c));
        const std::string low = first == last ? std::string() : trim(lower.cell(c));
        std::string label, group_here;
        if (first == last) {
            label = up;
        } else if (!low.empty()) {
            if (!up.empty()) group = up;
            label = low;
            group_here = group;
        } else {
            label = up;
            group.clear();
        }
        if (label.empty()) continue;
        HouseholdColumnSpec spec = classify_household_header(label, group_here);
        spec.index = static_cast<int>(c);
        if (spec.role == HC::none)
            layout.unknown.push_back(spec);
        else
            layout.columns.push_back(spec);
    }
    return layout;
}

int score(const HouseholdLayout& layout) {
    const bool where = layout.find(HC::village_name) || layout.find(HC::village_code);
    const bool who = layout.find(HC::holder) || layout.find(HC::id_number);
    if (!where || !who) return 0;
    std::set<HC> roles;
    for (const auto& c : layout.columns)
        if (c.role != HC::info) roles.insert(c.role);
    return static_cast<int>(roles.size()) * 10 - static_cast<int>(layout.unknown.size());
}

}  // namespace

std::optional<HouseholdLayout> detect_household_layout(const Sheet& sheet) {
    std::optional<HouseholdLayout> best;
    int best_score = 0;
    const int limit = std::min<int>(static_cast<int>(sheet.rows.size()), 30);
    for (int r = 0; r < limit; ++r) {
        for (int depth = 0; depth < 2 && r + depth < static_cast<int>(sheet.rows.size()); ++depth) {
            HouseholdLayout layout = layout_of(sheet, r, r + depth);
            // a second header row only where it adds: a title above the header is no group
            const int s = score(layout) - depth;
            if (s > best_score) {
                best_score = s;
                best = std::move(layout);
            }
        }
    }
    return best;
}

HouseholdListRead read_household_list(const Table& table, int plan_year, bool prior) {
    const int list_year = prior ? 0 : plan_year;
    HouseholdListRead read;
    read.file = table.file;
    const std::string file_name = std::filesystem::path(table.file).filename().string();
    bool any_cell = false;
    for (const auto& sheet : table.sheets)
        for (const auto& row : sheet.rows)
            if (!row.blank()) any_cell = true;
    if (!any_cell) {
        read.issues.push_back(make_issue("E_TABLE_EMPTY", table.file, "", 0, "", ""));
        read.refused = true;
        return read;
    }
    std::vector<HouseholdRecord> rows;
    std::size_t table_rows = 0;
    for (const auto& sheet : table.sheets) table_rows += sheet.rows.size();
    rows.reserve(table_rows);
    for (const auto& sheet : table.sheets) {
        if (std::all_of(sheet.rows.begin(), sheet.rows.end(), [](const TableRow& r) { return r.blank(); })) continue;
        const auto layout = detect_household_layout(sheet);
        if (!layout) {
            read.issues.push_back(make_issue("E_NO_HEADER", table.file, sheet.name, 0, "", "",
                                             "到户清单需有村名（或村代码）列和户主姓名（或身份证号）列；"
                                             "一个工作表无法识别，整个文件未导入（填表说明等工作表请移出后再导入）"));
            read.refused = true;
            for (const auto& r : sheet.rows) read.rows_read += r.blank() ? 0 : 1;  // rejected with the file
            continue;
        }
        read.sheets += (read.sheets.empty() ? "" : ",") + sheet.name;
        std::vector<std::string> titles;
        for (int r = 0; r < layout->header_first; ++r)
            for (const auto& c : sheet.rows[static_cast<std::size_t>(r)].cells)
                if (!trim(c).empty()) titles.push_back(trim(c));
        read.title_texts.insert(read.title_texts.end(), titles.begin(), titles.end());
        const int header_row = sheet.rows[static_cast<std::size_t>(layout->header_last)].number;
        // one meaning, one column: a second one (配偶身份证号 beside 身份证号 ...) would be a guess
        for (std::size_t i = 0; i < layout->columns.size(); ++i) {
            const auto& c = layout->columns[i];
            if (c.role == HC::info || c.role == HC::remark || c.role == HC::seq) continue;
            for (std::size_t k = 0; k < i; ++k)
                if (layout->columns[k].role == c.role) {
                    read.issues.push_back(make_issue("E_HOUSEHOLD_COLUMN_UNKNOWN", table.file, sheet.name, header_row,
                                                     column_letter(c.index), c.label,
                                                     "与" + column_letter(layout->columns[k].index) + "列“" +
                                                         layout->columns[k].label + "”含义相同，无法确定以哪列为准"));
                    read.refused = true;
                    break;
                }
        }
        for (const auto& column : layout->unknown) {
            read.issues.push_back(make_issue("E_HOUSEHOLD_COLUMN_UNKNOWN", table.file, sheet.name, header_row,
                                             column_letter(column.index), column.label,
                                             column.doubt.empty() ? std::string() : column.doubt));
            read.refused = true;
        }
        // a column without a header whose cells hold something: what they say is not known either
        {
            std::set<std::size_t> headed;
            for (const auto& c : layout->columns) headed.insert(static_cast<std::size_t>(c.index));
            for (const auto& c : layout->unknown) headed.insert(static_cast<std::size_t>(c.index));
            std::map<std::size_t, int> first_row;  // column -> first row with a value
            for (std::size_t r = static_cast<std::size_t>(layout->header_last) + 1; r < sheet.rows.size(); ++r) {
                const TableRow& row = sheet.rows[r];
                if (row.blank() || is_note_row(row)) continue;
                for (std::size_t c = 0; c < row.cells.size(); ++c)
                    if (!headed.count(c) && !trim(row.cells[c]).empty()) first_row.emplace(c, row.number);
            }
            for (const auto& [column, first] : first_row) {
                read.issues.push_back(make_issue("E_HOUSEHOLD_COLUMN_UNKNOWN", table.file, sheet.name, header_row,
                                                 column_letter(static_cast<int>(column)), "",
                                                 "该列没有表头，但第" + std::to_string(first) + "行起有内容，无法确定其含义"));
                read.refused = true;
            }
        }
        // the year of an earlier year's list: its column, else its title, else its file name
        int sheet_year = list_year;
        const auto* year_column = layout->find(HC::retrofit_year);
        if (prior && !year_column) {
            for (const auto& t : titles)  // the title, not a 填报日期 line
                if (!contains(t, "填报") && !contains(t, "日期") && !contains(t, "时间") && (sheet_year = year_in(t)) != 0)
                    break;
            if (sheet_year == 0) sheet_year = year_in(file_name);
            if (sheet_year == 0) {
                read.issues.push_back(make_issue("E_LIST_YEAR_UNKNOWN", table.file, sheet.name, 0, "", "",
                                                 "标题、文件名和表中都没有改造年度"));
                read.refused = true;
            } else if (sheet_year >= plan_year || sheet_year < kEarliestListYear) {
                read.issues.push_back(make_issue("E_LIST_YEAR_UNKNOWN", table.file, sheet.name, 0, "",
                                                 std::to_string(sheet_year),
                                                 "往年清单的年度应在" + std::to_string(kEarliestListYear) + "至" +
                                                     std::to_string(plan_year - 1) + "年间"));
                read.refused = true;
            }
        }
        const bool sheet_refused = read.refused;
        const TableRow& header = sheet.rows[static_cast<std::size_t>(layout->header_last)];
        auto at = [&](HC role) { return layout->find(role); };
        auto cell = [&](const TableRow& row, HC role) -> std::string {
            const auto* c = at(role);
            return c ? trim(row.cell(static_cast<std::size_t>(c->index))) : std::string();
        };
        // a text printed beside the households (施工单位, 备注 ...): an ID or phone number typed into
        // it is masked here, as the plan tables' cells are when read
        auto free_text = [&](const TableRow& row, HC role) {
            std::string text = cell(row, role);
            if (text.size() >= 7) mask_personal_numbers(text);
            return text;
        };
        auto letter = [&](HC role) {
            const auto* c = at(role);
            return c ? column_letter(c->index) : std::string();
        };
        // the place columns filled down over merged cells
        std::string last_county, last_township, last_village, last_code;
        // the dates and routes of a list repeat row after row: each text read once
        std::unordered_map<std::string, std::string> iso_of;
        auto iso_date = [&](const std::string& text) -> const std::string& {
            auto it = iso_of.find(text);
            if (it == iso_of.end()) it = iso_of.emplace(text, list_date(text, plan_year)).first;
            return it->second;
        };
        std::unordered_map<std::string, RouteMatch> route_of;
        auto route_match = [&](const std::string& text) -> const RouteMatch& {
            auto it = route_of.find(text);
            if (it == route_of.end()) it = route_of.emplace(text, classify_route(text)).first;
            return it->second;
        };
        for (std::size_t r = static_cast<std::size_t>(layout->header_last) + 1; r < sheet.rows.size(); ++r) {
            const TableRow& row = sheet.rows[r];
            if (row.blank() || is_note_row(row) || row.cells == header.cells) {
                ++read.rows_other;
                continue;
            }
            if (sheet_refused) {  // counted, not read: rejected with the file
                ++read.rows_read;
                continue;
            }
            const std::string holder = cell(row, HC::holder), id_text = cell(row, HC::id_number);
            if (is_total_row(row, *layout, holder, id_text)) {  // 合计 / 小计 where a place, a number or a holder stands
                ++read.rows_other;
                continue;
            }
            bool beyond_place = false;  // a cell other than the place columns: a household, however incomplete
            for (const auto& c : layout->columns)
                if (c.role != HC::county && c.role != HC::county_code && c.role != HC::township &&
                    c.role != HC::township_code && c.role != HC::village_name && c.role != HC::village_code &&
                    c.role != HC::seq && !trim(row.cell(static_cast<std::size_t>(c.index))).empty())
                    beyond_place = true;
            if (!beyond_place) {
                ++read.rows_other;  // a village's merged name alone, a page break
                continue;
            }
            ++read.rows_read;
            HouseholdRecord h;
            h.file = table.file;
            h.sheet = sheet.name;
            h.row = row.number;
            auto issue = [&](const std::string& code, HC role, const std::string& value, const std::string& detail = {}) {
                return make_issue(code, table.file, sheet.name, row.number, letter(role), value, detail);
            };
            auto fill = [&](HC role, std::string& last) {
                std::string v = cell(row, role);
                if (v.empty()) return last;
                last = v;
                return v;
            };
            h.county_text = fill(HC::county, last_county);
            h.township = fill(HC::township, last_township);
            // a village's name and code go together: a row naming a village takes both from itself
            if (!cell(row, HC::village_name).empty() || !cell(row, HC::village_code).empty()) {
                last_village = cell(row, HC::village_name);
                last_code = cell(row, HC::village_code);
            }
            h.village_name = last_village;
            h.code_text = last_code;
            h.code = normalise_code(h.code_text);
            h.code_column = letter(HC::village_code);
            h.name_column = letter(HC::village_name);
            h.context = -1;
            // the route, from its cell or the device's
            h.route_text = cell(row, HC::route);
            h.device = free_text(row, HC::device);
            const std::string route_source = h.route_text.empty() ? h.device : h.route_text;
            const HC route_column = h.route_text.empty() && !h.device.empty() ? HC::device : HC::route;
            if (route_source.empty()) {
                read.issues.push_back(issue("E_ROUTE_MISSING", HC::route, ""));
                ++read.rows_rejected;
                continue;
            }
            const RouteMatch& route = route_match(route_source);
            if (route.not_clean) {
                read.issues.push_back(issue("E_ROUTE_NOT_CLEAN", route_column, route_source));
                ++read.rows_rejected;
                continue;
            }
            if (route.ambiguous) {
                read.issues.push_back(issue("E_ROUTE_AMBIGUOUS", route_column, route_source));
                ++read.rows_rejected;
                continue;
            }
            if (!route.recognised) {
                read.issues.push_back(issue("E_ROUTE_UNKNOWN", route_column, route_source));
                ++read.rows_rejected;
                continue;
            }
            h.route = route.route;
            // who
            h.holder = holder;
            h.id_number = normalise_id(id_text);
            h.id_status = check_resident_id(h.id_number);
            h.phone = strip_spaces(to_halfwidth(cell(row, HC::phone)));
            h.address = cell(row, HC::address);
            h.contractor = free_text(row, HC::contractor);
            h.hardship = free_text(row, HC::hardship);
            if (no_word(lower_ascii(strip_spaces(h.hardship)))) h.hardship.clear();
            h.remark = free_text(row, HC::remark);
            if (h.holder.empty()) h.findings.push_back(issue("E_HOLDER_MISSING", HC::holder, ""));
            // an ID typed as a number keeps 15 digits: the last three read 000 (a real one may too: said, not refused)
            if (h.id_status == IdStatus::ok && ends_with(h.id_number, "000"))
                h.findings.push_back(issue("W_ID_SUSPECT", HC::id_number, mask_id(h.id_number)));
            if (h.id_status == IdStatus::missing)
                h.findings.push_back(issue("E_ID_MISSING", HC::id_number, ""));
            else if (h.id_status != IdStatus::ok && scientific_number(id_text))
                h.findings.push_back(issue("E_ID_INVALID", HC::id_number, mask_id(h.id_number),
                                           "以数值格式保存（科学计数法），末几位已丢失；请将该列设为文本后按原件重新录入"));
            else if (h.id_status != IdStatus::ok)
                h.findings.push_back(issue("E_ID_INVALID", HC::id_number, mask_id(h.id_number), id_status_text(h.id_status)));
            // dates
            auto date = [&](HC role, std::string& out) {
                const std::string text = cell(row, role);
                if (text.empty()) return;
                const std::string& iso = iso_date(text);
                if (!iso.empty())
                    out = iso;
                else
                    h.findings.push_back(issue("E_DATE_INVALID", role, text,
                                               "应为" + std::to_string(kEarliestListYear) + "至" +
                                                   std::to_string(plan_year + 1) + "年间的一个日期"));
            };
            date(HC::start_date, h.start_date);
            date(HC::complete_date, h.complete_date);
            date(HC::accept_date, h.accept_date);
            date(HC::rectify_date, h.rectify_date);
            // acceptance
            const std::string result = strip_spaces(to_halfwidth(cell(row, HC::accept_result)));
            if (result.empty()) {
                h.accept_result = AcceptResult::none;
            } else if (is_any(result, {"合格", "验收合格", "通过", "验收通过", "已验收"})) {
                h.accept_result = AcceptResult::passed;
            } else if (is_any(result, {"不合格", "验收不合格", "未通过", "不通过"})) {
                h.accept_result = AcceptResult::failed;
            } else if (is_any(result, {"整改后合格", "整改合格", "复验合格", "整改后验收合格", "整改完成"})) {
                h.accept_result = AcceptResult::rectified;
            } else {
                h.findings.push_back(issue("E_ACCEPT_RESULT_UNKNOWN", HC::accept_result, result));
            }
            // the pledge: a date, or yes / no
            {
                const std::string text = cell(row, HC::pledge);
                const std::string word = lower_ascii(strip_spaces(to_halfwidth(text)));
                const std::string& iso = iso_date(text);
                if (text.empty() || no_word(word)) {
                    h.pledge_signed = false;
                } else if (!iso.empty()) {
                    h.pledge_signed = true;
                    h.pledge_date = iso;
                } else if (yes_word(word)) {
                    h.pledge_signed = true;
                } else {
                    h.findings.push_back(issue("E_VALUE_UNREADABLE", HC::pledge, text, "承诺书应填签订日期或是/否"));
                }
            }
            // refusal
            {
                const std::string text = cell(row, HC::declined);
                const std::string word = lower_ascii(strip_spaces(to_halfwidth(text)));
                if (text.empty() || no_word(word)) {
                    h.declined = false;
                } else if (yes_word(word)) {
                    h.declined = true;
                } else {
                    h.findings.push_back(issue("E_VALUE_UNREADABLE", HC::declined, text, "是否放弃改造应填是或否"));
                }
                h.decline_reason = free_text(row, HC::decline_reason);
                if (no_word(lower_ascii(strip_spaces(to_halfwidth(h.decline_reason))))) h.decline_reason.clear();
                if (!at(HC::declined) && !h.decline_reason.empty()) h.declined = true;  // only a reason column
            }
            // years
            auto year = [&](HC role, int& out, int earliest, int latest) {
                const std::string text = strip_spaces(to_halfwidth(cell(row, role)));
                if (text.empty() || no_word(lower_ascii(text))) return;
                std::string digits = text;
                for (const char* suffix : {"年度", "年"})
                    if (ends_with(digits, suffix)) digits.resize(digits.size() - std::string(suffix).size());
                const Count value = parse_count(digits);
                if (value.status == NumberStatus::ok && digits.size() == 4 && value.value >= earliest &&
                    value.value <= latest)
                    out = static_cast<int>(value.value);
                else
                    h.findings.push_back(issue("E_VALUE_UNREADABLE", role, text, "应为" + std::to_string(earliest) +
                                                                                  "至" + std::to_string(latest) +
                                                                                  "年间的四位年份"));
            };
            const int latest_year = list_year > 0 ? list_year : 2100;
            year(HC::earlier_year, h.earlier_year, 2000, list_year > 0 ? list_year - 1 : 2100);
            h.list_year = sheet_year;
            if (year_column) {
                int y = 0;
                year(HC::retrofit_year, y, 2000, latest_year);
                if (y == 0 && list_year == 0) {
                    read.issues.push_back(issue("E_LIST_YEAR_UNKNOWN", HC::retrofit_year, cell(row, HC::retrofit_year),
                                                "该行改造年度未填或无法识别，未导入"));
                    ++read.rows_rejected;
                    continue;
                }
                if (y != 0 && list_year == 0) {
                    if (y >= plan_year || y < kEarliestListYear) {
                        read.issues.push_back(issue("E_LIST_YEAR_UNKNOWN", HC::retrofit_year, std::to_string(y),
                                                    "往年清单的年度应在" + std::to_string(kEarliestListYear) + "至" +
                                                        std::to_string(plan_year - 1) + "年间，未导入"));
                        ++read.rows_rejected;
                        continue;
                    }
                    h.list_year = y;
                }
                if (y != 0 && list_year != 0 && y != list_year) {
                    read.issues.push_back(issue("E_LIST_YEAR_UNKNOWN", HC::retrofit_year, std::to_string(y),
                                                "本年度清单中的往年户，未导入（往年清单用 --prior 导入）"));
                    ++read.rows_rejected;
                    continue;
                }
            }
            // the season's use (2017-2019 users)
            auto use = [&](HC role, std::optional<double>& out) {
                const auto* c = at(role);
                if (!c) return;
                const std::string text = cell(row, role);
                if (text.empty()) return;
                const Decimal value = parse_decimal(text);
                if (value.status == NumberStatus::ok)
                    out = value.value * c->factor;
                else
                    h.findings.push_back(issue("E_VALUE_UNREADABLE", role, text, "用量应为不小于0的数值"));
            };
            use(HC::use_gas, h.use_gas);
            use(HC::use_electricity, h.use_electricity);
            use(HC::use_biomass, h.use_biomass);
            // the order of the dates
            if (!h.accept_date.empty() && !h.complete_date.empty() && h.accept_date < h.complete_date)
                h.findings.push_back(issue("E_ACCEPT_BEFORE_COMPLETE", HC::accept_date, h.accept_date,
                                           "完工日期" + h.complete_date));
            if (h.accept_result == AcceptResult::rectified && h.rectify_date.empty())
                h.findings.push_back(issue("W_RECTIFY_DATE_MISSING", HC::rectify_date, ""));
            if (h.accept_result == AcceptResult::failed)
                h.findings.push_back(issue("W_ACCEPT_FAILED", HC::accept_result, result,
                                           h.accept_date.empty() ? std::string() : "验收日期" + h.accept_date));
            if (h.declined)
                h.findings.push_back(issue("W_HOUSEHOLD_DECLINED", HC::declined, cell(row, HC::declined),
                                           h.decline_reason.empty() ? std::string() : "原因：" + h.decline_reason));
            if (!h.declined && h.accept_result != AcceptResult::none && !h.pledge_signed)
                h.findings.push_back(issue("W_PLEDGE_MISSING", HC::pledge, ""));
            h.blocked = std::any_of(h.findings.begin(), h.findings.end(),
                                    [](const Issue& i) { return i.severity == Severity::error; });
            rows.push_back(std::move(h));
        }
    }
    if (read.refused) {
        // nothing of a list read under a header not understood: every data row counted as rejected
        read.rows_rejected = read.rows_read;
        return read;
    }
    read.rows = std::move(rows);
    return read;
}

}  // namespace cleanheat

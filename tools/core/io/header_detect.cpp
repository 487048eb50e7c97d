#include "io/header_detect.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "base/error.hpp"
#include "base/issue.hpp"

#include "base/text.hpp"

namespace cleanheat {
namespace {

bool any_of(const std::string& h, std::initializer_list<const char*> parts) {
    for (const char* p : parts)
        if (contains(h, p)) return true;
    return false;
}

bool equals_any(const std::string& h, std::initializer_list<const char*> words) {
    for (const char* w : words)
        if (h == w) return true;
    return false;
}

std::string lower_ascii(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

bool is_number_cell(const std::string& cell) {
    const std::string s = strip_spaces(to_halfwidth(cell));
    if (s.empty()) return false;
    if (s.find_first_not_of("0123456789.-+,'") == std::string::npos && s.find_first_of("0123456789") != std::string::npos)
        return true;
    const auto count = parse_count(s);  // 10户: a count, never a header
    return count.status == NumberStatus::ok || count.status == NumberStatus::implausible;
}

// Lines above a table that name the sender or the unit (填报单位：..., 单位：户), never header cells.
bool is_info_line_cell(const std::string& cell) {
    const std::string s = strip_spaces(to_halfwidth(cell));
    for (const char* prefix : {"填报", "单位:", "制表", "审核", "报送", "日期:", "填表"})
        if (starts_with(s, prefix)) return true;
    return false;
}

int count_nonempty(const TableRow& row) {
    return static_cast<int>(
        std::count_if(row.cells.begin(), row.cells.end(), [](const std::string& c) { return !trim(c).empty(); }));
}

// Roles a header row offers (distinct), used to score candidate rows.
std::set<ColumnRole> roles_of(const TableRow& row) {
    std::set<ColumnRole> roles;
    for (const auto& cell : row.cells) {
        if (trim(cell).empty()) continue;
        const auto spec = classify_header(cell, "");
        if (spec.role != ColumnRole::none && spec.role != ColumnRole::info) roles.insert(spec.role);
    }
    return roles;
}

bool header_like(const TableRow& row) {
    if (count_nonempty(row) < 1) return false;
    for (const auto& cell : row.cells)
        if (is_number_cell(cell) || is_info_line_cell(cell)) return false;
    return !roles_of(row).empty();
}

// Columns a plan table may carry that are known and not loaded: people, money, lengths,
// device counts, poor households (a part of the total, not a route).
bool is_info_header(const std::string& h) {
    return any_of(h, {"联系人", "电话", "手机", "负责人", "联系方式", "人口", "人数", "低保", "特困", "五保", "贫困",
                      "脱贫", "困难", "残疾", "优抚", "投资", "资金", "补贴", "补助", "万元", "(元)", "金额", "费用",
                      "长度", "(米)", "(m)", "(km)", "公里", "千米", "容量", "(kw)", "千瓦", "kva", "(吨)", "吨数",
                      "立方", "m3", "距离", "比例", "比率", "完成率", "%", "(台)", "(套)", "(个)", "台数", "套数",
                      "户籍", "常住", "身份证", "经度", "纬度", "坐标", "面积", "平方米", "是否", "覆盖", "范围",
                      "有无", "已改造", "已完成", "已实施", "往年", "历年", "以前年度", "以往"});
}

// A header cell that only gives a unit: （户）, (万元), 台.
bool is_unit_label(const std::string& text) {
    std::string s = strip_spaces(to_halfwidth(text));
    if (starts_with(s, "(") && ends_with(s, ")")) s = s.substr(1, s.size() - 2);
    return equals_any(s, {"户", "户数", "个", "万元", "元", "平方米", "万平方米", "台", "套", "m2", "㎡", "米", "吨"});
}

// The second row of a two-level header whose lower cells are understood only under their group
// (改造户数 over 气 | 电 | 集中): every filled cell stands under a household group, none is a number,
// and at least one is a route or the total.
bool header_row_below(const TableRow& upper, const TableRow& lower) {
    const std::size_t width = std::max(upper.cells.size(), lower.cells.size());
    std::string group;
    int known = 0;
    for (std::size_t c = 0; c < width; ++c) {
        const std::string up = trim(upper.cell(c));
        const std::string low = trim(lower.cell(c));
        if (!up.empty()) group = up;
        if (low.empty()) continue;
        if (is_number_cell(low) || group.empty() || !is_count_group(group)) return false;
        const auto role = classify_header(low, group).role;
        if (role == ColumnRole::route_count || role == ColumnRole::total) ++known;
    }
    return known > 0;
}

int score(const std::set<ColumnRole>& roles, TableKind kind) {
    int s = static_cast<int>(roles.size());
    if (kind == TableKind::plan || kind == TableKind::progress) {
        if (!roles.count(ColumnRole::village_name) && !roles.count(ColumnRole::village_code)) return 0;
    } else {
        if (!roles.count(ColumnRole::area)) return 0;
        if (!roles.count(ColumnRole::county)) return 0;
    }
    return s;
}

bool layout_fits(const Layout& layout, TableKind kind) {
    if (kind == TableKind::heating) return layout.has(ColumnRole::area) && layout.has(ColumnRole::county);
    const bool where = layout.has(ColumnRole::village_code) || layout.has(ColumnRole::village_name);
    if (kind == TableKind::progress)
        return where && (layout.has(ColumnRole::started) || layout.has(ColumnRole::completed) ||
                         layout.has(ColumnRole::accepted));
    const bool how_many =
        layout.has(ColumnRole::route_count) || layout.has(ColumnRole::households) || layout.has(ColumnRole::total);
    return where && how_many;
}

}  // namespace

bool is_header_row(const TableRow& row) {
    for (const auto& cell : row.cells)
        if (is_number_cell(cell)) return false;
    const auto roles = roles_of(row);
    return (roles.count(ColumnRole::village_name) || roles.count(ColumnRole::village_code)) && roles.size() >= 3;
}

const char* role_name(ColumnRole role) {
    switch (role) {
        case ColumnRole::none:
            return "none";
        case ColumnRole::seq:
            return "seq";
        case ColumnRole::county:
            return "county";
        case ColumnRole::county_code:
            return "county_code";
        case ColumnRole::township:
            return "township";
        case ColumnRole::township_code:
            return "township_code";
        case ColumnRole::village_name:
            return "village_name";
        case ColumnRole::village_code:
            return "village_code";
        case ColumnRole::total:
            return "total";
        case ColumnRole::route_count:
            return "route_count";
        case ColumnRole::route_text:
            return "route_text";
        case ColumnRole::device:
            return "device";
        case ColumnRole::households:
            return "households";
        case ColumnRole::start_date:
            return "start_date";
        case ColumnRole::end_date:
            return "end_date";
        case ColumnRole::remark:
            return "remark";
        case ColumnRole::area:
            return "area";
        case ColumnRole::heat_source:
            return "heat_source";
        case ColumnRole::started:
            return "started";
        case ColumnRole::completed:
            return "completed";
        case ColumnRole::accepted:
            return "accepted";
        case ColumnRole::accept_date:
            return "accept_date";
        case ColumnRole::info:
            return "info";
    }
    return "none";
}

const ColumnSpec* Layout::find(ColumnRole role) const {
    for (const auto& c : columns)
        if (c.role == role) return &c;
    return nullptr;
}

std::vector<const ColumnSpec*> Layout::all(ColumnRole role) const {
    std::vector<const ColumnSpec*> out;
    for (const auto& c : columns)
        if (c.role == role) out.push_back(&c);
    return out;
}

bool is_count_group(const std::string& group) {
    const std::string g = lower_ascii(normalise_header(group));
    return any_of(g, {"户", "其中", "改造", "数量", "规模"}) && !any_of(g, {"日期", "时间", "方式", "类型", "设备"}) &&
           !is_info_header(g);
}

namespace {

bool is_total_word(const std::string& core) {
    std::string s = core;
    for (std::string_view prefix : {"计划改造", "改造", "计划"})
        if (s.size() > prefix.size() && s.compare(0, prefix.size(), prefix) == 0) {
            s.erase(0, prefix.size());
            break;
        }
    return equals_any(s, {"合计", "小计", "总计", "总", "合计户数", "总户数", "户数合计", "户数总计"});
}

}  // namespace

ColumnSpec classify_header(const std::string& label_text, const std::string& group_text) {
    ColumnSpec spec;
    spec.label = group_text.empty() ? trim(label_text) : trim(group_text) + "/" + trim(label_text);
    const std::string h = lower_ascii(normalise_header(label_text));
    const std::string g = lower_ascii(normalise_header(group_text));
    spec.under_count_group = !g.empty() && is_count_group(group_text);
    if (h.empty()) return spec;
    auto set = [&](ColumnRole role) {
        spec.role = role;
        return spec;
    };
    // below money, area, device counts or earlier years: known, not households
    if (!g.empty() && is_info_header(g)) return set(ColumnRole::info);
    // 名称 | 代码 below 乡镇（街道） or 村（居）: the group says whose
    if (!g.empty() && equals_any(h, {"名称", "名", "代码", "编码", "区划代码", "统计用区划代码"})) {
        ColumnSpec whole = classify_header(trim(group_text) + trim(label_text), "");
        whole.label = spec.label;
        if (whole.role != ColumnRole::none) return whole;
    }
    // English field names (machine-made tables)
    if (equals_any(h, {"village_code", "code", "vcode", "cun_code"})) return set(ColumnRole::village_code);
    if (equals_any(h, {"village_name", "village", "name"})) return set(ColumnRole::village_name);
    if (equals_any(h, {"township", "township_name", "town"})) return set(ColumnRole::township);
    if (equals_any(h, {"township_code"})) return set(ColumnRole::township_code);
    if (equals_any(h, {"county", "county_name", "unit"})) return set(ColumnRole::county);
    if (equals_any(h, {"county_code"})) return set(ColumnRole::county_code);
    if (equals_any(h, {"households", "households_total", "count"})) return set(ColumnRole::households);
    if (equals_any(h, {"route", "technology", "method"})) return set(ColumnRole::route_text);
    if (equals_any(h, {"device", "device_type"})) return set(ColumnRole::device);
    if (equals_any(h, {"area_m2"})) return set(ColumnRole::area);
    if (equals_any(h, {"heat_source"})) return set(ColumnRole::heat_source);
    if (equals_any(h, {"no", "no.", "id", "seq"})) return set(ColumnRole::seq);
    if (equals_any(h, {"start_date", "plan_start"})) return set(ColumnRole::start_date);
    if (equals_any(h, {"end_date", "plan_end"})) return set(ColumnRole::end_date);
    if (equals_any(h, {"remark", "note", "notes"})) return set(ColumnRole::remark);

    if (equals_any(h, {"序号", "序", "编号", "顺序号"})) return set(ColumnRole::seq);
    if (any_of(h, {"备注", "说明"})) return set(ColumnRole::remark);
    // progress reports: households started / completed / accepted (a 日期/时间 column is a date;
    // a bare 开工/完工 under a 时间 or 计划 group is a plan date)
    const bool is_date = any_of(h, {"日期", "时间"}) || any_of(g, {"日期", "时间", "计划"});
    if (!is_date) {
        if (any_of(h, {"已验收", "验收户"}) || (equals_any(h, {"验收"}) && !g.empty()))
            return set(ColumnRole::accepted);
        if (any_of(h, {"已完工", "完工户", "已竣工"}) || (equals_any(h, {"完工"}) && !g.empty()))
            return set(ColumnRole::completed);
        if (any_of(h, {"已开工", "开工户"}) || (equals_any(h, {"开工"}) && !g.empty())) return set(ColumnRole::started);
    } else if (any_of(h, {"验收"})) {
        return set(ColumnRole::accept_date);
    }
    if (any_of(h, {"开工"})) return set(ColumnRole::start_date);
    if (any_of(h, {"完工", "竣工", "完成时间", "完成日期"})) return set(ColumnRole::end_date);
    if (any_of(h, {"电话", "手机"})) return set(ColumnRole::info);  // before 编号/代码 (电话号码)
    if (any_of(h, {"代码", "编码", "区划码", "编号"})) {
        if (any_of(h, {"村", "居", "社区", "统计用", "区划"})) return set(ColumnRole::village_code);
        if (any_of(h, {"乡", "镇", "街道"})) return set(ColumnRole::township_code);
        if (any_of(h, {"县", "区"})) return set(ColumnRole::county_code);
        return set(ColumnRole::village_code);
    }
    if (any_of(h, {"面积"})) {
        spec.factor = any_of(h + g, {"万"}) ? 10000.0 : (any_of(h + g, {"平方米", "m2", "㎡", "m²"}) ? 1.0 : 10000.0);
        return set(ColumnRole::area);
    }
    if (any_of(h, {"热源"})) return set(ColumnRole::heat_source);
    if (is_info_header(h)) return set(ColumnRole::info);
    if (any_of(h, {"改造方式", "技术路线", "改造类型", "取暖方式", "采暖方式", "改造路线", "改造技术", "供暖方式",
                   "清洁取暖方式", "改造模式"}))
        return set(ColumnRole::route_text);
    if (any_of(h, {"设备"})) return set(ColumnRole::device);
    if (any_of(h, {"乡镇", "镇(街道)", "街道", "乡(镇", "镇街"}) || equals_any(h, {"镇", "乡", "镇办", "乡镇名称"}))
        return set(ColumnRole::township);
    if (any_of(h, {"县(市、区)", "县(市区)", "县市区", "区县", "县区", "县(区)", "县(市", "所属县", "县别"}) ||
        equals_any(h, {"县", "区", "市", "县(市、区)名称", "地区", "单位", "单位名称", "县(市、区、开发区)"}))
        return set(ColumnRole::county);
    if (any_of(h, {"村(居)", "村名", "行政村", "村居", "村庄", "村(社区)", "社区", "自然村"}) ||
        equals_any(h, {"村", "村名称", "村委会", "名称"}))
        return set(ColumnRole::village_name);
    const std::string core = route_core(h);
    if (is_total_word(core) || is_total_word(h)) {
        if (g.empty() || spec.under_count_group) return set(ColumnRole::total);
    }
    if (h != "其中") {
        // a route named in full (空气源热泵, 煤改电（户）, 其中：气代煤), or briefly under a household group
        auto route = classify_route(core);
        if (!route.recognised && spec.under_count_group) route = classify_short_route(core);
        if (route.recognised && !route.ambiguous && (g.empty() || spec.under_count_group || any_of(h, {"户"}))) {
            spec.route = route.route;
            spec.not_clean = route.not_clean;
            spec.route_detail = route.route == Route::other || route.not_clean ? route.detail : std::string();
            return set(ColumnRole::route_count);
        }
    }
    if (any_of(h, {"户数", "户"}) || any_of(h, {"规模"})) {
        // below a household group a column is a route or the total, never "some households"
        if (spec.under_count_group) return spec;
        // 改造户数 over route columns is handled by the caller as a group
        return set(ColumnRole::households);
    }
    return spec;
}

static bool is_plain_households(const std::string& label) {
    const std::string h = lower_ascii(normalise_header(label));
    std::string core = route_core(h);
    if (core == h && ends_with(h, "(户)")) core = h.substr(0, h.size() - 5);
    return equals_any(core, {"户数", "改造户数", "计划改造户数", "计划户数", "改造", "计划改造", "规模", "改造规模",
                             "计划改造规模", "拟改造户数", "households", "count", "households_total", "户"}) ||
           equals_any(h, {"户数", "改造户数", "计划改造户数", "计划户数", "改造规模", "规模"});
}

Layout layout_from_rows(const Sheet& sheet, int first, int last) {
    Layout layout;
    layout.header_first = first;
    layout.header_last = last;
    const auto& upper = sheet.rows[first];
    const auto& lower = sheet.rows[last];
    const std::size_t width = std::max(upper.cells.size(), lower.cells.size());
    std::string group;  // the merged upper cell that spans to the right
    for (std::size_t c = 0; c < width; ++c) {
        const std::string up = trim(upper.cell(c));
        const std::string low = first == last ? std::string() : trim(lower.cell(c));
        std::string label, group_here;
        if (first == last) {
            label = up;
        } else if (!low.empty() && is_unit_label(low)) {
            label = (up.empty() ? group : up) + low;  // 合计 over （户）: one header with its unit
            if (!up.empty()) group.clear();
        } else if (!low.empty()) {
            if (!up.empty()) group = up;
            label = low;
            group_here = group;
        } else {
            label = up;  // merged vertically over both rows
            group.clear();
        }
        if (first != last && low.empty() && up.empty()) group.clear();
        ColumnSpec spec = classify_header(label, group_here);
        // a group label that names a route ("煤改电" over "户数")
        if (spec.role == ColumnRole::households && !group_here.empty()) {
            const auto route = classify_route(route_core(group_here));
            if (route.recognised) {
                spec.role = ColumnRole::route_count;
                spec.route = route.route;
                spec.not_clean = route.not_clean;
                spec.route_detail = route.route == Route::other || route.not_clean ? route.detail : std::string();
            }
        }
        spec.index = static_cast<int>(c);
        spec.header_row = (first != last && !low.empty()) ? lower.number : upper.number;
        if (spec.role == ColumnRole::none) {
            if (spec.label.empty() && !group_here.empty()) spec.label = group_here + "/";
            layout.unknown.push_back(spec);
        } else {
            layout.columns.push_back(spec);
        }
    }
    // With route columns, a plain 户数/改造户数 column is the row total; another column that only
    // says 户 (新能源（户）) is not understood.
    if (layout.has(ColumnRole::route_count)) {
        for (auto& column : layout.columns)
            if (column.role == ColumnRole::households) {
                const std::string own = trim(column.label.substr(column.label.rfind('/') == std::string::npos
                                                                      ? 0
                                                                      : column.label.rfind('/') + 1));
                if (is_plain_households(own)) {
                    column.role = ColumnRole::total;
                } else {
                    column.role = ColumnRole::none;
                    layout.unknown.push_back(column);
                }
            }
        layout.columns.erase(std::remove_if(layout.columns.begin(), layout.columns.end(),
                                            [](const ColumnSpec& c) { return c.role == ColumnRole::none; }),
                             layout.columns.end());
    }
    // One route in two columns: two device columns of a route add up (空气源热泵 | 蓄热式电暖器), but a
    // route next to one of its devices (煤改电 | 其中：空气源热泵) or a route named twice (2022年 and
    // 2023年 煤改气) would count households twice: not told apart.
    {
        std::vector<ColumnSpec> kept;
        for (auto& column : layout.columns) {
            if (column.role != ColumnRole::route_count) {
                kept.push_back(column);
                continue;
            }
            const std::string own = column.label.substr(column.label.rfind('/') == std::string::npos
                                                            ? 0
                                                            : column.label.rfind('/') + 1);
            const std::string core = route_core(own);
            const bool breakdown = core != lower_ascii(normalise_header(own)) &&
                                   (starts_with(lower_ascii(normalise_header(own)), "其中") ||
                                    starts_with(lower_ascii(normalise_header(own)), "含"));
            const ColumnSpec* same = nullptr;
            for (const auto& k : kept)
                if (k.role == ColumnRole::route_count && k.route == column.route && k.not_clean == column.not_clean &&
                    k.route_detail == column.route_detail)
                    same = &k;
            bool doubt = false;
            if (same) {
                const std::string same_own =
                    same->label.substr(same->label.rfind('/') == std::string::npos ? 0 : same->label.rfind('/') + 1);
                // a device names no route of its own (空气源热泵); 2022年煤改电 and 电代煤 do
                auto names_a_route = [](const std::string& text) {
                    const std::string core = route_core(text);
                    return names_route_only(core) ||
                           any_of(core, {"煤改气", "气代煤", "煤改电", "电代煤", "集中供热", "集中供暖", "集中采暖",
                                         "煤改生物质", "其他", "其它"});
                };
                const bool both_devices = !names_a_route(own) && !names_a_route(same_own);
                doubt = breakdown || !both_devices;
                if (doubt)
                    column.doubt = std::string("与") + column_letter(same->index) + "列“" + same->label + "”同为" +
                                   (column.not_clean ? std::string("燃煤") : std::string(route_name(column.route))) +
                                   "，可能是其中的细分或另一年度的户数，无法确定是否重复计数";
            }
            if (doubt) {
                column.role = ColumnRole::none;
                layout.unknown.push_back(column);
            } else {
                kept.push_back(column);
            }
        }
        layout.columns = std::move(kept);
    }
    // A total and a households column and no route column: two counts of one row, not told apart.
    if (!layout.has(ColumnRole::route_count) && layout.has(ColumnRole::total) && layout.has(ColumnRole::households)) {
        const ColumnSpec total = *layout.find(ColumnRole::total);
        for (auto& column : layout.columns)
            if (column.role == ColumnRole::households) {
                column.doubt = std::string("与") + column_letter(total.index) + "列“" + total.label +
                               "”同为户数列，无法确定以哪一列为准";
                column.role = ColumnRole::none;
                layout.unknown.push_back(column);
            }
        layout.columns.erase(std::remove_if(layout.columns.begin(), layout.columns.end(),
                                            [](const ColumnSpec& c) { return c.role == ColumnRole::none; }),
                             layout.columns.end());
    }
    // Several columns of one single role: keep the first (e.g. two 备注). A second count column
    // (two 合计) cannot be told from the first: it is kept aside as not understood.
    std::set<ColumnRole> seen;
    std::vector<ColumnSpec> unique;
    for (auto& column : layout.columns) {
        const bool repeatable = column.role == ColumnRole::route_count || column.role == ColumnRole::info;
        if (!repeatable && !seen.insert(column.role).second) {
            if (column.role == ColumnRole::total || column.role == ColumnRole::households) {
                const auto* first_one = layout.find(column.role);
                column.doubt = std::string("与") + column_letter(first_one->index) + "列“" + first_one->label +
                               "”同为" + (column.role == ColumnRole::total ? "合计" : "户数") + "列，无法确定以哪一列为准";
                column.role = ColumnRole::none;
                layout.unknown.push_back(column);
            }
            continue;
        }
        unique.push_back(column);
    }
    layout.columns = std::move(unique);
    std::sort(layout.unknown.begin(), layout.unknown.end(),
              [](const ColumnSpec& a, const ColumnSpec& b) { return a.index < b.index; });
    return layout;
}

std::optional<Layout> detect_layout_by_content(const Sheet& sheet, TableKind kind) {
    const int limit = std::min<int>(static_cast<int>(sheet.rows.size()), 40);
    int best = -1, best_score = 0;
    for (int i = 0; i < limit; ++i) {
        const auto& row = sheet.rows[i];
        if (count_nonempty(row) < 2) continue;
        bool numeric = false;
        for (const auto& cell : row.cells) numeric = numeric || is_number_cell(cell);
        if (numeric) continue;
        const int s = score(roles_of(row), kind);
        if (s > best_score) {
            best = i;
            best_score = s;
        }
    }
    if (best < 0) return std::nullopt;

    // One or two header rows: try the pair (best, best+1), then (best-1, best), then best alone.
    std::vector<std::pair<int, int>> candidates;
    if (best + 1 < static_cast<int>(sheet.rows.size()) &&
        (header_like(sheet.rows[best + 1]) || header_row_below(sheet.rows[best], sheet.rows[best + 1])))
        candidates.emplace_back(best, best + 1);
    if (best > 0 && count_nonempty(sheet.rows[best - 1]) >= 2 && header_like(sheet.rows[best - 1]))
        candidates.emplace_back(best - 1, best);
    candidates.emplace_back(best, best);

    for (const auto& [first, last] : candidates) {
        Layout layout = layout_from_rows(sheet, first, last);
        if (layout_fits(layout, kind)) return layout;
    }
    return std::nullopt;
}

namespace {

int column_index_of_letters(const std::string& key) {
    if (key.empty() || key.size() > 3) return -1;
    int index = 0;
    for (char c : key) {
        if (c < 'A' || c > 'Z') return -1;
        index = index * 26 + (c - 'A' + 1);
    }
    return index - 1;
}

ColumnSpec spec_of_role(const std::string& file, const std::string& key, const std::string& role_text) {
    ColumnSpec spec;
    const char* roles_hint =
        "roles: seq county county_code township township_code village_name village_code total households "
        "route:district_heating route:gas route:electric route:biomass route:other route:coal route_text device "
        "start_date end_date remark area area_m2 heat_source info none";
    if (role_text == "?" || role_text.empty())
        throw InputError(file + ": columns." + key + " is still \"" + role_text +
                             "\": name what the column holds (or \"none\" to leave it out)",
                         roles_hint);
    if (starts_with(role_text, "route:")) {
        const std::string route = role_text.substr(6);
        if (route == "coal") {
            spec.role = ColumnRole::route_count;
            spec.not_clean = true;
            return spec;
        }
        for (Route r : kRoutes)
            if (route == route_key(r)) {
                spec.role = ColumnRole::route_count;
                spec.route = r;
                return spec;
            }
        throw InputError(file + ": columns." + key + ": unknown route '" + route +
                         "' (district_heating, gas, electric, biomass, other, coal)");
    }
    for (int i = 0; i <= static_cast<int>(ColumnRole::info); ++i) {
        const auto role = static_cast<ColumnRole>(i);
        if (role == ColumnRole::route_count) continue;  // route:<key>
        if (role_text == role_name(role)) {
            spec.role = role;
            if (role == ColumnRole::area) spec.factor = 10000.0;
            return spec;
        }
    }
    if (role_text == "area_m2") {
        spec.role = ColumnRole::area;
        spec.factor = 1.0;
        return spec;
    }
    throw InputError(file + ": columns." + key + ": unknown role '" + role_text + "'", roles_hint);
}

ColumnMapping mapping_of(const std::string& path, const nlohmann::json& doc, const std::string& where) {
    ColumnMapping mapping;
    mapping.file = path;
    if (!doc.is_object()) throw InputError(path + where + ": a mapping must be a JSON object");
    for (const auto& [key, value] : doc.items()) {
        if (key == "header_row") {
            if (!value.is_number_integer() || value.get<int>() < 1)
                throw InputError(path + where + ": header_row must be a row number (1, 2, ...)");
            mapping.header_row = value.get<int>();
        } else if (key == "header_rows") {
            if (!value.is_number_integer() || value.get<int>() < 1 || value.get<int>() > 2)
                throw InputError(path + where + ": header_rows must be 1 or 2");
            mapping.header_rows = value.get<int>();
        } else if (key == "table" || key == "sheet") {
            if (!value.is_string()) throw InputError(path + where + ": " + key + " must be a text");
            (key == "table" ? mapping.table : mapping.sheet) = value.get<std::string>();
        } else if (key == "columns") {
            if (!value.is_object())
                throw InputError(path + where + ": columns must be an object {\"E\": \"households\", ...}");
            for (const auto& [column, role] : value.items()) {
                if (!role.is_string())
                    throw InputError(path + where + ": columns." + column + " must be a role name");
                spec_of_role(path + where, column, role.get<std::string>());  // validates
                mapping.columns.emplace_back(column, role.get<std::string>());
            }
        } else if (key != "comment" && key != "description" && key != "headers") {
            throw InputError(path + where + ": unknown key '" + key + "'",
                             "keys: table, sheet, header_row, header_rows, columns, headers, comment");
        }
    }
    return mapping;
}

// The header text over a column, group/label as classify_header writes it.
std::string header_text_at(const Sheet& sheet, const Layout& layout, int index) {
    const std::string low = trim(sheet.rows[layout.header_last].cell(index));
    const std::string up = trim(sheet.rows[layout.header_first].cell(index));
    if (layout.header_first == layout.header_last || low.empty()) return up;
    return up.empty() ? low : up + "/" + low;
}

}  // namespace

std::vector<ColumnMapping> load_mappings(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw InputError(path + ": cannot open the mapping file");
    nlohmann::json doc;
    try {
        doc = nlohmann::json::parse(in, nullptr, true, true);
    } catch (const std::exception& e) {
        throw InputError(path + ": not valid JSON: " + e.what());
    }
    std::vector<ColumnMapping> out;
    if (doc.is_array()) {
        for (std::size_t i = 0; i < doc.size(); ++i) out.push_back(mapping_of(path, doc[i], "[" + std::to_string(i) + "]"));
    } else {
        out.push_back(mapping_of(path, doc, ""));
    }
    return out;
}

ColumnMapping load_mapping(const std::string& path) {
    auto all = load_mappings(path);
    if (all.size() != 1) throw InputError(path + ": holds " + std::to_string(all.size()) + " mappings, expected one");
    return all.front();
}

const ColumnMapping* mapping_for(const std::vector<ColumnMapping>& mappings, const std::string& table_file,
                                 const std::string& sheet) {
    const std::string name = std::filesystem::path(table_file).filename().string();
    auto table_fits = [&](const ColumnMapping& m) {
        return m.table == table_file || m.table == name;
    };
    for (const auto& m : mappings)
        if (!m.table.empty() && !m.sheet.empty() && table_fits(m) && m.sheet == sheet) return &m;
    for (const auto& m : mappings)
        if (!m.table.empty() && m.sheet.empty() && table_fits(m)) return &m;
    for (const auto& m : mappings)
        if (m.table.empty() && (m.sheet.empty() || m.sheet == sheet)) return &m;
    return nullptr;
}

std::optional<Layout> detect_layout(const Sheet& sheet, TableKind kind, const ColumnMapping* mapping) {
    if (!mapping) return detect_layout_by_content(sheet, kind);
    std::optional<Layout> layout;
    if (mapping->header_row > 0) {
        int last = -1;
        for (std::size_t i = 0; i < sheet.rows.size(); ++i)
            if (sheet.rows[i].number == mapping->header_row) last = static_cast<int>(i);
        if (last < 0) return std::nullopt;
        const int first = std::max(0, last - (mapping->header_rows - 1));
        layout = layout_from_rows(sheet, first, last);
    } else {
        layout = detect_layout_by_content(sheet, kind);
        if (!layout) return std::nullopt;
    }
    for (const auto& [key, role_text] : mapping->columns) {
        ColumnSpec spec = spec_of_role(mapping->file, key, role_text);
        int index = column_index_of_letters(key);
        if (index < 0) {
            const std::string wanted = normalise_header(key);
            for (int r = layout->header_first; r <= layout->header_last && index < 0; ++r)
                for (std::size_t c = 0; c < sheet.rows[r].cells.size(); ++c)
                    if (normalise_header(sheet.rows[r].cells[c]) == wanted) {
                        index = static_cast<int>(c);
                        break;
                    }
            if (index < 0) continue;  // this sheet has no such column
        }
        spec.index = index;
        spec.label = header_text_at(sheet, *layout, index);
        if (spec.label.empty()) spec.label = key;
        if (spec.role == ColumnRole::route_count && (spec.route == Route::other || spec.not_clean))
            spec.route_detail = spec.label;
        spec.header_row = sheet.rows[layout->header_last].number;
        auto& unknown = layout->unknown;
        unknown.erase(std::remove_if(unknown.begin(), unknown.end(), [&](const ColumnSpec& c) { return c.index == index; }),
                      unknown.end());
        auto& columns = layout->columns;
        columns.erase(std::remove_if(columns.begin(), columns.end(),
                                     [&](const ColumnSpec& c) {
                                         return c.index == index ||
                                                (spec.role != ColumnRole::route_count && c.role == spec.role);
                                     }),
                      columns.end());
        if (spec.role != ColumnRole::none) columns.push_back(spec);
    }
    std::sort(layout->columns.begin(), layout->columns.end(),
              [](const ColumnSpec& a, const ColumnSpec& b) { return a.index < b.index; });
    if (layout->has(ColumnRole::route_count))
        for (auto& column : layout->columns)
            if (column.role == ColumnRole::households) column.role = ColumnRole::total;
    if (!layout_fits(*layout, kind)) return std::nullopt;
    return layout;
}

}  // namespace cleanheat

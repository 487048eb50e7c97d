#include "commands/annex.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <unordered_map>
#include <utility>

#include "base/error.hpp"
#include "dataset/snapshot.hpp"
#include "io/pg_connection.hpp"
#include "dataset/dataset.hpp"
#include "base/json_file.hpp"
#include "io/gpkg_sql.hpp"
#include "report/xlsx_report.hpp"
#include "base/routes.hpp"
#include "base/text.hpp"
#include "base/units.hpp"

namespace cleanheat {
namespace {

std::string join_distinct(const std::string& list) {  // "a,b,a" from group_concat -> "a、b"
    std::vector<std::string> parts;
    std::string cur;
    for (std::size_t i = 0; i <= list.size(); ++i) {
        if (i == list.size() || list[i] == '\x1f') {
            if (!cur.empty() && std::find(parts.begin(), parts.end(), cur) == parts.end()) parts.push_back(cur);
            cur.clear();
        } else {
            cur += list[i];
        }
    }
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : "、") + p;
    return out;
}

const char* status_name(const std::string& status) {
    if (status == "planned") return "计划改造";
    if (status == "started") return "已开工";
    if (status == "completed") return "已完工";
    if (status == "accepted") return "已验收";
    if (status == "late") return "滞后";
    if (status == "unplanned") return "未列入计划";
    return "";
}

}  // namespace

std::string Targets::title(const std::string& key) const {
    auto it = titles.find(key);
    return replace_year(it == titles.end() ? key : it->second, year);
}

std::string Targets::label(const std::string& key) const {
    auto it = labels.find(key);
    return it == labels.end() ? "" : it->second;
}

Targets load_targets(const std::filesystem::path& file) {
    const nlohmann::json j = read_json_file(file, "targets file");
    const std::set<std::string> known = {"comment", "year", "households", "area_m2", "units", "titles", "labels"};
    for (const auto& [key, value] : j.items())
        if (!known.count(key)) throw InputError(file.string() + ": unknown key \"" + key + "\"");
    Targets t;
    auto number = [&](const nlohmann::json& obj, const char* key, const std::string& where) -> double {
        if (!obj.contains(key)) return -1;
        if (!obj[key].is_number()) throw InputError(file.string() + ": " + where + key + " must be a number");
        return obj[key].get<double>();
    };
    if (!j.contains("year") || !j["year"].is_number_integer())
        throw InputError(file.string() + ": \"year\" must be an integer year");
    t.year = j["year"].get<int>();
    t.households = std::max(0.0, number(j, "households", ""));
    t.area_m2 = std::max(0.0, number(j, "area_m2", ""));
    if (j.contains("units")) {
        if (!j["units"].is_object())
            throw InputError(file.string() + ": \"units\" must be an object keyed by unit code");
        for (const auto& [code, u] : j["units"].items()) {
            if (!u.is_object()) throw InputError(file.string() + ": units." + code + " must be an object");
            for (const auto& [k, v] : u.items())
                if (k != "households" && k != "area_m2")
                    throw InputError(file.string() + ": units." + code + ": unknown key \"" + k + "\"");
            t.units[code] = {number(u, "households", "units." + code + "."),
                             number(u, "area_m2", "units." + code + ".")};
        }
    }
    for (const char* group : {"titles", "labels"}) {
        if (!j.contains(group)) continue;
        if (!j[group].is_object()) throw InputError(file.string() + ": \"" + group + "\" must be an object");
        for (const auto& [k, v] : j[group].items()) {
            if (!v.is_string()) throw InputError(file.string() + ": " + group + "." + k + " must be text");
            (std::string(group) == "titles" ? t.titles : t.labels)[k] = v.get<std::string>();
        }
    }
    return t;
}

AnnexData read_annex_data(const std::filesystem::path& merged, const std::filesystem::path& units_file) {
    const SqliteDb db(merged, SqliteDb::Mode::read);
    dataset::check_readable(db);
    UnitRegistry units;
    if (!units_file.empty()) units.load(units_file);
    AnnexData data;
    // households by unit and main route
    struct Sums {
        std::string name;
        long long total = 0, villages = 0;
        long long route[kRouteCount] = {};
    };
    std::map<std::string, Sums> by_unit;
    db.each(
        "SELECT county_code, max(county_name), sum(households_total), " + dataset::route_columns("sum") +
            ", sum(planned), count(*) FROM villages GROUP BY county_code",
        [&](sqlite3_stmt* st) {
            Sums& s = by_unit[sql_text(st, 0)];
            s.name = sql_text(st, 1);
            s.total = sqlite3_column_int64(st, 2);
            for (std::size_t r = 0; r < kRouteCount; ++r)
                s.route[r] = sqlite3_column_int64(st, static_cast<int>(3 + r));
            s.villages = sqlite3_column_int64(st, 8);
            data.villages_in_geodata += sqlite3_column_int64(st, 9);
        });
    // other routes by their own name, when the plan rows reconcile with the villages
    std::map<std::string, std::map<std::string, long long>> other;  // unit -> route name -> households
    std::vector<std::string> other_names;
    if (db.has_table("plan_rows")) {
        db.each(
            "SELECT p.county_code, coalesce(nullif(p.route_detail, ''), '其他'), sum(p.households) FROM plan_rows p "
            "WHERE p.route = 'other' GROUP BY 1, 2 ORDER BY 3 DESC",
            [&](sqlite3_stmt* st) {
                // a recognised other route (地热, 太阳能) keeps its name; unknown text counts as 其他
                std::string name = sql_text(st, 1);
                if (!classify_route(name).recognised) name = route_name(Route::other);
                other[sql_text(st, 0)][name] += sqlite3_column_int64(st, 2);
                if (std::find(other_names.begin(), other_names.end(), name) == other_names.end())
                    other_names.push_back(name);
            });
    }
    bool reconciled = true;
    for (const auto& [code, s] : by_unit) {
        long long sum = 0;
        for (const auto& [name, h] : other[code]) sum += h;
        if (sum != s.route[static_cast<int>(Route::other)]) reconciled = false;
    }
    if (!reconciled || other_names.empty()) other_names = {route_name(Route::other)};
    std::sort(other_names.begin(), other_names.end(), [](const std::string& a, const std::string& b) {
        return (a == "其他") < (b == "其他") || ((a == "其他") == (b == "其他") && a < b);
    });
    for (Route r : {Route::district_heating, Route::gas, Route::electric, Route::biomass})
        data.routes.push_back(route_name(r));
    long long other_total = 0;
    for (const auto& [code, s] : by_unit) other_total += s.route[static_cast<int>(Route::other)];
    if (other_total > 0) data.routes.insert(data.routes.end(), other_names.begin(), other_names.end());

    // heating
    std::map<std::string, Annex2Row> heating;
    if (db.has_table("heating")) {
        db.each(
            "SELECT coalesce(county_code, ''), max(unit_name), sum(area_m2), group_concat(heat_source, char(31)), "
            "group_concat(remark, char(31)) FROM heating GROUP BY coalesce(county_code, ''), "
            "CASE WHEN county_code IS NULL THEN unit_name END",
            [&](sqlite3_stmt* st) {
                Annex2Row row{sql_text(st, 0), sql_text(st, 1), sqlite3_column_double(st, 2),
                              join_distinct(sql_text(st, 3)), join_distinct(sql_text(st, 4))};
                heating[row.code.empty() ? "~" + row.name : row.code] = row;
            });
    }
    if (db.has_table("issues")) data.issues = db.scalar("SELECT count(*) FROM issues");

    // units in the order of the units file, then the rest by code
    std::set<std::string> prefixes;
    for (const auto& [code, s] : by_unit)
        if (code.size() >= 4) prefixes.insert(code.substr(0, 4));
    std::vector<std::string> order;
    for (const auto& u : units.units()) {
        const bool present = by_unit.count(u.code) || heating.count(u.code);
        const bool same_city = u.kind == "county" && u.code.size() >= 4 && prefixes.count(u.code.substr(0, 4));
        if (present || same_city) order.push_back(u.code);
    }
    for (const auto& [code, s] : by_unit)
        if (std::find(order.begin(), order.end(), code) == order.end() && (s.villages > 0 || s.total > 0))
            order.push_back(code);
    for (const auto& [code, h] : heating)
        if (std::find(order.begin(), order.end(), code) == order.end()) order.push_back(code);
    auto name_of = [&](const std::string& code, const std::string& fallback) {
        if (const Unit* u = units.find(code); u && u->code == code) return u->name;
        return fallback.empty() ? code : fallback;
    };
    data.annex1_total.name = "合计";
    data.annex1_total.by_route.assign(data.routes.size(), 0);
    data.annex2_total.name = "合计";
    for (const auto& code : order) {
        if (code.rfind("~", 0) != 0) {
            auto it = by_unit.find(code);
            Annex1Row row;
            row.code = code;
            row.name = name_of(code, it == by_unit.end() ? "" : it->second.name);
            row.by_route.assign(data.routes.size(), 0);
            if (it != by_unit.end()) {
                const Sums& s = it->second;
                row.households = s.total;
                row.villages = s.villages;
                for (std::size_t r = 0; r < 4; ++r) row.by_route[r] = s.route[r];
                if (other_total > 0) {
                    if (other_names.size() == 1 && other_names[0] == route_name(Route::other) && !reconciled)
                        row.by_route[4] = s.route[static_cast<int>(Route::other)];
                    else
                        for (std::size_t k = 0; k < other_names.size(); ++k)
                            row.by_route[4 + k] = other[code][other_names[k]];
                }
            }
            const bool in_villages = it != by_unit.end();
            const Unit* u = units.find(code);
            if (in_villages || (u && u->kind == "county")) {
                data.annex1_total.households += row.households;
                data.annex1_total.villages += row.villages;
                for (std::size_t r = 0; r < row.by_route.size(); ++r) data.annex1_total.by_route[r] += row.by_route[r];
                data.annex1.push_back(row);
            }
        }
        auto h = heating.find(code);
        if (h != heating.end()) {
            Annex2Row row = h->second;
            row.name = name_of(code, row.name);
            data.annex2_total.area_m2 += row.area_m2;
            data.annex2.push_back(row);
        } else if (const Unit* u = units.find(code); code.rfind("~", 0) != 0 && u && u->code == code) {
            data.annex2.push_back({code, u->name, 0, "", ""});
        }
    }
    return data;
}

namespace {

void add_chart(XlsxWorkbook& book, const XlsxTable& table, const AnnexData& data, const Targets& targets) {
    if (data.annex1.empty()) return;
    lxw_workbook* wb = book.handle();
    lxw_chart* chart = workbook_add_chart(wb, LXW_CHART_COLUMN_STACKED);
    const std::string& sheet = table.first_sheet();
    const auto first = static_cast<lxw_row_t>(table.data_first_row());
    const auto last = static_cast<lxw_row_t>(table.data_first_row() + static_cast<int>(data.annex1.size()) - 1);
    const auto name_col = static_cast<lxw_col_t>(table.column_of(0));
    static const std::uint32_t colours[] = {0xC0392B, 0x2E86C1, 0xF39C12, 0x27AE60, 0x8E44AD, 0x7F8C8D, 0x16A085};
    lxw_chart_font font{};
    font.name = const_cast<char*>("黑体");
    for (std::size_t r = 0; r < data.routes.size(); ++r) {
        lxw_chart_series* series = chart_add_series(chart, nullptr, nullptr);
        chart_series_set_categories(series, sheet.c_str(), first, name_col, last, name_col);
        const auto col = static_cast<lxw_col_t>(table.column_of(static_cast<int>(2 + r)));  // 县, 合计, routes
        chart_series_set_values(series, sheet.c_str(), first, col, last, col);
        chart_series_set_name(series, data.routes[r].c_str());
        lxw_chart_fill fill{};
        fill.color = colours[r % 7];
        chart_series_set_fill(series, &fill);
    }
    const std::string title = targets.title("chart");
    chart_title_set_name(chart, title.c_str());
    chart_title_set_name_font(chart, &font);
    chart_axis_set_name(chart->y_axis, "改造户数（户）");
    chart_axis_set_name_font(chart->y_axis, &font);
    chart_axis_set_num_font(chart->x_axis, &font);
    chart_axis_set_num_format(chart->y_axis, "#,##0");  // numbers written one way: 35,000
    chart_legend_set_position(chart, LXW_CHART_LEGEND_BOTTOM);
    chart_legend_set_font(chart, &font);
    lxw_chartsheet* cs = workbook_add_chartsheet(wb, book.unique_name("图表 分县改造户数").c_str());
    chartsheet_set_chart(cs, chart);
    chartsheet_set_landscape(cs);
    chartsheet_set_paper(cs, 9);
    chartsheet_set_footer(cs, "&C第 &P 页 共 &N 页");
}

}  // namespace

AnnexResult annex(const AnnexOptions& options, const Progress& progress) {
    if (is_pg_name(options.merged.string())) {  // a database: read through one snapshot of it (dataset/snapshot.hpp)
        const dataset::Snapshot snapshot(options.merged.string(), options.pg_schema,
                                         command_reads("annex", dataset::kSchemaVersion));
        AnnexOptions local = options;
        local.merged = snapshot.path();
        return annex(local, progress);
    }
    AnnexResult result;
    const auto targets_file = options.targets.empty() ? default_style_file("targets.json") : options.targets;
    if (targets_file.empty()) throw InputError("no targets file: give --targets (see docs/styles.md)");
    result.targets = load_targets(targets_file);
    if (options.year > 0) result.targets.year = options.year;
    const Targets& targets = result.targets;
    const auto units_file = options.units.empty() ? default_style_file("units.json") : options.units;
    progress.update(0.0, "reading " + options.merged.string());
    result.data = read_annex_data(options.merged, units_file);
    const AnnexData& data = result.data;
    const SqliteDb db(options.merged, SqliteDb::Mode::read);
    const long long planned = db.scalar("SELECT count(*) FROM villages WHERE planned = 1");
    result.constant_memory = options.constant_memory == 1 || (options.constant_memory < 0 && planned > 100000);
    XlsxWorkbook book(options.output, options.overwrite, {options.merged}, result.constant_memory);
    auto keep = [&](const std::vector<std::string>& sheets) {
        result.sheets.insert(result.sheets.end(), sheets.begin(), sheets.end());
        if (sheets.size() > 1)
            result.notes.push_back(sheets.front() + ": more rows than an Excel sheet holds, split into " +
                                   std::to_string(sheets.size()) + " sheets");
    };

    // 附件1
    {
        XlsxTableSpec spec;
        spec.sheet = targets.label("annex1").empty() ? "附件1" : targets.label("annex1");
        spec.label = targets.label("annex1");
        spec.title = targets.title("annex1");
        spec.unit = "单位：户、个";
        spec.total_first = options.total_first;
        spec.columns.push_back({"县（市、区）", "", XlsxKind::text});
        spec.columns.push_back({"合计", "改造户数", XlsxKind::integer, XlsxTotal::sum});
        for (const auto& r : data.routes) spec.columns.push_back({r, "改造户数", XlsxKind::integer, XlsxTotal::sum});
        spec.columns.push_back({"涉及村庄数", "", XlsxKind::integer, XlsxTotal::sum});
        spec.columns.front().min_width = 12;
        XlsxTable table = book.table(spec);
        for (const auto& row : data.annex1) {
            std::vector<XlsxCell> cells = {row.name, static_cast<double>(row.households)};
            for (long long h : row.by_route) cells.push_back(static_cast<double>(h));
            cells.push_back(static_cast<double>(row.villages));
            table.add_row(cells);
        }
        keep(table.finish());
        if (!book.constant_memory()) add_chart(book, table, data, targets);
    }
    progress.update(0.1);
    // 附件2
    {
        XlsxTableSpec spec;
        spec.sheet = targets.label("annex2").empty() ? "附件2" : targets.label("annex2");
        spec.label = targets.label("annex2");
        spec.title = targets.title("annex2");
        spec.unit = "单位：万平方米";
        spec.total_first = options.total_first;
        spec.columns = {{"县（市、区）", "", XlsxKind::text, XlsxTotal::none, -1, -1, 12},
                        {"新增集中供热面积", "", XlsxKind::decimal, XlsxTotal::sum},
                        {"热源", "", XlsxKind::text, XlsxTotal::none, -1, -1, 16},
                        {"备注", "", XlsxKind::text, XlsxTotal::none, -1, -1, 16}};
        XlsxTable table = book.table(spec);
        for (const auto& row : data.annex2)
            table.add_row({row.name, row.area_m2 / 10000.0, row.heat_sources, row.remarks});
        keep(table.finish());
    }
    // 完成目标对比
    {
        XlsxTableSpec spec;
        spec.sheet = "完成目标对比";
        spec.title = targets.title("targets");
        spec.total = false;
        spec.landscape = true;
        spec.columns = {{"指标", "", XlsxKind::text, XlsxTotal::none, -1, -1, 14},
                        {"单位", "", XlsxKind::text},
                        {"目标", "", XlsxKind::general},
                        {"计划", "", XlsxKind::general},
                        {"差额（计划-目标）", "", XlsxKind::general},
                        {"完成比例", "", XlsxKind::percent},
                        {"情况", "", XlsxKind::text}};
        auto verdict = [](double diff, const char* unit) {
            char buf[96];
            if (diff > 0.005)
                std::snprintf(buf, sizeof buf, "超出目标 %.2f %s", diff, unit);
            else if (diff < -0.005)
                std::snprintf(buf, sizeof buf, "距目标差 %.2f %s", -diff, unit);
            else
                std::snprintf(buf, sizeof buf, "与目标持平");
            return std::string(buf);
        };
        if (targets.units.empty()) spec.notes.push_back("注：目标文件未按县（市、区）分解目标，仅比较全市合计。");
        XlsxTable table = book.table(spec);
        auto add = [&](const std::string& what, const char* unit, double target, double plan) {
            table.add_row({what, std::string(unit), target, plan, plan - target, target > 0 ? plan / target : 0.0,
                           verdict(plan - target, unit)});
        };
        add("全市农村清洁取暖改造户数", "户", targets.households, static_cast<double>(data.annex1_total.households));
        add("全市城市（县城）新增集中供热面积", "万平方米", targets.area_m2 / 10000.0,
            data.annex2_total.area_m2 / 10000.0);
        for (const auto& row : data.annex1) {
            auto it = targets.units.find(row.code);
            if (it != targets.units.end() && it->second.households >= 0)
                add(row.name + " 改造户数", "户", it->second.households, static_cast<double>(row.households));
        }
        for (const auto& row : data.annex2) {
            auto it = targets.units.find(row.code);
            if (it != targets.units.end() && it->second.area_m2 >= 0)
                add(row.name + " 新增集中供热面积", "万平方米", it->second.area_m2 / 10000.0, row.area_m2 / 10000.0);
        }
        keep(table.finish());
    }
    // 分村清单: one scan in unit order (the units' positions as a list of values)
    if (options.villages && !data.annex1.empty()) {
        std::string unit_order;
        for (std::size_t u = 0; u < data.annex1.size(); ++u)
            unit_order += std::string(u ? ", " : "") + "(" + sql_literal(data.annex1[u].code) + ", " + std::to_string(u) + ")";
        std::optional<XlsxTable> table;
        long long current = -1;
        auto start_unit = [&](long long position) {
            if (table) keep(table->finish());
            table.reset();
            current = position;
            const Annex1Row& unit = data.annex1[static_cast<std::size_t>(position)];
            XlsxTableSpec spec;
            spec.sheet = "分村清单-" + unit.name;
            spec.title = targets.title("villages") + "（" + unit.name + "）";
            spec.unit = "单位：户";
            spec.columns = {{"乡镇（街道）", "", XlsxKind::text, XlsxTotal::none, -1, -1, 10},
                            {"村代码", "", XlsxKind::code, XlsxTotal::none, -1, -1, 14},
                            {"村名", "", XlsxKind::text, XlsxTotal::none, -1, -1, 10},
                            {"合计", "改造户数", XlsxKind::integer, XlsxTotal::sum}};
            for (Route r : kRoutes)
                spec.columns.push_back({route_name(r), "改造户数", XlsxKind::integer, XlsxTotal::sum});
            for (const char* h : {"主要技术路线", "设备类型", "计划开工", "计划完工", "状态"})
                spec.columns.push_back({h, "", XlsxKind::text});
            table.emplace(book.table(spec));
            progress.update(0.15 + 0.75 * static_cast<double>(position) / static_cast<double>(data.annex1.size()));
        };
        db.each(
            "WITH unit_order (code, position) AS (VALUES " + unit_order +
                ") SELECT o.position, township_name, village_code, village_name, households_total, " +
                dataset::route_columns() +
                ", route_main, devices, plan_start, plan_end, status FROM villages v JOIN unit_order o "
            "ON o.code = v.county_code WHERE v.planned = 1 ORDER BY o.position, township_code, village_code",
            [&](sqlite3_stmt* st) {
                const long long position = sqlite3_column_int64(st, 0);
                if (position != current) start_unit(position);
                std::vector<XlsxCell> cells = {sql_text(st, 1), sql_text(st, 2), sql_text(st, 3),
                                               static_cast<double>(sqlite3_column_int64(st, 4))};
                constexpr int first_route = 5, after = first_route + static_cast<int>(kRouteCount);
                for (int r = first_route; r < after; ++r) cells.push_back(static_cast<double>(sqlite3_column_int64(st, r)));
                const std::string route = sql_text(st, after);
                cells.push_back(route.empty() ? std::string() : std::string(route_name(classify_route(route).route)));
                cells.push_back(sql_text(st, after + 1));
                cells.push_back(sql_text(st, after + 2));
                cells.push_back(sql_text(st, after + 3));
                cells.push_back(std::string(status_name(sql_text(st, after + 4))));
                table->add_row(cells);
                ++result.village_rows;
            });
        if (table) keep(table->finish());
    }
    // 数据问题
    if (db.has_table("issues")) {
        XlsxTableSpec spec;
        spec.sheet = "数据问题";
        spec.title = targets.title("issues");
        spec.total = false;
        spec.columns = {{"文件", "", XlsxKind::text, XlsxTotal::none, -1, -1, 12, 24, true},
                        {"工作表", "", XlsxKind::text},
                        {"行", "", XlsxKind::general},
                        {"列", "", XlsxKind::text},
                        {"内容", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 20, true},
                        {"问题代码", "", XlsxKind::code},
                        {"类别", "", XlsxKind::text},
                        {"说明", "", XlsxKind::text, XlsxTotal::none, -1, -1, 20, 44, true}};
        const long long errors = db.scalar("SELECT count(*) FROM issues WHERE severity = 'error'");
        const long long warnings = db.scalar("SELECT count(*) FROM issues WHERE severity <> 'error'");
        spec.notes.push_back("注：共 " + std::to_string(errors + warnings) + " 条，其中错误 " + std::to_string(errors) +
                             " 条（该行未导入，请县（市、区）核实后重新报送），警告 " + std::to_string(warnings) +
                             " 条（已导入，请核实）。");
        XlsxTable table = book.table(spec);
        db.each("SELECT file, sheet, row, col, value, code, severity, message FROM issues ORDER BY fid",
                [&](sqlite3_stmt* st) {
                    const std::string severity = sql_text(st, 6);
                    const std::string file = std::filesystem::path(sql_text(st, 0)).filename().string();
                    table.add_row({file, sql_text(st, 1),
                                   sqlite3_column_type(st, 2) == SQLITE_NULL
                                       ? XlsxCell{}
                                       : XlsxCell{static_cast<double>(sqlite3_column_int64(st, 2))},
                                   sql_text(st, 3), sql_text(st, 4), sql_text(st, 5),
                                   std::string(severity == "error" ? "错误（未导入）" : "警告（已导入）"),
                                   sql_text(st, 7)});
                    ++result.issue_rows;
                });
        keep(table.finish());
    }
    progress.update(0.95, "writing " + options.output.string());
    book.close();
    result.output = options.output;
    progress.update(1.0);
    return result;
}

}  // namespace cleanheat

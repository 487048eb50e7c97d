#include "commands/report.hpp"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "commands/annex.hpp"
#include "base/error.hpp"
#include "dataset/snapshot.hpp"
#include "io/pg_connection.hpp"
#include "dataset/dataset.hpp"
#include "io/atomic_output.hpp"
#include "base/issue.hpp"
#include "io/file_info.hpp"
#include "io/gpkg_sql.hpp"
#include "base/json_file.hpp"
#include "commands/map.hpp"
#include "commands/report_households.hpp"
#include "report/pdf_document.hpp"
#include "report/xlsx_report.hpp"
#include "commands/tracking.hpp"
#include "commands/tracking_output.hpp"
#include "base/text.hpp"
#include "base/units.hpp"

namespace cleanheat {
namespace fs = std::filesystem;
namespace {

struct ReportStyle {
    std::string title, subtitle, issuer, header;
    std::vector<std::string> maps;
    std::size_t list_limit = 40;    // rows of a list (late villages of a county, issues of a file)
    std::size_t table_limit = 300;  // rows of a table of units (the annexes, progress by county)
    std::size_t county_limit = 40;  // more units than this: one overview table instead of sections
};

ReportStyle load_report_style(const fs::path& file, int year) {
    const nlohmann::json j = read_json_file(file, "report style");
    auto fail = [&](const std::string& key, const std::string& what) {
        throw InputError(file.string() + ": " + key + ": " + what);
    };
    if (!j.is_object()) fail("(top)", "must be an object");
    ReportStyle s;
    for (const auto& [key, value] : j.items()) {
        if (key == "comment") continue;
        if (key == "title" || key == "subtitle" || key == "issuer" || key == "header") {
            if (!value.is_string()) fail(key, "must be text");
            const std::string text = replace_year(value.get<std::string>(), year);
            (key == "title" ? s.title : key == "subtitle" ? s.subtitle : key == "issuer" ? s.issuer : s.header) = text;
        } else if (key == "maps") {
            if (!value.is_array()) fail(key, "must be a list of style files");
            for (const auto& m : value) {
                if (!m.is_string()) fail(key, "must be a list of style files");
                s.maps.push_back(m.get<std::string>());
            }
        } else if (key == "list_limit" || key == "table_limit" || key == "county_limit") {
            if (!value.is_number_integer() || value.get<int>() < 1) fail(key, "must be a positive whole number");
            (key == "list_limit"    ? s.list_limit
             : key == "table_limit" ? s.table_limit
                                    : s.county_limit) = value.get<std::size_t>();
        } else {
            fail(key, "unknown key");
        }
    }
    if (s.title.empty()) fail("title", "missing");
    if (s.header.empty()) s.header = s.title;
    return s;
}

std::string integer(double v) {
    return format_cell(v, XlsxKind::integer);
}
std::string decimal(double v) {
    return format_cell(v, XlsxKind::decimal);
}
std::string percent(double part, double whole) {
    return whole > 0 ? format_cell(part / whole, XlsxKind::percent) : "-";
}

std::string compare(double value, double target, const char* unit, int decimals) {
    if (target <= 0) return "未设目标";
    const double diff = value - target;
    char buf[128];
    if (std::fabs(diff) < (decimals > 0 ? 0.005 : 0.5))
        std::snprintf(buf, sizeof buf, "与目标持平");
    else
        std::snprintf(buf, sizeof buf, "%s目标 %.*f %s", diff > 0 ? "超出" : "距", decimals, std::fabs(diff), unit);
    return std::string(buf) + "（完成 " + format_cell(value / target, XlsxKind::percent) + "）";
}

// A map page of a style under its heading, filling the rest of a portrait page: a map that is
// wider than tall as a landscape page turned a quarter (its top to the binding edge), a tall
// one upright as a portrait page (unless the style fixes the orientation).
void map_page(PdfDocument& doc, const PreparedMap& map, const Box& extent, const std::string& date,
              const std::vector<std::string>& figures, const std::string& heading) {
    if (doc.remaining() < 0.75 * doc.text_height()) doc.new_page();
    doc.heading(heading, 2);
    const bool landscape = landscape_for(map.style, extent.valid() ? extent : map.extent);
    doc.box(doc.remaining() - 2, [&](cairo_t* cr, double x, double y, double w, double h) {
        const double long_side = 297 * 72 / 25.4, short_side = 210 * 72 / 25.4;  // an A4 map page
        if (landscape) {
            const double scale = std::min(h / long_side, w / short_side);
            cairo_translate(cr, x + (w - short_side * scale) / 2, y + long_side * scale);
            cairo_rotate(cr, -M_PI / 2);
            cairo_scale(cr, scale, scale);
            draw_map_page(cr, map, extent, date, figures);
        } else {
            const double scale = std::min(w / short_side, h / long_side);
            cairo_translate(cr, x + (w - short_side * scale) / 2, y);
            cairo_scale(cr, scale, scale);
            draw_map_page(cr, map, extent, date, figures, {}, /*portrait=*/true);
        }
    });
}

}  // namespace

ReportResult make_report(const ReportOptions& options, const Progress& progress) {
    if (is_pg_name(options.merged.string())) {  // a database: read through one snapshot of it (dataset/snapshot.hpp)
        const dataset::Snapshot snapshot(options.merged.string(), options.pg_schema);
        ReportOptions local = options;
        local.merged = snapshot.path();
        return make_report(local, progress);
    }
    ReportResult result;
    result.output = options.output;
    if (!fs::is_regular_file(options.merged)) throw InputError(options.merged.string() + ": no such file");
    const fs::path targets_file = options.targets.empty() ? default_style_file("targets.json") : options.targets;
    if (targets_file.empty()) throw InputError("no targets file: give --targets (see docs/styles.md)");
    const Targets targets = load_targets(targets_file);
    const fs::path style_file = options.style.empty() ? default_style_file("report.json") : options.style;
    if (style_file.empty()) throw InputError("no report style styles/report.json found; give --style");
    const ReportStyle style = load_report_style(style_file, targets.year);
    const fs::path units_file = options.units.empty() ? default_style_file("units.json") : options.units;
    AtomicOutput out(options.output, options.overwrite, {options.merged});

    progress.update(0.0, "Reading the plan");
    const AnnexData data = read_annex_data(options.merged, units_file);
    result.households = data.annex1_total.households;
    result.area_m2 = data.annex2_total.area_m2;
    std::string as_of = options.as_of;
    bool contiguity = false;
    struct Groups {
        long long clusters = 0, isolated = 0, holes = 0, planned = 0;
        double block_share = 0;
    };
    std::map<std::string, Groups> groups;                      // "" the whole layer, else county code
    std::map<std::string, std::vector<std::string>> isolated;  // county code -> village names
    std::vector<std::vector<std::string>> issues;              // county, file, sheet, row, col, code, message
    {
        const SqliteDb db(options.merged, SqliteDb::Mode::read);
        if (as_of.empty()) as_of = dataset::last_run_detail(db, "progress", "as_of");
        if (db.has_table("contiguity_groups")) {
            contiguity = true;
            db.each(
                "SELECT coalesce(value, ''), clusters, isolated, holes, planned, block_share FROM contiguity_groups",
                [&](sqlite3_stmt* st) {
                    Groups& g = groups[sql_text(st, 0)];
                    g.clusters = sqlite3_column_int64(st, 1);
                    g.isolated = sqlite3_column_int64(st, 2);
                    g.holes = sqlite3_column_int64(st, 3);
                    g.planned = sqlite3_column_int64(st, 4);
                    g.block_share = sqlite3_column_double(st, 5);
                });
        }
        // the isolated villages: in village_contiguity (schema version 3), in villages before
        const std::string isolated_sql =
            db.has_table("village_contiguity")
                ? "SELECT v.county_code, v.village_name FROM villages v JOIN village_contiguity c ON c.village_fid = "
                  "v.fid WHERE c.contiguity = 'isolated' ORDER BY v.village_code"
                : "SELECT county_code, village_name FROM villages WHERE contiguity = 'isolated' ORDER BY village_code";
        if (db.has_table("village_contiguity") || db.has_column("villages", "contiguity"))
            db.each(isolated_sql, [&](sqlite3_stmt* st) { isolated[sql_text(st, 0)].push_back(sql_text(st, 1)); });
        for (const char* table : {"issues", "progress_issues"})
            if (db.has_table(table))
                db.each(std::string("SELECT file, sheet, row, col, code, message FROM ") + table +
                            " ORDER BY file, sheet, row",
                        [&](sqlite3_stmt* st) {
                            issues.push_back({sql_text(st, 0), sql_text(st, 1), sql_text(st, 2), sql_text(st, 3),
                                              sql_text(st, 4), sql_text(st, 5)});
                        });
    }
    if (as_of.empty()) as_of = today_iso();
    result.as_of = as_of;
    progress.update(0.1, "Progress as of " + as_of);
    ProgressOptions po;
    po.merged = options.merged.string();
    po.as_of = as_of;
    po.units_file = units_file.string();
    po.read_only = true;
    Progress quiet;
    const ProgressResult pr = track_progress(po, quiet);
    const bool tracked = pr.ledger_imports > 0;

    PdfDocument doc;
    // Cover
    doc.full_page([&](cairo_t* cr, double w, double h) {
        cairo_set_source_rgb(cr, 0.62, 0.09, 0.09);
        cairo_rectangle(cr, 0, h * 0.24, w, 6);
        cairo_fill(cr);
        cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
        const double m = 60;
        double y = h * 0.30;
        y += doc.draw_text(cr, style.title, m, y, w - 2 * m, 26, true, 1) + 18;
        if (!style.subtitle.empty()) y += doc.draw_text(cr, style.subtitle, m, y, w - 2 * m, 14, false, 1) + 10;
        doc.draw_text(cr, "数据截至 " + chinese_date(as_of), m, h * 0.55, w - 2 * m, 13, false, 1);
        doc.draw_text(cr, style.issuer, m, h * 0.78, w - 2 * m, 15, true, 1);
        doc.draw_text(cr, chinese_date(today_iso()), m, h * 0.78 + 26, w - 2 * m, 13, false, 1);
        cairo_set_source_rgb(cr, 0.62, 0.09, 0.09);
        cairo_rectangle(cr, 0, h * 0.88, w, 2);
        cairo_fill(cr);
    });
    doc.reserve_page();  // the contents, drawn once the page numbers are known

    // 一、总体情况
    progress.update(0.2, "Summary");
    doc.heading("一、总体情况");
    const double hh = static_cast<double>(data.annex1_total.households);
    doc.paragraph("农村清洁取暖：全市计划改造 " + integer(hh) + " 户，涉及 " +
                  integer(static_cast<double>(data.annex1_total.villages)) + " 个村庄；目标 " +
                  integer(targets.households) + " 户，" + compare(hh, targets.households, "户", 0) + "。");
    std::string routes = "按技术路线：";
    for (std::size_t r = 0; r < data.routes.size(); ++r)
        routes += (r ? "，" : "") + data.routes[r] + " " + integer(static_cast<double>(data.annex1_total.by_route[r])) +
                  " 户（" + percent(static_cast<double>(data.annex1_total.by_route[r]), hh) + "）";
    doc.paragraph(routes + "。");
    doc.paragraph("城市（县城）新增集中供热面积：" + decimal(data.annex2_total.area_m2 / 10000) + " 万平方米；目标 " +
                  decimal(targets.area_m2 / 10000) + " 万平方米，" +
                  compare(data.annex2_total.area_m2 / 10000, targets.area_m2 / 10000, "万平方米", 2) + "。");
    if (tracked) {
        const auto& t = pr.total;
        doc.paragraph("工程进度（截至" + chinese_date(as_of) + "，当前节点：" +
                      (pr.due_label.empty() ? std::string("尚无到期节点") : pr.due_label) + "）：已开工 " +
                      integer(static_cast<double>(t.started)) + " 户（" + percent(t.started, t.households) +
                      "），已完工 " + integer(static_cast<double>(t.completed)) + " 户（" +
                      percent(t.completed, t.households) + "），已验收 " + integer(static_cast<double>(t.accepted)) +
                      " 户（" + percent(t.accepted, t.households) + "）；滞后村庄 " +
                      integer(static_cast<double>(t.villages_late)) + " 个。");
    } else {
        doc.paragraph("工程进度：尚未导入各县（市、区）进度报告（cleanheat progress）。");
    }
    if (contiguity && groups.count("")) {
        const Groups& g = groups[""];
        doc.paragraph("成方连片：规划村庄 " + integer(static_cast<double>(g.planned)) + " 个，连片区域 " +
                      integer(static_cast<double>(g.clusters)) + " 片，孤立村庄 " +
                      integer(static_cast<double>(g.isolated)) + " 个，连片规模以上区域内户数占 " +
                      format_cell(g.block_share, XlsxKind::percent) + "。");
    }
    doc.paragraph("数据问题：计划表与进度报告共发现问题 " + integer(static_cast<double>(issues.size())) +
                  " 条，详见附录。");
    if (tracked && !pr.trend.empty())
        doc.box(340, [&](cairo_t* cr, double x, double y, double w, double h) {
            cairo_translate(cr, x, y);  // drawn at the column's width: its text stays 9 pt
            draw_progress_chart(cr, w, h, pr);
        });

    // 二、建设计划
    progress.update(0.3, "Plan tables");
    doc.heading("二、建设计划");
    {
        PdfTable t;
        t.title = targets.label("annex1") + "  " + targets.title("annex1");
        t.unit = "单位：户、个";
        t.columns = {{"序号", "", 0.5, true}, {"县（市、区）", "", 1.6}, {"合计", "改造户数", 1, true}};
        for (const auto& r : data.routes) t.columns.push_back({r, "改造户数", 1, true});
        t.columns.push_back({"涉及村庄数", "", 1, true});
        int n = 0;
        auto add = [&](const Annex1Row& row, const std::string& seq) {
            std::vector<std::string> cells = {seq, row.name, integer(static_cast<double>(row.households))};
            for (long long v : row.by_route) cells.push_back(integer(static_cast<double>(v)));
            cells.push_back(integer(static_cast<double>(row.villages)));
            t.rows.push_back(cells);
        };
        for (const auto& row : data.annex1)
            if (static_cast<std::size_t>(n) < style.table_limit) add(row, std::to_string(++n));
        if (data.annex1.size() > style.table_limit)
            t.notes.push_back("另有 " + std::to_string(data.annex1.size() - style.table_limit) +
                              " 个单位（合计已含），见附件工作簿“" + targets.label("annex1") + "”表。");
        Annex1Row total = data.annex1_total;
        total.name = "合计";
        add(total, "");
        t.last_row_total = true;
        doc.table(t);
    }
    {
        PdfTable t;
        t.title = targets.label("annex2") + "  " + targets.title("annex2");
        t.unit = "单位：万平方米";
        t.columns = {{"序号", "", 0.5, true},
                     {"县（市、区）", "", 1.6},
                     {"新增集中供热面积（万平方米）", "", 1.4, true},
                     {"热源", "", 2},
                     {"备注", "", 2}};
        int n = 0;
        for (const auto& row : data.annex2)
            if (static_cast<std::size_t>(n) < style.table_limit)
                t.rows.push_back(
                    {std::to_string(++n), row.name, decimal(row.area_m2 / 10000), row.heat_sources, row.remarks});
        if (data.annex2.size() > style.table_limit)
            t.notes.push_back("另有 " + std::to_string(data.annex2.size() - style.table_limit) +
                              " 个单位（合计已含），见附件工作簿“" + targets.label("annex2") + "”表。");
        t.rows.push_back({"", "合计", decimal(data.annex2_total.area_m2 / 10000), "", ""});
        t.last_row_total = true;
        doc.table(t);
    }
    {
        PdfTable t;
        t.title = targets.title("targets");
        t.columns = {{"指标", "", 2.4},     {"单位", "", 0.8},           {"目标", "", 1, true},
                     {"计划", "", 1, true}, {"完成比例", "", 0.9, true}, {"情况", "", 1.8}};
        t.rows.push_back({"全市农村清洁取暖改造户数", "户", integer(targets.households), integer(hh),
                          percent(hh, targets.households), compare(hh, targets.households, "户", 0)});
        t.rows.push_back({"全市城市（县城）新增集中供热面积", "万平方米", decimal(targets.area_m2 / 10000),
                          decimal(data.annex2_total.area_m2 / 10000),
                          percent(data.annex2_total.area_m2, targets.area_m2),
                          compare(data.annex2_total.area_m2 / 10000, targets.area_m2 / 10000, "万平方米", 2)});
        doc.table(t);
    }

    // 三、工程进度
    if (tracked) {
        progress.update(0.4, "Progress");
        doc.heading("三、工程进度");
        PdfTable t;
        t.title = std::to_string(targets.year) + "年农村清洁取暖工程进度表";
        t.unit = "截至" + chinese_date(as_of) + "；单位：个、户";
        t.columns = {{"县（市、区）", "", 1.5},     {"村数", "计划改造", 0.8, true}, {"户数", "计划改造", 1, true},
                     {"户数", "已开工", 1, true},   {"比例", "已开工", 0.9, true},   {"户数", "已完工", 1, true},
                     {"比例", "已完工", 0.9, true}, {"户数", "已验收", 1, true},     {"比例", "已验收", 0.9, true},
                     {"滞后村数", "", 0.8, true}};
        auto row = [&](const std::string& name, const StageCounts& c) {
            return std::vector<std::string>{name,
                                            integer(static_cast<double>(c.villages)),
                                            integer(static_cast<double>(c.households)),
                                            integer(static_cast<double>(c.started)),
                                            percent(c.started, c.households),
                                            integer(static_cast<double>(c.completed)),
                                            percent(c.completed, c.households),
                                            integer(static_cast<double>(c.accepted)),
                                            percent(c.accepted, c.households),
                                            integer(static_cast<double>(c.villages_late))};
        };
        for (std::size_t k = 0; k < pr.counties.size() && k < style.table_limit; ++k)
            t.rows.push_back(row(pr.counties[k].name, pr.counties[k].counts));
        if (pr.counties.size() > style.table_limit)
            t.notes.push_back("另有 " + std::to_string(pr.counties.size() - style.table_limit) +
                              " 个县（市、区）（合计已含），见进度工作簿“分县进度”表。");
        t.rows.push_back(row("合计", pr.total));
        t.last_row_total = true;
        doc.table(t);
    }

    // 四、全市图件
    progress.update(0.5, "City maps");
    const char* numbers[] = {"三", "四", "五", "六", "七"};
    int next_number = tracked ? 1 : 0;  // 三、工程进度 takes the first when there is progress
    {  // 验收与补贴, when the dataset holds household lists
        const SqliteDb db(options.merged, SqliteDb::Mode::read);
        if (has_household_section(db)) add_household_section(doc, db, std::string(numbers[next_number++]) + "、验收与补贴");
    }
    if (!style.maps.empty()) doc.heading(std::string(numbers[next_number++]) + "、全市图件");
    std::vector<std::unique_ptr<PreparedMap>> maps;
    for (const auto& name : style.maps) {
        const fs::path path = style_file.parent_path() / name;
        try {
            maps.push_back(prepare_map(options.merged.string(), path, "A4", true, 8));
            map_page(doc, *maps.back(), Box{}, as_of, {}, maps.back()->style.title);
        } catch (const UsageError& e) {  // a map whose data is not there yet (contiguity not run ...)
            result.notes.push_back(name + " left out: " + e.what());
        }
    }

    // 五、分县情况: each county on the first city map's style (the routes)
    std::unique_ptr<PreparedMap> county_map;
    std::string county_map_title;  // the city map's title without the city: 2022年农村清洁取暖技术路线图
    if (!style.maps.empty() && data.annex1.size() <= style.county_limit) {
        try {
            county_map =
                prepare_map(options.merged.string(), style_file.parent_path() / style.maps.front(), "A4", true, 8,
                            "county_code");
            county_map_title = county_map->style.title;
            const auto year_at = county_map_title.find(std::to_string(targets.year));
            if (year_at != std::string::npos) county_map_title = county_map_title.substr(year_at);
        } catch (const UsageError& e) {
            result.notes.push_back("county maps left out: " + std::string(e.what()));
        }
    }
    progress.update(0.7, "Counties");
    doc.heading(std::string(numbers[next_number++]) + "、分县（市、区）情况");
    const bool sections = data.annex1.size() <= style.county_limit;
    if (!sections) {  // a national data set: one line per unit, not thousands of sections
        std::map<std::string, const UnitProgress*> progress_of;
        for (const auto& u : pr.counties) progress_of[u.code] = &u;
        PdfTable t;
        t.title = "各县（市、区）情况一览";
        t.unit = "单位：户、个";
        t.columns = {{"县（市、区）", "", 1.6},     {"计划户数", "", 1, true},   {"村庄数", "", 0.8, true},
                     {"已完工比例", "", 0.9, true}, {"滞后村数", "", 0.8, true}, {"连片区域", "", 0.8, true},
                     {"孤立村庄", "", 0.8, true}};
        for (std::size_t k = 0; k < data.annex1.size() && k < style.table_limit; ++k) {
            const auto& row = data.annex1[k];
            const auto p = progress_of.find(row.code);
            const auto g = groups.find(row.code);
            const bool has_p = p != progress_of.end(), has_g = g != groups.end();
            t.rows.push_back({row.name, integer(static_cast<double>(row.households)),
                              integer(static_cast<double>(row.villages)),
                              has_p ? percent(p->second->counts.completed, p->second->counts.households) : "-",
                              has_p ? integer(static_cast<double>(p->second->counts.villages_late)) : "-",
                              has_g ? integer(static_cast<double>(g->second.clusters)) : "-",
                              has_g ? integer(static_cast<double>(g->second.isolated)) : "-"});
        }
        if (data.annex1.size() > style.table_limit)
            t.notes.push_back("另有 " + std::to_string(data.annex1.size() - style.table_limit) +
                              " 个县（市、区），见附件工作簿和进度工作簿。");
        doc.paragraph("共 " + std::to_string(data.annex1.size()) + " 个县级单位，多于 " +
                      std::to_string(style.county_limit) + " 个，不逐县成节，列表如下。");
        doc.table(t);
    }
    for (const auto& row : data.annex1) {
        if (!sections) break;
        if (doc.remaining() < 0.5 * doc.text_height()) doc.new_page();  // a county starts high on a page
        doc.heading(row.name, 2);
        std::string text = "计划改造 " + integer(static_cast<double>(row.households)) + " 户，涉及 " +
                           integer(static_cast<double>(row.villages)) + " 个村庄；";
        for (std::size_t r = 0; r < data.routes.size(); ++r)
            if (row.by_route[r] > 0)
                text += data.routes[r] + " " + integer(static_cast<double>(row.by_route[r])) + " 户，";
        text.resize(text.size() - std::string("，").size());
        doc.paragraph(text + "。");
        if (county_map) {  // the county on the route map, the page's width
            const Box extent = unit_extent(options.merged.string(), "county_code", row.code);
            if (extent.valid()) {
                county_map->style.title = row.name + county_map_title;
                const double map_w = 297 * 72 / 25.4, map_h = 210 * 72 / 25.4, scale = doc.text_width() / map_w;
                doc.box(map_h * scale + 6, [&](cairo_t* cr, double x, double y, double, double) {
                    cairo_translate(cr, x, y);
                    cairo_scale(cr, scale, scale);
                    draw_map_page(cr, *county_map, extent, as_of, {}, row.code);
                });
            }
        }
        for (const auto& u : pr.counties)
            if (u.code == row.code && tracked)
                doc.paragraph("进度：已开工 " + integer(static_cast<double>(u.counts.started)) + " 户，已完工 " +
                              integer(static_cast<double>(u.counts.completed)) + " 户，已验收 " +
                              integer(static_cast<double>(u.counts.accepted)) + " 户；滞后村庄 " +
                              integer(static_cast<double>(u.counts.villages_late)) + " 个。");
        if (contiguity && groups.count(row.code)) {
            const Groups& g = groups[row.code];
            std::string names;
            const auto& list = isolated[row.code];
            for (std::size_t k = 0; k < list.size() && k < 20; ++k) names += (k ? "、" : "") + list[k];
            if (list.size() > 20) names += "等";
            doc.paragraph("成方连片：连片区域 " + integer(static_cast<double>(g.clusters)) + " 片，孤立村庄 " +
                          integer(static_cast<double>(g.isolated)) + " 个" +
                          (names.empty() ? "" : "（" + names + "）") + "。");
        }
        if (tracked) {
            PdfTable t;
            t.title = row.name + "滞后村庄";
            t.columns = {{"乡镇（街道）", "", 1.4}, {"村代码", "", 1.4},       {"村名", "", 1.6},
                         {"计划", "", 0.7, true},   {"已开工", "", 0.7, true}, {"已完工", "", 0.7, true},
                         {"已验收", "", 0.7, true}, {"应达到", "", 0.8}};
            std::size_t n = 0, all = 0;
            for (const auto& v : pr.late) {
                const Village& village = pr.village(v);
                if (village.county_code != row.code) continue;
                ++all;
                if (n >= style.list_limit) continue;
                ++n;
                t.rows.push_back({village.township_name, village.code, village.name,
                                  integer(static_cast<double>(v.planned)), integer(static_cast<double>(v.started)),
                                  integer(static_cast<double>(v.completed)), integer(static_cast<double>(v.accepted)),
                                  stage_name(v.due)});
            }
            if (all > n)
                t.notes.push_back("另有 " + std::to_string(all - n) + " 个滞后村庄，见进度工作簿“滞后村庄”表。");
            if (all > 0) doc.table(t);
        }
    }

    // 附录：数据问题
    progress.update(0.85, "Issues");
    doc.heading("附录  数据问题");
    {
        std::map<std::string, std::vector<const std::vector<std::string>*>> by_file;
        for (const auto& i : issues) by_file[i[0]].push_back(&i);
        if (by_file.empty()) doc.paragraph("未发现数据问题。");
        for (const auto& [file, list] : by_file) {
            PdfTable t;
            t.title = fs::path(file).filename().string() + "（" + std::to_string(list.size()) + " 条）";
            t.columns = {
                {"工作表", "", 0.9}, {"行", "", 0.85, true}, {"列", "", 0.4}, {"代码", "", 2.5}, {"说明", "", 4.3}};
            // a finding that repeats (a county without codes: every row matched by name) is one line
            std::map<std::string, std::vector<const std::vector<std::string>*>> by_code;
            for (const auto* i : list) by_code[(*i)[4]].push_back(i);
            std::size_t listed = 0, left = 0;
            for (const auto* i : list) {
                const auto& same = by_code[(*i)[4]];
                if (same.size() > 3) {
                    if (same.front() != i) continue;
                    const std::string first = (*same.front())[2], last = (*same.back())[2];
                    t.rows.push_back(
                        {(*i)[1], "共" + std::to_string(same.size()) + "行", "", (*i)[4],
                         std::string(issue_code((*i)[4]).message) + "（第 " + first + "–" + last + " 行）"});
                    continue;
                }
                if (listed >= style.list_limit) {
                    ++left;
                    continue;
                }
                ++listed;
                t.rows.push_back({(*i)[1], (*i)[2] == "0" ? "" : (*i)[2], (*i)[3], (*i)[4], (*i)[5]});
            }
            if (left > 0)
                t.notes.push_back("另有 " + std::to_string(left) +
                                  " 条，见计划工作簿“数据问题”表或 GeoPackage 的 issues、progress_issues 表。");
            doc.table(t);
        }
    }

    progress.update(0.95, "Writing the PDF");
    for (const auto& e : doc.contents())
        if (e.level == 1) result.sections.push_back(e.text);
    doc.write(out.partial(), options.output, style.title, style.header, [&](cairo_t* cr, int) {
        double y = 72;
        doc.draw_text(cr, "目  录", 56, y, doc.page_width() - 112, 18, true, 1);
        y += 46;
        for (const auto& e : doc.contents()) {
            const double indent = e.level == 1 ? 0 : 18;
            const double size = e.level == 1 ? 11 : 10;
            doc.draw_text(cr, e.text, 70 + indent, y, doc.page_width() - 200, size, e.level == 1, 0);
            doc.draw_text(cr, std::to_string(e.page), 70, y, doc.page_width() - 140, size, false, 2);
            y += e.level == 1 ? 20 : 16;
            if (y > doc.page_height() - 80) break;  // one page of contents
        }
    });
    out.commit();
    result.pages = doc.pages();
    progress.update(1.0, "done");
    return result;
}

}  // namespace cleanheat

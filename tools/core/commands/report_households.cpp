#include "commands/report_households.hpp"

#include <map>

#include "commands/households.hpp"
#include "dataset/households.hpp"
#include "report/xlsx_report.hpp"

namespace cleanheat {
namespace {

struct UnitRow {
    std::string name;
    long long listed = 0, accepted = 0, failed = 0, declined = 0;
    double due = 0, paid = 0, withheld = 0;
};

std::string count_text(double v) { return format_cell(v, XlsxKind::integer); }
std::string money(double v) { return format_cell(v, XlsxKind::decimal); }
std::string share(double part, double whole) { return whole > 0 ? format_cell(part / whole, XlsxKind::percent) : "-"; }

}  // namespace

bool has_household_section(const SqliteDb& db) { return dataset::has_households(db) || db.has_table("subsidies"); }

void add_household_section(PdfDocument& doc, const SqliteDb& db, const std::string& heading) {
    std::map<std::string, UnitRow> units;  // by county code
    UnitRow city;
    city.name = "合计";
    const int plan_year = dataset_plan_year(db);
    const bool lists = dataset::has_households(db);
    if (lists) {
        auto rows = dataset::read_households(db, false);
        const HouseholdState state = household_state(household_rows(rows));
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const auto& h = rows[i];
            if (!state.counts(i) || h.list_year != plan_year) continue;
            UnitRow& u = units[h.county_code];
            u.name = h.county_name;
            for (UnitRow* r : {&u, &city}) {
                ++r->listed;
                if (!h.declined && (h.accept_result == "合格" || h.accept_result == "整改后合格")) ++r->accepted;
                if (h.accept_result == "不合格") ++r->failed;
                if (h.declined) ++r->declined;
            }
        }
    }
    std::string season;
    if (db.has_table("subsidies")) {
        db.each("SELECT max(season) FROM subsidies", [&](sqlite3_stmt* st) { season = sql_text(st, 0); });
        db.each("SELECT county_code, max(county_name), sum(due), sum(paid), sum(withheld) FROM subsidies WHERE season = ?1 "
                "GROUP BY county_code",
                [&](sqlite3_stmt* st) {
                    UnitRow& u = units[sql_text(st, 0)];
                    if (u.name.empty()) u.name = sql_text(st, 1);
                    u.due = sqlite3_column_double(st, 2);
                    u.paid = sqlite3_column_double(st, 3);
                    u.withheld = sqlite3_column_double(st, 4);
                    city.due += u.due;
                    city.paid += u.paid;
                    city.withheld += u.withheld;
                },
                {season});
    }
    doc.heading(heading);
    std::string text;
    if (lists)
        text += "各县（市、区）到户清单共列" + std::to_string(plan_year) + "年改造户 " + count_text(static_cast<double>(city.listed)) +
                " 户，已验收合格（含整改后合格） " + count_text(static_cast<double>(city.accepted)) + " 户（" +
                share(static_cast<double>(city.accepted), static_cast<double>(city.listed)) + "），验收不合格待整改 " +
                count_text(static_cast<double>(city.failed)) + " 户，放弃改造 " + count_text(static_cast<double>(city.declined)) + " 户。";
    else
        text += "到户清单含个人信息，本报告所用账号无权读取，验收情况从略。";
    if (!season.empty())
        text += season + "年度应发补贴 " + money(city.due) + " 元，本次拨付 " + money(city.paid) + " 元，暂缓或不予拨付 " +
                money(city.withheld) + " 元（应发 = 拨付 + 暂缓或不予拨付；逐户明细、暂缓原因和扣回测算见补贴工作簿）。";
    else
        text += "尚未核算补贴（cleanheat subsidy）。";
    doc.paragraph(text);
    PdfTable t;
    t.title = std::to_string(plan_year) + "年农村清洁取暖验收与补贴情况表";
    t.unit = "单位：户、元" + (season.empty() ? std::string() : "；补贴为" + season + "年度");
    t.columns = {{"县（市、区）", "", 1.4},      {"清单户数", "", 0.9, true}, {"已验收", "", 0.9, true},
                 {"验收比例", "", 0.8, true},    {"不合格", "", 0.7, true},   {"放弃改造", "", 0.7, true},
                 {"应发补贴", "补贴", 1.3, true}, {"本次拨付", "补贴", 1.3, true}, {"暂缓或不予拨付", "补贴", 1.3, true}};
    auto row = [&](const UnitRow& u) {
        return std::vector<std::string>{u.name,
                                        count_text(static_cast<double>(u.listed)),
                                        count_text(static_cast<double>(u.accepted)),
                                        share(static_cast<double>(u.accepted), static_cast<double>(u.listed)),
                                        count_text(static_cast<double>(u.failed)),
                                        count_text(static_cast<double>(u.declined)),
                                        money(u.due),
                                        money(u.paid),
                                        money(u.withheld)};
    };
    for (const auto& [code, u] : units) t.rows.push_back(row(u));
    t.rows.push_back(row(city));
    t.last_row_total = true;
    doc.table(t);
}

}  // namespace cleanheat

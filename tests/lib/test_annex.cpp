// cleanheat::annex() on the samples: the workbook read back through GDAL's XLSX driver,
// every figure checked against the merged GeoPackage.
#include <gdal_priv.h>
#include <gtest/gtest.h>

#include <set>
#include <ogrsf_frmts.h>

#include <fstream>
#include <map>

#include "commands/annex.hpp"
#include "base/error.hpp"
#include "io/gdal_context.hpp"
#include "commands/merge.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

using Rows = std::vector<std::vector<std::string>>;
using test::sheet_rows;

class AnnexSamples : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::fs::path(test::temp_dir());
        test::merge_samples(*dir_);
    }
    static test::fs::path merged() { return *dir_ / "merged.gpkg"; }
    static test::fs::path source_dir_styles(const std::string& name) { return test::source_dir() / "styles" / name; }
    // The name of the annex's last route column: the samples' one clean route outside the four
    // (地热, 太阳能 ...) by its own name, as the annex prints it.
    static std::string other_column() {
        std::set<std::string> names;
        for (const auto& row : test::read_layer(merged(), "plan_rows"))
            if (row.at("route") == "other") names.insert(row.at("route_detail").empty() ? "其他" : row.at("route_detail"));
        return names.size() == 1 ? *names.begin() : "其他";
    }
    static test::fs::path* dir_;
};
test::fs::path* AnnexSamples::dir_ = nullptr;

// county name -> field -> sum over the merged villages
std::map<std::string, std::map<std::string, long long>> village_sums(const test::fs::path& merged) {
    std::map<std::string, std::map<std::string, long long>> sums;
    for (const auto& v : test::read_layer(merged, "villages")) {
        auto& s = sums[v.at("county_name")];
        for (const char* f : {"households_total", "households_district_heating", "households_gas",
                              "households_electric", "households_biomass", "households_other", "planned"})
            s[f] += v.at(f).empty() ? 0 : std::stoll(v.at(f));
    }
    return sums;
}

TEST_F(AnnexSamples, Annex1MatchesTheMergedVillagesAndItsTotalRowSumsTheRows) {
    AnnexOptions o;
    o.merged = merged();
    o.output = test::temp_dir() / "annex.xlsx";
    const AnnexResult r = annex(o, Progress());
    const Rows rows = sheet_rows(o.output, "附件1");
    ASSERT_GT(rows.size(), 6u);
    EXPECT_EQ(rows[0][0], "附件1");
    EXPECT_EQ(rows[1][0], "2022年农村清洁取暖建设计划表");
    // header: 序号 县 [改造户数: 合计 集中供热 煤改气 煤改电 生物质 其他] 涉及村庄数
    const auto& header = rows[4];
    const std::vector<std::string> expected = {"合计", "集中供热", "煤改气", "煤改电", "生物质", other_column()};
    for (std::size_t k = 0; k < expected.size(); ++k) EXPECT_EQ(header[2 + k], expected[k]);
    const auto sums = village_sums(merged());
    const char* fields[] = {"households_total",    "households_district_heating", "households_gas",
                            "households_electric", "households_biomass",          "households_other"};
    std::vector<long long> column_sums(8, 0);
    int units = 0;
    bool total_seen = false;
    for (std::size_t i = 5; i < rows.size(); ++i) {
        const auto& row = rows[i];
        if (row[0] == "合计") {
            total_seen = true;
            for (int c = 2; c < 9; ++c)
                EXPECT_EQ(std::stoll(row[static_cast<std::size_t>(c)]), column_sums[static_cast<std::size_t>(c - 2)])
                    << "column " << c;
            EXPECT_EQ(row[2], "121000");
            continue;
        }
        if (row.size() < 9 || row[1].empty()) continue;
        ++units;
        EXPECT_EQ(row[0], std::to_string(units));  // 序号
        const auto& s = sums.at(row[1]);
        for (int k = 0; k < 6; ++k)
            EXPECT_EQ(std::stoll(row[static_cast<std::size_t>(2 + k)]), s.at(fields[k])) << row[1] << " " << fields[k];
        EXPECT_EQ(std::stoll(row[8]), s.at("planned"));
        for (int c = 2; c < 9; ++c)
            column_sums[static_cast<std::size_t>(c - 2)] += std::stoll(row[static_cast<std::size_t>(c)]);
    }
    EXPECT_EQ(units, 7);
    EXPECT_TRUE(total_seen);
    EXPECT_EQ(r.data.annex1_total.households, 121000);
}

TEST_F(AnnexSamples, Annex2AreasMatchTheHeatingRowsIn10kSquareMetres) {
    AnnexOptions o;
    o.merged = merged();
    o.output = test::temp_dir() / "annex.xlsx";
    o.total_first = true;
    annex(o, Progress());
    std::map<std::string, double> area;
    for (const auto& h : test::read_layer(merged(), "heating")) area[h.at("unit_name")] += std::stod(h.at("area_m2"));
    const Rows rows = sheet_rows(o.output, "附件2");
    ASSERT_GT(rows.size(), 5u);
    EXPECT_EQ(rows[4][0], "合计");  // --total-first
    EXPECT_NEAR(std::stod(rows[4][2]), 292.0, 1e-9);
    double sum = 0;
    int units = 0;
    for (std::size_t i = 5; i < rows.size(); ++i) {
        if (rows[i].size() < 3 || rows[i][1].empty()) continue;
        const double value = std::stod(rows[i][2]);
        sum += value;
        ++units;
        ASSERT_TRUE(area.count(rows[i][1])) << rows[i][1];
        EXPECT_NEAR(value, area[rows[i][1]] / 10000.0, 1e-9) << rows[i][1];
    }
    EXPECT_EQ(units, 8);  // seven counties and the development zone that reported
    EXPECT_NEAR(sum, 292.0, 1e-9);
}

TEST_F(AnnexSamples, VillageListsIssuesAndTargetsSheets) {
    AnnexOptions o;
    o.merged = merged();
    o.output = test::temp_dir() / "annex.xlsx";
    o.constant_memory = 1;
    const AnnexResult r = annex(o, Progress());
    EXPECT_EQ(r.village_rows, 846);
    long long listed = 0, households = 0;
    for (const auto& sheet : r.sheets) {
        if (sheet.rfind("分村清单-", 0) != 0) continue;
        for (const auto& row : sheet_rows(o.output, sheet)) {
            if (row.size() > 4 && row[2].size() == 12 && std::isdigit(static_cast<unsigned char>(row[2][0]))) {
                ++listed;
                households += std::stoll(row[4]);
            }
        }
    }
    EXPECT_EQ(listed, 846);
    EXPECT_EQ(households, 121000);
    const Rows issues = sheet_rows(o.output, "数据问题");
    int e_codes = 0;
    for (const auto& row : issues)
        for (const auto& cell : row)
            if (cell.rfind("E_", 0) == 0) ++e_codes;
    EXPECT_EQ(e_codes, 5);  // the five rejected rows
    const Rows targets = sheet_rows(o.output, "完成目标对比");
    bool households_row = false;
    for (const auto& row : targets)
        if (row.size() > 5 && row[1] == "全市农村清洁取暖改造户数") {
            households_row = true;
            EXPECT_EQ(row[3], "121000");
            EXPECT_EQ(row[4], "121000");
            EXPECT_EQ(row[5], "0");
        }
    EXPECT_TRUE(households_row);
}

TEST(Annex, TargetsFileWithUnknownKeyNamesIt) {
    const auto dir = test::temp_dir();
    std::ofstream(dir / "t.json") << R"({"year": 2022, "households": 1, "hosueholds": 2})";
    try {
        load_targets(dir / "t.json");
        FAIL() << "no error";
    } catch (const InputError& e) {
        EXPECT_NE(std::string(e.what()).find("hosueholds"), std::string::npos);
    }
    std::ofstream(dir / "u.json") << R"({"year": 2023, "households": 5, "units": {"371602": {"households": "many"}}})";
    EXPECT_THROW(load_targets(dir / "u.json"), InputError);
    std::ofstream(dir / "v.json") << R"({"year": 2023, "titles": {"annex1": "{year}年计划"}})";
    EXPECT_EQ(load_targets(dir / "v.json").title("annex1"), "2023年计划");
}

}  // namespace
}  // namespace cleanheat

namespace cleanheat {
namespace {

TEST_F(AnnexSamples, TheTotalRowSumsEveryRouteColumnTheLastOneToo) {
    // the figures the workbook's 合计 row and the PDF report print: every route column, 其他 last
    const AnnexData data = read_annex_data(merged(), source_dir_styles("units.json"));
    ASSERT_EQ(data.annex1_total.by_route.size(), data.routes.size());
    ASSERT_GE(data.routes.size(), 5u);  // the samples carry a clean route outside the four
    std::vector<long long> sums(data.routes.size(), 0);
    long long households = 0;
    for (const auto& row : data.annex1) {
        ASSERT_EQ(row.by_route.size(), data.routes.size()) << row.name;
        for (std::size_t r = 0; r < sums.size(); ++r) sums[r] += row.by_route[r];
        households += row.households;
    }
    for (std::size_t r = 0; r < sums.size(); ++r) {
        EXPECT_EQ(data.annex1_total.by_route[r], sums[r]) << data.routes[r];
        EXPECT_GT(data.annex1_total.by_route[r], 0) << data.routes[r];
    }
    EXPECT_EQ(data.annex1_total.households, households);
    long long by_routes = 0;
    for (long long h : data.annex1_total.by_route) by_routes += h;
    EXPECT_EQ(by_routes, 121000);
}

TEST_F(AnnexSamples, ChartPlotsEachRouteColumnOfAnnex1) {
    AnnexOptions o;
    o.merged = merged();
    o.output = test::temp_dir() / "annex.xlsx";
    annex(o, Progress());
    const std::string chart = test::shell_output("unzip -p " + o.output.string() + " xl/charts/chart1.xml");
    // series in route order, values from 附件1's columns D (集中供热) .. H (其他); C is 合计, I the villages
    const char* columns[] = {"$D$", "$E$", "$F$", "$G$", "$H$"};
    const std::string other = other_column();
    const char* names[] = {"集中供热", "煤改气", "煤改电", "生物质", other.c_str()};
    std::size_t at = 0;
    for (int k = 0; k < 5; ++k) {
        const std::size_t series = chart.find("<c:ser>", at);
        ASSERT_NE(series, std::string::npos) << k;
        const std::size_t name = chart.find(names[k], series);
        const std::size_t values = chart.find("<c:val>", series);
        ASSERT_NE(values, std::string::npos);
        const std::size_t next = chart.find("<c:ser>", series + 1);
        EXPECT_LT(name, next) << names[k];
        EXPECT_EQ(chart.substr(values, 200).find(columns[k]) != std::string::npos, true) << names[k];
        at = series + 1;
    }
    EXPECT_EQ(chart.find("$I$"), std::string::npos);
}

}  // namespace
}  // namespace cleanheat

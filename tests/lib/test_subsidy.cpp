// cleanheat::compute_subsidies() on a list written here: each household's lines against the policy
// file's amounts and the documented reasons, due = paid + withheld per unit and city, the clawback
// estimate, the season's rows replaced, the roll masked unless asked, and the policy's errors.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "base/error.hpp"
#include "commands/households.hpp"
#include "commands/subsidy.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

std::string id_of(const std::string& county, int n) {
    char first17[32];
    std::snprintf(first17, sizeof first17, "%s1968%02d%02d%03d", county.c_str(), 1 + n / 28 % 12, 1 + n % 28, 1 + n % 999);
    return test::resident_id(first17);
}

class SubsidySamples : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::fs::path(test::temp_dir());
        test::merge_samples(*dir_);
        for (const auto& v : test::read_layer(*dir_ / "merged.gpkg", "villages")) {
            const long long gas = std::stoll(v.at("households_gas")), total = std::stoll(v.at("households_total"));
            if (gas > 0 && gas == total && gas < 150 && code_.empty()) {
                code_ = v.at("village_code");
                name_ = v.at("village_name");
                county_ = v.at("county_code");
                gas_ = gas;
            }
        }
        policy_ = load_subsidy_policy(test::source_dir() / "styles/subsidy.json");
    }
    static test::fs::path* dir_;
    static std::string code_, name_, county_;
    static long long gas_;
    static SubsidyPolicy policy_;
};
test::fs::path* SubsidySamples::dir_ = nullptr;
std::string SubsidySamples::code_, SubsidySamples::name_, SubsidySamples::county_;
long long SubsidySamples::gas_ = 0;
SubsidyPolicy SubsidySamples::policy_;

// One household row of the list: 村代码, 户主, 身份证号, 改造方式, 完工, 验收日期, 验收结果, 承诺书, 困难类别, 放弃, 以前年度
struct Row {
    std::string id, result = "合格", pledge = "2022-06-01", hardship, declined, earlier, accept = "2022-09-01";
};

void write_list(const test::fs::path& path, const std::string& code, const std::vector<Row>& rows) {
    test::XlsxSheet sheet{"清单", {}, {}};
    const std::vector<std::string> header = {"村代码", "户主姓名", "身份证号码", "改造方式", "完工日期", "验收日期",
                                             "验收结果", "承诺书签订日期", "困难类别", "是否放弃改造", "以前年度改造年份"};
    for (std::size_t c = 0; c < header.size(); ++c) sheet.cells.push_back(test::text_cell(0, static_cast<int>(c), header[c]));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const Row& h = rows[r];
        const std::vector<std::string> cells = {code, "张三明", h.id, "煤改气", h.declined.empty() ? "2022-08-01" : "",
                                                h.accept, h.result, h.pledge, h.hardship, h.declined, h.earlier};
        for (std::size_t c = 0; c < cells.size(); ++c)
            if (!cells[c].empty()) sheet.cells.push_back(test::text_cell(static_cast<int>(r) + 1, static_cast<int>(c), cells[c]));
    }
    test::write_xlsx(path, {sheet});
}

}  // namespace

TEST_F(SubsidySamples, EachHouseholdIsPaidOrWithheldForItsReasonAndTheTotalsReconcile) {
    ASSERT_FALSE(code_.empty());
    ASSERT_GE(gas_, 14);
    const auto dir = test::temp_dir();
    const auto merged = dir / "merged.gpkg";
    test::fs::copy_file(*dir_ / "merged.gpkg", merged);
    std::vector<Row> rows;
    for (long long i = 0; i < gas_; ++i) {
        Row row;
        row.id = id_of(county_, static_cast<int>(i));
        rows.push_back(row);
    }
    rows[1].result = "不合格";
    rows[2].result = rows[2].accept = "";
    rows[3].pledge = "";
    rows[4].hardship = "低保";
    rows[8].hardship = "非低保";  // not a category: no hardship subsidy
    rows[9].hardship = "低保户";  // 低保, as lists write it
    rows[10].hardship = "脱贫户";  // neither a category of the policy nor a no: withheld until the list says
    rows[11].hardship = "否";
    rows[12].hardship = "低保（已退出）";  // no longer a category: withheld until said
    rows[13].hardship = "一般农户";        // a no
    rows[1].hardship = "脱贫户";           // failed acceptance: that reason stays first
    rows[5].declined = "是";
    rows[5].result = rows[5].accept = rows[5].pledge = "";
    rows[6].earlier = "2019";
    rows[7].id = rows[7].id.substr(0, 17) + (rows[7].id[17] == '1' ? "2" : "1");  // a wrong check digit
    write_list(dir / "list.xlsx", code_, rows);
    HouseholdsOptions h;
    h.merged = merged.string();
    h.lists = {(dir / "list.xlsx").string()};
    Progress quiet;
    import_households(h, quiet);

    SubsidyOptions o;
    o.merged = merged.string();
    o.policy_file = test::source_dir() / "styles/subsidy.json";
    o.season = "2022-2023";
    o.output = dir / "subsidy.xlsx";
    const SubsidyResult r = compute_subsidies(o, quiet);
    ASSERT_EQ(r.units.size(), 7u);  // every unit with a target, listed or not
    // the lines of each row, as the table keeps them (by the households' row order)
    std::map<long long, std::vector<test::Record>> by_household;
    for (const auto& line : test::read_layer(merged, "subsidies")) by_household[std::stoll(line.at("household_fid"))].push_back(line);
    ASSERT_EQ(by_household.size(), rows.size());
    EXPECT_EQ(r.households, static_cast<long long>(by_household.size())) << "households with a line, each once";
    long long written = 0;
    for (const auto& [fid, l] : by_household) written += static_cast<long long>(l.size());
    EXPECT_EQ(r.lines, written);
    std::vector<std::vector<test::Record>> lines;
    for (auto& [fid, l] : by_household) lines.push_back(l);
    const double construction = policy_.construction[static_cast<std::size_t>(Route::gas)];
    const double operating = policy_.operating[static_cast<std::size_t>(Route::gas)][0];
    auto line = [&](std::size_t row, const std::string& kind) -> test::Record {
        for (const auto& l : lines[row])
            if (l.at("kind") == kind) return l;
        return {};
    };
    EXPECT_EQ(lines[0].size(), 2u);
    EXPECT_EQ(std::stod(line(0, "construction").at("paid")), construction);
    EXPECT_EQ(std::stod(line(0, "operating").at("paid")), operating);
    EXPECT_EQ(line(1, "construction").at("reason_code"), "failed");
    EXPECT_EQ(line(1, "construction").at("status"), "暂缓");
    EXPECT_EQ(std::stod(line(1, "construction").at("payable_when_cleared")), construction);
    EXPECT_EQ(line(2, "operating").at("reason_code"), "not_accepted");
    EXPECT_EQ(line(3, "construction").at("reason_code"), "no_pledge");
    ASSERT_EQ(lines[4].size(), 3u);
    EXPECT_EQ(lines[8].size(), 2u) << "非低保 is no 低保";
    EXPECT_EQ(std::stod(line(4, "hardship").at("paid")), policy_.hardship_per_year);
    EXPECT_EQ(std::stod(line(9, "hardship").at("paid")), policy_.hardship_per_year);
    EXPECT_EQ(line(10, "hardship").at("reason_code"), "hardship_unknown");
    EXPECT_EQ(line(10, "hardship").at("status"), "暂缓");
    EXPECT_NE(line(10, "hardship").at("reason").find("脱贫户"), std::string::npos);
    EXPECT_EQ(std::stod(line(10, "hardship").at("payable_when_cleared")), policy_.hardship_per_year);
    EXPECT_EQ(line(10, "construction").at("reason_code"), "") << "the other subsidies of the row are paid";
    EXPECT_EQ(lines[11].size(), 2u) << "否 is no category";
    EXPECT_EQ(line(12, "hardship").at("reason_code"), "hardship_unknown");
    EXPECT_EQ(lines[13].size(), 2u) << "一般农户 is no category";
    EXPECT_EQ(line(1, "hardship").at("reason_code"), "failed");
    EXPECT_EQ(line(5, "construction").at("reason_code"), "declined");
    EXPECT_EQ(line(5, "construction").at("status"), "不予拨付");
    EXPECT_EQ(std::stod(line(5, "construction").at("payable_when_cleared")), 0.0);
    EXPECT_EQ(line(6, "construction").at("reason_code"), "repeat");
    EXPECT_EQ(line(6, "operating").at("reason_code"), "repeat") << "a household retrofitted before is no new one of the plan";
    EXPECT_EQ(line(7, "construction").at("reason_code"), "invalid_id");
    // due = paid + withheld, per unit and city; the city the sum of its units
    SubsidyAmounts sum;
    for (const auto& u : r.units) {
        EXPECT_NEAR(u.amounts.total_due(), u.amounts.total_paid() + u.amounts.total_withheld(), 0.005) << u.code;
        sum.add(u.amounts);
    }
    EXPECT_NEAR(r.city.total_due(), sum.total_due(), 0.005);
    EXPECT_NEAR(r.city.total_due(), r.city.total_paid() + r.city.total_withheld(), 0.005);
    // rows 1, 2, 3, 5, 6, 7 withheld whole; row 4 with its hardship subsidy
    const double expected_paid = (gas_ - 6) * (construction + operating) + 2 * policy_.hardship_per_year;
    EXPECT_NEAR(r.city.total_paid(), expected_paid, 0.005);
    // the clawback of the village's unit: its unfinished share of its city subsidy
    for (const auto& u : r.units) {
        if (u.code != county_) continue;
        EXPECT_EQ(u.accepted, gas_ - 4);  // all but the failed, the not accepted, the declined and the repeat
        EXPECT_NEAR(u.clawback,
                    std::round(100.0 * (u.target - u.accepted) / static_cast<double>(u.target) *
                               policy_.city_subsidy_per_household * u.target) / 100.0,
                    0.01);
    }
    // again: the season's lines replaced, not added
    o.overwrite = true;
    compute_subsidies(o, quiet);
    EXPECT_EQ(test::read_layer(merged, "subsidies").size(), static_cast<std::size_t>(r.lines));
    // the next season: no construction subsidy, the second year's operating one
    o.season = "2023-2024";
    o.output = dir / "next.xlsx";
    const SubsidyResult next = compute_subsidies(o, quiet);
    EXPECT_EQ(next.city.due[static_cast<std::size_t>(SubsidyKind::construction)], 0.0);
    EXPECT_NEAR(next.city.due[static_cast<std::size_t>(SubsidyKind::operating)],
                gas_ * policy_.operating[static_cast<std::size_t>(Route::gas)][1], 0.005);  // due of all (declined: refused)
    o.season = "2022-2023";
    o.output = dir / "subsidy.xlsx";
    // the roll: masked, unless asked for the finance desk
    const std::string unit_name = r.units.front().name;
    auto roll_has_full_id = [&](const test::fs::path& xlsx) {
        for (const auto& u : r.units)
            for (const auto& row : test::sheet_rows(xlsx, "花名册-" + u.name))
                for (const auto& cell : row)
                    if (cell == rows[0].id) return true;
        return false;
    };
    EXPECT_FALSE(roll_has_full_id(o.output));
    o.unmasked = true;
    o.output = dir / "roll.xlsx";
    compute_subsidies(o, quiet);
    EXPECT_TRUE(roll_has_full_id(o.output));
}

TEST(SubsidyPolicy, AMissingOrNegativeAmountNamesItsKey) {
    const auto dir = test::temp_dir();
    std::string text = test::read_file(test::source_dir() / "styles/subsidy.json");
    auto with = [&](const std::string& from, const std::string& to) {
        std::string t = text;
        const auto at = t.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        t.replace(at, from.size(), to);
        const auto path = dir / "policy.json";
        std::ofstream(path) << t;
        return path;
    };
    auto error_of = [](const test::fs::path& p) -> std::string {
        try {
            load_subsidy_policy(p);
        } catch (const InputError& e) {
            return e.what();
        }
        return {};
    };
    EXPECT_NE(error_of(with("\"gas\": 3500", "\"gas\": -1")).find("construction.gas"), std::string::npos);
    const std::string misspelt = error_of(with("\"cap\": 1200", "\"cup\": 1200"));
    EXPECT_NE(misspelt.find("use.cup"), std::string::npos) << misspelt;
    EXPECT_NE(misspelt.find("cap"), std::string::npos) << "the keys it may hold named: " << misspelt;
    EXPECT_NE(error_of(with("\"gas\": [800, 600, 400]", "\"gas\": [800, 600]")).find("operating.per_year.gas"),
              std::string::npos);
    EXPECT_NE(error_of(with("\"unfinished_share\"", "\"half\"")).find("clawback.rule"), std::string::npos);
    EXPECT_NE(error_of(with("\"biomass\": 1500", "\"biomass\": 1500, \"coal\": 100")).find("construction.coal"),
              std::string::npos);
    EXPECT_NE(error_of(with("[\"2022-2023\"]", "[\"2022-23\"]")).find("use.seasons"), std::string::npos);
    EXPECT_NE(error_of(with("\"plan_year\": 2022", "\"plan_year\": 2022.5")).find("plan_year"), std::string::npos);
    // what would pay nothing, or everything, without a word
    EXPECT_NE(error_of(with("[\"低保\", \"特困\"", "[1, \"特困\"")).find("hardship.categories"), std::string::npos);
    EXPECT_NE(error_of(with("[\"低保\", \"特困\"", "[\" \", \"特困\"")).find("hardship.categories"), std::string::npos);
    EXPECT_NE(error_of(with("\"units\": {}", "\"units\": []")).find("clawback.units"), std::string::npos);
    EXPECT_NE(error_of(with("\"units\": {}", "\"unit\": {}")).find("clawback.unit"), std::string::npos);
    EXPECT_NE(error_of(with("\"amount_per_year\"", "\"amount_per_yr\"")).find("hardship.amount_per_yr"), std::string::npos);
    EXPECT_NE(error_of(with("\"plan_year\": 2022,", "\"plan_year\": 2022, \"plan_yaer\": 2023,")).find("plan_yaer"),
              std::string::npos);
    EXPECT_NE(error_of(with("[2017, 2018, 2019]", "[1017, 2018, 2019]")).find("use.retrofit_years"), std::string::npos);
    EXPECT_NE(error_of(with("[2017, 2018, 2019]", "[2017, 2018, 2022]")).find("use.retrofit_years"), std::string::npos);
    EXPECT_NE(error_of(with("\"electric\": 4000", "\"electric\": 1e308")).find("construction.electric"), std::string::npos);
    EXPECT_NE(error_of(with("\"gas\": [800, 600, 400]", "\"gas\": [800, 600, 1e300]")).find("operating.per_year.gas"),
              std::string::npos);
    EXPECT_EQ(error_of(with("\"cap\": 1200", "\"cap\": 1200")), "");
}

}  // namespace cleanheat

// cleanheat::import_households() on the merged samples with lists written here as real .xlsx
// files: every finding at its row, the checks across lists and years, revisions, re-imports,
// and the state of the households computed from the append-only tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "base/error.hpp"
#include "commands/households.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

// An ID number of a county, the n-th of a birth date.
std::string id_number(const std::string& county, int n) {
    char first17[32];
    std::snprintf(first17, sizeof first17, "%s1970%02d%02d%03d", county.c_str(), 1 + n / 28 % 12, 1 + n % 28, 1 + n % 999);
    return test::resident_id(first17);
}

struct Household {
    std::string village_code, village_name, holder, id, route = "煤改气";
    std::string complete = "2022-08-01", accept = "2022-09-01", result = "合格", pledge = "2022-06-01";
    std::string declined, earlier_year, year, reason;
};

Household make(std::string code, std::string name, std::string holder, std::string id, std::string route = "煤改气") {
    Household h;
    h.village_code = std::move(code);
    h.village_name = std::move(name);
    h.holder = std::move(holder);
    h.id = std::move(id);
    h.route = std::move(route);
    return h;
}

// A list as counties write it: title, unit line, header, one row per household (data from row 4).
void write_list(const test::fs::path& path, const std::vector<Household>& rows, bool prior = false) {
    test::XlsxSheet sheet{"清单", {}, {}};
    sheet.cells.push_back(test::text_cell(0, 0, prior ? "往年农村清洁取暖改造户名单" : "2022年农村清洁取暖改造到户清单"));
    sheet.cells.push_back(test::text_cell(1, 0, "填报单位：清洁取暖办"));
    std::vector<std::string> header = {"序号", "村（居）", "村代码", "户主姓名", "身份证号码", "改造方式", "完工日期",
                                       "验收日期", "验收结果", "承诺书签订日期", "是否放弃改造", "以前年度改造年份", "放弃原因"};
    if (prior) header.insert(header.end() - 1, "改造年度");
    for (std::size_t c = 0; c < header.size(); ++c) sheet.cells.push_back(test::text_cell(2, static_cast<int>(c), header[c]));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const auto& h = rows[r];
        const int row = static_cast<int>(r) + 3;
        std::vector<std::string> cells = {std::to_string(r + 1), h.village_name, h.village_code, h.holder, h.id,
                                          h.route, h.complete, h.accept, h.result, h.pledge, h.declined,
                                          h.earlier_year};
        if (prior) cells.push_back(h.year);
        cells.push_back(h.reason);
        for (std::size_t c = 0; c < header.size(); ++c)
            if (!cells[c].empty()) sheet.cells.push_back(test::text_cell(row, static_cast<int>(c), cells[c]));
    }
    test::write_xlsx(path, {sheet});
}

struct PlannedVillage {
    std::string code, name, county;
    long long gas = 0, electric = 0, total = 0;
};

class HouseholdsSamples : public ::testing::Test {
protected:
    static void SetUpTestSuite() {
        dir_ = new test::fs::path(test::temp_dir());
        test::merge_samples(*dir_);
        for (const auto& v : test::read_layer(*dir_ / "merged.gpkg", "villages")) {
            const long long gas = std::stoll(v.at("households_gas")), total = std::stoll(v.at("households_total"));
            // villages planned for gas only, of a modest size
            if (gas > 0 && gas == total && gas < 150 && villages_.size() < 3)
                villages_.push_back({v.at("village_code"), v.at("village_name"), v.at("county_code"), gas,
                                     std::stoll(v.at("households_electric")), total});
        }
    }
    static test::fs::path fresh() {
        const auto path = test::temp_dir() / "merged.gpkg";
        test::fs::copy_file(*dir_ / "merged.gpkg", path);
        return path;
    }
    // Every planned household of a village, numbered from `first`.
    static std::vector<Household> village_list(const PlannedVillage& v, int first) {
        std::vector<Household> rows;
        for (long long i = 0; i < v.gas; ++i)
            rows.push_back(make(v.code, v.name, "户主" + std::to_string(first + i), id_number(v.county, first + static_cast<int>(i))));
        return rows;
    }
    static HouseholdsResult run(const test::fs::path& merged, const std::vector<std::string>& lists,
                                const std::vector<std::string>& prior = {}) {
        HouseholdsOptions o;
        o.merged = merged.string();
        o.lists = lists;
        o.prior = prior;
        Progress quiet;
        return import_households(o, quiet);
    }
    static std::vector<test::Record> issues(const test::fs::path& merged, const std::string& code) {
        std::vector<test::Record> out;
        for (auto& r : test::read_layer(merged, "household_issues"))
            if (r["code"] == code) out.push_back(r);
        return out;
    }
    static test::fs::path* dir_;
    static std::vector<PlannedVillage> villages_;
};
test::fs::path* HouseholdsSamples::dir_ = nullptr;
std::vector<PlannedVillage> HouseholdsSamples::villages_;

}  // namespace

TEST_F(HouseholdsSamples, FindsEveryCheckAtItsRow) {
    ASSERT_EQ(villages_.size(), 3u);
    SCOPED_TRACE("villages " + villages_[0].code + " " + std::to_string(villages_[0].gas) + ", " + villages_[1].code + " " +
                 std::to_string(villages_[1].gas));
    const auto merged = fresh();
    const auto dir = merged.parent_path();
    const PlannedVillage& a = villages_[0];
    const PlannedVillage& b = villages_[1];
    // village a: every planned household, one listed twice, one accepted before completion, one
    // declined, one of a route not planned; village b: two households fewer than planned
    std::vector<Household> rows = village_list(a, 0);
    rows[2].accept = "2022-07-20";
    rows[3].declined = "是";
    rows[3].reason = "外出务工，联系其子13912345678";
    rows[3].complete = rows[3].accept = rows[3].result = rows[3].pledge = "";
    rows[4].earlier_year = "2019";
    rows.push_back(rows[1]);  // twice
    Household unplanned = make(a.code, a.name, "外来户", id_number(a.county, 900), "煤改电");
    rows.push_back(unplanned);
    const int a_first = 4, a_twice = a_first + static_cast<int>(a.gas), a_unplanned = a_twice + 1;
    std::vector<Household> b_rows = village_list(b, 300);
    b_rows.resize(b_rows.size() - 2);
    b_rows[0].id = id_number(b.county, 777);  // also in the 2018 list below
    b_rows[1].id = id_number(b.county, 555);  // declined in 2019
    const int b_first = static_cast<int>(a_unplanned) + 1;
    rows.insert(rows.end(), b_rows.begin(), b_rows.end());
    write_list(dir / "list.xlsx", rows);
    // earlier years: one household of b's in 2018, another declined in 2019
    Household earlier = make(b.code, b.name, "户主0", id_number(b.county, 777));
    earlier.year = "2018";
    Household declined_before = make(b.code, b.name, "户主555", id_number(b.county, 555));
    declined_before.year = "2019";
    declined_before.declined = "是";
    declined_before.complete = declined_before.accept = declined_before.result = declined_before.pledge = "";
    write_list(dir / "prior.xlsx", {earlier, declined_before}, true);

    const HouseholdsResult r = run(merged, {(dir / "list.xlsx").string()}, {(dir / "prior.xlsx").string()});
    ASSERT_EQ(r.imports.size(), 2u);
    EXPECT_EQ(r.plan_year, 2022);
    EXPECT_EQ(r.rows_read, static_cast<long long>(rows.size()) + 2);
    EXPECT_EQ(r.rows_read, r.rows_loaded + r.rows_rejected);
    EXPECT_EQ(r.rows_rejected, 0);
    EXPECT_EQ(r.imports[1].import.list_year, 0) << "the prior list holds two years";
    // this year's households: every row but the repeated one
    EXPECT_EQ(r.households, static_cast<long long>(rows.size()) - 1);
    EXPECT_EQ(r.prior_households, 2);
    auto row_of = [&](const std::string& code) {
        std::vector<int> out;
        for (const auto& i : issues(merged, code)) out.push_back(std::stoi(i.at("row")));
        std::sort(out.begin(), out.end());
        return out;
    };
    EXPECT_EQ(row_of("E_ACCEPT_BEFORE_COMPLETE"), std::vector<int>{a_first + 2});
    EXPECT_EQ(row_of("W_HOUSEHOLD_DECLINED"), (std::vector<int>{5, a_first + 3}));  // and the 2019 refusal
    EXPECT_EQ(row_of("E_HOUSEHOLD_TWICE"), std::vector<int>{a_twice});
    EXPECT_EQ(row_of("E_ROUTE_NOT_PLANNED"), std::vector<int>{a_unplanned});
    EXPECT_EQ(row_of("E_HOUSEHOLD_REPEAT"), (std::vector<int>{a_first + 4, b_first}));
    EXPECT_EQ(row_of("E_HOUSEHOLD_DECLINED_BEFORE"), std::vector<int>{b_first + 1});
    EXPECT_EQ(row_of("W_VILLAGE_FEWER_HOUSEHOLDS"), std::vector<int>{b_first});
    EXPECT_TRUE(row_of("W_VILLAGE_MORE_HOUSEHOLDS").empty()) << "a's twice-listed household counts once";
    const auto fewer = issues(merged, "W_VILLAGE_FEWER_HOUSEHOLDS").at(0);
    EXPECT_NE(fewer.at("message").find("清单" + std::to_string(b.gas - 2) + "户，计划" + std::to_string(b.gas) + "户"),
              std::string::npos)
        << fewer.at("message");
    // the stored rows: every loaded row, the personal data kept for payment, the findings masked
    const auto stored = test::read_layer(merged, "households");
    EXPECT_EQ(static_cast<long long>(stored.size()), r.rows_loaded);
    EXPECT_EQ(stored.at(0).at("id_number"), rows[0].id);
    for (const auto& i : test::read_layer(merged, "household_issues")) {
        for (const auto& h : rows) EXPECT_EQ(i.at("value").find(h.id), std::string::npos) << i.at("code");
        EXPECT_EQ(i.at("message").find("13912345678"), std::string::npos) << i.at("message");
    }
    const auto imports = test::read_layer(merged, "household_imports");
    ASSERT_EQ(imports.size(), 2u);
    EXPECT_EQ(imports[0].at("county_code"), a.county == b.county ? a.county : std::string());
    EXPECT_EQ(imports[0].at("status"), "imported");
}

TEST_F(HouseholdsSamples, ARevisedListReplacesItsVillagesAndTheSameListChangesNothing) {
    const auto merged = fresh();
    const auto dir = merged.parent_path();
    const PlannedVillage& a = villages_[0];
    const PlannedVillage& c = villages_[2];
    std::vector<Household> rows = village_list(a, 0);
    const auto more = village_list(c, 400);
    rows.insert(rows.end(), more.begin(), more.end());
    write_list(dir / "first.xlsx", rows);
    const auto first = run(merged, {(dir / "first.xlsx").string()});
    EXPECT_EQ(first.errors, 0);
    EXPECT_EQ(first.households, a.gas + c.gas);
    EXPECT_EQ(first.findings.count("W_VILLAGE_FEWER_HOUSEHOLDS"), 0u);
    // the same bytes again: a duplicate, nothing added
    test::fs::copy_file(dir / "first.xlsx", dir / "again.xlsx");
    const auto again = run(merged, {(dir / "again.xlsx").string()});
    ASSERT_EQ(again.imports.size(), 1u);
    EXPECT_EQ(again.imports[0].status, "duplicate");
    EXPECT_EQ(again.findings.at("W_LIST_DUPLICATE"), 1);
    EXPECT_EQ(test::read_layer(merged, "households").size(), rows.size());
    EXPECT_EQ(test::read_layer(merged, "household_imports").size(), 1u);
    // a revision of village a alone, one household fewer: a's list is the new one, c's stays
    std::vector<Household> revised = village_list(a, 0);
    revised.pop_back();
    write_list(dir / "revised.xlsx", revised);
    const auto second = run(merged, {(dir / "revised.xlsx").string()});
    ASSERT_EQ(second.imports.size(), 1u);
    EXPECT_EQ(second.imports[0].import.revises, std::to_string(first.imports[0].import.import_id));
    EXPECT_EQ(second.findings.at("W_LIST_REVISED"), 1);
    // it names the village revised and its households before and now
    const auto said = std::find_if(second.issues.begin(), second.issues.end(),
                                   [](const Issue& i) { return i.code == "W_LIST_REVISED"; });
    ASSERT_NE(said, second.issues.end());
    EXPECT_NE(said->message.find(a.name + "（"), std::string::npos) << said->message;
    EXPECT_NE(said->message.find("前次" + std::to_string(a.gas) + "户、本次" + std::to_string(a.gas - 1) + "户"),
              std::string::npos)
        << said->message;
    EXPECT_EQ(said->message.find(c.name + "（"), std::string::npos) << "c is not revised: " << said->message;
    EXPECT_EQ(second.findings.at("W_VILLAGE_FEWER_HOUSEHOLDS"), 1);
    EXPECT_EQ(second.findings.count("E_HOUSEHOLD_TWICE"), 0u) << "a's households are listed once, in the revision";
    EXPECT_EQ(second.households, a.gas - 1 + c.gas);
    // the state from the stored rows says the same
    const SqliteDb db(merged, SqliteDb::Mode::read);
    auto all = dataset::read_households(db);
    EXPECT_EQ(all.size(), rows.size() + revised.size());
    const HouseholdState state = household_state(household_rows(all));
    long long counting = 0;
    for (std::size_t i = 0; i < all.size(); ++i)
        if (state.counts(i)) {
            ++counting;
            if (all[i].village_code == a.code) {
                EXPECT_EQ(all[i].import_id, second.imports[0].import.import_id);
            }
        }
    EXPECT_EQ(counting, second.households);
}

TEST(HouseholdState, TheLatestListOfAVillageCountsAndAnIdOnceAYear) {
    auto h = [](long long fid, long long import_id, int year, long long village, const std::string& id) {
        dataset::StoredHousehold s;
        s.fid = fid;
        s.import_id = import_id;
        s.list_year = year;
        s.village_fid = village;
        s.set_personal("", id, "", "");
        s.id_status = id.empty() ? "未填身份证号" : "ok";
        return s;
    };
    std::vector<dataset::StoredHousehold> rows = {
        h(1, 1, 2022, 10, "A"), h(2, 1, 2022, 10, "B"), h(3, 1, 2022, 11, "C"),  // import 1: villages 10, 11
        h(4, 2, 2022, 10, "A"),                                                  // import 2 revises village 10
        h(5, 2, 2022, 10, "A"),                                                  // ... and lists A twice
        h(6, 3, 2018, 10, "A"),                                                  // another year: its own list
        h(7, 2, 2022, 10, ""), h(8, 2, 2022, 10, "")};                           // no ID: never a repeat
    const HouseholdState s = household_state(household_rows(rows));
    EXPECT_EQ(std::vector<char>(s.current.begin(), s.current.end()), (std::vector<char>{0, 0, 1, 1, 1, 1, 1, 1}));
    EXPECT_EQ(s.repeats, (std::vector<long long>{-1, -1, -1, -1, 3, -1, -1, -1}));
    EXPECT_TRUE(s.counts(3));
    EXPECT_FALSE(s.counts(4));
}

// The state of many rows against a plain reading of the rule (a map of each year's IDs in import
// order): one ID listed hundreds of times, the same IDs in other years, rows out of import order.
TEST(HouseholdState, RepeatsPointToTheFirstRowOfTheYearAndIdAsAMapOfThemSays) {
    std::vector<dataset::StoredHousehold> rows;
    long long fid = 0;
    for (int k = 0; k < 5000; ++k) {
        dataset::StoredHousehold s;
        s.fid = ++fid;
        s.import_id = 1 + (k * 7) % 3;  // imports 1-3 interleaved: not in import order
        s.list_year = k % 5 == 0 ? 2018 : 2022;
        s.village_fid = 100 + (k % 3);  // each village in one import only
        const std::string id = k % 4 == 0 ? "370000000000000000" : "3716" + std::to_string(k % 1700);
        s.set_personal("户主", id, "", "");
        s.id_status = k % 97 == 0 ? "未填身份证号" : "ok";
        rows.push_back(std::move(s));
    }
    const HouseholdState s = household_state(household_rows(rows));
    std::vector<std::size_t> order(rows.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        return std::make_pair(rows[a].import_id, rows[a].fid) < std::make_pair(rows[b].import_id, rows[b].fid);
    });
    std::map<std::pair<int, std::string>, std::size_t> first;
    long long repeats = 0;
    for (std::size_t i : order) {
        ASSERT_TRUE(s.current[i]);
        if (rows[i].id_status != "ok") {
            EXPECT_EQ(s.repeats[i], -1);
            continue;
        }
        const auto [it, added] = first.emplace(std::make_pair(rows[i].list_year, std::string(rows[i].id_number())), i);
        EXPECT_EQ(s.repeats[i], added ? -1 : static_cast<long long>(it->second)) << "row " << i;
        repeats += !added;
    }
    EXPECT_GT(repeats, 1250);  // the one ID a quarter of the rows hold, and the others'
}

}  // namespace cleanheat

namespace cleanheat {

TEST_F(HouseholdsSamples, AnEarlierYearsListImportedLaterFindsTheRepeatsAndBlocksThem) {
    const auto merged = fresh();
    const auto dir = merged.parent_path();
    const PlannedVillage& a = villages_[0];
    write_list(dir / "list.xlsx", village_list(a, 0));
    const auto first = run(merged, {(dir / "list.xlsx").string()});
    EXPECT_EQ(first.findings.count("E_HOUSEHOLD_REPEAT"), 0u);
    Household earlier = make(a.code, a.name, "户主0", id_number(a.county, 0));
    earlier.year = "2018";
    write_list(dir / "prior.xlsx", {earlier}, true);
    const auto second = run(merged, {}, {(dir / "prior.xlsx").string()});
    ASSERT_EQ(second.findings.count("E_HOUSEHOLD_REPEAT"), 1u);
    const auto repeats = issues(merged, "E_HOUSEHOLD_REPEAT");
    ASSERT_EQ(repeats.size(), 1u);
    EXPECT_EQ(repeats[0].at("row"), "4");  // the first household of this year's list
    EXPECT_EQ(repeats[0].at("import_id"), std::to_string(first.imports[0].import.import_id));
    // a repeat found with this year's list is blocked from payment
    write_list(dir / "again.xlsx", {earlier}, true);
    const auto merged2 = fresh();
    const auto both = run(merged2, {(dir / "list.xlsx").string()}, {(dir / "prior.xlsx").string()});
    EXPECT_EQ(both.findings.at("E_HOUSEHOLD_REPEAT"), 1);
    long long blocked = 0;
    for (const auto& h : test::read_layer(merged2, "households")) blocked += h.at("blocked") == "1";
    EXPECT_EQ(blocked, 1);
}

}  // namespace cleanheat

// Filters parsed into SQL with checked fields and bound values (map --where, style "where").
#include <gtest/gtest.h>

#include <set>

#include "base/error.hpp"
#include "io/sql_filter.hpp"

using namespace cleanheat;

namespace {

const std::set<std::string> kFields = {"county_code", "households_total", "status", "名称", "spot_check"};
bool is_field(const std::string& f) { return kFields.count(f) > 0; }

SqlFilter parse(const std::string& text) { return parse_sql_filter(text, is_field, "--where"); }

std::string refusal(const std::string& text) {
    try {
        parse(text);
    } catch (const UsageError& e) {
        return e.what();
    }
    return "accepted";
}

}  // namespace

TEST(SqlFilter, FieldsAreQuotedAndValuesBound) {
    const SqlFilter f = parse("county_code = '371621' AND households_total >= 100");
    EXPECT_EQ(f.sql, "(\"county_code\" = ? AND \"households_total\" >= ?)");
    ASSERT_EQ(f.values.size(), 2u);
    EXPECT_EQ(std::get<std::string>(f.values[0]), "371621");
    EXPECT_EQ(std::get<long long>(f.values[1]), 100);
}

TEST(SqlFilter, EveryFormOfThePredicates) {
    EXPECT_EQ(parse("status IN ('late', 'started')").sql, "(\"status\" IN (?, ?))");
    EXPECT_EQ(parse("status not in ('late')").sql, "(\"status\" NOT IN (?))");
    EXPECT_EQ(parse("spot_check IS NOT NULL").sql, "(\"spot_check\" IS NOT NULL)");
    EXPECT_EQ(parse("spot_check is null").sql, "(\"spot_check\" IS NULL)");
    EXPECT_EQ(parse("名称 LIKE '%村'").sql, "(\"名称\" LIKE ?)");
    EXPECT_EQ(parse("households_total BETWEEN 1 AND 2.5").sql, "(\"households_total\" BETWEEN ? AND ?)");
    EXPECT_DOUBLE_EQ(std::get<double>(parse("households_total BETWEEN 1 AND 2.5").values[1]), 2.5);
    EXPECT_EQ(parse("NOT (status = 'late' OR households_total < -1)").sql,
              "(NOT (\"status\" = ? OR \"households_total\" < ?))");
    EXPECT_EQ(std::get<long long>(parse("households_total < -1").values[0]), -1);
    EXPECT_EQ(parse("households_total <> spot_check").sql, "(\"households_total\" <> \"spot_check\")");
    EXPECT_EQ(parse("\"county_code\" = 'it''s'").values.size(), 1u);
    EXPECT_EQ(std::get<std::string>(parse("county_code = 'it''s'").values[0]), "it's");
    EXPECT_EQ(parse("  ").sql, "");
}

TEST(SqlFilter, WhatCouldChangeTheStatementIsRefusedWithThePlace) {
    // closing the parenthesis that the filter is put into
    EXPECT_NE(refusal("1=1) OR (1=1").find("at character 1: expected a field name, found '1'"), std::string::npos)
        << refusal("1=1) OR (1=1");
    EXPECT_NE(refusal("status = 'late') OR (1=1").find("at character 16: expected AND, OR or the end, found ')'"),
              std::string::npos)
        << refusal("status = 'late') OR (1=1");
    EXPECT_NE(refusal("status = 'late'; DROP TABLE villages").find("found ';'"), std::string::npos);
    EXPECT_NE(refusal("status = 'late' -- comment").find("found '-'"), std::string::npos);
    EXPECT_NE(refusal("status = (SELECT 1)").find("expected a number or a 'text'"), std::string::npos);
    EXPECT_NE(refusal("lower(status) = 'late'").find("no field named 'lower'"), std::string::npos);
    EXPECT_NE(refusal("nosuch = 1").find("no field named 'nosuch'"), std::string::npos);
    EXPECT_NE(refusal("status = 'late").find("a text without its closing '"), std::string::npos);
    EXPECT_NE(refusal("status").find("expected a comparison"), std::string::npos);
    EXPECT_NE(refusal("status = 'a' AND").find("found the end"), std::string::npos);
    EXPECT_NE(refusal("(status = 'a'").find("expected ')'"), std::string::npos);
    EXPECT_NE(refusal("名称 = 'a' OR x = 1").find("at character 13"), std::string::npos) << refusal("名称 = 'a' OR x = 1");
    EXPECT_NE(refusal("status LIKE 5").find("pattern after LIKE"), std::string::npos);
    EXPECT_NE(refusal("1=1) OR (1=1").find("--where \"1=1) OR (1=1\""), std::string::npos);
}

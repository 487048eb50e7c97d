#include <gtest/gtest.h>

#include <set>

#include "base/issue.hpp"
#include "support.hpp"

using namespace cleanheat;

TEST(IssueCodes, AreUniqueAndPrefixedBySeverity) {
    std::set<std::string> seen;
    for (const auto& c : issue_codes()) {
        EXPECT_TRUE(seen.insert(c.code).second) << c.code;
        const std::string code = c.code;
        EXPECT_EQ(code[0], c.severity == Severity::error ? 'E' : 'W') << code;
        EXPECT_FALSE(std::string(c.message).empty());
    }
}

TEST(IssueCodes, MakeIssueCarriesRegistryMessageAndDetail) {
    const auto issue = make_issue("E_COUNT_UNREADABLE", "a.xlsx", "Sheet1", 7, "F", "约120户", "列“户数”");
    EXPECT_EQ(issue.severity, Severity::error);
    EXPECT_NE(issue.message.find("列“户数”"), std::string::npos);
    EXPECT_THROW(make_issue("E_NOT_A_CODE", "", "", 0, "", ""), std::logic_error);
}

TEST(ColumnLetter, MatchesSpreadsheetNames) {
    EXPECT_EQ(column_letter(0), "A");
    EXPECT_EQ(column_letter(25), "Z");
    EXPECT_EQ(column_letter(26), "AA");
    EXPECT_EQ(column_letter(27), "AB");
}

TEST(IssueCodes, EveryCodeIsDocumented) {
    const std::string doc = cleanheat::test::read_file(cleanheat::test::source_dir() / "docs" / "issue-codes.md");
    for (const auto& c : issue_codes()) {
        EXPECT_NE(doc.find(std::string("`") + c.code + "`"), std::string::npos) << c.code;
        EXPECT_NE(doc.find(c.message), std::string::npos) << c.code;
    }
}

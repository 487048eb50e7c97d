#include <gtest/gtest.h>

#include <cctype>
#include <set>
#include <sstream>

#include "support.hpp"

using namespace cleanheat::test;

namespace {
// Subcommands as the top-level --help lists them.
std::vector<std::string> listed_subcommands() {
    const auto r = run_cli({"--help"});
    std::vector<std::string> names;
    std::istringstream in(r.out);
    std::string line;
    bool in_list = false;
    while (std::getline(in, line)) {
        if (line.rfind("Subcommands:", 0) == 0) {
            in_list = true;
            continue;
        }
        if (in_list) {
            std::istringstream words(line);
            std::string name;
            if (words >> name) names.push_back(name);
        }
    }
    return names;
}
}  // namespace

TEST(HelpCli, TopLevelHelpListsSubcommands) {
    const auto r = run_cli({"--help"});
    EXPECT_EQ(r.exit_code, 0);
    const auto names = listed_subcommands();
    EXPECT_NE(std::find(names.begin(), names.end(), "merge"), names.end());
}

TEST(HelpCli, EverySubcommandHasHelpExamplesAndDocumentedOptions) {
    for (const auto& name : listed_subcommands()) {
        const auto r = run_cli({name, "--help"});
        EXPECT_EQ(r.exit_code, 0) << name;
        EXPECT_NE(r.out.find("Examples:"), std::string::npos) << name;
        const auto doc_path = source_dir() / "docs" / (name + ".md");
        ASSERT_TRUE(fs::exists(doc_path)) << doc_path;
        const std::string doc = read_file(doc_path);
        std::set<std::string> options;  // every --long-option the help text names
        for (std::size_t at = r.out.find("--"); at != std::string::npos; at = r.out.find("--", at + 2)) {
            std::size_t end = at + 2;
            while (end < r.out.size() && (std::islower(static_cast<unsigned char>(r.out[end])) ||
                                          std::isdigit(static_cast<unsigned char>(r.out[end])) || r.out[end] == '-'))
                ++end;
            if (end > at + 2 && std::islower(static_cast<unsigned char>(r.out[at + 2])))
                options.insert(r.out.substr(at, end - at));
        }
        EXPECT_FALSE(options.empty()) << name;
        for (const auto& o : options) {
            if (o == "--help") continue;
            EXPECT_NE(doc.find("`" + o), std::string::npos) << "docs/" << name << ".md does not document " << o;
        }
    }
}

TEST(HelpCli, UnknownOptionIsAUsageErrorWithExitCode2) {
    const auto r = run_cli({"merge", "--no-such-option"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("cleanheat merge: error:"), std::string::npos) << r.err;
}

TEST(HelpCli, MissingSubcommandIsAUsageError) {
    const auto r = run_cli({});
    EXPECT_EQ(r.exit_code, 2);
}

TEST(HelpCli, AnUnknownCommandIsNamedWithTheNearestOne) {
    auto r = run_cli({"merg"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown command 'merg'; did you mean 'merge'?"), std::string::npos) << r.err;
    r = run_cli({"stations2"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("did you mean 'stations'?"), std::string::npos) << r.err;
    r = run_cli({"xyzzy"});  // nothing near: no guess
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown command 'xyzzy'"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("did you mean"), std::string::npos) << r.err;
    r = run_cli({"db", "inti"});  // a command of a command
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown command 'inti'; did you mean 'init'?"), std::string::npos) << r.err;
}

TEST(HelpCli, AnUnknownOptionIsNamedWithTheNearestOneBeforeAnythingElse) {
    // (the required --villages seems missing too: the typo is what to say)
    auto r = run_cli({"merge", "plan.xlsx", "--village", "v.gpkg", "-o", "x.gpkg"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown option '--village'; did you mean '--villages'?"), std::string::npos) << r.err;
    r = run_cli({"annex", "m.gpkg", "-o", "a.xlsx", "--yaer=2023"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("unknown option '--yaer'; did you mean '--year'?"), std::string::npos) << r.err;
}

TEST(HelpCli, HelpCommandAndVersionWorkEverywhere) {
    auto r = run_cli({"help"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("Subcommands:"), std::string::npos) << r.out;
    r = run_cli({"help", "map"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("--style"), std::string::npos) << r.out;
    r = run_cli({"help", "db", "init"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.out.find("--units"), std::string::npos) << r.out;
    r = run_cli({"help", "mapp"});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("did you mean 'map'?"), std::string::npos) << r.err;
    const auto top = run_cli({"--version"});
    ASSERT_EQ(top.exit_code, 0);
    ASSERT_EQ(top.out.rfind("cleanheat ", 0), 0u) << top.out;
    for (const auto& name : listed_subcommands()) {
        r = run_cli({name, "--version"});
        EXPECT_EQ(r.exit_code, 0) << name << ": " << r.err;
        EXPECT_EQ(r.out, top.out) << name;
    }
}

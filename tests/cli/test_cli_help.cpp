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

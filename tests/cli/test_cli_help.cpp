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

TEST(HelpCli, AnOutputIsCheckedAgainstWhatIsWrittenBeforeAnythingRuns) {
    const auto dir = temp_dir();
    const std::string d = (dir / "merged.gpkg").string();  // need not exist: the name is refused first
    auto out = [&](const std::string& name) { return (dir / name).string(); };
    const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
        {{"annex", d, "-o", out("a.csv")}, ".xlsx"},
        {{"report", d, "-o", out("r.docx")}, ".pdf"},
        {{"merge", "plan.xlsx", "--villages", "v.gpkg", "-o", out("x.shp")}, ".gpkg"},
        {{"map", d, "--style", "styles/route.json", "-o", out("m.jpg")}, ".pdf, .png or .svg"},
        {{"progress", d, "-o", out("p.csv")}, ".xlsx"},
        {{"progress", d, "--chart", out("c.xlsx")}, ".pdf, .png or .svg"},
        {{"spotcheck", d, "--rate", "0.05", "-o", out("s.csv")}, ".xlsx"},
        {{"spotcheck", d, "--rate", "0.05", "-o", out("s.xlsx"), "--map", out("s.xlsx")}, ".pdf, .png or .svg"},
        {{"contiguity", d, "--xlsx", out("c.csv")}, ".xlsx"},
        {{"contiguity", d, "-o", out("c.shp")}, ".gpkg"},
        {{"inspect", "plan.xlsx", "--mapping-out", out("m.txt")}, ".json"},
        {{"subsidy", d, "--season", "2022-2023", "-o", out("s.pdf")}, ".xlsx"},
        {{"stations", d, "--stations", "s.gpkg", "-o", out("s.csv")}, ".xlsx"},
    };
    for (const auto& [args, accepted] : cases) {
        const auto r = run_cli(args);
        EXPECT_EQ(r.exit_code, 2) << args[0] << " " << r.err;
        EXPECT_NE(r.err.find(accepted), std::string::npos) << args[0] << ": " << r.err;
    }
    EXPECT_TRUE(fs::is_empty(dir)) << "a refused run wrote something";
}

TEST(HelpCli, StylesAreFoundByNameFromAnyFolderAndAMissingOneListsThem) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const std::string bin = CLEANHEAT_BINARY;
    // from a folder outside the project: by name, with or without .json, and styles/<name>.json
    for (const std::string style : {"route", "route.json", "styles/route.json"}) {
        const std::string out = shell_output("cd " + dir.string() + " && " + bin + " map " + gpkg.string() + " --style " +
                                             style + " -o r.png --dpi 20 --overwrite --quiet >/dev/null 2>&1; echo $?");
        EXPECT_EQ(out, "0\n") << style;
        EXPECT_TRUE(fs::exists(dir / "r.png")) << style;
        fs::remove(dir / "r.png");
    }
    // a folder of the office's own styles (CLEANHEAT_STYLES) is looked in first
    fs::create_directories(dir / "own");
    fs::copy_file(source_dir() / "styles" / "route.json", dir / "own" / "ours.json");
    EXPECT_EQ(shell_output("cd " + dir.string() + " && CLEANHEAT_STYLES=" + (dir / "own").string() + " " + bin + " map " +
                           gpkg.string() + " --style ours -o o.png --dpi 20 --quiet >/dev/null 2>&1; echo $?"),
              "0\n");
    // not found: named, the nearest said, the styles listed; exit 3 (an input missing)
    const auto r = run_cli({"map", gpkg.string(), "--style", "rout", "-o", (dir / "x.png").string()});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("--style rout: no such file; did you mean 'route'?"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("stations"), std::string::npos) << r.err;  // the list
    EXPECT_FALSE(fs::exists(dir / "x.png"));
    // the settings files alike: the policy found by name (the dataset then holds no household lists)
    const auto policy = run_cli({"subsidy", gpkg.string(), "--season", "2022-2023", "--policy", "subsidy", "-o",
                                 (dir / "s.xlsx").string()});
    EXPECT_EQ(policy.exit_code, 3);
    EXPECT_NE(policy.err.find("holds no household lists"), std::string::npos) << policy.err;
}

TEST(HelpCli, DatesYearsAndSharesAreReadAsOfficesWriteThemAndWrongOnesNamed) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    // one reading of a date for every command that takes one: the same state, whichever way it is written
    for (const std::string date : {"2022-09-20", "2022/09/20", "2022-9-20", "2022.9.20", "2022年9月20日", "20220920"}) {
        const auto r = run_cli({"progress", gpkg.string(), "--as-of", date, "--json"});
        ASSERT_EQ(r.exit_code, 0) << date << ": " << r.err;
        EXPECT_NE(r.out.find("\"as_of\": \"2022-09-20\""), std::string::npos) << date;
    }
    // a day that is none, named with the flag as typed (map takes --as-of, and --date as its older name)
    for (const auto& [flag, date] : std::vector<std::pair<std::string, std::string>>{
             {"--as-of", "2022-13-01"}, {"--date", "2022/9/31"}, {"--as-of", "44824"}, {"--date", "yesterday"}}) {
        const auto r = run_cli({"map", gpkg.string(), "--style", "route", flag, date, "-o", (dir / "m.pdf").string()});
        EXPECT_EQ(r.exit_code, 2) << flag << " " << date;
        EXPECT_NE(r.err.find(flag + " " + date + ": not a date"), std::string::npos) << r.err;
    }
    EXPECT_FALSE(fs::exists(dir / "m.pdf"));
    auto r = run_cli({"report", gpkg.string(), "--as-of", "2022-02-30", "-o", (dir / "r.pdf").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--as-of 2022-02-30: not a date"), std::string::npos) << r.err;
    // a year in two digits; a share given in percent
    r = run_cli({"annex", gpkg.string(), "--year", "22", "-o", (dir / "a.xlsx").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("--year 22: give the year in four digits, e.g. 2022; did you mean 2022?"), std::string::npos) << r.err;
    r = run_cli({"spotcheck", gpkg.string(), "--rate", "5", "-o", (dir / "s.xlsx").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find("did you mean 0.05"), std::string::npos) << r.err;
    EXPECT_FALSE(fs::exists(dir / "a.xlsx"));
    EXPECT_FALSE(fs::exists(dir / "s.xlsx"));
    // a missing input says so, in every command that reads a dataset
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"map", "/no/such.gpkg", "--style", "route", "-o", (dir / "x.pdf").string()},
          {"contiguity", "/no/such.gpkg"},
          {"annex", "/no/such.gpkg", "-o", (dir / "x.xlsx").string()},
          {"report", "/no/such.gpkg", "-o", (dir / "x.pdf").string()},
          {"stations", gpkg.string(), "--stations", "/no/such.gpkg"}}) {
        r = run_cli(args);
        EXPECT_EQ(r.exit_code, 3) << args[0];
        EXPECT_NE(r.err.find("/no/such.gpkg: no such file"), std::string::npos) << args[0] << ": " << r.err;
    }
}

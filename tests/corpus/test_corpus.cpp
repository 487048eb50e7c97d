// The generated corpus of plan-table layouts (data-samples/make_corpus.py): every table either
// merges to its exact route totals or is refused with the expected finding. Never a wrong number.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "commands/merge.hpp"
#include "support.hpp"

using namespace cleanheat;
using namespace cleanheat::test;

namespace {

struct Corpus {
    fs::path dir = temp_dir();
    nlohmann::json expected;
    std::string generator_output;
    int status = -1;
    Corpus() {
        const std::string command = "cd '" + source_dir().string() +
                                    "' && /usr/bin/python3 data-samples/make_corpus.py --out '" + dir.string() +
                                    "' --seed 1 --count 320 --villages data-samples/villages.gpkg 2>&1";
        generator_output = shell_output(command + "; echo \"exit=$?\"");
        if (generator_output.find("exit=0") != std::string::npos && fs::exists(dir / "expected.json"))
            expected = nlohmann::json::parse(read_file(dir / "expected.json"));
    }
};

const Corpus& corpus() {
    static Corpus c;
    return c;
}

}  // namespace

TEST(Corpus, EveryTableMergesToItsExactTotalsOrIsRefusedWithTheExpectedFinding) {
    const auto& c = corpus();
    ASSERT_TRUE(c.expected.is_object()) << c.generator_output;
    const auto& tables = c.expected["tables"];
    ASSERT_GE(tables.size(), 300u);

    MergeOptions options;
    for (const auto& t : tables) options.plan_tables.push_back((c.dir / t["file"].get<std::string>()).string());
    options.villages = (source_dir() / "data-samples/villages.gpkg").string();
    options.output = c.dir / "corpus.gpkg";
    Progress progress;
    const MergeResult result = merge(options, progress);

    std::map<std::string, const FileSummary*> summary_of;
    for (const auto& f : result.files) summary_of[f.counts.file] = &f;
    std::map<std::string, std::map<std::string, long long>> households_of;  // file -> route -> households
    for (const auto& row : read_layer(options.output, "plan_rows"))
        households_of[row.at("file")][row.at("route")] += std::stoll(row.at("households"));
    std::map<std::string, std::set<std::string>> codes_of;
    for (const auto& issue : result.issues) {
        codes_of[issue.file].insert(issue.code);
        EXPECT_NE(issue.code, "W_ROUTE_UNKNOWN") << issue.file << " row " << issue.row;  // retired: 其他 by guess
        EXPECT_NE(issue.code, "W_ROUTE_MISSING") << issue.file << " row " << issue.row;
    }

    int refused = 0, loaded = 0;
    std::set<std::string> formats, shapes;
    for (const auto& t : tables) {
        const std::string file = (c.dir / t["file"].get<std::string>()).string();
        const std::string what = t["file"].get<std::string>() + " (" + t.value("description", "") + ")";
        ASSERT_TRUE(summary_of.count(file)) << what;
        const FileSummary& s = *summary_of.at(file);
        formats.insert(t["format"].get<std::string>().substr(0, t["format"].get<std::string>().find('/')));
        shapes.insert(t["shape"].get<std::string>());
        EXPECT_EQ(s.counts.data_rows(), t["rows_data"].get<int>()) << what;
        EXPECT_EQ(s.loaded, t["rows_loaded"].get<int>()) << what;
        EXPECT_EQ(s.rejected, t["rows_rejected"].get<int>()) << what;
        for (Route route : kRoutes) {
            const long long want = t["households"][route_key(route)].get<long long>();
            const auto& got = households_of[file];
            const long long have = got.count(route_key(route)) ? got.at(route_key(route)) : 0;
            EXPECT_EQ(have, want) << what << ": " << route_key(route);
        }
        for (const auto& code : t["codes"]) EXPECT_TRUE(codes_of[file].count(code.get<std::string>())) << what << ": " << code;
        if (t["outcome"] == "refused") {
            ++refused;
            EXPECT_FALSE(s.refused.empty()) << what;
            bool expected_code = false;
            for (const auto& code : t["codes"]) expected_code = expected_code || code == s.refused;
            EXPECT_TRUE(expected_code) << what << ": refused with " << s.refused;
        } else {
            ++loaded;
            EXPECT_EQ(s.refused, "") << what;
        }
    }
    EXPECT_GT(refused, 20);
    EXPECT_GT(loaded, 200);
    EXPECT_EQ(formats, (std::set<std::string>{"csv", "ods", "xls", "xlsx"})) << "formats in the corpus";
    EXPECT_EQ(shapes.size(), 2u);
}

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

XlsxCell n(int r, int c, const std::string& v) {
    return number_cell(r, c, v);
}
XlsxCell s(int r, int c, const std::string& v) {
    return text_cell(r, c, v);
}

// 改造户数 over 合计 | 煤改电 | 清洁能源: the last one is not understood.
fs::path refused_table(const fs::path& dir) {
    XlsxSheet sheet;
    sheet.name = "滨城区";
    sheet.merges = {{0, 0, 0, 5, "滨城区2022年农村清洁取暖建设计划表"}, {1, 3, 1, 5, "改造户数"}};
    sheet.cells = {s(1, 0, "乡镇（街道）"), s(1, 1, "村（居）"), s(1, 2, "村代码"),  s(2, 3, "合计"),
                   s(2, 4, "煤改电"),       s(2, 5, "清洁能源"), s(3, 0, "滨北街道"), s(3, 1, "段家庄"),
                   s(3, 2, "371602001001"), n(3, 3, "30"),     n(3, 4, "20"),       n(3, 5, "10"),
                   s(4, 1, "李家"),         s(4, 2, "371602001002"), n(4, 3, "5"),  n(4, 5, "5")};
    const fs::path path = dir / "滨城区计划.xlsx";
    write_xlsx(path, {sheet});
    return path;
}

}  // namespace

TEST(InspectCli, SamplesShowEveryColumnsMeaningAndNothingIsLeftUnderstood) {
    std::vector<std::string> args = {"inspect"};
    for (const auto& f : sample_plan_files()) args.push_back(f);
    const auto text = run_cli(args);
    EXPECT_EQ(text.exit_code, 1) << text.err;  // the samples carry rejected rows
    for (const auto& f : sample_plan_files()) EXPECT_NE(text.out.find(f), std::string::npos) << f;
    EXPECT_NE(text.out.find("route:gas (煤改气)"), std::string::npos);
    EXPECT_NE(text.out.find("village_code"), std::string::npos);
    EXPECT_EQ(text.out.find("NOT UNDERSTOOD"), std::string::npos);
    args.push_back("--json");
    const auto json = run_cli(args);
    const auto doc = nlohmann::json::parse(json.out);
    ASSERT_EQ(doc["files"].size(), sample_plan_files().size());
    long long households = 0;
    for (const auto& file : doc["files"]) {
        EXPECT_EQ(file["refused"], "") << file["file"];
        households += file["households"]["total"].get<long long>();
        bool route_column = false;
        for (const auto& sheet : file["sheets"])
            for (const auto& column : sheet["columns"]) {
                EXPECT_NE(column["meaning"], "?") << file["file"] << " " << column["column"];
                route_column = route_column || column["meaning"].get<std::string>().rfind("route", 0) == 0 ||
                               column["meaning"] == "route_text";
            }
        EXPECT_TRUE(route_column) << file["file"];
    }
    // before matching: the samples' 121,000 plus the rows the merge rejects later (unknown code, duplicates)
    EXPECT_GE(households, 121000);
}

TEST(InspectCli, MappingOutEditedMakesARefusedTableMerge) {
    const auto dir = temp_dir();
    write_villages(dir / "villages.gpkg", {{"371602001001", "段家庄村委会", "滨北街道", "滨城区", 39500000, 4150000},
                                           {"371602001002", "李家村委会", "滨北街道", "滨城区", 39501000, 4150000}});
    const auto table = refused_table(dir);
    const std::vector<std::string> merge = {"merge", table.string(), "--villages", (dir / "villages.gpkg").string(),
                                            "-o", (dir / "out.gpkg").string(), "--json"};
    const auto refused = run_cli(merge);
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("E_HEADER_UNMAPPED"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("hint: cleanheat inspect"), std::string::npos) << refused.err;
    EXPECT_EQ(nlohmann::json::parse(refused.out)["households"]["total"], 0);

    const fs::path mapping = dir / "m.json";
    const auto inspected = run_cli({"inspect", table.string(), "--mapping-out", mapping.string()});
    EXPECT_EQ(inspected.exit_code, 1);
    EXPECT_NE(inspected.out.find("NOT UNDERSTOOD"), std::string::npos) << inspected.out;
    auto doc = nlohmann::json::parse(read_file(mapping));
    ASSERT_TRUE(doc.is_object()) << doc.dump();
    EXPECT_EQ(doc["table"], "滨城区计划.xlsx");
    EXPECT_EQ(doc["columns"]["E"], "route:electric");
    EXPECT_EQ(doc["columns"]["D"], "total");
    ASSERT_EQ(doc["columns"]["F"], "?");
    EXPECT_EQ(doc["headers"]["F"], "改造户数/清洁能源");

    // unedited, the mapping is refused with the column named
    auto unedited = merge;
    unedited.insert(unedited.end(), {"--mapping", mapping.string(), "--overwrite"});
    const auto still = run_cli(unedited);
    EXPECT_EQ(still.exit_code, 3);
    EXPECT_NE(still.err.find("columns.F"), std::string::npos) << still.err;

    doc["columns"]["F"] = "route:gas";
    std::ofstream(mapping) << doc.dump(2);
    const auto merged = run_cli(unedited);
    EXPECT_EQ(merged.exit_code, 0) << merged.err;
    const auto summary = nlohmann::json::parse(merged.out);
    EXPECT_EQ(summary["households"]["electric"], 20);
    EXPECT_EQ(summary["households"]["gas"], 15);
    EXPECT_EQ(summary["households"]["total"], 35);
    // the merge records the mapping it read the file with
    const auto inputs = read_layer(dir / "out.gpkg", "inputs");
    EXPECT_NE(inputs[0].at("mapping").find("\"F\":\"route:gas\""), std::string::npos) << inputs[0].at("mapping");
}

TEST(InspectCli, MissingTableExits3AndMergeOutputMustBeGpkg) {
    const auto dir = temp_dir();
    EXPECT_EQ(run_cli({"inspect", (dir / "nope.xlsx").string()}).exit_code, 3);
    const auto r = run_cli({"merge", "data-samples/plans/阳信县2022年农村清洁取暖计划.csv", "--villages",
                            "data-samples/villages.gpkg", "-o", (dir / "out.shp").string()});
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.err.find(".gpkg"), std::string::npos) << r.err;
}

#include <gdal_priv.h>
#include <gtest/gtest.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "support.hpp"

using namespace cleanheat::test;

namespace {

TEST(ContiguityCli, JsonHasTheContractKeysAndSampleCounts) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto r = run_cli({"contiguity", gpkg.string(), "--json", "--xlsx", (dir / "c.xlsx").string()});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    for (const char* key : {"planned", "edges", "clusters", "isolated", "holes"}) {
        EXPECT_TRUE(j["total"].contains(key)) << key;
        for (const auto& [county, g] : j["groups"].items()) EXPECT_TRUE(g.contains(key)) << county << " " << key;
    }
    EXPECT_EQ(j["groups"].size(), 7u);
    // the samples' planted pattern (data-samples/faults.json)
    const auto faults = nlohmann::json::parse(read_file(samples("faults.json")))["contiguity"];
    EXPECT_EQ(j["total"]["planned"], faults["planned_villages"]);
    EXPECT_EQ(j["total"]["clusters"], faults["clusters"]);
    EXPECT_EQ(j["total"]["isolated"], faults["isolated_planned"].size());
    EXPECT_EQ(j["total"]["enclosed"], faults["enclosed_unplanned"].size());
    std::set<std::string> isolated, enclosed;
    for (const auto& v : villages_with_contiguity(gpkg)) {
        if (v.at("isolated") == "1") isolated.insert(v.at("village_code"));
        if (v.at("enclosed") == "1") enclosed.insert(v.at("village_code"));
    }
    EXPECT_EQ(isolated, faults["isolated_planned"].get<std::set<std::string>>());
    EXPECT_EQ(enclosed, faults["enclosed_unplanned"].get<std::set<std::string>>());
    EXPECT_TRUE(fs::exists(dir / "c.xlsx"));
}

// Each village's ids name what they say: a cluster of cluster_size villages; a route cluster of
// one route and a group cluster of one county, each inside one cluster; unplanned villages in none.
TEST(ContiguityCli, EachVillagesClusterIdsNameClustersOfOneRouteAndOneCounty) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto r = run_cli({"contiguity", gpkg.string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::map<std::string, long long> cluster_villages;
    std::map<std::string, std::set<std::string>> clusters_of_route_cluster, clusters_of_group_cluster, routes, counties;
    const auto villages = villages_with_contiguity(gpkg);
    for (const auto& v : villages) {
        const std::string& cluster = v.at("cluster_id");
        const bool planned = std::stoll(v.at("households_total").empty() ? "0" : v.at("households_total")) > 0;
        EXPECT_EQ(cluster.empty(), !planned) << v.at("village_code");
        if (cluster.empty()) {
            EXPECT_EQ(v.at("route_cluster_id") + v.at("group_cluster_id") + v.at("cluster_size"), "");
            continue;
        }
        ++cluster_villages[cluster];
        clusters_of_group_cluster[v.at("group_cluster_id")].insert(cluster);
        counties[v.at("group_cluster_id")].insert(v.at("county_code"));
        if (v.at("route_cluster_id").empty()) continue;
        clusters_of_route_cluster[v.at("route_cluster_id")].insert(cluster);
        routes[v.at("route_cluster_id")].insert(v.at("route_main"));
    }
    for (const auto& v : villages) {
        if (v.at("cluster_id").empty()) continue;
        EXPECT_EQ(std::stoll(v.at("cluster_size")), cluster_villages[v.at("cluster_id")]) << v.at("village_code");
    }
    EXPECT_GT(cluster_villages.size(), 1u);
    EXPECT_GT(clusters_of_route_cluster.size(), cluster_villages.size());  // the samples mix routes
    for (const auto* ids : {&clusters_of_route_cluster, &clusters_of_group_cluster, &routes, &counties})
        for (const auto& [id, in] : *ids) EXPECT_EQ(in.size(), 1u) << id;
}

TEST(ContiguityCli, ExistingOutputWithoutOverwriteExits4AndMissingInputExits3) {
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const auto first = run_cli({"contiguity", gpkg.string(), "-o", (dir / "c.gpkg").string(), "--quiet"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    const auto again = run_cli({"contiguity", gpkg.string(), "-o", (dir / "c.gpkg").string(), "--quiet"});
    EXPECT_EQ(again.exit_code, 4);
    EXPECT_NE(again.err.find("c.gpkg"), std::string::npos);
    EXPECT_EQ(run_cli({"contiguity", (dir / "none.gpkg").string()}).exit_code, 3);
    const auto bad = run_cli({"contiguity", gpkg.string(), "--planned", "nonsense >", "--no-write"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_NE(bad.err.find("--planned"), std::string::npos);
    // a rule's layer in the dataset's own file (GDAL's open of it would drop the run's locks)
    const std::string digest = dataset_digest(gpkg);
    for (const char* option : {"--gas-mains", "--heating-coverage", "--grid-zones"}) {
        const auto itself = run_cli({"contiguity", gpkg.string(), option, gpkg.string(), "--quiet"});
        EXPECT_EQ(itself.exit_code, 2) << option;
        EXPECT_NE(itself.err.find("is the dataset itself"), std::string::npos) << itself.err;
    }
    EXPECT_EQ(dataset_digest(gpkg), digest);
}

}  // namespace

TEST(ContiguityCli, ResultsOfALayerNotNamedVillagesGoToACopy) {
    const auto dir = temp_dir();
    const fs::path gpkg = dir / "dorf.gpkg";
    const fs::path merged = merge_samples(dir);
    {  // the merged villages under another layer name
        GDALAllRegister();
        std::unique_ptr<GDALDataset> src(GDALDataset::Open(merged.c_str(), GDAL_OF_VECTOR));
        ASSERT_TRUE(src);
        GDALDriver* driver = GetGDALDriverManager()->GetDriverByName("GPKG");
        std::unique_ptr<GDALDataset> out(driver->Create(gpkg.c_str(), 0, 0, 0, GDT_Unknown, nullptr));
        ASSERT_TRUE(out);
        ASSERT_TRUE(out->CopyLayer(src->GetLayerByName("villages"), "dorf"));
    }
    const std::string before = read_file(gpkg);
    auto r = run_cli({"contiguity", gpkg.string(), "--quiet"});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("give -o"), std::string::npos) << r.err;
    EXPECT_EQ(read_file(gpkg), before);
    r = run_cli({"contiguity", gpkg.string(), "-o", (dir / "out.gpkg").string(), "--quiet"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(read_layer(dir / "out.gpkg", "village_contiguity").size(), read_layer(gpkg, "dorf").size());
}

// The room made before reading is a hint: a layer that says it holds far more rows than it
// does, over a wide range of fids, asks for more memory than there is. The command then reads
// without that room and gives the same answer. (Not under AddressSanitizer: it needs terabytes
// of address space to start.)
TEST(ContiguityCli, ARowEstimateFarTooHighCostsNoMoreThanTheRoomThereIs) {
#if defined(__SANITIZE_ADDRESS__)
    GTEST_SKIP() << "AddressSanitizer cannot start within an address-space limit";
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
    GTEST_SKIP() << "AddressSanitizer cannot start within an address-space limit";
#endif
#endif
    const auto dir = temp_dir();
    const auto gpkg = merge_samples(dir);
    const std::vector<std::string> args = {"contiguity", gpkg.string(), "--no-write", "--json", "--threads", "2"};
    const auto before = run_cli(args);
    ASSERT_EQ(before.exit_code, 0) << before.err;
    {  // one village's fid a billion, and GDAL's count of the rows a billion
        GDALAllRegister();
        std::unique_ptr<GDALDataset> ds(GDALDataset::Open(gpkg.c_str(), GDAL_OF_VECTOR | GDAL_OF_UPDATE));
        ASSERT_TRUE(ds);
        ds->ReleaseResultSet(
            ds->ExecuteSQL("UPDATE villages SET fid = 1000000000 WHERE fid = (SELECT max(fid) FROM villages)", nullptr, nullptr));
    }
    sqlite_exec(gpkg, "UPDATE gpkg_ogr_contents SET feature_count = 1000000000 WHERE table_name = 'villages'");
    ASSERT_EQ(sqlite_rows(gpkg, "villages", "fid", {"fid"}).count("1000000000"), 1u);
    const auto after = run_cli_within(std::size_t(3) << 30, args);
    ASSERT_EQ(after.exit_code, 0) << after.err;
    EXPECT_EQ(nlohmann::json::parse(after.out)["total"], nlohmann::json::parse(before.out)["total"]);
}

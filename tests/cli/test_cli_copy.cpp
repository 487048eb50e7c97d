// cleanheat copy: a checked copy of a dataset, also while another command writes it.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support.hpp"

using namespace cleanheat::test;

TEST(CopyCli, ACopyHoldsTheSameContentAndChecksOut) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    const auto r = run_cli({"copy", gpkg.string(), (dir / "copy.gpkg").string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j.at("integrity"), "ok");
    EXPECT_GT(j.at("villages").get<long long>(), 0);
    EXPECT_EQ(j.at("bytes").get<long long>(), static_cast<long long>(fs::file_size(dir / "copy.gpkg")));
    EXPECT_FALSE(fs::exists(dir / "copy.gpkg.partial"));
    EXPECT_FALSE(fs::exists(dir / "copy.gpkg-wal"));  // one file (before any reader opens it)
    EXPECT_EQ(dataset_digest(dir / "copy.gpkg"), dataset_digest(gpkg));
    EXPECT_EQ(integrity_check(dir / "copy.gpkg"), "ok");
    // the copy is a dataset every command reads
    EXPECT_EQ(run_cli({"annex", (dir / "copy.gpkg").string(), "-o", (dir / "annex.xlsx").string(), "--quiet"}).exit_code, 0);
}

TEST(CopyCli, ACopyTakenDuringAnImportHoldsTheStateBeforeOrAfterIt) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    const std::string before = dataset_digest(gpkg);
    const fs::path serial = dir / "serial.gpkg";
    fs::copy_file(gpkg, serial);
    const std::string bin = "'" + std::string(CLEANHEAT_BINARY) + "'";
    const std::string src = "cd '" + source_dir().string() + "' && ";
    shell_output(src + bin + " progress '" + serial.string() +
                 "' data-samples/progress/* --as-of 2022-10-10 --quiet >/dev/null 2>&1");
    const std::string after = dataset_digest(serial);
    ASSERT_NE(before, after);
    // copies every 50 ms while the import runs
    const std::string d = dir.string();
    shell_output(src + "{ " + bin + " progress '" + gpkg.string() +
                 "' data-samples/progress/* --as-of 2022-10-10 --quiet >/dev/null 2>&1 & pid=$!; for i in 1 2 3 4 5 6 7 8; do " +
                 bin + " copy '" + gpkg.string() + "' '" + d + "/copy'$i'.gpkg' --quiet >/dev/null 2>>'" + d +
                 "/copy.err'; echo $? >>'" + d + "/copy.rc'; sleep 0.05; done; wait $pid; }");
    EXPECT_EQ(read_file(dir / "copy.rc"), "0\n0\n0\n0\n0\n0\n0\n0\n") << read_file(dir / "copy.err");
    int seen_before = 0, seen_after = 0;
    for (int i = 1; i <= 8; ++i) {
        const fs::path copy = dir / ("copy" + std::to_string(i) + ".gpkg");
        EXPECT_EQ(integrity_check(copy), "ok") << copy;
        const std::string digest = dataset_digest(copy);
        seen_before += digest == before;
        seen_after += digest == after;
        EXPECT_TRUE(digest == before || digest == after) << copy << ": " << digest;
    }
    std::cout << "copies during an import: " << seen_before << " before, " << seen_after << " after\n";
    EXPECT_EQ(dataset_digest(gpkg), after);
}

TEST(CopyCli, WhatCannotBeCopiedIsRefusedWithTheReason) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    auto refused = [&](const std::vector<std::string>& args, int code, const std::string& said) {
        const auto r = run_cli(args);
        EXPECT_EQ(r.exit_code, code) << r.err;
        EXPECT_NE(r.err.find(said), std::string::npos) << r.err;
    };
    refused({"copy", "PG:dbname=cleanheat", "PG:dbname=other"}, 2, "pg_dump");
    refused({"copy", "PG:dbname=cleanheat host=/nonexistent", (dir / "copy.gpkg").string()}, 3, "cannot connect");
    refused({"copy", gpkg.string(), "PG:dbname=cleanheat host=/nonexistent"}, 3, "cannot connect");
    refused({"copy", gpkg.string(), (dir / "copy.sqlite").string()}, 2, "give a .gpkg file");
    refused({"copy", (dir / "nothing.gpkg").string(), (dir / "copy.gpkg").string()}, 3, "no such file");
    refused({"copy", (source_dir() / "data-samples/villages.gpkg").string(), (dir / "copy.gpkg").string()}, 3,
            "not a dataset of cleanheat merge");
    refused({"copy", gpkg.string(), gpkg.string(), "--overwrite"}, 4, "is an input");
    std::ofstream(dir / "exists.gpkg") << "x";
    refused({"copy", gpkg.string(), (dir / "exists.gpkg").string()}, 4, "exists");
    {
        std::ofstream(gpkg.string() + "-journal", std::ios::binary) << std::string(512, 'j');
    }
    refused({"copy", gpkg.string(), (dir / "copy.gpkg").string()}, 3, "a rollback journal");
    EXPECT_FALSE(fs::exists(dir / "copy.gpkg"));
}

TEST(CopyCli, ADatasetDamagedInItsDataIsNotCopiedAsIfSound) {
    const auto dir = temp_dir();
    const fs::path gpkg = merge_samples(dir);
    const fs::path damaged = dir / "damaged.gpkg";
    {
        std::string bytes = read_file(gpkg);
        ASSERT_GT(bytes.size(), 1000000u);
        // pages in the middle (the villages' rows): a header that opens, data that does not check out
        for (std::size_t p = bytes.size() / 2; p < bytes.size() / 2 + 65536; ++p) bytes[p] = static_cast<char>(0x5a);
        std::ofstream(damaged, std::ios::binary) << bytes;
    }
    ASSERT_NE(integrity_check(damaged), "ok");
    const auto r = run_cli({"copy", damaged.string(), (dir / "copy.gpkg").string()});
    EXPECT_TRUE(r.exit_code == 3 || r.exit_code == 4) << r.exit_code << ": " << r.err;
    EXPECT_TRUE(r.err.find("does not check out") != std::string::npos || r.err.find("damaged") != std::string::npos)
        << r.err;
    EXPECT_FALSE(fs::exists(dir / "copy.gpkg"));
    EXPECT_FALSE(fs::exists(dir / "copy.gpkg.partial"));
}

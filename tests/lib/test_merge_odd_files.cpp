// Odd and hostile plan tables: implausible counts, counts written with spaces or units,
// impossible dates, empty files and sheets, UTF-16 text, pipes and folders given as tables.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdint>
#include <fstream>
#include <map>

#include "base/error.hpp"
#include "commands/merge.hpp"
#include "support.hpp"

using namespace cleanheat;
using namespace cleanheat::test;

namespace {

struct OddRun {
    fs::path dir = temp_dir();
    MergeOptions options;
    OddRun() {
        write_villages(dir / "villages.gpkg", {{"371602001001", "段家庄村委会", "滨北街道", "滨城区", 39500000, 4150000},
                                               {"371602001002", "李家村委会", "滨北街道", "滨城区", 39501000, 4150000},
                                               {"371602001003", "王村村委会", "滨北街道", "滨城区", 39502000, 4150000}});
        options.villages = (dir / "villages.gpkg").string();
        options.output = dir / "out.gpkg";
        options.overwrite = true;
    }
    MergeResult merge_file(const fs::path& table) {
        options.plan_tables = {table.string()};
        Progress progress;
        return merge(options, progress);
    }
    fs::path write(const std::string& name, const std::string& bytes) {
        std::ofstream(dir / name, std::ios::binary) << bytes;
        return dir / name;
    }
};

// UTF-8 text as UTF-16 code units, little or big endian.
std::string utf16(const std::string& utf8, bool little, bool bom) {
    std::string out;
    auto unit = [&](unsigned u) {
        const char a = static_cast<char>(u & 0xFF), b = static_cast<char>(u >> 8);
        out.push_back(little ? a : b);
        out.push_back(little ? b : a);
    };
    if (bom) unit(0xFEFF);
    for (std::size_t i = 0; i < utf8.size();) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        unsigned cp;
        if (c < 0x80) {
            cp = c;
            i += 1;
        } else if (c < 0xE0) {
            cp = ((c & 0x1F) << 6) | (utf8[i + 1] & 0x3F);
            i += 2;
        } else {
            cp = ((c & 0x0F) << 12) | ((utf8[i + 1] & 0x3F) << 6) | (utf8[i + 2] & 0x3F);
            i += 3;
        }
        unit(cp);
    }
    return out;
}

}  // namespace

TEST(MergeOddFiles, ImplausibleCountsAreRejectedNotSummed) {
    OddRun run;
    const auto t = run.write("t.csv",
                             "村名,村代码,煤改电\n段家庄,371602001001,2147483648\n李家,371602001002,60000\n"
                             "王村,371602001003,50000\n");
    const auto r = run.merge_file(t);
    const auto found = issues_with_code(r.issues, "E_COUNT_IMPLAUSIBLE");
    ASSERT_EQ(found.size(), 2u);
    EXPECT_EQ(found[0].row, 2);
    EXPECT_EQ(found[0].value, "2147483648");
    EXPECT_EQ(found[1].row, 3);
    EXPECT_EQ(r.households_total, 50000);
    EXPECT_EQ(r.plan_rows.rejected, 2);
}

TEST(MergeOddFiles, CountsWithSpacesOrUnitsAreReadAndSaidHow) {
    OddRun run;
    const auto t = run.write("t.csv",
                             "村名,村代码,煤改电\n段家庄,371602001001,1 234\n李家,371602001002,12户\n"
                             "王村,371602001003,\"1,200\"\n");
    const auto r = run.merge_file(t);
    const auto said = issues_with_code(r.issues, "W_COUNT_REFORMATTED");
    ASSERT_EQ(said.size(), 2u);  // "1,200" is how numbers are written: not said
    EXPECT_EQ(said[0].value, "1 234");
    EXPECT_NE(said[0].message.find("1234户"), std::string::npos) << said[0].message;
    EXPECT_EQ(said[1].value, "12户");
    EXPECT_EQ(r.households_total, 1234 + 12 + 1200);
}

TEST(MergeOddFiles, ImpossibleDatesAreNotKeptAndSaid) {
    OddRun run;
    const auto t = run.write("t.csv",
                             "村名,村代码,煤改电,计划完工日期\n段家庄,371602001001,10,2022-02-30\n"
                             "李家,371602001002,3,99999999\n王村,371602001003,4,2022年9月20日\n");
    const auto r = run.merge_file(t);
    const auto said = issues_with_code(r.issues, "W_DATE_INVALID");
    ASSERT_EQ(said.size(), 2u);
    EXPECT_EQ(said[0].value, "2022-02-30");
    EXPECT_EQ(said[1].value, "99999999");
    EXPECT_EQ(r.households_total, 17);  // the rows are loaded, the dates are not
    for (const auto& row : read_layer(run.options.output, "plan_rows"))
        EXPECT_EQ(row.at("plan_end"), row.at("village_code") == "371602001003" ? "2022-09-20" : "") << row.at("village_code");
}

TEST(MergeOddFiles, AnEmptyFileIsAnErrorAndABlankSheetIsSaid) {
    OddRun run;
    const auto empty = run.write("empty.csv", "");
    auto r = run.merge_file(empty);
    ASSERT_EQ(issues_with_code(r.issues, "E_TABLE_EMPTY").size(), 1u);
    EXPECT_GT(r.errors, 0);
    const auto blank = run.write("blank.csv", "\n,,\n\n");
    r = run.merge_file(blank);
    EXPECT_EQ(issues_with_code(r.issues, "E_TABLE_EMPTY").size(), 1u);
    // a workbook with a table and a blank extra sheet
    write_xlsx(run.dir / "two.xlsx", {XlsxSheet{"计划",
                                                {text_cell(0, 0, "村名"), text_cell(0, 1, "村代码"),
                                                 text_cell(0, 2, "煤改电"), text_cell(1, 0, "段家庄"),
                                                 text_cell(1, 1, "371602001001"), number_cell(1, 2, "10")},
                                                {}},
                                      XlsxSheet{"Sheet2", {text_cell(0, 0, " ")}, {}}});
    r = run.merge_file(run.dir / "two.xlsx");
    EXPECT_EQ(r.households_total, 10);
    const auto sheets = issues_with_code(r.issues, "W_SHEET_EMPTY");
    ASSERT_EQ(sheets.size(), 1u);
    EXPECT_EQ(sheets[0].sheet, "Sheet2");
    EXPECT_EQ(r.errors, 0);
}

TEST(MergeOddFiles, Utf16TextAsExcelExportsItIsRead) {
    OddRun run;
    const std::string text = "村名\t村代码\t煤改电\r\n段家庄\t371602001001\t10\r\n李家\t371602001002\t7\r\n";
    for (const bool little : {true, false})
        for (const bool bom : {true, false}) {
            const auto t = run.write("unicode.txt", utf16(text, little, bom));
            const auto r = run.merge_file(t);
            EXPECT_EQ(r.households_total, 17) << little << bom;
            ASSERT_EQ(r.files.size(), 1u);
            EXPECT_EQ(r.files[0].counts.encoding, little ? "UTF-16LE" : "UTF-16BE") << little << bom;
        }
}

TEST(MergeOddFiles, APipeOrAFolderGivenAsATableIsRefusedAtOnce) {
    OddRun run;
    const fs::path fifo = run.dir / "plan.csv";
    ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
    // a reader of the pipe would wait for ever: `timeout` turns that into 124
    const std::string command = "timeout 20 '" + std::string(CLEANHEAT_BINARY) + "' merge '" + fifo.string() +
                                "' --villages '" + run.options.villages + "' -o '" + (run.dir / "o.gpkg").string() +
                                "' --quiet 2>&1; echo \"exit=$?\"";
    const std::string out = shell_output(command);
    EXPECT_NE(out.find("exit=3"), std::string::npos) << out;
    EXPECT_NE(out.find("not a regular file"), std::string::npos) << out;
    fs::create_directories(run.dir / "folder.xlsx");
    EXPECT_THROW(run.merge_file(run.dir / "folder.xlsx"), InputError);
}

TEST(MergeOddFiles, AWorkbookThatUnpacksToMoreThanATableHoldsIsRefusedBeforeItIsRead) {
    const auto dir = temp_dir();
    auto refused = [&](int megabytes) {
        const fs::path bomb = dir / ("bomb" + std::to_string(megabytes) + ".xlsx");
        shell_output("/usr/bin/python3 '" + (source_dir() / "tests/data/make_zip_bomb.py").string() + "' '" +
                     bomb.string() + "' " + std::to_string(megabytes));
        EXPECT_LT(fs::file_size(bomb), (static_cast<std::uintmax_t>(megabytes) << 11) + 4096);  // ~1/1000 of it unpacked
        return run_cli({"merge", bomb.string(), "--villages", "data-samples/villages.gpkg", "-o",
                        (dir / "out.gpkg").string(), "--overwrite"});
    };
    const auto strings = refused(130);  // the shared strings above their limit: not even opened
    EXPECT_EQ(strings.exit_code, 3) << strings.err;
    EXPECT_NE(strings.err.find("xl/sharedStrings.xml unpacks to 130 MiB"), std::string::npos) << strings.err;
    const auto cell = refused(1);  // within the limits, one cell of 1 MiB: no spreadsheet has such a cell
    EXPECT_EQ(cell.exit_code, 3) << cell.err;
    EXPECT_NE(cell.err.find("a cell of 1048576 bytes"), std::string::npos) << cell.err;
    EXPECT_FALSE(fs::exists(dir / "out.gpkg"));
}

TEST(MergeOddFiles, IdAndPhoneNumbersInFreeTextAreMaskedWhenStoredAndSaidOncePerFile) {
    OddRun run;
    const auto t = run.write("t.csv",
                             "村名,村代码,煤改电,备注\n段家庄,371602001001,10,户主身份证371602198001011235 电话13905431234\n"
                             "李家,371602001002,3,无\n王村,371602001003,4,联系0543-3211234\n");
    const auto r = run.merge_file(t);
    const auto said = issues_with_code(r.issues, "W_PERSONAL_DATA_MASKED");
    ASSERT_EQ(said.size(), 1u);
    EXPECT_NE(said[0].message.find("2个单元格"), std::string::npos) << said[0].message;
    EXPECT_EQ(r.households_total, 17);  // the rows are loaded as they are
    std::map<std::string, std::string> remarks;
    for (const auto& row : read_layer(run.options.output, "plan_rows")) remarks[row.at("village_code")] = row.at("remark");
    EXPECT_EQ(remarks["371602001001"], "户主身份证371602********1235 电话139****1234");
    EXPECT_EQ(remarks["371602001003"], "联系0543-*****34");
    // nowhere in the dataset's bytes
    const std::string bytes = read_file(run.options.output);
    for (const char* whole : {"371602198001011235", "13905431234", "3211234"})
        EXPECT_EQ(bytes.find(whole), std::string::npos) << whole;
}

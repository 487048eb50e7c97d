// Reads any spreadsheet or CSV into rows of text cells, keeping the row numbers a
// spreadsheet program shows. All I/O goes through GDAL (XLSX, XLS, ODS drivers; VSI
// files for CSV, with GB18030 recoded to UTF-8).
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace cleanheat {

struct TableRow {
    int number = 0;                  // 1-based row (CSV: line where the record starts)
    std::vector<std::string> cells;  // column A first; trailing empty cells may be missing

    const std::string& cell(std::size_t column) const;
    bool blank() const;
};

struct Sheet {
    std::string name;  // sheet name; for CSV empty
    std::vector<TableRow> rows;
};

struct Table {
    std::string file;      // path as given
    std::string encoding;  // CSV: UTF-8 or GB18030; spreadsheets: empty
    std::vector<Sheet> sheets;
    int masked_cells = 0;      // cells where an ID or phone number was masked (text.hpp)
    std::string first_masked;  // where the first one was: "sheet row N"
};

// What a workbook may unpack to (a crafted .xlsx of a few MiB can unpack to GiB), and what one
// cell may hold (Excel's own limit is 32,767 characters, up to 4 bytes each in UTF-8).
constexpr unsigned long long kMaxSharedStringsBytes = 128ull << 20;
constexpr unsigned long long kMaxWorkbookPartBytes = 1024ull << 20;
constexpr unsigned long long kMaxWorkbookBytes = 2048ull << 20;
constexpr std::size_t kMaxCellBytes = 32767 * 4;

// Throws InputError when the file is missing, is no regular file, unpacks to more than the limits
// above, or no driver can read it. ID and phone numbers in cells are masked
// (mask_personal_numbers) unless `keep_personal` (the household lists, whose payment needs them:
// docs/households.md).
Table read_table(const std::string& path, bool keep_personal = false);

// Splits CSV text (UTF-8) into records, each with the line it starts on.
// The delimiter is guessed among , ; and tab from the first lines.
std::vector<TableRow> parse_csv(const std::string& text);

}  // namespace cleanheat

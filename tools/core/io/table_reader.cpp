#include "io/table_reader.hpp"

#include <gdal.h>
#include <ogrsf_frmts.h>
#include <cpl_conv.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "base/error.hpp"
#include "io/gdal_context.hpp"
#include "base/text.hpp"
#include "base/stop.hpp"

namespace cleanheat {
namespace {

std::string lower_extension(const std::string& path) {
    std::string ext = std::filesystem::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

std::string read_whole_file(const std::string& path) {
    VSILFILE* f = VSIFOpenL(path.c_str(), "rb");
    if (!f) throw InputError(path + ": cannot open: " + std::strerror(errno));
    std::string data;
    char buffer[1 << 16];
    size_t n;
    while ((n = VSIFReadL(buffer, 1, sizeof buffer, f)) > 0) data.append(buffer, n);
    VSIFCloseL(f);
    return data;
}

char guess_delimiter(const std::string& text) {
    const std::size_t end = std::min<std::size_t>(text.size(), 8192);
    std::size_t commas = 0, semicolons = 0, tabs = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < end; ++i) {
        const char c = text[i];
        if (c == '"') quoted = !quoted;
        if (quoted) continue;
        if (c == ',') ++commas;
        if (c == ';') ++semicolons;
        if (c == '\t') ++tabs;
    }
    if (tabs > commas && tabs > semicolons) return '\t';
    if (semicolons > commas) return ';';
    return ',';
}

// UTF-16 text (Excel's "Unicode text" export: UTF-16LE with a BOM, tab separated) to UTF-8;
// without a BOM, recognised by the zero bytes of ASCII characters. Empty when not UTF-16.
std::string utf16_to_utf8(const std::string& data, std::string& encoding) {
    bool little = true;
    std::size_t start = 0;
    if (starts_with(data, "\xFF\xFE")) {
        start = 2;
    } else if (starts_with(data, "\xFE\xFF")) {
        little = false;
        start = 2;
    } else {
        // without BOM: most ASCII characters have a zero byte beside them
        const std::size_t n = std::min<std::size_t>(data.size(), 4096) & ~std::size_t(1);
        std::size_t zero_odd = 0, zero_even = 0;
        for (std::size_t i = 0; i < n; ++i)
            if (data[i] == '\0') ++((i % 2) ? zero_odd : zero_even);
        if (n < 4 || (zero_odd * 3 < n && zero_even * 3 < n)) return {};
        little = zero_odd > zero_even;
    }
    encoding = little ? "UTF-16LE" : "UTF-16BE";
    std::string out;
    out.reserve(data.size());
    auto unit = [&](std::size_t i) -> unsigned {
        const auto a = static_cast<unsigned char>(data[i]), b = static_cast<unsigned char>(data[i + 1]);
        return little ? (a | (b << 8)) : ((a << 8) | b);
    };
    for (std::size_t i = start; i + 1 < data.size(); i += 2) {
        unsigned u = unit(i);
        if (u >= 0xD800 && u < 0xDC00 && i + 3 < data.size()) {
            const unsigned low = unit(i + 2);
            if (low >= 0xDC00 && low < 0xE000) {
                append_utf8(out, 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00));
                i += 2;
                continue;
            }
        }
        append_utf8(out, u >= 0xD800 && u < 0xE000 ? 0xFFFD : u);
    }
    return out;
}

Table read_csv(const std::string& path) {
    Table table;
    table.file = path;
    std::string data = read_whole_file(path);
    if (starts_with(data, "\xEF\xBB\xBF")) data.erase(0, 3);
    std::string utf16_encoding;
    std::string from_utf16 = utf16_to_utf8(data, utf16_encoding);
    if (!utf16_encoding.empty()) {
        data = std::move(from_utf16);
        table.encoding = utf16_encoding;
    } else if (is_valid_utf8(data)) {
        table.encoding = "UTF-8";
    } else {
        char* recoded = CPLRecode(data.c_str(), "GB18030", CPL_ENC_UTF8);
        if (!recoded) throw InputError(path + ": cannot read: not UTF-8 and not GB18030 text");
        data = recoded;
        CPLFree(recoded);
        table.encoding = "GB18030";
    }
    Sheet sheet;
    sheet.rows = parse_csv(data);
    table.sheets.push_back(std::move(sheet));
    return table;
}

// A GDAL configuration option for this thread only, restored on scope exit.
class ThreadOption {
public:
    ThreadOption(const char* key, const char* value) : key_(key) {
        if (const char* old = CPLGetThreadLocalConfigOption(key, nullptr)) old_ = old, had_ = true;
        CPLSetThreadLocalConfigOption(key, value);
    }
    ~ThreadOption() { CPLSetThreadLocalConfigOption(key_, had_ ? old_.c_str() : nullptr); }
    ThreadOption(const ThreadOption&) = delete;
    ThreadOption& operator=(const ThreadOption&) = delete;

private:
    const char* key_;
    std::string old_;
    bool had_ = false;
};

// Workbooks are zip files whose parts GDAL unpacks whole: a few MiB can unpack to GiB (one huge
// shared string). The parts' sizes are checked before GDAL opens the file.
void check_unpacked_sizes(const std::string& path) {
    const std::string ext = lower_extension(path);
    if (ext != ".xlsx" && ext != ".ods") return;
    const std::string root = "/vsizip/{" + path + "}";
    char** entries = VSIReadDirRecursive(root.c_str());
    if (!entries) return;  // not a zip: GDAL says what it is
    unsigned long long total = 0;
    std::string error;
    for (int i = 0; entries[i] && error.empty(); ++i) {
        VSIStatBufL stat;
        const std::string part = entries[i];
        if (VSIStatL((root + "/" + part).c_str(), &stat) != 0 || VSI_ISDIR(stat.st_mode)) continue;
        const auto size = static_cast<unsigned long long>(stat.st_size);
        total += size;
        const bool strings = part == "xl/sharedStrings.xml";
        const unsigned long long limit = strings ? kMaxSharedStringsBytes : kMaxWorkbookPartBytes;
        if (size > limit)
            error = part + " unpacks to " + std::to_string(size >> 20) + " MiB, more than the " +
                    std::to_string(limit >> 20) + " MiB a " + (strings ? "workbook's shared strings" : "sheet") +
                    " may hold";
    }
    CSLDestroy(entries);
    if (error.empty() && total > kMaxWorkbookBytes)
        error = "unpacks to " + std::to_string(total >> 20) + " MiB, more than the " +
                std::to_string(kMaxWorkbookBytes >> 20) + " MiB a workbook may hold";
    if (!error.empty())
        throw InputError(path + ": refused: " + error, "a crafted or broken file; a genuine table is far smaller "
                                                       "(limits in docs/merge.md)");
}

Table read_spreadsheet(const std::string& path) {
    check_unpacked_sizes(path);
    Table table;
    table.file = path;
    // Every row as data, every cell as text: header detection is ours.
    ThreadOption h1("OGR_XLSX_HEADERS", "DISABLE");
    ThreadOption h2("OGR_XLS_HEADERS", "DISABLE");
    ThreadOption h3("OGR_ODS_HEADERS", "DISABLE");
    ThreadOption t1("OGR_XLSX_FIELD_TYPES", "STRING");
    ThreadOption t2("OGR_XLS_FIELD_TYPES", "STRING");
    ThreadOption t3("OGR_ODS_FIELD_TYPES", "STRING");
    GdalErrorCapture capture;
    const char* const drivers[] = {"XLSX", "XLS", "ODS", "CSV", nullptr};
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, drivers));
    if (!ds) {
        std::string why = capture.last_message();
        if (!std::filesystem::exists(path)) why = "no such file";
        if (why.empty()) why = "not a spreadsheet GDAL can read";
        throw InputError(path + ": cannot open: " + why);
    }
    for (auto* layer : ds->GetLayers()) {
        Sheet sheet;
        sheet.name = layer->GetName();
        layer->ResetReading();
        const int fields = layer->GetLayerDefn()->GetFieldCount();
        int previous = 0;
        for (auto& feature : *layer) {
            if ((feature->GetFID() & 4095) == 0) throw_if_stop_requested();
            TableRow row;
            // The spreadsheet drivers number features by sheet row (1-based).
            row.number = static_cast<int>(feature->GetFID());
            if (row.number <= previous) row.number = previous + 1;
            previous = row.number;
            row.cells.resize(fields);
            for (int i = 0; i < fields; ++i)
                if (feature->IsFieldSetAndNotNull(i)) {
                    row.cells[i] = feature->GetFieldAsString(i);
                    if (row.cells[i].size() > kMaxCellBytes)
                        throw InputError(path + ": refused: sheet " + sheet.name + ", row " + std::to_string(row.number) +
                                             ": a cell of " + std::to_string(row.cells[i].size()) +
                                             " bytes, more than a spreadsheet cell holds",
                                         "a crafted or broken file (limits in docs/merge.md)");
                }
            while (!row.cells.empty() && row.cells.back().empty()) row.cells.pop_back();
            sheet.rows.push_back(std::move(row));
        }
        table.sheets.push_back(std::move(sheet));
    }
    return table;
}

}  // namespace

const std::string& TableRow::cell(std::size_t column) const {
    static const std::string empty;
    return column < cells.size() ? cells[column] : empty;
}

bool TableRow::blank() const {
    return std::all_of(cells.begin(), cells.end(), [](const std::string& c) { return trim(c).empty(); });
}

std::vector<TableRow> parse_csv(const std::string& text) {
    std::vector<TableRow> rows;
    const char delimiter = guess_delimiter(text);
    int line = 1;
    std::size_t i = 0;
    while (i < text.size()) {
        if ((rows.size() & 4095) == 0) throw_if_stop_requested();
        TableRow row;
        row.number = line;
        std::string cell;
        bool quoted = false;
        bool end_of_record = false;
        while (i < text.size() && !end_of_record) {
            const char c = text[i];
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < text.size() && text[i + 1] == '"') {
                        cell.push_back('"');
                        ++i;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') ++line;
                    cell.push_back(c);
                }
            } else if (c == '"') {
                quoted = true;
            } else if (c == delimiter) {
                row.cells.push_back(std::move(cell));
                cell.clear();
            } else if (c == '\r' || c == '\n') {
                if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
                ++line;
                end_of_record = true;
            } else {
                cell.push_back(c);
            }
            ++i;
        }
        row.cells.push_back(std::move(cell));
        while (!row.cells.empty() && row.cells.back().empty()) row.cells.pop_back();
        rows.push_back(std::move(row));
    }
    return rows;
}

Table read_table(const std::string& path, bool keep_personal) {
    std::error_code ec;
    const auto status = std::filesystem::status(path, ec);
    if (!std::filesystem::exists(status)) throw InputError(path + ": cannot open: no such file");
    if (std::filesystem::is_directory(status)) throw InputError(path + ": is a folder, not a table");
    if (!std::filesystem::is_regular_file(status))
        throw InputError(path + ": not a regular file (a pipe or a device); give a table file");
    const std::string ext = lower_extension(path);
    Table table = ext == ".csv" || ext == ".txt" || ext == ".tsv" ? read_csv(path) : read_spreadsheet(path);
    if (keep_personal) return table;
    // personal numbers never go further than the reader
    for (auto& sheet : table.sheets)
        for (auto& row : sheet.rows)
            for (auto& cell : row.cells)
                if (cell.size() >= 7 && mask_personal_numbers(cell) > 0) {
                    ++table.masked_cells;
                    if (table.first_masked.empty())
                        table.first_masked = (sheet.name.empty() ? "" : sheet.name + " ") + "row " +
                                             std::to_string(row.number);
                }
    return table;
}

}  // namespace cleanheat

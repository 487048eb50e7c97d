// Finds the header rows of a hand-filled table by their content and gives every column
// a role: one or two header rows, merged group cells (改造户数 over 合计/集中供热/...),
// the many spellings counties use, English field names.
#pragma once
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include "io/table_reader.hpp"
#include "base/routes.hpp"

namespace cleanheat {

enum class ColumnRole {
    none,
    seq,            // 序号
    county,         // 县（市、区）, also the unit of annex 2
    county_code,    // 县代码
    township,       // 乡镇（街道）
    township_code,  // 乡镇代码
    village_name,   // 村（居）
    village_code,   // 村代码, 统计用区划代码
    total,          // 合计 / 改造户数 when routes are split in columns
    route_count,    // households of one route (集中供热, 煤改气 ...)
    route_text,     // 改造方式: the route or device named in the cell
    device,         // 设备类型
    households,     // 户数 when the route is in its own column
    start_date,     // 计划开工日期
    end_date,       // 计划完工日期
    remark,         // 备注
    area,           // 新增集中供热面积
    heat_source,    // 热源
    started,        // 已开工(户数): progress reports
    completed,      // 已完工(户数)
    accepted,       // 已验收(户数)
    accept_date,    // 验收日期
    info,           // known, not loaded: 联系人, 联系电话, 人口, 其中：低保户, 投资（万元）, 设备（台） ...
};

const char* role_name(ColumnRole role);

struct ColumnSpec {
    int index = 0;  // 0-based column
    ColumnRole role = ColumnRole::none;
    Route route = Route::other;  // for route_count
    std::string route_detail;    // for route_count of other routes (地热 ...)
    std::string label;           // the header text as written (group/label)
    double factor = 1.0;         // area: m2 per unit (10000 for 万平方米)
    bool not_clean = false;      // route_count of coal (洁净型煤, 兰炭 ...): a nonzero count rejects the row
    bool under_count_group = false;  // below a household group (改造户数, 户数, 其中 ...) in a two-level header
    int header_row = 0;          // 1-based row of the header cell that names the column
    std::string doubt;           // unknown columns: why a column with a known name is not used (a second 合计 ...)
};

struct Layout {
    int header_first = 0;  // index into Sheet::rows
    int header_last = 0;   // == header_first for a one-level header
    std::vector<ColumnSpec> columns;
    // Columns with no known meaning (role none), blank headers included, in the header's width.
    // A plan table may not have such a column under a household group or holding counts.
    std::vector<ColumnSpec> unknown;

    const ColumnSpec* find(ColumnRole role) const;
    std::vector<const ColumnSpec*> all(ColumnRole role) const;
    bool has(ColumnRole role) const { return find(role) != nullptr; }
};

// True when a group header (the merged upper cell) stands over household counts: 改造户数, 户数, 其中 ...
bool is_count_group(const std::string& group);

// Role of one header cell; `group` is the merged cell above it in a two-level header.
ColumnSpec classify_header(const std::string& label, const std::string& group);

// What kind of table to look for.
enum class TableKind { plan, heating, progress };

// True when a row reads as a plan table's header (no counts; a village name or code column and at
// least two more known columns): a header repeated on a later page, or the header of a second table.
bool is_header_row(const TableRow& row);

// A mapping file (styles/mapping-*.json) naming the columns of an unusual layout.
struct ColumnMapping {
    std::string file;     // the mapping file itself, for messages
    std::string table;    // file name (or path) of the plan table it is for; empty: every table
    std::string sheet;    // sheet it is for; empty: every sheet of the table
    int header_row = 0;   // 1-based row of the (last) header row; 0: found by content
    int header_rows = 1;  // with header_row: 1 or 2 header rows
    // column letter ("E") or header text -> role name (village_code ...) or route:<key>
    std::vector<std::pair<std::string, std::string>> columns;
};
// Reads a mapping file: one mapping object, or an array of them (one per table or sheet);
// throws InputError naming the key that is wrong.
std::vector<ColumnMapping> load_mappings(const std::string& path);
// The mapping of the list that fits a table file and sheet best (table and sheet named, then
// table only, then neither); nullptr when none fits.
const ColumnMapping* mapping_for(const std::vector<ColumnMapping>& mappings, const std::string& table_file,
                                 const std::string& sheet);
// A single mapping (progress reports); the file must hold exactly one.
ColumnMapping load_mapping(const std::string& path);

// Finds the header among the first rows of the sheet; nullopt when none fits the kind.
// With a mapping, its header row and column roles win over what the content says.
std::optional<Layout> detect_layout(const Sheet& sheet, TableKind kind, const ColumnMapping* mapping = nullptr);

}  // namespace cleanheat

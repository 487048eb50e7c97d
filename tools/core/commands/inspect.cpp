#include "commands/inspect.hpp"

#include <fstream>

#include "base/error.hpp"
#include "io/atomic_output.hpp"
#include "io/gdal_context.hpp"
#include "io/table_reader.hpp"

namespace cleanheat {
namespace {

InspectedColumn column_of(const ColumnSpec& spec, bool understood) {
    InspectedColumn column;
    column.letter = column_letter(spec.index);
    column.header = spec.label;
    column.header_row = spec.header_row;
    column.understood = understood;
    column.meaning = understood ? column_meaning(spec) : "?";
    if (spec.role == ColumnRole::route_count)
        column.route = spec.not_clean || spec.route == Route::other ? spec.route_detail : route_name(spec.route);
    return column;
}

InspectedSheet sheet_of(const SheetCounts& counts, const Table& table, const PlanReadResult& read) {
    InspectedSheet sheet;
    sheet.name = counts.sheet;
    sheet.counts = counts;
    sheet.counts.layout.reset();
    if (!counts.layout) return sheet;
    const Layout& layout = *counts.layout;
    sheet.has_header = true;
    for (const auto& s : table.sheets)
        if (s.name == counts.sheet) {
            sheet.header_first_row = s.rows[layout.header_first].number;
            sheet.header_last_row = s.rows[layout.header_last].number;
        }
    for (const auto& spec : layout.columns) sheet.columns.push_back(column_of(spec, true));
    for (const auto& spec : layout.unknown) {
        InspectedColumn column = column_of(spec, false);
        for (const auto& issue : read.issues)
            if (issue.code == "E_HEADER_UNMAPPED" && issue.sheet == counts.sheet && issue.column == column.letter)
                column.stops_file = true;
        if (!column.stops_file) column.meaning = "none";  // a text column of no concern
        sheet.columns.push_back(column);
    }
    std::sort(sheet.columns.begin(), sheet.columns.end(), [](const InspectedColumn& a, const InspectedColumn& b) {
        return a.letter.size() != b.letter.size() ? a.letter.size() < b.letter.size() : a.letter < b.letter;
    });
    return sheet;
}

InspectedFile inspect_file(const std::string& path, const std::vector<ColumnMapping>& mappings) {
    const Table table = read_table(path);
    const PlanReadResult read = read_plan_rows(table, mappings);
    InspectedFile file;
    file.file = path;
    file.encoding = table.encoding;
    file.refused = read.refused;
    file.issues = read.issues;
    file.data_rows = read.counts.data_rows();
    file.rows_rejected = read.rows_rejected;
    file.rows_parsed = static_cast<int>(read.rows.size());
    for (const auto& counts : read.counts.sheets) file.sheets.push_back(sheet_of(counts, table, read));
    for (const auto& row : read.rows)
        for (const auto& r : row.routes) {
            file.households[static_cast<int>(r.route)] += r.households;
            for (auto& sheet : file.sheets)
                if (sheet.name == row.sheet) sheet.households[static_cast<int>(r.route)] += r.households;
        }
    for (const auto& row : read.rows)
        for (auto& sheet : file.sheets)
            if (sheet.name == row.sheet) ++sheet.rows_parsed;
    file.mapping = mapping_of_file(table, read.counts, read.issues);
    return file;
}

}  // namespace

InspectResult inspect(const InspectOptions& options, Progress& progress) {
    ensure_gdal();
    if (options.tables.empty()) throw UsageError("no tables given", "name the plan tables (xlsx, xls, ods, csv)");
    std::vector<ColumnMapping> mappings;
    for (const auto& file : options.mapping_files) {
        auto some = load_mappings(file);
        mappings.insert(mappings.end(), some.begin(), some.end());
    }
    std::optional<AtomicOutput> output;
    if (!options.mapping_out.empty()) {
        std::vector<std::filesystem::path> inputs(options.tables.begin(), options.tables.end());
        inputs.insert(inputs.end(), options.mapping_files.begin(), options.mapping_files.end());
        output.emplace(options.mapping_out, options.overwrite, inputs);
    }
    InspectResult result;
    for (std::size_t i = 0; i < options.tables.size(); ++i) {
        progress.update(static_cast<double>(i) / static_cast<double>(options.tables.size()), "Reading tables");
        result.files.push_back(inspect_file(options.tables[i], mappings));
        const auto& file = result.files.back();
        if (!file.refused.empty()) ++result.refused_files;
        for (const auto& issue : file.issues) (issue.severity == Severity::error ? result.errors : result.warnings)++;
    }
    if (output) {
        nlohmann::json all = nlohmann::json::array();
        for (const auto& file : result.files)
            for (const auto& m : file.mapping) all.push_back(m);
        const nlohmann::json doc = all.size() == 1 ? all[0] : all;
        {
            std::ofstream out(output->partial(), std::ios::binary);
            out << doc.dump(2) << "\n";
            out.close();
            if (!out) throw OutputError(output->partial().string() + ": cannot write");
        }
        output->commit();
        result.mapping_out = options.mapping_out;
    }
    progress.update(1.0, "done");
    return result;
}

}  // namespace cleanheat

#include "commands/merge.hpp"
#include "base/stop.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cctype>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <future>
#include <thread>
#include <optional>
#include <set>
#include <stdexcept>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "base/error.hpp"
#include "base/text.hpp"
#include "dataset/copy.hpp"
#include "dataset/pg_writer.hpp"
#include "dataset/snapshot.hpp"
#include "dataset/schema.hpp"
#include "io/pg_connection.hpp"
#include "geo/crs.hpp"
#include "geo/gcj02_check.hpp"
#include "render/qml.hpp"
#include "geo/reproject.hpp"
#include "io/atomic_output.hpp"
#include "io/file_info.hpp"
#include "io/gdal_context.hpp"
#include "io/geodata_reader.hpp"
#include "io/gpkg_writer.hpp"
#include "io/raw_geometry.hpp"
#include "io/table_reader.hpp"
#include "commands/village_match.hpp"

namespace cleanheat {
namespace fs = std::filesystem;
namespace {

const std::string kEmpty, kGeom = "geom";  // (layer_styles: no catalog or schema in a GeoPackage)

// What the plan says for one village, summed over its loaded rows.
struct PlannedVillage {
    std::array<long long, kRouteCount> households{};
    std::vector<std::string> devices, other_routes;  // distinct, in order of appearance
    std::string start, end;
    int rows = 0;
    bool by_name = false;
};

struct LoadedEntry {
    const PlanRow* row;
    const Village* village;
    const RouteHouseholds* route;
    bool by_name;
};

// A village and a route (other routes by their name) as a map key.
struct EntryKey {
    std::size_t village;
    int route;
    std::string detail;
    bool operator==(const EntryKey& o) const { return village == o.village && route == o.route && detail == o.detail; }
};
struct EntryKeyHash {
    std::size_t operator()(const EntryKey& k) const {
        return std::hash<std::size_t>()(k.village * 8 + static_cast<std::size_t>(k.route)) ^
               std::hash<std::string>()(k.detail);
    }
};

// Matches the parsed rows to villages: by code, else by county + township + name;
// rejects duplicates (same village, same route) and counts everything.
class Matcher {
public:
    Matcher(const VillageIndex& index, std::vector<Issue>& issues)
        : index_(index), issues_(issues), first_entry_(index.size() * 4, -1), first_of_village_(index.size(), -1) {}

    std::vector<LoadedEntry> entries;
    int loaded_rows = 0;
    int rejected_rows = 0;
    int by_name_rows = 0;

    void reserve(std::size_t rows) { entries.reserve(rows + rows / 4); }

    void add(const PlanRow& row) {
        VillageMatch match = match_village(index_, row);
        if (match.error) {
            reject(std::move(*match.error));
            return;
        }
        const Village* village = match.village;
        const bool by_name = match.by_name;
        std::vector<Issue> warnings = row.warnings;
        for (auto& w : match.warnings) warnings.push_back(std::move(w));
        // the same village with the same route again: counted once; parts of a village (（一）, （二）) add up
        const std::string part = village_part_suffix(row.village_name);
        for (const auto& r : row.routes) {
            const LoadedEntry* seen = first_of(village, r);
            if (seen && !part.empty() && !village_part_suffix(seen->row->village_name).empty() &&
                parts_seen_.count(part_key(village, r, part)) == 0)
                seen = nullptr;  // another part of the village
            if (seen) {
                const PlanRow* first = seen->row;
                std::string detail = "与" + first->file + (first->sheet.empty() ? "" : "“" + first->sheet + "”") +
                                     "第" + std::to_string(first->row) + "行重复（" + village->code + " " +
                                     village->name + "，" + route_name(r.route) + "）";
                if (seen->route->households != r.households)
                    detail += "，户数不同：先前" + std::to_string(seen->route->households) + "户，本行" +
                              std::to_string(r.households) + "户";
                reject(issue(row, "E_DUPLICATE", row.code_text.empty() ? row.name_column : row.code_column,
                             row.code_text.empty() ? row.village_name : row.code_text, detail));
                return;
            }
        }
        // the village loaded from another file before (another route): said, both kept
        const int32_t earlier = first_of_village_[index_.position(village)];
        if (earlier >= 0 && entries[static_cast<std::size_t>(earlier)].row->file != row.file) {
            const PlanRow* first = entries[static_cast<std::size_t>(earlier)].row;
            warnings.push_back(issue(row, "W_VILLAGE_IN_TWO_FILES",
                                     row.code_text.empty() ? row.name_column : row.code_column,
                                     row.code_text.empty() ? row.village_name : row.code_text,
                                     village->code + " " + village->name + "已见于" + first->file +
                                         (first->sheet.empty() ? "" : "“" + first->sheet + "”") + "第" +
                                         std::to_string(first->row) + "行"));
        }
        for (const auto& r : row.routes) {
            const auto entry = static_cast<int32_t>(entries.size());
            if (first_of_village_[index_.position(village)] < 0) first_of_village_[index_.position(village)] = entry;
            if (!part.empty()) parts_seen_.insert(part_key(village, r, part));
            entries.push_back({&row, village, &r, by_name});
            if (r.route == Route::other)
                other_seen_.emplace(key_of(village, r), entry);
            else
                first_entry_[index_.position(village) * 4 + static_cast<std::size_t>(r.route)] = entry;
        }
        for (auto& w : warnings) issues_.push_back(std::move(w));
        ++loaded_rows;
        if (by_name) ++by_name_rows;
    }

private:
    Issue issue(const PlanRow& row, const std::string& code, const std::string& column, const std::string& value,
                const std::string& detail) {
        return make_issue(code, row.file, row.sheet, row.row, column, value, detail);
    }
    std::string part_key(const Village* village, const RouteHouseholds& r, const std::string& part) const {
        return std::to_string(index_.position(village)) + '|' + std::to_string(static_cast<int>(r.route)) + '|' +
               r.detail + '|' + part;
    }
    EntryKey key_of(const Village* village, const RouteHouseholds& r) const {
        return {index_.position(village), static_cast<int>(r.route),
                r.route == Route::other ? r.detail : std::string()};
    }
    // The entry that first loaded this village and route, or nullptr.
    const LoadedEntry* first_of(const Village* village, const RouteHouseholds& r) const {
        int32_t entry = -1;
        if (r.route == Route::other) {
            const auto it = other_seen_.find(key_of(village, r));
            if (it != other_seen_.end()) entry = it->second;
        } else {
            entry = first_entry_[index_.position(village) * 4 + static_cast<std::size_t>(r.route)];
        }
        return entry < 0 ? nullptr : &entries[static_cast<std::size_t>(entry)];
    }
    void reject(Issue issue) {
        issues_.push_back(std::move(issue));
        ++rejected_rows;
    }

    const VillageIndex& index_;
    std::vector<Issue>& issues_;
    std::vector<int32_t> first_entry_;  // village * 4 + route (the four routes) -> entry, -1 when none
    std::unordered_map<EntryKey, int32_t, EntryKeyHash> other_seen_;  // other routes, by their name
    std::vector<int32_t> first_of_village_;  // village -> its first entry, -1 when none
    std::unordered_set<std::string> parts_seen_;  // village|route|detail|part of the parts loaded
};

void add_distinct(std::vector<std::string>& items, const std::string& item) {
    if (std::find(items.begin(), items.end(), item) == items.end()) items.push_back(item);
}

std::string join(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& s : items) out += (out.empty() ? "" : "、") + s;
    return out;
}

// Whether a villages source is a database (GDAL's PG: or a postgresql:// address).
bool reads_a_database(const std::string& source) {
    const std::string s = lower_ascii(source);
    return is_pg_name(source) || s.rfind("postgresql://", 0) == 0 || s.rfind("postgres://", 0) == 0;
}

// Where the merged dataset goes: a new GeoPackage, or a schema of a database. open() when the
// rows are ready, create() each table, begin_rows(), rows() of each table in turn, finish().
class MergeOutput {
public:
    virtual ~MergeOutput() = default;
    virtual void open() = 0;
    virtual void create(const dataset::Table& table, OGRwkbGeometryType type, const OGRSpatialReference* srs) = 0;
    virtual void begin_rows() = 0;
    // The srs_id the villages' GeoPackage blobs carry.
    virtual int srs_id() const = 0;
    // The rows of one table; the table's before ended.
    virtual RowSink& rows(const std::string& table) = 0;
    // The villages keep the FIDs and geometries of the GeoPackage layer: its spatial index reused.
    virtual void reuse_spatial_index(const VillageSource&) {}
    // Done: the output's name.
    virtual std::string finish(const Progress& progress) = 0;
};

// A new GeoPackage: schema through GDAL, rows through SQLite (io/gpkg_writer.hpp), renamed into
// place once whole.
class GpkgOutput final : public MergeOutput {
public:
    GpkgOutput(const fs::path& file, bool overwrite, const std::vector<fs::path>& inputs)
        : output_(file, overwrite, inputs) {}
    void open() override { writer_ = std::make_unique<GpkgWriter>(output_.partial().string()); }
    void create(const dataset::Table& table, OGRwkbGeometryType type, const OGRSpatialReference* srs) override {
        if (table.features)  // (the villages keep their FIDs from the geodata)
            writer_->create_layer(table.name, type, srs, dataset::writer_fields(table), table.description, true);
        else
            writer_->create_layer(table.name, wkbNone, nullptr, dataset::writer_fields(table), table.description);
    }
    void begin_rows() override { writer_->begin_rows(); }
    int srs_id() const override { return writer_->srs_id("villages"); }
    RowSink& rows(const std::string& table) override {
        rows_.reset();
        rows_ = std::make_unique<BulkInsert>(*writer_, table);
        return *rows_;
    }
    void reuse_spatial_index(const VillageSource& villages) override {
        writer_->reuse_spatial_index("villages", villages.source, villages.layer_name, villages.layer->GetGeometryColumn());
    }
    std::string finish(const Progress& progress) override {
        rows_.reset();
        progress.update(0.0, "Building the spatial index");
        writer_->finish();
        output_.commit();
        return output_.target().string();
    }

private:
    AtomicOutput output_;
    std::unique_ptr<GpkgWriter> writer_;
    std::unique_ptr<BulkInsert> rows_;
};

// A schema of a database: each table's rows into a COPY while they are made, one transaction
// (dataset/pg_writer.hpp).
class PgOutput final : public MergeOutput {
public:
    PgOutput(const std::string& name, const std::string& schema, bool overwrite) : writer_(name, schema, overwrite) {}
    void open() override { writer_.begin(); }
    void create(const dataset::Table& table, OGRwkbGeometryType type, const OGRSpatialReference* srs) override {
        if (!table.features) {
            writer_.create_table(table);
            return;
        }
        // the CRS as an EPSG code, as a GeoPackage records it and PostGIS and the copy out read it
        int srid = 0;
        if (srs) {
            OGRSpatialReference identified(*srs);
            const char* authority = identified.GetAuthorityName(nullptr);
            if (!authority || std::string(authority) != "EPSG") identified.AutoIdentifyEPSG();
            authority = identified.GetAuthorityName(nullptr);
            const char* code = identified.GetAuthorityCode(nullptr);
            if (!authority || std::string(authority) != "EPSG" || !code)
                throw UsageError(writer_.label() + ": the working CRS (" + describe_crs(*srs) +
                                     ") has no EPSG code, which a database keeps with the geometries",
                                 "name one with --working-crs EPSG:<code>");
            srid = std::atoi(code);
        }
        std::string name = OGRToOGCGeomType(wkbFlatten(type));
        if (wkbHasZ(type) || wkbHasM(type)) name += std::string(" ") + (wkbHasZ(type) ? "Z" : "") + (wkbHasM(type) ? "M" : "");
        writer_.create_table(table, srid, name);
    }
    void begin_rows() override {}
    int srs_id() const override { return 0; }
    RowSink& rows(const std::string& table) override { return writer_.rows(table); }
    std::string finish(const Progress& progress) override {
        writer_.finish(progress);
        return writer_.label();
    }

private:
    dataset::PgDatasetWriter writer_;
};

}  // namespace

MergeResult merge(const MergeOptions& options, Progress& progress) {
    if (is_pg_name(options.output.string()) && reads_a_database(options.villages)) {
        // Villages read from a database, maybe from the dataset being replaced: they are read
        // again while the rows are written, and the tables replaced stay locked until the end.
        // So the merge is made whole into a file first, then copied in bulk.
        const dataset::TempFolder folder;
        MergeOptions local = options;
        local.output = fs::path(folder.path()) / "merged.gpkg";
        Progress merging = progress.slice(0.0, 0.85), copying = progress.slice(0.85, 1.0);
        MergeResult result = merge(local, merging);
        CopyOptions copy;
        copy.source = local.output.string();
        copy.destination = options.output.string();
        copy.pg_schema = options.pg_schema;
        copy.overwrite = options.overwrite;
        result.output = copy_dataset(copy, copying).destination;
        return result;
    }
    ensure_gdal();
    MergeResult result;
    result.output = options.output;
    const std::string started_at = now_iso();
    if (options.villages.empty()) throw UsageError("no village geodata given (--villages)");
    if (options.plan_tables.empty() && options.heating_table.empty())
        throw UsageError("no plan tables given", "name the county plan tables (xlsx, xls, ods, csv) first");
    const bool into_database = is_pg_name(options.output.string());
    if (!into_database) {
        std::string extension = options.output.extension().string();
        for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        if (extension != ".gpkg")
            throw UsageError(options.output.string() + ": the merged dataset is a GeoPackage; name it *.gpkg",
                             "e.g. -o out/merged.gpkg");
    }

    // Inputs that must never be replaced.
    std::vector<fs::path> inputs(options.plan_tables.begin(), options.plan_tables.end());
    if (!options.heating_table.empty()) inputs.emplace_back(options.heating_table);
    inputs.emplace_back(options.villages);
    // (a database is asked now whether it may take the dataset, before the work)
    std::unique_ptr<MergeOutput> output;
    if (into_database)
        output = std::make_unique<PgOutput>(options.output.string(), options.pg_schema, options.overwrite);
    else
        output = std::make_unique<GpkgOutput>(options.output, options.overwrite, inputs);

    // The second core: hash the inputs and read the tables while the villages are read. The
    // descriptors hashed stay open until the villages are closed: the villages may be an SQLite
    // file, and closing a descriptor of it would drop the locks of GDAL's connection to it.
    OpenFiles hashed_files;
    std::vector<std::string> hashed_paths;
    for (const auto& input : inputs) hashed_paths.push_back(input.string());
    auto hashes = std::async(std::launch::async, [hashed_paths, &hashed_files] {
        std::unordered_map<std::string, std::string> out;
        for (const auto& path : hashed_paths) {
            std::error_code ec;
            if (fs::is_regular_file(path, ec)) out[path] = sha256_of(path, &hashed_files);
        }
        return out;
    });
    std::vector<ColumnMapping> mappings;
    for (const auto& file : options.mapping_files) {
        auto some = load_mappings(file);
        mappings.insert(mappings.end(), some.begin(), some.end());
    }
    struct ReadTables {
        std::vector<PlanReadResult> plans;
        std::vector<std::string> mappings;  // per plan table: the meaning of each column (JSON)
        Table heating;
    };
    auto tables = std::async(std::launch::async, [&options, &mappings] {
        ReadTables out;
        for (const auto& path : options.plan_tables) {
            const Table table = read_table(path);
            out.plans.push_back(read_plan_rows(table, mappings));
            out.mappings.push_back(mapping_of_file(table, out.plans.back().counts, out.plans.back().issues).dump());
        }
        if (!options.heating_table.empty()) out.heating = read_table(options.heating_table);
        return out;
    });
    // a failed read must not leave the threads running behind an exception
    struct Join {
        std::future<std::unordered_map<std::string, std::string>>& a;
        std::future<ReadTables>& b;
        ~Join() {
            if (a.valid()) a.wait();
            if (b.valid()) b.wait();
        }
    } join_threads{hashes, tables};

    // Reporting units: the configured file, then the counties of the geodata.
    UnitRegistry units;
    fs::path units_file = options.units_file.empty() ? default_style_file("units.json") : fs::path(options.units_file);
    if (!units_file.empty()) units.load(units_file);

    // Villages, pass 1: attributes.
    progress.update(0.0, "Reading villages");
    VillageSource villages = open_villages(options.villages, options.villages_layer, options.villages_fields);
    std::vector<Issue> geodata_issues;
    VillageIndex index = read_village_attributes(villages, units, geodata_issues);
    if (index.size() == 0) throw InputError(options.villages + ": layer '" + villages.layer_name + "' has no villages");
    for (const auto& v : index.villages())
        if (!v.county_code.empty()) units.add({v.county_code, v.county_name, {}, "county"});
    result.villages_in_geodata = static_cast<int>(index.size());
    const CrsChoice source_crs = choose_source_crs(villages.layer->GetSpatialRef(), villages.extent,
                                                   options.villages_crs, options.central_meridian);
    const auto working = choose_working_crs(source_crs, villages.extent, options.working_crs);
    result.villages_crs = source_crs.description;
    result.villages_crs_note = source_crs.note;
    result.working_crs = describe_crs(*working);
    if (source_crs.assumed)
        geodata_issues.push_back(
            make_issue("W_CRS_ASSUMED", options.villages, villages.layer_name, 0, "", "", source_crs.note));
    SourceTransform transform(source_crs, *working);
    if (!options.reference.empty() && villages.geometry_type == wkbPoint) {
        const Gcj02Check check = check_gcj02(villages, source_crs, options.reference);
        result.gcj02_check = std::to_string(check.inside_as_taken) + " of " + std::to_string(check.compared) +
                             " points inside their reference polygon as taken, " +
                             std::to_string(check.inside_other_way) + (source_crs.gcj02 ? " without" : " with") +
                             " the GCJ-02 correction";
        if (check.suspicious())
            geodata_issues.push_back(make_issue(source_crs.gcj02 ? "W_GCJ02_DOUBTFUL" : "W_GCJ02_SUSPECTED",
                                                options.villages, villages.layer_name, 0, "", "",
                                                "落入参考边界的点位：现为" + std::to_string(check.inside_as_taken) +
                                                    "/" + std::to_string(check.compared) + "，改换后为" +
                                                    std::to_string(check.inside_other_way) + "/" +
                                                    std::to_string(check.compared)));
    }

    // Plan tables (parsed on the second core meanwhile).
    const Progress reading = progress.slice(0.05, 0.25);
    reading.update(0.0, "Reading plan tables");
    ReadTables read_tables = tables.get();
    std::vector<PlanReadResult>& plans = read_tables.plans;
    for (auto& plan : plans) resolve_units(plan, units);
    const auto file_hashes = hashes.get();
    auto hash_of = [&](const std::string& path) {
        const auto it = file_hashes.find(path);
        return it == file_hashes.end() ? std::string() : it->second;
    };
    std::vector<Issue> issues;
    Matcher matcher(index, issues);
    std::size_t expected_rows = 0;
    for (const auto& plan : plans) expected_rows += plan.rows.size();
    matcher.reserve(expected_rows);
    for (std::size_t p = 0; p < plans.size(); ++p) {
        auto& plan = plans[p];
        FileSummary summary;
        summary.kind = "plan";
        summary.counts = plan.counts;
        summary.sha256 = hash_of(plan.counts.file);
        summary.refused = plan.refused;
        summary.mapping = read_tables.mappings[p];
        const int rejected_here = plan.rows_rejected;
        for (auto& issue : plan.issues) issues.push_back(std::move(issue));
        const int before_loaded = matcher.loaded_rows, before_rejected = matcher.rejected_rows;
        for (std::size_t r = 0; r < plan.rows.size(); ++r) {
            if ((r & 4095) == 0) throw_if_stop_requested();
            matcher.add(plan.rows[r]);
        }
        summary.loaded = matcher.loaded_rows - before_loaded;
        summary.rejected = rejected_here + matcher.rejected_rows - before_rejected;
        result.plan_rows.read += summary.counts.data_rows();
        result.plan_rows.loaded += summary.loaded;
        result.plan_rows.rejected += summary.rejected;
        if (summary.counts.data_rows() != summary.loaded + summary.rejected)
            throw std::logic_error("row accounting does not add up for " + summary.counts.file);
        result.files.push_back(std::move(summary));
    }
    result.matched_by_name = matcher.by_name_rows;

    // District-heating table.
    HeatingReadResult heating;
    if (!options.heating_table.empty()) {
        reading.update(1.0, "Reading the district-heating table");
        heating = read_heating_rows(read_tables.heating, units);
        FileSummary summary;
        summary.kind = "heating";
        summary.counts = heating.counts;
        summary.sha256 = hash_of(options.heating_table);
        summary.loaded = static_cast<int>(heating.rows.size());
        for (const auto& issue : heating.issues)
            if (issue.severity == Severity::error && issue.row > 0) ++summary.rejected;
        result.heating_rows = {summary.counts.data_rows(), summary.loaded, summary.rejected};
        if (result.heating_rows.read != summary.loaded + summary.rejected)
            throw std::logic_error("row accounting does not add up for " + options.heating_table);
        for (const auto& row : heating.rows) result.area_m2 += row.area_m2;
        result.area_m2 = std::round(result.area_m2 * 100.0) / 100.0;
        for (auto& issue : heating.issues) issues.push_back(std::move(issue));
        result.files.push_back(std::move(summary));
    }

    // Per-village plan.
    std::vector<PlannedVillage> plan_of(index.size());
    for (const auto& e : matcher.entries) {
        auto& p = plan_of[index.position(e.village)];
        p.households[static_cast<int>(e.route->route)] += e.route->households;
        if (e.route->device && !e.route->text.empty()) add_distinct(p.devices, e.route->text);
        if (!e.row->device.empty()) add_distinct(p.devices, e.row->device);
        if (e.route->route == Route::other && !e.route->detail.empty()) add_distinct(p.other_routes, e.route->detail);
        if (!e.row->start_date.empty() && (p.start.empty() || e.row->start_date < p.start)) p.start = e.row->start_date;
        if (!e.row->end_date.empty() && (p.end.empty() || e.row->end_date > p.end)) p.end = e.row->end_date;
        p.rows += 1;
        p.by_name = p.by_name || e.by_name;
        result.households_by_route[static_cast<int>(e.route->route)] += e.route->households;
        result.households_total += e.route->households;
        result.households_by_county[e.village->county_code] += e.route->households;
    }

    // Issues in input order: geodata first, then files as given, by sheet and row.
    std::unordered_map<std::string, int> file_order;
    for (std::size_t i = 0; i < inputs.size(); ++i) file_order.emplace(inputs[i].string(), static_cast<int>(i));
    std::unordered_map<std::string, int> sheet_order;
    std::vector<std::tuple<int, int, int, std::size_t>> keys;  // file, sheet, row, position: computed once
    keys.reserve(issues.size());
    for (std::size_t i = 0; i < issues.size(); ++i) {
        if ((i & 4095) == 0) throw_if_stop_requested();
        const Issue& a = issues[i];
        const auto f = file_order.find(a.file);
        const auto sheet = sheet_order.emplace(a.file + '\x01' + a.sheet, static_cast<int>(sheet_order.size())).first;
        keys.emplace_back(f == file_order.end() ? 1 << 20 : f->second, sheet->second, a.row, i);
    }
    std::sort(keys.begin(), keys.end());
    throw_if_stop_requested();
    result.issues = geodata_issues;
    result.issues.reserve(geodata_issues.size() + issues.size());
    for (const auto& k : keys) {
        if ((result.issues.size() & 4095) == 0) throw_if_stop_requested();
        result.issues.push_back(std::move(issues[std::get<3>(k)]));
    }
    issues = {};
    for (const auto& issue : result.issues) (issue.severity == Severity::error ? result.errors : result.warnings)++;

    // Output: the tables the merge makes, then their rows.
    output->open();
    // (as the geodata declares it, with its z and m: a layer of 3D polygons stays one)
    OGRwkbGeometryType geometry_type = villages.layer->GetGeomType();
    if (wkbFlatten(geometry_type) == wkbNone) geometry_type = wkbUnknown;
    // the villages keep their FIDs from the geodata (traceable, and the R-tree can be reused)
    for (const dataset::Table& table : dataset::tables())
        if (std::string(table.written_by) == "merge" && (table.registered || !into_database))
            output->create(table, table.features ? geometry_type : wkbNone, table.features ? working.get() : nullptr);
    output->begin_rows();
    const int srs_id = output->srs_id();

    {
        const Progress writing = progress.slice(0.25, 0.9);
        RowSink& insert = output->rows("villages");
        const auto total = static_cast<double>(index.size());
        std::size_t done = 0;
        auto write_village = [&](std::size_t position, std::string blob) {
            const Village& v = index.villages()[position];
            const PlannedVillage& p = plan_of[position];
            insert.fid(v.fid);
            int f = 0;
            insert.text_ref(f++, v.code);
            insert.text_ref(f++, v.name);
            insert.text_ref(f++, v.township_code);
            insert.text_ref(f++, v.township_name);
            insert.text_ref(f++, v.county_code);
            insert.text_ref(f++, v.county_name);
            long long sum = 0;
            Route main = Route::other;
            long long main_households = 0;
            std::string routes;
            for (Route r : kRoutes) {
                const long long h = p.households[static_cast<int>(r)];
                sum += h;
                if (h > main_households) {
                    main_households = h;
                    main = r;
                }
                if (h > 0) routes += (routes.empty() ? "" : "、") + std::string(route_name(r));
            }
            insert.integer(f++, sum);
            for (Route r : kRoutes) insert.integer(f++, p.households[static_cast<int>(r)]);
            const std::string other_routes = join(p.other_routes), devices = join(p.devices);
            insert.text_ref(f++, sum > 0 ? route_key(main) : "");
            insert.text_ref(f++, routes);
            insert.text_ref(f++, other_routes);
            insert.text_ref(f++, devices);
            if (sum > 0)
                insert.integer(f++, options.plan_year);
            else
                insert.null(f++);
            insert.text_ref(f++, p.start);
            insert.text_ref(f++, p.end);
            insert.integer(f++, sum > 0 ? 1 : 0);
            insert.text_ref(f++, sum > 0 ? "planned" : "unplanned");
            for (int k = 0; k < 3; ++k) insert.integer(f++, 0);
            insert.null(f++);  // status_date
            insert.integer(f++, p.rows);
            insert.text_ref(f++, p.rows == 0 ? "" : (p.by_name ? "name" : "code"));
            if (blob.empty())
                insert.null(f);
            else
                insert.geometry(blob);
            insert.insert();
            if (sum > 0) ++result.villages_planned;
            if (++done % 8192 == 0) writing.update(done / total, "Writing villages");
        };
        // FID -> village, built only when the features come in another order than pass 1 read them
        std::unordered_map<GIntBig, std::size_t> by_fid;
        std::size_t next = 0;
        auto position_of = [&](GIntBig fid) -> std::ptrdiff_t {
            if (next < index.size() && index.villages()[next].fid == fid) return static_cast<std::ptrdiff_t>(next++);
            if (by_fid.empty())
                for (std::size_t i = 0; i < index.size(); ++i) by_fid.emplace(index.villages()[i].fid, i);
            const auto it = by_fid.find(fid);
            if (it == by_fid.end()) return -1;  // a duplicated code
            next = it->second + 1;
            return static_cast<std::ptrdiff_t>(it->second);
        };
        RawGeometryReader raw(villages, transform.identity());
        if (raw.usable()) {
            output->reuse_spatial_index(villages);
            // GeoPackage in the working CRS: geometry blobs copied as they are
            GIntBig fid;
            std::string blob;
            while (raw.next(fid, blob)) {
                if ((fid & 4095) == 0) throw_if_stop_requested();
                const auto position = position_of(fid);
                if (position < 0) continue;
                if (!blob.empty()) gpkg_blob_set_srs(blob, srs_id);
                write_village(static_cast<std::size_t>(position), std::move(blob));
            }
        } else {
            std::vector<const char*> ignored;
            auto* defn = villages.layer->GetLayerDefn();
            for (int i = 0; i < defn->GetFieldCount(); ++i) ignored.push_back(defn->GetFieldDefn(i)->GetNameRef());
            ignored.push_back("OGR_STYLE");
            ignored.push_back(nullptr);
            villages.layer->SetIgnoredFields(ignored.data());
            villages.layer->ResetReading();
            for (auto& feature : *villages.layer) {
                const auto position = position_of(feature->GetFID());
                if (position < 0) continue;
                std::string blob;
                if (OGRGeometry* geometry = feature->GetGeometryRef()) {
                    if (!transform.identity() && geometry->transform(&transform) != OGRERR_NONE)
                        throw InputError(options.villages + ": feature " + std::to_string(feature->GetFID()) +
                                         ": coordinates cannot be transformed to " + result.working_crs);
                    blob = gpkg_blob(*geometry, srs_id);
                }
                write_village(static_cast<std::size_t>(position), std::move(blob));
            }
            villages.layer->SetIgnoredFields(nullptr);
        }
        writing.update(1.0, "Writing villages");
    }
    {
        RowSink& insert = output->rows("plan_rows");
        std::size_t written = 0;
        for (const auto& e : matcher.entries) {
            if ((++written & 4095) == 0) throw_if_stop_requested();
            int k = 0;
            insert.text_ref(k++, e.row->file);
            insert.text_ref(k++, e.row->sheet);
            insert.integer(k++, e.row->row);
            insert.text_ref(k++, e.village->code);
            insert.text_ref(k++, e.village->name);
            insert.text_ref(k++, e.village->county_code);
            insert.text_ref(k++, e.row->township);
            insert.text_ref(k++, e.row->village_name);
            insert.text_ref(k++, e.row->code_text);
            insert.text_ref(k++, e.by_name ? "name" : "code");
            insert.text_ref(k++, route_key(e.route->route));
            insert.text_ref(k++, route_name(e.route->route));
            insert.text_ref(k++, e.route->detail);
            insert.text_ref(k++, e.route->text);
            insert.text_ref(k++, e.route->column);
            insert.text_ref(k++, e.row->device);
            insert.integer(k++, e.route->households);
            insert.text_ref(k++, e.row->start_date);
            insert.text_ref(k++, e.row->end_date);
            insert.text_ref(k++, e.row->remark);
            insert.insert();
        }
    }
    {
        RowSink& insert = output->rows("heating");
        for (const auto& h : heating.rows) {
            int k = 0;
            insert.text(k++, h.unit ? h.unit->code : "");
            insert.text(k++, h.unit ? h.unit->name : h.unit_text);
            insert.text(k++, h.unit_text);
            insert.real(k++, h.area_m2);
            insert.real(k++, h.area_m2 / 10000.0);
            insert.text(k++, h.heat_source);
            insert.text(k++, h.remark);
            insert.text(k++, h.file);
            insert.text(k++, h.sheet);
            insert.integer(k++, h.row);
            insert.insert();
        }
    }
    {
        RowSink& insert = output->rows("issues");
        std::size_t written = 0;
        for (const auto& issue : result.issues) {
            if ((++written & 4095) == 0) throw_if_stop_requested();
            insert.text(0, issue.file);
            insert.text(1, issue.sheet);
            insert.integer(2, issue.row);
            insert.text(3, issue.column);
            insert.text(4, issue.value);
            insert.text(5, issue.code);
            insert.text(6, severity_name(issue.severity));
            insert.text(7, issue.message);
            insert.insert();
        }
    }
    {
        RowSink& insert = output->rows("inputs");
        for (const auto& file : result.files) {
            std::error_code ec;
            const auto bytes = fs::file_size(file.counts.file, ec);
            std::string sheets;
            int blank = 0, header = 0, aggregate = 0, note = 0;
            for (const auto& s : file.counts.sheets) {
                sheets += (sheets.empty() ? "" : ",") + s.sheet;
                blank += s.blank_rows;
                header += s.header_rows;
                aggregate += s.aggregate_rows;
                note += s.note_rows;
            }
            int k = 0;
            insert.text(k++, file.counts.file);
            insert.text(k++, file.kind);
            insert.text(k++, file.sha256);
            insert.integer(k++, ec ? 0 : static_cast<long long>(bytes));
            insert.text(k++, file.counts.encoding);
            insert.text(k++, sheets);
            insert.integer(k++, file.counts.data_rows());
            insert.integer(k++, file.loaded);
            insert.integer(k++, file.rejected);
            insert.integer(k++, blank);
            insert.integer(k++, header);
            insert.integer(k++, aggregate);
            insert.integer(k++, note);
            insert.text(k++, file.refused);
            insert.text(k++, file.mapping);
            insert.insert();
        }
        std::error_code ec;
        insert.text(0, options.villages);
        insert.text(1, "villages");
        if (fs::is_regular_file(options.villages, ec)) {
            insert.text(2, hash_of(options.villages));
            insert.integer(3, static_cast<long long>(fs::file_size(options.villages, ec)));
        }
        insert.text(5, villages.layer_name);
        insert.integer(6, static_cast<long long>(index.size() + villages.duplicate_fids.size()));
        insert.integer(7, static_cast<long long>(index.size()));
        insert.integer(8, static_cast<long long>(villages.duplicate_fids.size()));
        insert.insert();
    }
    {
        RowSink& insert = output->rows("run_info");
        const std::vector<std::pair<std::string, std::string>> rows = {
            {"tool", "cleanheat merge"},
            {"schema_version", std::to_string(dataset::kSchemaVersion)},
            {"version", CLEANHEAT_VERSION},
            {"gdal_version", GDALVersionInfo("RELEASE_NAME")},
            {"started_at", started_at},
            {"finished_at", now_iso()},
            {"command_line", options.command_line},
            {"villages_source", options.villages},
            {"villages_layer", villages.layer_name},
            {"villages_crs", result.villages_crs},
            {"villages_crs_note", result.villages_crs_note},
            {"working_crs", result.working_crs},
            {"gcj02_check", result.gcj02_check},
            {"units_file", units_file.string()},
            {"mapping_files", join(options.mapping_files)},
            {"plan_year", std::to_string(options.plan_year)},
            {"plan_rows_read", std::to_string(result.plan_rows.read)},
            {"plan_rows_loaded", std::to_string(result.plan_rows.loaded)},
            {"plan_rows_rejected", std::to_string(result.plan_rows.rejected)},
            {"households_total", std::to_string(result.households_total)},
            {"heating_rows_read", std::to_string(result.heating_rows.read)},
            {"heating_rows_loaded", std::to_string(result.heating_rows.loaded)},
            {"heating_rows_rejected", std::to_string(result.heating_rows.rejected)},
            {"area_m2", std::to_string(result.area_m2)},
        };
        for (const auto& [key, value] : rows) {
            insert.text(0, key);
            insert.text(1, value);
            insert.insert();
        }
    }
    {  // the map styles as QGIS layer styles, so that QGIS shows what the printed maps show
        RowSink& insert = output->rows("layer_styles");
        const fs::path styles = default_style_file("route.json").parent_path();
        const auto has_field = [](const std::string& table, const std::string& field) {
            for (const auto& t : dataset::tables())
                if (table == t.name)
                    for (const auto& c : t.columns)
                        if (field == c.name) return true;
            return false;
        };
        for (const auto& style : styles.empty() ? std::vector<QgisStyle>{} : qgis_styles(styles, has_field)) {
            int k = 0;
            for (const std::string* v : {&kEmpty, &kEmpty, &style.table, &kGeom, &style.name, &style.qml, &kEmpty})
                insert.text(k++, *v);
            insert.integer(k++, style.use_as_default ? 1 : 0);
            insert.text(k++, style.description);
            insert.text(k++, "cleanheat");
            insert.text(k++, "");
            insert.null(k++);  // update_time: none, so that the same inputs make the same dataset
            insert.insert();
        }
    }
    // The big structures are freed on the second core while SQLite finishes the file.
    struct Garbage {
        ReadTables tables;
        VillageIndex index;
        std::vector<PlannedVillage> plan_of;
        std::vector<LoadedEntry> entries;
    };
    auto garbage = std::make_unique<Garbage>(
        Garbage{std::move(read_tables), std::move(index), std::move(plan_of), std::move(matcher.entries)});
    std::thread cleaner([g = std::move(garbage)]() mutable { g.reset(); });
    struct JoinThread {
        std::thread& thread;
        ~JoinThread() {
            if (thread.joinable()) thread.join();
        }
    } join_cleaner{cleaner};
    result.output = output->finish(progress.slice(0.92, 1.0));
    progress.update(1.0, "done");
    return result;
}

}  // namespace cleanheat

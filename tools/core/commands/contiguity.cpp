#include "commands/contiguity.hpp"

#include <gdal_priv.h>
#include <gdal_utils.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <future>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "commands/contiguity_data.hpp"
#include "dataset/filter.hpp"
#include "dataset/pg_store.hpp"
#include "dataset/write_through.hpp"
#include "base/notice.hpp"
#include "base/stop.hpp"
#include "base/text.hpp"
#include "base/error.hpp"
#include "io/file_info.hpp"
#include "io/gpkg_sql.hpp"
#include "io/read_runs.hpp"
#include "geo/crs.hpp"
#include "geo/geos_util.hpp"
#include "io/atomic_output.hpp"
#include "io/gdal_context.hpp"
#include "io/sqlite_util.hpp"
#include "io/wkb_reader.hpp"

namespace cleanheat {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
}

struct FieldChoice {
    std::string by, route, households, code, name, township, county_name, within;
};

// The field of `fields` a run uses (matched without case, as SQLite and OGR match names):
// `requested` when given ("none": no field), else the first default present.
std::string pick_field(const std::vector<std::string>& fields, const std::string& requested,
                       const std::vector<std::string>& defaults, const char* option) {
    auto find = [&](const std::string& name) -> const std::string* {
        const std::string lower = lower_ascii(name);
        for (const auto& f : fields)
            if (lower_ascii(f) == lower) return &f;
        return nullptr;
    };
    if (!requested.empty()) {
        if (requested == "none") return {};
        if (const std::string* f = find(requested)) return *f;
        std::string names;
        for (const auto& f : fields) names += (names.empty() ? "" : ", ") + f;
        throw UsageError(std::string(option) + " " + requested + ": no such field (fields: " + names + ")");
    }
    for (const auto& d : defaults)
        if (const std::string* f = find(d)) return *f;
    return {};
}

std::int32_t index_of(std::unordered_map<std::string, std::int32_t>& map, std::vector<std::string>& values,
                      const std::string& v, bool is_null) {
    if (is_null) return -1;
    auto it = map.find(v);
    if (it != map.end()) return it->second;
    const auto i = static_cast<std::int32_t>(values.size());
    map.emplace(v, i);
    values.push_back(v);
    return i;
}

// WKB that our parser does not take (curves ...): linearised through OGR.
// PostGIS's EWKB (a database's geometry as it is sent) loses its SRID first: OGR reads the rest.
bool add_linearised(Coverage& coverage, const unsigned char* wkb, std::size_t size) {
    std::vector<unsigned char> plain;
    if (size >= 9 && (wkb[0] == 0 || wkb[0] == 1)) {
        const bool little = wkb[0] == 1;
        const int flag_at = little ? 4 : 1;  // the byte of the type holding 0x20000000
        if (wkb[flag_at] & 0x20) {
            plain.assign(wkb, wkb + 5);
            plain[static_cast<std::size_t>(flag_at)] &= static_cast<unsigned char>(~0x20);
            plain.insert(plain.end(), wkb + 9, wkb + size);
            wkb = plain.data();
            size = plain.size();
        }
    }
    OGRGeometry* g = nullptr;
    if (OGRGeometryFactory::createFromWkb(wkb, nullptr, &g, size) != OGRERR_NONE || !g) return false;
    std::unique_ptr<OGRGeometry> linear(g->getLinearGeometry());
    delete g;
    if (!linear) return false;
    linear->flattenTo2D();
    std::vector<unsigned char> out(static_cast<std::size_t>(linear->WkbSize()));
    linear->exportToWkb(wkbNDR, out.data(), wkbVariantIso);
    return coverage.add_wkb(out.data(), out.size());
}

std::vector<std::string> filter_words(const std::string& filter);

// Villages as one reader gives them: a run of the layer in fid order, its values indexed in the
// order they appear. Runs read side by side are joined in fid order (Reader::join), which keeps
// that order: the result is the same as one reader's.
// Values of a field in the order they first appear, each with its index (-1: none).
struct Interned {
    std::vector<std::string> values;
    std::unordered_map<std::string, std::int32_t> index;
    std::string last;  // rows in fid order repeat the value before them more often than not
    std::int32_t last_index = -1;

    std::int32_t of(const char* value) {
        if (!value) return -1;
        if (last_index >= 0 && last == value) return last_index;
        last = value;
        auto [it, added] = index.emplace(last, static_cast<std::int32_t>(values.size()));
        if (added) values.push_back(last);
        return last_index = it->second;
    }
};

struct VillageRun {
    Coverage coverage;
    std::vector<long long> fids;
    std::vector<std::uint8_t> planned;
    std::vector<std::int32_t> group, route, within;
    std::vector<double> households;
    TextColumn code, name, township, county;
    Interned group_values, route_values, within_values;
    std::unordered_map<std::string, std::string> county_names;
    std::unordered_set<std::size_t> unreadable;  // features whose geometry could not be read

    // Room for `rows` villages of about `points` points each (nothing when not known).
    void reserve(std::size_t rows, std::size_t points) {
        if (rows == 0) return;
        coverage.reserve(rows, rows * points);
        fids.reserve(rows);
        planned.reserve(rows);
        group.reserve(rows);
        route.reserve(rows);
        within.reserve(rows);
        households.reserve(rows);
        code.reserve(rows, rows * 12);
        name.reserve(rows, rows * 12);
        township.reserve(rows, rows);
        county.reserve(rows, rows / 16);
    }

    // One feature's geometry from WKB (NULL: empty).
    void add_geometry(const unsigned char* wkb, std::size_t size) {
        if (!wkb) {
            coverage.add_empty();
        } else if (!coverage.add_wkb(wkb, size) && !add_linearised(coverage, wkb, size)) {
            coverage.add_empty();
            unreadable.insert(coverage.size() - 1);
        }
    }

    // One feature's geometry from a GeoPackage blob (NULL: empty).
    void add_blob(const unsigned char* blob, std::size_t size) {
        if (!blob) {
            coverage.add_empty();
        } else if (!coverage.add_gpkg_blob(blob, size)) {
            const std::size_t header = gpkg_header_size(blob, size);
            if (header == 0 || header >= size || !add_linearised(coverage, blob + header, size - header)) {
                coverage.add_empty();
                unreadable.insert(coverage.size() - 1);
            }
        }
    }

    void add_attributes(const FieldChoice& fields, long long fid, bool is_planned, const char* by_value,
                        const char* route_value, double household_count, const char* code_value,
                        const char* name_value, const char* township_value, const char* county_value,
                        const char* within_value) {
        fids.push_back(fid);
        planned.push_back(is_planned ? 1 : 0);
        const std::int32_t g = fields.by.empty() ? -1 : group_values.of(by_value);
        group.push_back(g);
        route.push_back(route_value && *route_value ? route_values.of(route_value) : -1);
        within.push_back(fields.within.empty() ? -1 : within_values.of(within_value));
        households.push_back(household_count);
        code.push_back(code_value ? code_value : "");
        name.push_back(name_value ? name_value : "");
        township.push_back(township_value ? township_value : "");
        county.push_back(county_value ? county_value : "");
        // the group's county name: the first one given
        if (g >= 0 && county_value && *county_value && !county_names.count(group_values.last))
            county_names.emplace(group_values.last, county_value);
    }
};

// How many runs of the villages are read side by side: one per thread (at most 4), one for a
// filter with a subquery (it may ask about the whole layer).
std::size_t run_count(const std::vector<std::string>& filter_words, const std::string& layer, int threads) {
    for (const auto& w : filter_words)  // a subquery, a window, the layer named (x IN villages)
        if (lower_ascii(w) == "select" || lower_ascii(w) == "over" || lower_ascii(w) == lower_ascii(layer)) return 1;
    return static_cast<std::size_t>(std::clamp(threads, 1, 4));
}


struct Reader {
    Reader(const ContiguityOptions& o, ContiguityData& d, ContiguityResult& r) : options(o), data(d), result(r) {}
    const ContiguityOptions& options;
    ContiguityData& data;
    ContiguityResult& result;
    FieldChoice fields;
    std::unordered_map<std::string, std::int32_t> group_index, route_index, within_index;
    std::unordered_map<std::string, std::string> county_names;
    std::vector<std::string> within_values;
    std::unordered_set<std::size_t> unreadable;  // features whose geometry could not be read (said once)

    // The fields of the run among the layer's `names`.
    void pick(const std::vector<std::string>& names) {
        fields.by = pick_field(names, options.by, {"county_code"}, "--by");
        fields.route = pick_field(names, options.route_field, {"route_main"}, "--route-field");
        fields.within = options.within_field.empty() ? "" : pick_field(names, options.within_field, {}, "--within-field");
        fields.households = pick_field(names, "", {"households_total", "households"}, "");
        fields.code = pick_field(names, "", {"village_code", "code"}, "");
        fields.name = pick_field(names, "", {"village_name", "name"}, "");
        fields.township = pick_field(names, "", {"township_name"}, "");
        fields.county_name = pick_field(names, "", {"county_name"}, "");
    }

    // The runs, in fid order, after the villages joined before; their values indexed among theirs.
    void join(std::vector<VillageRun>& runs) {
        if (runs.empty()) return;
        // the first run taken whole when nothing is joined yet (its arrays may hold room for all)
        std::size_t from = 0;
        if (data.fids.empty()) join(std::move(runs[from++]));
        std::size_t features = data.fids.size();
        for (std::size_t r = from; r < runs.size(); ++r) features += runs[r].fids.size();
        data.fids.reserve(features);
        data.planned.reserve(features);
        data.households.reserve(features);
        data.group.reserve(features);
        data.route.reserve(features);
        data.within.reserve(features);
        for (std::size_t r = from; r < runs.size(); ++r) join(std::move(runs[r]));
    }

    void join(VillageRun&& run) {
        auto indices = [](const Interned& values, std::unordered_map<std::string, std::int32_t>& index,
                          std::vector<std::string>& all) {
            std::vector<std::int32_t> to;
            for (const auto& v : values.values) to.push_back(index_of(index, all, v, false));
            return to;
        };
        auto append_indices = [](std::vector<std::int32_t>& into, const std::vector<std::int32_t>& from,
                                 const std::vector<std::int32_t>& to) {
            into.reserve(into.size() + from.size());
            for (std::int32_t i : from) into.push_back(i < 0 ? -1 : to[static_cast<std::size_t>(i)]);
        };
        auto append = [](auto& into, auto& from) {
            if (into.empty() && into.capacity() <= from.capacity()) {
                into = std::move(from);
            } else {
                into.insert(into.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
            }
        };
        const std::size_t base = data.fids.size();
        append_indices(data.group, run.group, indices(run.group_values, group_index, data.group_values));
        append_indices(data.route, run.route, indices(run.route_values, route_index, data.route_values));
        append_indices(data.within, run.within, indices(run.within_values, within_index, within_values));
        append(data.fids, run.fids);
        append(data.planned, run.planned);
        append(data.households, run.households);
        data.code.append(std::move(run.code));
        data.name.append(std::move(run.name));
        data.township.append(std::move(run.township));
        data.county.append(std::move(run.county));
        data.coverage.append(std::move(run.coverage));
        for (auto& [value, name] : run.county_names) county_names.emplace(value, name);
        for (std::size_t f : run.unreadable) unreadable.insert(base + f);
    }

    // Room in the runs starting at `starts` (the last fid `max`) for the rows each may hold: the
    // `rows` the layer is thought to hold (an estimate: none when not positive) shared by the
    // runs' fid ranges, at most each range, of about `points` points each. The first run gets room
    // for every run's rows: the others join its arrays, which are taken whole (no copy of them, no
    // room left unused). Only a hint: an estimate far off costs time, not the result, and room
    // that cannot be had (a strict overcommit, a ulimit) is not asked for.
    static void make_room(std::vector<VillageRun>& parts, const std::vector<long long>& starts, long long max,
                          double rows, double points) {
        if (!(rows > 0) || parts.empty() || parts.size() != starts.size()) return;
        rows = std::min(rows * 1.05 + 1024, 1e9);  // the estimate and a little
        const double total = double(max) + 1 - double(starts.front());
        if (!(total > 0)) return;
        std::vector<std::size_t> each(parts.size());
        double all = 0;
        for (std::size_t r = 0; r < parts.size(); ++r) {
            const double span = (r + 1 < parts.size() ? double(starts[r + 1]) : double(max) + 1) - double(starts[r]);
            const double share = std::clamp(std::min(span, rows * span / total * 1.05 + 1024), 0.0, rows);
            each[r] = static_cast<std::size_t>(share);
            all += share;
        }
        // points a row: as sampled, at most 10,000; points in all: at most 2^28 (4 GB of coordinates)
        const double per_row = std::clamp(points, 1.0, 1e4);
        const double scale = std::min(1.0, double(1 << 28) / (std::min(all, rows) * per_row));
        try {
            parts[0].reserve(static_cast<std::size_t>(std::min(all, rows) * scale), static_cast<std::size_t>(per_row));
            for (std::size_t r = 1; r < parts.size(); ++r)
                parts[r].reserve(static_cast<std::size_t>(double(each[r]) * scale), static_cast<std::size_t>(per_row));
        } catch (const std::bad_alloc&) {
            for (auto& part : parts) part = VillageRun();
        } catch (const std::length_error&) {
            for (auto& part : parts) part = VillageRun();
        }
    }

    // The villages of a dataset in a database, ordered by fid, in the snapshot of the caller's
    // transaction (what it locked): one binary COPY, or one per run of fids on connections of
    // their own (`conninfo`) that take that snapshot. The --planned filter is evaluated by SQLite
    // over the fields it names (dataset/filter.hpp: the same answer as on the file). False, with
    // nothing read, when the filter needs more than those fields (another table, the geometry):
    // the caller works on a copy then.
    bool read_pg(const PgConnection& db, const std::string& conninfo, const std::string& table,
                 const std::vector<dataset::Column>& columns, int threads) {
        std::vector<std::string> names;
        for (const auto& c : columns) names.emplace_back(c.name);
        pick(names);
        const std::vector<std::string> words = filter_words(options.planned);
        std::size_t runs = run_count(words, "villages", threads);
        std::vector<std::unique_ptr<dataset::MemoryFilter>> filters;
        filters.push_back(std::make_unique<dataset::MemoryFilter>("villages", options.planned, columns, words));
        if (filters.front()->needs_the_dataset()) return false;
        // every field cast to the type it is read as (a column someone altered reads as before)
        auto as_text = [&](const std::string& f) { return f.empty() ? std::string("NULL") : db.identifier(f) + "::text"; };
        // the geometry as PostGIS sends it (EWKB): ST_AsBinary would cost the server twice the time
        std::string select = "SELECT fid::bigint, geom, " +
                             as_text(fields.by) + ", " + as_text(fields.route) + ", " +
                             (fields.households.empty() ? std::string("NULL") : db.identifier(fields.households) + "::float8") +
                             ", " + as_text(fields.code) + ", " + as_text(fields.name) + ", " + as_text(fields.township) +
                             ", " + as_text(fields.county_name) + ", " + as_text(fields.within);
        for (const auto& c : filters.front()->fields())
            select += ", " + db.identifier(c.name) + dataset::pg_read_cast(c.type);
        select += " FROM " + table;
        if (runs > 1 && read_pg_runs(db, conninfo, table, select, columns, words, runs)) return true;
        VillageRun run;
        read_pg_run(db, select + " ORDER BY fid", *filters.front(), run);
        join(std::move(run));
        return true;
    }

    // The villages in `runs` runs of fids side by side, each on a connection of its own in the
    // snapshot of the caller's transaction. False, with nothing kept, when that cannot be had (a
    // connection refused: max_connections, a pooler; a snapshot not found: another server; a lock
    // not had within 2 s, as when an ALTER TABLE waits behind the caller's): one run reads then.
    bool read_pg_runs(const PgConnection& db, const std::string& conninfo, const std::string& table,
                      const std::string& select, const std::vector<dataset::Column>& columns,
                      const std::vector<std::string>& words, std::size_t runs) {
        const PgResult range = db.query("SELECT min(fid), max(fid) FROM " + table);
        if (range.null(0, 0)) return false;
        const std::vector<long long> starts = run_starts(range.integer(0, 0), range.integer(0, 1), runs);
        std::vector<VillageRun> parts(runs);
        const PgResult size =
            db.query("SELECT c.reltuples::bigint, (SELECT s.avg_width FROM pg_stats s WHERE s.schemaname = "
                     "n.nspname AND s.tablename = c.relname AND s.attname = 'geom' AND NOT s.inherited) FROM pg_class c JOIN pg_namespace "
                     "n ON n.oid = c.relnamespace WHERE c.oid = $1::regclass",
                     {table});
        // (a stored geometry of n points: a header of ~40 bytes and 16 bytes a point)
        if (size.rows() == 1 && !size.null(0, 0))
            make_room(parts, starts, range.integer(0, 1), double(size.integer(0, 0)),
                      size.null(0, 1) ? 8.0 : double(size.integer(0, 1)) / 16 + 1);
        const std::string snapshot = db.query("SELECT pg_export_snapshot()").text(0, 0);
        std::vector<std::unique_ptr<dataset::MemoryFilter>> filters;
        std::vector<std::unique_ptr<PgConnection>> readers;
        try {
            for (std::size_t r = 0; r < runs; ++r) {  // every connection in the snapshot before any reads
                filters.push_back(std::make_unique<dataset::MemoryFilter>("villages", options.planned, columns, words));
                readers.push_back(std::make_unique<PgConnection>(conninfo));
                readers.back()->exec("SET lock_timeout = '2s'");
                readers.back()->exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
                readers.back()->exec("SET TRANSACTION SNAPSHOT " + readers.back()->literal(snapshot));
            }
            side_by_side(runs, [&](std::size_t r) {
                read_pg_run(*readers[r], select + run_range("fid", starts, r) + " ORDER BY fid", *filters[r], parts[r]);
                readers[r]->exec("COMMIT");
            });
        } catch (const UsageError&) {
            throw;
        } catch (const std::exception& e) {
            throw_if_stop_requested();
            notice(db.label() + ": the villages read in one run: " + e.what());
            return false;
        }
        join(parts);
        return true;
    }

    // One binary COPY of `select` into `run`, the filter's fields into `filter`.
    void read_pg_run(const PgConnection& db, const std::string& select, dataset::MemoryFilter& filter,
                     VillageRun& run) const {
        PgCopyOut rows(db, select);
        std::vector<std::string> text(8);
        auto field = [&](int i, std::string& into) -> const char* {
            if (rows.null(i)) return nullptr;
            into.assign(rows.bytes(i));
            return into.c_str();
        };
        while (rows.next()) {
            const long long fid = rows.integer(0);
            const std::string_view wkb = rows.bytes(1);
            run.add_geometry(rows.null(1) ? nullptr : reinterpret_cast<const unsigned char*>(wkb.data()), wkb.size());
            run.add_attributes(fields, fid, false, field(2, text[0]), field(3, text[1]),
                               rows.null(4) ? 0.0 : rows.real(4), field(5, text[2]), field(6, text[3]),
                               field(7, text[4]), field(8, text[5]), field(9, text[6]));
            dataset::RowOut& out = filter.row(fid);
            for (std::size_t i = 0; i < filter.fields().size(); ++i) {
                const int at = static_cast<int>(i) + 10;
                const dataset::ColumnType type = filter.fields()[i].type;
                if (rows.null(at)) {
                    out.null();
                } else if (type == dataset::ColumnType::real) {
                    out.real(rows.real(at));
                } else if (dataset::textual(type)) {
                    out.text(rows.bytes(at));
                } else {
                    out.integer(rows.integer(at));
                }
            }
            filter.add();
        }
        run.planned = filter.evaluate();
    }
    // The whole layer through SQLite (GeoPackage files): attributes, filter and blobs in one scan
    // per run of fids, the runs side by side on connections of their own. The runs read one state
    // of the file: their reads begin while another connection holds the write lock (no writer can
    // commit in between); when it cannot have the lock at once (a read-only file, a writer at
    // work), one run reads the whole layer. False when the file does not open through SQLite.
    bool read_sqlite(OGRLayer* layer, int threads) {
        struct Scan {
            sqlite3* db = nullptr;
            sqlite3_stmt* st = nullptr;
            int rc = SQLITE_DONE;
            Scan() = default;
            Scan(const Scan&) = delete;
            Scan& operator=(const Scan&) = delete;
            ~Scan() {
                sqlite3_finalize(st);
                sqlite3_close(db);
            }
            bool open(const std::string& path, int flags) {
                return sqlite3_open_v2(path.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr) == SQLITE_OK;
            }
        };
        Scan first;  // the checks, and the read when it is one run
        if (!first.open(options.dataset, SQLITE_OPEN_READONLY) || sqlite3_busy_timeout(first.db, 60000) != SQLITE_OK)
            return false;
        const std::string fid = sql_identifier(layer->GetFIDColumn()), geom = layer->GetGeometryColumn();
        auto column = [](const std::string& f) { return f.empty() ? std::string("NULL") : sql_identifier(f); };
        const std::string sql = "SELECT " + fid + ", " + sql_identifier(geom) + ", CASE WHEN (" + options.planned +
                                ") THEN 1 ELSE 0 END, " + column(fields.by) + ", " + column(fields.route) + ", " +
                                column(fields.households) + ", " + column(fields.code) + ", " + column(fields.name) +
                                ", " + column(fields.township) + ", " + column(fields.county_name) + ", " +
                                column(fields.within) + " FROM " + sql_identifier(result.layer);
        std::vector<long long> starts = {0};
        auto prepare = [&](Scan& scan, std::size_t r) {
            const std::string statement = sql + run_range(fid, starts, r) + " ORDER BY " + fid;
            if (sqlite3_prepare_v2(scan.db, statement.c_str(), -1, &scan.st, nullptr) != SQLITE_OK)
                throw UsageError("--planned \"" + options.planned + "\": " + sqlite3_errmsg(scan.db));
        };
        dataset::refuse_aggregate_filter(first.db, result.layer, options.planned);
        data.srs_id = static_cast<int>(
            sql_scalar(first.db, "SELECT srs_id FROM gpkg_geometry_columns WHERE table_name = " + sql_literal(result.layer)));
        // several runs over a table only (its fid the rowid: every row in one range), with SQLite
        // built for threads, all beginning their reads in one state of the file (SqliteRuns)
        const bool table = sql_scalar(first.db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = " +
                                                    sql_literal(result.layer)) == 1;
        const std::size_t runs = table ? run_count(filter_words(options.planned), result.layer, threads) : 1;
        SqliteRuns side;
        long long min = 0, max = 0;
        if (runs > 1) {
            if (fid_range(first.db, result.layer, fid, min, max)) starts = run_starts(min, max, runs);
            std::vector<std::string> statements;
            for (std::size_t r = 0; r < starts.size(); ++r)
                statements.push_back(sql + run_range(fid, starts, r) + " ORDER BY " + fid);
            if (!side.begin(options.dataset, statements, 60000)) starts = {0};
        }
        if (side.size() == 0) {  // one run, on the first connection
            prepare(first, 0);
            first.rc = sqlite3_step(first.st);
        }
        std::vector<VillageRun> parts(starts.size());
        if (starts.size() > 1) {  // the rows GDAL counted, the size of the first geometries
            const std::string q = sql_literal(result.layer);
            const bool counted =
                sql_scalar(first.db, "SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_ogr_contents'") == 1;
            const double rows = counted ? double(sql_scalar(first.db, "SELECT ifnull(max(feature_count), 0) FROM "
                                                                      "gpkg_ogr_contents WHERE table_name = " + q))
                                        : 0.0;
            if (rows > 0)
                make_room(parts, starts, max, rows,
                          double(sql_scalar(first.db, "SELECT ifnull(avg(length(g)), 0) FROM (SELECT " +
                                                          sql_identifier(geom) + " AS g FROM " +
                                                          sql_identifier(result.layer) + " LIMIT 256)")) / 16 + 1);
        }
        side_by_side(starts.size(), [&](std::size_t r) {
            sqlite3* db = side.size() ? side.run(r).db : first.db;
            sqlite3_stmt* st = side.size() ? side.run(r).st : first.st;
            int& rc = side.size() ? side.run(r).rc : first.rc;
            VillageRun& run = parts[r];
            auto text = [&](int i) { return reinterpret_cast<const char*>(sqlite3_column_text(st, i)); };
            for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
                run.add_blob(static_cast<const unsigned char*>(sqlite3_column_blob(st, 1)),
                             static_cast<std::size_t>(sqlite3_column_bytes(st, 1)));
                run.add_attributes(fields, sqlite3_column_int64(st, 0), sqlite3_column_int(st, 2) != 0, text(3), text(4),
                                   sqlite3_column_type(st, 5) == SQLITE_NULL ? 0.0 : sqlite3_column_double(st, 5),
                                   text(6), text(7), text(8), text(9), text(10));
            }
            if (rc != SQLITE_DONE)
                throw InputError(options.dataset + ": cannot read layer " + result.layer + ": " + sqlite3_errmsg(db));
        });
        join(parts);
        return true;
    }

    void read_ogr(OGRLayer* layer) {
        std::unordered_set<GIntBig> planned;
        {
            GdalErrorCapture capture;
            if (layer->SetAttributeFilter(options.planned.c_str()) != OGRERR_NONE)
                throw UsageError("--planned \"" + options.planned + "\": " + capture.last_message());
            layer->ResetReading();
            for (auto& feature : layer) planned.insert(feature->GetFID());
            layer->SetAttributeFilter(nullptr);
        }
        OGRFeatureDefn* defn = layer->GetLayerDefn();
        auto index = [&](const std::string& f) { return f.empty() ? -1 : defn->GetFieldIndex(f.c_str()); };
        const int by = index(fields.by), route = index(fields.route), households = index(fields.households),
                  code = index(fields.code), name = index(fields.name), township = index(fields.township),
                  county = index(fields.county_name), within = index(fields.within);
        auto text = [](OGRFeature& f, int i) -> const char* {
            return i < 0 || !f.IsFieldSetAndNotNull(i) ? nullptr : f.GetFieldAsString(i);
        };
        std::vector<unsigned char> wkb;
        VillageRun run;
        layer->ResetReading();
        for (auto& feature : layer) {
            const GIntBig fid = feature->GetFID();
            OGRGeometry* g = feature->GetGeometryRef();
            if (!g || g->IsEmpty()) {
                run.add_geometry(nullptr, 0);
            } else {
                g->flattenTo2D();
                wkb.resize(static_cast<std::size_t>(g->WkbSize()));
                g->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
                run.add_geometry(wkb.data(), wkb.size());
            }
            const double h = households >= 0 && feature->IsFieldSetAndNotNull(households)
                                 ? feature->GetFieldAsDouble(households)
                                 : 0.0;
            run.add_attributes(fields, fid, planned.count(fid) > 0, text(*feature, by), text(*feature, route), h,
                           text(*feature, code), text(*feature, name), text(*feature, township), text(*feature, county),
                           text(*feature, within));
        }
        join(std::move(run));
    }
};

// A finding on a village's geometry: listed in contiguity_findings, the workbook and --json.
void add_geometry_finding(const ContiguityData& data, ContiguityResult& result, const std::string& source,
                          std::size_t f, const char* code, const std::string& detail) {
    result.geometry_findings.push_back(
        {static_cast<std::uint32_t>(f), code, detail, data.fids[f], data.code[f], data.name[f]});
    result.issues.push_back(make_issue(code, source, result.layer, 0, "fid " + std::to_string(data.fids[f]),
                                       data.code[f], detail));
}

// Suspect polygons judged by GEOS; invalid ones repaired with MakeValid and reported.
void repair_invalid(ContiguityData& data, ContiguityResult& result, const std::string& source, int threads) {
    const std::vector<std::uint32_t> suspects = suspect_features(data.coverage, threads);
    if (suspects.empty()) return;
    GeosContext ctx;
    std::vector<GeosGeometry> repaired;
    std::vector<std::pair<std::size_t, const GEOSGeometry*>> replacements;
    for (std::uint32_t f : suspects) {
        GeosGeometry g = geos_own(ctx, data.coverage.to_geos(ctx, f));
        if (g && GEOSisValid_r(ctx, g.get()) == 1) continue;
        std::string reason = "无法构成多边形";
        if (g) {
            char* r = GEOSisValidReason_r(ctx, g.get());
            if (r) {
                reason = r;
                GEOSFree_r(ctx, r);
            }
        }
        GeosGeometry fixed = geos_own(ctx, g ? GEOSMakeValid_r(ctx, g.get()) : nullptr);
        if (!fixed) fixed = geos_own(ctx, GEOSGeom_createEmptyPolygon_r(ctx));
        replacements.emplace_back(f, fixed.get());
        repaired.push_back(std::move(fixed));
        add_geometry_finding(data, result, source, f, "W_GEOMETRY_INVALID", "GEOS: " + reason);
    }
    data.coverage.replace(replacements, ctx);
    result.repaired = static_cast<long long>(replacements.size());
}

// Lon/lat coordinates to the CGCS2000 3-degree Gauss-Kruger zone of the centre, so that
// tolerances, distances and areas are in metres.
void project_if_geographic(ContiguityData& data, ContiguityResult& result) {
    if (!data.srs || !data.srs->IsGeographic()) {
        result.crs = data.srs ? describe_crs(*data.srs) : "unknown (taken as metres)";
        return;
    }
    const Box e = data.coverage.extent();
    if (!e.valid()) return;
    const int zone = static_cast<int>(std::lround((e.min_x + e.max_x) / 2 / 3.0));
    auto target = std::make_unique<OGRSpatialReference>();
    target->importFromEPSG(cgcs2000_gk3_epsg(std::clamp(zone, 25, 45), true));
    target->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    data.srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    std::unique_ptr<OGRCoordinateTransformation> ct(OGRCreateCoordinateTransformation(data.srs.get(), target.get()));
    if (!ct) throw InputError("cannot project lon/lat to Gauss-Kruger zone " + std::to_string(zone));
    const std::size_t n = data.coverage.point_count();
    double* xy = data.coverage.mutable_xy();
    std::vector<double> x(4096), y(4096);
    for (std::size_t i = 0; i < n; i += 4096) {
        const std::size_t m = std::min<std::size_t>(4096, n - i);
        for (std::size_t k = 0; k < m; ++k) {
            x[k] = xy[2 * (i + k)];
            y[k] = xy[2 * (i + k) + 1];
        }
        ct->Transform(static_cast<int>(m), x.data(), y.data());
        for (std::size_t k = 0; k < m; ++k) {
            xy[2 * (i + k)] = x[k];
            xy[2 * (i + k) + 1] = y[k];
        }
    }
    data.coverage.recompute_boxes();
    data.transformed = true;
    result.crs = describe_crs(*data.srs) + ", projected to " + describe_crs(*target) + " for the check";
    data.working_srs = std::move(target);
}

struct DisjointSet {
    std::vector<std::uint32_t> parent;
    explicit DisjointSet(std::size_t n) : parent(n) {
        for (std::size_t i = 0; i < n; ++i) parent[i] = static_cast<std::uint32_t>(i);
    }
    std::uint32_t find(std::uint32_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    }
    void unite(std::uint32_t a, std::uint32_t b) {
        a = find(a);
        b = find(b);
        if (a != b) parent[std::max(a, b)] = std::min(a, b);
    }
};

// Components of the planned villages over the edges `joins` accepts; numbered from 1,
// largest first (ties: lowest FID). Returns the id per feature (0 unplanned) and sizes.
std::vector<std::int32_t> components(const ContiguityData& data,
                                     const std::function<bool(std::uint32_t, std::uint32_t)>& joins,
                                     std::vector<std::int32_t>& size_of_feature) {
    const std::size_t n = data.fids.size();
    DisjointSet set(n);
    for (std::size_t f = 0; f < n; ++f) {
        if (!data.planned[f]) continue;
        for (const std::uint32_t* g = data.adjacency.begin(f); g != data.adjacency.end(f); ++g)
            if (*g > f && data.planned[*g] && joins(static_cast<std::uint32_t>(f), *g))
                set.unite(static_cast<std::uint32_t>(f), *g);
    }
    std::vector<std::uint32_t> count(n, 0);
    for (std::size_t f = 0; f < n; ++f)
        if (data.planned[f]) ++count[set.find(static_cast<std::uint32_t>(f))];
    std::vector<std::uint32_t> roots;
    for (std::size_t f = 0; f < n; ++f)
        if (data.planned[f] && set.find(static_cast<std::uint32_t>(f)) == f)
            roots.push_back(static_cast<std::uint32_t>(f));
    std::stable_sort(roots.begin(), roots.end(), [&](std::uint32_t a, std::uint32_t b) { return count[a] > count[b]; });
    std::vector<std::int32_t> id_of_root(n, 0);
    for (std::size_t i = 0; i < roots.size(); ++i) id_of_root[roots[i]] = static_cast<std::int32_t>(i + 1);
    std::vector<std::int32_t> id(n, 0);
    size_of_feature.assign(n, 0);
    for (std::size_t f = 0; f < n; ++f)
        if (data.planned[f]) {
            const std::uint32_t r = set.find(static_cast<std::uint32_t>(f));
            id[f] = id_of_root[r];
            size_of_feature[f] = static_cast<std::int32_t>(count[r]);
        }
    return id;
}

// Counts for `members` (the features `member` accepts), edges and neighbours limited to them.
ContiguityStats statistics(const ContiguityData& data, const std::vector<std::int32_t>& cluster,
                           const std::vector<std::int32_t>& cluster_size, const std::vector<std::uint32_t>& members,
                           const std::function<bool(std::uint32_t)>& member, const ContiguityOptions& options,
                           std::vector<std::uint8_t>* isolated, std::vector<std::uint8_t>* hole) {
    ContiguityStats s;
    std::unordered_map<std::int32_t, std::pair<long long, double>> per_cluster;  // villages, households
    for (const std::uint32_t f : members) {
        ++s.villages;
        int neighbours = 0, planned_neighbours = 0;
        for (const std::uint32_t* g = data.adjacency.begin(f); g != data.adjacency.end(f); ++g) {
            if (!member(*g)) continue;
            ++neighbours;
            if (data.planned[*g]) ++planned_neighbours;
            if (*g > f) ++s.edges;
        }
        if (data.planned[f]) {
            ++s.planned;
            s.planned_households += data.households[f];
            auto& c = per_cluster[cluster[f]];
            ++c.first;
            c.second += data.households[f];
            if (cluster_size[f] < options.min_villages) {
                ++s.isolated;
                if (isolated) (*isolated)[f] = 1;
            }
        } else if (neighbours > 0 && planned_neighbours == neighbours) {
            ++s.holes;
            if (hole) (*hole)[f] = 1;
        }
    }
    s.clusters = static_cast<long long>(per_cluster.size());
    for (const auto& [id, c] : per_cluster) {
        if (c.first > s.largest_villages || (c.first == s.largest_villages && c.second > s.largest_households)) {
            s.largest_villages = c.first;
            s.largest_households = c.second;
        }
        if (c.first >= options.block_villages) s.block_households += c.second;
    }
    return s;
}

}  // namespace

namespace {

// Every word of a --planned filter (a superset of the fields it names).
std::vector<std::string> filter_words(const std::string& f) {
    std::vector<std::string> names;
    std::string word;
    char quote = 0;  // inside "...", `...` or [...] (a name), or '...' (a string: no name)
    for (std::size_t i = 0; i <= f.size(); ++i) {
        const char ch = i < f.size() ? f[i] : ' ';
        const auto c = static_cast<unsigned char>(ch);
        if (quote) {
            if (ch != quote) {
                if (quote != '\'') word += ch;
            } else if (quote != ']' && i + 1 < f.size() && f[i + 1] == quote) {  // "" inside "...": one "
                if (quote != '\'') word += ch;
                ++i;
            } else {
                if (!word.empty()) names.push_back(word);
                word.clear();
                quote = 0;
            }
            continue;
        }
        if (std::isalnum(c) || c == '_' || c == '$' || c >= 0x80) {
            word += ch;
            continue;
        }
        if (!word.empty()) names.push_back(word);
        word.clear();
        if (ch == '-' && i + 1 < f.size() && f[i + 1] == '-') {  // a comment: its words may stay, its quotes count not
            const std::size_t end = f.find('\n', i);
            i = end == std::string::npos ? f.size() : end;
        } else if (ch == '/' && i + 1 < f.size() && f[i + 1] == '*') {
            const std::size_t end = f.find("*/", i + 2);
            i = end == std::string::npos ? f.size() : end + 1;
        } else if (ch == '"' || ch == '`' || ch == '\'') {
            quote = ch;
        } else if (ch == '[') {
            quote = ']';
        }
    }
    return names;
}

// The villages' fields a run may read: those it picks by name (Reader) and the filter's words.
std::vector<std::string> village_fields_read(const ContiguityOptions& o) {
    std::vector<std::string> names = {"county_code", "route_main", "households_total", "households",
                                      "village_code", "code", "village_name", "name",
                                      "township_name", "county_name", o.by, o.route_field, o.within_field};
    for (auto& w : filter_words(o.planned)) names.push_back(std::move(w));
    return names;
}

// Everything between reading and writing: empty and invalid geometries, adjacency, clusters,
// isolated villages and holes, the summaries, the infrastructure rules. `source` names the dataset
// in findings.
void analyse(const ContiguityOptions& options, const std::string& source, Reader& reader, ContiguityData& data,
             ContiguityResult& result, int threads, Clock::time_point started, const Progress& progress) {
    result.features = static_cast<long long>(data.fids.size());
    for (std::size_t g = 0; g < data.group_values.size(); ++g) {
        auto it = reader.county_names.find(data.group_values[g]);
        data.group_names.push_back(it == reader.county_names.end() ? "" : it->second);
    }
    long long polygons = 0, points = 0;
    for (std::size_t f = 0; f < data.coverage.size(); ++f) {
        if (data.coverage.kind(f) == FeatureKind::polygon) ++polygons;
        if (data.coverage.kind(f) == FeatureKind::point) ++points;
        if (data.coverage.kind(f) == FeatureKind::empty) {
            ++result.empty_geometries;
            add_geometry_finding(data, result, source, f, "W_GEOMETRY_MISSING",
                                 reader.unreadable.count(f) ? "图形无法读取" : "");
        }
    }
    result.points = points > polygons;
    if (!result.points) repair_invalid(data, result, source, threads);
    project_if_geographic(data, result);
    result.seconds_read = seconds_since(started);

    // Adjacency
    const auto adjacency_started = Clock::now();
    AdjacencyOptions adjacency_options;
    adjacency_options.kind = options.adjacency;
    adjacency_options.tolerance = options.tolerance;
    adjacency_options.max_distance = options.max_distance;
    adjacency_options.within = reader.fields.within.empty() ? nullptr : &data.within;
    adjacency_options.threads = threads;
    const Progress adjacency_progress = progress.slice(0.3, 0.8);
    data.adjacency = result.points ? point_adjacency(data.coverage, adjacency_options, adjacency_progress)
                                   : polygon_adjacency(data.coverage, adjacency_options, adjacency_progress);
    const Adjacency& adj = data.adjacency;
    result.adjacency_method = adj.method;
    result.rim_features = static_cast<long long>(adj.rim_features);
    result.exact_tests = static_cast<long long>(adj.exact_tests);
    result.exact_everywhere = adj.exact_everywhere;
    result.gaps_bridged = static_cast<long long>(adj.gaps.size());
    result.overlaps = static_cast<long long>(adj.overlaps.size());
    for (const auto& [a, b] : adj.overlaps)
        add_geometry_finding(data, result, source, a, "W_POLYGON_OVERLAP",
                             "与 fid " + std::to_string(data.fids[b]) + " " + data.code[b] + " 重叠");
    for (const Gap& gap : adj.gaps) {
        char distance[64];
        std::snprintf(distance, sizeof distance, "%.2f", gap.distance);
        add_geometry_finding(data, result, source, gap.a, "W_GAP_BRIDGED",
                             "与 fid " + std::to_string(data.fids[gap.b]) + " " + data.code[gap.b] + " 相距 " +
                                 distance + " 米");
    }
    result.seconds_adjacency = seconds_since(adjacency_started);

    // Clusters, isolated villages, holes
    const auto clusters_started = Clock::now();
    progress.update(0.8, "clusters");
    const std::size_t n = data.fids.size();
    data.isolated.assign(n, 0);
    data.hole.assign(n, 0);
    data.enclosed.assign(n, 0);
    data.enclosing.assign(n, 0);
    auto bucket = [&](const std::vector<std::int32_t>& key, std::size_t values) {
        std::vector<std::vector<std::uint32_t>> out(values);
        for (std::size_t f = 0; f < n; ++f)
            if (key[f] >= 0) out[static_cast<std::size_t>(key[f])].push_back(static_cast<std::uint32_t>(f));
        return out;
    };
    // the clusters of each route and of each group beside the whole's (threads allowing)
    auto by_route = [&] {
        std::vector<std::int32_t> sizes;
        data.route_cluster = components(
            data, [&](std::uint32_t a, std::uint32_t b) { return data.route[a] >= 0 && data.route[a] == data.route[b]; },
            sizes);
        const auto members = bucket(data.route, data.route_values.size());
        for (std::size_t r = 0; r < data.route_values.size(); ++r) {
            const auto ri = static_cast<std::int32_t>(r);
            ContiguityStats s = statistics(
                data, data.route_cluster, sizes, members[r], [&](std::uint32_t f) { return data.route[f] == ri; },
                options, nullptr, nullptr);
            s.value = data.route_values[r];
            result.routes[s.value] = s;
        }
    };
    auto by_group = [&] {
        std::vector<std::int32_t> sizes;
        data.group_cluster = components(
            data, [&](std::uint32_t a, std::uint32_t b) { return data.group[a] >= 0 && data.group[a] == data.group[b]; },
            sizes);
        const auto members = bucket(data.group, data.group_values.size());
        std::vector<std::size_t> order(data.group_values.size());
        for (std::size_t g = 0; g < order.size(); ++g) order[g] = g;
        std::sort(order.begin(), order.end(),
                  [&](std::size_t a, std::size_t b) { return data.group_values[a] < data.group_values[b]; });
        for (std::size_t g : order) {
            const auto gi = static_cast<std::int32_t>(g);
            ContiguityStats s = statistics(
                data, data.group_cluster, sizes, members[g], [&](std::uint32_t f) { return data.group[f] == gi; },
                options, nullptr, nullptr);
            s.value = data.group_values[g];
            s.name = data.group_names[g];
            result.groups.push_back(s);
        }
    };
    std::future<void> routes_done, groups_done;
    if (threads > 1) routes_done = std::async(std::launch::async, by_route);
    if (threads > 2) groups_done = std::async(std::launch::async, by_group);
    data.cluster = components(
        data, [](std::uint32_t, std::uint32_t) { return true; }, data.cluster_size);
    auto all = [](std::uint32_t) { return true; };
    std::vector<std::uint32_t> everyone(n);
    for (std::size_t f = 0; f < n; ++f) everyone[f] = static_cast<std::uint32_t>(f);
    result.total =
        statistics(data, data.cluster, data.cluster_size, everyone, all, options, &data.isolated, &data.hole);
    if (!groups_done.valid()) by_group();
    if (routes_done.valid()) {
        routes_done.get();
    } else {
        by_route();
    }
    if (groups_done.valid()) groups_done.get();
    // Cluster summaries
    result.clusters.resize(static_cast<std::size_t>(result.total.clusters));
    // by value index while counting (the village loop compares no strings), by value when told
    std::vector<std::vector<long long>> route_mix(result.clusters.size());
    std::vector<std::vector<std::int32_t>> cluster_groups(result.clusters.size());
    for (std::size_t f = 0; f < n; ++f) {
        if (!data.cluster[f]) continue;
        const auto ci = static_cast<std::size_t>(data.cluster[f] - 1);
        auto& c = result.clusters[ci];
        c.id = data.cluster[f];
        ++c.villages;
        c.households += data.households[f];
        c.area_m2 += data.coverage.area(f);
        if (data.group[f] >= 0) {
            auto& groups = cluster_groups[ci];
            if (std::find(groups.begin(), groups.end(), data.group[f]) == groups.end()) groups.push_back(data.group[f]);
        }
        if (data.route[f] >= 0) {
            auto& mix = route_mix[ci];
            if (mix.empty()) mix.assign(data.route_values.size(), 0);
            ++mix[static_cast<std::size_t>(data.route[f])];
        }
    }
    std::vector<std::size_t> route_order(data.route_values.size());
    for (std::size_t r = 0; r < route_order.size(); ++r) route_order[r] = r;
    std::sort(route_order.begin(), route_order.end(),
              [&](std::size_t a, std::size_t b) { return data.route_values[a] < data.route_values[b]; });
    for (std::size_t c = 0; c < result.clusters.size(); ++c) {
        auto& cl = result.clusters[c];
        for (std::int32_t g : cluster_groups[c]) cl.groups.push_back(data.group_values[static_cast<std::size_t>(g)]);
        std::sort(cl.groups.begin(), cl.groups.end());
        if (route_mix[c].empty()) continue;
        for (std::size_t r : route_order)
            if (route_mix[c][r] > 0)
                cl.routes += (cl.routes.empty() ? "" : "; ") + data.route_values[r] + " " + std::to_string(route_mix[c][r]);
    }
    result.seconds_clusters = seconds_since(clusters_started);
    if (!options.heating_coverage.empty() || !options.gas_mains.empty() || !options.grid_zones.empty())
        check_rules(options, data, result);
}

int thread_count(const ContiguityOptions& options) {
    return options.threads > 0 ? options.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

void check_options(const ContiguityOptions& options) {
    if (options.min_villages < 1) throw UsageError("--min-villages must be at least 1");
    if (options.tolerance < 0) throw UsageError("--tolerance must not be negative");
    // a rule's layer is read (opened and closed by GDAL) while the dataset is open: a layer of the
    // dataset's own file would close a descriptor of it, and with it the locks of the run's reads
    for (const auto& [option, path] : {std::pair<const char*, const std::string&>{"--heating-coverage", options.heating_coverage},
                                       {"--gas-mains", options.gas_mains},
                                       {"--grid-zones", options.grid_zones}}) {
        std::error_code ec;
        if (!path.empty() && std::filesystem::equivalent(path, options.dataset, ec))
            throw UsageError(std::string(option) + " " + path + " is the dataset itself",
                             "give the layer as a file of its own (e.g. ogr2ogr it out of the dataset)");
    }
}

// The clusters' outlines (none for points).
std::vector<std::vector<unsigned char>> outlines_of(const ContiguityOptions& options, ContiguityData& data,
                                                    ContiguityResult& result, int threads, const Progress& progress) {
    if (result.points) return {};
    return cluster_outlines(data, result, threads, options.adjacency == AdjacencyKind::queen, progress.slice(0.85, 0.93));
}

// The workbook kept once the results are in the dataset.
void finish_written(ContiguityResult& result, AtomicOutput* workbook, const std::string& xlsx,
                    Clock::time_point write_started) {
    if (workbook) {
        workbook->commit();
        result.xlsx = xlsx;
    }
    result.written = true;
    result.seconds_write = seconds_since(write_started);
}

// village_contiguity made afresh (none there yet) on a connection of its own, its planned villages'
// rows sent at once (dataset::PgStagedTable). None when the table is there (the run writes the rows
// that changed), when this login may not make tables (the write says so), or when that connection
// cannot be had: the rows are written on `db` then.
std::unique_ptr<dataset::PgStagedTable> stage_village_rows(const PgConnection& db, const ContiguityOptions& options,
                                                           const std::string& schema, const ContiguityData& data) {
    if (dataset::pg_table_exists(db, schema, "village_contiguity") ||
        db.query("SELECT has_schema_privilege($1, 'CREATE')", {schema}).text(0, 0) != "t")
        return nullptr;
    std::unique_ptr<dataset::PgStagedTable> staged;
    try {
        staged = std::make_unique<dataset::PgStagedTable>(db, pg_conninfo(options.dataset), schema,
                                                          dataset::table("village_contiguity"));
    } catch (const std::exception& e) {
        throw_if_stop_requested();
        notice(db.label() + ": village_contiguity written on one connection: " + e.what());
        return nullptr;
    }
    std::vector<std::size_t> planned;
    for (std::size_t f = 0; f < data.fids.size(); ++f)
        if (data.planned[f]) planned.push_back(f);
    staged->send(std::move(planned), [&options, &data](std::size_t f, dataset::RowOut& out) {
        village_contiguity_row(options, data, f, out);
    });
    return staged;
}

// The check on a dataset in a database, its villages read and its results written there directly
// (no working copy), in one transaction holding the dataset's write lock. Nullopt, with nothing
// changed, when the run needs a working copy: an older schema version (upgraded on the way), lon/lat
// villages (projected for the check), a filter that names more than the villages' fields.
std::optional<ContiguityResult> contiguity_in_database(const ContiguityOptions& options, const Progress& progress) {
    ensure_gdal();
    std::string why;
    auto on_a_copy = [&](const PgConnection& db, const std::string& label) {
        db.rollback();  // the lock released now, for the copy's
        notice(label + ": " + why + ": contiguity works on a copy of the dataset");
        return std::nullopt;
    };
    const std::string schema = options.pg_schema.empty() ? dataset::kDefaultPgSchema : options.pg_schema;
    dataset::check_schema_name(schema);
    PgConnection db(pg_conninfo(options.dataset));
    const std::string label = db.label() + " schema " + schema;
    const std::string villages = db.identifier(schema) + ".villages";
    // read committed: the villages read once the lock is held, with what the run before committed
    db.exec("BEGIN ISOLATION LEVEL READ COMMITTED");
    dataset::pg_lock_dataset(db, schema, label);
    const int version = dataset::pg_schema_version(db, schema);
    why = "schema version " + std::to_string(version) + " (this cleanheat writes " + std::to_string(dataset::kSchemaVersion) + ")";
    if (version != dataset::kSchemaVersion) return on_a_copy(db, label);
    const auto started = Clock::now();
    ContiguityResult result;
    result.started_at = now_iso();
    result.dataset = label;
    result.layer = "villages";
    ContiguityData data;
    const int srid = static_cast<int>(db.query("SELECT Find_SRID($1, 'villages', 'geom')", {schema}).integer(0, 0));
    if (srid > 0) {
        data.srs = std::make_unique<OGRSpatialReference>();
        data.srs->SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        why = "villages in EPSG:" + std::to_string(srid) + " (not a projected CRS PROJ knows)";
        if (data.srs->importFromEPSG(srid) != OGRERR_NONE || data.srs->IsGeographic()) return on_a_copy(db, label);
        data.srs_id = srid;
    }
    progress.update(0.0, "reading " + label);
    Reader reader{options, data, result};
    why = "the --planned filter names another table";
    if (!reader.read_pg(db, pg_conninfo(options.dataset), villages,
                        dataset::pg_columns(db, schema, dataset::table("villages")), thread_count(options)))
        return on_a_copy(db, label);
    // the rows of village_contiguity there, read on a second connection while the check runs: held
    // against writers (cleanheat's by the dataset's lock, anyone's by the table's lock; readers go
    // on); none when they cannot be read so, or not at once (the write reads them itself)
    if (dataset::pg_table_exists(db, schema, "village_contiguity") &&
        db.query("SELECT has_table_privilege($1, 'DELETE')", {db.identifier(schema) + ".village_contiguity"})
                .text(0, 0) == "t")
        db.exec("LOCK TABLE " + db.identifier(schema) + ".village_contiguity IN SHARE ROW EXCLUSIVE MODE");
    auto village_rows = std::async(std::launch::async, [conninfo = pg_conninfo(options.dataset), schema] {
        try {
            const PgConnection other(conninfo);
            other.exec("SET lock_timeout = '2s'");
            return std::optional<dataset::RowDigests>(
                dataset::pg_row_digests(other, schema, dataset::table("village_contiguity")));
        } catch (const std::exception&) {
            return std::optional<dataset::RowDigests>();
        }
    });
    analyse(options, label, reader, data, result, thread_count(options), started, progress);

    const auto write_started = Clock::now();
    // a first run: the planned villages' rows (final now) sent while the outlines are drawn, the
    // others' once the outlines say which are enclosed
    std::unique_ptr<dataset::PgStagedTable> staged = stage_village_rows(db, options, schema, data);
    const auto outlines = outlines_of(options, data, result, thread_count(options), progress);
    result.seconds_outlines = seconds_since(write_started);
    if (staged) {
        std::vector<std::size_t> others;
        for (std::size_t f = 0; f < data.fids.size(); ++f)
            if (!data.planned[f]) others.push_back(f);
        staged->rest(std::move(others));
    }
    // the workbook first: a workbook that cannot be written leaves the dataset as it was
    std::unique_ptr<AtomicOutput> workbook;
    if (!options.xlsx.empty()) workbook = write_contiguity_workbook(options.xlsx, options, data, result);
    write_contiguity_tables(db, schema, srid, options, data, result, outlines, village_rows.get(), staged.get());
    throw_if_stop_requested();
    db.exec("COMMIT");
    result.output = label;
    finish_written(result, workbook.get(), options.xlsx, write_started);
    progress.update(1.0);
    return result;
}

}  // namespace

ContiguityResult contiguity(const ContiguityOptions& options, const Progress& progress) {
    // a dataset of cleanheat merge in a database: the run works on a copy, and when it writes
    // into the dataset its changes go back (dataset/write_through.hpp)
    if (dataset::pg_dataset_at(options.dataset, options.pg_schema)) {
        ContiguityOptions local = options;
        if (!options.write || !options.output.empty()) {
            const dataset::Snapshot snapshot(options.dataset, options.pg_schema);
            local.dataset = snapshot.path();
            ContiguityResult result = contiguity(local, progress);
            result.dataset = snapshot.label();
            return result;
        }
        const bool villages = options.layer.empty() || options.layer == "villages";
        check_options(options);
        if (villages)
            if (auto result = contiguity_in_database(options, progress)) return *std::move(result);
        dataset::WriteThrough through(options.dataset, options.pg_schema, "contiguity",
                                      villages ? village_fields_read(options) : std::vector<std::string>{});
        local.dataset = through.path();
        ContiguityResult result = contiguity(local, progress);
        dataset::commit_or_remove(through, {std::filesystem::path(result.xlsx)});
        result.dataset = through.label();
        result.output = through.label();
        return result;
    }
    ensure_gdal();
    const auto started = Clock::now();
    ContiguityResult result;
    result.started_at = now_iso();
    ContiguityData data;
    result.dataset = options.dataset;
    const int threads = thread_count(options);
    check_options(options);

    // Read
    progress.update(0.0, "reading " + options.dataset);
    std::unique_ptr<GDALDataset> ds;
    {
        GdalErrorCapture capture;
        refuse_hot_journal(options.dataset);
        ds.reset(GDALDataset::Open(options.dataset.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
        if (!ds && is_damage_message(capture.last_message()))
            throw damaged_dataset(options.dataset, capture.last_message());
        std::error_code ec;
        if (!ds && !is_pg_name(options.dataset) && !std::filesystem::exists(options.dataset, ec))
            throw InputError(options.dataset + ": no such file");
        if (!ds)
            throw InputError(options.dataset + ": cannot open as vector data" +
                             (capture.last_message().empty() ? "" : ": " + capture.last_message()));
    }
    OGRLayer* layer = nullptr;
    if (!options.layer.empty()) {
        layer = ds->GetLayerByName(options.layer.c_str());
        if (!layer) throw InputError(options.dataset + ": no layer named " + options.layer);
    } else {
        layer = ds->GetLayerByName("villages");
        if (!layer && ds->GetLayerCount() > 0) layer = ds->GetLayer(0);
        if (!layer) throw InputError(options.dataset + ": no layers");
    }
    result.layer = layer->GetName();
    const bool gpkg = std::strcmp(ds->GetDriver()->GetDescription(), "GPKG") == 0 &&
                      std::filesystem::is_regular_file(options.dataset) && std::strlen(layer->GetFIDColumn()) > 0;
    if (options.write && options.output.empty() && !gpkg)
        throw UsageError(options.dataset + " is not a GeoPackage: give -o out.gpkg for the results (or --no-write)");
    Reader reader{options, data, result};
    {
        std::vector<std::string> names;
        OGRFeatureDefn* defn = layer->GetLayerDefn();
        for (int i = 0; i < defn->GetFieldCount(); ++i) names.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
        reader.pick(names);
    }
    if (const OGRSpatialReference* srs = layer->GetSpatialRef()) data.srs.reset(srs->Clone());
    if (!gpkg || !reader.read_sqlite(layer, threads)) reader.read_ogr(layer);
    analyse(options, options.dataset, reader, data, result, threads, started, progress);

    // Outputs
    if (!options.write) {
        progress.update(1.0);
        return result;
    }
    const auto write_started = Clock::now();
    const auto outlines = outlines_of(options, data, result, threads, progress);
    result.seconds_outlines = seconds_since(write_started);
    const bool in_place = options.output.empty();
    if (in_place && !gpkg) throw UsageError(options.dataset + " is not a GeoPackage: give -o out.gpkg for the results");
    // the villages' results are the table village_contiguity, keyed by the fids of a layer named
    // villages: another layer's results would be read as the villages' (or overwrite them)
    if (in_place && result.layer != "villages")
        throw UsageError(options.dataset + ": layer " + result.layer +
                         ": results are written for a layer named villages; give -o out.gpkg (the layer copied as "
                         "villages, with its results)");
    ds.reset();
    // the workbook first: a workbook that cannot be written leaves the dataset as it was
    std::unique_ptr<AtomicOutput> workbook;
    if (!options.xlsx.empty()) workbook = write_contiguity_workbook(options.xlsx, options, data, result);
    if (in_place) {
        write_contiguity_layers(options.dataset, result.layer, options, data, result, outlines);
        result.output = options.dataset;
    } else {
        AtomicOutput out(options.output, options.overwrite, {options.dataset});
        {
            GdalErrorCapture capture;
            std::unique_ptr<GDALDataset> src(
                GDALDataset::Open(options.dataset.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
            const char* args[] = {"-f", "GPKG", "-preserve_fid", "-nln", "villages", result.layer.c_str(), nullptr};
            GDALVectorTranslateOptions* vt = GDALVectorTranslateOptionsNew(const_cast<char**>(args), nullptr);
            GDALDatasetH src_handle = GDALDataset::ToHandle(src.get());
            int usage_error = 0;
            GDALDatasetH copy = GDALVectorTranslate(out.partial().c_str(), nullptr, 1, &src_handle, vt, &usage_error);
            GDALVectorTranslateOptionsFree(vt);
            if (!copy) throw OutputError(options.output + ": cannot write: " + capture.last_message());
            GDALClose(copy);
        }
        write_contiguity_layers(out.partial().string(), "villages", options, data, result, outlines);
        out.commit();
        result.output = options.output;
    }
    finish_written(result, workbook.get(), options.xlsx, write_started);
    progress.update(1.0);
    return result;
}

}  // namespace cleanheat

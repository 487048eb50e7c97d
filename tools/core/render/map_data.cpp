#include "render/map_data.hpp"

#include "io/gpkg_sql.hpp"
#include "io/sql_filter.hpp"

#include <algorithm>
#include <filesystem>
#include <cmath>
#include <cstdio>
#include <map>
#include <unordered_map>

#include "base/error.hpp"
#include "geo/geos_util.hpp"
#include "io/gpkg_sql.hpp"
#include "io/read_runs.hpp"
#include "io/sqlite_util.hpp"

namespace cleanheat {
namespace {

constexpr long long kRowsForRuns = 100000;  // a layer read in runs side by side from this many fids

std::string column_text(sqlite3_stmt* st, int i) {
    const auto* t = sqlite3_column_text(st, i);
    return t ? reinterpret_cast<const char*>(t) : "";
}

// The attribute values of a layer's features as text, row after row in one block (no allocation
// per row: a national layer has 620,000).
class Cells {
public:
    explicit Cells(std::size_t width = 0) : width_(width) {}
    std::size_t size() const { return rows_; }
    const std::string& at(std::size_t row, std::size_t i) const { return cells_[row * width_ + i]; }
    void add_row(sqlite3_stmt* st, int first) {
        for (std::size_t i = 0; i < width_; ++i) cells_.push_back(column_text(st, first + static_cast<int>(i)));
        ++rows_;
    }
    void add_row(std::vector<std::string>&& row) {
        cells_.insert(cells_.end(), std::make_move_iterator(row.begin()), std::make_move_iterator(row.end()));
        ++rows_;
    }
    void append(Cells&& other) {
        if (rows_ == 0) {
            *this = std::move(other);
            return;
        }
        cells_.insert(cells_.end(), std::make_move_iterator(other.cells_.begin()),
                      std::make_move_iterator(other.cells_.end()));
        rows_ += other.rows_;
        other = Cells(width_);
    }

private:
    std::size_t width_ = 0, rows_ = 0;
    std::vector<std::string> cells_;
};

std::string format_value(double v, const FillSpec& fill) {
    char buf[64];
    if (fill.format == "percent")
        std::snprintf(buf, sizeof buf, "%.*f%%", fill.decimals, v * 100);
    else if (fill.format == "integer")
        std::snprintf(buf, sizeof buf, "%.0f", v);
    else
        std::snprintf(buf, sizeof buf, "%.*f", fill.decimals, v);
    return buf;
}

// Fisher-Jenks natural breaks on sorted values (sampled to at most 2,000).
std::vector<double> jenks(const std::vector<double>& sorted, int k) {
    std::vector<double> v;
    const std::size_t step = std::max<std::size_t>(1, sorted.size() / 2000);
    for (std::size_t i = 0; i < sorted.size(); i += step) v.push_back(sorted[i]);
    if (v.back() != sorted.back()) v.push_back(sorted.back());
    const std::size_t n = v.size();
    std::vector<std::vector<double>> var(n + 1, std::vector<double>(static_cast<std::size_t>(k) + 1, HUGE_VAL));
    std::vector<std::vector<std::size_t>> lower(n + 1, std::vector<std::size_t>(static_cast<std::size_t>(k) + 1, 1));
    for (int j = 1; j <= k; ++j) var[1][static_cast<std::size_t>(j)] = 0;
    for (std::size_t l = 2; l <= n; ++l) {
        double s = 0, s2 = 0, w = 0;
        for (std::size_t m = 1; m <= l; ++m) {
            const std::size_t i = l - m + 1;
            const double x = v[i - 1];
            s += x;
            s2 += x * x;
            w += 1;
            const double variance = s2 - s * s / w;
            if (i > 1)
                for (int j = 2; j <= k; ++j) {
                    const double c = variance + var[i - 1][static_cast<std::size_t>(j - 1)];
                    if (var[l][static_cast<std::size_t>(j)] >= c) {
                        lower[l][static_cast<std::size_t>(j)] = i;
                        var[l][static_cast<std::size_t>(j)] = c;
                    }
                }
        }
        lower[l][1] = 1;
        var[l][1] = s2 - s * s / w;
    }
    std::vector<double> breaks(static_cast<std::size_t>(k));
    breaks[static_cast<std::size_t>(k - 1)] = v[n - 1];
    std::size_t upper = n;
    for (int j = k; j >= 2; --j) {
        const std::size_t id = lower[upper][static_cast<std::size_t>(j)] - 1;
        breaks[static_cast<std::size_t>(j - 2)] = id > 0 ? v[id - 1] : v[0];
        upper = id;
        if (upper == 0) upper = 1;
    }
    return breaks;
}

}  // namespace

std::vector<double> class_breaks(std::vector<double> values, const std::string& method, int classes,
                                 const std::vector<double>& manual) {
    if (method == "manual") {
        std::vector<double> b = manual;
        b.push_back(HUGE_VAL);
        return b;
    }
    values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return !std::isfinite(v); }),
                 values.end());
    std::vector<double> breaks;
    if (values.empty()) return std::vector<double>(static_cast<std::size_t>(classes), HUGE_VAL);
    std::sort(values.begin(), values.end());
    const double lo = values.front(), hi = values.back();
    if (method == "equal") {
        for (int c = 1; c <= classes; ++c) breaks.push_back(lo + (hi - lo) * c / classes);
    } else if (method == "jenks" && static_cast<int>(values.size()) > classes) {
        breaks = jenks(values, classes);
    } else {
        const std::size_t n = values.size();
        for (int c = 1; c <= classes; ++c) {
            const std::size_t upper = (n * static_cast<std::size_t>(c) + static_cast<std::size_t>(classes) - 1) /
                                      static_cast<std::size_t>(classes);
            breaks.push_back(values[std::min(n - 1, upper == 0 ? 0 : upper - 1)]);
        }
    }
    breaks.back() = hi;
    return breaks;
}

MapSource::MapSource(const std::string& gpkg) : path_(gpkg) {
    std::error_code ec;
    if (!std::filesystem::exists(gpkg, ec)) throw InputError(gpkg + ": no such file");
    refuse_hot_journal(gpkg);
    if (sqlite3_open_v2(gpkg.c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) == SQLITE_OK)
        sqlite3_busy_timeout(db_, kBusyWaitMilliseconds);
    if (db_ && sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr) != SQLITE_OK &&
        is_damage(sqlite3_extended_errcode(db_))) {
        const std::string detail = sqlite3_errmsg(db_);
        sqlite3_close(db_);
        db_ = nullptr;
        throw damaged_dataset(gpkg, detail);
    }
    if (!db_ || sql_scalar(db_, "SELECT count(*) FROM sqlite_master WHERE name = 'gpkg_contents'") <= 0) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw InputError(gpkg + ": not a GeoPackage (give the output of cleanheat merge)");
    }
}

MapSource::~MapSource() {
    sqlite3_close(db_);
}

bool MapSource::has_table(const std::string& name) const {
    return sql_has_table(db_, name);
}

bool MapSource::has_column(const std::string& table, const std::string& column) const {
    return sql_has_column(db_, table, column);
}

std::string MapSource::srs_wkt(const std::string& table) const {
    sqlite3_stmt* st = nullptr;
    std::string wkt;
    sqlite3_prepare_v2(db_,
                       "SELECT s.definition FROM gpkg_geometry_columns g JOIN gpkg_spatial_ref_sys s ON s.srs_id = "
                       "g.srs_id WHERE g.table_name = ?",
                       -1, &st, nullptr);
    sqlite3_bind_text(st, 1, table.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) == SQLITE_ROW) wkt = column_text(st, 0);
    sqlite3_finalize(st);
    return wkt;
}

MapLayer read_map_layer(const MapSource& source, const LayerSpec& spec, const std::string& extra_where,
                        const std::string& extra_table, const std::string& style_file,
                        const std::string& unit_field) {
    auto fail = [&](const std::string& what) {
        throw UsageError("style " + style_file + ": layer " + spec.name + ": " + what);
    };
    if (!source.has_table(spec.source)) fail("no layer '" + spec.source + "' in " + source.path());
    // the fields this layer needs
    std::vector<std::string> fields;
    auto need = [&](const std::string& f) {
        if (f.empty() || f[0] == '$' || (spec.join.enabled && f == spec.join.as)) return;
        if (std::find(fields.begin(), fields.end(), f) == fields.end()) fields.push_back(f);
    };
    need(spec.fill.field);
    need(spec.fill.divide_by);
    need(spec.symbol.field);
    need(spec.labels.field);
    const auto slash = spec.labels.extra.find('/');
    if (slash != std::string::npos && spec.labels.extra[0] != '$') {
        need(spec.labels.extra.substr(0, slash));
        need(spec.labels.extra.substr(slash + 1));
    } else {
        need(spec.labels.extra);
    }
    need(spec.dissolve);
    for (const auto& s : spec.sum) need(s);
    const bool with_unit = !unit_field.empty() && source.has_column(spec.source, unit_field);
    if (with_unit) need(unit_field);
    if (spec.join.enabled) need(spec.join.key);
    // the contiguity check's fields of the villages are a table of their own (village_contiguity,
    // keyed by the village): joined when a style or filter names them
    // (and so are the nearest service station's, village_stations)
    const bool with_contiguity = spec.source == "villages" && source.has_table("village_contiguity");
    const bool with_stations = spec.source == "villages" && source.has_table("village_stations");
    auto has_field = [&](const std::string& f) {
        return source.has_column(spec.source, f) || (with_contiguity && source.has_column("village_contiguity", f)) ||
               (with_stations && f != "village_fid" && source.has_column("village_stations", f));
    };
    for (const auto& f : fields)
        if (!has_field(f))
            fail("no field '" + f + "' in layer " + spec.source +
                 (f == "contiguity" || f == "cluster_id" ? " (run cleanheat contiguity on it first)"
                  : f == "station_reach" || f == "distance_m" ? " (run cleanheat stations on it first)"
                                                              : ""));
    std::string geom = "geom";
    {
        sqlite3_stmt* st = nullptr;
        sqlite3_prepare_v2(source.db(), "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", -1, &st,
                           nullptr);
        sqlite3_bind_text(st, 1, spec.source.c_str(), -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) == SQLITE_ROW)
            geom = column_text(st, 0);
        else {
            sqlite3_finalize(st);
            fail("layer " + spec.source + " has no geometry");
        }
        sqlite3_finalize(st);
    }
    std::string sql = "SELECT " + sql_identifier(geom);
    for (const auto& f : fields) sql += ", " + sql_identifier(f);
    sql += " FROM " + sql_identifier(spec.source);
    if (with_contiguity) sql += " LEFT JOIN village_contiguity ON village_contiguity.village_fid = villages.fid";
    if (with_stations) sql += " LEFT JOIN village_stations ON village_stations.village_fid = villages.fid";
    // the style's filter and --where, parsed: fields checked, values bound
    auto is_field = [&](const std::string& f) { return has_field(f); };
    std::vector<SqlFilter> filters;
    if (!spec.where.empty())
        filters.push_back(parse_sql_filter(spec.where, is_field, "style " + style_file + ": layer " + spec.name + ": where"));
    if (!extra_where.empty() && spec.source == extra_table)
        filters.push_back(parse_sql_filter(extra_where, is_field, "--where"));
    for (std::size_t i = 0; i < filters.size(); ++i) sql += (i ? " AND " : " WHERE ") + filters[i].sql;
    MapLayer layer;
    layer.spec = &spec;
    Cells values(fields.size());
    // The rows: a big layer without a filter in runs of fids side by side (each on a connection of
    // its own, all in one state of the file; joined in fid order, as one scan gives them), else
    // in one statement.
    struct Part {
        Coverage coverage;
        Cells values;
    };
    auto read_rows = [&](sqlite3_stmt* st, int& rc, Part& part) {
        for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
            const auto* blob = static_cast<const unsigned char*>(sqlite3_column_blob(st, 0));
            if (!blob || !part.coverage.add_gpkg_blob(blob, static_cast<std::size_t>(sqlite3_column_bytes(st, 0))))
                part.coverage.add_empty();
            part.values.add_row(st, 1);
        }
    };
    std::vector<long long> starts = {0};
    SqliteRuns side;
    if (filters.empty() && source.read_threads() != 1 &&
        sql_scalar(source.db(), "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = " +
                                    sql_literal(spec.source)) == 1) {
        const std::string rowid = sql_identifier(spec.source) + ".rowid";
        long long min = 0, max = 0;
        if (fid_range(source.db(), spec.source, "rowid", min, max)) {
            const int runs = source.read_threads() > 0 || max - min >= kRowsForRuns
                                 ? side_by_side_threads(source.read_threads())
                                 : 1;
            if (runs > 1) starts = run_starts(min, max, static_cast<std::size_t>(runs));
        }
        std::vector<std::string> statements;
        for (std::size_t r = 0; starts.size() > 1 && r < starts.size(); ++r)
            statements.push_back(sql + run_range(rowid, starts, r) + " ORDER BY " + rowid);
        if (!side.begin(source.path(), statements, kBusyWaitMilliseconds)) starts = {0};
    }
    std::vector<Part> parts(starts.size(), Part{Coverage(), Cells(fields.size())});
    if (side.size() > 0) {
        side_by_side(side.size(), [&](std::size_t r) {
            SqliteRuns::Run& run = side.run(r);
            read_rows(run.st, run.rc, parts[r]);
            if (run.rc != SQLITE_DONE) {
                if (is_damage(run.rc)) throw damaged_dataset(source.path(), sqlite3_errmsg(run.db));
                fail(std::string("cannot read: ") + sqlite3_errmsg(run.db));
            }
        });
    } else {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(source.db(), sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
            fail(std::string("cannot read: ") + sqlite3_errmsg(source.db()) + " (where: " + spec.where +
                 (extra_where.empty() ? "" : "; --where: " + extra_where) + ")");
        int bind = 0;
        for (const auto& filter : filters)
            for (const auto& v : filter.values) {
                ++bind;
                if (const auto* text = std::get_if<std::string>(&v))
                    sqlite3_bind_text(st, bind, text->c_str(), static_cast<int>(text->size()), SQLITE_TRANSIENT);
                else if (const auto* whole = std::get_if<long long>(&v))
                    sqlite3_bind_int64(st, bind, *whole);
                else
                    sqlite3_bind_double(st, bind, std::get<double>(v));
            }
        int rc = sqlite3_step(st);
        read_rows(st, rc, parts[0]);
        const std::string step_error = rc == SQLITE_DONE ? "" : sqlite3_errmsg(source.db());
        sqlite3_finalize(st);
        if (rc != SQLITE_DONE) {
            if (is_damage(rc)) throw damaged_dataset(source.path(), step_error);
            fail("cannot read: " + step_error);
        }
    }
    for (auto& part : parts) {
        layer.coverage.append(std::move(part.coverage));
        values.append(std::move(part.values));
    }
    auto index = [&](const std::string& f) {
        return static_cast<int>(std::find(fields.begin(), fields.end(), f) - fields.begin());
    };

    bool mixed_units = false;
    if (!spec.dissolve.empty()) {
        const int k = index(spec.dissolve);
        std::map<std::string, std::vector<std::size_t>> groups;
        for (std::size_t f = 0; f < values.size(); ++f)
            if (layer.coverage.kind(f) == FeatureKind::polygon)
                groups[values.at(f, static_cast<std::size_t>(k))].push_back(f);
        GeosContext ctx;
        Coverage dissolved;
        Cells merged(fields.size());
        const int unit_index = with_unit ? index(unit_field) : -1;
        for (const auto& [key, members] : groups) {
            if (unit_index >= 0)  // a dissolved feature across two units has no unit
                for (std::size_t f : members)
                    if (values.at(f, static_cast<std::size_t>(unit_index)) !=
                        values.at(members.front(), static_cast<std::size_t>(unit_index)))
                        mixed_units = true;
            std::vector<GEOSGeometry*> parts;
            for (std::size_t f : members) parts.push_back(layer.coverage.to_geos(ctx, f));
            GeosGeometry all = geos_own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_GEOMETRYCOLLECTION, parts.data(),
                                                                         static_cast<unsigned>(parts.size())));
            GeosGeometry u = geos_own(ctx, GEOSCoverageUnion_r(ctx, all.get()));
            if (!u || GEOSisValid_r(ctx, u.get()) != 1) u = geos_own(ctx, GEOSUnaryUnion_r(ctx, all.get()));
            if (!u) continue;
            dissolved.add_geos(ctx, u.get());
            std::vector<std::string> row(fields.size());
            for (std::size_t i = 0; i < fields.size(); ++i) {
                const bool summed = std::find(spec.sum.begin(), spec.sum.end(), fields[i]) != spec.sum.end();
                if (summed) {
                    double s = 0;
                    for (std::size_t f : members) s += std::atof(values.at(f, i).c_str());
                    char buf[64];
                    std::snprintf(buf, sizeof buf, "%.10g", s);
                    row[i] = buf;
                } else {
                    for (std::size_t f : members)
                        if (!values.at(f, i).empty()) {
                            row[i] = values.at(f, i);
                            break;
                        }
                }
            }
            merged.add_row(std::move(row));
        }
        layer.coverage = std::move(dissolved);
        values = std::move(merged);
    }
    std::unordered_map<std::string, double> joined;
    if (spec.join.enabled) {
        if (!source.has_table(spec.join.table)) fail("join: no table '" + spec.join.table + "'");
        const std::string q = "SELECT " + sql_identifier(spec.join.key) + ", sum(" + sql_identifier(spec.join.field) +
                              ") FROM " + sql_identifier(spec.join.table) + " GROUP BY 1";
        sqlite3_stmt* js = nullptr;
        if (sqlite3_prepare_v2(source.db(), q.c_str(), -1, &js, nullptr) != SQLITE_OK)
            fail(std::string("join: ") + sqlite3_errmsg(source.db()));
        while (sqlite3_step(js) == SQLITE_ROW) joined[column_text(js, 0)] = sqlite3_column_double(js, 1);
        sqlite3_finalize(js);
    }
    const std::size_t n = values.size();
    auto number = [&](std::size_t f, const std::string& name) -> double {
        if (name == "$area_km2") return layer.coverage.area(f) / 1e6;
        if (spec.join.enabled && name == spec.join.as) {
            auto it = joined.find(values.at(f, static_cast<std::size_t>(index(spec.join.key))));
            return it == joined.end() ? std::nan("") : it->second;
        }
        const std::string& t = values.at(f, static_cast<std::size_t>(index(name)));
        return t.empty() ? std::nan("") : std::atof(t.c_str());
    };
    auto text = [&](std::size_t f, const std::string& name) -> std::string {
        if (name.empty()) return "";
        if (name[0] == '$' || (spec.join.enabled && name == spec.join.as)) {
            const double v = number(f, name);
            return std::isfinite(v) ? format_value(v, spec.fill) : "";
        }
        return values.at(f, static_cast<std::size_t>(index(name)));
    };
    layer.cls.assign(n, -1);
    layer.value.assign(n, std::nan(""));
    layer.symbol.assign(n, std::nan(""));
    const FillSpec& fill = spec.fill;
    if (fill.kind == FillSpec::Kind::single) {
        layer.class_labels = {spec.name};
        layer.class_colours = {fill.colour};
        layer.class_counts = {static_cast<long long>(n)};
        std::fill(layer.cls.begin(), layer.cls.end(), 0);
    } else if (fill.kind == FillSpec::Kind::categorical) {
        for (const auto& c : fill.categories) {
            layer.class_labels.push_back(c.label);
            layer.class_colours.push_back(c.colour);
        }
        if (fill.other) {
            layer.class_labels.push_back(fill.other->label);
            layer.class_colours.push_back(fill.other->colour);
        }
        layer.class_counts.assign(layer.class_labels.size(), 0);
        for (std::size_t f = 0; f < n; ++f) {
            const std::string v = text(f, fill.field);
            int c = -1;
            for (std::size_t k = 0; k < fill.categories.size(); ++k)
                if (fill.categories[k].value == v) c = static_cast<int>(k);
            if (c < 0 && fill.other) c = static_cast<int>(fill.categories.size());
            layer.cls[f] = c;
            if (c >= 0) ++layer.class_counts[static_cast<std::size_t>(c)];
        }
    } else if (fill.kind == FillSpec::Kind::graduated) {
        for (std::size_t f = 0; f < n; ++f) {
            double v = number(f, fill.field);
            if (!fill.divide_by.empty()) {
                const double d = number(f, fill.divide_by);
                v = d > 0 ? v / d : std::nan("");
            }
            layer.value[f] = v;
        }
        const auto breaks = class_breaks(layer.value, fill.method, fill.classes, fill.breaks);
        double lower = -HUGE_VAL;
        for (std::size_t c = 0; c < breaks.size(); ++c) {
            std::string label;
            if (c == 0)
                label = "≤ " + format_value(breaks[0], fill);
            else if (!std::isfinite(breaks[c]))
                label = "> " + format_value(lower, fill);
            else
                label = format_value(lower, fill) + " – " + format_value(breaks[c], fill);
            layer.class_labels.push_back(label + (fill.unit.empty() ? "" : " " + fill.unit));
            layer.class_colours.push_back(fill.colours[std::min(c, fill.colours.size() - 1)]);
            lower = breaks[c];
        }
        layer.class_counts.assign(breaks.size(), 0);
        for (std::size_t f = 0; f < n; ++f) {
            if (!std::isfinite(layer.value[f])) continue;
            std::size_t c = 0;
            while (c + 1 < breaks.size() && layer.value[f] > breaks[c]) ++c;
            layer.cls[f] = static_cast<int>(c);
            ++layer.class_counts[c];
        }
    }
    for (std::size_t f = 0; f < n; ++f) {
        layer.key.push_back(spec.dissolve.empty() ? "" : values.at(f, static_cast<std::size_t>(index(spec.dissolve))));
        layer.label.push_back(spec.labels.enabled ? text(f, spec.labels.field) : "");
        if (slash != std::string::npos && spec.labels.extra[0] != '$') {
            const double a = number(f, spec.labels.extra.substr(0, slash)),
                         b = number(f, spec.labels.extra.substr(slash + 1));
            char buf[64];
            std::snprintf(buf, sizeof buf, "%.1f%%", b > 0 ? 100.0 * a / b : 0.0);
            layer.extra.push_back(std::isfinite(a) && b > 0 ? spec.labels.extra_prefix + buf : "");
        } else if (spec.labels.extra == "$value")
            layer.extra.push_back(std::isfinite(layer.value[f]) ? format_value(layer.value[f], fill) + fill.unit : "");
        else {
            const std::string value = spec.labels.enabled ? text(f, spec.labels.extra) : "";
            layer.extra.push_back(value.empty() ? "" : spec.labels.extra_prefix + value);
        }
        if (spec.symbol.enabled) layer.symbol[f] = number(f, spec.symbol.field);
    }
    if (with_unit && !mixed_units)
        for (std::size_t f = 0; f < n; ++f) layer.unit.push_back(text(f, unit_field));
    return layer;
}

MapLayer dissolve_units(const MapSource& source, const std::string& table, const std::string& field,
                        const std::string& name_field, const std::string& where) {
    LayerSpec spec;
    spec.name = field;
    spec.source = table;
    spec.dissolve = field;
    spec.labels.enabled = true;
    spec.labels.field = source.has_column(table, name_field) ? name_field : field;
    MapLayer units = read_map_layer(source, spec, where, table, "(atlas)");
    units.spec = nullptr;
    return units;
}

}  // namespace cleanheat

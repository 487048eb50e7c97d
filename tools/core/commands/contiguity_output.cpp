// The contiguity check's outputs: cluster outlines and the villages they enclose,
// infrastructure rules, the GeoPackage layers (one SQLite transaction) and the workbook.
#include <filesystem>
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <set>
#include <future>
#include <unordered_map>

#include "commands/contiguity_data.hpp"
#include "base/error.hpp"
#include "base/notice.hpp"
#include "dataset/dataset.hpp"
#include "dataset/pg_store.hpp"
#include "dataset/results.hpp"
#include "geo/geos_util.hpp"
#include "geo/outline.hpp"
#include "io/gdal_context.hpp"
#include "io/gpkg_sql.hpp"
#include "report/xlsx_report.hpp"
#include "base/routes.hpp"

namespace cleanheat {
namespace {

std::vector<unsigned char> gpkg_blob(GEOSContextHandle_t ctx, const GEOSGeometry* g, int srs_id) {
    GEOSWKBWriter* writer = GEOSWKBWriter_create_r(ctx);
    GEOSWKBWriter_setByteOrder_r(ctx, writer, GEOS_WKB_NDR);
    GEOSWKBWriter_setOutputDimension_r(ctx, writer, 2);
    std::size_t size = 0;
    unsigned char* wkb = GEOSWKBWriter_write_r(ctx, writer, g, &size);
    GEOSWKBWriter_destroy_r(ctx, writer);
    std::vector<unsigned char> blob(8 + 32);
    blob[0] = 'G';
    blob[1] = 'P';
    blob[2] = 0;
    blob[3] = 0x03;  // little endian, xy envelope
    std::memcpy(&blob[4], &srs_id, 4);
    double minx = 0, miny = 0, maxx = 0, maxy = 0;
    GEOSGeom_getXMin_r(ctx, g, &minx);
    GEOSGeom_getYMin_r(ctx, g, &miny);
    GEOSGeom_getXMax_r(ctx, g, &maxx);
    GEOSGeom_getYMax_r(ctx, g, &maxy);
    const double env[4] = {minx, maxx, miny, maxy};
    std::memcpy(&blob[8], env, 32);
    blob.insert(blob.end(), wkb, wkb + size);
    GEOSFree_r(ctx, wkb);
    return blob;
}

// Geometries of another layer, in the check's coordinates.
std::vector<GeosGeometry> read_layer(const std::string& path, const ContiguityData& data, const GeosContext& ctx) {
    GdalErrorCapture capture;
    std::unique_ptr<GDALDataset> ds(GDALDataset::Open(path.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    std::error_code ec;
    if (!ds && !std::filesystem::exists(path, ec)) throw InputError(path + ": no such file");
    if (!ds || ds->GetLayerCount() == 0) throw InputError(path + ": cannot open as vector data");
    OGRLayer* layer = ds->GetLayer(0);
    std::unique_ptr<OGRCoordinateTransformation> ct;
    const OGRSpatialReference* target = data.working_srs ? data.working_srs.get() : data.srs.get();
    if (layer->GetSpatialRef() && target && !layer->GetSpatialRef()->IsSame(target)) {
        OGRSpatialReference source(*layer->GetSpatialRef()), to(*target);
        source.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        to.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
        ct.reset(OGRCreateCoordinateTransformation(&source, &to));
        if (!ct) throw InputError(path + ": cannot transform to the villages' coordinate system");
    }
    std::vector<GeosGeometry> out;
    GEOSWKBReader* reader = GEOSWKBReader_create_r(ctx);
    std::vector<unsigned char> wkb;
    for (auto& feature : layer) {
        OGRGeometry* g = feature->GetGeometryRef();
        if (!g || g->IsEmpty()) continue;
        if (ct) g->transform(ct.get());
        g->flattenTo2D();
        std::unique_ptr<OGRGeometry> linear(g->getLinearGeometry());
        wkb.resize(static_cast<std::size_t>(linear->WkbSize()));
        linear->exportToWkb(wkbNDR, wkb.data(), wkbVariantIso);
        if (GEOSGeometry* geos = GEOSWKBReader_read_r(ctx, reader, wkb.data(), wkb.size()))
            out.push_back(geos_own(ctx, geos));
    }
    GEOSWKBReader_destroy_r(ctx, reader);
    return out;
}

const char* contiguity_class(const ContiguityData& d, std::size_t f, int min_villages) {
    if (d.planned[f]) return d.cluster_size[f] < min_villages ? "isolated" : "cluster";
    if (d.hole[f]) return "hole";
    if (d.enclosed[f]) return "enclosed";
    return "unplanned";
}

}  // namespace

namespace {

// Finds the unplanned villages inside a hole of cluster `c`'s outline: into `found` (the caller
// marks them, so that the holes of a cluster can be searched by several enclosers at once).
class Encloser {
public:
    Encloser(const ContiguityData& data, const BoxGrid& grid)
        : data_(data), grid_(grid), stamp_(data.fids.size(), 0), seen_(data.fids.size(), 0) {}

    std::vector<std::uint32_t> found;

    // By the villages across the hole's edges and their neighbours through shared edges,
    // never crossing the cluster: on a clean coverage these tile the hole, and their area
    // says so. False (nothing marked) when they do not (a gap, an island in it): the caller
    // asks geometry.
    bool by_topology(const OutlineRing& hole, std::size_t c) {
        const Coverage& cov = data_.coverage;
        const std::int32_t cluster = static_cast<std::int32_t>(c + 1);
        const std::uint32_t token = ++token_;
        queue_.clear();
        auto visit = [&](std::uint32_t w) {
            if (seen_[w] == token || data_.cluster[w] == cluster || cov.kind(w) != FeatureKind::polygon) return;
            seen_[w] = token;
            queue_.push_back(w);
        };
        for (std::size_t i = 0; i < hole.owner.size(); ++i) {
            const double* a = &hole.xy[2 * i];
            const double* b = &hole.xy[2 * i + 2];
            const std::uint32_t m = hole.owner[i];
            for (const std::uint32_t* w = data_.adjacency.begin(m); w != data_.adjacency.end(m); ++w)
                if (seen_[*w] != token && data_.cluster[*w] != cluster && has_edge(*w, a, b)) visit(*w);
        }
        double area = 0;
        for (std::size_t q = 0; q < queue_.size(); ++q) {
            const std::uint32_t w = queue_[q];
            area += cov.area(w);
            edges_of(w);
            for (const std::uint32_t* x = data_.adjacency.begin(w); x != data_.adjacency.end(w); ++x)
                if (seen_[*x] != token && data_.cluster[*x] != cluster && shares_edge(*x)) visit(*x);
        }
        const double want = std::fabs(hole.area);
        if (queue_.empty() || std::fabs(area - want) > 1e-9 * want) return false;
        for (std::uint32_t w : queue_) mark(w);
        return true;
    }

    // By an interior point of every village whose box meets the hole's.
    void by_geometry(const GeosContext& ctx, const GEOSGeometry* hole) {
        GeosPrepared prepared = geos_prepare(ctx, hole);
        Box box;
        double v;
        GEOSGeom_getXMin_r(ctx, hole, &v);
        box.min_x = v;
        GEOSGeom_getYMin_r(ctx, hole, &v);
        box.min_y = v;
        GEOSGeom_getXMax_r(ctx, hole, &v);
        box.max_x = v;
        GEOSGeom_getYMax_r(ctx, hole, &v);
        box.max_y = v;
        grid_.query(box, stamp_, ++token_, [&](std::uint32_t f) {
            if (data_.planned[f] || data_.enclosed[f] || data_.coverage.kind(f) != FeatureKind::polygon) return;
            // on a coverage a village lies wholly inside a hole or outside it: one interior
            // point decides (a polygon predicate would relate the whole hole every time)
            GeosGeometry village = geos_own(ctx, data_.coverage.to_geos(ctx, f));
            GeosGeometry inside = geos_own(ctx, village ? GEOSPointOnSurface_r(ctx, village.get()) : nullptr);
            if (inside && GEOSPreparedContains_r(ctx, prepared.get(), inside.get()) == 1) mark(f);
        });
    }

private:
    void mark(std::uint32_t f) {
        if (!data_.planned[f] && !data_.enclosed[f]) found.push_back(f);
    }

    template <class Visit>
    void for_each_edge(std::uint32_t f, Visit visit) const {
        const Coverage& cov = data_.coverage;
        for (std::uint32_t r = cov.ring_begin(f); r < cov.ring_end(f); ++r) {
            const std::uint32_t b = cov.point_begin(r), e = cov.point_end(r);
            for (std::uint32_t i = b; i < e; ++i) visit(cov.xy(i), cov.xy(i + 1 < e ? i + 1 : b));
        }
    }

    static bool same(const double* p, const double* q) { return p[0] == q[0] && p[1] == q[1]; }

    bool has_edge(std::uint32_t f, const double* a, const double* b) const {
        bool found = false;
        for_each_edge(f, [&](const double* p, const double* q) {
            found = found || (same(p, a) && same(q, b)) || (same(p, b) && same(q, a));
        });
        return found;
    }

    // The current village's edges, each with its end points in order, sorted.
    void edges_of(std::uint32_t f) {
        edges_.clear();
        for_each_edge(f, [&](const double* p, const double* q) {
            if (!same(p, q)) edges_.push_back(key(p, q));
        });
        std::sort(edges_.begin(), edges_.end());
    }

    bool shares_edge(std::uint32_t x) const {
        bool found = false;
        for_each_edge(x, [&](const double* p, const double* q) {
            found = found || (!same(p, q) && std::binary_search(edges_.begin(), edges_.end(), key(p, q)));
        });
        return found;
    }

    static std::array<double, 4> key(const double* p, const double* q) {
        if (p[0] < q[0] || (p[0] == q[0] && p[1] < q[1])) return {p[0], p[1], q[0], q[1]};
        return {q[0], q[1], p[0], p[1]};
    }

    const ContiguityData& data_;
    const BoxGrid& grid_;
    std::vector<std::uint32_t> stamp_, seen_, queue_;
    std::uint32_t token_ = 0;
    std::vector<std::array<double, 4>> edges_;
};

}  // namespace

std::vector<std::vector<unsigned char>> cluster_outlines(ContiguityData& data, ContiguityResult& result, int threads,
                                                         bool queen, const Progress& progress) {
    GeosContext ctx;
    const std::size_t clusters = result.clusters.size();
    std::vector<std::vector<std::uint32_t>> members(clusters);
    for (std::size_t f = 0; f < data.fids.size(); ++f)
        if (data.cluster[f] > 0)
            members[static_cast<std::size_t>(data.cluster[f] - 1)].push_back(static_cast<std::uint32_t>(f));
    // a clean coverage (no overlaps, nothing repaired, every contact known) unions by cancelling
    // the edges members share; anything else, or what that cannot vouch for, through GEOS's union
    const bool clean = queen && !data.adjacency.exact_everywhere && result.repaired == 0;
    const BoxGrid grid(data.coverage, 0);
    // the holes of a big outline searched by several enclosers at once (their finds marked after)
    const std::size_t workers = static_cast<std::size_t>(std::clamp(threads, 1, 4));
    std::vector<std::unique_ptr<Encloser>> enclosers;  // made when first needed
    std::vector<std::unique_ptr<GeosContext>> contexts;
    std::unordered_map<std::string, std::size_t> group_position;
    for (std::size_t g = 0; g < result.groups.size(); ++g) group_position[result.groups[g].value] = g;
    auto mark = [&](std::uint32_t f, std::size_t c) {
        if (data.planned[f] || data.enclosed[f]) return;
        data.enclosed[f] = 1;
        data.enclosing[f] = static_cast<std::int32_t>(c + 1);
        ++result.total.enclosed;
        if (data.group[f] >= 0) {
            auto it = group_position.find(data.group_values[static_cast<std::size_t>(data.group[f])]);
            if (it != group_position.end()) ++result.groups[it->second].enclosed;
        }
    };
    std::vector<std::vector<unsigned char>> outlines(clusters);
    const int srs_id = 0;  // set by the writer
    for (std::size_t c = 0; c < clusters; ++c) {
        std::optional<Outline> fast =
            clean ? coverage_outline(data.coverage, members[c], data.adjacency, threads) : std::nullopt;
        GeosGeometry outline = geos_own(ctx, fast ? outline_to_geos(ctx, *fast) : nullptr);
        if (!outline) {
            std::vector<GEOSGeometry*> parts;
            for (std::uint32_t f : members[c])
                if (data.coverage.kind(f) == FeatureKind::polygon) parts.push_back(data.coverage.to_geos(ctx, f));
            if (parts.empty()) continue;
            GeosGeometry collection = geos_own(ctx, GEOSGeom_createCollection_r(
                                                        ctx, GEOS_GEOMETRYCOLLECTION, parts.data(),
                                                        static_cast<unsigned>(parts.size())));
            outline = geos_own(ctx, GEOSUnaryUnion_r(ctx, collection.get()));
            if (!outline) continue;
        }
        // villages inside the outline's holes
        std::vector<std::pair<int, int>> holes;  // polygon, hole
        const int polygons = GEOSGetNumGeometries_r(ctx, outline.get());
        for (int p = 0; p < polygons; ++p) {
            const GEOSGeometry* polygon = GEOSGetGeometryN_r(ctx, outline.get(), p);
            if (GEOSGeomTypeId_r(ctx, polygon) != GEOS_POLYGON) continue;
            const int count = GEOSGetNumInteriorRings_r(ctx, polygon);
            for (int h = 0; h < count; ++h) holes.emplace_back(p, h);
        }
        auto search = [&](std::size_t t, std::size_t searchers) {
            Encloser& encloser = *enclosers[t];
            const GeosContext& local = *contexts[t];
            for (std::size_t k = t; k < holes.size(); k += searchers) {
                const auto [p, h] = holes[k];
                const auto pi = static_cast<std::size_t>(p), hi = static_cast<std::size_t>(h);
                if (fast && pi < fast->size() && hi < (*fast)[pi].holes.size() &&
                    encloser.by_topology((*fast)[pi].holes[hi], c))
                    continue;
                const GEOSGeometry* polygon = GEOSGetGeometryN_r(local, outline.get(), p);
                GEOSGeometry* ring = GEOSGeom_clone_r(local, GEOSGetInteriorRingN_r(local, polygon, h));
                GeosGeometry hole = geos_own(local, GEOSGeom_createPolygon_r(local, ring, nullptr, 0));
                if (hole) encloser.by_geometry(local, hole.get());
            }
        };
        const std::size_t searchers = holes.size() >= 16 ? workers : 1;
        while (enclosers.size() < searchers) {
            enclosers.push_back(std::make_unique<Encloser>(data, grid));
            contexts.push_back(std::make_unique<GeosContext>());
        }
        {
            std::vector<std::future<void>> pool;  // waited for, also when one fails
            for (std::size_t t = 1; t < searchers; ++t) pool.push_back(std::async(std::launch::async, search, t, searchers));
            search(0, searchers);
            for (auto& done : pool) done.get();
        }
        for (auto& encloser : enclosers) {
            for (std::uint32_t f : encloser->found) mark(f, c);
            encloser->found.clear();
        }
        if (GEOSGeomTypeId_r(ctx, outline.get()) == GEOS_POLYGON) {
            GEOSGeometry* single = outline.release();
            outline = geos_own(ctx, GEOSGeom_createCollection_r(ctx, GEOS_MULTIPOLYGON, &single, 1));
        }
        outlines[c] = gpkg_blob(ctx, outline.get(), srs_id);
        if ((c & 63) == 0) progress.update(static_cast<double>(c) / static_cast<double>(clusters));
    }
    return outlines;
}

void check_rules(const ContiguityOptions& options, ContiguityData& data, ContiguityResult& result) {
    GeosContext ctx;
    auto route_of = [&](std::size_t f) {
        if (data.route[f] < 0) return Route::other;
        return classify_route(data.route_values[static_cast<std::size_t>(data.route[f])]).route;
    };
    auto point_of = [&](std::size_t f) {
        GeosGeometry g = geos_own(ctx, data.coverage.to_geos(ctx, f));
        return geos_own(ctx, g ? GEOSPointOnSurface_r(ctx, g.get()) : nullptr);
    };
    auto add = [&](std::size_t f, const char* code, const std::string& detail) {
        result.findings.push_back(
            {static_cast<std::uint32_t>(f), code, detail, data.fids[f], data.code[f], data.name[f]});
        result.issues.push_back(make_issue(code, options.dataset, result.layer, 0,
                                           "fid " + std::to_string(data.fids[f]), data.code[f], detail));
    };
    auto inside_any = [&](const std::vector<GeosGeometry>& areas, const std::vector<GeosPrepared>& prepared,
                          const GEOSGeometry* point) {
        for (std::size_t i = 0; i < areas.size(); ++i)
            if (GEOSPreparedContains_r(ctx, prepared[i].get(), point) == 1) return true;
        return false;
    };
    auto prepare_all = [&](const std::vector<GeosGeometry>& geoms) {
        std::vector<GeosPrepared> out;
        for (const auto& g : geoms) out.push_back(geos_prepare(ctx, g.get()));
        return out;
    };
    const std::size_t n = data.fids.size();
    if (!options.heating_coverage.empty()) {
        const auto areas = read_layer(options.heating_coverage, data, ctx);
        const auto prepared = prepare_all(areas);
        for (std::size_t f = 0; f < n; ++f) {
            if (!data.planned[f] || data.coverage.kind(f) == FeatureKind::empty ||
                route_of(f) == Route::district_heating)
                continue;
            GeosGeometry p = point_of(f);
            if (p && inside_any(areas, prepared, p.get()))
                add(f, "W_RULE_HEATING_COVERAGE", std::string("规划路线：") + route_name(route_of(f)));
        }
    }
    if (!options.gas_mains.empty()) {
        const auto mains = read_layer(options.gas_mains, data, ctx);
        for (std::size_t f = 0; f < n; ++f) {
            if (!data.planned[f] || data.coverage.kind(f) == FeatureKind::empty || route_of(f) != Route::gas) continue;
            GeosGeometry village = geos_own(ctx, data.coverage.to_geos(ctx, f));
            double nearest = HUGE_VAL;
            for (const auto& m : mains) {
                double d = 0;
                if (GEOSDistance_r(ctx, village.get(), m.get(), &d) == 1) nearest = std::min(nearest, d);
            }
            if (nearest > options.gas_distance) {
                char detail[128];
                if (std::isfinite(nearest))
                    std::snprintf(detail, sizeof detail, "距最近燃气管线 %.0f 米，超过 %.0f 米", nearest,
                                  options.gas_distance);
                else
                    std::snprintf(detail, sizeof detail, "燃气管线图层中没有管线");
                add(f, "W_RULE_GAS_DISTANCE", detail);
            }
        }
    }
    if (!options.grid_zones.empty()) {
        const auto zones = read_layer(options.grid_zones, data, ctx);
        const auto prepared = prepare_all(zones);
        for (std::size_t f = 0; f < n; ++f) {
            if (!data.planned[f] || data.coverage.kind(f) == FeatureKind::empty || route_of(f) != Route::electric)
                continue;
            GeosGeometry p = point_of(f);
            if (p && !inside_any(zones, prepared, p.get())) add(f, "W_RULE_GRID_ZONE", "");
        }
    }
}

void village_contiguity_row(const ContiguityOptions& options, const ContiguityData& data, std::size_t f,
                            dataset::RowOut& out) {
    out.integer(data.fids[f]);
    out.integer_or_null(data.cluster[f], data.cluster[f] > 0);
    out.integer_or_null(data.cluster_size[f], data.cluster_size[f] > 0);
    out.integer_or_null(data.route_cluster[f], data.route_cluster[f] > 0);
    out.integer_or_null(data.group_cluster[f], data.group_cluster[f] > 0);
    out.integer(data.isolated[f]);
    out.integer(data.hole[f]);
    out.integer(data.enclosed[f]);
    out.text(contiguity_class(data, f, options.min_villages));
}

namespace {

// The rows of the check's result tables, as both stores take them (dataset/results.hpp).
class ContiguityRows {
public:
    ContiguityRows(const ContiguityOptions& options, const ContiguityData& data, const ContiguityResult& result,
                   const std::vector<std::vector<unsigned char>>& outlines)
        : options_(options), data_(data), result_(result), outlines_(outlines) {
        groups_.emplace_back("", &result.total);
        for (const auto& g : result.groups) groups_.emplace_back(options.by.empty() ? "county_code" : options.by, &g);
        for (const auto& finding : result.geometry_findings) findings_.push_back(&finding);
        for (const auto& finding : result.findings) findings_.push_back(&finding);
    }
    std::size_t villages() const { return data_.fids.size(); }
    std::size_t clusters() const { return result_.clusters.size(); }
    std::size_t groups() const { return groups_.size(); }
    std::size_t findings() const { return findings_.size(); }

    // village_contiguity: each village's cluster and class
    void village(std::size_t f, dataset::RowOut& out) const { village_contiguity_row(options_, data_, f, out); }
    // clusters: the outline and counts of each cluster, keyed by its id
    void cluster(std::size_t c, dataset::RowOut& out) const {
        static const std::vector<unsigned char> none;
        const auto& cl = result_.clusters[c];
        std::string groups;
        for (const auto& g : cl.groups) groups += (groups.empty() ? "" : ",") + g;
        out.integer(cl.id);
        out.geometry(c < outlines_.size() ? outlines_[c] : none);
        out.integer(cl.id);
        out.integer(cl.villages);
        out.real(cl.households);
        out.real(cl.area_m2 / 1e6);
        out.text(groups);
        out.text(cl.routes);
    }
    // contiguity_groups: the whole first, then each group
    void group(std::size_t i, dataset::RowOut& out) const {
        const auto& [by, stats] = groups_[i];
        const ContiguityStats& s = *stats;
        const double h = s.planned_households;
        out.integer(static_cast<long long>(i) + 1);
        out.text(by);
        out.text(s.value);
        out.text(s.name);
        out.integer(s.villages);
        out.integer(s.planned);
        out.real(h);
        out.integer(s.edges);
        out.integer(s.clusters);
        out.integer(s.isolated);
        out.integer(s.holes);
        out.integer(s.enclosed);
        out.integer(s.largest_villages);
        out.real(h > 0 ? s.largest_households / h : 0);
        out.real(h > 0 ? s.block_households / h : 0);
    }
    // contiguity_findings: geometry findings, then the rules'
    void finding(std::size_t i, dataset::RowOut& out) const {
        const RuleFinding& finding = *findings_[i];
        const std::size_t f = finding.feature;
        out.integer(static_cast<long long>(i) + 1);
        out.integer(data_.fids[f]);
        out.text(data_.code[f]);
        out.text(data_.name[f]);
        out.text(data_.county[f]);
        out.text(finding.code);
        out.text(issue_code(finding.code).message + (finding.detail.empty() ? "" : "：" + finding.detail));
    }

private:
    const ContiguityOptions& options_;
    const ContiguityData& data_;
    const ContiguityResult& result_;
    const std::vector<std::vector<unsigned char>>& outlines_;
    std::vector<std::pair<std::string, const ContiguityStats*>> groups_;
    std::vector<const RuleFinding*> findings_;
};

const char* const kResultTables[] = {"village_contiguity", "clusters", "contiguity_groups", "contiguity_findings"};

dataset::RunEntry run_entry(const ContiguityOptions& options, const ContiguityResult& result) {
    return {"contiguity", options.command_line, result.started_at, {{"planned", options.planned}}};
}

}  // namespace

void write_contiguity_layers(const std::string& path, const std::string& layer, const ContiguityOptions& options,
                             const ContiguityData& data, const ContiguityResult& result,
                             const std::vector<std::vector<unsigned char>>& outlines) {
    const SqliteDb db(path, SqliteDb::Mode::write);
    // a dataset of cleanheat merge is checked (and upgraded) as every command does; any other
    // GeoPackage coverage (also the villages copied for -o) just gets the new fields and layers
    const bool own_dataset = dataset::is_dataset(db) && db.has_table("run_info");
    if (own_dataset) dataset::check_writable(db);
    register_gpkg_functions(db.handle());
    db.exec("BEGIN IMMEDIATE");
    try {
        int srs_id = static_cast<int>(
            db.scalar("SELECT srs_id FROM gpkg_geometry_columns WHERE table_name=" + sql_literal(layer)));
        if (data.transformed && data.working_srs) srs_id = gpkg_ensure_srs(db, *data.working_srs);
        // each village's result in a table of its own, keyed by the village (no village row is
        // rewritten); fields an older run left in the layer move out first
        dataset::move_contiguity_fields(db, layer);
        const ContiguityRows rows(options, data, result, outlines);
        for (const char* name : kResultTables) dataset::recreate_table(db, dataset::table(name), srs_id);
        auto insert = [&](const char* name, std::size_t n, void (ContiguityRows::*row)(std::size_t, dataset::RowOut&) const) {
            dataset::insert_rows(db, dataset::table(name), n, [&](std::size_t i, dataset::RowOut& out) { (rows.*row)(i, out); },
                                 srs_id);
        };
        insert("village_contiguity", rows.villages(), &ContiguityRows::village);
        insert("clusters", rows.clusters(), &ContiguityRows::cluster);
        insert("contiguity_groups", rows.groups(), &ContiguityRows::group);
        insert("contiguity_findings", rows.findings(), &ContiguityRows::finding);
        if (own_dataset) dataset::log_run(db, run_entry(options, result));
        db.exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

void write_contiguity_tables(const PgConnection& db, const std::string& schema, int srid,
                             const ContiguityOptions& options, const ContiguityData& data,
                             const ContiguityResult& result, const std::vector<std::vector<unsigned char>>& outlines,
                             std::optional<dataset::RowDigests> village_rows, dataset::PgStagedTable* staged) {
    const std::set<std::string> made = dataset::pg_prepare_result_tables(
        db, schema, "contiguity", std::vector<std::string>(std::begin(kResultTables), std::end(kResultTables)), srid);
    auto is_made = [&](const char* name) { return made.count(name) > 0; };
    const ContiguityRows rows(options, data, result, outlines);
    auto source = [&](void (ContiguityRows::*row)(std::size_t, dataset::RowOut&) const) -> dataset::RowSource {
        return [&rows, row](std::size_t i, dataset::RowOut& out) { (rows.*row)(i, out); };
    };
    dataset::pg_replace_rows(db, schema, dataset::table("clusters"), rows.clusters(), source(&ContiguityRows::cluster),
                             srid, is_made("clusters"));
    dataset::pg_replace_rows(db, schema, dataset::table("contiguity_groups"), rows.groups(),
                             source(&ContiguityRows::group), srid, is_made("contiguity_groups"));
    dataset::pg_replace_rows(db, schema, dataset::table("contiguity_findings"), rows.findings(),
                             source(&ContiguityRows::finding), srid, is_made("contiguity_findings"));
    // the villages' rows: filled beside the rest on a connection of their own (a first run: the
    // dataset secured meanwhile, the table taken in then secured), else here
    std::string why;
    if (staged && is_made("village_contiguity")) dataset::pg_secure_dataset(db, schema);
    if (staged && is_made("village_contiguity") && staged->take(db, why)) {
        if (staged->rows() != static_cast<long long>(rows.villages()))
            throw OutputError(db.label() + ": village_contiguity: " + std::to_string(rows.villages()) + " rows sent, " +
                              std::to_string(staged->rows()) + " written");
        dataset::pg_secure_dataset(db, schema, {"village_contiguity"});
    } else {
        if (!why.empty()) notice(db.label() + ": village_contiguity written on one connection: " + why);
        if (!staged) dataset::pg_drop_staged_leftovers(db, schema, "village_contiguity");
        dataset::pg_replace_changed_rows(db, schema, dataset::table("village_contiguity"), rows.villages(),
                                         source(&ContiguityRows::village), village_rows ? &*village_rows : nullptr,
                                         is_made("village_contiguity"));
        if (!made.empty()) dataset::pg_secure_dataset(db, schema);
    }
    dataset::pg_log_run(db, schema, run_entry(options, result));
}

std::unique_ptr<AtomicOutput> write_contiguity_workbook(const std::string& path, const ContiguityOptions& options,
                                                        const ContiguityData& data, const ContiguityResult& result) {
    XlsxWorkbook book(path, options.overwrite, {options.dataset});
    {
        XlsxTableSpec spec;
        spec.sheet = "连片情况汇总";
        spec.title = "农村清洁取暖成方连片情况汇总表";
        spec.unit = "单位：个、户";
        spec.columns = {{"单位代码", "", XlsxKind::code},
                        {"县（市、区）", "", XlsxKind::text},
                        {"村庄数", "", XlsxKind::integer, XlsxTotal::sum},
                        {"规划村庄数", "", XlsxKind::integer, XlsxTotal::sum},
                        {"规划户数", "", XlsxKind::integer, XlsxTotal::sum},
                        {"连片区块数", "", XlsxKind::integer, XlsxTotal::sum},
                        {"最大区块村庄数", "", XlsxKind::integer},
                        {"最大区块户数占比", "", XlsxKind::percent},
                        {"成片区块户数占比", "", XlsxKind::percent},
                        {"孤立村", "", XlsxKind::integer, XlsxTotal::sum},
                        {"空洞村", "", XlsxKind::integer, XlsxTotal::sum},
                        {"区块内包围村", "", XlsxKind::integer, XlsxTotal::sum}};
        spec.notes = {"注：连片区块指相互接壤的规划村庄组成的连通区域（按县分别计算）；成片区块指村庄数不少于 " +
                          std::to_string(options.block_villages) + " 个的区块；孤立村指没有相邻规划村庄的规划村庄；",
                      "空洞村指相邻村庄全部为规划村庄的未规划村庄；区块内包围村指位于某一区块轮廓之内的未规划村庄。"};
        XlsxTable table = book.table(spec);
        for (const auto& g : result.groups) {
            const double h = g.planned_households;
            table.add_row({g.value, g.name, double(g.villages), double(g.planned), h, double(g.clusters),
                           double(g.largest_villages), h > 0 ? g.largest_households / h : 0.0,
                           h > 0 ? g.block_households / h : 0.0, double(g.isolated), double(g.holes),
                           double(g.enclosed)});
        }
        table.finish();
    }
    auto village_sheet = [&](const std::string& sheet, const std::string& title, auto select, bool with_cluster,
                             bool with_total) {
        XlsxTableSpec spec;
        spec.sheet = sheet;
        spec.title = title;
        spec.columns = {{"县（市、区）", "", XlsxKind::text},
                        {"乡镇（街道）", "", XlsxKind::text},
                        {"村代码", "", XlsxKind::code},
                        {"村名", "", XlsxKind::text},
                        {"规划户数", "", XlsxKind::integer, XlsxTotal::sum},
                        {"技术路线", "", XlsxKind::text},
                        {with_cluster ? "所在区块" : "相邻村庄数", "", XlsxKind::integer}};
        spec.total = with_total;
        XlsxTable table = book.table(spec);
        for (std::size_t f = 0; f < data.fids.size(); ++f) {
            if (!select(f)) continue;
            std::string route;
            if (data.route[f] >= 0) {
                const auto& v = data.route_values[static_cast<std::size_t>(data.route[f])];
                const RouteMatch m = classify_route(v);
                route = m.recognised ? route_name(m.route) : v;
            }
            table.add_row({data.county[f], data.township[f], data.code[f], data.name[f], data.households[f], route,
                           with_cluster ? double(data.enclosing[f]) : double(data.adjacency.degree(f))});
        }
        table.finish();
    };
    village_sheet(
        "孤立村", "成方连片检查：孤立的规划村庄（无相邻规划村庄）",
        [&](std::size_t f) { return data.isolated[f] != 0; }, false, true);
    village_sheet(
        "空洞村", "成方连片检查：空洞村庄（相邻村庄全部为规划村庄的未规划村庄）",
        [&](std::size_t f) { return data.hole[f] != 0; }, false, false);
    village_sheet(
        "区块内包围村", "成方连片检查：位于区块轮廓内的未规划村庄",
        [&](std::size_t f) { return data.enclosed[f] != 0; }, true, false);
    {
        XlsxTableSpec spec;
        spec.sheet = "图形问题";
        spec.title = "成方连片检查：村庄图形问题";
        spec.columns = {{"县（市、区）", "", XlsxKind::text},
                        {"村代码", "", XlsxKind::code},
                        {"村名", "", XlsxKind::text},
                        {"要素号", "", XlsxKind::general},
                        {"问题代码", "", XlsxKind::code},
                        {"说明", "", XlsxKind::text}};
        spec.total = false;
        if (result.geometry_findings.empty()) spec.notes = {"无：村庄图形均可读取、有效，相邻村庄无重叠。"};
        XlsxTable table = book.table(spec);
        for (const auto& finding : result.geometry_findings) {
            const std::size_t f = finding.feature;
            table.add_row({data.county[f], data.code[f], data.name[f], double(data.fids[f]), finding.code,
                           std::string(issue_code(finding.code).message) +
                               (finding.detail.empty() ? "" : "：" + finding.detail)});
        }
        table.finish();
    }
    {
        XlsxTableSpec spec;
        spec.sheet = "规则检查";
        spec.title = "成方连片检查：基础设施规则";
        spec.columns = {{"县（市、区）", "", XlsxKind::text},
                        {"村代码", "", XlsxKind::code},
                        {"村名", "", XlsxKind::text},
                        {"问题代码", "", XlsxKind::code},
                        {"说明", "", XlsxKind::text}};
        spec.total = false;
        if (result.findings.empty())
            spec.notes = {options.heating_coverage.empty() && options.gas_mains.empty() && options.grid_zones.empty()
                              ? "无（未提供集中供热覆盖范围、燃气管网或电网容量图层，未作规则检查）。"
                              : "无：规划村庄均符合所检查的规则。"};
        XlsxTable table = book.table(spec);
        for (const auto& finding : result.findings) {
            const std::size_t f = finding.feature;
            table.add_row({data.county[f], data.code[f], data.name[f], finding.code,
                           std::string(issue_code(finding.code).message) +
                               (finding.detail.empty() ? "" : "：" + finding.detail)});
        }
        table.finish();
    }
    return book.close_staged();
}

}  // namespace cleanheat

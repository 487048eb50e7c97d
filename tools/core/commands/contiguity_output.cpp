// The contiguity check's outputs: cluster outlines and the villages they enclose,
// infrastructure rules, the GeoPackage layers (one SQLite transaction) and the workbook.
#include <gdal_priv.h>
#include <ogrsf_frmts.h>
#include <sqlite3.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <unordered_map>

#include "commands/contiguity_data.hpp"
#include "base/error.hpp"
#include "dataset/dataset.hpp"
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

// Marks the unplanned villages inside a hole of cluster `c`'s outline as enclosed.
class Encloser {
public:
    Encloser(ContiguityData& data, ContiguityResult& result)
        : data_(data), result_(result), grid_(data.coverage, 0), stamp_(data.fids.size(), 0),
          seen_(data.fids.size(), 0) {
        for (std::size_t g = 0; g < result.groups.size(); ++g) group_position_[result.groups[g].value] = g;
    }

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
        for (std::uint32_t w : queue_) mark(w, c);
        return true;
    }

    // By an interior point of every village whose box meets the hole's.
    void by_geometry(const GeosContext& ctx, const GEOSGeometry* hole, std::size_t c) {
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
            if (inside && GEOSPreparedContains_r(ctx, prepared.get(), inside.get()) == 1) mark(f, c);
        });
    }

private:
    void mark(std::uint32_t f, std::size_t c) {
        if (data_.planned[f] || data_.enclosed[f]) return;
        data_.enclosed[f] = 1;
        data_.enclosing[f] = static_cast<std::int32_t>(c + 1);
        ++result_.total.enclosed;
        if (data_.group[f] >= 0) {
            auto it = group_position_.find(data_.group_values[static_cast<std::size_t>(data_.group[f])]);
            if (it != group_position_.end()) ++result_.groups[it->second].enclosed;
        }
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

    ContiguityData& data_;
    ContiguityResult& result_;
    const BoxGrid grid_;
    std::vector<std::uint32_t> stamp_, seen_, queue_;
    std::uint32_t token_ = 0;
    std::vector<std::array<double, 4>> edges_;
    std::unordered_map<std::string, std::size_t> group_position_;
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
    Encloser encloser(data, result);
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
        const int polygons = GEOSGetNumGeometries_r(ctx, outline.get());
        for (int p = 0; p < polygons; ++p) {
            const GEOSGeometry* polygon = GEOSGetGeometryN_r(ctx, outline.get(), p);
            if (GEOSGeomTypeId_r(ctx, polygon) != GEOS_POLYGON) continue;
            const int holes = GEOSGetNumInteriorRings_r(ctx, polygon);
            for (int h = 0; h < holes; ++h) {
                const auto pi = static_cast<std::size_t>(p), hi = static_cast<std::size_t>(h);
                if (fast && pi < fast->size() && hi < (*fast)[pi].holes.size() &&
                    encloser.by_topology((*fast)[pi].holes[hi], c))
                    continue;
                GEOSGeometry* ring = GEOSGeom_clone_r(ctx, GEOSGetInteriorRingN_r(ctx, polygon, h));
                GeosGeometry hole = geos_own(ctx, GEOSGeom_createPolygon_r(ctx, ring, nullptr, 0));
                if (hole) encloser.by_geometry(ctx, hole.get(), c);
            }
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
        dataset::recreate_table(db, dataset::table("village_contiguity"));
        {
            SqlStatement insert(db, dataset::insert_sql(dataset::table("village_contiguity")));
            for (std::size_t f = 0; f < data.fids.size(); ++f) {
                auto optional = [&](int i, std::int32_t v) {
                    if (v > 0)
                        insert.integer(i, v);
                    else
                        insert.null(i);
                };
                insert.integer(1, data.fids[f]);
                optional(2, data.cluster[f]);
                optional(3, data.cluster_size[f]);
                optional(4, data.route_cluster[f]);
                optional(5, data.group_cluster[f]);
                insert.integer(6, data.isolated[f]).integer(7, data.hole[f]).integer(8, data.enclosed[f]);
                insert.text(9, contiguity_class(data, f, options.min_villages)).run();
            }
        }
        // new layers
        for (const char* name : {"clusters", "contiguity_groups", "contiguity_findings"})
            dataset::recreate_table(db, dataset::table(name), srs_id);
        {
            SqlStatement insert(
                db,
                "INSERT INTO clusters (fid, geom, cluster_id, villages, households, area_km2, groups, routes) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
            for (std::size_t c = 0; c < result.clusters.size(); ++c) {
                const auto& cl = result.clusters[c];
                std::string groups;
                for (const auto& g : cl.groups) groups += (groups.empty() ? "" : ",") + g;
                insert.integer(1, cl.id);
                if (c < outlines.size() && !outlines[c].empty()) {
                    std::vector<unsigned char> blob = outlines[c];
                    std::memcpy(&blob[4], &srs_id, 4);
                    insert.blob(2, blob);
                    insert.integer(3, cl.id).integer(4, cl.villages).real(5, cl.households).real(6, cl.area_m2 / 1e6);
                    insert.text(7, groups).text(8, cl.routes).run();
                } else {
                    insert.null(2).integer(3, cl.id).integer(4, cl.villages).real(5, cl.households);
                    insert.real(6, cl.area_m2 / 1e6).text(7, groups).text(8, cl.routes).run();
                }
            }
        }
        {
            SqlStatement insert(
                db,
                "INSERT INTO contiguity_groups (by_field, value, name, villages, planned, planned_households, "
                "edges, clusters, isolated, holes, enclosed, largest_villages, largest_share, block_share) "
                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
            auto row = [&](const std::string& by, const ContiguityStats& s) {
                const double h = s.planned_households;
                insert.text(1, by).text(2, s.value).text(3, s.name).integer(4, s.villages).integer(5, s.planned);
                insert.real(6, h)
                    .integer(7, s.edges)
                    .integer(8, s.clusters)
                    .integer(9, s.isolated)
                    .integer(10, s.holes);
                insert.integer(11, s.enclosed).integer(12, s.largest_villages);
                insert.real(13, h > 0 ? s.largest_households / h : 0).real(14, h > 0 ? s.block_households / h : 0);
                insert.run();
            };
            row("", result.total);
            for (const auto& g : result.groups) row(options.by.empty() ? "county_code" : options.by, g);
        }
        {
            SqlStatement insert(
                db,
                "INSERT INTO contiguity_findings (village_fid, village_code, village_name, county, code, "
                "message) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
            std::vector<const RuleFinding*> all;
            for (const auto& finding : result.geometry_findings) all.push_back(&finding);
            for (const auto& finding : result.findings) all.push_back(&finding);
            for (const RuleFinding* found : all) {
                const RuleFinding& finding = *found;
                const std::size_t f = finding.feature;
                insert.integer(1, data.fids[f]).text(2, data.code[f]).text(3, data.name[f]).text(4, data.county[f]);
                insert.text(5, finding.code)
                    .text(6, issue_code(finding.code).message + (finding.detail.empty() ? "" : "：" + finding.detail));
                insert.run();
            }
        }
        if (own_dataset)
            dataset::log_run(db, {"contiguity", options.command_line, result.started_at, {{"planned", options.planned}}});
        db.exec("COMMIT");
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
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
                        {"要素号", "", XlsxKind::integer},
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

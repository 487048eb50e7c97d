#include "commands/stations.hpp"

#include <gdal_priv.h>
#include <ogr_geometry.h>
#include <ogrsf_frmts.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <tuple>
#include <unordered_map>

#include "base/error.hpp"
#include "base/issue.hpp"
#include "base/json_file.hpp"
#include "base/text.hpp"
#include "base/units.hpp"
#include "dataset/dataset.hpp"
#include "dataset/stations.hpp"
#include "dataset/write_through.hpp"
#include "geo/crs.hpp"
#include "geo/reproject.hpp"
#include "io/atomic_output.hpp"
#include "io/file_info.hpp"
#include "io/gdal_context.hpp"
#include "io/gpkg_sql.hpp"
#include "io/gpkg_writer.hpp"
#include "io/pg_connection.hpp"
#include "io/table_reader.hpp"
#include "report/xlsx_report.hpp"

namespace cleanheat {
namespace fs = std::filesystem;
using dataset::StationFinding;
using dataset::StationRow;
using dataset::StationVillage;

namespace {

// ---- the policy's radius

double read_radius_km(const fs::path& file) {
    const nlohmann::json j = read_json_file(file, "subsidy policy");
    const auto fail = [&](const std::string& what) {
        throw InputError(file.string() + ": \"service_stations.radius_km\" " + what,
                         "the service radius of an after-care station, in km, e.g. \"service_stations\": "
                         "{\"radius_km\": 10} (no radius is assumed)");
    };
    if (!j.is_object() || !j.contains("service_stations") || !j["service_stations"].is_object() ||
        !j["service_stations"].contains("radius_km"))
        fail("is missing");
    const auto& r = j["service_stations"]["radius_km"];
    if (!r.is_number() || r.get<double>() <= 0 || r.get<double>() > 200) fail("must be a number of km, above 0, at most 200");
    return r.get<double>();
}

// ---- the stations as the file gives them

struct Fields {
    int name = -1, township = -1, phone = -1, county = -1, lon = -1, lat = -1;
};

// The column of a header among `headers` (normalised: case, full-width, brackets, a unit in
// brackets after it: 经度（°）), or -1.
int find_column(const std::vector<std::string>& headers, std::initializer_list<const char*> names) {
    for (std::size_t i = 0; i < headers.size(); ++i) {
        std::string field = lower_ascii(normalise_header(headers[i]));
        for (int pass = 0; pass < 2; ++pass) {
            for (const char* name : names)
                if (field == lower_ascii(normalise_header(name))) return static_cast<int>(i);
            const auto bracket = field.find('(');  // "经度(°)", "所属乡镇(街道)": the words before the bracket
            if (bracket == std::string::npos || bracket == 0) break;
            field = field.substr(0, bracket);
        }
    }
    return -1;
}

Fields find_fields(const std::vector<std::string>& headers) {
    Fields f;
    f.name = find_column(headers, {"名称", "服务站", "服务站名称", "站点名称", "站名", "运维服务站", "运维服务站名称", "name"});
    f.township = find_column(headers, {"乡镇", "乡镇(街道)", "乡镇街道", "所属乡镇", "所在乡镇", "服务乡镇", "乡镇名称",
                                       "乡镇(街道)名称", "township"});
    f.phone = find_column(headers, {"电话", "联系电话", "服务电话", "值班电话", "服务热线", "phone", "tel", "telephone"});
    f.county = find_column(headers, {"县(市、区)", "县市区", "县区", "所属县区", "单位", "county"});
    f.lon = find_column(headers, {"经度", "东经", "lon", "lng", "longitude", "x", "x坐标"});
    f.lat = find_column(headers, {"纬度", "北纬", "lat", "latitude", "y", "y坐标"});
    return f;
}

struct RawStation {
    int row = 0;
    std::string name, township, phone, county;
    bool located = false;        // a point (or coordinates) read
    std::string not_point;       // the geometry type when it is not a point
    std::string location_field;  // the field or "geometry" the location came from
    std::string location_text;
    double x = 0, y = 0;
};

struct StationSource {
    std::string file, layer;
    Fields fields;
    std::string name_field, township_field, phone_field;  // as the layer spells them
    std::unique_ptr<OGRSpatialReference> declared;
    std::vector<RawStation> rows;
};

std::string field_text(OGRFeature& f, int i) {
    if (i < 0 || !f.IsFieldSetAndNotNull(i)) return {};
    return trim(f.GetFieldAsString(i));
}

bool parse_coordinate(const std::string& text, double& v) {
    const Decimal d = parse_decimal(text);
    if (d.status != NumberStatus::ok) return false;
    v = d.value;
    return std::isfinite(v);
}

void refuse_missing_columns(const StationSource& s, const std::vector<std::string>& headers, bool has_geometry) {
    std::string missing;
    if (s.fields.name < 0) missing += "服务站名称 (名称/服务站名称/name)";
    if (s.fields.township < 0) missing += std::string(missing.empty() ? "" : ", ") + "乡镇 (乡镇/所属乡镇/township)";
    if (s.fields.phone < 0) missing += std::string(missing.empty() ? "" : ", ") + "电话 (联系电话/服务电话/phone)";
    if (!has_geometry && (s.fields.lon < 0 || s.fields.lat < 0))
        missing += std::string(missing.empty() ? "" : ", ") + "位置 (点几何，或经度、纬度两列)";
    if (missing.empty()) return;
    std::string present;
    for (const auto& h : headers) present += (present.empty() ? "" : ", ") + h;
    throw InputError(s.file + ": " + (s.layer.empty() ? "" : "layer " + s.layer + ": ") + "no column for " + missing +
                         " (columns: " + (present.empty() ? "none" : present) + ")",
                     "name, township and phone of every station are needed; nothing was loaded");
}

void set_field_names(StationSource& s, const std::vector<std::string>& headers) {
    s.name_field = headers[static_cast<std::size_t>(s.fields.name)];
    s.township_field = headers[static_cast<std::size_t>(s.fields.township)];
    s.phone_field = headers[static_cast<std::size_t>(s.fields.phone)];
}

void read_coordinates(RawStation& r, const std::string& field, const std::string& lon, const std::string& lat) {
    r.location_field = field;
    r.location_text = lon + ", " + lat;
    r.located = parse_coordinate(lon, r.x) && parse_coordinate(lat, r.y);
}

// A table (CSV in UTF-8 or GB18030, XLSX, XLS, ODS) through the project's reader: the header found
// among the first rows (a title above it is common), the rows numbered as the spreadsheet shows
// them, blank rows skipped. The phones are kept as written (service numbers, not personal data).
StationSource read_station_table(const StationsOptions& options) {
    StationSource s;
    s.file = options.stations;
    const Table table = read_table(options.stations, true);
    const Sheet* sheet = nullptr;
    for (const auto& candidate : table.sheets)
        if (options.stations_layer.empty() ? !sheet : candidate.name == options.stations_layer) sheet = &candidate;
    if (!sheet)
        throw InputError(options.stations + ": " +
                         (options.stations_layer.empty() ? "holds no sheet" : "no sheet named '" + options.stations_layer + "'"));
    s.layer = sheet->name;
    std::size_t header = 0;
    std::vector<std::string> headers;
    for (std::size_t i = 0; i < sheet->rows.size() && i < 10; ++i) {  // the first row naming the needed columns
        const Fields f = find_fields(sheet->rows[i].cells);
        if (f.name >= 0 && f.township >= 0) {
            header = i;
            headers = sheet->rows[i].cells;
            break;
        }
    }
    if (headers.empty() && !sheet->rows.empty()) headers = sheet->rows.front().cells;
    s.fields = find_fields(headers);
    refuse_missing_columns(s, headers, false);
    set_field_names(s, headers);
    const std::string location = headers[static_cast<std::size_t>(s.fields.lon)];
    for (std::size_t i = header + 1; i < sheet->rows.size(); ++i) {
        const TableRow& row = sheet->rows[i];
        if (row.blank()) continue;
        RawStation r;
        r.row = row.number;
        auto cell = [&](int c) { return c < 0 ? std::string() : trim(row.cell(static_cast<std::size_t>(c))); };
        r.name = cell(s.fields.name);
        r.township = cell(s.fields.township);
        r.phone = cell(s.fields.phone);
        r.county = cell(s.fields.county);
        read_coordinates(r, location, cell(s.fields.lon), cell(s.fields.lat));
        s.rows.push_back(std::move(r));
    }
    return s;
}

bool is_table_file(const std::string& path) {
    const std::string ext = lower_ascii(fs::path(path).extension().string());
    return ext == ".csv" || ext == ".xlsx" || ext == ".xls" || ext == ".ods" || ext == ".txt";
}

StationSource read_station_source(const StationsOptions& options) {
    ensure_gdal();
    std::error_code ec;
    if (!fs::exists(options.stations, ec)) throw InputError(options.stations + ": no such file");
    if (is_table_file(options.stations)) return read_station_table(options);
    StationSource s;
    s.file = options.stations;
    GdalErrorCapture capture;
    std::unique_ptr<GDALDataset> ds(
        GDALDataset::Open(options.stations.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, nullptr));
    if (!ds) {
        const std::string why = capture.last_message();
        throw InputError(options.stations + ": cannot open: " + (why.empty() ? "not a vector source GDAL can read" : why));
    }
    OGRLayer* layer = nullptr;
    if (!options.stations_layer.empty()) {
        layer = ds->GetLayerByName(options.stations_layer.c_str());
        if (!layer) throw InputError(options.stations + ": no layer named '" + options.stations_layer + "'");
    } else if (ds->GetLayerCount() == 1) {
        layer = ds->GetLayer(0);
    } else {
        std::string names;
        for (int i = 0; i < ds->GetLayerCount(); ++i) names += std::string(i ? ", " : "") + ds->GetLayer(i)->GetName();
        throw UsageError(options.stations + " holds " + std::to_string(ds->GetLayerCount()) +
                         " layers (" + names + "); name one with --stations-layer");
    }
    s.layer = layer->GetName();
    OGRFeatureDefn* defn = layer->GetLayerDefn();
    std::vector<std::string> headers;
    for (int i = 0; i < defn->GetFieldCount(); ++i) headers.emplace_back(defn->GetFieldDefn(i)->GetNameRef());
    s.fields = find_fields(headers);
    const bool has_geometry = defn->GetGeomFieldCount() > 0;
    refuse_missing_columns(s, headers, has_geometry);
    set_field_names(s, headers);
    if (const OGRSpatialReference* srs = layer->GetSpatialRef()) s.declared.reset(srs->Clone());
    // a feature's row: its FID, a Shapefile's record number counted from 1 as dBase does
    const char* driver = ds->GetDriver() ? ds->GetDriver()->GetDescription() : "";
    const int first = std::strcmp(driver, "ESRI Shapefile") == 0 ? 1 : 0;
    layer->ResetReading();
    for (std::unique_ptr<OGRFeature> f(layer->GetNextFeature()); f; f.reset(layer->GetNextFeature())) {
        RawStation r;
        r.row = static_cast<int>(f->GetFID()) + first;
        r.name = field_text(*f, s.fields.name);
        r.township = field_text(*f, s.fields.township);
        r.phone = field_text(*f, s.fields.phone);
        r.county = field_text(*f, s.fields.county);
        const OGRGeometry* g = has_geometry ? f->GetGeometryRef() : nullptr;
        if (g && !g->IsEmpty()) {
            r.location_field = "位置（几何）";
            const auto type = wkbFlatten(g->getGeometryType());
            if (type == wkbPoint) {
                r.located = true;
                r.x = g->toPoint()->getX();
                r.y = g->toPoint()->getY();
            } else if (type == wkbMultiPoint && g->toMultiPoint()->getNumGeometries() == 1) {
                r.located = true;
                r.x = g->toMultiPoint()->getGeometryRef(0)->getX();
                r.y = g->toMultiPoint()->getGeometryRef(0)->getY();
            } else {
                r.not_point = OGRGeometryTypeToName(g->getGeometryType());
            }
            if (r.located) {
                char text[64];
                std::snprintf(text, sizeof text, "%.6f, %.6f", r.x, r.y);
                r.location_text = text;
            }
        } else if (s.fields.lon >= 0 && s.fields.lat >= 0) {
            read_coordinates(r, headers[static_cast<std::size_t>(s.fields.lon)], field_text(*f, s.fields.lon),
                             field_text(*f, s.fields.lat));
        } else {
            r.location_field = "位置（几何）";
        }
        s.rows.push_back(std::move(r));
    }
    return s;
}

// ---- the dataset's townships and villages

struct Township {
    std::string county_code, county_name, code, name;
    long long villages = 0, planned_villages = 0, planned_households = 0;
    std::vector<long long> stations;  // fids
};

std::string township_id(const StationVillage& v) {
    return v.county_code + "|" + (v.township_code.empty() ? "name:" + township_name_key(v.township_name) : v.township_code);
}

// A point inside the feature's polygons (even-odd over every ring: holes excluded).
bool contains(const Coverage& c, std::size_t f, double x, double y) {
    if (c.kind(f) != FeatureKind::polygon) return false;
    const Box& b = c.box(f);
    if (x < b.min_x || x > b.max_x || y < b.min_y || y > b.max_y) return false;
    bool inside = false;
    for (std::uint32_t r = c.ring_begin(f); r < c.ring_end(f); ++r) {
        const std::uint32_t first = c.point_begin(r), end = c.point_end(r);
        for (std::uint32_t i = first, j = end - 1; i < end; j = i++) {
            const double* a = c.xy(i);
            const double* p = c.xy(j);
            if ((a[1] > y) != (p[1] > y) && x < (p[0] - a[0]) * (y - a[1]) / (p[1] - a[1]) + a[0]) inside = !inside;
        }
    }
    return inside;
}

// The village's centre: the area centroid of its polygons (holes taken out), or its point.
bool centre_of(const Coverage& c, std::size_t f, double& x, double& y) {
    if (c.kind(f) == FeatureKind::point) {
        x = c.xy(c.point_begin(c.ring_begin(f)))[0];
        y = c.xy(c.point_begin(c.ring_begin(f)))[1];
        return true;
    }
    if (c.kind(f) != FeatureKind::polygon) return false;
    double area = 0, cx = 0, cy = 0;
    for (std::uint32_t r = c.ring_begin(f); r < c.ring_end(f); ++r) {
        const std::uint32_t first = c.point_begin(r), end = c.point_end(r);
        const double ox = c.xy(first)[0], oy = c.xy(first)[1];  // relative to the ring's first point (big coordinates)
        double a = 0, sx = 0, sy = 0;
        for (std::uint32_t i = first, j = end - 1; i < end; j = i++) {
            const double x0 = c.xy(j)[0] - ox, y0 = c.xy(j)[1] - oy, x1 = c.xy(i)[0] - ox, y1 = c.xy(i)[1] - oy;
            const double cross = x0 * y1 - x1 * y0;
            a += cross;
            sx += (x0 + x1) * cross;
            sy += (y0 + y1) * cross;
        }
        if (a == 0) continue;
        const double ring_area = std::abs(a) / 2 * (c.ring_is_shell(r) ? 1 : -1);
        area += ring_area;
        cx += ring_area * (ox + sx / (3 * a));
        cy += ring_area * (oy + sy / (3 * a));
    }
    if (area <= 0) return false;
    x = cx / area;
    y = cy / area;
    return true;
}

// ---- the check

struct Check {
    Check(const StationsOptions& o, const StationSource& s) : options(o), source(s) {}
    const StationsOptions& options;
    const StationSource& source;
    double radius_m = 0;
    std::vector<StationVillage> villages;
    Coverage geometry;
    std::vector<Township> townships;
    std::unordered_map<std::string, std::size_t> township_of_id;
    std::unordered_multimap<std::string, std::size_t> townships_by_key;  // township_name_key -> townships
    std::unordered_map<std::string, std::size_t> townships_by_code;
    std::vector<std::size_t> village_township;
    dataset::StationTables out;

    void finding(const std::string& code, const RawStation* row, const std::string& column, const std::string& value,
                 const std::string& detail, const Township* township = nullptr) {
        StationFinding f;
        f.issue = make_issue(code, source.file, source.layer, row ? row->row : 0, column, value, detail);
        if (township) {
            f.county_code = township->county_code;
            f.township_code = township->code;
            f.township_name = township->name;
        }
        out.findings.push_back(std::move(f));
    }

    void index_townships() {
        village_township.resize(villages.size());
        for (std::size_t i = 0; i < villages.size(); ++i) {
            const StationVillage& v = villages[i];
            const std::string id = township_id(v);
            auto [it, added] = township_of_id.emplace(id, townships.size());
            if (added) {
                Township t;
                t.county_code = v.county_code;
                t.county_name = v.county_name;
                t.code = v.township_code;
                t.name = v.township_name;
                townships.push_back(std::move(t));
                townships_by_key.emplace(township_name_key(v.township_name), it->second);
                if (!v.township_code.empty()) townships_by_code.emplace(v.township_code, it->second);
            }
            Township& t = townships[it->second];
            ++t.villages;
            if (v.planned) {
                ++t.planned_villages;
                t.planned_households += v.planned_households;
            }
            village_township[i] = it->second;
        }
    }

    // The village the point lies in, or -1.
    long long village_at(double x, double y) const {
        for (std::size_t f = 0; f < geometry.size(); ++f)
            if (contains(geometry, f, x, y)) return static_cast<long long>(f);
        return -1;
    }

    // The township a station names, or -1 with a finding.
    long long resolve_township(const RawStation& r, long long located_village) {
        const std::string& column = source.township_field;
        if (r.township.empty()) {
            finding("E_STATION_TOWNSHIP_UNKNOWN", &r, column, "", "未填写服务的乡镇（街道）");
            return -1;
        }
        const CodeText code = normalise_code(r.township);
        if (!code.digits.empty()) {
            const auto it = townships_by_code.find(code.digits.substr(0, std::min<std::size_t>(9, code.digits.size())));
            if (it != townships_by_code.end()) return static_cast<long long>(it->second);
        }
        // the name as written first; else the same name with 镇/乡/街道 left off on either side
        const std::string written = strip_spaces(to_halfwidth(r.township)), key = township_name_key(r.township);
        std::vector<std::size_t> candidates, loose;
        for (const std::string& k : {key, written}) {
            const auto [from, to] = townships_by_key.equal_range(k);
            for (auto it = from; it != to; ++it) {
                auto& list = strip_spaces(to_halfwidth(townships[it->second].name)) == written ? candidates : loose;
                if (std::find(list.begin(), list.end(), it->second) == list.end()) list.push_back(it->second);
            }
        }
        if (candidates.empty()) candidates = loose;
        // a county column that names a unit of the dataset decides (and contradicts a township not in it)
        std::vector<std::size_t> in_county;
        bool county_known = false;
        for (const auto& t : townships)
            county_known = county_known || (!r.county.empty() && (t.county_code == r.county ||
                                                                  unit_name_key(t.county_name) == unit_name_key(r.county)));
        if (county_known) {
            for (std::size_t t : candidates)
                if (townships[t].county_code == r.county || unit_name_key(townships[t].county_name) == unit_name_key(r.county))
                    in_county.push_back(t);
            candidates = in_county;
        }
        if (candidates.size() > 1 && located_village >= 0) {  // else the county the station stands in
            std::vector<std::size_t> here;
            for (std::size_t t : candidates)
                if (townships[t].county_code == villages[static_cast<std::size_t>(located_village)].county_code) here.push_back(t);
            if (!here.empty()) candidates = here;
        }
        if (candidates.empty()) {
            finding("E_STATION_TOWNSHIP_UNKNOWN", &r, column, r.township,
                    r.county.empty() ? "数据集中没有此乡镇（街道）" : "数据集中" + r.county + "没有此乡镇（街道）");
            return -1;
        }
        if (candidates.size() > 1) {
            std::string names;
            for (std::size_t t : candidates)
                names += (names.empty() ? "" : "、") + townships[t].county_name + townships[t].name;
            finding("E_STATION_TOWNSHIP_AMBIGUOUS", &r, column, r.township, "同名乡镇（街道）：" + names + "；请填写所属县（市、区）");
            return -1;
        }
        return static_cast<long long>(candidates.front());
    }
};

std::string km_text(double metres) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", metres / 1000.0);
    return text;
}

std::unique_ptr<AtomicOutput> write_workbook(const StationsOptions& options, const Check& c, const StationsResult& result) {
    XlsxWorkbook book(options.output, options.overwrite, {fs::path(options.stations), fs::path(options.merged)});
    const std::string radius = km_text(c.radius_m);
    {
        XlsxTable t = book.table(xlsx_table_spec("服务站", "农村清洁取暖运维服务站一览表", "单位：个、户、公里",
                                      {{"县（市、区）", "", XlsxKind::text},
                                       {"乡镇（街道）", "", XlsxKind::text},
                                       {"服务站", "", XlsxKind::text},
                                       {"服务电话", "", XlsxKind::code},
                                       {"就近服务村庄", "", XlsxKind::integer, XlsxTotal::sum},
                                       {"其中规划改造村", "", XlsxKind::integer, XlsxTotal::sum},
                                       {"规划改造户数", "", XlsxKind::integer, XlsxTotal::sum},
                                       {"最远规划改造村距离", "", XlsxKind::decimal}}));
        for (const auto& s : c.out.stations)
            t.add_row({s.county_name, s.township_name, s.name, s.phone, static_cast<double>(s.villages),
                       static_cast<double>(s.planned_villages), static_cast<double>(s.planned_households),
                       std::round(s.farthest_planned_m / 100.0) / 10.0});
        t.finish();
    }
    {
        XlsxTableSpec s = xlsx_table_spec("乡镇覆盖", "各乡镇（街道）运维服务站设置情况", "单位：个、户",
                               {{"县（市、区）", "", XlsxKind::text},
                                {"乡镇（街道）", "", XlsxKind::text},
                                {"规划改造村", "", XlsxKind::integer, XlsxTotal::sum},
                                {"规划改造户数", "", XlsxKind::integer, XlsxTotal::sum},
                                {"服务站", "", XlsxKind::integer, XlsxTotal::sum},
                                {"服务站名称", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 40, true},
                                {"设置情况", "", XlsxKind::text}});
        s.notes = {"有规划改造村的乡镇（街道）" + std::to_string(result.townships) + "个，其中未设置运维服务站" +
                   std::to_string(result.townships_without) + "个。"};
        XlsxTable t = book.table(s);
        std::vector<std::size_t> order(c.townships.size());
        for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
        std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
            return std::tie(c.townships[a].county_code, c.townships[a].code, c.townships[a].name) <
                   std::tie(c.townships[b].county_code, c.townships[b].code, c.townships[b].name);
        });
        for (std::size_t i : order) {
            const Township& tw = c.townships[i];
            if (tw.planned_villages == 0 && tw.stations.empty()) continue;
            std::string names;
            for (long long fid : tw.stations) names += (names.empty() ? "" : "、") + c.out.stations[static_cast<std::size_t>(fid - 1)].name;
            t.add_row({tw.county_name, tw.name, static_cast<double>(tw.planned_villages),
                       static_cast<double>(tw.planned_households), static_cast<double>(tw.stations.size()), names,
                       tw.stations.empty() ? std::string("未设置") : std::string("已设置")});
        }
        t.finish();
    }
    {
        XlsxTable t = book.table(xlsx_table_spec("超出服务半径", "距最近运维服务站超过" + radius + "公里的规划改造村", "单位：户、公里",
                                      {{"县（市、区）", "", XlsxKind::text},
                                       {"乡镇（街道）", "", XlsxKind::text},
                                       {"村（居）", "", XlsxKind::text},
                                       {"村代码", "", XlsxKind::code},
                                       {"规划改造户数", "", XlsxKind::integer, XlsxTotal::sum},
                                       {"最近服务站", "", XlsxKind::text},
                                       {"距离", "", XlsxKind::decimal}}));
        for (std::size_t i = 0; i < c.out.villages.size(); ++i) {
            const auto& v = c.out.villages[i];
            if (v.reach != "beyond") continue;
            const StationVillage& village = c.villages[i];
            t.add_row({village.county_name, village.township_name, village.name, village.code,
                       static_cast<double>(village.planned_households), v.station_name,
                       v.station_fid ? XlsxCell(std::round(v.distance_m / 100.0) / 10.0) : XlsxCell(std::monostate{})});
        }
        t.finish();
    }
    {
        XlsxTableSpec s = xlsx_table_spec("检查问题", "运维服务站检查问题清单", "",
                               {{"文件", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 30, true},
                                {"图层", "", XlsxKind::text},
                                {"行", "", XlsxKind::general},
                                {"列", "", XlsxKind::text},
                                {"内容", "", XlsxKind::text},
                                {"代码", "", XlsxKind::text},
                                {"级别", "", XlsxKind::text},
                                {"说明", "", XlsxKind::text, XlsxTotal::none, -1, -1, 4, 50, true}});
        s.total = false;
        XlsxTable t = book.table(s);
        for (const auto& f : c.out.findings)
            t.add_row({fs::path(f.issue.file).filename().string(), f.issue.sheet,
                       f.issue.row ? XlsxCell(static_cast<double>(f.issue.row)) : XlsxCell(std::monostate{}),
                       f.issue.column, f.issue.value, f.issue.code,
                       f.issue.severity == Severity::error ? std::string("错误") : std::string("警告"), f.issue.message});
        t.finish();
    }
    return book.close_staged();
}

StationsResult check_database(const StationsOptions& options, Progress& progress) {
    std::unique_ptr<AtomicOutput> target;  // the workbook, renamed once the database commits
    if (!options.output.empty()) target = std::make_unique<AtomicOutput>(options.output, options.overwrite,
                                                                         std::vector<fs::path>{fs::path(options.stations)});
    dataset::WriteThrough through(options.merged, options.pg_schema, "stations");
    StationsOptions local = options;
    local.merged = through.path();
    if (!options.output.empty()) local.output = fs::path(through.path()).parent_path() / "stations.xlsx";
    local.overwrite = true;
    StationsResult result = check_stations(local, progress);
    result.outputs.clear();
    if (target) {  // beside its target before the database commits: a folder that cannot take it stops the run
        std::error_code ec;
        fs::copy_file(local.output, target->partial(), fs::copy_options::overwrite_existing, ec);
        if (ec) throw OutputError(options.output.string() + ": cannot write: " + ec.message());
    }
    through.commit();
    if (target) {
        target->commit();
        result.outputs.push_back(options.output);
    }
    return result;
}

}  // namespace

StationsResult check_stations(const StationsOptions& options, Progress& progress) {
    if (options.stations.empty()) throw UsageError("give the stations: --stations FILE");
    if (!options.output.empty()) {
        if (lower_ascii(options.output.extension().string()) != ".xlsx")
            throw UsageError("-o " + options.output.string() + ": the workbook is written as .xlsx");
        if (fs::exists(options.output) && !options.overwrite)
            throw OutputError(options.output.string() + " exists; add --overwrite to replace it");
    }
    const fs::path policy_file = options.policy_file.empty() ? default_style_file("subsidy.json") : options.policy_file;
    if (policy_file.empty()) throw InputError("no policy file (styles/subsidy.json) found; give --policy");
    const double radius_km = read_radius_km(policy_file);
    if (is_pg_name(options.merged)) return check_database(options, progress);

    // 1. the dataset: its villages, their townships, its CRS
    if (!fs::is_regular_file(options.merged)) throw InputError(options.merged + ": no such file");
    // the stations read first and closed: they may be a layer of the dataset itself, and GDAL's
    // open of a file closes a descriptor of it, which would drop the locks of our connection
    const StationSource source = read_station_source(options);
    const SqliteDb db(options.merged, SqliteDb::Mode::write);
    dataset::check_writable(db);
    const std::string started_at = now_iso();
    progress.update(0.0, "Reading villages");
    StationsResult result;
    result.radius_km = radius_km;
    Check c(options, source);
    c.radius_m = radius_km * 1000.0;
    int srs_id = 0;
    c.villages = dataset::read_station_villages(db, c.geometry, srs_id);
    OGRSpatialReference dataset_srs;
    const std::string wkt = dataset::villages_crs_wkt(db);
    if (wkt.empty() || dataset_srs.importFromWkt(wkt.c_str()) != OGRERR_NONE || !dataset_srs.IsProjected())
        throw InputError(options.merged + ": the villages are not in a projected CRS (metres)",
                         "distances are measured in the dataset's CRS; merge into a Gauss-Kruger CRS (--working-crs)");
    dataset_srs.SetAxisMappingStrategy(OAMS_TRADITIONAL_GIS_ORDER);
    result.dataset_crs = describe_crs(dataset_srs);
    c.index_townships();
    result.villages = static_cast<long long>(c.villages.size());

    // 2. the stations into the dataset's CRS
    progress.update(0.2, "Reading stations");
    // the CRS judged on the middle 80% of the points: a row with its coordinates swapped or typed
    // wrong does not decide how all the others are read
    std::vector<double> xs, ys;
    for (const auto& r : source.rows)
        if (r.located) xs.push_back(r.x), ys.push_back(r.y);
    std::vector<RawStation> rows = source.rows;
    std::vector<bool> untransformable(rows.size(), false);
    if (!xs.empty()) {
        std::sort(xs.begin(), xs.end());
        std::sort(ys.begin(), ys.end());
        // (fewer than ten points: the median alone, so that one wrong row of five does not decide)
        const std::size_t lo = xs.size() < 10 ? xs.size() / 2 : xs.size() / 10;
        const std::size_t hi = xs.size() < 10 ? xs.size() / 2 : xs.size() - 1 - xs.size() / 10;
        const Extent extent{xs[lo], ys[lo], xs[hi], ys[hi]};
        const double meridian = dataset_srs.GetProjParm(SRS_PP_CENTRAL_MERIDIAN, 117.0);
        const CrsChoice crs = choose_source_crs(source.declared.get(), extent, options.stations_crs, meridian, "stations");
        result.stations_crs = crs.description;
        SourceTransform transform(crs, dataset_srs);
        GdalErrorCapture quiet;  // a point PROJ cannot take is a finding, not a message on stderr
        for (std::size_t i = 0; i < rows.size(); ++i) {
            RawStation& r = rows[i];
            if (!r.located) continue;
            int ok = 0;
            if (!transform.Transform(1, &r.x, &r.y, nullptr, nullptr, &ok) || !ok || !std::isfinite(r.x) ||
                !std::isfinite(r.y))
                untransformable[i] = true;
        }
    }
    const Box area = c.geometry.extent().grown(c.radius_m);

    // 3. each station: where it stands, which township it serves
    progress.update(0.4, "Checking stations");
    result.rows_read = static_cast<long long>(rows.size());
    std::map<std::pair<std::size_t, std::string>, int> seen;  // (township, name key) -> row
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const RawStation& r = rows[i];
        const std::size_t before = c.out.findings.size();
        auto rejected = [&] {
            for (std::size_t i = before; i < c.out.findings.size(); ++i)
                if (c.out.findings[i].issue.severity == Severity::error) return true;
            return false;
        };
        const std::string& name_column = source.name_field;
        if (r.name.empty()) c.finding("E_STATION_NAME_MISSING", &r, name_column, "", "");
        if (!r.not_point.empty()) {
            c.finding("E_STATION_NOT_POINT", &r, r.location_field, r.not_point, "几何类型为" + r.not_point);
        } else if (!r.located) {
            c.finding("E_STATION_NO_LOCATION", &r, r.location_field, r.location_text,
                      r.location_text.empty() ? "无点位" : "坐标无法读取");
        } else if (untransformable[i]) {
            c.finding("E_STATION_OUTSIDE_AREA", &r, r.location_field, r.location_text,
                      "坐标无法转换到数据集的坐标系（" + result.stations_crs + "），可能经纬度颠倒或坐标系有误");
        } else if (r.x < area.min_x || r.x > area.max_x || r.y < area.min_y || r.y > area.max_y) {
            c.finding("E_STATION_OUTSIDE_AREA", &r, r.location_field, r.location_text,
                      "点位在全部村庄范围（外扩服务半径）之外，坐标系可能有误（如GCJ-02、经纬度颠倒）");
        }
        const bool placed = r.not_point.empty() && r.located && !untransformable[i];  // (maybe outside the area)
        const long long at = placed ? c.village_at(r.x, r.y) : -1;
        const long long township = c.resolve_township(r, at);
        if (township >= 0 && !r.name.empty() && !rejected()) {
            const auto key = std::make_pair(static_cast<std::size_t>(township), strip_spaces(to_halfwidth(r.name)));
            const auto [it, first] = seen.emplace(key, r.row);
            if (!first)
                c.finding("E_STATION_DUPLICATE", &r, name_column, r.name,
                          "与第" + std::to_string(it->second) + "行为同一乡镇的同一服务站");
        }
        // the row's findings under the unit they concern (a unit's role reads its own): the township it
        // names, else the village it stands in
        for (std::size_t k = before; k < c.out.findings.size(); ++k) {
            auto& f = c.out.findings[k];
            if (!f.county_code.empty()) continue;
            if (township >= 0) {
                const Township& tw = c.townships[static_cast<std::size_t>(township)];
                f.county_code = tw.county_code, f.township_code = tw.code, f.township_name = tw.name;
            } else if (at >= 0) {
                f.county_code = c.villages[static_cast<std::size_t>(at)].county_code;
            }
        }
        if (rejected()) continue;
        const Township& tw = c.townships[static_cast<std::size_t>(township)];
        if (r.phone.empty()) c.finding("W_STATION_PHONE_MISSING", &r, source.phone_field, "", "", &tw);
        if (at >= 0 && c.village_township[static_cast<std::size_t>(at)] != static_cast<std::size_t>(township)) {
            const StationVillage& v = c.villages[static_cast<std::size_t>(at)];
            c.finding("W_STATION_OUTSIDE_TOWNSHIP", &r, r.location_field, v.township_name,
                      "点位在" + v.county_name + v.township_name + v.name + "，登记服务" + tw.county_name + tw.name, &tw);
        }
        StationRow s;
        s.fid = static_cast<long long>(c.out.stations.size() + 1);
        s.x = r.x;
        s.y = r.y;
        s.name = r.name;
        s.phone = r.phone;
        s.county_code = tw.county_code;
        s.county_name = tw.county_name;
        s.township_code = tw.code;
        s.township_name = tw.name;
        s.township_as_written = r.township;
        s.file = source.file;
        s.layer = source.layer;
        s.row = r.row;
        c.townships[static_cast<std::size_t>(township)].stations.push_back(s.fid);
        c.out.stations.push_back(std::move(s));
    }
    result.stations_loaded = static_cast<long long>(c.out.stations.size());
    result.rows_rejected = result.rows_read - result.stations_loaded;

    // 4. every village's nearest station; the planned villages beyond the radius
    progress.update(0.6, "Measuring distances");
    c.out.villages.resize(c.villages.size());
    for (std::size_t i = 0; i < c.villages.size(); ++i) {
        const StationVillage& v = c.villages[i];
        auto& out = c.out.villages[i];
        out.village_fid = v.fid;
        out.planned = v.planned;
        double x = 0, y = 0, best = std::numeric_limits<double>::infinity();
        const StationRow* nearest = nullptr;
        if (centre_of(c.geometry, i, x, y))
            for (const auto& s : c.out.stations) {
                const double d = std::hypot(s.x - x, s.y - y);
                if (d < best) best = d, nearest = &s;
            }
        if (nearest) {
            out.station_fid = nearest->fid;
            out.station_name = nearest->name;
            out.distance_m = std::round(best * 10.0) / 10.0;
            auto& s = c.out.stations[static_cast<std::size_t>(nearest->fid - 1)];
            ++s.villages;
            if (v.planned) {
                ++s.planned_villages;
                s.planned_households += v.planned_households;
                s.farthest_planned_m = std::max(s.farthest_planned_m, out.distance_m);
            }
        } else {
            out.distance_m = std::nan("");
        }
        if (!v.planned) continue;
        ++result.planned_villages;
        out.reach = nearest && best <= c.radius_m ? "within" : "beyond";
        if (out.reach == "beyond") {
            ++result.planned_beyond;
            result.planned_households_beyond += v.planned_households;
        }
        if (nearest) result.farthest_planned_km = std::max(result.farthest_planned_km, out.distance_m / 1000.0);
    }

    // 5. every township with planned villages has a station
    for (const auto& tw : c.townships) {
        if (tw.planned_villages == 0) continue;
        ++result.townships;
        if (!tw.stations.empty()) continue;
        ++result.townships_without;
        c.finding("E_TOWNSHIP_NO_STATION", nullptr, "", tw.county_name + tw.name,
                  "本乡镇（街道）有规划改造村" + std::to_string(tw.planned_villages) + "个、" +
                      std::to_string(tw.planned_households) + "户",
                  &tw);
    }
    for (const auto& f : c.out.findings) {
        (f.issue.severity == Severity::error ? result.errors : result.warnings) += 1;
        ++result.findings[f.issue.code];
    }

    // 6. the service areas: the radius around each station
    for (const auto& s : c.out.stations) {
        const OGRPoint point(s.x, s.y);
        std::unique_ptr<OGRGeometry> circle(point.Buffer(c.radius_m, 16));
        if (!circle) throw std::runtime_error("GEOS: no buffer around station " + s.name);
        std::unique_ptr<OGRGeometry> multi(OGRGeometryFactory::forceToMultiPolygon(circle.release()));
        const std::string blob = gpkg_blob(*multi, srs_id);
        c.out.areas.push_back({s.fid, s.name, s.county_code, s.township_name, c.radius_m,
                               std::vector<unsigned char>(blob.begin(), blob.end())});
    }

    // 7. into the dataset, the workbook beside; one transaction
    progress.update(0.8, "Writing");
    std::unique_ptr<AtomicOutput> workbook;
    db.exec("BEGIN IMMEDIATE");
    try {
        dataset::write_station_tables(db, c.out, srs_id);
        dataset::RunEntry entry{"stations", options.command_line, started_at, {}};
        entry.details = {{"stations", options.stations}, {"radius_km", km_text(c.radius_m)}};
        dataset::log_run(db, entry);
        if (!options.output.empty()) workbook = write_workbook(options, c, result);
        db.exec("COMMIT");
    } catch (...) {
        db.exec("ROLLBACK");
        throw;
    }
    if (workbook) {
        workbook->commit();
        result.outputs.push_back(options.output);
    }
    progress.update(1.0);
    return result;
}

}  // namespace cleanheat

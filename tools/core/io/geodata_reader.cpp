#include "io/geodata_reader.hpp"

#include <cpl_string.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>

#include "error.hpp"
#include "io/sqlite_util.hpp"
#include "io/gdal_context.hpp"
#include "text.hpp"

namespace cleanheat {
namespace {

std::string lower(std::string s) {
    for (auto& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

int find_field(OGRFeatureDefn* defn, std::initializer_list<const char*> names) {
    for (const char* name : names)
        for (int i = 0; i < defn->GetFieldCount(); ++i)
            if (lower(defn->GetFieldDefn(i)->GetNameRef()) == name) return i;
    return -1;
}

// 12-digit village code from a field value: land-survey codes (ZLDWDM, 19 digits) carry
// the village code in their first 12 digits.
std::string village_code_of(const char* value) {
    const auto code = normalise_code(value ? value : "");
    if (!code.valid) return code.digits;
    if (code.digits.size() > 12 && code.digits.find_first_not_of('0', 12) == std::string::npos)
        return code.digits.substr(0, 12);
    if (code.digits.size() == 19) return code.digits.substr(0, 12);
    return code.digits;
}

}  // namespace

namespace {
// A code of up to 18 digits as one integer (its length kept, so 0012 and 12 differ); 0 otherwise.
std::uint64_t code_number(const std::string& code) {
    if (code.empty() || code.size() > 18) return 0;
    std::uint64_t v = 0;
    for (char c : code) {
        if (c < '0' || c > '9') return 0;
        v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    return v * 32 + code.size();
}
}  // namespace

void VillageIndex::reserve(std::size_t villages) {
    villages_.reserve(villages);
    by_number_.reserve(villages);
}

void VillageIndex::add(Village village) {
    if (by_code(village.code)) return;
    const std::size_t index = villages_.size();
    if (const auto n = code_number(village.code))
        by_number_.emplace(n, index);
    else
        by_code_.emplace(village.code, index);
    if (!village.name.empty()) by_name_.emplace(village_name_key(village.name), index);
    villages_.push_back(std::move(village));
}

std::vector<Village> VillageIndex::take_villages() {
    std::vector<Village> out = std::move(villages_);
    villages_.clear();
    return out;
}

const Village* VillageIndex::by_code(const std::string& code) const {
    if (const auto n = code_number(code)) {
        const auto it = by_number_.find(n);
        return it == by_number_.end() ? nullptr : &villages_[it->second];
    }
    const auto it = by_code_.find(code);
    return it == by_code_.end() ? nullptr : &villages_[it->second];
}

std::vector<const Village*> VillageIndex::by_name(const std::string& county_code, const std::string& township_key,
                                                  const std::string& name_key) const {
    std::vector<const Village*> out;
    const auto range = by_name_.equal_range(name_key);
    for (auto it = range.first; it != range.second; ++it) {
        const Village& v = villages_[it->second];
        if (!county_code.empty() && v.county_code != county_code) continue;
        if (!township_key.empty() && township_name_key(v.township_name) != township_key) continue;
        out.push_back(&v);
    }
    std::sort(out.begin(), out.end(), [](const Village* a, const Village* b) { return a->code < b->code; });
    return out;
}

VillageSource open_villages(const std::string& source_name, const std::string& layer_name) {
    VillageSource source;
    source.source = source_name;
    GdalErrorCapture capture;
    source.dataset.reset(GDALDataset::Open(source_name.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY));
    if (!source.dataset) {
        std::string why = capture.last_message();
        if (why.empty()) why = "not a vector data source GDAL can read";
        throw InputError(source_name + ": cannot open: " + why);
    }
    // Chinese shapefiles often come without .cpg, in GBK: read the bytes as they are and
    // recode what is not UTF-8 (read_village_attributes)
    const auto* driver = source.dataset->GetDriver();
    if (driver && std::strcmp(driver->GetDescription(), "ESRI Shapefile") == 0 &&
        std::filesystem::path(source_name).extension() == ".shp") {
        std::error_code ec;
        if (!std::filesystem::exists(std::filesystem::path(source_name).replace_extension(".cpg"), ec) &&
            !std::filesystem::exists(std::filesystem::path(source_name).replace_extension(".CPG"), ec)) {
            const char* const open_options[] = {"ENCODING=", nullptr};
            source.dataset.reset(
                GDALDataset::Open(source_name.c_str(), GDAL_OF_VECTOR | GDAL_OF_READONLY, nullptr, open_options));
            if (!source.dataset) throw InputError(source_name + ": cannot open: " + capture.last_message());
            source.recode_gb18030 = true;
        }
    }
    if (!layer_name.empty()) {
        source.layer = source.dataset->GetLayerByName(layer_name.c_str());
        if (!source.layer) throw InputError(source_name + ": no layer named '" + layer_name + "'");
    } else {
        source.layer = source.dataset->GetLayerByName("villages");
        if (!source.layer && source.dataset->GetLayerCount() > 0) source.layer = source.dataset->GetLayer(0);
        if (!source.layer) throw InputError(source_name + ": has no layer");
    }
    source.layer_name = source.layer->GetName();
    auto* defn = source.layer->GetLayerDefn();
    auto& f = source.fields;
    f.code = find_field(defn, {"village_code", "code", "cun_code", "村代码", "行政区划代码", "区划代码",
                               "统计用区划代码", "xzqdm", "zldwdm", "cjqydm", "qhdm", "adcode", "dm"});
    f.name =
        find_field(defn, {"village_name", "name", "村名", "村名称", "村庄名称", "xzqmc", "zldwmc", "cjqymc", "mc"});
    f.township_code = find_field(defn, {"township_code", "town_code", "乡镇代码", "xzdm", "street_code", "streetcode"});
    f.township_name = find_field(defn, {"township_name", "township", "town", "乡镇", "乡镇名称", "xzmc"});
    f.county_code = find_field(defn, {"county_code", "area_code", "areacode", "县代码", "xdm"});
    f.county_name = find_field(defn, {"county_name", "county", "县", "县名称", "xmc"});
    if (f.code < 0)
        throw InputError(source_name + ": layer '" + source.layer_name + "' has no village code field",
                         "expected a field named village_code, code, 村代码, XZQDM or ZLDWDM");
    source.geometry_type = wkbFlatten(source.layer->GetGeomType());
    OGREnvelope envelope;
    if (source.layer->GetExtent(&envelope, TRUE) == OGRERR_NONE) {
        source.extent = {envelope.MinX, envelope.MinY, envelope.MaxX, envelope.MaxY};
    } else {
        source.extent = {1, 1, 0, 0};
    }
    return source;
}

namespace {

// Attributes of a GeoPackage layer straight from SQLite (the common case, and much faster
// than OGR features); false when the source is not a plain GeoPackage table.
bool read_gpkg_attributes(const VillageSource& source, const std::function<void(Village)>& accept) {
    const auto* driver = source.dataset->GetDriver();
    std::error_code ec;
    if (!driver || std::strcmp(driver->GetDescription(), "GPKG") != 0 ||
        !std::filesystem::is_regular_file(source.source, ec))
        return false;
    const std::string fid = source.layer->GetFIDColumn();
    if (fid.empty()) return false;
    auto* defn = source.layer->GetLayerDefn();
    const auto& f = source.fields;
    std::string columns = sql_identifier(fid);
    for (int field : {f.code, f.name, f.township_code, f.township_name, f.county_code, f.county_name})
        columns += ", " + (field >= 0 ? sql_identifier(defn->GetFieldDefn(field)->GetNameRef()) : std::string("NULL"));
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(source.source.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        sqlite3_close(db);
        return false;
    }
    sqlite3_stmt* statement = nullptr;
    const std::string sql = "SELECT " + columns + " FROM " + sql_identifier(source.layer_name);
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
        sqlite3_finalize(statement);
        sqlite3_close(db);
        return false;
    }
    auto text = [&](int column) -> std::string {
        const auto* value = sqlite3_column_text(statement, column);
        return value ? reinterpret_cast<const char*>(value) : "";
    };
    while (sqlite3_step(statement) == SQLITE_ROW) {
        Village v;
        v.fid = sqlite3_column_int64(statement, 0);
        v.code = text(1);
        v.name = text(2);
        v.township_code = text(3);
        v.township_name = text(4);
        v.county_code = text(5);
        v.county_name = text(6);
        accept(std::move(v));
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return true;
}

}  // namespace

VillageIndex read_village_attributes(VillageSource& source, const UnitRegistry& units, std::vector<Issue>& issues) {
    VillageIndex index;
    auto* layer = source.layer;
    auto* defn = layer->GetLayerDefn();
    const auto& f = source.fields;
    index.reserve(static_cast<std::size_t>(std::max<GIntBig>(0, layer->GetFeatureCount(FALSE))));
    std::unordered_map<std::string, std::string> county_names;  // code -> name from the units, looked up once
    auto accept = [&](Village v) {
        v.code = village_code_of(v.code.c_str());
        if (v.township_code.empty() && v.code.size() >= 9) v.township_code = v.code.substr(0, 9);
        if (v.county_code.empty() && v.code.size() >= 6) v.county_code = v.code.substr(0, 6);
        if (v.county_name.empty()) {
            auto it = county_names.find(v.county_code);
            if (it == county_names.end()) {
                const Unit* u = units.find(v.county_code);
                it = county_names.emplace(v.county_code, u ? u->name : "").first;
            }
            v.county_name = it->second;
        }
        if (index.by_code(v.code)) {
            source.duplicate_fids.push_back(v.fid);
            issues.push_back(make_issue("W_VILLAGE_CODE_DUPLICATE", source.source, source.layer_name,
                                        static_cast<int>(v.fid), defn->GetFieldDefn(f.code)->GetNameRef(), v.code));
            return;
        }
        index.add(std::move(v));
    };
    if (read_gpkg_attributes(source, accept)) return index;

    std::vector<const char*> ignored = {"OGR_GEOMETRY", "OGR_STYLE"};
    for (int i = 0; i < defn->GetFieldCount(); ++i)
        if (i != f.code && i != f.name && i != f.township_code && i != f.township_name && i != f.county_code &&
            i != f.county_name)
            ignored.push_back(defn->GetFieldDefn(i)->GetNameRef());
    ignored.push_back(nullptr);
    layer->SetIgnoredFields(ignored.data());
    layer->ResetReading();
    auto text = [&source](OGRFeature& feature, int field) -> std::string {
        if (field < 0 || !feature.IsFieldSetAndNotNull(field)) return "";
        std::string value = feature.GetFieldAsString(field);
        if (source.recode_gb18030 && !is_valid_utf8(value)) {
            char* recoded = CPLRecode(value.c_str(), "GB18030", CPL_ENC_UTF8);
            if (recoded) value = recoded;
            CPLFree(recoded);
        }
        return value;
    };
    for (auto& feature : *layer) {
        Village v;
        v.fid = feature->GetFID();
        v.code = text(*feature, f.code);
        v.name = text(*feature, f.name);
        v.township_code = text(*feature, f.township_code);
        v.township_name = text(*feature, f.township_name);
        v.county_code = text(*feature, f.county_code);
        v.county_name = text(*feature, f.county_name);
        accept(std::move(v));
    }
    layer->SetIgnoredFields(nullptr);
    return index;
}

}  // namespace cleanheat

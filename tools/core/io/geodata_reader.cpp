#include "io/geodata_reader.hpp"

#include <cpl_string.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <functional>

#include "base/error.hpp"
#include "io/sqlite_util.hpp"
#include "io/gdal_context.hpp"
#include "base/text.hpp"

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

void VillageIndex::clear_text(std::string Village::*member) {
    for (auto& v : villages_) (v.*member).clear();
    by_name_.clear();
    for (std::size_t i = 0; i < villages_.size(); ++i)
        if (!villages_[i].name.empty()) by_name_.emplace(village_name_key(villages_[i].name), i);
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

namespace {

bool looks_like_path(const std::string& name) {
    return !starts_with(name, "PG:") && !starts_with(name, "/vsi") && name.find("://") == std::string::npos;
}

// A village-level division code: 12 digits, or a land-survey 坐落单位代码 of 19 digits.
bool is_division_code(const std::string& value) {
    const auto code = normalise_code(value);
    return code.valid && (code.digits.size() == 12 || code.digits.size() == 19) && code.digits[0] >= '1';
}

bool is_village_name(const std::string& value) {
    const std::string s = strip_spaces(value);
    if (s.size() < 6 || !is_valid_utf8(s) || static_cast<unsigned char>(s[0]) < 0xE0) return false;
    for (const char* suffix : {"村", "村委会", "村民委员会", "居委会", "社区", "居民委员会", "社区居民委员会"})
        if (ends_with(s, suffix)) return true;
    return false;
}

// Fields found by what they hold: the first features are sampled.
void find_fields_by_content(OGRLayer* layer, VillageFields& f) {
    auto* defn = layer->GetLayerDefn();
    const int n_fields = defn->GetFieldCount();
    std::vector<int> codes(n_fields, 0), names(n_fields, 0), filled(n_fields, 0);
    layer->SetIgnoredFields(nullptr);
    layer->ResetReading();
    int sampled = 0;
    for (auto& feature : *layer) {
        for (int i = 0; i < n_fields; ++i) {
            if (!feature->IsFieldSetAndNotNull(i)) continue;
            const std::string value = feature->GetFieldAsString(i);
            if (trim(value).empty()) continue;
            ++filled[i];
            if (is_division_code(value)) ++codes[i];
            if (is_village_name(value)) ++names[i];
        }
        if (++sampled >= 200) break;
    }
    layer->ResetReading();
    auto best = [&](const std::vector<int>& hits) {
        int field = -1;
        for (int i = 0; i < n_fields; ++i)
            if (filled[i] > 0 && hits[i] * 10 >= filled[i] * 9 && (field < 0 || hits[i] > hits[field])) field = i;
        return field;
    };
    if (f.code < 0) f.code = best(codes);
    if (f.name < 0) f.name = best(names);
}

void apply_field_overrides(const std::string& source_name, OGRFeatureDefn* defn, const std::string& spec,
                           VillageFields& f) {
    std::size_t start = 0;
    while (start <= spec.size()) {
        const std::size_t end = std::min(spec.find(',', start), spec.size());
        const std::string item = trim(spec.substr(start, end - start));
        start = end + 1;
        if (item.empty()) continue;
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw UsageError("--villages-fields: '" + item + "' is not KEY=FIELD",
                             "keys: code, name, township, township_code, county, county_code");
        const std::string key = trim(item.substr(0, eq)), field = trim(item.substr(eq + 1));
        const int index = defn->GetFieldIndex(field.c_str());
        if (index < 0) {
            std::string available;
            for (int i = 0; i < defn->GetFieldCount(); ++i)
                available += std::string(i ? ", " : "") + defn->GetFieldDefn(i)->GetNameRef();
            throw UsageError("--villages-fields: " + source_name + " has no field '" + field + "'",
                             "fields: " + available);
        }
        if (key == "code")
            f.code = index;
        else if (key == "name")
            f.name = index;
        else if (key == "township")
            f.township_name = index;
        else if (key == "township_code")
            f.township_code = index;
        else if (key == "county")
            f.county_name = index;
        else if (key == "county_code")
            f.county_code = index;
        else
            throw UsageError("--villages-fields: unknown key '" + key + "'",
                             "keys: code, name, township, township_code, county, county_code");
    }
}

}  // namespace

VillageSource open_villages(const std::string& source_name, const std::string& layer_name, const std::string& fields) {
    VillageSource source;
    source.source = source_name;
    {
        std::error_code ec;
        if (looks_like_path(source_name)) {
            const auto status = std::filesystem::status(source_name, ec);
            if (!std::filesystem::exists(status)) throw InputError(source_name + ": no such file");
            if (!std::filesystem::is_regular_file(status) && !std::filesystem::is_directory(status))
                throw InputError(source_name + ": not a regular file (a pipe or a device); give the village geodata");
        }
    }
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
    // by name (shapefiles cut names at 10 characters: village_co, township_n ...)
    f.code = find_field(defn, {"village_code", "village_co", "code", "cun_code", "村代码", "村级代码", "行政区划代码",
                               "区划代码", "统计用区划代码", "xzqdm", "zldwdm", "cjqydm", "qhdm", "adcode", "dm"});
    f.name = find_field(defn, {"village_name", "village_na", "name", "村名", "村名称", "村级名称", "村庄名称", "xzqmc",
                               "zldwmc", "cjqymc", "mc"});
    f.township_code = find_field(defn, {"township_code", "township_c", "town_code", "乡镇代码", "xzdm", "street_code",
                                        "streetcode", "street_cod"});
    f.township_name =
        find_field(defn, {"township_name", "township_n", "township", "town", "乡镇", "乡镇名称", "xzmc"});
    f.county_code = find_field(defn, {"county_code", "county_cod", "area_code", "areacode", "县代码", "xdm"});
    f.county_name = find_field(defn, {"county_name", "county_nam", "county", "县", "县名称", "xmc"});
    if (!fields.empty()) apply_field_overrides(source_name, defn, fields, f);
    // by content: a column of division codes, a column of village names
    if (f.code < 0 || f.name < 0) find_fields_by_content(source.layer, f);
    if (f.code < 0)
        throw InputError(source_name + ": layer '" + source.layer_name + "' has no village code field",
                         "no field is named like village_code, 村代码, XZQDM or ZLDWDM, and none holds 12-digit "
                         "division codes; name it with --villages-fields code=FIELD,name=FIELD");
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
    if (sqlite3_open_v2(source.source.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK ||
        sqlite3_busy_timeout(db, 60000) != SQLITE_OK) {
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

namespace {

// A name whose characters were lost on the way (a shapefile exported in a code page without
// Chinese turns 段家庄村委会 into ??????): only '?' and the replacement character.
bool name_lost(const std::string& name) {
    if (name.empty()) return false;
    for (std::size_t i = 0; i < name.size();) {
        if (name[i] == '?') {
            ++i;
        } else if (name.compare(i, 3, "\xEF\xBF\xBD") == 0) {
            i += 3;
        } else {
            return false;
        }
    }
    return true;
}

// When most names of a field were lost, the field is not used (matching by such names would
// only fail, and every row would disagree with them); said once.
void drop_lost_names(VillageIndex& index, const VillageSource& source, std::vector<Issue>& issues) {
    struct Field {
        std::string Village::*member;
        int field;
        const char* what;
    };
    const Field fields[] = {{&Village::name, source.fields.name, "村名"},
                            {&Village::township_name, source.fields.township_name, "乡镇名"},
                            {&Village::county_name, source.fields.county_name, "县名"}};
    for (const auto& f : fields) {
        if (f.field < 0) continue;
        std::size_t filled = 0, lost = 0;
        for (const auto& v : index.villages()) {
            filled += (v.*f.member).empty() ? 0 : 1;
            lost += name_lost(v.*f.member) ? 1 : 0;
        }
        if (filled == 0 || lost * 2 < filled) continue;
        index.clear_text(f.member);
        issues.push_back(make_issue(
            "W_VILLAGE_NAMES_LOST", source.source, source.layer_name, 0,
            source.layer->GetLayerDefn()->GetFieldDefn(f.field)->GetNameRef(), "",
            std::to_string(lost) + "/" + std::to_string(filled) + "个" + f.what +
                "只剩“?”，该字段未使用；请以UTF-8或GBK编码重新导出（ogr2ogr -lco ENCODING=UTF-8）"));
    }
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
    if (read_gpkg_attributes(source, accept)) {
        drop_lost_names(index, source, issues);
        return index;
    }

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
    drop_lost_names(index, source, issues);
    return index;
}

}  // namespace cleanheat

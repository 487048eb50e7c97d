// Village geodata from any OGR source: polygons (村级调查区, synthesised cells) or
// points. Pass 1 reads attributes only and builds the index the plan rows match against;
// the geometry is streamed later, straight into the output.
#pragma once
#include <ogrsf_frmts.h>

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "geo/crs.hpp"
#include "base/issue.hpp"
#include "base/units.hpp"

namespace cleanheat {

struct Village {
    std::string code;  // 12 digits
    std::string name;
    std::string township_code, township_name;
    std::string county_code, county_name;
    GIntBig fid = 0;
};

struct VillageFields {
    int code = -1, name = -1, township_code = -1, township_name = -1, county_code = -1, county_name = -1;
};

class VillageIndex {
public:
    void reserve(std::size_t villages);
    void add(Village village);  // the first of a duplicated code wins (returns nothing)
    const Village* by_code(const std::string& code) const;
    // Villages whose name key equals `name_key`, limited to a county code and a township
    // name key when those are non-empty.
    std::vector<const Village*> by_name(const std::string& county_code, const std::string& township_key,
                                        const std::string& name_key) const;
    const std::vector<Village>& villages() const { return villages_; }
    std::size_t size() const { return villages_.size(); }
    std::size_t position(const Village* v) const { return static_cast<std::size_t>(v - villages_.data()); }
    // Empties one text field of every village (names found unusable) and rebuilds the name index.
    void clear_text(std::string Village::*member);
    // Moves the villages out; the index answers nothing afterwards (only to be destroyed).
    std::vector<Village> take_villages();

private:
    std::vector<Village> villages_;
    std::unordered_map<std::string, std::size_t> by_code_;       // codes that are not plain digits
    std::unordered_map<std::uint64_t, std::size_t> by_number_;   // digit codes: value * 32 + length
    std::unordered_multimap<std::string, std::size_t> by_name_;  // name key -> villages
};

struct VillageSource {
    std::unique_ptr<GDALDataset> dataset;
    OGRLayer* layer = nullptr;
    std::string source, layer_name;
    VillageFields fields;
    OGRwkbGeometryType geometry_type = wkbUnknown;
    Extent extent;
    std::vector<GIntBig> duplicate_fids;  // features whose code repeats an earlier one
    bool recode_gb18030 = false;          // a shapefile without .cpg: text that is not UTF-8 is GBK/GB18030
};

// Opens the villages (throws InputError naming the source and what is missing). The fields are
// found by name (village_code, 村代码, XZQDM, ZLDWDM, shapefile names cut to 10 characters ...),
// else by content (a column of 12- or 19-digit division codes, a column of village names);
// `fields` (code=FIELD,name=FIELD,township=FIELD,county=FIELD; also township_code=, county_code=)
// names them explicitly and wins.
VillageSource open_villages(const std::string& source, const std::string& layer_name, const std::string& fields = {});
// Pass 1: attributes only. Duplicated codes become W_VILLAGE_CODE_DUPLICATE findings.
VillageIndex read_village_attributes(VillageSource& source, const UnitRegistry& units, std::vector<Issue>& issues);

}  // namespace cleanheat

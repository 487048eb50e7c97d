#include "commands/village_match.hpp"

#include "base/text.hpp"

namespace cleanheat {

VillageMatch match_village(const VillageIndex& index, const VillageRef& row) {
    VillageMatch m;
    auto issue = [&](const std::string& code, const std::string& column, const std::string& value,
                     const std::string& detail) {
        return make_issue(code, row.file, row.sheet, row.row, column, value, detail);
    };
    static const std::string no_county;
    const std::string& county_code = row.unit && row.unit->kind != "zone" ? row.unit->code : no_county;
    const bool has_code = !row.code_text.empty();
    // a village written in parts (段家庄（一）, 段家庄（二）): matched as the village, and said
    const std::string part = village_part_suffix(row.village_name);
    const std::string written = part.empty() ? row.village_name : strip_village_part(row.village_name);
    if (row.code.valid && row.code.digits.size() == 12) m.village = index.by_code(row.code.digits);
    if (const Village* village = m.village) {
        if (row.code.reformatted)
            m.warnings.push_back(
                issue("W_CODE_REFORMATTED", row.code_column, row.code_text, "规范化为" + row.code.digits));
        const std::string table_key = village_name_key(written);
        const std::string geo_key = village_name_key(village->name);
        if (!table_key.empty() && !geo_key.empty() && table_key != geo_key)
            m.warnings.push_back(issue("W_NAME_MISMATCH", row.name_column, row.village_name,
                                       "表中“" + row.village_name + "”，代码" + village->code + "对应“" +
                                           village->name + "”"));
        if (!part.empty())
            m.warnings.push_back(issue("W_VILLAGE_PART", row.name_column, row.village_name,
                                       "按" + village->code + " " + village->name + "导入"));
        if (row.unit && row.unit->kind == "county" && !village->county_code.empty() &&
            row.unit->code != village->county_code)
            m.warnings.push_back(
                issue("W_COUNTY_MISMATCH", "", row.county_text.empty() ? row.unit->name : row.county_text,
                      "代码" + village->code + "属于" +
                          (village->county_name.empty() ? village->county_code : village->county_name)));
        return m;
    }
    const std::string name_key = village_name_key(written);
    const std::string township_key = township_name_key(row.township);
    std::vector<const Village*> candidates;
    if (!name_key.empty()) {
        candidates = index.by_name(county_code, township_key, name_key);
        if (candidates.empty() && !township_key.empty()) candidates = index.by_name(county_code, "", name_key);
    }
    if (candidates.size() == 1) {
        m.village = candidates[0];
        m.by_name = true;
        const std::string why = has_code ? "表中代码“" + row.code_text + "”不存在" : "表中未填代码";
        m.warnings.push_back(issue("W_MATCHED_BY_NAME", has_code ? row.code_column : row.name_column,
                                   has_code ? row.code_text : row.village_name,
                                   why + "，匹配到" + m.village->code + " " + m.village->name));
        if (!part.empty())
            m.warnings.push_back(issue("W_VILLAGE_PART", row.name_column, row.village_name,
                                       "按" + m.village->code + " " + m.village->name + "导入"));
    } else if (candidates.size() > 1) {
        std::string list;
        for (std::size_t i = 0; i < candidates.size() && i < 5; ++i)
            list += (i ? "、" : "") + candidates[i]->code + candidates[i]->name;
        m.error = issue("E_NAME_AMBIGUOUS", row.name_column, row.village_name, "候选：" + list);
    } else if (has_code) {
        m.error = issue("E_CODE_UNKNOWN", row.code_column, row.code_text,
                        row.village_name.empty() ? "" : "村名“" + row.village_name + "”");
    } else {
        m.error = issue("E_VILLAGE_NOT_FOUND", row.name_column, row.village_name,
                        row.township.empty() ? "" : "乡镇“" + row.township + "”");
    }
    return m;
}

}  // namespace cleanheat

#include "dataset/schema.hpp"

#include <algorithm>
#include <stdexcept>

#include "io/sqlite_util.hpp"

namespace cleanheat::dataset {
namespace {

constexpr ColumnType T = ColumnType::text;
constexpr ColumnType I = ColumnType::integer;
constexpr ColumnType L = ColumnType::integer64;
constexpr ColumnType R = ColumnType::real;
constexpr ColumnType D = ColumnType::date;

std::vector<Column> village_columns() {
    std::vector<Column> c = {{"village_code", T}, {"village_name", T}, {"township_code", T}, {"township_name", T},
                             {"county_code", T},  {"county_name", T},  {"households_total", L}};
    static const std::vector<std::string> route_names = [] {
        std::vector<std::string> names;
        for (Route r : kRoutes) names.push_back(route_column(r));
        return names;
    }();
    for (const auto& name : route_names) c.push_back({name.c_str(), L});
    const std::vector<Column> rest = {{"route_main", T},
                                      {"routes", T},
                                      {"other_routes", T},
                                      {"devices", T},
                                      {"plan_year", I},
                                      {"plan_start", T},
                                      {"plan_end", T},
                                      {"planned", I},
                                      {"status", T},
                                      {"households_started", L},
                                      {"households_completed", L},
                                      {"households_accepted", L},
                                      {"status_date", D},
                                      {"plan_rows", I},
                                      {"matched_by", T}};
    c.insert(c.end(), rest.begin(), rest.end());
    return c;
}

// A finding where it was found: issues (merge) and progress_issues (progress).
std::vector<Column> finding_columns() {
    return {{"file", T}, {"sheet", T}, {"row", I},      {"col", T},
            {"value", T}, {"code", T}, {"severity", T}, {"message", T}};
}

std::vector<Column> with_first(Column first, std::vector<Column> rest) {
    rest.insert(rest.begin(), first);
    return rest;
}

std::vector<Table> declare() {
    std::vector<Table> t;
    t.push_back({"villages", "村庄及清洁取暖改造计划", "merge", true, true, Key::fid, village_columns()});
    t.push_back({"plan_rows",
                 "导入的计划表数据行", "merge",
                 false,
                 true,
                 Key::fid,
                 {{"file", T},
                  {"sheet", T},
                  {"row", I},
                  {"village_code", T},
                  {"village_name", T},
                  {"county_code", T},
                  {"township_as_written", T},
                  {"name_as_written", T},
                  {"code_as_written", T},
                  {"matched_by", T},
                  {"route", T},
                  {"route_name", T},
                  {"route_detail", T},
                  {"route_text", T},
                  {"col", T},
                  {"device", T},
                  {"households", L},
                  {"plan_start", T},
                  {"plan_end", T},
                  {"remark", T}}});
    t.push_back({"heating",
                 "城市（县城）新增集中供热计划", "merge",
                 false,
                 true,
                 Key::fid,
                 {{"county_code", T},
                  {"unit_name", T},
                  {"unit_as_written", T},
                  {"area_m2", R},
                  {"area_10k_m2", R},
                  {"heat_source", T},
                  {"remark", T},
                  {"file", T},
                  {"sheet", T},
                  {"row", I}}});
    t.push_back({"issues",
                 "数据问题清单", "merge",
                 false,
                 true,
                 Key::fid,
                 finding_columns()});
    t.push_back({"inputs",
                 "输入文件及行数核对", "merge",
                 false,
                 true,
                 Key::fid,
                 {{"path", T},
                  {"kind", T},
                  {"sha256", T},
                  {"bytes", L},
                  {"encoding", T},
                  {"sheets", T},
                  {"rows_read", I},
                  {"rows_loaded", I},
                  {"rows_rejected", I},
                  {"rows_blank", I},
                  {"rows_header", I},
                  {"rows_aggregate", I},
                  {"rows_note", I},
                  {"refused", T},
                  {"mapping", T}}});
    t.push_back({"run_info", "运行信息", "merge", false, true, Key::fid, {{"key", T}, {"value", T}}});
    // QGIS's own table of layer styles: the map styles as QML (render/qml.hpp), read by QGIS when it
    // opens a layer, so that it shows the printed maps' colours and classes
    t.push_back({"layer_styles",
                 "QGIS图层样式（由styles/*.json生成）", "merge",
                 false,
                 true,
                 Key::fid,
                 {{"f_table_catalog", T},
                  {"f_table_schema", T},
                  {"f_table_name", T},
                  {"f_geometry_column", T},
                  {"styleName", T},
                  {"styleQML", T},
                  {"styleSLD", T},
                  {"useAsDefault", I},
                  {"description", T},
                  {"owner", T},
                  {"ui", T},
                  {"update_time", T}}});
    t.push_back({"run_log",
                 "运行记录", "merge",
                 false,
                 true,
                 Key::fid,
                 {{"command", T},
                  {"arguments", T},
                  {"tool_version", T},
                  {"started_at", T},
                  {"finished_at", T},
                  {"details", T}},
                 true});
    t.push_back({"progress_imports",
                 "进度报告导入记录", "progress",
                 false,
                 true,
                 Key::import_id,
                 {{"file", T},
                  {"sha256", T},
                  {"report_date", D},
                  {"county_code", T},
                  {"county_name", T},
                  {"sheets", T},
                  {"rows_read", I},
                  {"rows_applied", I},
                  {"rows_unchanged", I},
                  {"rows_rejected", I},
                  {"imported_at", T}},
                 true});
    t.push_back({"progress_ledger",
                 "进度台账（只追加）", "progress",
                 false,
                 true,
                 Key::fid,
                 {{"import_id", I},         {"report_date", D},     {"county_code", T},
                  {"village_fid", I},       {"village_code", T},    {"village_name", T},
                  {"file", T},              {"sheet", T},           {"row", I},
                  {"code_as_written", T},   {"name_as_written", T}, {"township_as_written", T},
                  {"planned_reported", I},  {"started", I},         {"completed", I},
                  {"accepted", I},          {"start_date", T},      {"complete_date", T},
                  {"accept_date", T},       {"remark", T},          {"applied", I},
                  {"issue_code", T},        {"imported_at", T}},
                 true});
    t.push_back({"progress_issues",
                 "进度报告数据问题", "progress",
                 false,
                 true,
                 Key::fid,
                 with_first({"import_id", I}, finding_columns()),
                 true});
    t.push_back({"progress_latest",
                 "各村最新进度（由台账算出）", "progress",
                 false,
                 false,
                 Key::first_column,
                 {{"village_fid", I},
                  {"report_date", D},
                  {"import_id", I},
                  {"row", I},
                  {"started", I},
                  {"completed", I},
                  {"accepted", I},
                  {"since", D}}});
    t.push_back({"progress_trend",
                 "进度趋势（由台账算出）", "progress",
                 false,
                 false,
                 Key::first_column,
                 {{"report_date", D}, {"planned", I}, {"started", I}, {"completed", I}, {"accepted", I}}});
    t.push_back({"household_imports",
                 "到户清单导入记录", "households",
                 false,
                 true,
                 Key::import_id,
                 {{"file", T},
                  {"sha256", T},
                  {"county_code", T},
                  {"county_name", T},
                  {"list_year", I},
                  {"prior", I},
                  {"sheets", T},
                  {"rows_read", I},
                  {"rows_loaded", I},
                  {"rows_rejected", I},
                  {"villages", I},
                  {"revises", T},
                  {"imported_at", T},
                  {"status", T}},
                 true});
    // the households as listed: personal data (names, ID numbers, phones), read by the city office
    // and the unit's own role only; every output outside the finance desk masks them
    t.push_back({"households",
                 "到户改造清单（只追加）", "households",
                 false,
                 true,
                 Key::fid,
                 {{"import_id", I},       {"list_year", I},          {"county_code", T},     {"county_name", T},
                  {"township_code", T},   {"township_name", T},      {"village_fid", L},     {"village_code", T},
                  {"village_name", T},    {"holder_name", T},        {"id_number", T},       {"id_status", T},
                  {"phone", T},           {"address", T},            {"route", T},           {"route_name", T},
                  {"device", T},          {"contractor", T},         {"start_date", D},      {"complete_date", D},
                  {"accept_date", D},     {"accept_result", T},      {"rectify_date", D},    {"pledge_signed", I},
                  {"pledge_date", D},     {"hardship", T},           {"earlier_year", I},    {"declined", I},
                  {"decline_reason", T},  {"use_gas_m3", R},         {"use_electricity_kwh", R}, {"use_biomass_t", R},
                  {"blocked", I},         {"file", T},               {"sheet", T},           {"row", I},
                  {"remark", T}},
                 true});
    t.back().personal = true;
    t.push_back({"household_issues",
                 "到户清单数据问题", "households",
                 false,
                 true,
                 Key::fid,
                 with_first({"import_id", I}, finding_columns()),
                 true});
    // each household's subsidies of a season (cleanheat subsidy): no personal data, the household by fid
    t.push_back({"subsidies",
                 "补贴核算（按户、按补贴项目）", "subsidy",
                 false,
                 true,
                 Key::fid,
                 {{"season", T},       {"household_fid", L}, {"county_code", T}, {"county_name", T},
                  {"township_name", T}, {"village_fid", L},  {"village_code", T}, {"village_name", T},
                  {"route", T},         {"kind", T},         {"due", R},          {"paid", R},
                  {"withheld", R},      {"status", T},       {"reason_code", T},  {"reason", T},
                  {"payable_when_cleared", R}}});
    t.back().personal = true;  // who is poor (困难户补贴), who declined: the city office and the unit only
    t.push_back({"clusters",
                 "连片区域", "contiguity",
                 true,
                 true,
                 Key::fid,
                 {{"cluster_id", I},
                  {"villages", I},
                  {"households", R},
                  {"area_km2", R},
                  {"groups", T},
                  {"routes", T}}});
    t.back().long_geometries = true;
    t.push_back({"contiguity_groups",
                 "成方连片情况（按单位）", "contiguity",
                 false,
                 true,
                 Key::fid,
                 {{"by_field", T},
                  {"value", T},
                  {"name", T},
                  {"villages", I},
                  {"planned", I},
                  {"planned_households", R},
                  {"edges", I},
                  {"clusters", I},
                  {"isolated", I},
                  {"holes", I},
                  {"enclosed", I},
                  {"largest_villages", I},
                  {"largest_share", R},
                  {"block_share", R}}});
    t.push_back({"village_contiguity",
                 "各村成方连片情况", "contiguity",
                 false,
                 true,
                 Key::first_column,
                 with_first({"village_fid", L}, village_contiguity_columns())});
    t.push_back({"contiguity_findings",
                 "成方连片检查问题", "contiguity",
                 false,
                 true,
                 Key::fid,
                 {{"village_fid", L},
                  {"village_code", T},
                  {"village_name", T},
                  {"county", T},
                  {"code", T},
                  {"message", T}}});
    // the after-care service stations (cleanheat stations): the stations as loaded, one service area
    // (the policy's radius) each, every village's nearest station, the findings of the run
    t.push_back({"stations",
                 "清洁取暖运维服务站", "stations",
                 true,
                 true,
                 Key::fid,
                 {{"name", T},
                  {"phone", T},
                  {"county_code", T},
                  {"county_name", T},
                  {"township_code", T},
                  {"township_name", T},
                  {"township_as_written", T},
                  {"villages", I},
                  {"planned_villages", I},
                  {"planned_households", L},
                  {"farthest_planned_m", R},
                  {"file", T},
                  {"layer", T},
                  {"row", I}}});
    t.back().geometry = "POINT";
    t.push_back({"station_areas",
                 "运维服务站服务范围", "stations",
                 true,
                 true,
                 Key::fid,
                 {{"station_fid", L}, {"name", T}, {"county_code", T}, {"township_name", T}, {"radius_m", R}}});
    t.push_back({"village_stations",
                 "各村最近的运维服务站", "stations",
                 false,
                 true,
                 Key::first_column,
                 {{"village_fid", L},
                  {"station_fid", L},
                  {"station_name", T},
                  {"distance_m", R},
                  {"station_reach", T}}});
    t.push_back({"station_findings",
                 "运维服务站检查问题", "stations",
                 false,
                 true,
                 Key::fid,
                 with_first({"county_code", T},
                            with_first({"township_code", T}, with_first({"township_name", T}, finding_columns())))});
    return t;
}

const char* sql_type(ColumnType type) {
    switch (type) {
        case ColumnType::text:
            return "TEXT";
        case ColumnType::integer:
        case ColumnType::integer64:
            return "INTEGER";
        case ColumnType::real:
            return "REAL";
        case ColumnType::date:
            return "DATE";
    }
    return "TEXT";
}

std::string create_sql(const Table& t) {
    std::string sql = "CREATE TABLE " + sql_identifier(t.name) + " (";
    std::size_t first = 0;
    switch (t.key) {
        case Key::fid:
            sql += "fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL";
            break;
        case Key::import_id:
            sql += "import_id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL";
            break;
        case Key::first_column:
            sql += sql_identifier(t.columns.at(0).name) + " " + sql_type(t.columns[0].type) + " PRIMARY KEY";
            first = 1;
            break;
    }
    if (t.features) sql += std::string(", geom ") + t.geometry;
    for (std::size_t i = first; i < t.columns.size(); ++i)
        sql += ", " + sql_identifier(t.columns[i].name) + " " + sql_type(t.columns[i].type);
    return sql + ")";
}

}  // namespace

const std::vector<Table>& tables() {
    static const std::vector<Table> all = declare();
    return all;
}

const Table& table(const std::string& name) {
    for (const auto& t : tables())
        if (name == t.name) return t;
    throw std::logic_error("dataset table not declared: " + name);
}

std::string route_column(Route route) { return std::string("households_") + route_key(route); }

std::string route_columns(const std::string& function) {
    std::string list;
    for (Route r : kRoutes) {
        const std::string column = route_column(r);
        list += (list.empty() ? "" : ", ") + (function.empty() ? column : function + "(" + column + ")");
    }
    return list;
}

const std::vector<Column>& village_progress_columns() {
    static const std::vector<Column> c = {{"status", T},
                                          {"households_started", L},
                                          {"households_completed", L},
                                          {"households_accepted", L},
                                          {"status_date", D},
                                          {"progress_stage", T},
                                          {"progress_late", I}};
    return c;
}

const std::vector<Column>& village_contiguity_columns() {
    static const std::vector<Column> c = {{"cluster_id", I},       {"cluster_size", I}, {"route_cluster_id", I},
                                          {"group_cluster_id", I}, {"isolated", I},     {"hole", I},
                                          {"enclosed", I},         {"contiguity", T}};
    return c;
}

const std::vector<Column>& village_spot_check_columns() {
    static const std::vector<Column> c = {{"spot_check", I}};
    return c;
}

const std::vector<Column>& village_columns_of(const std::string& command) {
    static const std::vector<Column> none;
    if (command == "progress") return village_progress_columns();
    if (command == "spotcheck") return village_spot_check_columns();
    return none;
}

std::vector<FieldSpec> writer_fields(const Table& table) {
    std::vector<FieldSpec> fields;
    for (const auto& c : table.columns) {
        OGRFieldType type = OFTString;
        if (c.type == ColumnType::integer) type = OFTInteger;
        if (c.type == ColumnType::integer64) type = OFTInteger64;
        if (c.type == ColumnType::real) type = OFTReal;
        if (c.type == ColumnType::date) type = OFTDate;
        fields.push_back({c.name, type});
    }
    return fields;
}

void create_table(const SqliteDb& db, const Table& table, int srs_id) {
    if (db.has_table(table.name)) return;
    db.exec(create_sql(table));
    if (table.registered)
        gpkg_register_layer(db, table.name, table.features, srs_id, table.description, table.geometry);
}

void recreate_table(const SqliteDb& db, const Table& table, int srs_id) {
    gpkg_drop_layer(db, table.name);
    create_table(db, table, srs_id);
}

void add_missing_columns(const SqliteDb& db, const std::string& table_name, const std::vector<Column>& columns) {
    const auto existing = db.columns(table_name);
    for (const auto& c : columns)
        if (std::find(existing.begin(), existing.end(), c.name) == existing.end())
            db.exec("ALTER TABLE " + sql_identifier(table_name) + " ADD COLUMN " + sql_identifier(c.name) + " " +
                    sql_type(c.type));
}

bool move_contiguity_fields(const SqliteDb& db, const std::string& layer) {
    std::vector<std::string> present;
    for (const auto& c : village_contiguity_columns())
        if (db.has_column(layer, c.name)) present.emplace_back(c.name);
    if (present.empty()) return false;
    register_gpkg_functions(db.handle());  // the layer's triggers name them; ALTER TABLE checks them
    std::string key = "fid";
    db.each("SELECT name FROM pragma_table_info(" + sql_literal(layer) + ") WHERE pk = 1",
            [&](sqlite3_stmt* st) { key = sql_text(st, 0); });
    recreate_table(db, table("village_contiguity"));
    std::string names, any;
    for (const auto& c : present) {
        names += ", " + sql_identifier(c);
        any += (any.empty() ? "" : " OR ") + sql_identifier(c) + " IS NOT NULL";
    }
    db.exec("INSERT INTO village_contiguity (village_fid" + names + ") SELECT " + sql_identifier(key) + names +
            " FROM " + sql_identifier(layer) + " WHERE " + any);
    for (const auto& c : present) db.exec("ALTER TABLE " + sql_identifier(layer) + " DROP COLUMN " + sql_identifier(c));
    return true;
}

std::string insert_sql(const Table& table, const std::vector<std::string>& columns) {
    std::string names, values;
    for (std::size_t i = 0; i < columns.size(); ++i) {
        if (std::none_of(table.columns.begin(), table.columns.end(),
                         [&](const Column& c) { return columns[i] == c.name; }) &&
            columns[i] != "fid" && columns[i] != "geom" && !(columns[i] == "import_id" && table.key == Key::import_id))
            throw std::logic_error(std::string("column not declared: ") + table.name + "." + columns[i]);
        names += (i ? ", " : "") + sql_identifier(columns[i]);
        values += (i ? ", ?" : "?") + std::to_string(i + 1);
    }
    return "INSERT INTO " + sql_identifier(table.name) + " (" + names + ") VALUES (" + values + ")";
}

std::string sqlite_select(const Column& column, const std::string& prefix) {
    const std::string name = prefix + sql_identifier(column.name);
    return column.type == ColumnType::date ? "NULLIF(" + name + ", '')" : name;
}

std::string insert_sql(const Table& table) {
    std::vector<std::string> columns;
    for (const auto& c : table.columns) columns.emplace_back(c.name);
    return insert_sql(table, columns);
}

}  // namespace cleanheat::dataset

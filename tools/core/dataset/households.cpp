#include "dataset/households.hpp"

#include "dataset/schema.hpp"

namespace cleanheat::dataset {
namespace {

const char* kHouseholdColumns =
    "import_id, list_year, county_code, county_name, township_code, township_name, village_fid, village_code, "
    "village_name, holder_name, id_number, id_status, phone, address, route, route_name, device, contractor, "
    "start_date, complete_date, accept_date, accept_result, rectify_date, pledge_signed, pledge_date, hardship, "
    "earlier_year, declined, decline_reason, use_gas_m3, use_electricity_kwh, use_biomass_t, blocked, file, sheet, "
    "row, remark";

std::optional<double> optional_real(sqlite3_stmt* st, int i) {
    if (sqlite3_column_type(st, i) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(st, i);
}

}  // namespace

void create_household_tables(const SqliteDb& db) {
    for (const char* name : {"household_imports", "households", "household_issues"}) create_table(db, table(name));
}

bool has_households(const SqliteDb& db) { return db.has_table("households") && db.has_table("household_imports"); }

std::vector<HouseholdImport> read_household_imports(const SqliteDb& db) {
    std::vector<HouseholdImport> out;
    if (!db.has_table("household_imports")) return out;
    db.each(
        "SELECT import_id, file, sha256, county_code, county_name, list_year, prior, sheets, rows_read, rows_loaded, "
        "rows_rejected, villages, revises, imported_at, status FROM household_imports ORDER BY import_id",
        [&](sqlite3_stmt* st) {
            HouseholdImport i;
            i.import_id = sqlite3_column_int64(st, 0);
            i.file = sql_text(st, 1);
            i.sha256 = sql_text(st, 2);
            i.county_code = sql_text(st, 3);
            i.county_name = sql_text(st, 4);
            i.list_year = sqlite3_column_int(st, 5);
            i.prior = sqlite3_column_int(st, 6) != 0;
            i.sheets = sql_text(st, 7);
            i.rows_read = sqlite3_column_int(st, 8);
            i.rows_loaded = sqlite3_column_int(st, 9);
            i.rows_rejected = sqlite3_column_int(st, 10);
            i.villages = sqlite3_column_int(st, 11);
            i.revises = sql_text(st, 12);
            i.imported_at = sql_text(st, 13);
            i.status = sql_text(st, 14);
            out.push_back(std::move(i));
        });
    return out;
}

std::vector<StoredHousehold> read_households(const SqliteDb& db, bool contact) {
    std::vector<StoredHousehold> out;
    if (!db.has_table("households")) return out;
    out.reserve(static_cast<std::size_t>(db.scalar("SELECT count(*) FROM households")));
    db.each(std::string("SELECT fid, ") + kHouseholdColumns + " FROM households ORDER BY import_id, fid",
            [&](sqlite3_stmt* st) {
                StoredHousehold& h = out.emplace_back();
                int c = 0;
                h.fid = sqlite3_column_int64(st, c++);
                h.import_id = sqlite3_column_int64(st, c++);
                h.list_year = sqlite3_column_int(st, c++);
                h.county_code = sql_text(st, c++);
                h.county_name = sql_text(st, c++);
                h.township_code = sql_text(st, c++);
                h.township_name = sql_text(st, c++);
                h.village_fid = sqlite3_column_int64(st, c++);
                h.village_code = sql_text(st, c++);
                h.village_name = sql_text(st, c++);
                const std::string holder_name = sql_text(st, c++), id_number = sql_text(st, c++);
                h.id_status = sql_text(st, c++);
                if (contact)
                    h.set_personal(holder_name, id_number, sql_text(st, c), sql_text(st, c + 1));
                else
                    h.set_personal(holder_name, id_number, {}, {});
                c += 2;
                h.route = sql_text(st, c++);
                h.route_name = sql_text(st, c++);
                h.device = sql_text(st, c++);
                h.contractor = sql_text(st, c++);
                h.start_date = sql_text(st, c++);
                h.complete_date = sql_text(st, c++);
                h.accept_date = sql_text(st, c++);
                h.accept_result = sql_text(st, c++);
                h.rectify_date = sql_text(st, c++);
                h.pledge_signed = sqlite3_column_int(st, c++) != 0;
                h.pledge_date = sql_text(st, c++);
                h.hardship = sql_text(st, c++);
                h.earlier_year = sqlite3_column_int(st, c++);
                h.declined = sqlite3_column_int(st, c++) != 0;
                h.decline_reason = sql_text(st, c++);
                h.use_gas_m3 = optional_real(st, c++);
                h.use_electricity_kwh = optional_real(st, c++);
                h.use_biomass_t = optional_real(st, c++);
                h.blocked = sqlite3_column_int(st, c++) != 0;
                h.file = sql_text(st, c++);
                h.sheet = sql_text(st, c++);
                h.row = sqlite3_column_int(st, c++);
                h.remark = sql_text(st, c++);
            });
    return out;
}

std::vector<std::pair<long long, Issue>> read_household_issues(const SqliteDb& db) {
    std::vector<std::pair<long long, Issue>> out;
    if (!db.has_table("household_issues")) return out;
    db.each("SELECT import_id, file, sheet, row, col, value, code, severity, message FROM household_issues ORDER BY fid",
            [&](sqlite3_stmt* st) {
                Issue i;
                i.file = sql_text(st, 1);
                i.sheet = sql_text(st, 2);
                i.row = sqlite3_column_int(st, 3);
                i.column = sql_text(st, 4);
                i.value = sql_text(st, 5);
                i.code = sql_text(st, 6);
                i.severity = sql_text(st, 7) == "error" ? Severity::error : Severity::warning;
                i.message = sql_text(st, 8);
                out.emplace_back(sqlite3_column_int64(st, 0), std::move(i));
            });
    return out;
}

HouseholdWriter::HouseholdWriter(const SqliteDb& db)
    : db_(db),
      household_(db, std::string("INSERT INTO households (") + kHouseholdColumns +
                         ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
                         "?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33, ?34, ?35, ?36, ?37)"),
      issue_(db, insert_sql(table("household_issues"))) {}

long long HouseholdWriter::add_import(const HouseholdImport& i) {
    SqlStatement insert(db_, insert_sql(table("household_imports")));
    insert.text(1, i.file).text(2, i.sha256).text(3, i.county_code).text(4, i.county_name).integer(5, i.list_year);
    insert.integer(6, i.prior ? 1 : 0).text(7, i.sheets).integer(8, i.rows_read).integer(9, i.rows_loaded);
    insert.integer(10, i.rows_rejected).integer(11, i.villages).text(12, i.revises).text(13, i.imported_at);
    insert.text(14, i.status).run();
    return sqlite3_last_insert_rowid(db_.handle());
}

void HouseholdWriter::finish_import(const HouseholdImport& i) {
    SqlStatement update(db_,
                        "UPDATE household_imports SET county_code = ?2, county_name = ?3, rows_read = ?4, "
                        "rows_loaded = ?5, rows_rejected = ?6, villages = ?7, revises = ?8 WHERE import_id = ?1");
    update.integer(1, i.import_id).text(2, i.county_code).text(3, i.county_name).integer(4, i.rows_read);
    update.integer(5, i.rows_loaded).integer(6, i.rows_rejected).integer(7, i.villages).text(8, i.revises).run();
}

void HouseholdWriter::add(const StoredHousehold& h) {
    auto& s = household_;
    auto optional = [&](int i, OptionalReal v) {
        if (v)
            s.real(i, *v);
        else
            s.null(i);
    };
    s.integer(1, h.import_id).integer(2, h.list_year).text_ref(3, h.county_code).text_ref(4, h.county_name);
    s.text_ref(5, h.township_code).text_ref(6, h.township_name).integer(7, h.village_fid).text_ref(8, h.village_code);
    s.text_ref(9, h.village_name).text_ref(10, h.holder_name()).text_ref(11, h.id_number()).text_ref(12, h.id_status);
    s.text_ref(13, h.phone()).text_ref(14, h.address()).text_ref(15, h.route).text_ref(16, h.route_name).text_ref(17, h.device).text_ref(18, h.contractor);
    auto date = [&](int i, const PooledText& v) {  // a date column: NULL when not given
        if (v.empty())
            s.null(i);
        else
            s.text_ref(i, v);
    };
    date(19, h.start_date);
    date(20, h.complete_date);
    date(21, h.accept_date);
    s.text_ref(22, h.accept_result);
    date(23, h.rectify_date);
    s.integer(24, h.pledge_signed ? 1 : 0);
    date(25, h.pledge_date);
    s.text_ref(26, h.hardship);
    s.integer(27, h.earlier_year).integer(28, h.declined ? 1 : 0).text_ref(29, h.decline_reason);
    optional(30, h.use_gas_m3);
    optional(31, h.use_electricity_kwh);
    optional(32, h.use_biomass_t);
    s.integer(33, h.blocked ? 1 : 0).text_ref(34, h.file).text_ref(35, h.sheet).integer(36, h.row).text_ref(37, h.remark);
    s.run();
}

void HouseholdWriter::add_issue(long long import_id, const Issue& i) {
    issue_.integer(1, import_id).text(2, i.file).text(3, i.sheet).integer(4, i.row).text(5, i.column).text(6, i.value);
    issue_.text(7, i.code).text(8, severity_name(i.severity)).text(9, i.message).run();
}

}  // namespace cleanheat::dataset

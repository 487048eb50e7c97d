#include "dataset/filter.hpp"

#include <algorithm>
#include <set>
#include <stdexcept>

#include "base/error.hpp"
#include "base/text.hpp"
#include "io/sqlite_util.hpp"

namespace cleanheat::dataset {

// The rows, column by column as they were given: the virtual table the filter reads (no SQLite
// table is written, no row inserted).
struct MemoryFilter::Rows {
    struct Cell {
        int type = SQLITE_NULL;
        long long integer = 0;
        double real = 0;
        std::size_t at = 0, size = 0;  // text: its bytes in `text`
    };
    std::size_t columns = 0;          // fields, after the fid
    std::vector<long long> fids;
    std::vector<Cell> cells;          // row by row, `columns` each
    std::string text;
};

// Takes a row's values in order (after its fid).
class MemoryFilter::Binder : public RowOut {
public:
    explicit Binder(Rows& rows) : rows_(rows) {}
    void integer(long long v) override {
        Rows::Cell c;
        c.type = SQLITE_INTEGER;
        c.integer = v;
        rows_.cells.push_back(c);
    }
    void real(double v) override {
        Rows::Cell c;
        c.type = SQLITE_FLOAT;
        c.real = v;
        rows_.cells.push_back(c);
    }
    void text(std::string_view v) override {
        Rows::Cell c;
        c.type = SQLITE_TEXT;
        c.at = rows_.text.size();
        c.size = v.size();
        rows_.text.append(v);
        rows_.cells.push_back(c);
    }
    void null() override { rows_.cells.emplace_back(); }
    void geometry(const std::vector<unsigned char>&) override { throw std::logic_error("a filter field is no geometry"); }

private:
    Rows& rows_;
};

namespace {

// SQLite's virtual table over MemoryFilter::Rows: a scan in the order the rows were given (fid
// order, which it tells SQLite so that ORDER BY fid sorts nothing), rowid = fid.
struct RowsTable {
    sqlite3_vtab base{};
    const void* rows = nullptr;
    std::string schema;
};
struct RowsCursor {
    sqlite3_vtab_cursor base{};
    std::size_t row = 0, end = 0;
};

template <class Rows>
const Rows& rows_of(sqlite3_vtab* table) {
    return *static_cast<const Rows*>(reinterpret_cast<RowsTable*>(table)->rows);
}

template <class Rows>
sqlite3_module rows_module() {
    sqlite3_module m{};
    m.iVersion = 1;
    auto connect = [](sqlite3* db, void* aux, int, const char* const*, sqlite3_vtab** out, char**) -> int {
        auto* table = static_cast<RowsTable*>(aux);
        const int rc = sqlite3_declare_vtab(db, table->schema.c_str());
        if (rc != SQLITE_OK) return rc;
        auto* made = new RowsTable{{}, table->rows, table->schema};
        *out = &made->base;
        return SQLITE_OK;
    };
    m.xCreate = connect;
    m.xConnect = connect;
    m.xBestIndex = [](sqlite3_vtab*, sqlite3_index_info* info) -> int {
        // rows come in fid order: an ORDER BY fid (column 0, or the rowid) ascending is met as they are
        info->orderByConsumed = info->nOrderBy == 1 && !info->aOrderBy[0].desc &&
                                (info->aOrderBy[0].iColumn == 0 || info->aOrderBy[0].iColumn == -1);
        info->estimatedCost = 1e6;
        // fid = value (a subquery's lookup): the rows of that fid by a binary search, as a table's
        // key finds them; SQLite checks the condition again (a value that is no integer: every row)
        for (int i = 0; i < info->nConstraint; ++i) {
            const auto& c = info->aConstraint[i];
            if (!c.usable || c.op != SQLITE_INDEX_CONSTRAINT_EQ || (c.iColumn != 0 && c.iColumn != -1)) continue;
            info->aConstraintUsage[i].argvIndex = 1;
            info->idxNum = 1;
            info->estimatedCost = 10;
            info->estimatedRows = 1;
            break;
        }
        return SQLITE_OK;
    };
    auto disconnect = [](sqlite3_vtab* table) -> int {
        delete reinterpret_cast<RowsTable*>(table);
        return SQLITE_OK;
    };
    m.xDisconnect = disconnect;
    m.xDestroy = disconnect;
    m.xOpen = [](sqlite3_vtab*, sqlite3_vtab_cursor** out) -> int {
        *out = &(new RowsCursor)->base;
        return SQLITE_OK;
    };
    m.xClose = [](sqlite3_vtab_cursor* cursor) -> int {
        delete reinterpret_cast<RowsCursor*>(cursor);
        return SQLITE_OK;
    };
    m.xFilter = [](sqlite3_vtab_cursor* cursor, int plan, const char*, int, sqlite3_value** values) -> int {
        const std::vector<long long>& fids = rows_of<Rows>(cursor->pVtab).fids;
        auto* at = reinterpret_cast<RowsCursor*>(cursor);
        at->row = 0;
        at->end = fids.size();
        if (plan == 1 && sqlite3_value_type(values[0]) == SQLITE_INTEGER) {
            const auto range = std::equal_range(fids.begin(), fids.end(), sqlite3_value_int64(values[0]));
            at->row = static_cast<std::size_t>(range.first - fids.begin());
            at->end = static_cast<std::size_t>(range.second - fids.begin());
        }
        return SQLITE_OK;
    };
    m.xNext = [](sqlite3_vtab_cursor* cursor) -> int {
        ++reinterpret_cast<RowsCursor*>(cursor)->row;
        return SQLITE_OK;
    };
    m.xEof = [](sqlite3_vtab_cursor* cursor) -> int {
        const auto* at = reinterpret_cast<RowsCursor*>(cursor);
        return at->row >= at->end;
    };
    m.xColumn = [](sqlite3_vtab_cursor* cursor, sqlite3_context* out, int column) -> int {
        const Rows& rows = rows_of<Rows>(cursor->pVtab);
        const std::size_t row = reinterpret_cast<RowsCursor*>(cursor)->row;
        if (column == 0) {
            sqlite3_result_int64(out, rows.fids[row]);
            return SQLITE_OK;
        }
        const auto& c = rows.cells[row * rows.columns + static_cast<std::size_t>(column - 1)];
        if (c.type == SQLITE_INTEGER) {
            sqlite3_result_int64(out, c.integer);
        } else if (c.type == SQLITE_FLOAT) {
            sqlite3_result_double(out, c.real);
        } else if (c.type == SQLITE_TEXT) {
            sqlite3_result_text(out, rows.text.data() + c.at, static_cast<int>(c.size), SQLITE_STATIC);
        } else {
            sqlite3_result_null(out);
        }
        return SQLITE_OK;
    };
    m.xRowid = [](sqlite3_vtab_cursor* cursor, sqlite3_int64* rowid) -> int {
        *rowid = rows_of<Rows>(cursor->pVtab).fids[reinterpret_cast<RowsCursor*>(cursor)->row];
        return SQLITE_OK;
    };
    return m;
}

}  // namespace

void refuse_aggregate_filter(sqlite3* db, const std::string& layer, const std::string& filter) {
    sqlite3_stmt* check = nullptr;
    const std::string sql = "SELECT 1 FROM " + sql_identifier(layer) + " WHERE (" + filter + ")";
    const int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &check, nullptr);
    const std::string message = rc == SQLITE_OK ? "" : sqlite3_errmsg(db);
    sqlite3_finalize(check);
    if (message.rfind("misuse of aggregate", 0) == 0)
        throw UsageError("--planned \"" + filter + "\": " + message +
                         " (the filter keeps a village or not by its own fields)");
}

MemoryFilter::MemoryFilter(const std::string& layer, const std::string& filter, const std::vector<Column>& fields,
                           const std::vector<std::string>& words)
    : filter_(filter) {
    std::set<std::string> named, taken;
    for (const auto& w : words) named.insert(lower_ascii(w));
    if (named.count("geom")) {
        needs_the_dataset_ = true;
        return;
    }
    for (const auto& c : fields)
        if (named.count(lower_ascii(c.name)) && taken.insert(lower_ascii(c.name)).second) fields_.push_back(c);
    if (sqlite3_open_v2(":memory:", &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        sqlite3_close(db_);
        throw std::runtime_error("SQLite in memory: cannot open");
    }
    try {
        prepare(layer);
    } catch (...) {  // no destructor for an object not made
        sqlite3_finalize(select_);
        sqlite3_close(db_);
        throw;
    }
}

void MemoryFilter::prepare(const std::string& layer) {
    rows_ = std::make_unique<Rows>();
    rows_->columns = fields_.size();
    std::string schema = "CREATE TABLE x(fid INTEGER";
    for (const auto& field : fields_) {
        const ColumnType type = field.type;
        schema += ", " + sql_identifier(field.name) +
                  (textual(type) ? " TEXT" : type == ColumnType::real ? " REAL" : " INTEGER");
    }
    static const sqlite3_module module = rows_module<Rows>();
    table_ = std::make_unique<RowsTable>();
    auto* table = static_cast<RowsTable*>(table_.get());
    table->rows = rows_.get();
    table->schema = schema + ")";
    if (sqlite3_create_module_v2(db_, "cleanheat_rows", &module, table, nullptr) != SQLITE_OK ||
        sqlite3_exec(db_, ("CREATE VIRTUAL TABLE " + sql_identifier(layer) + " USING cleanheat_rows").c_str(), nullptr,
                     nullptr, nullptr) != SQLITE_OK)
        fail("cannot make its table");
    const std::string select =
        "SELECT CASE WHEN (" + filter_ + ") THEN 1 ELSE 0 END FROM " + sql_identifier(layer) + " ORDER BY fid";
    refuse_aggregate_filter(db_, layer, filter_);
    if (sqlite3_prepare_v2(db_, select.c_str(), -1, &select_, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db_);
        if (message.rfind("no such table", 0) == 0) {
            needs_the_dataset_ = true;
            return;
        }
        throw UsageError("--planned \"" + filter_ + "\": " + message);
    }
    binder_ = std::make_unique<Binder>(*rows_);
}

MemoryFilter::~MemoryFilter() {
    sqlite3_finalize(select_);
    sqlite3_close(db_);
}

void MemoryFilter::fail(const std::string& what) const {
    throw std::runtime_error("SQLite in memory: " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

RowOut& MemoryFilter::row(long long fid) {
    if (!binder_) throw std::logic_error("MemoryFilter::row on a filter that needs the dataset");
    rows_->fids.push_back(fid);
    return *binder_;
}

void MemoryFilter::add() {
    if (rows_->cells.size() != rows_->fids.size() * rows_->columns) throw std::logic_error("MemoryFilter: a row short");
}

std::vector<std::uint8_t> MemoryFilter::evaluate() {
    std::vector<std::uint8_t> holds;
    holds.reserve(rows_->fids.size());
    int rc;
    while ((rc = sqlite3_step(select_)) == SQLITE_ROW) holds.push_back(sqlite3_column_int(select_, 0) != 0 ? 1 : 0);
    if (rc != SQLITE_DONE || holds.size() != rows_->fids.size())
        throw UsageError("--planned \"" + filter_ + "\": " + sqlite3_errmsg(db_));
    return holds;
}

}  // namespace cleanheat::dataset

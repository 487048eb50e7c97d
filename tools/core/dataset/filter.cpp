#include "dataset/filter.hpp"

#include <set>
#include <stdexcept>

#include "base/error.hpp"
#include "base/text.hpp"
#include "io/sqlite_util.hpp"

namespace cleanheat::dataset {

// Binds a row's values to the INSERT in order (parameter 1 is the fid).
class MemoryFilter::Binder : public RowOut {
public:
    explicit Binder(sqlite3_stmt* insert) : insert_(insert) {}
    void start(long long fid) {
        sqlite3_bind_int64(insert_, 1, fid);
        at_ = 1;
    }
    void integer(long long v) override { sqlite3_bind_int64(insert_, ++at_, v); }
    void real(double v) override { sqlite3_bind_double(insert_, ++at_, v); }
    void text(std::string_view v) override {
        sqlite3_bind_text(insert_, ++at_, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    }
    void null() override { sqlite3_bind_null(insert_, ++at_); }
    void geometry(const std::vector<unsigned char>&) override { throw std::logic_error("a filter field is no geometry"); }

private:
    sqlite3_stmt* insert_;
    int at_ = 1;
};

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
        sqlite3_finalize(insert_);
        sqlite3_close(db_);
        throw;
    }
}

void MemoryFilter::prepare(const std::string& layer) {
    std::string create = "CREATE TABLE " + sql_identifier(layer) + " (fid INTEGER PRIMARY KEY";
    std::string insert = "INSERT INTO " + sql_identifier(layer) + " VALUES (?1";
    for (std::size_t i = 0; i < fields_.size(); ++i) {
        const ColumnType type = fields_[i].type;
        create += ", " + sql_identifier(fields_[i].name) +
                  (type == ColumnType::text ? " TEXT" : type == ColumnType::real ? " REAL" : " INTEGER");
        insert += ", ?" + std::to_string(i + 2);
    }
    if (sqlite3_exec(db_, (create + "); BEGIN").c_str(), nullptr, nullptr, nullptr) != SQLITE_OK ||
        sqlite3_prepare_v2(db_, (insert + ")").c_str(), -1, &insert_, nullptr) != SQLITE_OK)
        fail("cannot make its table");
    const std::string select =
        "SELECT CASE WHEN (" + filter_ + ") THEN 1 ELSE 0 END FROM " + sql_identifier(layer) + " ORDER BY fid";
    if (sqlite3_prepare_v2(db_, select.c_str(), -1, &select_, nullptr) != SQLITE_OK) {
        const std::string message = sqlite3_errmsg(db_);
        if (message.rfind("no such table", 0) == 0) {
            needs_the_dataset_ = true;
            return;
        }
        throw UsageError("--planned \"" + filter_ + "\": " + message);
    }
    binder_ = std::make_unique<Binder>(insert_);
}

MemoryFilter::~MemoryFilter() {
    sqlite3_finalize(select_);
    sqlite3_finalize(insert_);
    sqlite3_close(db_);
}

void MemoryFilter::fail(const std::string& what) const {
    throw std::runtime_error("SQLite in memory: " + what + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

RowOut& MemoryFilter::row(long long fid) {
    if (!binder_) throw std::logic_error("MemoryFilter::row on a filter that needs the dataset");
    binder_->start(fid);
    return *binder_;
}

void MemoryFilter::add() {
    if (sqlite3_step(insert_) != SQLITE_DONE) fail("cannot add a row");
    sqlite3_reset(insert_);
    ++rows_;
}

std::vector<std::uint8_t> MemoryFilter::evaluate() {
    std::vector<std::uint8_t> holds;
    holds.reserve(static_cast<std::size_t>(rows_));
    int rc;
    while ((rc = sqlite3_step(select_)) == SQLITE_ROW) holds.push_back(sqlite3_column_int(select_, 0) != 0 ? 1 : 0);
    if (rc != SQLITE_DONE || static_cast<long long>(holds.size()) != rows_)
        throw UsageError("--planned \"" + filter_ + "\": " + sqlite3_errmsg(db_));
    return holds;
}

}  // namespace cleanheat::dataset

// A filter over a layer's rows (contiguity's --planned) evaluated by SQLite as on a GeoPackage,
// for rows that come from elsewhere (a dataset in a database): the fields the filter names are
// kept in memory and shown to SQLite as a (virtual) table named like the layer, its columns typed
// as a GeoPackage types them (INTEGER, REAL, TEXT affinity), so typeof(), numbers compared with
// text and LIKE answer as on the file.
#pragma once
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "dataset/results.hpp"
#include "dataset/schema.hpp"

namespace cleanheat::dataset {

// UsageError when `filter` over `layer` of `db` holds an aggregate function (max(), count() ...):
// a village is kept or not by its own row, and an aggregate would make the scan one row. Any
// other error is left to the statement that uses the filter.
void refuse_aggregate_filter(sqlite3* db, const std::string& layer, const std::string& filter);

class MemoryFilter {
public:
    // `layer`: the layer's name; `fields`: its declared columns; `words`: every word of the filter
    // (the fields it names among them, matched without case; of two fields differing only in case
    // the first, as SQLite). UsageError for a filter SQLite refuses, unless it refuses it for
    // naming a table that is not there (or the filter names the geometry): needs_the_dataset().
    MemoryFilter(const std::string& layer, const std::string& filter, const std::vector<Column>& fields,
                 const std::vector<std::string>& words);
    ~MemoryFilter();
    MemoryFilter(const MemoryFilter&) = delete;
    MemoryFilter& operator=(const MemoryFilter&) = delete;

    // The filter names what only the whole dataset has: another table, the geometry.
    bool needs_the_dataset() const { return needs_the_dataset_; }
    // The fields the filter names, in the order a row gives them.
    const std::vector<Column>& fields() const { return fields_; }
    // One row: its fid here, then the values of fields() into the RowOut, then add().
    RowOut& row(long long fid);
    void add();
    // For each row added, in fid order: whether the filter holds. UsageError when SQLite fails.
    std::vector<std::uint8_t> evaluate();

private:
    class Binder;
    struct Rows;
    void prepare(const std::string& layer);
    [[noreturn]] void fail(const std::string& what) const;
    std::string filter_;
    std::vector<Column> fields_;
    std::unique_ptr<Rows> rows_;
    std::shared_ptr<void> table_;  // what the virtual table module is given
    sqlite3* db_ = nullptr;
    sqlite3_stmt* select_ = nullptr;
    bool needs_the_dataset_ = false;
    std::unique_ptr<Binder> binder_;
};

}  // namespace cleanheat::dataset

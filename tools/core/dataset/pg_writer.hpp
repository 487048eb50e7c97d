// A new dataset written straight into a PostgreSQL schema prepared by `cleanheat db init`, the
// way GpkgWriter writes a new GeoPackage: the declared tables created, each table's rows sent
// into a COPY while they are made (the server stores them on the other core), then the keys,
// indexes, row-level security, grants and statistics, and the row counts checked; all of it one
// transaction under the dataset's lock, so that a reader sees the dataset before or after, never
// half of it, and a run that fails or is stopped leaves the database as it was.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "base/progress.hpp"
#include "dataset/schema.hpp"
#include "io/gpkg_writer.hpp"
#include "io/pg_connection.hpp"

namespace cleanheat::dataset {

class PgDatasetWriter {
public:
    // Connects and checks, before the work whose results it will write: the schema prepared by
    // db init (InputError), no dataset there unless `overwrite` (OutputError).
    PgDatasetWriter(const std::string& name, const std::string& schema, bool overwrite);
    // Without finish(): the COPY under way aborted and the transaction rolled back.
    ~PgDatasetWriter();
    PgDatasetWriter(const PgDatasetWriter&) = delete;
    PgDatasetWriter& operator=(const PgDatasetWriter&) = delete;

    // "<database> schema <schema>", as the outputs name it (no password).
    const std::string& label() const { return label_; }
    // The transaction begins and takes the dataset's lock; a dataset there is dropped
    // (with `overwrite`; without it, OutputError as at the start).
    void begin();
    // Creates a declared table with all its columns, empty; a feature table's geometry with the
    // EPSG code `srid` and the type the GeoPackage layer would declare (MULTIPOLYGON, GEOMETRY ...).
    void create_table(const Table& table, int srid = 0, const std::string& geometry_type = "GEOMETRY");
    // The rows of a table created above, its fields in declared order; the rows of the table
    // before are ended (and checked) here. Keys: given (RowSink::fid), else 1, 2, 3 ... in order.
    RowSink& rows(const std::string& table);
    // Ends the last table's rows, adds the keys, indexes, policies, grants and the QGIS styles,
    // checks that every table holds the rows sent, and commits. The villages written.
    long long finish(const Progress& progress);

private:
    struct Created;
    class Rows;
    void end_rows();
    void add_key(Created& c);
    std::unique_ptr<PgConnection> db_;
    std::string schema_, label_;
    bool overwrite_ = false, begun_ = false, finished_ = false;
    std::vector<Created> created_;
    std::unique_ptr<PgCopyIn> copy_;
    std::unique_ptr<Rows> rows_;
    Created* writing_ = nullptr;
};

}  // namespace cleanheat::dataset

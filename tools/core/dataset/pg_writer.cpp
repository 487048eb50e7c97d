#include "dataset/pg_writer.hpp"

#include <charconv>
#include <cstdio>
#include <cstring>

#include "base/error.hpp"
#include "base/notice.hpp"
#include "base/stop.hpp"
#include "dataset/pg_rows.hpp"
#include "dataset/pg_store.hpp"

namespace cleanheat::dataset {

struct PgDatasetWriter::Created {
    const Table* table;
    int srid = 0;
    long long sent = 0, copied = 0;  // rows made, rows the server took
    bool written = false;            // its rows ended and its key added
};

// One table's rows: each row's fields kept until insert() sends them in the COPY's order (the
// key, the geometry, the declared columns), as BulkInsert binds them to its statement.
class PgDatasetWriter::Rows final : public RowSink {
public:
    Rows(PgCopyIn& copy, Created& created)
        : copy_(copy), created_(created), values_(created.table->columns.size()),
          set_(created.table->columns.size(), false) {}
    void text(int field, const std::string& value) override { set(field, value.data(), value.size()); }
    void text_ref(int field, const std::string& value) override { set(field, value.data(), value.size()); }
    void text_ref(int field, const char* literal) override { set(field, literal, std::strlen(literal)); }
    void integer(int field, long long value) override {
        char text[24];
        const auto end = std::to_chars(text, text + sizeof text, value).ptr;
        set(field, text, static_cast<std::size_t>(end - text));
    }
    void real(int field, double value) override {  // every digit: the same double in the database
        char text[40];
        const int n = std::snprintf(text, sizeof text, "%.17g", value);
        set(field, text, static_cast<std::size_t>(n));
    }
    void null(int field) override {
        if (geometry_field(field)) {
            blob_.clear();
            return;
        }
        set_.at(static_cast<std::size_t>(field)) = false;
    }
    void fid(long long value) override { fid_ = value; }
    void geometry(std::string blob) override { blob_ = std::move(blob); }
    void insert() override {
        const Table& t = *created_.table;
        if (t.key != Key::first_column) {
            if (fid_ < 0) fid_ = last_fid_ + 1;
            last_fid_ = std::max(last_fid_, fid_);
            char text[24];
            const auto end = std::to_chars(text, text + sizeof text, fid_).ptr;
            copy_.field(text, static_cast<std::size_t>(end - text));
        }
        if (t.features) {
            if (blob_.empty()) {
                copy_.null();
            } else {
                if (!blob_to_hex_ewkb(reinterpret_cast<const unsigned char*>(blob_.data()), blob_.size(), created_.srid,
                                      hex_))
                    throw std::logic_error(std::string(t.name) + " fid " + std::to_string(fid_) +
                                           ": not a GeoPackage geometry blob");
                copy_.field(hex_);
            }
        }
        for (std::size_t i = 0; i < values_.size(); ++i) {
            if (set_[i])
                copy_.field(values_[i]);
            else
                copy_.null();
            set_[i] = false;
        }
        copy_.end_row();
        blob_.clear();
        fid_ = -1;
        ++created_.sent;
        if ((created_.sent & 4095) == 0) throw_if_stop_requested();
    }

private:
    bool geometry_field(int field) const { return created_.table->features && field == static_cast<int>(values_.size()); }
    void set(int field, const char* data, std::size_t size) {
        const auto i = static_cast<std::size_t>(field);
        values_.at(i).assign(data, size);
        set_[i] = true;
    }
    PgCopyIn& copy_;
    Created& created_;
    std::vector<std::string> values_;
    std::vector<bool> set_;
    std::string blob_, hex_;
    long long fid_ = -1, last_fid_ = 0;
};

PgDatasetWriter::PgDatasetWriter(const std::string& name, const std::string& schema, bool overwrite)
    : schema_(schema.empty() ? kDefaultPgSchema : schema), overwrite_(overwrite) {
    check_schema_name(schema_);
    db_ = std::make_unique<PgConnection>(pg_conninfo(name));
    label_ = db_->label() + " schema " + schema_;
    if (!pg_initialised(*db_, schema_))
        throw InputError(db_->label() + ": schema " + schema_ + " is not prepared for cleanheat",
                         "run 'cleanheat db init' on it first (docs/database.md)");
    if (!overwrite_ && pg_has_dataset(*db_, schema_))
        throw OutputError(label_ + " holds a dataset already; add --overwrite to replace it");
}

PgDatasetWriter::~PgDatasetWriter() {
    rows_.reset();
    copy_.reset();  // (a COPY under way aborted)
    if (begun_ && !finished_) db_->rollback();
}

void PgDatasetWriter::begin() {
    db_->exec("BEGIN");
    begun_ = true;
    pg_lock_dataset(*db_, schema_, label_);  // no other run writes it meanwhile
    if (pg_has_dataset(*db_, schema_)) {
        if (!overwrite_) throw OutputError(label_ + " holds a dataset already; add --overwrite to replace it");
        pg_drop_dataset(*db_, schema_);
    }
}

void PgDatasetWriter::create_table(const Table& table, int srid, const std::string& geometry_type) {
    if (!begun_ || copy_) throw std::logic_error("PgDatasetWriter: tables are created after begin(), before rows");
    pg_create_table(*db_, schema_, table, table.columns, srid, geometry_type, true);
    created_.push_back({&table, srid});
}

RowSink& PgDatasetWriter::rows(const std::string& table) {
    end_rows();
    Created* found = nullptr;
    for (auto& c : created_)
        if (table == c.table->name) found = &c;
    if (!found || found->written) throw std::logic_error("PgDatasetWriter: rows of " + table + ": not created, or written");
    const Table& t = *found->table;
    std::vector<std::string> names;
    if (t.key == Key::fid) names.emplace_back("fid");
    if (t.key == Key::import_id) names.emplace_back("import_id");
    if (t.features) names.emplace_back("geom");
    for (const auto& c : t.columns) names.emplace_back(c.name);
    copy_ = std::make_unique<PgCopyIn>(*db_, db_->identifier(schema_) + "." + db_->identifier(t.name), names, true);
    rows_ = std::make_unique<Rows>(*copy_, *found);
    writing_ = found;
    return *rows_;
}

void PgDatasetWriter::end_rows() {
    if (!writing_) return;
    rows_.reset();
    writing_->copied = copy_->finish();
    copy_.reset();
    Created& c = *writing_;
    writing_ = nullptr;
    add_key(c);
}

void PgDatasetWriter::add_key(Created& c) {
    pg_add_key(*db_, schema_, *c.table, c.table->columns);
    if (c.table->key != Key::first_column)  // new rows after these
        pg_continue_keys(*db_, schema_, c.table->name, c.table->key == Key::fid ? "fid" : "import_id");
    c.written = true;
}

long long PgDatasetWriter::finish(const Progress& progress) {
    end_rows();
    for (auto& c : created_)  // tables created and left empty: their keys all the same
        if (!c.written) add_key(c);
    progress.update(0.0, "Indexes and access rights");
    pg_secure_dataset(*db_, schema_);
    std::string why;  // the map styles where QGIS looks for them in a database
    if (pg_publish_qgis_styles(*db_, schema_, why) < 0) notice(why);
    const std::string s = db_->identifier(schema_);
    progress.update(0.6, "Statistics");
    for (const auto& c : created_) db_->exec("ANALYZE " + s + "." + db_->identifier(c.table->name));
    // checked before it is committed: every table holds the rows made for it
    long long villages = 0;
    for (const auto& c : created_) {
        const long long there = db_->query("SELECT count(*) FROM " + s + "." + db_->identifier(c.table->name)).integer(0, 0);
        if (there != c.sent || c.copied != c.sent)
            throw OutputError(label_ + ": the dataset does not check out: " + c.table->name + ": " +
                              std::to_string(c.sent) + " rows made, " + std::to_string(there) + " written");
        if (std::string(c.table->name) == "villages") villages = there;
    }
    throw_if_stop_requested();
    db_->exec("COMMIT");
    finished_ = true;
    progress.update(1.0, "done");
    return villages;
}

}  // namespace cleanheat::dataset

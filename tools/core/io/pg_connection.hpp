// A PostgreSQL connection (libpq): every statement parameterised or built from quoted
// identifiers, rows written in bulk with COPY, errors that name the database but never a
// password.
#pragma once
#include <libpq-fe.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <string_view>
#include <string>
#include <thread>
#include <vector>

namespace cleanheat {

// Whether a dataset name is a PostgreSQL connection in GDAL's syntax: PG:"dbname=... host=...".
bool is_pg_name(const std::string& name);
// The libpq connection string of a PG: name (the part after "PG:").
std::string pg_conninfo(const std::string& name);
// The connection as it may be shown: its keywords without the password.
std::string pg_label(const std::string& conninfo);

// One result set.
class PgResult {
public:
    explicit PgResult(PGresult* result) : result_(result) {}
    ~PgResult() { PQclear(result_); }
    PgResult(PgResult&& o) noexcept : result_(o.result_) { o.result_ = nullptr; }
    PgResult(const PgResult&) = delete;
    PgResult& operator=(const PgResult&) = delete;
    int rows() const { return PQntuples(result_); }
    int columns() const { return PQnfields(result_); }
    bool null(int row, int column) const { return PQgetisnull(result_, row, column) != 0; }
    // The text of a cell; throws std::out_of_range outside the result.
    std::string text(int row, int column) const;
    long long integer(int row, int column) const;
    std::string column_name(int column) const { return PQfname(result_, column); }
    // Rows an INSERT, UPDATE or DELETE changed.
    long long affected() const;

private:
    PGresult* result_;
};

class PgConnection {
public:
    // Connects (InputError "cannot connect" naming the database, never the password).
    explicit PgConnection(const std::string& conninfo);
    ~PgConnection();
    PgConnection(const PgConnection&) = delete;
    PgConnection& operator=(const PgConnection&) = delete;

    PGconn* handle() const { return conn_; }
    const std::string& label() const { return label_; }
    // Statements without results (several may be given, none with parameters).
    void exec(const std::string& sql) const;
    // A statement with $1, $2 ... bound to `params` (nullopt: NULL), sent apart from the SQL.
    PgResult query(const std::string& sql, const std::vector<std::optional<std::string>>& params = {}) const;
    // Ends the transaction without its changes; never throws (for the way out of an error).
    void rollback() const noexcept;
    // A quoted identifier: my"table -> "my""table".
    std::string identifier(const std::string& name) const;
    // A quoted literal, for the few statements that take no parameters (COMMENT ON ...).
    std::string literal(const std::string& text) const;
    // The SQLSTATE of the last error thrown by this connection (e.g. 42501 insufficient_privilege).
    const std::string& last_state() const { return last_state_; }

private:
    [[noreturn]] void fail(const std::string& what, PGresult* result) const;

    PGconn* conn_ = nullptr;
    std::string label_;
    mutable std::string last_state_;
};

// Rows into a table with COPY ... FROM STDIN (text format), buffered: field() or null() for
// every column, end_row(), then finish(). Ended without finish(), the COPY is aborted.
class PgCopyIn {
public:
    // `freeze`: COPY ... WITH (FREEZE), for a table made (or emptied by TRUNCATE) in this transaction:
    // its rows written frozen, no later reader sets their hint bits.
    // The rows are sent by a thread of their own, a chunk of about 1 MB at a time, while the next
    // chunk is made: making rows and the server's reading of them go side by side. The connection
    // is the sender's until finish() (or the destructor): the caller does not use it meanwhile.
    PgCopyIn(const PgConnection& connection, const std::string& qualified_table,
             const std::vector<std::string>& columns, bool freeze = false);
    ~PgCopyIn();
    PgCopyIn(const PgCopyIn&) = delete;
    PgCopyIn& operator=(const PgCopyIn&) = delete;
    void field(const std::string& value);
    void field(const char* data, std::size_t size);
    void null();
    void end_row();
    long long finish();  // the rows written

private:
    void flush();
    void send_chunks();          // the sender thread
    void wait_for_sender_idle();  // the chunk before sent (or the sender failed)
    void stop_sender();
    void separator();
    const PgConnection& connection_;
    std::string buffer_, sending_;
    bool row_started_ = false;
    bool done_ = false;
    long long rows_ = 0;
    std::mutex mutex_;
    std::condition_variable changed_;
    bool chunk_ready_ = false, stopping_ = false;
    std::string send_error_;  // the sender's failure, said by the next flush or finish
    std::thread sender_;
};

// The rows of a query streamed with COPY (...) TO STDOUT (FORMAT binary): the server writes
// while the caller reads (no round trip per batch), bytea as bytes (no hex). next() for each
// row, then its fields: integer() takes int2/int4/int8, real() float4/float8, bytes() and
// text() anything (text in the client encoding, UTF-8). InputError naming the database on a failure.
class PgCopyOut {
public:
    PgCopyOut(const PgConnection& connection, const std::string& select);
    ~PgCopyOut();  // before the end: the COPY cancelled and drained
    PgCopyOut(const PgCopyOut&) = delete;
    PgCopyOut& operator=(const PgCopyOut&) = delete;
    bool next();
    int fields() const { return static_cast<int>(fields_.size()); }
    bool null(int field) const { return fields_.at(static_cast<std::size_t>(field)).data() == nullptr; }
    std::string_view bytes(int field) const { return fields_.at(static_cast<std::size_t>(field)); }
    std::string text(int field) const { return std::string(bytes(field)); }
    long long integer(int field) const;
    double real(int field) const;

private:
    bool fill(std::size_t needed);  // at least `needed` unread bytes buffered; false at the end
    std::uint32_t u32();
    const PgConnection& connection_;
    std::string buffer_;
    std::size_t at_ = 0;
    std::vector<std::string_view> fields_;
    std::vector<std::pair<std::size_t, std::int32_t>> places_;  // a row's fields: offset, length
    bool header_read_ = false, done_ = false;
};

}  // namespace cleanheat

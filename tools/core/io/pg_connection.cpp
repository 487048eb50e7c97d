#include "io/pg_connection.hpp"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "base/error.hpp"
#include "base/stop.hpp"

namespace cleanheat {

bool is_pg_name(const std::string& name) { return name.rfind("PG:", 0) == 0 || name.rfind("pg:", 0) == 0; }

std::string pg_conninfo(const std::string& name) {
    std::string info = is_pg_name(name) ? name.substr(3) : name;
    if (info.size() >= 2 && info.front() == '"' && info.back() == '"') info = info.substr(1, info.size() - 2);
    return info;
}

std::string pg_label(const std::string& conninfo) {
    char* error = nullptr;
    PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
    if (!options) {
        PQfreemem(error);
        return "PG:(a connection string libpq cannot read)";
    }
    std::string label;
    for (PQconninfoOption* o = options; o->keyword; ++o) {
        if (!o->val || !*o->val || std::string(o->keyword) == "password") continue;
        label += (label.empty() ? "" : " ") + std::string(o->keyword) + "=" + o->val;
    }
    PQconninfoFree(options);
    return "PG:" + label;
}

std::string PgResult::text(int row, int column) const {
    if (row < 0 || row >= rows() || column < 0 || column >= columns())
        throw std::out_of_range("no cell " + std::to_string(row) + ", " + std::to_string(column) + " in the result");
    return PQgetvalue(result_, row, column);
}

long long PgResult::integer(int row, int column) const { return std::strtoll(text(row, column).c_str(), nullptr, 10); }

long long PgResult::affected() const { return std::strtoll(PQcmdTuples(result_), nullptr, 10); }

PgConnection::PgConnection(const std::string& conninfo) : label_(pg_label(conninfo)) {
    char* error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(conninfo.c_str(), &error);
    if (!parsed) {  // libpq's message may quote a piece of the string, a password too: not shown
        PQfreemem(error);
        throw UsageError("PG:...: not a connection string libpq can read",
                         "give PG:\"dbname=NAME host=HOST user=USER\" (passwords in ~/.pgpass or PGPASSWORD, not here)");
    }
    PQconninfoFree(parsed);
    conn_ = PQconnectdb(conninfo.c_str());
    if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
        std::string message = conn_ ? PQerrorMessage(conn_) : "out of memory";
        while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
        PQfinish(conn_);
        conn_ = nullptr;
        throw InputError(label_ + ": cannot connect: " + message);
    }
    PQsetClientEncoding(conn_, "UTF8");
    try {
        // every digit of a double printed (the same value read back); notices not on stderr
        exec("SET client_min_messages = warning; SET extra_float_digits = 3; SET DateStyle = ISO, YMD");
    } catch (...) {
        PQfinish(conn_);
        conn_ = nullptr;
        throw;
    }
}

PgConnection::~PgConnection() { PQfinish(conn_); }

void PgConnection::fail(const std::string& what, PGresult* result) const {
    const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
    last_state_ = state ? state : "";
    std::string message = result ? PQresultErrorMessage(result) : PQerrorMessage(conn_);
    if (message.empty()) message = PQerrorMessage(conn_);
    while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
    PQclear(result);
    throw_if_stop_requested();
    if (last_state_ == "42501") throw InputError(label_ + ": not allowed: " + message + " (" + what + ")");
    throw OutputError(label_ + ": " + message + " (" + what + ")");
}

void PgConnection::exec(const std::string& sql) const {
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(sql.substr(0, 120), r);
    PQclear(r);
}

void PgConnection::rollback() const noexcept { PQclear(PQexec(conn_, "ROLLBACK")); }

PgResult PgConnection::query(const std::string& sql, const std::vector<std::optional<std::string>>& params) const {
    std::vector<const char*> values;
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* r = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                               nullptr, 0);
    const auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(sql.substr(0, 120), r);
    return PgResult(r);
}

std::string PgConnection::identifier(const std::string& name) const {
    char* quoted = PQescapeIdentifier(conn_, name.c_str(), name.size());
    if (!quoted) fail("quoting " + name, nullptr);
    std::string out = quoted;
    PQfreemem(quoted);
    return out;
}

std::string PgConnection::literal(const std::string& text) const {
    char* quoted = PQescapeLiteral(conn_, text.c_str(), text.size());
    if (!quoted) fail("quoting a literal", nullptr);
    std::string out = quoted;
    PQfreemem(quoted);
    return out;
}

PgCopyIn::PgCopyIn(const PgConnection& connection, const std::string& qualified_table,
                   const std::vector<std::string>& columns, bool freeze)
    : connection_(connection) {
    std::string list;
    for (const auto& c : columns) list += (list.empty() ? "" : ", ") + connection.identifier(c);
    const std::string sql = "COPY " + qualified_table + " (" + list + ") FROM STDIN" + (freeze ? " WITH (FREEZE)" : "");
    PGresult* r = PQexec(connection.handle(), sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) {
        std::string message = PQresultErrorMessage(r);
        PQclear(r);
        throw OutputError(connection.label() + ": " + message + " (" + sql + ")");
    }
    PQclear(r);
    buffer_.reserve(1 << 21);
    sending_.reserve(1 << 21);
    sender_ = std::thread([this] { send_chunks(); });
}

PgCopyIn::~PgCopyIn() {
    stop_sender();
    if (!done_) {
        PQputCopyEnd(connection_.handle(), "aborted");
        while (PGresult* r = PQgetResult(connection_.handle())) PQclear(r);
    }
}

void PgCopyIn::send_chunks() {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
        changed_.wait(lock, [this] { return chunk_ready_ || stopping_; });
        if (!chunk_ready_) return;
        lock.unlock();
        std::string error;
        if (PQputCopyData(connection_.handle(), sending_.data(), static_cast<int>(sending_.size())) != 1)
            error = PQerrorMessage(connection_.handle());
        lock.lock();
        if (!error.empty() && send_error_.empty()) send_error_ = error;
        chunk_ready_ = false;
        changed_.notify_all();
    }
}

void PgCopyIn::wait_for_sender_idle() {
    std::unique_lock<std::mutex> lock(mutex_);
    changed_.wait(lock, [this] { return !chunk_ready_; });
    if (!send_error_.empty()) throw OutputError(connection_.label() + ": COPY: " + send_error_);
}

void PgCopyIn::stop_sender() {
    if (!sender_.joinable()) return;
    {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return !chunk_ready_; });
        stopping_ = true;
        changed_.notify_all();
    }
    sender_.join();
}

void PgCopyIn::separator() {
    if (row_started_) buffer_.push_back('\t');
    row_started_ = true;
}

void PgCopyIn::field(const std::string& value) { field(value.data(), value.size()); }

void PgCopyIn::field(const char* data, std::size_t size) {
    separator();
    const char* p = data;
    const char* const end = data + size;
    while (p < end) {  // runs of plain characters appended at once, the four specials escaped
        const char* run = p;
        while (p < end && *p != '\\' && *p != '\t' && *p != '\n' && *p != '\r') ++p;
        buffer_.append(run, static_cast<std::size_t>(p - run));
        if (p == end) break;
        switch (*p++) {
            case '\\': buffer_ += "\\\\"; break;
            case '\t': buffer_ += "\\t"; break;
            case '\n': buffer_ += "\\n"; break;
            default: buffer_ += "\\r"; break;
        }
    }
}

void PgCopyIn::null() {
    separator();
    buffer_ += "\\N";
}

void PgCopyIn::end_row() {
    buffer_.push_back('\n');
    row_started_ = false;
    ++rows_;
    if (buffer_.size() > (1u << 20)) flush();
}

void PgCopyIn::flush() {
    if (buffer_.empty()) return;
    throw_if_stop_requested();
    wait_for_sender_idle();  // the chunk before is sent: its buffer takes this one's place
    {
        const std::lock_guard<std::mutex> lock(mutex_);
        sending_.swap(buffer_);
        chunk_ready_ = true;
    }
    changed_.notify_all();
    buffer_.clear();
}

long long PgCopyIn::finish() {
    flush();
    wait_for_sender_idle();
    stop_sender();  // the connection is the caller's again
    done_ = true;
    if (PQputCopyEnd(connection_.handle(), nullptr) != 1)
        throw OutputError(connection_.label() + ": COPY: " + PQerrorMessage(connection_.handle()));
    std::string error;
    while (PGresult* r = PQgetResult(connection_.handle())) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && error.empty()) error = PQresultErrorMessage(r);
        PQclear(r);
    }
    if (!error.empty()) throw OutputError(connection_.label() + ": COPY: " + error);
    return rows_;
}

PgCopyOut::PgCopyOut(const PgConnection& connection, const std::string& select) : connection_(connection) {
    const std::string sql = "COPY (" + select + ") TO STDOUT (FORMAT binary)";
    PGresult* r = PQexec(connection.handle(), sql.c_str());
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        const std::string message = PQresultErrorMessage(r);
        PQclear(r);
        throw InputError(connection.label() + ": " + message + " (" + sql.substr(0, 200) + ")");
    }
    PQclear(r);
}

PgCopyOut::~PgCopyOut() {
    if (done_) return;
    if (PGcancel* cancel = PQgetCancel(connection_.handle())) {
        char error[256];
        PQcancel(cancel, error, sizeof error);
        PQfreeCancel(cancel);
    }
    char* data = nullptr;
    while (PQgetCopyData(connection_.handle(), &data, 0) > 0) PQfreemem(data);
    while (PGresult* r = PQgetResult(connection_.handle())) PQclear(r);
}

bool PgCopyOut::fill(std::size_t needed) {
    while (buffer_.size() - at_ < needed) {
        if (at_ > (1u << 20)) {  // drop what was read
            buffer_.erase(0, at_);
            at_ = 0;
        }
        char* data = nullptr;
        const int n = PQgetCopyData(connection_.handle(), &data, 0);
        if (n > 0) {
            buffer_.append(data, static_cast<std::size_t>(n));
            PQfreemem(data);
            continue;
        }
        if (n == -1) {  // the end: the COPY's own result says whether it went well
            std::string error;
            while (PGresult* r = PQgetResult(connection_.handle())) {
                if (PQresultStatus(r) != PGRES_COMMAND_OK && error.empty()) error = PQresultErrorMessage(r);
                PQclear(r);
            }
            done_ = true;
            if (!error.empty()) throw InputError(connection_.label() + ": COPY: " + error);
            return false;
        }
        throw InputError(connection_.label() + ": COPY: " + PQerrorMessage(connection_.handle()));
    }
    return true;
}

std::uint32_t PgCopyOut::u32() {
    const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + at_);
    at_ += 4;
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 | p[3];
}

bool PgCopyOut::next() {
    throw_if_stop_requested();
    fields_.clear();
    auto broken = [&] { return InputError(connection_.label() + ": COPY: the binary rows end early"); };
    if (!header_read_) {  // PGCOPY\n\377\r\n\0, flags, extension length, extension
        if (!fill(19)) throw broken();
        if (std::memcmp(buffer_.data() + at_, "PGCOPY\n\377\r\n\0", 11) != 0)
            throw InputError(connection_.label() + ": COPY: not binary COPY data");
        at_ += 15;
        const std::uint32_t extension = u32();
        if (!fill(extension)) throw broken();
        at_ += extension;
        header_read_ = true;
    }
    if (!fill(2)) return false;
    const auto* p = reinterpret_cast<const unsigned char*>(buffer_.data() + at_);
    const auto count = static_cast<std::int16_t>(p[0] << 8 | p[1]);
    at_ += 2;
    if (count < 0) {  // the trailer; the COPY's result follows
        while (fill(1)) at_ = buffer_.size();
        return false;
    }
    // the whole row first (the buffer may move while it fills), then the views into it
    std::size_t size = 0;
    std::vector<std::pair<std::size_t, std::int32_t>>& places = places_;
    places.clear();
    for (int f = 0; f < count; ++f) {
        if (!fill(size + 4)) throw broken();
        at_ += size;
        const auto length = static_cast<std::int32_t>(u32());
        at_ -= size + 4;
        places.emplace_back(size + 4, length);
        size += 4 + (length > 0 ? static_cast<std::size_t>(length) : 0);
        if (!fill(size)) throw broken();
    }
    for (const auto& [offset, length] : places)
        fields_.emplace_back(length < 0 ? std::string_view() : std::string_view(buffer_.data() + at_ + offset,
                                                                                static_cast<std::size_t>(length)));
    at_ += size;
    return true;
}

long long PgCopyOut::integer(int field) const {
    const std::string_view b = bytes(field);
    std::uint64_t v = 0;
    for (char c : b) v = v << 8 | static_cast<unsigned char>(c);
    if (b.size() == 2) return static_cast<std::int16_t>(v);
    if (b.size() == 4) return static_cast<std::int32_t>(v);
    if (b.size() == 8) return static_cast<long long>(v);
    throw InputError(connection_.label() + ": COPY: an integer of " + std::to_string(b.size()) + " bytes");
}

double PgCopyOut::real(int field) const {
    const std::string_view b = bytes(field);
    std::uint64_t v = 0;
    for (char c : b) v = v << 8 | static_cast<unsigned char>(c);
    if (b.size() == 8) {
        double d;
        std::memcpy(&d, &v, 8);
        return d;
    }
    if (b.size() == 4) {
        const auto u = static_cast<std::uint32_t>(v);
        float f;
        std::memcpy(&f, &u, 4);
        return f;
    }
    throw InputError(connection_.label() + ": COPY: a real of " + std::to_string(b.size()) + " bytes");
}

}  // namespace cleanheat

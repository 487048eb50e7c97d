#include "commands/tracking.hpp"

#include <algorithm>
#include <chrono>
#include <cctype>
#include <ctime>
#include <fstream>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <tuple>
#include <numeric>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/error.hpp"
#include "dataset/dataset.hpp"
#include "dataset/write_through.hpp"
#include "io/pg_connection.hpp"
#include "io/file_info.hpp"
#include "io/gdal_context.hpp"
#include "io/gpkg_sql.hpp"
#include "io/table_reader.hpp"
#include "commands/plan_reader.hpp"
#include "base/text.hpp"
#include "commands/tracking_output.hpp"
#include "base/units.hpp"
#include "commands/village_match.hpp"

namespace cleanheat {
namespace fs = std::filesystem;
namespace {

bool valid_date(int y, int m, int d) {
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 2000 && y <= 2100 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] && (m != 2 || d < 29 || leap);
}

// yyyymmdd as one comparable number; 0 for text that is not a valid ISO date.
int date_number(const std::string& iso) {  // by hand: called for every village and ledger entry
    if (iso.size() != 10 || iso[4] != '-' || iso[7] != '-') return 0;
    int digits[8], k = 0;
    for (int i : {0, 1, 2, 3, 5, 6, 8, 9}) {
        if (iso[i] < '0' || iso[i] > '9') return 0;
        digits[k++] = iso[i] - '0';
    }
    const int y = digits[0] * 1000 + digits[1] * 100 + digits[2] * 10 + digits[3];
    const int m = digits[4] * 10 + digits[5], d = digits[6] * 10 + digits[7];
    return valid_date(y, m, d) ? y * 10000 + m * 100 + d : 0;
}

std::string date_text(int n) {
    std::string s = "0000-00-00";
    const int parts[] = {n / 10000, n / 100 % 100, n % 100};
    const int at[] = {3, 6, 9};
    for (int p = 0; p < 3; ++p)
        for (int v = parts[p], i = at[p]; i >= 0 && s[i] != '-'; --i, v /= 10) s[i] = static_cast<char>('0' + v % 10);
    return s;
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// Digits at `p` (at most `max`), their value; p moves past them. -1 when none.
int read_number(const std::string& s, std::size_t& p, int max) {
    int v = 0, n = 0;
    while (p < s.size() && n < max && is_digit(s[p])) v = v * 10 + (s[p++] - '0'), ++n;
    return n == 0 ? -1 : v;
}

void skip_spaces(const std::string& s, std::size_t& p) {
    while (p < s.size() && (s[p] == ' ' || s[p] == '\t')) ++p;
}

// One of the separators at `p` (年 or 月 or . / -); p moves past it.
bool read_separator(const std::string& s, std::size_t& p, const char* word) {
    for (const char* sep : {word, ".", "/", "-"}) {
        const std::size_t n = std::char_traits<char>::length(sep);
        if (s.compare(p, n, sep) == 0) {
            p += n;
            return true;
        }
    }
    return false;
}

// The first date written 2022年6月30日, 2022.6.30, 2022/6/30 or 2022-06-30 in the text (after
// 截至/截止 when asked); empty when none. By hand: std::regex is slow and byte-minded.
std::string find_date(const std::string& text, bool after_cutoff_word) {
    std::string s = to_halfwidth(text);
    if (after_cutoff_word) {
        std::size_t p = s.find("截至");
        if (p == std::string::npos) p = s.find("截止");
        if (p == std::string::npos) return {};
        s = s.substr(p);
    }
    for (std::size_t start = 0; start + 4 <= s.size(); ++start) {
        if (s[start] != '2' || s[start + 1] != '0' || (start > 0 && is_digit(s[start - 1]))) continue;
        std::size_t p = start;
        const int y = read_number(s, p, 4);
        if (p - start != 4) continue;
        skip_spaces(s, p);
        if (!read_separator(s, p, "年")) continue;
        skip_spaces(s, p);
        const int m = read_number(s, p, 2);
        skip_spaces(s, p);
        if (m < 0 || !read_separator(s, p, "月")) continue;
        skip_spaces(s, p);
        const int d = read_number(s, p, 2);
        if (d < 0 || (p < s.size() && is_digit(s[p]))) continue;
        if (valid_date(y, m, d)) return date_text(y * 10000 + m * 100 + d);
    }
    return {};
}

// One applied report row of a village, as the state is computed from.
struct Entry {
    int date;       // yyyymmdd
    int import_id;  // import order: a later import of the same date wins
    int row;
    int started, completed, accepted;
    int since;  // the date of the first report in a run of the same figures up to this one
};

bool entry_before(const Entry& a, const Entry& b) {
    return a.date != b.date ? a.date < b.date : a.import_id < b.import_id;
}

// Recomputes `since` along a village's sorted history (the first entry keeps its own).
void fix_since(std::vector<Entry>& h) {
    for (std::size_t k = 1; k < h.size(); ++k) {
        const Entry& p = h[k - 1];
        Entry& e = h[k];
        const bool same = p.started == e.started && p.completed == e.completed && p.accepted == e.accepted;
        e.since = same ? p.since : e.date;
    }
}

struct VillageInfo {
    long long fid = 0;
    long long planned = 0;
    std::uint64_t stored = 0;  // fingerprint of its progress fields in the GeoPackage
    int township = 0;          // index into the townships
};

// The rows of a report parsed and matched to villages on a second thread and handed over in
// order, in batches: the main thread checks and writes them meanwhile. A sheet's start comes
// as an item of its own, with the texts that may name its county and date.
class MatchedRows {
public:
    struct Item {
        bool sheet = false;
        std::vector<std::string> texts;
        std::vector<std::pair<ProgressRow, VillageMatch>> rows;
    };

    MatchedRows(const Table& table, const ColumnMapping* mapping, const UnitRegistry& units, const VillageIndex& index,
                ProgressReadResult& scan)
        : worker_([this, &table, mapping, &units, &index, &scan] {
              try {
                  std::vector<const Unit*> sheet_units;
                  std::unordered_map<std::string, const Unit*> unit_of_text;
                  Item batch;
                  auto flush = [&] {
                      if (batch.rows.empty()) return;
                      push(std::move(batch));
                      batch = Item{};
                  };
                  scan_progress_rows(
                      table, mapping, scan,
                      [&](std::size_t context) {
                          flush();
                          sheet_units.push_back(units.find_in_texts(scan.sheet_contexts[context]));
                          Item sheet;
                          sheet.sheet = true;
                          sheet.texts = scan.sheet_contexts[context];
                          push(std::move(sheet));
                      },
                      [&](ProgressRow&& row) {
                          if (!row.county_text.empty()) {
                              auto it = unit_of_text.find(row.county_text);
                              if (it == unit_of_text.end())
                                  it = unit_of_text.emplace(row.county_text, units.find(row.county_text)).first;
                              row.unit = it->second;
                              row.unit_from_row = row.unit != nullptr;
                          }
                          if (!row.unit && row.context >= 0)
                              row.unit = sheet_units[static_cast<std::size_t>(row.context)];
                          VillageMatch match = match_village(index, row);
                          batch.rows.emplace_back(std::move(row), std::move(match));
                          if (batch.rows.size() >= 4096) flush();
                      });
                  flush();
                  finish(nullptr);
              } catch (...) {
                  finish(std::current_exception());
              }
          }) {}
    ~MatchedRows() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            cancelled_ = true;
        }
        changed_.notify_all();
        worker_.join();
    }
    MatchedRows(const MatchedRows&) = delete;
    MatchedRows& operator=(const MatchedRows&) = delete;

    // The next item in order; false when the report is done (rethrows the reader's error).
    bool pop(Item& out) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return !queue_.empty() || done_; });
        if (queue_.empty()) {
            if (error_) std::rethrow_exception(error_);
            return false;
        }
        out = std::move(queue_.front());
        queue_.pop_front();
        changed_.notify_all();
        return true;
    }

private:
    void push(Item&& item) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [&] { return queue_.size() < 8 || cancelled_; });
        if (cancelled_) throw std::runtime_error("cancelled");
        queue_.push_back(std::move(item));
        changed_.notify_all();
    }
    void finish(std::exception_ptr error) {
        std::lock_guard<std::mutex> lock(mutex_);
        done_ = true;
        error_ = error;
        changed_.notify_all();
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<Item> queue_;
    bool done_ = false, cancelled_ = false;
    std::exception_ptr error_;
    std::thread worker_;  // last: started once the rest is ready
};

// Village position by FID: a plain array when the FIDs are dense (as GeoPackages number them),
// else a hash map.
class FidPositions {
public:
    static constexpr std::size_t none = static_cast<std::size_t>(-1);
    void add(long long fid, std::size_t position) {
        if (fid >= 0 && fid < (1LL << 26) &&
            (fid < static_cast<long long>(dense_.size()) || fid < 4 * static_cast<long long>(position) + 1024)) {
            if (fid >= static_cast<long long>(dense_.size()))
                dense_.resize(static_cast<std::size_t>(fid) * 2 + 1024, none);
            dense_[static_cast<std::size_t>(fid)] = position;
        } else {
            sparse_.emplace(fid, position);
        }
    }
    std::size_t find(long long fid) const {
        if (fid >= 0 && fid < static_cast<long long>(dense_.size()) && dense_[static_cast<std::size_t>(fid)] != none)
            return dense_[static_cast<std::size_t>(fid)];
        const auto it = sparse_.find(fid);
        return it == sparse_.end() ? none : it->second;
    }

private:
    std::vector<std::size_t> dense_;
    std::unordered_map<long long, std::size_t> sparse_;
};

bool is_table(const std::string& path) {
    std::string ext = fs::path(path).extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext == ".xlsx" || ext == ".xlsm" || ext == ".xls" || ext == ".ods" || ext == ".csv";
}

struct Prefetched {
    std::string sha256;
    Table table;
};

// Reads the report files in their order on a second thread, one ahead of their use: the first
// while the villages are read, each next one once the previous table is let go.
class ReportReader {
public:
    explicit ReportReader(std::vector<std::string> paths) : paths_(std::move(paths)) { prefetch(); }
    ~ReportReader() {
        if (next_.valid()) next_.wait();
    }
    ReportReader(const ReportReader&) = delete;
    ReportReader& operator=(const ReportReader&) = delete;
    Prefetched next() { return next_.get(); }
    void prefetch() {
        if (index_ >= paths_.size()) return;
        std::string path = paths_[index_++];
        next_ = std::async(std::launch::async, [path] { return Prefetched{sha256_of(path), read_table(path)}; });
    }

private:
    std::vector<std::string> paths_;
    std::size_t index_ = 0;
    std::future<Prefetched> next_;
};

}  // namespace

void StageCounts::add(const StageCounts& o) {
    villages += o.villages;
    households += o.households;
    started += o.started;
    completed += o.completed;
    accepted += o.accepted;
    villages_started += o.villages_started;
    villages_completed += o.villages_completed;
    villages_accepted += o.villages_accepted;
    villages_late += o.villages_late;
    villages_reported += o.villages_reported;
}

std::string report_date(const std::vector<std::string>& title_texts, const std::string& file_name,
                        std::string* conflict) {
    std::string from_title;
    for (const auto& t : title_texts)
        if (!(from_title = find_date(t, true)).empty()) break;
    std::string from_name;
    for (std::size_t start = 0; start + 8 <= file_name.size() && from_name.empty(); ++start) {
        if (start > 0 && is_digit(file_name[start - 1])) continue;  // exactly eight digits
        std::size_t p = start;
        if (read_number(file_name, p, 9) < 0 || p - start != 8 || file_name.compare(start, 2, "20") != 0) continue;
        const int y = std::stoi(file_name.substr(start, 4)), mo = std::stoi(file_name.substr(start + 4, 2)),
                  d = std::stoi(file_name.substr(start + 6, 2));
        if (valid_date(y, mo, d)) from_name = date_text(y * 10000 + mo * 100 + d);
    }
    if (!from_title.empty()) {
        if (conflict && !from_name.empty() && from_name != from_title) *conflict = from_name;
        return from_title;
    }
    if (!from_name.empty()) return from_name;
    for (const auto& t : title_texts) {
        std::string any = find_date(t, false);
        if (!any.empty()) return any;
    }
    return {};
}

ProgressResult track_progress(const ProgressOptions& options, Progress& progress) {
    if (is_pg_name(options.merged)) {  // a database: the run works on a copy, its changes written back
        ProgressOptions local = options;
        if (options.read_only) {
            const dataset::Snapshot snapshot(options.merged, options.pg_schema);
            local.merged = snapshot.path();
            return track_progress(local, progress);
        }
        dataset::WriteThrough through(options.merged, options.pg_schema, "progress");
        local.merged = through.path();
        ProgressResult result = track_progress(local, progress);
        dataset::commit_or_remove(through, result.outputs);
        return result;
    }
    ensure_gdal();
    ProgressResult result;
    auto lap = [clock = std::chrono::steady_clock::now()]() mutable {
        const auto now = std::chrono::steady_clock::now();
        const double s = std::chrono::duration<double>(now - clock).count();
        clock = now;
        return s;
    };
    result.as_of = options.as_of.empty() ? today_iso() : normalise_date(options.as_of);
    const int as_of = date_number(result.as_of);
    if (as_of == 0) throw UsageError("--as-of " + options.as_of + ": not a date (YYYY-MM-DD)");
    const fs::path milestones_file =
        options.milestones_file.empty() ? default_style_file("milestones.json") : fs::path(options.milestones_file);
    if (milestones_file.empty())
        throw InputError("no milestones file (styles/milestones.json) found; give --milestones");
    result.milestones = load_milestones(milestones_file);
    result.due = result.milestones.due(result.as_of);
    for (const auto& m : result.milestones.items)
        if (m.date <= result.as_of && m.stage == result.due) result.due_label = m.label;
    for (const auto& r : options.reports) {
        std::error_code ec;
        if (fs::equivalent(r, options.merged, ec)) throw UsageError(r + " is the GeoPackage, not a report");
        if (!fs::is_regular_file(r, ec)) throw InputError(r + ": no such file");
    }
    // outputs that cannot be written must stop the run before the ledger changes
    for (const auto& out : options.charts)
        if (std::filesystem::exists(out) && !options.overwrite)
            throw OutputError(out.string() + " exists; add --overwrite to replace it");
    if (!options.output.empty() && std::filesystem::exists(options.output) && !options.overwrite)
        throw OutputError(options.output.string() + " exists; add --overwrite to replace it");
    std::optional<ColumnMapping> mapping;
    if (!options.mapping_file.empty()) mapping = load_mapping(options.mapping_file);

    // The order of the reports: by the dates in their file names when every name has one, else
    // as given. Their reading starts now, on the second core.
    std::vector<std::size_t> order(options.reports.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::vector<int> name_dates;
    for (const auto& path : options.reports)
        name_dates.push_back(date_number(report_date({}, fs::path(path).stem().string())));
    if (std::none_of(name_dates.begin(), name_dates.end(), [](int d) { return d == 0; }))
        std::stable_sort(order.begin(), order.end(),
                         [&](std::size_t a, std::size_t b) { return name_dates[a] < name_dates[b]; });
    if (!fs::is_regular_file(options.merged)) throw InputError(options.merged + ": no such file");
    std::vector<std::string> tables;
    for (std::size_t i : order)
        if (is_table(options.reports[i])) tables.push_back(options.reports[i]);
    ReportReader reader(tables);
    const bool read_only = options.read_only;
    if (read_only && (!options.reports.empty() || !options.output.empty() || !options.charts.empty()))
        throw std::logic_error("track_progress: reports or outputs given for a read-only state");
    const SqliteDb db(options.merged, read_only ? SqliteDb::Mode::read : SqliteDb::Mode::write);
    const std::string started_at = now_iso();
    if (read_only)
        dataset::check_readable(db);
    else
        dataset::check_writable(db);

    // Villages and units.
    progress.update(0.0, "Reading villages");
    VillageIndex index;
    std::vector<VillageInfo> info;
    FidPositions position_of_fid;
    UnitRegistry units;
    const fs::path units_file =
        options.units_file.empty() ? default_style_file("units.json") : fs::path(options.units_file);
    if (!units_file.empty()) units.load(units_file);
    {
        const long long n = db.scalar("SELECT count(*) FROM villages");
        index.reserve(static_cast<std::size_t>(std::max(0LL, n)));
        info.reserve(static_cast<std::size_t>(std::max(0LL, n)));
        std::unordered_set<std::string> counties;
        auto column = [&](const char* name, const char* fallback) {
            return db.has_column("villages", name) ? std::string(name) : std::string(fallback);
        };
        std::unordered_map<std::string, int> township_ids;
        std::pair<std::string, int> last_township;
        std::string last_county = "\x01";
        db.each(
            "SELECT fid, village_code, village_name, township_code, township_name, county_code, county_name, "
            "households_total, " +
                column("status", "NULL") + ", " + column("households_started", "0") + ", " +
                column("households_completed", "0") + ", " + column("households_accepted", "0") + ", " +
                column("status_date", "NULL") + ", " + column("progress_stage", "NULL") + ", " +
                column("progress_late", "NULL") + " FROM villages",
            [&](sqlite3_stmt* st) {
                Village v;
                v.fid = sqlite3_column_int64(st, 0);
                v.code = sql_text(st, 1);
                v.name = sql_text(st, 2);
                v.township_code = sql_text(st, 3);
                v.township_name = sql_text(st, 4);
                v.county_code = sql_text(st, 5);
                v.county_name = sql_text(st, 6);
                const std::size_t before = index.size();
                if (v.county_code != last_county) {  // villages come county by county, mostly
                    last_county = v.county_code;
                    if (counties.insert(v.county_code).second && !v.county_code.empty())
                        units.add({v.county_code, v.county_name, {}, "county"});
                }
                const long long fid = v.fid, planned = sqlite3_column_int64(st, 7);
                index.add(std::move(v));
                if (index.size() > before) {
                    ProgressFields stored;
                    stored.status = sql_text(st, 8);
                    stored.started = sqlite3_column_int64(st, 9);
                    stored.completed = sqlite3_column_int64(st, 10);
                    stored.accepted = sqlite3_column_int64(st, 11);
                    stored.status_date = date_number(sql_text(st, 12));
                    stored.stage = sql_text(st, 13);
                    stored.late = sqlite3_column_type(st, 14) == SQLITE_NULL ? -1 : sqlite3_column_int(st, 14);
                    const std::string& township = index.villages().back().township_code;
                    if (township != last_township.first || info.empty()) {
                        const auto t = township_ids.emplace(township, static_cast<int>(township_ids.size()));
                        last_township = {township, t.first->second};
                    }
                    position_of_fid.add(fid, info.size());
                    info.push_back({fid, planned, state_fingerprint(stored), last_township.second});
                }
            });
    }

    const std::size_t township_count = [&] {
        std::set<int> ids;
        for (const auto& i : info) ids.insert(i.township);
        return ids.size();
    }();
    result.seconds_villages = lap();
    std::thread cleaner;
    struct Join {
        std::thread& thread;
        ~Join() {
            if (thread.joinable()) thread.join();
        }
    } join_cleaner{cleaner};
    std::vector<std::unique_ptr<AtomicOutput>> staged;  // outputs written, renamed after the commit
    // The ledger so far.
    // one transaction: a writer holds the dataset from here to the commit; a reader sees one
    // state, also while another command imports
    db.exec(read_only ? "BEGIN" : "BEGIN IMMEDIATE");
    try {
        if (!read_only) ledger_create_tables(db);
        const bool ledger_exists = db.has_table("progress_imports") && db.has_table("progress_ledger");
        std::vector<std::vector<Entry>> history(info.size());
        std::unordered_map<std::string, std::string> imported_sha;         // sha256 -> file
        std::unordered_map<std::string, long long> earlier_import;         // sha256 -> import of an earlier run
        std::set<long long> replayed;                                      // earlier imports said again
        std::map<std::pair<std::string, std::string>, std::string> dated;  // (county, date) -> sha256
        std::unordered_map<long long, std::string> import_files;           // import_id -> file
        if (ledger_exists)
            db.each("SELECT import_id, file, sha256, county_code, report_date FROM progress_imports ORDER BY import_id",
                [&](sqlite3_stmt* st) {
                    const long long id = sqlite3_column_int64(st, 0);
                    import_files[id] = sql_text(st, 1);
                    imported_sha.emplace(sql_text(st, 2), sql_text(st, 1));
                    earlier_import.emplace(sql_text(st, 2), id);
                    dated[{sql_text(st, 3), sql_text(st, 4)}] = sql_text(st, 2);
                });
        // Each village's history: in the fast case only its latest applied entry (the cache table
        // progress_latest), when reports come in date order and the state is asked for a date after
        // them; else every applied entry of the ledger.
        int max_date = 0;  // the latest report date in the ledger
        if (ledger_exists)
            db.each("SELECT max(report_date) FROM progress_imports",
                    [&](sqlite3_stmt* st) { max_date = date_number(sql_text(st, 0)); });
        bool full = false;
        auto load = [&](const std::string& sql) {
            for (auto& h : history) h.clear();
            db.each(sql, [&](sqlite3_stmt* st) {
                const std::size_t position = position_of_fid.find(sqlite3_column_int64(st, 0));
                if (position == FidPositions::none) return;
                const int import_id = sqlite3_column_int(st, 2);
                history[position].push_back({date_number(sql_text(st, 1)), import_id, sqlite3_column_int(st, 3),
                                             sqlite3_column_int(st, 4), sqlite3_column_int(st, 5),
                                             sqlite3_column_int(st, 6), date_number(sql_text(st, 7))});
            });
            for (auto& h : history) {
                std::sort(h.begin(), h.end(), entry_before);
                fix_since(h);
            }
        };
        auto load_full = [&] {
            if (full) return;
            load(
                "SELECT village_fid, report_date, import_id, row, started, completed, accepted, report_date FROM "
                "progress_ledger WHERE applied = 1 AND village_fid IS NOT NULL");
            full = true;
        };
        if (db.has_table("progress_latest") && db.has_column("progress_latest", "since"))
            load(
                "SELECT village_fid, report_date, import_id, row, started, completed, accepted, since FROM "
                "progress_latest");
        else if (max_date > 0)
            load_full();
        std::vector<char> touched(info.size(), 0);  // villages with an entry applied in this run
        std::map<int, TrendPoint> trend_points;     // the fast case: points computed in this run
        long long planned_total = 0;
        for (const auto& i : info) planned_total += std::max(0LL, i.planned);

        // Read and apply one report after the other, rows as they are parsed (memory for one
        // report at a time); the next report's file is read on the second core meanwhile.
        const std::string imported_at = now_iso();
        std::optional<LedgerWriter> ledger_writer;
        if (!read_only) ledger_writer.emplace(db, imported_at);
        LedgerWriter* const ledger = ledger_writer ? &*ledger_writer : nullptr;  // used only with reports
        const Progress reading = progress.slice(0.05, 0.8);
        for (std::size_t step = 0; step < order.size(); ++step) {
            const std::size_t i = order[step];
            const std::string& path = options.reports[i];
            reading.update(static_cast<double>(step) / static_cast<double>(options.reports.size()),
                           "Importing " + fs::path(path).filename().string());
            ImportSummary summary;
            summary.file = path;
            if (!is_table(path)) {
                summary.status = "not_a_table";
                result.issues.push_back(
                    make_issue("W_REPORT_NOT_TABLE", path, "", 0, "", fs::path(path).extension().string()));
                result.imports.push_back(summary);
                continue;
            }
            Prefetched pre = reader.next();
            summary.sha256 = pre.sha256;
            const auto seen = imported_sha.find(pre.sha256);
            if (seen != imported_sha.end()) {
                summary.status = "duplicate";
                summary.duplicate_of = seen->second;
                result.issues.push_back(make_issue("W_REPORT_DUPLICATE", path, "", 0, "", "",
                                                   "与已导入的" + fs::path(seen->second).filename().string() + "相同"));
                // imported by an earlier run: its findings again, so that a retry tells the same truth
                // (and exits the same way) as the first import
                const auto earlier = earlier_import.find(pre.sha256);
                if (earlier != earlier_import.end() && replayed.insert(earlier->second).second)
                    db.each("SELECT file, sheet, row, col, value, code, severity, message FROM progress_issues "
                            "WHERE import_id = " + std::to_string(earlier->second) + " ORDER BY fid",
                            [&](sqlite3_stmt* st) {
                                Issue again;
                                again.file = sql_text(st, 0);
                                again.sheet = sql_text(st, 1);
                                again.row = sqlite3_column_int(st, 2);
                                again.column = sql_text(st, 3);
                                again.value = sql_text(st, 4);
                                again.code = sql_text(st, 5);
                                again.severity = sql_text(st, 6) == "error" ? Severity::error : Severity::warning;
                                again.message = sql_text(st, 7);
                                result.issues.push_back(std::move(again));
                            });
                result.imports.push_back(summary);
                pre = Prefetched{};
                reader.prefetch();
                continue;
            }
            imported_sha.emplace(pre.sha256, path);
            result.seconds_read += lap();

            ProgressReadResult scan;
            std::vector<Issue> issues;
            bool begun = false;
            int date = 0, seq = 0;
            std::unordered_map<std::size_t, int> seen_rows;  // village position -> first row in this report
            auto on_sheet = [&](const std::vector<std::string>& texts) {
                if (begun) return;
                const Unit* unit = units.find_in_texts(texts);
                begun = true;
                std::vector<std::string> titles(texts.begin(), texts.end() - std::min<std::size_t>(2, texts.size()));
                if (texts.size() >= 2) titles.push_back(texts[texts.size() - 2]);  // the sheet name last
                std::string conflict;
                summary.report_date = report_date(titles, fs::path(path).stem().string(), &conflict);
                if (!conflict.empty())
                    issues.push_back(make_issue("W_REPORT_DATE_CONFLICT", path, "", 0, "", conflict,
                                                "标题为" + summary.report_date + "，文件名为" + conflict));
                if (unit) {
                    summary.county_code = unit->code;
                    summary.county_name = unit->name;
                }
                date = date_number(summary.report_date);
                if (date == 0) return;
                const auto key = std::make_pair(summary.county_code, summary.report_date);
                if (!summary.county_code.empty()) {
                    const auto before = dated.find(key);
                    if (before != dated.end() && before->second != pre.sha256)
                        issues.push_back(make_issue("W_REPORT_REVISED", path, "", 0, "", summary.report_date,
                                                    summary.county_name + " " + summary.report_date));
                    dated[key] = pre.sha256;
                }
                summary.import_id = ledger->begin_import(summary);
                import_files[summary.import_id] = path;
                seq = static_cast<int>(summary.import_id);
                if (date < max_date) load_full();  // an earlier report than some already applied
            };
            auto on_row = [&](const ProgressRow& row, VillageMatch& match) {
                if (date == 0) return;  // no report date: nothing applied, counted below
                LedgerRow lr{&row, nullptr, 0, false, {}};
                if (!row.rejected.empty()) {  // rejected while reading (counted with the reading's findings):
                    lr.village = match.village;  // in the ledger all the same, not applied
                    if (lr.village) lr.fid = info[index.position(lr.village)].fid;
                    lr.issue_code = row.rejected;
                    if (is_table_refusal(row.rejected)) ++summary.rows_rejected;  // said once, at the header
                    ledger->add(lr);
                    return;
                }
                auto reject = [&](Issue issue) {
                    lr.issue_code = issue.code;
                    issues.push_back(std::move(issue));
                    ++summary.rows_rejected;
                    ledger->add(lr);
                };
                for (auto& w : match.warnings) issues.push_back(std::move(w));
                if (match.error) {
                    reject(std::move(*match.error));
                    return;
                }
                const Village* v = match.village;
                lr.village = v;
                const std::size_t pos = index.position(v);
                const long long planned = info[pos].planned;
                lr.fid = info[pos].fid;
                auto issue = [&](const std::string& code, const std::string& column, long long value,
                                 const std::string& detail) {
                    return make_issue(code, row.file, row.sheet, row.row, column, std::to_string(value), detail);
                };
                auto who = [v] { return v->code + " " + v->name; };  // for messages only
                if (planned <= 0) {
                    reject(make_issue("E_PROGRESS_UNPLANNED", row.file, row.sheet, row.row,
                                      row.code_column.empty() ? row.name_column : row.code_column,
                                      row.code_text.empty() ? row.village_name : row.code_text, who()));
                    return;
                }
                const auto first = seen_rows.emplace(pos, row.row);
                if (!first.second) {
                    reject(make_issue("E_PROGRESS_DUPLICATE", row.file, row.sheet, row.row,
                                      row.code_column.empty() ? row.name_column : row.code_column,
                                      row.code_text.empty() ? row.village_name : row.code_text,
                                      who() + "，已采用第" + std::to_string(first.first->second) + "行"));
                    return;
                }
                const long long figures[] = {row.started, row.completed, row.accepted};
                const std::string* columns[] = {&row.started_column, &row.completed_column, &row.accepted_column};
                const char* names[] = {"已开工", "已完工", "已验收"};
                if (row.completed > row.started || row.accepted > row.completed) {
                    const int k2 = row.completed > row.started ? 1 : 2;
                    reject(issue("E_PROGRESS_ORDER", *columns[k2], figures[k2],
                                 who() + "：已开工" + std::to_string(row.started) + "户，已完工" +
                                     std::to_string(row.completed) + "户，已验收" + std::to_string(row.accepted) +
                                     "户"));
                    return;
                }
                int over = -1;
                for (int s = 0; s < 3; ++s)
                    if (figures[s] > planned) over = s;
                if (over >= 0) {
                    reject(issue("E_PROGRESS_EXCEEDS_PLAN", *columns[over], figures[over],
                                 who() + "：" + names[over] + std::to_string(figures[over]) + "户，计划改造" +
                                     std::to_string(planned) + "户"));
                    return;
                }
                // against the reports of other dates: never fewer than before, never more than after
                if (!full && !history[pos].empty() && history[pos].back().date >= date) load_full();
                const auto& h = history[pos];
                const Entry* previous = nullptr;
                const Entry* next = nullptr;
                for (const auto& e : h) {
                    if (e.date < date) previous = &e;
                    if (e.date > date && !next) next = &e;
                }
                auto figure = [](const Entry& e, int s) {
                    return s == 0 ? e.started : s == 1 ? e.completed : e.accepted;
                };
                auto where = [&](const Entry& e) {
                    const auto f = import_files.find(e.import_id);
                    return date_text(e.date) + "报告（" +
                           (f == import_files.end() ? std::string() : fs::path(f->second).filename().string()) + "第" +
                           std::to_string(e.row) + "行）";
                };
                int back = -1;
                const Entry* against = nullptr;
                for (int s = 0; s < 3 && back < 0; ++s) {
                    if (previous && figures[s] < figure(*previous, s)) {
                        back = s;
                        against = previous;
                    } else if (next && figures[s] > figure(*next, s)) {
                        back = s;
                        against = next;
                    }
                }
                if (back >= 0) {
                    const bool earlier = against == previous;
                    reject(issue("E_PROGRESS_BACKWARDS", *columns[back], figures[back],
                                 who() + "：" + names[back] + std::to_string(figures[back]) + "户，" +
                                     (earlier ? "此前" : "此后") + where(*against) + "为" +
                                     std::to_string(figure(*against, back)) + "户"));
                    return;
                }
                if (row.planned >= 0 && row.planned != planned)
                    issues.push_back(issue("W_PROGRESS_PLAN_DIFFERS", row.planned_column, row.planned,
                                           who() + "：计划改造" + std::to_string(planned) + "户"));
                // the figures in force before this report, to count the rows that change nothing
                const Entry* current = nullptr;
                for (const auto& e : h)
                    if (e.date <= date) current = &e;
                if (current && current->started == row.started && current->completed == row.completed &&
                    current->accepted == row.accepted)
                    ++summary.rows_unchanged;
                Entry entry{date,
                            seq,
                            row.row,
                            static_cast<int>(row.started),
                            static_cast<int>(row.completed),
                            static_cast<int>(row.accepted),
                            date};
                auto& hv = history[pos];
                hv.insert(std::upper_bound(hv.begin(), hv.end(), entry, entry_before), entry);
                fix_since(hv);
                touched[pos] = 1;
                lr.applied = true;
                ++summary.rows_applied;
                ledger->add(lr);
            };
            {
                MatchedRows pipe(pre.table, mapping ? &*mapping : nullptr, units, index, scan);
                MatchedRows::Item item;
                while (pipe.pop(item)) {
                    if (item.sheet) on_sheet(item.texts);
                    for (auto& [row, match] : item.rows) on_row(row, match);
                }
            }
            pre = Prefetched{};  // the table's memory back before the next one is read
            reader.prefetch();
            summary.rows_read = scan.counts.data_rows();
            for (const auto& sheet : scan.counts.sheets)
                summary.sheets += (summary.sheets.empty() ? "" : ",") + sheet.sheet;
            for (auto& issue : scan.issues) {
                if (issue.severity == Severity::error && issue.row > 0 && !is_table_refusal(issue.code))
                    ++summary.rows_rejected;
                issues.push_back(std::move(issue));
            }
            std::stable_sort(issues.begin(), issues.end(),
                             [](const Issue& x, const Issue& y) { return x.row < y.row; });
            if (date == 0) {
                summary.status = begun ? "no_date" : "no_header";
                summary.rows_rejected = summary.rows_read;
                if (begun) issues.push_back(make_issue("E_REPORT_DATE_MISSING", path, "", 0, "", ""));
                for (auto& issue : issues) result.issues.push_back(std::move(issue));
                result.imports.push_back(summary);
                result.seconds_apply += lap();
                continue;
            }
            summary.status = "imported";
            if (summary.rows_read != summary.rows_applied + summary.rows_rejected)
                throw std::logic_error("row accounting does not add up for " + path);
            max_date = std::max(max_date, date);
            if (!full && summary.rows_applied > 0) {  // every entry is dated on or before this report:
                                                      // the point is the sum of the latest entries
                TrendPoint t;
                t.date = summary.report_date;
                t.planned = planned_total;
                for (std::size_t pos = 0; pos < info.size(); ++pos) {
                    if (info[pos].planned <= 0 || history[pos].empty()) continue;
                    const Entry& e = history[pos].back();
                    t.started += std::min<long long>(e.started, info[pos].planned);
                    t.completed += std::min<long long>(e.completed, info[pos].planned);
                    t.accepted += std::min<long long>(e.accepted, info[pos].planned);
                }
                trend_points[date] = t;
                // the fast case needs each village's latest entry only: memory stays flat over many reports
                for (std::size_t pos = 0; pos < info.size(); ++pos)
                    if (touched[pos] && history[pos].size() > 1)
                        history[pos].erase(history[pos].begin(), history[pos].end() - 1);
            }
            ledger->finish_import(summary, issues);
            for (auto& issue : issues) result.issues.push_back(std::move(issue));
            result.imports.push_back(summary);
            result.seconds_apply += lap();
        }

        // State as of the date, per village, township and county.
        progress.update(0.82, "Computing the state as of " + result.as_of);
        if (as_of < max_date) load_full();  // a date before the latest reports: the entries then in force
        std::vector<VillageState> states(info.size());
        std::map<std::string, UnitProgress> counties;
        std::vector<UnitProgress> townships(township_count);
        std::vector<int> dates;
        std::vector<std::size_t> late_positions;
        std::vector<int> source_import(info.size(), 0);
        for (std::size_t pos = 0; pos < info.size(); ++pos) {
            const Village& v = index.villages()[pos];
            VillageState& s = states[pos];
            s.fid = info[pos].fid;
            s.stored = info[pos].stored;
            s.progress.planned = info[pos].planned;
            const Entry* e = nullptr;
            for (const auto& x : history[pos]) {
                if (dates.empty() || dates.back() != x.date) dates.push_back(x.date);
                if (x.date <= as_of) e = &x;
            }
            if (e) {
                s.progress.started = e->started;
                s.progress.completed = e->completed;
                s.progress.accepted = e->accepted;
                s.reported = true;
                s.report_date = e->date;
                s.since = e->since;
                source_import[pos] = e->import_id;
                s.row = e->row;
            }
            if (s.progress.planned <= 0) continue;
            s.status = village_status(s.progress, result.milestones, result.as_of);
            s.planned = true;
            StageCounts c;
            c.villages = 1;
            c.households = s.progress.planned;
            c.started = std::min(s.progress.started, s.progress.planned);
            c.completed = std::min(s.progress.completed, s.progress.planned);
            c.accepted = std::min(s.progress.accepted, s.progress.planned);
            c.villages_started = s.status.stage >= Stage::started;
            c.villages_completed = s.status.stage >= Stage::completed;
            c.villages_accepted = s.status.stage >= Stage::accepted;
            c.villages_late = s.status.late;
            c.villages_reported = s.reported;
            result.total.add(c);
            auto& county = counties[v.county_code];
            if (county.code.empty()) {
                county.code = county.county_code = v.county_code;
                county.name = county.county_name = v.county_name;
            }
            county.counts.add(c);
            auto& township = townships[static_cast<std::size_t>(info[pos].township)];
            if (township.code.empty()) {
                township.code = v.township_code;
                township.name = v.township_name;
                township.county_code = v.county_code;
                township.county_name = v.county_name;
            }
            township.counts.add(c);
            if (s.status.late) late_positions.push_back(pos);
        }
        for (auto& [code, u] : counties) result.counties.push_back(std::move(u));
        for (auto& u : townships)
            if (u.counts.villages > 0) result.townships.push_back(std::move(u));
        std::sort(result.townships.begin(), result.townships.end(),
                  [](const UnitProgress& a, const UnitProgress& b) { return a.code < b.code; });
        {  // by village code; the villages mostly come in code order already
            auto by_code = [&](std::size_t a, std::size_t b) {
                return index.villages()[a].code < index.villages()[b].code;
            };
            if (!std::is_sorted(late_positions.begin(), late_positions.end(), by_code))
                std::sort(late_positions.begin(), late_positions.end(), by_code);
        }
        result.late.reserve(late_positions.size());
        for (std::size_t pos : late_positions) {
            const VillageState& s = states[pos];
            LateVillage late;
            late.village = pos;
            late.planned = s.progress.planned;
            late.started = s.progress.started;
            late.completed = s.progress.completed;
            late.accepted = s.progress.accepted;
            late.stage = s.status.stage;
            late.due = s.status.due;
            late.report_date = s.report_date;
            late.import_id = source_import[pos];
            late.row = s.row;
            result.late.push_back(late);
        }
        // city totals as of every report date
        if (full) {  // one walk over each village's history
            std::sort(dates.begin(), dates.end());
            dates.erase(std::unique(dates.begin(), dates.end()), dates.end());
            result.trend.resize(dates.size());
            for (std::size_t k = 0; k < dates.size(); ++k) {
                result.trend[k].date = date_text(dates[k]);
                result.trend[k].planned = planned_total;
            }
            for (std::size_t pos = 0; pos < info.size(); ++pos) {
                const long long plan = info[pos].planned;
                const auto& h = history[pos];
                if (plan <= 0 || h.empty()) continue;
                std::size_t j = 0;
                const Entry* e = nullptr;
                for (std::size_t k = 0; k < dates.size(); ++k) {
                    while (j < h.size() && h[j].date <= dates[k]) e = &h[j++];
                    if (!e) continue;
                    result.trend[k].started += std::min<long long>(e->started, plan);
                    result.trend[k].completed += std::min<long long>(e->completed, plan);
                    result.trend[k].accepted += std::min<long long>(e->accepted, plan);
                }
            }
        } else {  // the points stored by earlier runs, and this run's
            std::map<int, TrendPoint> points;
            if (db.has_table("progress_trend"))
                db.each("SELECT report_date, planned, started, completed, accepted FROM progress_trend",
                        [&](sqlite3_stmt* st) {
                            TrendPoint t{sql_text(st, 0), sqlite3_column_int64(st, 1), sqlite3_column_int64(st, 2),
                                         sqlite3_column_int64(st, 3), sqlite3_column_int64(st, 4)};
                            points[date_number(t.date)] = t;
                        });
            for (const auto& [d, t] : trend_points) points[d] = t;
            for (const auto& [d, t] : points) result.trend.push_back(t);
        }
        // the cache of latest entries: rewritten whole when most villages changed (appending to an
        // empty table is quicker than replacing rows one by one)
        const auto changed = static_cast<std::size_t>(std::count(touched.begin(), touched.end(), 1));
        const bool rewrite = full || changed * 2 > info.size();
        std::vector<LatestEntry> latest;
        latest.reserve(rewrite ? info.size() : changed);
        for (std::size_t pos = 0; pos < info.size(); ++pos) {
            if (history[pos].empty() || (!rewrite && !touched[pos])) continue;
            const Entry& e = history[pos].back();
            latest.push_back({info[pos].fid, date_text(e.date), e.import_id, e.row, e.started, e.completed, e.accepted,
                              date_text(e.since)});
        }
        if (!read_only) write_progress_caches(db, latest, rewrite, result.trend);
        // what is no longer needed is freed on the second core while SQLite writes the villages
        result.villages = std::make_shared<const std::vector<Village>>(index.take_villages());
        cleaner = std::thread(
            [garbage = std::make_shared<
                 std::tuple<VillageIndex, std::vector<std::vector<Entry>>, FidPositions, std::vector<LatestEntry>>>(
                 std::move(index), std::move(history), std::move(position_of_fid), std::move(latest))]() mutable {
                garbage.reset();
            });
        progress.update(0.86, "Writing the village status");
        if (!read_only) result.villages_written = write_village_states(db, states);
        if (!read_only)
            dataset::log_run(db, {"progress", options.command_line, started_at, {{"as_of", result.as_of}}});
        result.seconds_state = lap();
        result.ledger_rows = ledger_exists ? db.scalar("SELECT count(*) FROM progress_ledger") : 0;
        result.ledger_imports = ledger_exists ? db.scalar("SELECT count(*) FROM progress_imports") : 0;
        result.import_files.insert(import_files.begin(), import_files.end());
        for (const auto& issue : result.issues)
            (issue.severity == Severity::error ? result.errors : result.warnings)++;
        result.seconds_state += lap();
        // The workbook and chart are written (to .partial files) before the ledger is committed:
        // an output that cannot be written leaves the ledger as it was, so a retry imports again.
        std::vector<fs::path> inputs(options.reports.begin(), options.reports.end());
        inputs.emplace_back(options.merged);
        if (!options.output.empty()) {
            progress.update(0.9, "Writing the workbook");
            staged.push_back(write_progress_workbook(options.output, options.overwrite, inputs, db, result));
        }
        for (const auto& chart : options.charts)
            staged.push_back(write_progress_chart(chart, options.overwrite, inputs, result));
        result.seconds_outputs = lap();
        progress.update(0.97, "Committing the ledger");
        db.exec(read_only ? "ROLLBACK" : "COMMIT");
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
    result.seconds_commit = lap();
    for (auto& out : staged) {
        out->commit();
        result.outputs.push_back(out->target());
    }
    progress.update(1.0, "done");
    return result;
}

}  // namespace cleanheat

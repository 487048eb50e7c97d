#include "io/rtree_bulk.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "base/error.hpp"
#include "io/sqlite_util.hpp"

namespace cleanheat {
namespace {

constexpr int kBytesPerCell = 8 + 4 * 4;  // rowid + four float32 coordinates

// float32 bounds that contain the double value, as SQLite's rtree stores them
float round_down(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) > v) f = std::nextafter(f, -INFINITY);
    return f;
}
float round_up(double v) {
    float f = static_cast<float>(v);
    if (static_cast<double>(f) < v) f = std::nextafter(f, INFINITY);
    return f;
}

void put_u16(unsigned char* p, unsigned v) {
    p[0] = static_cast<unsigned char>(v >> 8);
    p[1] = static_cast<unsigned char>(v);
}
void put_i64(unsigned char* p, long long value) {
    const auto v = static_cast<std::uint64_t>(value);
    for (int i = 0; i < 8; ++i) p[i] = static_cast<unsigned char>(v >> (56 - 8 * i));
}
void put_f32(unsigned char* p, float f) {
    std::uint32_t v;
    std::memcpy(&v, &f, 4);
    for (int i = 0; i < 4; ++i) p[i] = static_cast<unsigned char>(v >> (24 - 8 * i));
}

struct NodeBox {
    float min_x, max_x, min_y, max_y;
    double cx() const { return (static_cast<double>(min_x) + max_x) / 2; }
    double cy() const { return (static_cast<double>(min_y) + max_y) / 2; }
};

struct Item {  // an entry (leaf level) or a child node (upper levels)
    long long id;
    NodeBox box;
};

struct Node {
    std::vector<Item> cells;
    NodeBox box;
    long long number = 0;  // nodeno, assigned later
};

// Sort-Tile-Recursive grouping of items into nodes of at most `capacity` cells.
std::vector<std::vector<Item>> pack(std::vector<Item> items, std::size_t capacity) {
    const std::size_t n = items.size();
    const std::size_t nodes = (n + capacity - 1) / capacity;
    const auto slices = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(nodes))));
    const std::size_t per_slice = slices * capacity;
    std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) { return a.box.cx() < b.box.cx(); });
    std::vector<std::vector<Item>> out;
    for (std::size_t s = 0; s < n; s += per_slice) {
        const std::size_t end = std::min(n, s + per_slice);
        std::sort(items.begin() + static_cast<std::ptrdiff_t>(s), items.begin() + static_cast<std::ptrdiff_t>(end),
                  [](const Item& a, const Item& b) { return a.box.cy() < b.box.cy(); });
        for (std::size_t i = s; i < end; i += capacity)
            out.emplace_back(items.begin() + static_cast<std::ptrdiff_t>(i),
                             items.begin() + static_cast<std::ptrdiff_t>(std::min(end, i + capacity)));
    }
    return out;
}

NodeBox union_of(const std::vector<Item>& cells) {
    NodeBox b = cells.front().box;
    for (const auto& c : cells) {
        b.min_x = std::min(b.min_x, c.box.min_x);
        b.max_x = std::max(b.max_x, c.box.max_x);
        b.min_y = std::min(b.min_y, c.box.min_y);
        b.max_y = std::max(b.max_y, c.box.max_y);
    }
    return b;
}

class Statement {
public:
    Statement(sqlite3* db, const std::string& sql) : db_(db) {
        if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s_, nullptr) != SQLITE_OK)
            throw OutputError(std::string("cannot write the spatial index: ") + sqlite3_errmsg(db));
    }
    ~Statement() { sqlite3_finalize(s_); }
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;
    sqlite3_stmt* get() { return s_; }
    void run() {
        if (sqlite3_step(s_) != SQLITE_DONE)
            throw OutputError(std::string("cannot write the spatial index: ") + sqlite3_errmsg(db_));
        sqlite3_reset(s_);
    }

private:
    sqlite3* db_;
    sqlite3_stmt* s_ = nullptr;
};

}  // namespace

bool bulk_load_rtree(sqlite3* db, const std::string& rtree, std::vector<RtreeEntry> entries) {
    const long long node_size =
        sql_scalar(db, "SELECT length(data) FROM " + sql_identifier(rtree + "_node") + " WHERE nodeno = 1");
    if (node_size < 4 + kBytesPerCell * 2) return false;
    if (sql_scalar(db, "SELECT count(*) FROM " + sql_identifier(rtree + "_rowid")) != 0) return false;
    if (sql_scalar(db, "SELECT count(*) FROM " + sql_identifier(rtree + "_node")) != 1) return false;
    const auto capacity = static_cast<std::size_t>((node_size - 4) / kBytesPerCell);
    if (entries.empty()) return true;

    std::vector<Item> items;
    items.reserve(entries.size());
    for (const auto& [id, e] : entries)
        items.push_back({id, {round_down(e.MinX), round_up(e.MaxX), round_down(e.MinY), round_up(e.MaxY)}});
    entries.clear();
    entries.shrink_to_fit();

    // levels[0] = leaves; the last level has one node, the root
    std::vector<std::vector<Node>> levels;
    std::vector<Item> current = std::move(items);
    do {
        std::vector<Node> level;
        for (auto& cells : pack(std::move(current), capacity)) {
            Node node;
            node.box = union_of(cells);
            node.cells = std::move(cells);
            level.push_back(std::move(node));
        }
        current.clear();
        for (std::size_t i = 0; i < level.size(); ++i)
            current.push_back({static_cast<long long>(i), level[i].box});  // ids fixed up below
        levels.push_back(std::move(level));
    } while (levels.back().size() > 1);

    // node numbers: the root is 1, then level by level from the top
    long long next = 1;
    for (auto level = levels.rbegin(); level != levels.rend(); ++level)
        for (auto& node : *level) node.number = next++;
    // upper cells point to their children's numbers
    for (std::size_t l = 1; l < levels.size(); ++l)
        for (auto& node : levels[l])
            for (auto& cell : node.cells) cell.id = levels[l - 1][static_cast<std::size_t>(cell.id)].number;

    const int depth = static_cast<int>(levels.size()) - 1;
    Statement write_node(db,
                         "INSERT OR REPLACE INTO " + sql_identifier(rtree + "_node") + " (nodeno, data) VALUES (?, ?)");
    Statement write_rowid(db, "INSERT INTO " + sql_identifier(rtree + "_rowid") + " (rowid, nodeno) VALUES (?, ?)");
    Statement write_parent(db,
                           "INSERT INTO " + sql_identifier(rtree + "_parent") + " (nodeno, parentnode) VALUES (?, ?)");
    std::vector<unsigned char> data(static_cast<std::size_t>(node_size));
    for (std::size_t l = 0; l < levels.size(); ++l) {
        for (const auto& node : levels[l]) {
            std::fill(data.begin(), data.end(), 0);
            put_u16(data.data(), node.number == 1 ? static_cast<unsigned>(depth) : 0u);
            put_u16(data.data() + 2, static_cast<unsigned>(node.cells.size()));
            unsigned char* p = data.data() + 4;
            for (const auto& cell : node.cells) {
                put_i64(p, cell.id);
                put_f32(p + 8, cell.box.min_x);
                put_f32(p + 12, cell.box.max_x);
                put_f32(p + 16, cell.box.min_y);
                put_f32(p + 20, cell.box.max_y);
                p += kBytesPerCell;
                if (l == 0) {
                    sqlite3_bind_int64(write_rowid.get(), 1, cell.id);
                    sqlite3_bind_int64(write_rowid.get(), 2, node.number);
                    write_rowid.run();
                } else {
                    sqlite3_bind_int64(write_parent.get(), 1, cell.id);
                    sqlite3_bind_int64(write_parent.get(), 2, node.number);
                    write_parent.run();
                }
            }
            sqlite3_bind_int64(write_node.get(), 1, node.number);
            sqlite3_bind_blob(write_node.get(), 2, data.data(), static_cast<int>(data.size()), SQLITE_TRANSIENT);
            write_node.run();
        }
    }
    return true;
}

}  // namespace cleanheat

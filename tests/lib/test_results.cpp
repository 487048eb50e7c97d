// dataset/results.hpp against a real PostgreSQL: a table keyed by village replaced by the rows
// that changed (a few: those only; most: all written again), rows of keys no longer given
// deleted, unchanged rows left as they were (their row versions stay).
#include <gtest/gtest.h>

#include <functional>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>
#include <memory>
#include <string>

#include "dataset/results.hpp"
#include "io/gpkg_writer.hpp"
#include "io/pg_connection.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

class ResultsOnTheDatabase : public ::testing::Test {
protected:
    void SetUp() override {
        if (!pg_.available()) return;
        db_ = std::make_unique<PgConnection>(pg_.conninfo());
        db_->exec("CREATE SCHEMA r; CREATE TABLE r.villages (fid bigint PRIMARY KEY)");
    }
    // The table made by the first write (as a command does: made, written, keyed in one transaction).
    bool made_now(const char* table, int srid) {
        return dataset::pg_prepare_result_tables(*db_, "r", "contiguity", {table}, srid).count(table) > 0;
    }
    long long primary_keys(const char* table) const {
        return db_->query("SELECT count(*) FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'",
                          {std::string("r.") + table})
            .integer(0, 0);
    }

    // Rows 1..n: village `key` in cluster `cluster(key)`, its class a text with what COPY escapes.
    long long write(std::size_t n, const std::function<long long(long long)>& cluster) {
        db_->exec("BEGIN");
        const bool made = made_now("village_contiguity", 0);
        const long long written = dataset::pg_replace_changed_rows(
            *db_, "r", dataset::table("village_contiguity"), n, [&](std::size_t i, dataset::RowOut& out) {
                const long long key = static_cast<long long>(i) + 1;
                out.integer(key);
                out.integer_or_null(cluster(key), cluster(key) > 0);
                out.integer(3);
                out.null();
                out.null();
                out.integer(key % 2);
                out.integer(0);
                out.integer(0);
                out.text(key % 3 ? "成片\t" + std::to_string(cluster(key)) : "\\N");
            },
            nullptr, made);
        db_->exec("COMMIT");
        return written;
    }
    // key -> "cluster|class|xmin" as the table holds it
    std::map<long long, std::string> rows() const {
        std::map<long long, std::string> out;
        const PgResult r = db_->query(
            "SELECT village_fid, coalesce(cluster_id::text, 'NULL') || '|' || contiguity, xmin::text FROM "
            "r.village_contiguity");
        for (int i = 0; i < r.rows(); ++i) out[r.integer(i, 0)] = r.text(i, 1) + "|" + r.text(i, 2);
        return out;
    }
    static std::string expected(long long key, long long cluster) {
        return (cluster > 0 ? std::to_string(cluster) : std::string("NULL")) + "|" +
               (key % 3 ? "成片\t" + std::to_string(cluster) : "\\N");
    }
    static std::string without_xmin(const std::string& row) { return row.substr(0, row.rfind('|')); }

    test::PgTestDatabase pg_;
    std::unique_ptr<PgConnection> db_;
};

TEST_F(ResultsOnTheDatabase, OnlyTheRowsThatChangedAreWrittenAndTheRestKeepTheirVersions) {
    CLEANHEAT_REQUIRE_PG(pg_);
    auto first = [](long long key) { return key % 5; };
    EXPECT_EQ(write(100, first), 100);
    EXPECT_EQ(primary_keys("village_contiguity"), 1);  // made keyless, keyed once its rows were in
    const auto before = rows();
    ASSERT_EQ(before.size(), 100u);
    for (const auto& [key, row] : before) EXPECT_EQ(without_xmin(row), expected(key, first(key))) << key;

    // the same rows again: nothing written
    EXPECT_EQ(write(100, first), 0);
    EXPECT_EQ(rows(), before);

    // 30 rows change: those written, the other 70 keep their row versions
    auto second = [&](long long key) { return key <= 30 ? first(key) + 10 : first(key); };
    EXPECT_EQ(write(100, second), 30);
    const auto after = rows();
    ASSERT_EQ(after.size(), 100u);
    for (const auto& [key, row] : after) {
        EXPECT_EQ(without_xmin(row), expected(key, second(key))) << key;
        EXPECT_EQ(row == before.at(key), key > 30) << key;
    }

    // 10 villages gone, none changed: their rows deleted, nothing written
    EXPECT_EQ(write(90, second), 0);
    const auto fewer = rows();
    ASSERT_EQ(fewer.size(), 90u);
    for (const auto& [key, row] : fewer) EXPECT_EQ(row, after.at(key)) << key;
}

TEST_F(ResultsOnTheDatabase, ATableMadeForNoRowsIsKeyedToo) {
    CLEANHEAT_REQUIRE_PG(pg_);
    EXPECT_EQ(write(0, [](long long) { return 1; }), 0);
    EXPECT_EQ(primary_keys("village_contiguity"), 1);
    EXPECT_EQ(write(3, [](long long) { return 1; }), 3);
}

TEST_F(ResultsOnTheDatabase, MostRowsChangedAreAllWrittenAgainAndNoneIsLost) {
    CLEANHEAT_REQUIRE_PG(pg_);
    auto first = [](long long key) { return key % 5; };
    write(100, first);
    // 80 of 100 change, 5 villages gone: every row given written, none of the 20 unchanged lost
    auto second = [](long long key) { return key <= 80 ? key % 5 + 20 : key % 5; };
    EXPECT_EQ(write(95, second), 95);
    const auto after = rows();
    ASSERT_EQ(after.size(), 95u);
    for (const auto& [key, row] : after) EXPECT_EQ(without_xmin(row), expected(key, second(key))) << key;
}

// A GeoPackage blob of the square [x, x+1] x [0, 1] (NDR WKB polygon).
std::vector<unsigned char> square(double x) {
    std::string wkb(1, '\x01');
    auto u32 = [&](std::uint32_t v) { wkb.append(reinterpret_cast<const char*>(&v), 4); };
    auto f64 = [&](double v) { wkb.append(reinterpret_cast<const char*>(&v), 8); };
    u32(3);
    u32(1);
    u32(5);
    for (const auto& [px, py] : std::vector<std::pair<double, double>>{{x, 0}, {x + 1, 0}, {x + 1, 1}, {x, 1}, {x, 0}}) {
        f64(px);
        f64(py);
    }
    std::string blob;
    EXPECT_TRUE(gpkg_blob_from_wkb(wkb, 4527, blob));
    return {blob.begin(), blob.end()};
}

TEST_F(ResultsOnTheDatabase, ATableReplacedWholeIsLeftAsItWasWhenItsRowsAreTheSame) {
    CLEANHEAT_REQUIRE_PG(pg_);
    db_->exec("CREATE EXTENSION IF NOT EXISTS postgis");
    // cluster i: the square at x = shift(i), i villages
    auto replace = [&](std::size_t n, const std::function<double(long long)>& shift) {
        db_->exec("BEGIN");
        const bool made = made_now("clusters", 4527);
        const bool written = dataset::pg_replace_rows(
            *db_, "r", dataset::table("clusters"), n,
            [&](std::size_t i, dataset::RowOut& out) {
                const long long id = static_cast<long long>(i) + 1;
                out.integer(id);
                out.geometry(i == 2 ? std::vector<unsigned char>{} : square(shift(id)));  // the third has none
                out.integer(id);
                out.integer(id);
                out.real(id * 1.5);
                out.real(0.1 * static_cast<double>(id));
                out.text("370102");
                out.text("煤改气 " + std::to_string(id));
            },
            4527, made);
        db_->exec("COMMIT");
        return written;
    };
    auto state = [&] {
        return db_->query("SELECT string_agg(fid || ':' || coalesce(ST_AsText(geom), 'NULL') || ':' || xmin, ' ' ORDER BY fid) "
                          "FROM r.clusters")
            .text(0, 0);
    };
    auto at = [](long long id) { return static_cast<double>(id); };
    EXPECT_TRUE(replace(4, at));
    EXPECT_EQ(primary_keys("clusters"), 1);
    const std::string first = state();
    EXPECT_NE(first.find("3:NULL"), std::string::npos) << first;
    EXPECT_NE(first.find("4:POLYGON((4 0,5 0,5 1,4 1,4 0))"), std::string::npos) << first;
    EXPECT_FALSE(replace(4, at));  // the same rows: left as they were (their row versions too)
    EXPECT_EQ(state(), first);
    // one outline moved, nothing else: written again
    EXPECT_TRUE(replace(4, [](long long id) { return id == 4 ? 4.5 : static_cast<double>(id); }));
    EXPECT_NE(state().find("4:POLYGON((4.5 0,5.5 0,5.5 1,4.5 1,4.5 0))"), std::string::npos) << state();
    EXPECT_TRUE(replace(3, at));  // one row fewer
    EXPECT_EQ(db_->query("SELECT count(*) FROM r.clusters").integer(0, 0), 3);
}

}  // namespace
}  // namespace cleanheat

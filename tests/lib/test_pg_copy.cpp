// io/pg_connection.hpp's COPY into a table against a real PostgreSQL: rows made while the ones
// before are sent (a thread of its own) arrive whole and in order, what COPY's text format escapes
// comes back as it was, and a connection lost in the middle is an error, not a short table.
#include <gtest/gtest.h>

#include <string>

#include "base/error.hpp"
#include "io/pg_connection.hpp"
#include "support.hpp"

namespace cleanheat {
namespace {

TEST(PgCopyIn, RowsOfManyChunksArriveWholeInOrderAndEscapedValuesComeBackAsTheyWere) {
    test::PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const PgConnection db(pg.conninfo());
    db.exec("CREATE TABLE copied (n bigint, value text, nothing text, arrived bigint GENERATED ALWAYS AS IDENTITY)");
    // about 12 MB: a dozen chunks of 1 MB, each made while the one before is sent
    const std::string awkward = "tab\there, new\nline, back\\slash, return\r, \\N, 张家村";
    const long long rows = 60000;
    long long written = 0;
    {
        PgCopyIn copy(db, "copied", {"n", "value", "nothing"});
        for (long long n = 1; n <= rows; ++n) {
            copy.field(std::to_string(n));
            copy.field(n % 1000 == 0 ? awkward : std::string(180, static_cast<char>('a' + n % 26)));
            copy.null();
            copy.end_row();
        }
        written = copy.finish();
    }
    EXPECT_EQ(written, rows);
    // the connection is the caller's again
    EXPECT_EQ(db.query("SELECT count(*), min(n), max(n), count(DISTINCT n), count(nothing) FROM copied").integer(0, 0), rows);
    EXPECT_EQ(db.query("SELECT sum(n) FROM copied").integer(0, 0), rows * (rows + 1) / 2);
    EXPECT_EQ(db.query("SELECT count(*) FROM copied WHERE value = $1", {awkward}).integer(0, 0), rows / 1000);
    EXPECT_EQ(db.query("SELECT count(*) FROM copied WHERE n % 1000 <> 0 AND value <> repeat(chr(97 + (n % 26)::int), 180)")
                  .integer(0, 0), 0);
    // read by the server in the order written (`arrived` numbers the rows as it reads them)
    EXPECT_EQ(db.query("SELECT count(*) FROM copied WHERE n <> arrived").integer(0, 0), 0);
}

TEST(PgCopyIn, AConnectionLostInTheMiddleIsAnErrorAndNothingIsLeftHalfWritten) {
    test::PgTestDatabase pg;
    CLEANHEAT_REQUIRE_PG(pg);
    const PgConnection db(pg.conninfo());
    db.exec("CREATE TABLE copied (n bigint, value text)");
    const long long pid = db.query("SELECT pg_backend_pid()").integer(0, 0);
    bool failed = false;
    try {
        PgCopyIn copy(db, "copied", {"n", "value"});
        for (long long n = 1; n <= 200000; ++n) {
            if (n == 1000) {  // the server ends this connection's session
                const PgConnection other(pg.conninfo());
                other.query("SELECT pg_terminate_backend($1::int)", {std::to_string(pid)});
            }
            copy.field(std::to_string(n));
            copy.field(std::string(100, 'x'));
            copy.end_row();
        }
        copy.finish();
    } catch (const OutputError& e) {
        failed = true;
        EXPECT_NE(std::string(e.what()).find("COPY"), std::string::npos) << e.what();
    }
    EXPECT_TRUE(failed);
    const PgConnection after(pg.conninfo());
    EXPECT_EQ(after.query("SELECT count(*) FROM copied").integer(0, 0), 0);
}

}  // namespace
}  // namespace cleanheat

// pg::Pipeline and pg::Transaction (storage/postgres/pg_connection.h) on the
// ctest run's PostgreSQL server: answers in order, a failure rolls the whole
// transaction back and leaves the connection usable, statements prepared
// inside a pipeline, a lost connection; binary array parameters read back
// element by element.
#include "storage/postgres/pg_connection.h"

#include <gtest/gtest.h>

#include "tests/support/postgres_server.h"

namespace forager::storage::pg {
namespace {

const Statement kInsert = {"t_insert", "INSERT INTO t(id, v) VALUES ($1, $2)"};
const Statement kInsertReturning = {"t_insert_returning", "INSERT INTO t(id, v) VALUES ($1, $2) RETURNING id * 10"};
const Statement kCount = {"t_count", "SELECT count(*) FROM t"};
const Statement kCountPlanned = {"t_count_planned", "SELECT count(*) FROM t WHERE id > $1", true};
const Statement kBad = {"t_bad", "SELECT no_such_column FROM t"};

class PgConnectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FORAGER_USE_TEST_DATABASE(db_);
    conn_.emplace(db_->connect());
    conn_->exec("CREATE SCHEMA forager; CREATE TABLE forager.t(id integer PRIMARY KEY, v text)");  // the session's search_path
  }
  int64_t rows_in_t() { return db_->connect().query("SELECT count(*) FROM forager.t").int64(0, 0); }

  std::unique_ptr<testing::TestDatabase> db_;
  std::optional<Connection> conn_;
};

TEST_F(PgConnectionTest, PipelineAnswersEachStatementInOrder) {
  Transaction tx(*conn_);
  Pipeline pipeline(*conn_);
  EXPECT_EQ(pipeline.add(kInsert, {integer(1), text("a")}), 0u);
  EXPECT_EQ(pipeline.add(kInsertReturning, {integer(2), text("b")}), 1u);
  EXPECT_EQ(pipeline.add(kCount), 2u);
  EXPECT_EQ(pipeline.add(kCountPlanned, {integer(1)}), 3u);
  std::vector<Result> results = tx.commit(pipeline);
  ASSERT_EQ(results.size(), 4u);
  EXPECT_EQ(results[0].affected(), 1);
  EXPECT_EQ(results[1].int64(0, 0), 20);
  EXPECT_EQ(results[2].int64(0, 0), 2);  // inside the transaction: both rows
  EXPECT_EQ(results[3].int64(0, 0), 1);
  EXPECT_EQ(rows_in_t(), 2);  // committed
  // The statements were prepared in the pipeline: run() uses them as they are.
  EXPECT_EQ(conn_->run(kCount).int64(0, 0), 2);
  EXPECT_EQ(conn_->run(kInsertReturning, {integer(3), text("c")}).int64(0, 0), 30);
}

TEST_F(PgConnectionTest, FailureInAPipelineRollsTheTransactionBackAndThrowsTheFirstError) {
  {
    Transaction tx(*conn_);
    Pipeline pipeline(*conn_);
    pipeline.add(kInsert, {integer(1), text("a")});
    pipeline.add(kInsert, {integer(1), text("again")});  // duplicate key
    pipeline.add(kBad);                                   // skipped: never reported
    pipeline.add(kInsert, {integer(3), text("c")});
    try {
      tx.commit(pipeline);
      FAIL() << "a duplicate key was accepted";
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("duplicate key"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("t_insert"), std::string::npos) << e.what();
    }
  }
  EXPECT_FALSE(conn_->broken());
  EXPECT_EQ(rows_in_t(), 0);
  // The connection is out of pipeline mode and out of the failed transaction;
  // the skipped statement was not taken for prepared.
  EXPECT_EQ(conn_->run(kCount).int64(0, 0), 0);
  EXPECT_THROW(conn_->run(kBad), StoreError);
  Transaction tx(*conn_);
  conn_->run(kInsert, {integer(7), text("g")});
  tx.commit();
  EXPECT_EQ(rows_in_t(), 1);
}

TEST_F(PgConnectionTest, TransactionBeginsWithItsFirstStatementAndRollsBackUnlessCommitted) {
  {
    Transaction tx(*conn_);
    conn_->run(kInsert, {integer(1), text("a")});
    EXPECT_EQ(conn_->query("SELECT count(*) FROM t").int64(0, 0), 1);
    EXPECT_EQ(rows_in_t(), 0);  // not visible outside before the commit
  }  // rolled back
  EXPECT_EQ(rows_in_t(), 0);
  {
    Transaction tx(*conn_);  // runs nothing: sends nothing, and commits nothing
    tx.commit();
  }
  {
    Transaction tx(*conn_);
  }
  conn_->run(kInsert, {integer(2), text("b")});  // outside a transaction: committed at once
  EXPECT_EQ(rows_in_t(), 1);
  {
    Transaction tx(*conn_);
    conn_->exec("INSERT INTO t(id, v) VALUES (3, 'c')");
    tx.commit();
  }
  EXPECT_EQ(rows_in_t(), 2);
}

TEST_F(PgConnectionTest, LostConnectionDuringAPipelineThrowsAndReconnects) {
  const int64_t pid = conn_->query("SELECT pg_backend_pid()").int64(0, 0);
  db_->connect().query("SELECT pg_terminate_backend($1::integer)", {integer(pid)});
  {
    Transaction tx(*conn_);
    Pipeline pipeline(*conn_);
    pipeline.add(kInsert, {integer(1), text("a")});
    pipeline.add(kCount);
    EXPECT_THROW(tx.commit(pipeline), StoreError);
  }
  EXPECT_TRUE(conn_->broken());
  ASSERT_TRUE(conn_->reconnect(10000));
  Transaction tx(*conn_);
  Pipeline pipeline(*conn_);
  pipeline.add(kInsert, {integer(1), text("a")});
  pipeline.add(kCount);
  EXPECT_EQ(tx.commit(pipeline)[1].int64(0, 0), 1);
  EXPECT_EQ(rows_in_t(), 1);
}

// The session ends in the middle of a pipeline (as when the server shuts
// down: a FATAL error, then the end of the connection): the pipeline throws
// and the connection knows it is broken, so a caller reconnects.
TEST_F(PgConnectionTest, SessionEndingInsideAPipelineLeavesTheConnectionBroken) {
  const Statement terminate_self = {"t_terminate_self", "SELECT pg_terminate_backend(pg_backend_pid())"};
  {
    Transaction tx(*conn_);
    Pipeline pipeline(*conn_);
    pipeline.add(kInsert, {integer(1), text("a")});
    pipeline.add(terminate_self);
    pipeline.add(kCount);
    EXPECT_THROW(tx.commit(pipeline), StoreError);
  }
  EXPECT_TRUE(conn_->broken());
  EXPECT_EQ(rows_in_t(), 0);
  ASSERT_TRUE(conn_->reconnect(10000));
  EXPECT_EQ(conn_->run(kCount).int64(0, 0), 0);
}

// Every element type, with NULLs, empty values, bytes text could not hold
// and the bounds of each integer type, unnested back exactly.
TEST_F(PgConnectionTest, SessionsRunWithoutJit) {
  EXPECT_EQ(conn_->query("SELECT current_setting('jit')").text(0, 0), "off");
}

TEST_F(PgConnectionTest, ArrayParamsReachTheServerElementByElement) {
  ArrayParam big(Element::kBigint), small(Element::kSmallint), flag(Element::kBoolean), word(Element::kText),
      blob(Element::kBytea), number(Element::kInteger);
  const std::string raw("\0\xff\x80\"{}\\,", 8);
  big.add(INT64_MIN);
  big.add(std::optional<int64_t>());
  big.add(INT64_MAX);
  number.add(INT32_MIN);
  number.add(int64_t{7});
  number.add(INT32_MAX);
  small.add(-32768);
  small.add(int64_t{2});
  small.add(32767);
  flag.add_bool(true);
  flag.add_bool(std::nullopt);
  flag.add_bool(false);
  word.add_text("a \"quoted\" {word}, \\ NULL");
  word.add_text_or_null("");
  word.add_text("\xc3\xa9t\xc3\xa9");
  blob.add_bytes(raw);
  blob.add_bytes("");
  blob.add_bytes("NULL");
  Result r = conn_->query(
      "SELECT a, b, c, d, e, f, e IS NULL FROM unnest($1::bigint[], $2::integer[], $3::smallint[], $4::boolean[], "
      "$5::text[], $6::bytea[]) WITH ORDINALITY AS x(a, b, c, d, e, f, n) ORDER BY n",
      {big.param(), number.param(), small.param(), flag.param(), word.param(), blob.param()});
  ASSERT_EQ(r.rows(), 3);
  EXPECT_EQ(r.int64(0, 0), INT64_MIN);
  EXPECT_TRUE(r.is_null(1, 0));
  EXPECT_EQ(r.int64(2, 0), INT64_MAX);
  EXPECT_EQ(r.int64(0, 1), INT32_MIN);
  EXPECT_EQ(r.int64(1, 1), 7);
  EXPECT_EQ(r.int64(2, 1), INT32_MAX);
  EXPECT_EQ(r.int64(0, 2), -32768);
  EXPECT_EQ(r.int64(2, 2), 32767);
  EXPECT_TRUE(r.boolean(0, 3));
  EXPECT_TRUE(r.is_null(1, 3));
  EXPECT_FALSE(r.is_null(2, 3));
  EXPECT_FALSE(r.boolean(2, 3));
  EXPECT_EQ(r.text(0, 4), "a \"quoted\" {word}, \\ NULL");
  EXPECT_TRUE(r.boolean(1, 6));  // "" went as NULL
  EXPECT_EQ(r.text(2, 4), "\xc3\xa9t\xc3\xa9");
  EXPECT_EQ(r.text(0, 5), raw);
  EXPECT_FALSE(r.is_null(1, 5));
  EXPECT_EQ(r.text(1, 5), "");
  EXPECT_EQ(r.text(2, 5), "NULL");
  // An empty array is an array with no element, not NULL.
  Result empty = conn_->query("SELECT cardinality($1::bigint[]), $1::bigint[] IS NULL",
                              {ArrayParam(Element::kBigint).param()});
  EXPECT_EQ(empty.int64(0, 0), 0);
  EXPECT_FALSE(empty.boolean(0, 1));
}

TEST_F(PgConnectionTest, ArrayParamRefusesAnElementItsTypeCannotHold) {
  ArrayParam small(Element::kSmallint), number(Element::kInteger), word(Element::kText);
  EXPECT_THROW(small.add(32768), std::logic_error);
  EXPECT_THROW(number.add(int64_t{INT32_MAX} + 1), std::logic_error);
  EXPECT_THROW(word.add(int64_t{1}), std::logic_error);
  EXPECT_THROW(word.add_bytes("x"), std::logic_error);
  EXPECT_TRUE(small.empty());
  EXPECT_TRUE(word.empty());
  // The server checks the element type against the statement's cast.
  small.add(1);
  EXPECT_THROW(conn_->query("SELECT cardinality($1::bigint[])", {small.param()}), StoreError);
}

}  // namespace
}  // namespace forager::storage::pg

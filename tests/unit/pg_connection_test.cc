// pg::Pipeline and pg::Transaction (storage/postgres/pg_connection.h) on the
// ctest run's PostgreSQL server: answers in order, a failure rolls the whole
// transaction back and leaves the connection usable, statements prepared
// inside a pipeline, a lost connection.
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

}  // namespace
}  // namespace forager::storage::pg

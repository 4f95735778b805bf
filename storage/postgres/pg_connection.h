// Move-only RAII owners for libpq handles: a connection, a result, a scoped
// transaction, query parameters (one value, or a whole column as a binary
// PostgreSQL array, for one-statement batches with unnest), and a
// pipeline (statements sent together, answered in order: one round trip).
//
// Contract:
// - Every failure throws StoreError naming the location (the connection URI,
//   which never holds a password: Connection::open refuses one) and the
//   server's message. These types are the only place in forager that calls
//   PQfinish / PQclear.
// - Results of query() and run() are in binary format: text and bytea columns
//   read as raw bytes, integer and boolean columns through int64()/boolean().
// - Not thread-safe, not fork-safe: a Connection belongs to one thread of the
//   process that opened it.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/records.h"

namespace forager::storage::pg {

// A failure that trying the same transaction again may cure: a deadlock or
// serialization failure the server resolved by aborting this transaction.
struct RetryableError : StoreError {
  using StoreError::StoreError;
};

// A statement the server refused, with its SQLSTATE and the name of the
// statement (what a caller that raises an error on purpose looks for).
struct StatementError : StoreError {
  StatementError(const std::string& message, std::string state, std::string in)
      : StoreError(message), sqlstate(std::move(state)), statement(std::move(in)) {}
  std::string sqlstate;
  std::string statement;
};

// One query parameter: text format, or binary (raw bytes, for a bytea
// column); no value is SQL NULL.
struct Param {
  std::optional<std::string> value;
  bool binary = false;
};
Param null();
Param text(std::string value);
Param text_or_null(const std::string& value);  // "" is NULL
Param bytes(std::string value);                // a bytea value
Param integer(int64_t value);
Param boolean(bool value);

// The element type of an ArrayParam: the statement's cast of the parameter
// ($2::bigint[] is kBigint, $3::integer[] kInteger, ...).
enum class Element { kBigint, kInteger, kSmallint, kBoolean, kText, kBytea };

// A whole column passed as one array parameter (for one-statement batches
// with unnest), in PostgreSQL's binary array format: the server reads each
// element as it is, with no literal to parse or hex to decode.
//
// Contract: the element type must be the statement's cast of the parameter,
// or the server refuses the statement ("wrong element type"). add() of an
// integer needs kBigint, kInteger or kSmallint and a value that fits it;
// add_bool() kBoolean; add_text() kText (valid UTF-8, as any text); add_bytes()
// kBytea (any bytes). Anything else is a programming error: std::logic_error.
class ArrayParam {
 public:
  explicit ArrayParam(Element element) : element_(element) {}
  void add(int64_t value);
  void add(std::optional<int64_t> value);            // nullopt is NULL
  void add_bool(std::optional<bool> value);          // nullopt is NULL
  void add_text(std::string_view value);
  void add_text_or_null(std::string_view value);     // "" is NULL
  void add_bytes(std::string_view value);
  Param param() const;
  bool empty() const { return count_ == 0; }

 private:
  void add_element(std::string_view bytes);
  void add_null();
  void expect(bool ok, const char* what) const;

  Element element_;
  std::string elements_;  // each: its length (int32, big-endian), then its bytes; -1 and none for NULL
  int32_t count_ = 0;
  bool has_null_ = false;
};

class Result {
 public:
  explicit Result(PGresult* result) : result_(result) {}
  int rows() const { return PQntuples(result_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
  // The raw bytes of a text or bytea column ("" when NULL).
  std::string text(int row, int col) const;
  // An integer column (smallint, integer, bigint) or a boolean (0/1); 0 when NULL.
  int64_t int64(int row, int col) const;
  int int32(int row, int col) const { return static_cast<int>(int64(row, col)); }
  bool boolean(int row, int col) const { return int64(row, col) != 0; }
  // Rows changed by an INSERT, UPDATE or DELETE.
  int64_t affected() const;

 private:
  struct Clear {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
  };
  std::unique_ptr<PGresult, Clear> result_;
};

// A statement prepared on first use on each connection, by name. With
// plan_each_time it is not prepared but planned at every run, for the
// tables' current size and the parameters' values: for a statement on
// tables that grow from empty during a crawl, whose plan, cached while they
// were small, would go on scanning the whole run (PostgreSQL replans a cached
// plan only after an ANALYZE, which autovacuum may not run for a minute).
struct Statement {
  const char* name;
  const char* sql;
  bool plan_each_time = false;
};

class Pipeline;
// One statement of a Pipeline (its internals).
struct PipelineItem {
  const char* name;  // prepared under this name when `prepare`
  const char* sql;
  bool prepare;
  std::vector<Param> params;
};

class Connection {
 public:
  // Connects to `location` (a postgresql:// or postgres:// URI; libpq reads
  // the password from PGPASSWORD or ~/.pgpass). Throws StoreError when the
  // URI holds a password, or the server cannot be reached or refuses.
  static Connection open(const std::string& location);

  // Runs SQL text (one or more statements, no parameters); rows are ignored.
  void exec(const std::string& sql);
  // One statement with parameters, results in binary format.
  Result query(const std::string& sql, const std::vector<Param>& params = {});
  // A prepared statement (prepared on its first use).
  Result run(const Statement& statement, const std::vector<Param>& params = {});

  const std::string& location() const { return location_; }
  // Whether the session is gone (the server ended it, restarted, or the
  // network dropped it), not only the last statement failed: libpq saw the
  // connection end, or the server's last error was FATAL (it ends the
  // session; in a pipeline libpq may not have read the end yet).
  bool broken() const { return ended_ || PQstatus(conn_.get()) != CONNECTION_OK; }
  // Connects again (same URI, same session settings; statements are prepared
  // again on their next use), trying with backoff until `give_up_ms` of
  // waiting have passed. False when the server did not come back by then.
  bool reconnect(int64_t give_up_ms);
  // Runs `sql` (SET statements) now and again after every reconnect: settings
  // of this session that must outlive a lost connection.
  void keep_session_setting(const std::string& sql);

 private:
  friend class Pipeline;
  friend class Transaction;
  struct Finish {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
  };
  Connection(PGconn* conn, std::string location) : conn_(conn), location_(std::move(location)) {}
  Result check(PGresult* result, std::string_view what);
  // The BEGIN a Transaction left for the next statement to carry, if any
  // (and forgets it): sent with that statement, in one round trip.
  const char* take_begin() { return std::exchange(begin_, nullptr); }
  std::vector<Result> pipeline(const std::vector<PipelineItem>& items);

  std::unique_ptr<PGconn, Finish> conn_;
  std::string location_;
  const char* begin_ = nullptr;
  bool ended_ = false;  // a FATAL error ended the session (until reconnect)
  // jit off: forager's statements are short, and compiling one the planner
  // estimates costly takes longer than running it (in a profile of
  // bench/scale-out.sh, LLVM took a tenth of the server's CPU, in a session
  // after the crawl's; bench/RESULTS.md).
  std::string session_settings_ = "SET search_path TO forager; SET client_min_messages TO warning; SET jit TO off";
  std::set<std::string> prepared_;
};

// Statements sent together in libpq's pipeline mode, their answers read in
// order: one round trip for all of them instead of one each. Add them, then
// send() (or Transaction::commit(pipeline), which ends the pipeline with the
// COMMIT). After a statement fails, the server skips the rest of the
// pipeline; inside a Transaction they all roll back with it.
//
// Contract:
// - Statements are prepared on their first use on the connection, as
//   Connection::run does (the PREPARE goes in the same pipeline);
//   plan_each_time ones are planned at each run. Results are binary, as run().
// - send() returns one Result per add(), in order, or throws the first
//   failure as run() would (RetryableError for a deadlock or serialization
//   failure; StoreError else, and when the connection is lost). The
//   connection is out of pipeline mode again when it returns or throws.
// - A statement whose parameters depend on an earlier one's answer cannot
//   be in the same pipeline: send the first, then the next pipeline.
// - Sent in blocking mode: meant for a few statements whose answers are
//   small but the last (a read); libpq writes the whole pipeline before
//   reading any answer.
class Pipeline {
 public:
  explicit Pipeline(Connection& conn) : conn_(conn) {}
  // Queues a statement; its Result is send()'s at the returned index.
  size_t add(const Statement& statement, std::vector<Param> params = {});
  bool empty() const { return items_.empty(); }
  std::vector<Result> send();

 private:
  friend class Transaction;
  size_t add_sql(const char* sql);  // SQL text without parameters (COMMIT)

  Connection& conn_;
  std::vector<PipelineItem> items_;
};

// A transaction: its BEGIN goes with the first statement run on the
// connection after construction (one round trip, not two); ROLLBACK on
// destruction unless commit() ran. A transaction that ran nothing sends
// nothing.
class Transaction {
 public:
  explicit Transaction(Connection& conn, const char* begin = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();
  // Sends `last` with COMMIT at its end (statements and commit in one round
  // trip) and returns `last`'s results. When it throws, the transaction was
  // not committed (the destructor rolls it back) unless the COMMIT itself
  // was sent and its answer lost with the connection.
  std::vector<Result> commit(Pipeline& last);

 private:
  Connection& conn_;
  bool open_ = true;
};

// Whether `location` is a PostgreSQL connection URI (postgresql:// or postgres://).
bool is_uri(std::string_view location);
// Why `location` may not be used (a password in it), or nothing.
std::optional<std::string> uri_problem(const std::string& location);

}  // namespace forager::storage::pg

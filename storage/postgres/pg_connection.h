// Move-only RAII owners for libpq handles: a connection, a result, a scoped
// transaction, and query parameters (one value, or a whole column as a
// PostgreSQL array literal, for one-statement batches with unnest).
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
#include <vector>

#include "storage/records.h"

namespace forager::storage::pg {

// A failure that trying the same transaction again may cure: a deadlock or
// serialization failure the server resolved by aborting this transaction.
struct RetryableError : StoreError {
  using StoreError::StoreError;
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

// Array literals ('{...}') for columns passed as one parameter each.
class ArrayParam {
 public:
  void add(int64_t value);
  void add(std::optional<int64_t> value);
  void add_bool(std::optional<bool> value);
  void add_text(std::string_view value);             // a text element
  void add_text_or_null(std::string_view value);     // "" is NULL
  void add_bytes(std::string_view value);            // a bytea element (hex)
  Param param() const { return text(text_ + "}"); }
  bool empty() const { return count_ == 0; }

 private:
  void separate();
  std::string text_ = "{";
  size_t count_ = 0;
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
  // network dropped it), not only the last statement failed.
  bool broken() const { return PQstatus(conn_.get()) != CONNECTION_OK; }
  // Connects again (same URI, same session settings; statements are prepared
  // again on their next use), trying with backoff until `give_up_ms` of
  // waiting have passed. False when the server did not come back by then.
  bool reconnect(int64_t give_up_ms);
  // Runs `sql` (SET statements) now and again after every reconnect: settings
  // of this session that must outlive a lost connection.
  void keep_session_setting(const std::string& sql);

 private:
  struct Finish {
    void operator()(PGconn* c) const noexcept { PQfinish(c); }
  };
  Connection(PGconn* conn, std::string location) : conn_(conn), location_(std::move(location)) {}
  Result check(PGresult* result, std::string_view what) const;

  std::unique_ptr<PGconn, Finish> conn_;
  std::string location_;
  std::string session_settings_ = "SET search_path TO forager; SET client_min_messages TO warning";
  std::set<std::string> prepared_;
};

// BEGIN on construction; ROLLBACK on destruction unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Connection& conn, const char* begin = "BEGIN");
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Connection& conn_;
  bool open_ = true;
};

// Whether `location` is a PostgreSQL connection URI (postgresql:// or postgres://).
bool is_uri(std::string_view location);
// Why `location` may not be used (a password in it), or nothing.
std::optional<std::string> uri_problem(const std::string& location);

}  // namespace forager::storage::pg

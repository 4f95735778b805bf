// Move-only RAII owners for SQLite handles, plus a scoped transaction.
//
// Every failure throws StoreError with SQLite's message. These types are the
// only place in forager that calls sqlite3_close_v2 / sqlite3_finalize.
// Not thread-safe: a handle and the statements prepared on it belong to one
// thread at a time (the coordinator's).
#pragma once

#include <sqlite3.h>
#include <sys/stat.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "storage/store.h"

namespace forager::storage {

// Throws StoreError("<what>: <sqlite message>") naming the connection's last error.
[[noreturn]] inline void throw_sqlite_error(sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  message += db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  throw StoreError(message);
}

// Why `path` could not be opened, in words a user can act on: "it is a
// directory", "the folder X does not exist", else the system error SQLite
// saw (permission denied, read-only file system, ...), else SQLite's message.
inline std::string open_failure_reason(sqlite3* db, const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return "it is a directory";
  const size_t slash = path.rfind('/');
  const std::string folder = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  if (::stat(folder.c_str(), &st) != 0) return "the folder " + folder + " does not exist";
  if (!S_ISDIR(st.st_mode)) return folder + " is not a folder";
  const int system_errno = db != nullptr ? sqlite3_system_errno(db) : 0;
  std::string reason = system_errno != 0 ? std::strerror(system_errno) : "";
  const std::string sqlite_message = db != nullptr ? sqlite3_errmsg(db) : "out of memory";
  if (reason.empty()) return sqlite_message;
  for (char& c : reason) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return reason + " (" + sqlite_message + ")";
}

// Throws StoreError("cannot open <path>: it is a directory") for a directory,
// which SQLite may accept and only fail on at the first read.
inline void refuse_directory(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw StoreError("cannot open " + path + ": it is a directory");
}

// Throws StoreError("cannot open <path>: <reason>") for a failed sqlite3_open_v2.
[[noreturn]] inline void throw_open_error(sqlite3* db, const std::string& path) {
  throw StoreError("cannot open " + path + ": " + open_failure_reason(db, path));
}

// Owns one database connection; closes it when destroyed.
class Database {
 public:
  Database() = default;
  // Opens (creating if missing) the file at `path` read-write.
  static Database open(const std::string& path) {
    refuse_directory(path);
    sqlite3* raw = nullptr;
    const int rc = sqlite3_open_v2(path.c_str(), &raw,
                                   SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    Database db(raw);  // owns `raw` even on failure (SQLite allocates it anyway)
    if (rc != SQLITE_OK) throw_open_error(raw, path);
    sqlite3_extended_result_codes(raw, 1);
    return db;
  }

  sqlite3* get() const { return db_.get(); }

  // Runs one or more statements that return no rows we need.
  void exec(const char* sql) const {
    if (sqlite3_exec(get(), sql, nullptr, nullptr, nullptr) != SQLITE_OK) {
      throw_sqlite_error(get(), std::string("cannot run \"") + sql + "\"");
    }
  }

 private:
  struct Closer {
    void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Closer> db_;
};

// Owns one prepared statement. Column and parameter indexes are as in SQLite
// (parameters from 1, columns from 0). Text is bound as a copy, so the bound
// strings need not outlive the call.
class Statement {
 public:
  Statement() = default;
  // Prepares `sql` (which must be a single statement) on `db`, for reuse.
  Statement(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* raw = nullptr;
    const int rc = sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()),
                                      SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    stmt_.reset(raw);
    if (rc != SQLITE_OK) throw_sqlite_error(db, "cannot prepare \"" + std::string(sql) + "\"");
  }

  sqlite3_stmt* get() const { return stmt_.get(); }

  void bind(int index, int64_t value) { check(sqlite3_bind_int64(get(), index, value)); }
  void bind(int index, std::string_view value) {
    check(sqlite3_bind_text64(get(), index, value.data(), value.size(), SQLITE_TRANSIENT,
                              SQLITE_UTF8));
  }
  void bind(int index, const char* value) { bind(index, std::string_view(value)); }
  void bind(int index, const std::string& value) { bind(index, std::string_view(value)); }
  void bind_null(int index) { check(sqlite3_bind_null(get(), index)); }
  // Binds NULL when `value` is empty.
  void bind_text_or_null(int index, std::string_view value) {
    if (value.empty()) {
      bind_null(index);
    } else {
      bind(index, value);
    }
  }
  template <typename T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, static_cast<int64_t>(*value));
    } else {
      bind_null(index);
    }
  }

  // Steps once: true when a row is available, false when done.
  bool step() {
    const int rc = sqlite3_step(get());
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    std::string message = std::string("cannot run \"") + sqlite3_sql(get()) + "\": " +
                          sqlite3_errmsg(sqlite3_db_handle(get()));
    reset();  // a failed statement must be reset before it can be bound again
    throw StoreError(message);
  }
  // Steps a statement that returns no rows, then resets it.
  void run() {
    step();
    reset();
  }
  // Makes the statement ready for reuse and drops its bindings.
  void reset() noexcept {
    sqlite3_reset(get());
    sqlite3_clear_bindings(get());
  }

  bool is_null(int column) const { return sqlite3_column_type(get(), column) == SQLITE_NULL; }
  int64_t int64(int column) const { return sqlite3_column_int64(get(), column); }
  int int32(int column) const { return sqlite3_column_int(get(), column); }
  std::string text(int column) const {
    const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(get(), column));
    if (data == nullptr) return {};
    return std::string(data, static_cast<size_t>(sqlite3_column_bytes(get(), column)));
  }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
  };
  void check(int rc) const {
    if (rc != SQLITE_OK) throw_sqlite_error(sqlite3_db_handle(get()), "cannot bind parameter");
  }
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

// Resets a (cached) statement when the scope ends, however it ends.
class ScopedReset {
 public:
  explicit ScopedReset(Statement& stmt) : stmt_(stmt) {}
  ~ScopedReset() { stmt_.reset(); }
  ScopedReset(const ScopedReset&) = delete;
  ScopedReset& operator=(const ScopedReset&) = delete;

 private:
  Statement& stmt_;
};

// A transaction that rolls back unless commit() is called.
class Transaction {
 public:
  // `begin_sql` is "BEGIN IMMEDIATE" for writers, "BEGIN" for consistent reads.
  Transaction(const Database& db, const char* begin_sql) : db_(db) { db_.exec(begin_sql); }
  ~Transaction() {
    // SQLite may already have rolled back by itself (e.g. on SQLITE_FULL).
    if (!committed_ && sqlite3_get_autocommit(db_.get()) == 0) {
      sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() {
    db_.exec("COMMIT");
    committed_ = true;
  }

 private:
  const Database& db_;
  bool committed_ = false;
};

}  // namespace forager::storage

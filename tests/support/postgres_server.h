// The PostgreSQL server of the ctest run (started once by the `postgres`
// CTest fixture: tests/support/postgres_start.sh) and a fresh database per
// test.
//
// A test skips only when no PostgreSQL server binary is installed, or when
// it runs outside ctest (no fixture); with FORAGER_REQUIRE_POSTGRES=1 (CI) it
// fails instead of skipping.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "storage/postgres/pg_connection.h"

namespace forager::testing {

// The socket folder of the run's server; "" when there is none (and the
// reason in `why`).
inline std::string postgres_socket_dir(std::string& why) {
  const char* info = std::getenv("FORAGER_PG_INFO");
  if (info == nullptr) {
    why = "FORAGER_PG_INFO is not set: run the PostgreSQL tests through ctest";
    return "";
  }
  std::ifstream in(info);
  std::string dir;
  std::getline(in, dir);
  if (dir.empty()) why = std::string("no PostgreSQL server was started (") + info + " is missing)";
  if (dir == "none") {
    why = "no PostgreSQL server binary is installed";
    dir.clear();
  }
  return dir;
}

inline bool postgres_required() {
  const char* v = std::getenv("FORAGER_REQUIRE_POSTGRES");
  return v != nullptr && std::string(v) == "1";
}

// A database created for one test and dropped after it.
class TestDatabase {
 public:
  TestDatabase(const std::string& socket_dir, const std::string& name)
      : socket_dir_(socket_dir), name_(name) {
    admin().exec("CREATE DATABASE " + name_);
  }
  ~TestDatabase() {
    try {
      admin().exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (...) {  // the server's folder is removed at the end of the run anyway
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  std::string uri() const { return uri_of(name_); }
  // A connection for checks the Store interface does not offer.
  storage::pg::Connection connect() const { return storage::pg::Connection::open(uri()); }

 private:
  std::string uri_of(const std::string& db) const { return "postgresql://postgres@/" + db + "?host=" + socket_dir_; }
  storage::pg::Connection admin() const { return storage::pg::Connection::open(uri_of("postgres")); }
  std::string socket_dir_, name_;
};

// A unique database name for this process.
inline std::string unique_database_name() {
  static int counter = 0;
  return "forager_t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
}

}  // namespace forager::testing

// In SetUp(): sets `db` (a std::unique_ptr<TestDatabase>) to a fresh database,
// or skips the test (fails it under FORAGER_REQUIRE_POSTGRES=1).
#define FORAGER_USE_TEST_DATABASE(db)                                                             \
  do {                                                                                            \
    std::string why_;                                                                             \
    const std::string socket_dir_ = ::forager::testing::postgres_socket_dir(why_);                \
    if (socket_dir_.empty()) {                                                                    \
      if (::forager::testing::postgres_required()) FAIL() << why_ << " (FORAGER_REQUIRE_POSTGRES=1)"; \
      GTEST_SKIP() << why_;                                                                       \
    }                                                                                             \
    db = std::make_unique<::forager::testing::TestDatabase>(socket_dir_,                          \
                                                            ::forager::testing::unique_database_name()); \
  } while (0)

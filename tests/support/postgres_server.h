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

// A PostgreSQL server of one test's own, for a test that restarts its server
// (the run's server is shared by every test): postgres_start.sh into a new
// temporary folder, stopped and removed by the destructor. ok() is false when
// no server could be started (and the reason in why()).
class PrivatePostgres {
 public:
  explicit PrivatePostgres(const std::string& work_dir) : info_(work_dir + "/private-postgres.info") {
    if (!shell(script("postgres_start.sh") + " " + info_)) {
      why_ = "postgres_start.sh failed";
      return;
    }
    std::ifstream in(info_);
    std::getline(in, dir_);
    if (dir_ == "none") why_ = "no PostgreSQL server binary is installed";
    if (dir_.empty()) why_ = "postgres_start.sh wrote no socket folder";
    if (!why_.empty()) dir_.clear();
  }
  ~PrivatePostgres() {
    if (!dir_.empty()) shell(script("postgres_stop.sh") + " " + info_);
  }
  PrivatePostgres(const PrivatePostgres&) = delete;
  PrivatePostgres& operator=(const PrivatePostgres&) = delete;

  bool ok() const { return !dir_.empty(); }
  const std::string& why() const { return why_; }
  const std::string& socket_dir() const { return dir_; }
  // pg_ctl restart -m fast: every session is ended, the server starts again
  // with the same options; true once it accepts connections.
  bool restart() const {
    std::ifstream in(dir_ + "/bindir");
    std::string bindir;
    std::getline(in, bindir);
    const std::string as_server = ::geteuid() == 0 ? "runuser -u postgres -- " : "";
    return shell(as_server + bindir + "/pg_ctl -D " + dir_ + "/data -l " + dir_ + "/server.log -m fast -w -t 60 restart >/dev/null");
  }

 private:
  static std::string script(const std::string& name) { return std::string(FORAGER_SOURCE_DIR) + "/tests/support/" + name; }
  static bool shell(const std::string& command) { return std::system(command.c_str()) == 0; }
  std::string info_, dir_, why_;
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

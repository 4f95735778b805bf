#include "storage/postgres/pg_connection.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <thread>

namespace forager::storage::pg {
namespace {

constexpr Oid kBoolOid = 16, kInt8Oid = 20, kInt2Oid = 21, kInt4Oid = 23;

std::string trimmed(const char* message) {
  std::string text = message ? message : "";
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

void ignore_notice(void*, const char*) {}

uint64_t big_endian(const char* bytes, int length) {
  uint64_t value = 0;
  for (int i = 0; i < length; ++i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

}  // namespace

Param null() { return {}; }
Param text(std::string value) { return {std::move(value), false}; }
Param text_or_null(const std::string& value) { return value.empty() ? null() : text(value); }
Param bytes(std::string value) { return {std::move(value), true}; }
Param integer(int64_t value) { return text(std::to_string(value)); }
Param boolean(bool value) { return text(value ? "true" : "false"); }

void ArrayParam::separate() {
  if (count_++ > 0) text_ += ',';
}

void ArrayParam::add(int64_t value) {
  separate();
  text_ += std::to_string(value);
}

void ArrayParam::add(std::optional<int64_t> value) {
  if (value) return add(*value);
  separate();
  text_ += "NULL";
}

void ArrayParam::add_bool(std::optional<bool> value) {
  separate();
  text_ += value ? (*value ? "t" : "f") : "NULL";
}

void ArrayParam::add_text(std::string_view value) {
  separate();
  text_ += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') text_ += '\\';
    text_ += c;
  }
  text_ += '"';
}

void ArrayParam::add_text_or_null(std::string_view value) {
  if (!value.empty()) return add_text(value);
  separate();
  text_ += "NULL";
}

void ArrayParam::add_bytes(std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  separate();
  text_ += "\"\\\\x";  // "\\x: the element's text is \x<hex>, bytea's hex input
  for (char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    text_ += kHex[byte >> 4];
    text_ += kHex[byte & 15];
  }
  text_ += '"';
}

std::string Result::text(int row, int col) const {
  if (is_null(row, col)) return "";
  return std::string(PQgetvalue(result_.get(), row, col),
                     static_cast<size_t>(PQgetlength(result_.get(), row, col)));
}

int64_t Result::int64(int row, int col) const {
  if (is_null(row, col)) return 0;
  const Oid type = PQftype(result_.get(), col);
  const int length = PQgetlength(result_.get(), row, col);
  const char* bytes = PQgetvalue(result_.get(), row, col);
  const uint64_t raw = big_endian(bytes, length);
  if (type == kInt8Oid && length == 8) return static_cast<int64_t>(raw);
  if (type == kInt4Oid && length == 4) return static_cast<int32_t>(static_cast<uint32_t>(raw));
  if (type == kInt2Oid && length == 2) return static_cast<int16_t>(static_cast<uint16_t>(raw));
  if (type == kBoolOid && length == 1) return raw != 0;
  throw StoreError("column " + std::to_string(col) + " is not an integer (type " + std::to_string(type) + ")");
}

int64_t Result::affected() const {
  const char* n = PQcmdTuples(result_.get());
  return n && *n ? std::stoll(n) : 0;
}

Connection Connection::open(const std::string& location) {
  if (auto problem = uri_problem(location)) throw StoreError(*problem);
  // Defaults first: a keyword in the URI overrides them (expand_dbname).
  const char* keywords[] = {"connect_timeout", "application_name", "dbname", nullptr};
  const char* values[] = {"10", "forager", location.c_str(), nullptr};
  PGconn* raw = PQconnectdbParams(keywords, values, 1);
  if (raw == nullptr) throw StoreError("cannot connect to " + location + ": out of memory");
  Connection conn(raw, location);
  if (PQstatus(raw) != CONNECTION_OK) {
    throw StoreError("cannot connect to " + location + ": " + trimmed(PQerrorMessage(raw)));
  }
  PQsetNoticeProcessor(raw, ignore_notice, nullptr);
  conn.exec(conn.session_settings_);
  return conn;
}

void Connection::keep_session_setting(const std::string& sql) {
  exec(sql);
  session_settings_ += "; " + sql;
}

bool Connection::reconnect(int64_t give_up_ms) {
  int64_t waited = 0, backoff = 100;
  for (;;) {
    PQreset(conn_.get());
    if (PQstatus(conn_.get()) == CONNECTION_OK) {
      prepared_.clear();
      PQsetNoticeProcessor(conn_.get(), ignore_notice, nullptr);
      try {
        exec(session_settings_);
        return true;
      } catch (const StoreError&) {  // lost again at once: keep trying
      }
    }
    if (waited >= give_up_ms) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    waited += backoff;
    backoff = std::min<int64_t>(backoff * 2, 2000);
  }
}

Result Connection::check(PGresult* result, std::string_view what) const {
  Result owned(result);
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return owned;
  std::string message = result ? trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) : "";
  if (message.empty()) message = trimmed(PQerrorMessage(conn_.get()));
  std::string text = location_ + ": " + message;
  if (!what.empty()) text += " (in " + std::string(what) + ")";
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state && (std::strcmp(state, "40P01") == 0 || std::strcmp(state, "40001") == 0)) throw RetryableError(text);
  throw StoreError(text);
}

void Connection::exec(const std::string& sql) { check(PQexec(conn_.get(), sql.c_str()), ""); }

namespace {

struct ParamArrays {
  explicit ParamArrays(const std::vector<Param>& params) {
    for (const Param& p : params) {
      values.push_back(p.value ? p.value->data() : nullptr);
      lengths.push_back(p.value ? static_cast<int>(p.value->size()) : 0);
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int count() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
};

}  // namespace

Result Connection::query(const std::string& sql, const std::vector<Param>& params) {
  ParamArrays a(params);
  return check(PQexecParams(conn_.get(), sql.c_str(), a.count(), nullptr, a.values.data(), a.lengths.data(),
                            a.formats.data(), 1),
               "");
}

Result Connection::run(const Statement& statement, const std::vector<Param>& params) {
  if (statement.plan_each_time) {
    ParamArrays a(params);
    return check(PQexecParams(conn_.get(), statement.sql, a.count(), nullptr, a.values.data(), a.lengths.data(),
                              a.formats.data(), 1),
                 statement.name);
  }
  if (!prepared_.count(statement.name)) {
    check(PQprepare(conn_.get(), statement.name, statement.sql, 0, nullptr), statement.name);
    prepared_.insert(statement.name);
  }
  ParamArrays a(params);
  return check(PQexecPrepared(conn_.get(), statement.name, a.count(), a.values.data(), a.lengths.data(),
                              a.formats.data(), 1),
               statement.name);
}

Transaction::Transaction(Connection& conn, const char* begin) : conn_(conn) { conn_.exec(begin); }

Transaction::~Transaction() {
  if (!open_) return;
  try {
    conn_.exec("ROLLBACK");
  } catch (const StoreError&) {  // the connection is gone: so is the transaction
  }
}

void Transaction::commit() {
  open_ = false;
  conn_.exec("COMMIT");
}

bool is_uri(std::string_view location) {
  return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::optional<std::string> uri_problem(const std::string& location) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(location.c_str(), &error);
  if (options == nullptr) {
    std::string message = error ? trimmed(error) : "out of memory";
    PQfreemem(error);
    // Some of libpq's messages quote the whole URI, which may hold a password.
    if (message.find(location) != std::string::npos) message = "libpq cannot parse it";
    return "not a valid PostgreSQL URI: " + message;
  }
  bool has_password = false;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (std::strcmp(o->keyword, "password") == 0 && o->val != nullptr && *o->val != '\0') has_password = true;
  }
  PQconninfoFree(options);
  if (has_password) {
    return "the PostgreSQL URI holds a password: leave it out and set PGPASSWORD or use ~/.pgpass "
           "(a password on the command line is visible to every user of the machine)";
  }
  return std::nullopt;
}

}  // namespace forager::storage::pg

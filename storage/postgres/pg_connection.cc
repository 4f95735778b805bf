#include "storage/postgres/pg_connection.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <exception>
#include <stdexcept>
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

namespace {

constexpr Oid kTextOid = 25, kByteaOid = 17;

Oid element_oid(Element element) {
  switch (element) {
    case Element::kBigint: return kInt8Oid;
    case Element::kInteger: return kInt4Oid;
    case Element::kSmallint: return kInt2Oid;
    case Element::kBoolean: return kBoolOid;
    case Element::kText: return kTextOid;
    case Element::kBytea: return kByteaOid;
  }
  return 0;
}

void put_big_endian(std::string& out, uint64_t value, int length) {
  for (int i = length - 1; i >= 0; --i) out += static_cast<char>((value >> (8 * i)) & 0xff);
}

}  // namespace

void ArrayParam::expect(bool ok, const char* what) const {
  if (!ok) throw std::logic_error(std::string("pg::ArrayParam: ") + what);
}

void ArrayParam::add_element(std::string_view bytes) {
  expect(bytes.size() <= INT32_MAX && count_ < INT32_MAX, "element or array too big");
  put_big_endian(elements_, bytes.size(), 4);
  elements_.append(bytes);
  ++count_;
}

void ArrayParam::add_null() {
  put_big_endian(elements_, 0xffffffffu, 4);  // length -1
  has_null_ = true;
  ++count_;
}

void ArrayParam::add(int64_t value) {
  int length = 8;
  if (element_ == Element::kInteger) length = 4;
  if (element_ == Element::kSmallint) length = 2;
  expect(element_ == Element::kBigint || element_ == Element::kInteger || element_ == Element::kSmallint,
         "an integer in an array of another type");
  const int64_t bound = length == 8 ? 0 : int64_t{1} << (8 * length - 1);
  expect(length == 8 || (value >= -bound && value < bound), "an integer out of its element type's range");
  std::string bytes;  // at most 8: no allocation
  put_big_endian(bytes, static_cast<uint64_t>(value), length);
  add_element(bytes);
}

void ArrayParam::add(std::optional<int64_t> value) {
  if (value) return add(*value);
  add_null();
}

void ArrayParam::add_bool(std::optional<bool> value) {
  expect(element_ == Element::kBoolean, "a boolean in an array of another type");
  if (!value) return add_null();
  add_element(*value ? std::string_view("\1", 1) : std::string_view("\0", 1));
}

void ArrayParam::add_text(std::string_view value) {
  expect(element_ == Element::kText, "a text in an array of another type");
  add_element(value);
}

void ArrayParam::add_text_or_null(std::string_view value) {
  expect(element_ == Element::kText, "a text in an array of another type");
  if (value.empty()) return add_null();
  add_element(value);
}

void ArrayParam::add_bytes(std::string_view value) {
  expect(element_ == Element::kBytea, "bytes in an array of another type");
  add_element(value);
}

// array_recv's input: dimensions, a has-NULL flag, the element type, then
// each dimension's length and lower bound (1), then the elements.
Param ArrayParam::param() const {
  std::string out;
  out.reserve(20 + elements_.size());
  put_big_endian(out, count_ > 0 ? 1 : 0, 4);
  put_big_endian(out, has_null_ ? 1 : 0, 4);
  put_big_endian(out, element_oid(element_), 4);
  if (count_ > 0) {
    put_big_endian(out, static_cast<uint32_t>(count_), 4);
    put_big_endian(out, 1, 4);
  }
  out += elements_;
  return bytes(std::move(out));
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
      begin_ = nullptr;
      ended_ = false;
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

Result Connection::check(PGresult* result, std::string_view what) {
  Result owned(result);
  const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return owned;
  std::string message = result ? trimmed(PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY)) : "";
  if (message.empty()) message = trimmed(PQerrorMessage(conn_.get()));
  std::string text = location_ + ": " + message;
  if (!what.empty()) text += " (in " + std::string(what) + ")";
  const char* severity = result ? PQresultErrorField(result, PG_DIAG_SEVERITY_NONLOCALIZED) : nullptr;
  if (severity && (std::strcmp(severity, "FATAL") == 0 || std::strcmp(severity, "PANIC") == 0)) ended_ = true;
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  if (state && (std::strcmp(state, "40P01") == 0 || std::strcmp(state, "40001") == 0)) throw RetryableError(text);
  if (state && !ended_) throw StatementError(text, state, std::string(what));
  throw StoreError(text);
}

void Connection::exec(const std::string& sql) {
  if (const char* begin = take_begin()) return exec(std::string(begin) + "; " + sql);
  check(PQexec(conn_.get(), sql.c_str()), "");
}

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

// A pipeline's command whose answer is to be read: an item, or its PREPARE.
struct Sent {
  size_t item;
  bool prepare;
};

// Queues every item, with the PREPARE of a statement not in `prepared` (once
// per pipeline), then the sync; false when libpq could not (`sent` then
// lists what went out).
bool send_all(PGconn* c, const std::vector<PipelineItem>& items, const std::set<std::string>& prepared,
              std::vector<Sent>& sent) {
  std::set<std::string_view> preparing;
  for (size_t i = 0; i < items.size(); ++i) {
    const PipelineItem& item = items[i];
    const bool named = item.prepare && item.name != nullptr;
    if (named && !prepared.count(item.name) && preparing.insert(item.name).second) {
      if (PQsendPrepare(c, item.name, item.sql, 0, nullptr) != 1) return false;
      sent.push_back({i, true});
    }
    ParamArrays a(item.params);
    const int ok = named ? PQsendQueryPrepared(c, item.name, a.count(), a.values.data(), a.lengths.data(),
                                               a.formats.data(), 1)
                         : PQsendQueryParams(c, item.sql, a.count(), nullptr, a.values.data(), a.lengths.data(),
                                             a.formats.data(), 1);
    if (ok != 1) return false;
    sent.push_back({i, false});
  }
  return PQpipelineSync(c) == 1;
}

}  // namespace

// An unnamed statement planned at each run: what run() does with one.
Result Connection::query(const std::string& sql, const std::vector<Param>& params) {
  return run(Statement{"", sql.c_str(), true}, params);
}

Result Connection::run(const Statement& statement, const std::vector<Param>& params) {
  if (begin_) {  // BEGIN and the statement in one round trip
    Pipeline pipeline(*this);
    pipeline.add(statement, params);
    return std::move(pipeline.send().front());
  }
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

size_t Pipeline::add(const Statement& statement, std::vector<Param> params) {
  items_.push_back({statement.name, statement.sql, !statement.plan_each_time, std::move(params)});
  return items_.size() - 1;
}

size_t Pipeline::add_sql(const char* sql) {
  items_.push_back({nullptr, sql, false, {}});
  return items_.size() - 1;
}

std::vector<Result> Pipeline::send() {
  size_t skip = 0;
  if (const char* begin = conn_.take_begin()) {
    items_.insert(items_.begin(), PipelineItem{nullptr, begin, false, {}});
    skip = 1;
  }
  std::vector<Result> results = conn_.pipeline(items_);
  items_.clear();
  results.erase(results.begin(), results.begin() + static_cast<std::ptrdiff_t>(skip));
  return results;
}

// Sends every item (and the PREPAREs of statements not prepared yet on this
// connection), then a sync, and reads the answers in order. The first
// failure is thrown once every answer up to the sync was read (or the
// connection is gone), out of pipeline mode.
std::vector<Result> Connection::pipeline(const std::vector<PipelineItem>& items) {
  PGconn* c = conn_.get();
  if (PQenterPipelineMode(c) != 1)
    throw StoreError(location_ + ": cannot enter pipeline mode: " + trimmed(PQerrorMessage(c)));
  std::vector<Sent> sent;
  const bool ok = send_all(c, items, prepared_, sent);
  if (!ok && !broken()) sent.clear();  // no sync went out: no answer is to be waited for
  std::exception_ptr failure;
  auto fail = [&](PGresult* r, const char* what) {
    try {
      check(r, what ? what : "");
      failure = std::make_exception_ptr(StoreError(location_ + ": the pipeline failed (in " +
                                                   std::string(what ? what : "a statement") + ")"));
    } catch (const StoreError&) {
      if (!failure) failure = std::current_exception();
    }
  };
  if (!ok) fail(nullptr, "sending a pipeline");
  std::vector<std::optional<Result>> answers(items.size());
  for (const Sent& s : sent) {
    const char* what = items[s.item].name;
    PGresult* r = PQgetResult(c);
    if (r == nullptr) {  // the connection is gone: no answer will come
      fail(nullptr, what);
      break;
    }
    const ExecStatusType status = PQresultStatus(r);
    if (status == PGRES_PIPELINE_ABORTED) {
      PQclear(r);  // skipped after the first failure, which was kept
    } else if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
      if (failure) {
        PQclear(r);
      } else {
        fail(r, what);
      }
    } else if (s.prepare) {
      PQclear(r);
      prepared_.insert(items[s.item].name);
    } else {
      answers[s.item].emplace(r);
    }
    while ((r = PQgetResult(c)) != nullptr) PQclear(r);  // the end of this statement's answer
  }
  if (ok && !broken()) {
    PGresult* sync = PQgetResult(c);  // PGRES_PIPELINE_SYNC
    if (sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC) {
      PQclear(sync);
    } else {  // the session ended instead (a FATAL error): read on to its end, so that broken() says so
      fail(sync, "a pipeline's sync");
      while ((sync = PQgetResult(c)) != nullptr) PQclear(sync);
    }
  }
  if (PQexitPipelineMode(c) != 1 && !failure) fail(nullptr, "leaving pipeline mode");
  if (failure) std::rethrow_exception(failure);
  std::vector<Result> results;
  results.reserve(items.size());
  for (auto& answer : answers) results.push_back(std::move(*answer));
  return results;
}

Transaction::Transaction(Connection& conn, const char* begin) : conn_(conn) { conn_.begin_ = begin; }

Transaction::~Transaction() {
  if (!open_) return;
  if (conn_.take_begin()) return;  // nothing ran: nothing to roll back
  try {
    conn_.exec("ROLLBACK");
  } catch (const StoreError&) {  // the connection is gone: so is the transaction
  }
}

void Transaction::commit() {
  open_ = false;
  if (conn_.take_begin()) return;  // nothing ran
  conn_.exec("COMMIT");
}

std::vector<Result> Transaction::commit(Pipeline& last) {
  last.add_sql("COMMIT");
  std::vector<Result> results = last.send();
  open_ = false;
  results.pop_back();
  return results;
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

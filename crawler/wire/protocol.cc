#include "crawler/wire/protocol.h"

#include <cstring>
#include <type_traits>

namespace forager::protocol {
namespace {

// Appends little-endian integers and length-prefixed strings.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u8(uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(uint32_t v) { fixed(v); }
  void u64(uint64_t v) { fixed(v); }
  void i32(int32_t v) { fixed(static_cast<uint32_t>(v)); }
  void i64(int64_t v) { fixed(static_cast<uint64_t>(v)); }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void strings(const std::vector<std::string>& list) {
    u32(static_cast<uint32_t>(list.size()));
    for (const auto& s : list) str(s);
  }

 private:
  template <typename T>
  void fixed(T v) {
    for (size_t i = 0; i < sizeof(T); ++i) out_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string& out_;
};

// Reads what Writer wrote; every read is bounds-checked and a failed read
// poisons the reader, so a decode function checks ok() once at the end.
class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  uint8_t u8() { return fixed<uint8_t>(); }
  uint32_t u32() { return fixed<uint32_t>(); }
  uint64_t u64() { return fixed<uint64_t>(); }
  int32_t i32() { return static_cast<int32_t>(fixed<uint32_t>()); }
  int64_t i64() { return static_cast<int64_t>(fixed<uint64_t>()); }
  std::string str() {
    uint32_t n = u32();
    if (!ok_ || n > in_.size() - pos_) return fail<std::string>();
    std::string s(in_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  std::vector<std::string> strings() {
    uint32_t n = u32();
    // Each element takes at least 4 bytes, so a larger count is a lie.
    if (!ok_ || n > (in_.size() - pos_) / 4) return fail<std::vector<std::string>>();
    std::vector<std::string> list;
    list.reserve(n);
    for (uint32_t i = 0; i < n && ok_; ++i) list.push_back(str());
    return list;
  }
  bool finished_ok() const { return ok_ && pos_ == in_.size(); }
  void reject() { ok_ = false; }
  bool ok() const { return ok_; }
  size_t remaining() const { return in_.size() - pos_; }

 private:
  template <typename T>
  T fail() {
    ok_ = false;
    return T{};
  }
  template <typename T>
  T fixed() {
    if (!ok_ || in_.size() - pos_ < sizeof(T)) return fail<T>();
    T v = 0;
    for (size_t i = 0; i < sizeof(T); ++i)
      v |= static_cast<T>(static_cast<T>(static_cast<uint8_t>(in_[pos_ + i])) << (8 * i));
    pos_ += sizeof(T);
    return v;
  }
  std::string_view in_;
  size_t pos_ = 0;
  bool ok_ = true;
};

void write_payload(Writer& w, const Config& m) {
  w.str(m.user_agent);
  w.u32(m.concurrency);
  w.u32(m.timeout_ms);
  w.u64(m.max_bytes);
  w.str(m.rules_json);
  w.u8(m.insecure ? 1 : 0);
  w.str(m.proxy);
  w.u8(m.cookies ? 1 : 0);
  w.str(m.ca_file);
  w.strings(m.headers);
  w.strings(m.resolve);
  w.str(m.user);
  w.str(m.password);
  w.strings(m.auth_hosts);
  w.str(m.robots_agent);
  w.str(m.warc_dir);
  w.u64(m.warc_max_bytes);
  w.str(m.warcinfo);
}
void write_payload(Writer& w, const FetchBatch& m) {
  w.u32(static_cast<uint32_t>(m.tasks.size()));
  for (const auto& t : m.tasks) {
    w.u64(t.task_id);
    w.str(t.url);
    w.u8(static_cast<uint8_t>(t.purpose));
    w.str(t.if_none_match);
    w.str(t.if_modified_since);
    w.str(t.previous_digest);
    w.str(t.previous_uri);
    w.i64(t.previous_date_ms);
    w.str(t.previous_record_id);
    w.str(t.warc_file);
    w.u64(t.warc_offset);
  }
  w.strings(m.cookies);
}
void write_payload(Writer&, const Shutdown&) {}
void write_payload(Writer& w, const Ready& m) { w.u32(m.pid); }
void write_payload(Writer& w, const FetchResult& m) {
  w.u64(m.task_id);
  w.i32(m.status);
  w.str(m.error);
  w.str(m.redirect_to);
  w.str(m.retry_after);
  w.i64(m.fetched_at_ms);
  w.u32(m.elapsed_ms);
  w.str(m.content_type);
  w.u64(m.bytes);
  w.str(m.content_hash);
  w.str(m.etag);
  w.str(m.last_modified);
  w.str(m.title);
  w.str(m.description);
  w.strings(m.links);
  w.str(m.fields_json);
  w.str(m.body);
  w.strings(m.follow_links);
  w.u8(m.follow_restricted ? 1 : 0);
  w.u8(m.noindex ? 1 : 0);
  w.u8(m.nofollow ? 1 : 0);
  w.strings(m.cookies);
  w.str(m.warc_file);
  w.u64(m.warc_offset);
  w.str(m.warc_record_id);
  w.str(m.payload_digest);
  w.u8(m.revisit ? 1 : 0);
}

MessageKind kind_of(const Message& message) {
  return std::visit(
      [](const auto& m) {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, Config>) return MessageKind::kConfig;
        if constexpr (std::is_same_v<T, FetchBatch>) return MessageKind::kFetchBatch;
        if constexpr (std::is_same_v<T, Shutdown>) return MessageKind::kShutdown;
        if constexpr (std::is_same_v<T, Ready>) return MessageKind::kReady;
        if constexpr (std::is_same_v<T, FetchResult>) return MessageKind::kResult;
      },
      message);
}

Config read_config(Reader& r) {
  Config m;
  m.user_agent = r.str();
  m.concurrency = r.u32();
  m.timeout_ms = r.u32();
  m.max_bytes = r.u64();
  m.rules_json = r.str();
  m.insecure = r.u8() != 0;
  m.proxy = r.str();
  m.cookies = r.u8() != 0;
  m.ca_file = r.str();
  m.headers = r.strings();
  m.resolve = r.strings();
  m.user = r.str();
  m.password = r.str();
  m.auth_hosts = r.strings();
  m.robots_agent = r.str();
  m.warc_dir = r.str();
  m.warc_max_bytes = r.u64();
  m.warcinfo = r.str();
  return m;
}

FetchBatch read_batch(Reader& r) {
  FetchBatch m;
  uint32_t n = r.u32();
  // A task takes at least 8 + 4 + 1 + 4 + 4 + 4 + 4 + 8 + 4 + 4 + 8 bytes.
  if (n > r.remaining() / 53) {
    r.reject();
    return m;
  }
  m.tasks.reserve(n);
  for (uint32_t i = 0; i < n && r.ok(); ++i) {
    FetchTask t;
    t.task_id = r.u64();
    t.url = r.str();
    uint8_t purpose = r.u8();
    if (purpose > 3) r.reject();
    t.purpose = static_cast<Purpose>(purpose);
    t.if_none_match = r.str();
    t.if_modified_since = r.str();
    t.previous_digest = r.str();
    t.previous_uri = r.str();
    t.previous_date_ms = r.i64();
    t.previous_record_id = r.str();
    t.warc_file = r.str();
    t.warc_offset = r.u64();
    m.tasks.push_back(std::move(t));
  }
  m.cookies = r.strings();
  return m;
}

FetchResult read_result(Reader& r) {
  FetchResult m;
  m.task_id = r.u64();
  m.status = r.i32();
  m.error = r.str();
  m.redirect_to = r.str();
  m.retry_after = r.str();
  m.fetched_at_ms = r.i64();
  m.elapsed_ms = r.u32();
  m.content_type = r.str();
  m.bytes = r.u64();
  m.content_hash = r.str();
  m.etag = r.str();
  m.last_modified = r.str();
  m.title = r.str();
  m.description = r.str();
  m.links = r.strings();
  m.fields_json = r.str();
  m.body = r.str();
  m.follow_links = r.strings();
  const uint8_t restricted = r.u8();
  if (restricted > 1) r.reject();
  m.follow_restricted = restricted == 1;
  const uint8_t noindex = r.u8();
  const uint8_t nofollow = r.u8();
  if (noindex > 1 || nofollow > 1) r.reject();
  m.noindex = noindex == 1;
  m.nofollow = nofollow == 1;
  m.cookies = r.strings();
  if (m.cookies.size() > kMaxCookieChanges) r.reject();
  for (const auto& line : m.cookies)
    if (line.size() > kMaxCookieLineBytes) r.reject();
  m.warc_file = r.str();
  m.warc_offset = r.u64();
  m.warc_record_id = r.str();
  m.payload_digest = r.str();
  const uint8_t revisit = r.u8();
  if (revisit > 1) r.reject();
  m.revisit = revisit == 1;
  return m;
}

}  // namespace

void encode(const Message& message, std::string& out) {
  size_t start = out.size();
  out.append(4, '\0');  // length, patched below
  Writer w(out);
  w.u8(kProtocolVersion);
  w.u8(static_cast<uint8_t>(kind_of(message)));
  std::visit([&](const auto& m) { write_payload(w, m); }, message);
  uint32_t length = static_cast<uint32_t>(out.size() - start - 4);
  for (size_t i = 0; i < 4; ++i) out[start + i] = static_cast<char>((length >> (8 * i)) & 0xff);
}

std::optional<Message> decode(uint8_t kind, std::string_view payload) {
  Reader r(payload);
  Message message;
  switch (static_cast<MessageKind>(kind)) {
    case MessageKind::kConfig: message = read_config(r); break;
    case MessageKind::kFetchBatch: message = read_batch(r); break;
    case MessageKind::kShutdown: message = Shutdown{}; break;
    case MessageKind::kReady: message = Ready{r.u32()}; break;
    case MessageKind::kResult: message = read_result(r); break;
    default: return std::nullopt;
  }
  if (!r.finished_ok()) return std::nullopt;
  return message;
}

}  // namespace forager::protocol

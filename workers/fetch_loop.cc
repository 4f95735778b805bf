#include "workers/fetch_loop.h"

#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstdio>
#include <new>
#include <utility>
#include <variant>

#include "crawler/wire/error_codes.h"
#include "workers/archived.h"

namespace forager {
namespace {

constexpr int kPollTimeoutMs = 1000;
// At shutdown, give up on a coordinator that takes no result bytes for this long.
constexpr auto kFinalFlushStall = std::chrono::seconds(30);

// Descriptors left for the worker itself (channel, stdio, libcurl's wakeup pipe, ...).
constexpr long kReservedFds = 64;

// Through a proxy a connection's TLS context may be the proxy's, so the
// worker's session cache (keyed by the URL's origin) is not used then;
// libcurl's own cache is.
bool may_use_proxy(const protocol::Config& config) {
  if (!config.proxy.empty()) return true;
  for (const char* name : {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0') return true;
  }
  return false;
}

}  // namespace

long connection_cache_size(uint32_t concurrency) {
  rlimit limit{};
  long fds = 1024;
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    const rlim_t wanted = static_cast<rlim_t>(kMaxCachedConnections + kReservedFds);
    if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
      rlimit raised = limit;
      raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
      if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
    }
    fds = limit.rlim_cur == RLIM_INFINITY ? kMaxCachedConnections + kReservedFds
                                          : static_cast<long>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
  }
  const long room = std::max(fds - kReservedFds, 1L);
  return std::min(std::max(static_cast<long>(concurrency), std::min(room, kMaxCachedConnections)), room);
}

FetchLoop::FetchLoop(Channel& channel, const protocol::Config& config, const Rules* rules)
    : channel_(channel),
      config_(config),
      rules_(rules),
      sessions_(kMaxCachedConnections),
      multi_(CurlMulti::create()),
      share_(CurlShare::create(config.cookies)),
      trust_(config.ca_file, config.insecure, may_use_proxy(config) ? nullptr : &sessions_) {
  if (multi_) curl_multi_setopt(multi_.get(), CURLMOPT_MAXCONNECTS, connection_cache_size(config.concurrency));
  if (config.cookies && share_.get() != nullptr) cookie_sync_.emplace(share_.get());
  if (!config.warc_dir.empty()) {
    warc::WriterOptions options;
    options.dir = config.warc_dir;
    options.member = std::to_string(::getpid());
    options.max_file_bytes = config.warc_max_bytes;
    options.warcinfo = config.warcinfo;
    warc_.emplace(std::move(options));
  }
}

FetchLoop::~FetchLoop() {
  // Remove handles before the multi handle goes (curl's rule).
  for (auto& [raw, transfer] : active_) curl_multi_remove_handle(multi_.get(), transfer->handle());
  active_.clear();
}

int FetchLoop::run(std::vector<protocol::Message> pending) {
  if (!multi_) {
    std::fprintf(stderr, "forager worker: curl_multi_init failed\n");
    return 1;
  }
  for (protocol::Message& message : pending) {
    if (!handle(message)) return 1;
  }
  std::vector<protocol::Message> incoming;
  while (true) {
    start_queued();
    if (shutdown_ && active_.empty() && queue_.empty()) return flush_all() ? 0 : 1;

    int running = 0;
    CURLMcode mc = curl_multi_perform(multi_.get(), &running);
    if (mc != CURLM_OK) {
      std::fprintf(stderr, "forager worker: curl_multi_perform: %s\n", curl_multi_strerror(mc));
      return 1;
    }
    drain_finished();
    if (channel_.wants_write() && !channel_.flush()) return 1;
    // Finished transfers freed slots, or the last one ended after Shutdown:
    // act on it before sleeping.
    if (!queue_.empty() && active_.size() < config_.concurrency) continue;
    if (shutdown_ && active_.empty() && queue_.empty()) continue;

    curl_waitfd extra{};
    extra.fd = channel_.fd();
    extra.events = CURL_WAIT_POLLIN;
    if (channel_.wants_write()) extra.events |= CURL_WAIT_POLLOUT;
    mc = curl_multi_poll(multi_.get(), &extra, 1, kPollTimeoutMs, nullptr);
    if (mc != CURLM_OK) {
      std::fprintf(stderr, "forager worker: curl_multi_poll: %s\n", curl_multi_strerror(mc));
      return 1;
    }
    // Reading is a nonblocking recv: do it every round, so that EOF is seen
    // even when poll reports it only as POLLHUP.
    incoming.clear();
    const Channel::ReadStatus status = channel_.read_available(incoming);
    if (status != Channel::ReadStatus::kOk) return 1;
    for (protocol::Message& message : incoming) {
      if (!handle(message)) return 1;
    }
    if (channel_.wants_write() && !channel_.flush()) return 1;
  }
}

bool FetchLoop::handle(protocol::Message& message) {
  if (auto* batch = std::get_if<protocol::FetchBatch>(&message)) {
    if (shutdown_) return false;
    if (cookie_sync_ && !batch->cookies.empty()) cookie_sync_->apply(batch->cookies);
    for (protocol::FetchTask& task : batch->tasks) queue_.push_back(std::move(task));
    return true;
  }
  if (std::holds_alternative<protocol::Shutdown>(message)) {
    shutdown_ = true;
    return true;
  }
  return false;  // Config again, or a message only a worker sends
}

void FetchLoop::start_queued() {
  const size_t limit = config_.concurrency == 0 ? 1 : config_.concurrency;
  while (!queue_.empty() && active_.size() < limit) {
    protocol::FetchTask task = std::move(queue_.front());
    queue_.pop_front();
    start(std::move(task));
  }
}

void FetchLoop::start(protocol::FetchTask task) {
  const uint64_t task_id = task.task_id;
  if (task.purpose == protocol::Purpose::kExtract) {  // no transfer: read from the archive
    protocol::FetchResult result;
    try {
      result = extract_archived(task, config_, rules_);
    } catch (const std::exception&) {  // bad_alloc while parsing a huge page
      result = protocol::FetchResult();
      result.task_id = task_id;
      result.error = errors::kInternal;
    }
    send_result(std::move(result));
    return;
  }
  std::unique_ptr<Transfer> transfer;
  try {
    transfer = std::make_unique<Transfer>(std::move(task), config_, acquire_handle(), rules_, share_.get());
  } catch (const std::bad_alloc&) {
    protocol::FetchResult result;
    result.task_id = task_id;
    result.error = errors::kInternal;
    send_result(std::move(result));
    return;
  }
  CURLcode rc = transfer->configure();
  if (rc == CURLE_OK) rc = trust_.apply(transfer->handle());
  if (rc == CURLE_OK && curl_multi_add_handle(multi_.get(), transfer->handle()) != CURLM_OK) {
    rc = CURLE_FAILED_INIT;
  }
  if (rc != CURLE_OK) {
    send_result(transfer->finish(rc));
    release_handle(transfer->take_handle());
    return;
  }
  Transfer* raw = transfer.get();
  active_.emplace(raw, std::move(transfer));
}

void FetchLoop::drain_finished() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_.get(), &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    char* priv = nullptr;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &priv);
    // msg is invalid after remove_handle; keep what we need first.
    const CURLcode code = msg->data.result;
    complete(reinterpret_cast<Transfer*>(priv), code);
  }
}

void FetchLoop::complete(Transfer* raw, CURLcode code) {
  auto it = active_.find(raw);
  if (it == active_.end()) return;
  std::unique_ptr<Transfer> transfer = std::move(it->second);
  active_.erase(it);
  protocol::FetchResult result;
  try {
    result = transfer->finish(code);
    if (cookie_sync_ && transfer->sets_cookies()) result.cookies = cookie_sync_->changes();
    archive(transfer->take_warc_records(), result);
  } catch (const std::exception&) {  // bad_alloc while parsing a huge page
    result = protocol::FetchResult();
    result.task_id = transfer->task_id();
    result.error = errors::kInternal;
  }
  curl_multi_remove_handle(multi_.get(), transfer->handle());
  release_handle(transfer->take_handle());
  send_result(std::move(result));
}

void FetchLoop::archive(std::vector<warc::Record> records, protocol::FetchResult& result) {
  if (!warc_ || records.empty()) return;
  // The response (or revisit) record is the one the store will point to.
  size_t main = records.size();
  for (size_t i = 0; i < records.size(); ++i)
    if (records[i].type == "response" || records[i].type == "revisit") main = i;
  std::string record_id, digest;
  bool revisit = false;
  if (main < records.size()) {
    record_id = records[main].record_id;
    revisit = records[main].type == "revisit";
    for (const auto& [name, value] : records[main].fields)
      if (name == "WARC-Payload-Digest") digest = value;
  }
  if (warc_->write_group(std::move(records))) {
    if (main >= warc_->group_offsets().size()) return;
    result.warc_file = warc_->path();
    result.warc_offset = warc_->group_offsets()[main];
    result.warc_record_id = std::move(record_id);
    result.payload_digest = std::move(digest);
    result.revisit = revisit;
    return;
  }
  std::fprintf(stderr, "forager worker: %s\n", warc_->error().c_str());
  const uint64_t task_id = result.task_id;
  result = protocol::FetchResult();
  result.task_id = task_id;
  result.error = errors::kWarc;
}

void FetchLoop::send_result(protocol::FetchResult result) {
  channel_.send(protocol::Message(std::move(result)));
}

CurlEasy FetchLoop::acquire_handle() {
  if (idle_handles_.empty()) return CurlEasy::create();
  CurlEasy handle = std::move(idle_handles_.back());
  idle_handles_.pop_back();
  return handle;
}

void FetchLoop::release_handle(CurlEasy handle) {
  if (!handle || idle_handles_.size() >= config_.concurrency) return;
  // libcurl 7.88's curl_easy_reset forgets, without freeing, the list that
  // CURLOPT_COOKIEFILE appended to; clearing it first frees it. The cookies
  // themselves stay in the worker's shared jar.
  if (share_.get() != nullptr && config_.cookies) curl_easy_setopt(handle.get(), CURLOPT_COOKIEFILE, nullptr);
  curl_easy_reset(handle.get());
  idle_handles_.push_back(std::move(handle));
}

bool FetchLoop::flush_all() {
  auto last_progress = std::chrono::steady_clock::now();
  while (channel_.wants_write()) {
    const size_t before = channel_.queued_bytes();
    if (!channel_.flush()) return false;
    if (!channel_.wants_write()) break;
    const auto now = std::chrono::steady_clock::now();
    if (channel_.queued_bytes() < before) last_progress = now;
    if (now - last_progress > kFinalFlushStall) return false;
    pollfd pfd{channel_.fd(), POLLOUT, 0};
    ::poll(&pfd, 1, kPollTimeoutMs);
  }
  return true;
}

}  // namespace forager

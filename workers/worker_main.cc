#include "workers/worker_main.h"

#include <curl/curl.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <mutex>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "crawler/wire/channel.h"
#include "crawler/wire/protocol.h"
#include "workers/fetch_loop.h"
#include "workers/heap_tuning.h"
#include "workers/rules/rules.h"

namespace forager {
namespace {

bool init_curl_once() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  return result == CURLE_OK;
}

// Blocks until the Config arrives. Messages that came after it in the same
// read go to `rest`. nullopt on EOF, a protocol error or a first message
// that is not a Config.
std::optional<protocol::Config> wait_for_config(Channel& channel,
                                                std::vector<protocol::Message>& rest) {
  std::vector<protocol::Message> incoming;
  while (incoming.empty()) {
    pollfd pfd{channel.fd(), POLLIN, 0};
    if (::poll(&pfd, 1, -1) < 0 && errno != EINTR) return std::nullopt;
    const Channel::ReadStatus status = channel.read_available(incoming);
    if (status == Channel::ReadStatus::kProtocolError) return std::nullopt;
    if (status == Channel::ReadStatus::kClosed) return std::nullopt;
  }
  auto* config = std::get_if<protocol::Config>(&incoming.front());
  if (config == nullptr) return std::nullopt;
  protocol::Config result = std::move(*config);
  for (size_t i = 1; i < incoming.size(); ++i) rest.push_back(std::move(incoming[i]));
  return result;
}

}  // namespace

int run_worker(UniqueFd channel_fd) {
  keep_heap_top();  // a refusal costs only speed
  if (!init_curl_once()) {
    std::fprintf(stderr, "forager worker: curl_global_init failed\n");
    return 1;
  }
  Channel channel(std::move(channel_fd));
  std::vector<protocol::Message> pending;
  std::optional<protocol::Config> config = wait_for_config(channel, pending);
  if (!config) return 1;
  // The coordinator checked the rules before forking; a worker that still
  // cannot parse them crawls without them rather than failing every page.
  std::optional<Rules> rules;
  if (!config->rules_json.empty()) {
    auto parsed = Rules::parse(config->rules_json);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      std::fprintf(stderr, "forager worker: rules ignored: %s\n", error->c_str());
    } else {
      rules = std::get<Rules>(std::move(parsed));
    }
  }
  channel.send(protocol::Ready{static_cast<uint32_t>(::getpid())});
  if (!channel.flush()) return 1;
  FetchLoop loop(channel, *config, rules ? &*rules : nullptr);
  return loop.run(std::move(pending));
}

[[noreturn]] void run_worker_process(const char* fd_text) {
  char* end = nullptr;
  errno = 0;
  const long fd = std::strtol(fd_text, &end, 10);
  if (end == fd_text || *end != '\0' || errno != 0 || fd < 0 || fd > INT_MAX || ::fcntl(static_cast<int>(fd), F_GETFD) < 0) {
    std::fprintf(stderr, "forager %s: expects the fd of a coordinator channel, got '%s'\n", kWorkerArgument, fd_text);
    ::_exit(2);
  }
  ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
  ::prctl(PR_SET_NAME, "forager");  // not "exe", from /proc/self/exe
  // _exit, as a forked worker does: the coordinator owns the process's exit story.
  ::_exit(run_worker(UniqueFd(static_cast<int>(fd))));
}

}  // namespace forager

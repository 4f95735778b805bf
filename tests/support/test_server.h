// A cpp-httplib server on 127.0.0.1 and an ephemeral port, running on its own
// thread for the life of the object, recording every request path it saw
// (decoded, as cpp-httplib routes it) and every request target as sent.
#pragma once

#include <httplib.h>

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace forager::testing {

class TestServer {
 public:
  TestServer() {
    server_.set_tcp_nodelay(true);  // no Nagle stall between headers and body
    server_.set_logger([this](const httplib::Request& request, const httplib::Response&) {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request.path);
      targets_.push_back(request.target);
    });
  }
  ~TestServer() { stop(); }

  httplib::Server& server() { return server_; }

  // Binds and starts serving; call after the routes are set.
  void start() {
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  void stop() {
    if (thread_.joinable()) {
      server_.stop();
      thread_.join();
    }
  }

  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }
  // The request targets exactly as they came in the request lines.
  std::vector<std::string> targets() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return targets_;
  }
  size_t count(const std::string& path) const {
    size_t n = 0;
    for (const auto& p : requests())
      if (p == path) ++n;
    return n;
  }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::vector<std::string> targets_;
};

}  // namespace forager::testing

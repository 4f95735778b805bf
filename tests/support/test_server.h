// A cpp-httplib server on a loopback address (127.0.0.1 unless given) and an
// ephemeral port, running on its own thread for the life of the object,
// recording every request path it saw (decoded, as cpp-httplib routes it),
// every request target as sent, and the connections they came on.
// Given a certificate and key (PEM files), it serves HTTPS.
#pragma once

#include <httplib.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace forager::testing {

class TestServer {
 public:
  TestServer() : server_(std::make_unique<httplib::Server>()) { set_up(); }
  TestServer(const std::string& cert_path, const std::string& key_path)
      : server_(std::make_unique<httplib::SSLServer>(cert_path.c_str(), key_path.c_str())), tls_(true) {
    set_up();
  }
  ~TestServer() { stop(); }

  httplib::Server& server() { return *server_; }
  // The TLS context of an HTTPS server (for its statistics), else null.
  SSL_CTX* ssl_context() const {
    return tls_ ? static_cast<httplib::SSLServer&>(*server_).ssl_context() : nullptr;
  }

  // Binds `address` and starts serving; call after the routes are set.
  void start(const std::string& address = "127.0.0.1") {
    address_ = address;
    port_ = server_->bind_to_any_port(address);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    for (int i = 0; i < 500 && !server_->is_running(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  void stop() {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
  }

  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return std::string(tls_ ? "https://" : "http://") + address_ + ":" + std::to_string(port_) + path;
  }
  // Distinct client connections (remote address and port) requests came on.
  size_t connections() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return connections_.size();
  }
  // Of those, the ones whose TLS handshake resumed an earlier session.
  size_t resumed_connections() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return resumed_.size();
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
  void set_up() {
    server_->set_tcp_nodelay(true);  // no Nagle stall between headers and body
    server_->set_logger([this](const httplib::Request& request, const httplib::Response&) {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request.path);
      targets_.push_back(request.target);
      const std::pair<std::string, int> connection(request.remote_addr, request.remote_port);
      connections_.insert(connection);
      if (request.ssl != nullptr && SSL_session_reused(const_cast<SSL*>(request.ssl)) == 1)
        resumed_.insert(connection);
    });
  }

  std::unique_ptr<httplib::Server> server_;
  bool tls_ = false;
  std::thread thread_;
  std::string address_ = "127.0.0.1";
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<std::string> requests_;
  std::set<std::pair<std::string, int>> connections_;
  std::set<std::pair<std::string, int>> resumed_;
  std::vector<std::string> targets_;
};

}  // namespace forager::testing

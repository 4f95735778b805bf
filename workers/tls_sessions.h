// A worker's TLS session cache: the last session each origin (scheme, host
// and port, as url::origin gives it) gave, so that a connection opened again to it resumes the session (an
// abbreviated handshake: no certificate to parse and verify) instead of a
// full handshake.
//
// Why forager keeps its own: libcurl 7.88 keeps sessions in the share handle,
// but in 8 slots fixed in its code (share.c), so a worker crawling hundreds of
// hosts evicted every host's session long before the host's next connection
// (a server's keep-alive timeout shorter than --delay, or its request limit
// per connection): almost no reopened connection resumed (bench/RESULTS.md).
//
// How it hooks in (OpenSSL backend only): CURLOPT_SSL_CTX_FUNCTION calls
// attach() with every new connection's SSL_CTX, before libcurl makes the
// connection's SSL. attach() remembers the origin in the context and sets two
// OpenSSL callbacks on it: the new-session callback stores each session the
// server gives (TLS 1.3 tickets arrive after the handshake; the last wins);
// the info callback, at the start of the connection's first handshake, hands
// the origin's stored session to OpenSSL, which offers it in the ClientHello.
// A server that does not accept it simply makes a full handshake. libcurl's
// own session cache must be off for such transfers (CURLOPT_SSL_SESSIONID_CACHE
// 0), or it would set its callback instead. libcurl checks the host name
// against the session's certificate after a resumed handshake as after a full one.
//
// Bounded: at most `capacity` origins; the least recently stored goes first.
// Only for direct connections: through a proxy the context may belong to the
// proxy's connection, so the caller does not attach then.
// Single-threaded, like the worker's loop. Must outlive every SSL_CTX it was
// attached to that can still take a session (declare it before the multi handle).
#pragma once

#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>

struct ssl_session_st;
struct ssl_ctx_st;

namespace forager {

class TlsSessionCache {
 public:
  explicit TlsSessionCache(size_t capacity);
  ~TlsSessionCache();
  TlsSessionCache(const TlsSessionCache&) = delete;
  TlsSessionCache& operator=(const TlsSessionCache&) = delete;

  // Makes connections of `ssl_ctx` (a new connection's context) to `origin`
  // ("https://host[:port]") store and resume sessions here. False when OpenSSL could
  // not keep the origin in the context; the connection then runs without.
  bool attach(ssl_ctx_st* ssl_ctx, const std::string& origin);

  // The origin's stored session (not expired), or null; the cache keeps it.
  ssl_session_st* find(const std::string& origin);
  // Stores `session` for `origin`, taking over the caller's reference;
  // frees the origin's previous one and, beyond capacity, the oldest.
  void store(const std::string& origin, ssl_session_st* session);
  size_t size() const { return order_.size(); }

 private:
  struct Entry {
    std::string origin;
    ssl_session_st* session;
  };
  void drop(std::list<Entry>::iterator entry);

  size_t capacity_;
  std::list<Entry> order_;  // most recently stored first
  std::unordered_map<std::string, std::list<Entry>::iterator> by_origin_;
};

}  // namespace forager

#include "workers/tls_sessions.h"

#include <openssl/ssl.h>

#include <ctime>
#include <iterator>

namespace forager {
namespace {

// What attach() keeps in a connection's SSL_CTX.
struct Attachment {
  TlsSessionCache* cache;
  std::string origin;
};

void free_attachment(void*, void* ptr, CRYPTO_EX_DATA*, int, long, void*) {
  delete static_cast<Attachment*>(ptr);
}

int attachment_index() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, &free_attachment);
  return index;
}

Attachment* attachment_of(const SSL* ssl) {
  const int index = attachment_index();
  if (index < 0) return nullptr;
  return static_cast<Attachment*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), index));
}

// A session the server gave: kept (return 1 keeps OpenSSL's reference).
int on_new_session(SSL* ssl, SSL_SESSION* session) {
  Attachment* attached = attachment_of(ssl);
  if (attached == nullptr || SSL_SESSION_is_resumable(session) != 1) return 0;
  attached->cache->store(attached->origin, session);
  return 1;
}

// At the start of the connection's first handshake, before the ClientHello
// is made: offer the origin's stored session. OpenSSL passes the SSL as
// const to info callbacks; the object itself is not const, and setting its
// session before the ClientHello is what SSL_set_session is for.
void on_info(const SSL* ssl, int where, int) {
  if ((where & SSL_CB_HANDSHAKE_START) == 0) return;
  SSL* connection = const_cast<SSL*>(ssl);
  if (SSL_in_before(connection) != 1 || SSL_get_session(connection) != nullptr) return;
  Attachment* attached = attachment_of(connection);
  if (attached == nullptr) return;
  if (SSL_SESSION* stored = attached->cache->find(attached->origin)) SSL_set_session(connection, stored);
}

}  // namespace

TlsSessionCache::TlsSessionCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

TlsSessionCache::~TlsSessionCache() {
  for (Entry& entry : order_) SSL_SESSION_free(entry.session);
}

bool TlsSessionCache::attach(ssl_ctx_st* ssl_ctx, const std::string& origin) {
  const int index = attachment_index();
  if (index < 0 || ssl_ctx == nullptr) return false;
  auto* attached = new Attachment{this, origin};
  delete static_cast<Attachment*>(SSL_CTX_get_ex_data(ssl_ctx, index));  // a context attached twice
  if (SSL_CTX_set_ex_data(ssl_ctx, index, attached) != 1) {
    delete attached;
    return false;
  }
  SSL_CTX_set_session_cache_mode(ssl_ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ssl_ctx, &on_new_session);
  SSL_CTX_set_info_callback(ssl_ctx, &on_info);
  return true;
}

ssl_session_st* TlsSessionCache::find(const std::string& origin) {
  auto it = by_origin_.find(origin);
  if (it == by_origin_.end()) return nullptr;
  SSL_SESSION* session = it->second->session;
  const long issued = SSL_SESSION_get_time(session);
  const long lifetime = SSL_SESSION_get_timeout(session);
  if (SSL_SESSION_is_resumable(session) != 1 || issued + lifetime <= static_cast<long>(std::time(nullptr))) {
    drop(it->second);
    return nullptr;
  }
  return session;
}

void TlsSessionCache::store(const std::string& origin, ssl_session_st* session) {
  auto it = by_origin_.find(origin);
  if (it != by_origin_.end()) drop(it->second);
  order_.push_front(Entry{origin, session});
  by_origin_[origin] = order_.begin();
  if (order_.size() > capacity_) drop(std::prev(order_.end()));
}

void TlsSessionCache::drop(std::list<Entry>::iterator entry) {
  SSL_SESSION_free(entry->session);
  by_origin_.erase(entry->origin);
  order_.erase(entry);
}

}  // namespace forager

// The worker's TLS session cache on its own: one session per origin, the
// newest wins, bounded with the oldest going first, expired sessions never
// offered. That a reopened connection really resumes through it is checked
// end to end, at the server (tests/e2e/connections_test.cc).
#include "workers/tls_sessions.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <ctime>
#include <string>

namespace forager {
namespace {

// A session OpenSSL counts as resumable (it has an id), issued `age` seconds
// ago and valid for `lifetime` seconds. The caller owns one reference.
SSL_SESSION* make_session(unsigned char id, long age = 0, long lifetime = 300) {
  SSL_SESSION* session = SSL_SESSION_new();
  const unsigned char bytes[4] = {id, 1, 2, 3};
  SSL_SESSION_set1_id(session, bytes, sizeof bytes);
  SSL_SESSION_set_time(session, static_cast<long>(std::time(nullptr)) - age);
  SSL_SESSION_set_timeout(session, lifetime);
  return session;
}

TEST(TlsSessionCacheTest, FindsTheSessionStoredForTheOriginOnly) {
  TlsSessionCache cache(4);
  SSL_SESSION* session = make_session(1);
  cache.store("a.example:443", session);
  EXPECT_EQ(cache.find("a.example:443"), session);
  EXPECT_EQ(cache.find("a.example:8443"), nullptr);
  EXPECT_EQ(cache.find("b.example:443"), nullptr);
}

TEST(TlsSessionCacheTest, ANewSessionReplacesTheOriginsOldOne) {
  TlsSessionCache cache(4);
  cache.store("a.example:443", make_session(1));
  SSL_SESSION* newer = make_session(2);
  cache.store("a.example:443", newer);
  EXPECT_EQ(cache.find("a.example:443"), newer);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(TlsSessionCacheTest, BeyondCapacityTheOldestStoredGoesFirst) {
  TlsSessionCache cache(3);
  for (int i = 0; i < 5; ++i) cache.store("host" + std::to_string(i) + ":443", make_session(static_cast<unsigned char>(i)));
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.find("host0:443"), nullptr);
  EXPECT_EQ(cache.find("host1:443"), nullptr);
  for (int i = 2; i < 5; ++i) EXPECT_NE(cache.find("host" + std::to_string(i) + ":443"), nullptr) << i;
  // Storing again makes an origin the newest: host2 survives the next one, host3 does not.
  cache.store("host2:443", make_session(9));
  cache.store("host5:443", make_session(10));
  EXPECT_NE(cache.find("host2:443"), nullptr);
  EXPECT_EQ(cache.find("host3:443"), nullptr);
}

TEST(TlsSessionCacheTest, AnExpiredOrUnresumableSessionIsNotOfferedAndIsDropped) {
  TlsSessionCache cache(4);
  cache.store("old.example:443", make_session(1, /*age=*/600, /*lifetime=*/300));
  EXPECT_EQ(cache.find("old.example:443"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  cache.store("empty.example:443", SSL_SESSION_new());  // no id, no ticket
  EXPECT_EQ(cache.find("empty.example:443"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(TlsSessionCacheTest, AttachSetsTheContextsSessionCallbacks) {
  TlsSessionCache cache(4);
  SSL_CTX* context = SSL_CTX_new(TLS_client_method());
  ASSERT_NE(context, nullptr);
  ASSERT_TRUE(cache.attach(context, "a.example:443"));
  EXPECT_NE(SSL_CTX_sess_get_new_cb(context), nullptr);
  EXPECT_NE(SSL_CTX_get_info_callback(context), nullptr);
  EXPECT_EQ(SSL_CTX_get_session_cache_mode(context) & SSL_SESS_CACHE_CLIENT, SSL_SESS_CACHE_CLIENT);
  ASSERT_TRUE(cache.attach(context, "b.example:443"));  // again: the first attachment is freed
  SSL_CTX_free(context);  // frees the attachment (ASan/LSan check it in CI)
}

}  // namespace
}  // namespace forager

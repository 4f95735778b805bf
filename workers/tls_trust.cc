#include "workers/tls_trust.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cstdio>
#include <memory>

#include "crawler/util/url.h"
#include "workers/tls_sessions.h"

namespace forager {
namespace {

// Certificates a PEM file holds; reading stops at the first thing that is not one.
std::vector<void*> read_certificates(const std::string& path) {
  std::vector<void*> certs;
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_file(path.c_str(), "r"), &BIO_free);
  if (!bio) return certs;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) certs.push_back(cert);
  ERR_clear_error();  // the end of the file reads as an error
  return certs;
}

std::string builtin(CURLINFO info) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> probe(curl_easy_init(), &curl_easy_cleanup);
  char* value = nullptr;
  if (!probe || curl_easy_getinfo(probe.get(), info, &value) != CURLE_OK || value == nullptr) return {};
  return value;
}

// The origin of the URL a transfer is fetching (url::origin: the key its
// politeness and robots.txt are kept under; libcurl's URL is forager's
// normalized one, redirects are not followed), or empty when it has none.
std::string origin_of(CURL* handle) {
  char* url = nullptr;
  if (curl_easy_getinfo(handle, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || url == nullptr) return {};
  return url::origin(url);
}

}  // namespace

TlsTrust::TlsTrust(const std::string& ca_file, bool insecure, TlsSessionCache* sessions)
    : ca_file_(ca_file), insecure_(insecure), sessions_(sessions) {
  if (insecure_) return;
  system_ca_file_ = builtin(CURLINFO_CAINFO);
  system_ca_path_ = builtin(CURLINFO_CAPATH);
  if (!system_ca_file_.empty() && ::access(system_ca_file_.c_str(), R_OK) != 0) system_ca_file_.clear();
  if (!system_ca_file_.empty() && !ca_file_.empty()) extra_ = read_certificates(ca_file_);
}

TlsTrust::~TlsTrust() {
  for (void* cert : extra_) X509_free(static_cast<X509*>(cert));
}

CURLcode TlsTrust::on_ssl_ctx(CURL* handle, void* ssl_ctx, void* self) {
  const auto* trust = static_cast<const TlsTrust*>(self);
  auto* context = static_cast<SSL_CTX*>(ssl_ctx);
  if (!trust->extra_.empty()) {
    X509_STORE* store = SSL_CTX_get_cert_store(context);
    if (store == nullptr) return CURLE_SSL_CACERT_BADFILE;
    // The store may be the one libcurl shares across connections: a
    // certificate it already holds is not added twice.
    for (void* cert : trust->extra_) X509_STORE_add_cert(store, static_cast<X509*>(cert));
    ERR_clear_error();
  }
  if (trust->sessions_ != nullptr) {
    const std::string origin = origin_of(handle);
    if (!origin.empty()) trust->sessions_->attach(context, origin);
  }
  return CURLE_OK;
}

CURLcode TlsTrust::apply(CURL* h) const {
  CURLcode rc = CURLE_OK;
  auto set = [&rc](CURLcode result) {
    if (rc == CURLE_OK) rc = result;
  };
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, insecure_ ? 0L : 1L));
  set(curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, insecure_ ? 0L : 2L));
  if (rc != CURLE_OK) return rc;
  // The callback is libcurl's only way in; a TLS backend without it refuses
  // the option, and then libcurl loads the certificates and keeps the sessions.
  bool hooked = false;
  if (!extra_.empty() || sessions_ != nullptr) {
    hooked = curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, &TlsTrust::on_ssl_ctx) == CURLE_OK &&
             curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, this) == CURLE_OK;
    if (!hooked) curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, nullptr);
  }
  if (hooked && sessions_ != nullptr) set(curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L));
  if (insecure_ || rc != CURLE_OK) return rc;
  const bool own_store = !system_ca_file_.empty() && (ca_file_.empty() || (!extra_.empty() && hooked));
  if (own_store) {
    set(curl_easy_setopt(h, CURLOPT_CAINFO, system_ca_file_.c_str()));
    set(curl_easy_setopt(h, CURLOPT_CAPATH, nullptr));
    return rc;
  }
  // libcurl's own loading, once per connection.
  if (!ca_file_.empty()) set(curl_easy_setopt(h, CURLOPT_CAINFO, ca_file_.c_str()));
  if (!system_ca_path_.empty()) set(curl_easy_setopt(h, CURLOPT_CAPATH, system_ca_path_.c_str()));
  return rc;
}

}  // namespace forager

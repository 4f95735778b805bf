// Which certificates a worker's transfers trust, set up so that libcurl loads
// the CA certificates once per worker instead of once per TLS connection.
//
// libcurl (7.87 and later, OpenSSL backend) keeps the CA store it built in the
// multi handle and hands it to every later connection, but only when the store
// comes from a CA file alone. Debian's libcurl also has a CA directory built in
// (/etc/ssl/certs), so by default it built a new store, reading and parsing
// the whole CA file, for every connection: a third of a worker's CPU in a
// broad HTTPS crawl (bench/RESULTS.md). So when libcurl's CA file is readable
// the transfers trust it alone (the directory holds the same certificates:
// update-ca-certificates writes both), and the certificates of --cacert join
// the store through CURLOPT_SSL_CTX_FUNCTION, read once here. When that is not
// possible (no CA file built in, a TLS backend without the callback, a
// --cacert file without a certificate) the transfers fall back to libcurl's
// own loading: CURLOPT_CAINFO is the --cacert file, the CA directory stays.
//
// The same callback attaches the worker's TLS session cache (tls_sessions.h)
// to each connection when one is given; libcurl's own session cache is then
// off for the transfer. Without the callback, libcurl's cache stays on.
#pragma once

#include <curl/curl.h>

#include <string>
#include <vector>

namespace forager {

class TlsSessionCache;

class TlsTrust {
 public:
  // `ca_file`: the extra PEM file to trust (--cacert), empty for none.
  // `insecure`: no verification at all (--insecure).
  // `sessions`: the session cache to attach to connections, or null for
  // libcurl's own; it must outlive every transfer set up here.
  TlsTrust(const std::string& ca_file, bool insecure, TlsSessionCache* sessions = nullptr);
  ~TlsTrust();
  TlsTrust(const TlsTrust&) = delete;
  TlsTrust& operator=(const TlsTrust&) = delete;

  // Sets the verification and session options on an easy handle (every transfer).
  CURLcode apply(CURL* handle) const;

 private:
  // CURLOPT_SSL_CTX_FUNCTION: adds extra_ to the context's store and
  // attaches sessions_ for the transfer's origin.
  static CURLcode on_ssl_ctx(CURL* handle, void* ssl_ctx, void* self);

  std::string ca_file_;
  bool insecure_ = false;
  std::string system_ca_file_;  // libcurl's built-in CA file when readable
  std::string system_ca_path_;  // libcurl's built-in CA directory
  std::vector<void*> extra_;    // X509* from ca_file_
  TlsSessionCache* sessions_ = nullptr;
};

}  // namespace forager

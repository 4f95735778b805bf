// Move-only owners of libcurl handles: each frees its handle exactly once.
// The caller keeps the usual libcurl rules: an easy handle must be removed
// from its multi handle before either is destroyed.
#pragma once

#include <curl/curl.h>

#include <utility>

namespace forager {

class CurlEasy {
 public:
  CurlEasy() = default;
  // Creates a new easy handle; get() is null when curl_easy_init failed.
  static CurlEasy create() { return CurlEasy(curl_easy_init()); }
  explicit CurlEasy(CURL* handle) : handle_(handle) {}
  CurlEasy(CurlEasy&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CurlEasy& operator=(CurlEasy&& other) noexcept {
    if (this != &other) reset(std::exchange(other.handle_, nullptr));
    return *this;
  }
  CurlEasy(const CurlEasy&) = delete;
  CurlEasy& operator=(const CurlEasy&) = delete;
  ~CurlEasy() { reset(); }

  CURL* get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }
  void reset(CURL* handle = nullptr) {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
    handle_ = handle;
  }

 private:
  CURL* handle_ = nullptr;
};

class CurlMulti {
 public:
  CurlMulti() = default;
  static CurlMulti create() { return CurlMulti(curl_multi_init()); }
  explicit CurlMulti(CURLM* handle) : handle_(handle) {}
  CurlMulti(CurlMulti&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CurlMulti& operator=(CurlMulti&& other) noexcept {
    if (this != &other) reset(std::exchange(other.handle_, nullptr));
    return *this;
  }
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;
  ~CurlMulti() { reset(); }

  CURLM* get() const { return handle_; }
  explicit operator bool() const { return handle_ != nullptr; }
  void reset(CURLM* handle = nullptr) {
    if (handle_ != nullptr) curl_multi_cleanup(handle_);
    handle_ = handle;
  }

 private:
  CURLM* handle_ = nullptr;
};

// A curl_slist (request header list). Must outlive every transfer that uses it.
class CurlSlist {
 public:
  CurlSlist() = default;
  CurlSlist(CurlSlist&& other) noexcept : list_(std::exchange(other.list_, nullptr)) {}
  CurlSlist& operator=(CurlSlist&& other) noexcept {
    if (this != &other) {
      reset();
      list_ = std::exchange(other.list_, nullptr);
    }
    return *this;
  }
  CurlSlist(const CurlSlist&) = delete;
  CurlSlist& operator=(const CurlSlist&) = delete;
  ~CurlSlist() { reset(); }

  // Appends a copy of `line`. Returns false when curl could not allocate;
  // the list is unchanged then.
  bool append(const char* line) {
    curl_slist* appended = curl_slist_append(list_, line);
    if (appended == nullptr) return false;
    list_ = appended;
    return true;
  }
  curl_slist* get() const { return list_; }
  // Takes ownership of a list curl made (e.g. CURLINFO_COOKIELIST's).
  void adopt(curl_slist* list) {
    reset();
    list_ = list;
  }
  void reset() {
    if (list_ != nullptr) curl_slist_free_all(list_);
    list_ = nullptr;
  }

 private:
  curl_slist* list_ = nullptr;
};

// A share handle for every transfer of a worker: the DNS cache, libcurl's TLS
// session cache (8 sessions; used only where the worker's own TlsSessionCache
// is not, through a proxy), and with `cookies` one cookie jar, as
// a browser keeps one jar per profile. Connections are not shared through it:
// the worker's one multi handle already pools them for all its transfers.
// Single-threaded use: no locks needed. get() is null when curl_share_init
// failed; transfers then run without sharing.
class CurlShare {
 public:
  CurlShare() = default;
  static CurlShare create(bool cookies) {
    CurlShare share(curl_share_init());
    if (share.handle_ == nullptr) return share;
    curl_share_setopt(share.handle_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(share.handle_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (cookies) curl_share_setopt(share.handle_, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    return share;
  }
  CurlShare(CurlShare&& other) noexcept : handle_(std::exchange(other.handle_, nullptr)) {}
  CurlShare& operator=(CurlShare&& other) noexcept {
    if (this != &other) {
      if (handle_ != nullptr) curl_share_cleanup(handle_);
      handle_ = std::exchange(other.handle_, nullptr);
    }
    return *this;
  }
  CurlShare(const CurlShare&) = delete;
  CurlShare& operator=(const CurlShare&) = delete;
  ~CurlShare() {
    if (handle_ != nullptr) curl_share_cleanup(handle_);
  }
  CURLSH* get() const { return handle_; }

 private:
  explicit CurlShare(CURLSH* handle) : handle_(handle) {}
  CURLSH* handle_ = nullptr;
};

}  // namespace forager

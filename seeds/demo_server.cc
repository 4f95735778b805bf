// forager-demo-server: serves a directory (by default the bundled demo book
// catalogue, seeds/demo-site) over HTTP on a loopback address, for the README's
// demo crawl and for tests.
//
//   forager-demo-server [--root DIR] [--host 127.0.0.1] [--port N] [--port-file FILE] [--log]
//
// --port 0 binds an ephemeral port; the port is printed on stdout
// ("serving DIR on http://127.0.0.1:PORT/") and, with --port-file, written to
// FILE (via FILE.tmp + rename, so a reader never sees half a file).
// Only loopback addresses (127.0.0.0/8, ::1, localhost) are accepted.
// Responses carry Content-Type by extension, Last-Modified and an ETag, and
// honour If-None-Match / If-Modified-Since (304); text bodies are compressed
// (gzip / br) by cpp-httplib when the client asks for it.
// SIGINT / SIGTERM stop the server cleanly (exit 0).

#include <httplib.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace {

int g_stop_pipe[2] = {-1, -1};

extern "C" void on_stop_signal(int) {
  const int saved = errno;
  const char one = 1;
  (void)!::write(g_stop_pipe[1], &one, 1);
  errno = saved;
}

constexpr const char *kUsage =
    "usage: forager-demo-server [--root DIR] [--host ADDR] [--port N] [--port-file FILE]\n"
    "                           [--threads N] [--log]\n"
    "\n"
    "Serves DIR over HTTP on a loopback address.\n"
    "  --root DIR        directory to serve [seeds/demo-site]\n"
    "  --host ADDR       loopback address to bind: 127.0.0.0/8, ::1 or localhost [127.0.0.1]\n"
    "  --port N          port; 0 picks a free one [8765 is the demo's port in seeds/demo.txt;\n"
    "                    default 0]\n"
    "  --port-file FILE  write the bound port to FILE (atomically) once listening\n"
    "  --threads N       request-handling threads [64]\n"
    "  --log             log one line per request on stderr\n"
    "  -h, --help        this text\n";

[[noreturn]] void usage_error(const std::string &msg) {
  std::cerr << "forager-demo-server: " << msg << "\n" << kUsage;
  std::exit(2);
}

bool is_loopback(const std::string &host) {
  in_addr a4{};
  if (inet_pton(AF_INET, host.c_str(), &a4) == 1)
    return (ntohl(a4.s_addr) >> 24) == 127;
  in6_addr a6{};
  if (inet_pton(AF_INET6, host.c_str(), &a6) == 1) return IN6_IS_ADDR_LOOPBACK(&a6);
  return false;
}

bool parse_int(const std::string &s, long lo, long hi, long &out) {
  if (s.empty()) return false;
  char *end = nullptr;
  errno = 0;
  long v = std::strtol(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
  out = v;
  return true;
}

std::string content_type_for(const std::string &path) {
  auto dot = path.rfind('.');
  auto slash = path.rfind('/');
  std::string ext;
  if (dot != std::string::npos && (slash == std::string::npos || dot > slash))
    ext = path.substr(dot + 1);
  for (auto &c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == "html" || ext == "htm") return "text/html; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "csv") return "text/csv; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  // Exact strings: cpp-httplib compresses these application/* types only when
  // the Content-Type matches exactly (no parameters).
  if (ext == "xml") return "application/xml";
  if (ext == "json") return "application/json";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "jpg" || ext == "jpeg") return "image/jpeg";
  if (ext == "png") return "image/png";
  if (ext == "gif") return "image/gif";
  if (ext == "webp") return "image/webp";
  if (ext == "ico") return "image/x-icon";
  if (ext == "pdf") return "application/pdf";
  return "application/octet-stream";
}

std::string http_date(time_t t) {
  struct tm tm {};
  gmtime_r(&t, &tm);
  static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday],
                tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

// Parses an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"); -1 if it isn't one.
time_t parse_http_date(const std::string &s) {
  static const char *months = "JanFebMarAprMayJunJulAugSepOctNovDec";
  char wd[4] = {}, mon[4] = {}, gmt[4] = {};
  int d = 0, y = 0, hh = 0, mm = 0, ss = 0;
  if (std::sscanf(s.c_str(), "%3s, %d %3s %d %d:%d:%d %3s", wd, &d, mon, &y, &hh, &mm, &ss,
                  gmt) != 8)
    return -1;
  const char *p = std::strstr(months, mon);
  if (!p || std::strlen(mon) != 3 || std::strcmp(gmt, "GMT") != 0) return -1;
  struct tm tm {};
  tm.tm_mday = d;
  tm.tm_mon = static_cast<int>((p - months) / 3);
  tm.tm_year = y - 1900;
  tm.tm_hour = hh;
  tm.tm_min = mm;
  tm.tm_sec = ss;
  return timegm(&tm);
}

// A weak validator derived from the content (FNV-1a), so it survives checkouts
// that change mtimes, and weak because the body may be sent compressed.
std::string etag_for(const std::string &body) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : body) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "W/\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

bool etag_matches(const std::string &header, const std::string &etag) {
  // Weak comparison over a comma-separated list; "*" matches anything.
  auto opaque = [](std::string t) {
    auto b = t.find_first_not_of(" \t");
    auto e = t.find_last_not_of(" \t");
    if (b == std::string::npos) return std::string();
    t = t.substr(b, e - b + 1);
    if (t.rfind("W/", 0) == 0) t = t.substr(2);
    return t;
  };
  const std::string mine = opaque(etag);
  std::stringstream ss(header);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto o = opaque(item);
    if (o == "*" || o == mine) return true;
  }
  return false;
}

bool read_file(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return !in.bad();
}

const char *kNotFound =
    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
    "<title>404 Not Found</title></head>\n<body><h1>Not Found</h1>"
    "<p>The requested URL was not found on this server.</p></body></html>\n";

void not_found(httplib::Response &res) {
  res.status = 404;
  res.set_content(kNotFound, "text/html; charset=utf-8");
}

void serve(const std::string &root, const httplib::Request &req, httplib::Response &res) {
  // req.path is already percent-decoded by cpp-httplib.
  const std::string &p = req.path;
  if (p.empty() || p[0] != '/' || p.find('\0') != std::string::npos) {
    res.status = 400;
    return;
  }
  // Refuse any ".." segment (and backslashes) so nothing outside root is served.
  std::stringstream segs(p);
  std::string seg;
  while (std::getline(segs, seg, '/')) {
    if (seg == ".." || seg.find('\\') != std::string::npos) {
      not_found(res);
      return;
    }
  }
  std::string file = root + p;
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) {
    not_found(res);
    return;
  }
  if (S_ISDIR(st.st_mode)) {
    if (p.back() != '/') {
      // Like Apache/nginx: a directory without its slash redirects to it.
      std::string loc = p + "/";
      auto q = req.target.find('?');
      if (q != std::string::npos) loc += req.target.substr(q);
      res.set_redirect(loc, 301);
      return;
    }
    file += "index.html";
    if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      not_found(res);
      return;
    }
  } else if (!S_ISREG(st.st_mode)) {
    not_found(res);
    return;
  }

  std::string body;
  if (!read_file(file, body)) {
    res.status = 403;
    return;
  }
  const std::string etag = etag_for(body);
  const std::string last_modified = http_date(st.st_mtime);
  res.set_header("ETag", etag);
  res.set_header("Last-Modified", last_modified);

  bool not_modified = false;
  if (req.has_header("If-None-Match")) {
    not_modified = etag_matches(req.get_header_value("If-None-Match"), etag);
  } else if (req.has_header("If-Modified-Since")) {
    time_t since = parse_http_date(req.get_header_value("If-Modified-Since"));
    not_modified = since != -1 && st.st_mtime <= since;
  }
  if (not_modified) {
    res.status = 304;
    return;
  }
  res.status = 200;
  res.set_content(std::move(body), content_type_for(file));
}

bool write_port_file(const std::string &path, int port) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << port << "\n";
    out.flush();
    if (!out) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

int main(int argc, char **argv) {
  // SIGINT/SIGTERM: the handler only writes a byte to a pipe (async-signal-
  // safe); a dedicated thread reads it and calls stop(), which is not
  // async-signal-safe and so must not run in the handler itself.
  if (::pipe2(g_stop_pipe, O_CLOEXEC) != 0) {
    std::perror("forager-demo-server: pipe");
    return 1;
  }
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  std::string root = "seeds/demo-site";
  std::string host = "127.0.0.1";
  std::string port_file;
  long port = 0;
  long threads = 64;
  bool log = false;

  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string val;
    bool has_inline = false;
    if (a.rfind("--", 0) == 0) {
      auto eq = a.find('=');
      if (eq != std::string::npos) {
        val = a.substr(eq + 1);
        a = a.substr(0, eq);
        has_inline = true;
      }
    }
    auto need = [&](const char *name) -> std::string {
      if (has_inline) return val;
      if (i + 1 >= argc) usage_error(std::string(name) + " needs a value");
      return argv[++i];
    };
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      return 0;
    } else if (a == "--root") {
      root = need("--root");
    } else if (a == "--host") {
      host = need("--host");
    } else if (a == "--port") {
      if (!parse_int(need("--port"), 0, 65535, port))
        usage_error("--port must be an integer from 0 to 65535");
    } else if (a == "--port-file") {
      port_file = need("--port-file");
    } else if (a == "--threads") {
      if (!parse_int(need("--threads"), 1, 1024, threads))
        usage_error("--threads must be an integer from 1 to 1024");
    } else if (a == "--log" && !has_inline) {
      log = true;
    } else {
      usage_error("unknown argument: " + std::string(argv[i]));
    }
  }

  if (host == "localhost") host = "127.0.0.1";
  if (!is_loopback(host)) {
    std::cerr << "forager-demo-server: refusing to bind to " << host
              << ": only loopback addresses (127.0.0.0/8, ::1, localhost) are allowed\n";
    return 2;
  }
  while (root.size() > 1 && root.back() == '/') root.pop_back();
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    std::cerr << "forager-demo-server: " << root << " is not a directory"
              << " (run from the source tree, or pass --root DIR)\n";
    return 2;
  }

  httplib::Server svr;
  const auto nthreads = static_cast<size_t>(threads);
  svr.new_task_queue = [nthreads] { return new httplib::ThreadPool(nthreads); };
  // cpp-httplib's default socket options add SO_REUSEPORT, which would let a
  // second server bind the same port and silently share its traffic. Keep
  // only SO_REUSEADDR, so a busy port is an error.
  svr.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  svr.set_tcp_nodelay(true);  // headers and body go out in two writes: no Nagle stall
  svr.set_keep_alive_max_count(1000);
  svr.set_keep_alive_timeout(5);
  svr.set_payload_max_length(1 << 20);
  svr.Get(".*", [root](const httplib::Request &req, httplib::Response &res) {
    serve(root, req, res);
  });
  if (log) {
    svr.set_logger([](const httplib::Request &req, const httplib::Response &res) {
      std::fprintf(stderr, "%s %s %d\n", req.method.c_str(), req.target.c_str(), res.status);
    });
  }

  int bound = 0;
  if (port == 0) {
    bound = svr.bind_to_any_port(host);
    if (bound <= 0) bound = -1;
  } else {
    bound = svr.bind_to_port(host, static_cast<int>(port)) ? static_cast<int>(port) : -1;
  }
  if (bound < 0) {
    std::cerr << "forager-demo-server: cannot bind " << host << ":" << port << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }

  if (!port_file.empty() && !write_port_file(port_file, bound)) {
    std::cerr << "forager-demo-server: cannot write " << port_file << ": "
              << std::strerror(errno) << "\n";
    return 1;
  }
  const std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::cout << "serving " << root << " on http://" << url_host << ":" << bound << "/"
            << std::endl;

  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread waiter([&] {
    char c = 0;
    for (;;) {
      ssize_t n = ::read(g_stop_pipe[0], &c, 1);
      if (n == 1) break;
      if (n < 0 && errno == EINTR) continue;
      return;  // pipe closed: nothing to do
    }
    if (c == 0) return;  // main is done and woke us up
    // A signal: stop the server. If it arrived before the accept loop started,
    // wait for it to start (stop() is a no-op until then). stop() closes the
    // listening socket at once, but cpp-httplib only notices on an idle
    // keep-alive connection when that connection's keep-alive timeout runs out:
    // give in-flight requests a moment, then leave anyway (nothing to flush).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
    std::unique_lock<std::mutex> lock(mu);
    bool stopped = false;
    while (!done) {
      if (!stopped && svr.is_running()) {
        svr.stop();
        stopped = true;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        std::fflush(nullptr);
        std::_Exit(0);
      }
      cv.wait_for(lock, std::chrono::milliseconds(10));
    }
  });

  bool ok = svr.listen_after_bind();
  {
    std::lock_guard<std::mutex> lock(mu);
    done = true;
  }
  cv.notify_all();
  const char zero = 0;
  (void)!::write(g_stop_pipe[1], &zero, 1);  // wake the waiter if no signal came
  waiter.join();
  return ok ? 0 : 1;
}

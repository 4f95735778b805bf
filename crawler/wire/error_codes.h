// The error codes a record (and a FetchResult) can carry, in one place: the
// strings are part of the user contract (they are stored, exported and
// reported), so C++ code names them through these constants and never spells
// them again (storage's SQL queries keep the few they filter on as literals).
// An empty error means the server answered (whatever its status).
// crawler/wire/PROTOCOL.md lists them too: keep both in step.
#pragma once

namespace forager::errors {

// Set by a worker from the transfer (workers/transfer.cc).
inline constexpr char kTimeout[] = "timeout";            // --timeout ran out
inline constexpr char kConnect[] = "connect";            // the TCP connection failed
inline constexpr char kDns[] = "dns";                    // the host (or proxy) name did not resolve
inline constexpr char kTls[] = "tls";                    // TLS handshake or certificate failure
inline constexpr char kNetwork[] = "network";            // send/receive failed, malformed reply, ...
inline constexpr char kTooLarge[] = "too_large";         // the body passed --max-bytes
inline constexpr char kBadUrl[] = "bad_url";             // curl refused the URL or its scheme
inline constexpr char kContentEncoding[] = "content_encoding";  // the body could not be decoded
inline constexpr char kHttp2[] = "http2";                // an HTTP/2 framing or stream error
inline constexpr char kInternal[] = "internal";          // the worker itself failed on this task
inline constexpr char kWarc[] = "warc";                   // WARC records could not be written (or, extracting, read)
inline constexpr char kHtmlParse[] = "html_parse";       // the HTML parser stopped on the page (gumbo's assertion)
inline constexpr char kBadSitemap[] = "bad_sitemap";     // a sitemap with nothing usable (not a record)

// Set by the coordinator.
inline constexpr char kRobots[] = "robots";                        // robots.txt forbids the URL
inline constexpr char kOutOfScope[] = "out_of_scope";              // a redirect left the crawl's scope
inline constexpr char kTooManyRedirects[] = "too_many_redirects";  // the redirect chain is too long
inline constexpr char kRedirectLoop[] = "redirect_loop";           // a hop came back to the chain
inline constexpr char kBadRedirect[] = "bad_redirect";             // a Location that is not a URL
inline constexpr char kWorkerCrash[] = "worker_crash";             // the URL crashed two workers

}  // namespace forager::errors

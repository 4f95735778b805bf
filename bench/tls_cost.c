/* What one HTTPS connection costs a libcurl client, counted in instructions
 * (bench/tls_cost.sh runs it under callgrind). CONNS connections to BASE one
 * after another, REQS requests on each, as a forager worker makes them: one
 * libcurl multi handle, a new easy handle per request, the connection kept
 * alive between a host's requests and closed after its last. No TLS session
 * is reused (every connection is a full handshake, as for a new host), and
 * the CA file is loaded once by a first, uncounted transfer, as libcurl's CA
 * cache does in a worker.
 *
 *   tls_cost BASE CAFILE CONNS REQS        e.g. https://127.0.0.1:8443 ca.pem 30 11
 *
 * Prints one line: errors, and the process's CPU ms per connection. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static size_t discard(char *data, size_t size, size_t n, void *user) {
  (void)data;
  (void)user;
  return size * n;
}

static double cpu_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One request on a new easy handle; returns 0 when it succeeded. */
static int request(CURLM *multi, const char *url, const char *cafile, int last) {
  CURL *h = curl_easy_init();
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_CAINFO, cafile);
  curl_easy_setopt(h, CURLOPT_CAPATH, NULL); /* a CA path turns libcurl's CA cache off */
  curl_easy_setopt(h, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  curl_easy_setopt(h, CURLOPT_FORBID_REUSE, last ? 1L : 0L);
  curl_multi_add_handle(multi, h);
  int running = 1;
  while (running) {
    curl_multi_perform(multi, &running);
    if (running) curl_multi_poll(multi, NULL, 0, 1000, NULL);
  }
  int failed = 0, left = 0;
  CURLMsg *msg;
  while ((msg = curl_multi_info_read(multi, &left)) != NULL) failed |= msg->data.result != CURLE_OK;
  curl_multi_remove_handle(multi, h);
  curl_easy_cleanup(h);
  return failed;
}

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: tls_cost BASE CAFILE CONNS REQS\n");
    return 2;
  }
  const char *base = argv[1], *cafile = argv[2];
  const int conns = atoi(argv[3]), reqs = atoi(argv[4]);
  curl_global_init(CURL_GLOBAL_ALL);
  CURLM *multi = curl_multi_init();
  char url[512];
  snprintf(url, sizeof url, "%s/p1.html", base);
  int errors = request(multi, url, cafile, 1); /* loads the CA file; not counted */
  const double start = cpu_seconds();
  for (int c = 0; c < conns; c++) {
    for (int r = 0; r < reqs; r++) {
      snprintf(url, sizeof url, "%s/p%d.html", base, r % 20 + 1);
      errors += request(multi, url, cafile, r == reqs - 1);
    }
  }
  const double spent = cpu_seconds() - start;
  printf("errors %d, %.3f CPU ms per connection\n", errors, spent * 1e3 / conns);
  curl_multi_cleanup(multi);
  curl_global_cleanup();
  return errors == 0 ? 0 : 1;
}

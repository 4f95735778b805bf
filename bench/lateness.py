"""How late each request of a polite crawl started, from nginx's log (issue 18).

    python3 bench/lateness.py ACCESS_LOG DELAY_MS [--db FORAGER_DB] [--json]

The log lines are bench/broad.sh's format: scheme, server address (one host
each), connection, connection requests, TLS session reused, status, URI,
$msec (when the response was done) and $request_time (seconds since the
request's first byte), so a request started at msec - request_time.

Politeness lets a host's request k start at its earliest at
max(start[k-1], end[k-1]) + DELAY (one in flight per host, the delay after
the previous request's start and after its end): its lateness is how much
later it started, as the server saw it. The first request of a host (its
robots.txt) is late by how long after the crawl's first request it started.
Reported by kind: a host's robots.txt, its first page (the robots.txt's
answer was needed first), every later page; the sum over a host (its span
against the politeness bound), and by second of the crawl (bursts).

With --db (forager's SQLite store), each page's gap is split by forager's
own timestamps: the worker saw the transfer end at fetched_at_ms and
started it elapsed_ms before (libcurl's total time). So a gap's lateness is
  receive: previous end at the server -> the worker saw it end
  + coordinator: the worker saw it end -> it started the next (the page's
    parse, the result to the coordinator, the delay, the dispatch, the task to
    a worker and its queue), minus the delay
  + send: the worker started it -> the server saw its first byte (connect,
    TLS, the request).
"""
import argparse
import json
import sqlite3
import statistics
import sys
from collections import defaultdict
from urllib.parse import urlsplit


def percentile(values, q):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def summary(values):
    if not values:
        return dict(n=0, mean=0.0, median=0.0, p90=0.0, max=0.0)
    return dict(n=len(values), mean=statistics.fmean(values), median=statistics.median(values),
                p90=percentile(values, 0.9), max=max(values))


def read_log(path):
    hosts = defaultdict(list)  # server address -> [(start, end, uri)]
    for line in open(path):
        f = line.split()
        if len(f) < 9:
            continue
        end = float(f[7])
        start = end - float(f[8])
        hosts[f[1]].append((start, end, f[6]))
    for requests in hosts.values():
        requests.sort()
    return hosts


def read_db(path):
    """(host address, path) -> (worker start, worker end) in seconds."""
    pages = {}
    db = sqlite3.connect(path)
    for url, fetched_at_ms, elapsed_ms in db.execute("SELECT final_url, fetched_at_ms, elapsed_ms FROM pages"):
        parts = urlsplit(url)
        end = fetched_at_ms / 1000.0
        pages[(parts.hostname, parts.path or "/")] = (end - (elapsed_ms or 0) / 1000.0, end)
    return pages


def analyse(hosts, delay_ms, pages=None):
    delay = delay_ms / 1000.0
    t0 = min(r[0][0] for r in hosts.values())
    first, first_page, later, per_host, spans = [], [], [], [], []
    by_second = defaultdict(list)
    parts = dict(receive=[], coordinator=[], send=[])
    for address, requests in hosts.items():
        first.append(requests[0][0] - t0)
        total = 0.0
        for k in range(1, len(requests)):
            start, end, uri = requests[k]
            prev_start, prev_end, prev_uri = requests[k - 1]
            late = start - (max(prev_start, prev_end) + delay)
            total += late
            (first_page if k == 1 else later).append(late)
            by_second[int(start - t0)].append(late)
            if pages is not None:
                mine, prev = pages.get((address, uri)), pages.get((address, prev_uri))
                if mine and (prev or prev_uri == "/robots.txt"):
                    # robots.txt is not a page record: its end as the server saw it stands in.
                    prev_worker_end = prev[1] if prev else prev_end
                    parts["receive"].append(prev_worker_end - prev_end)
                    parts["coordinator"].append(mine[0] - prev_worker_end - delay)
                    parts["send"].append(start - mine[0])
        per_host.append(total)
        spans.append(requests[-1][1] - requests[0][0])
    return dict(
        hosts=len(hosts), first_request=summary(first), first_page=summary(first_page), later_pages=summary(later),
        per_host_total=summary(per_host), span=summary(spans),
        parts={k: summary(v) for k, v in parts.items()} if pages is not None else None,
        by_second=[(s, len(v), statistics.fmean(v)) for s, v in sorted(by_second.items())])


def ms(x):
    return "%.0f" % (1000 * x)


def report(a):
    out = ["| lateness (ms) | requests | mean | median | p90 | max |", "|---|---|---|---|---|---|"]
    rows = [("robots.txt: after the crawl's first request", a["first_request"]),
            ("first page, after robots.txt", a["first_page"]),
            ("later pages", a["later_pages"]),
            ("sum over a host (per host)", a["per_host_total"]),
            ("host span, first start to last end (per host)", a["span"])]
    if a["parts"]:
        rows += [("  of a page's gap: receive (server end -> worker saw it)", a["parts"]["receive"]),
                 ("  of a page's gap: coordinator (worker end -> next start, minus delay)", a["parts"]["coordinator"]),
                 ("  of a page's gap: send (worker start -> server start)", a["parts"]["send"])]
    for name, s in rows:
        out.append("| %s | %d | %s | %s | %s | %s |" % (name, s["n"], ms(s["mean"]), ms(s["median"]), ms(s["p90"]),
                                                       ms(s["max"])))
    out.append("by second of the crawl (requests started, mean lateness ms): " +
               ", ".join("%d:%d/%s" % (s, n, ms(m)) for s, n, m in a["by_second"]))
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("log")
    ap.add_argument("delay_ms", type=float)
    ap.add_argument("--db")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    hosts = read_log(args.log)
    if not hosts:
        print("no requests in %s" % args.log, file=sys.stderr)
        return 1
    a = analyse(hosts, args.delay_ms, read_db(args.db) if args.db else None)
    print(json.dumps(a) if args.json else report(a))
    return 0


if __name__ == "__main__":
    sys.exit(main())

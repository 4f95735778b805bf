#!/usr/bin/env python3
"""Summarises a bench/soak.sh run.

    soak_report.py OUT_DIR WORKER_MAX_PAGES

Reads OUT_DIR/processes.csv (peak_rss.py --per-process: every process, once a
second) and OUT_DIR/forager.log (progress lines every 5 s). The coordinator is
the forager process whose parent is not forager; a worker is a forager process
run as "forager __worker FD". A child caught between fork() and exec() still
maps the coordinator's pages (shared, not its own): it is counted apart. Prints, per window (5 minutes; shorter for runs under 30 minutes), the coordinator's RSS and known URLs,
the largest RSS of any worker and of all workers together, and how many
workers were started; then the verdicts, and writes OUT_DIR/results-soak.json.
"""
import csv
import json
import os
import re
import sys

LINE = re.compile(r"^pages (\d+)\s+([\d.]+)/s\s+queued (\d+)\s+in flight (\d+)\s+errors (\d+)")


def main():
    out, recycle = sys.argv[1], int(sys.argv[2])
    samples = {}  # second -> {pid: (ppid, rss)}
    names = {}
    with open(os.path.join(out, "processes.csv")) as f:
        for row in csv.DictReader(f):
            if row["name"] != "forager":
                continue
            t = float(row["seconds"])
            samples.setdefault(t, {})[int(row["pid"])] = (int(row["ppid"]), int(row["rss_kb"]),
                                                          row.get("arg1", "__worker"))
    if not samples:
        sys.exit("soak_report: no samples")
    forager_pids = {pid for procs in samples.values() for pid in procs}
    known = []  # (t, pages, known URLs)
    log = open(os.path.join(out, "forager.log")).read()
    for line in log.splitlines():
        m = LINE.match(line.strip())
        if m:
            known.append((5.0 * (len(known) + 1), int(m.group(1)), int(m.group(1)) + int(m.group(3)) + int(m.group(4))))
    end_lines = [s for s in log.splitlines() if " finished: " in s or " stopped by " in s]

    def known_at(t):
        best = (0, 0, 0)
        for k in known:
            if k[0] <= t:
                best = k
        return best

    rows, seen_workers, pre_exec = [], set(), [0]
    times = sorted(samples)
    last_t = times[-1]
    WINDOW_S = max(10.0, min(300.0, last_t / 6))
    start = 0.0
    while start < last_t:
        window = [t for t in times if start <= t < start + WINDOW_S]
        coord, worker_max, workers_sum, started = [], 0, 0, 0
        for t in window:
            procs = samples[t]
            total = 0
            for pid, (ppid, rss, arg) in procs.items():
                if ppid in forager_pids and arg != "__worker":
                    pre_exec[0] += 1  # forked, not yet exec'd: the coordinator's pages
                    continue
                if ppid in forager_pids:  # a worker
                    worker_max = max(worker_max, rss)
                    total += rss
                    if pid not in seen_workers:
                        seen_workers.add(pid)
                        started += 1
                else:
                    coord.append(rss)
            workers_sum = max(workers_sum, total)
        if coord:
            _, pages, k = known_at(window[-1])
            rows.append({"from_s": start, "to_s": window[-1], "coordinator_min_kb": min(coord),
                         "coordinator_max_kb": max(coord), "pages": pages, "known_urls": k,
                         "worker_max_kb": worker_max, "workers_sum_max_kb": workers_sum, "workers_started": started})
        start += WINDOW_S

    print("\n%7s %7s %10s %12s %11s %11s %12s %9s" % ("from", "to", "pages", "known URLs", "coord MB",
                                                      "worker MB", "workers MB", "started"))
    for r in rows:
        print("%6.0fs %6.0fs %10d %12d %5.1f-%5.1f %11.1f %12.1f %9d" % (
            r["from_s"], r["to_s"], r["pages"], r["known_urls"], r["coordinator_min_kb"] / 1024,
            r["coordinator_max_kb"] / 1024, r["worker_max_kb"] / 1024, r["workers_sum_max_kb"] / 1024,
            r["workers_started"]))
    result = {"windows": rows, "worker_max_pages": recycle, "duration_s": last_t, "end": end_lines}
    if len(rows) >= 3:
        # Workers: the largest worker RSS of each window after the first, flat when
        # the last window is within 10 % of the second.
        later = [r["worker_max_kb"] for r in rows[1:]]
        worker_flat = max(later) <= 1.10 * min(later)
        first, last = rows[1], rows[-1]
        dk = last["known_urls"] - first["known_urls"]
        per_url = (last["coordinator_max_kb"] - first["coordinator_max_kb"]) * 1024 / dk if dk > 0 else 0
        result.update(worker_rss_flat=worker_flat, worker_max_kb_range=[min(later), max(later)],
                      coordinator_bytes_per_known_url=per_url)
        print("\nsoak: %.0f min; %s" % (last_t / 60, end_lines[0] if end_lines else "no end line from forager"))
        print("soak: largest worker RSS per window after the first: %.1f-%.1f MB -> %s" % (
            min(later) / 1024, max(later) / 1024, "flat (within 10 %)" if worker_flat else "NOT flat"))
        print("soak: workers started: %d (recycled every %d pages); %d samples caught a child between fork "
              "and exec (left out)" % (len(seen_workers), recycle, pre_exec[0]))
        print("soak: coordinator %.1f -> %.1f MB while known URLs went %d -> %d: %.1f bytes per known URL "
              "(its seen set: 11-23)" % (first["coordinator_max_kb"] / 1024, last["coordinator_max_kb"] / 1024,
                                         first["known_urls"], last["known_urls"], per_url))
    with open(os.path.join(out, "results-soak.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()

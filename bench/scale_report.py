#!/usr/bin/env python3
"""Summarises a bench/scale.sh run.

    scale_report.py OUT_DIR MAX_PAGES WORKERS LOAD_BEFORE LOAD_AFTER [RESULTS_MAIN.json [SERVER_CPU_S]]

Pages over time come from forager's progress lines in OUT_DIR/forager.log
("pages P  R/s  queued Q  in flight F  errors E", every 5 s when stderr is not a
terminal); known URLs = P + Q + F. Every page of the endless site links to 10
pages nobody else links to, so this is also 1 + 10 x pages parsed. The
coordinator's RSS comes from OUT_DIR/series.csv (peak_rss.py, once a second).
Prints pages/s per interval and the RSS growth per known URL, and writes
OUT_DIR/results-scale.json.
"""
import csv
import json
import os
import re
import sys

LINE = re.compile(r"^pages (\d+)\s+([\d.]+)/s\s+queued (\d+)\s+in flight (\d+)\s+errors (\d+)")


def main():
    out, max_pages, workers, load_before, load_after = sys.argv[1:6]
    main_results = sys.argv[6] if len(sys.argv) > 6 else None
    server_cpu = float(sys.argv[7]) if len(sys.argv) > 7 else None
    series = []
    with open(os.path.join(out, "series.csv")) as f:
        for row in csv.DictReader(f):
            if int(row["root_rss_kb"]) > 0:
                series.append((float(row["seconds"]), int(row["root_rss_kb"]), int(row["tree_rss_kb"])))
    res = json.load(open(os.path.join(out, "res.json")))
    log = open(os.path.join(out, "forager.log")).read()
    summary = [s for s in log.splitlines() if " finished: " in s or " stopped by " in s]
    if not series:
        sys.exit("scale_report: no samples")

    def rss_at(t):
        best = series[0]
        for s in series:
            if s[0] <= t:
                best = s
        return best

    points = []
    for line in log.splitlines():
        m = LINE.match(line.strip())
        if m:
            t = 5.0 * (len(points) + 1)
            pages, queued, inflight = int(m.group(1)), int(m.group(3)), int(m.group(4))
            _, root_kb, tree_kb = rss_at(t)
            points.append({"t": t, "pages": pages, "known": pages + queued + inflight, "queued": queued,
                           "coordinator_rss_kb": root_kb, "tree_rss_kb": tree_kb})
    if len(points) < 3:
        sys.exit("scale_report: fewer than 3 progress lines in forager.log")
    step = max(1, len(points) // 40)
    print("\n%8s %10s %10s %12s %12s %10s %10s" % ("t s", "pages", "pages/s", "(interval)", "known URLs",
                                                 "coord MB", "tree MB"))
    prev = None
    for i, p in enumerate(points):
        if i % step and i != len(points) - 1:
            continue
        interval = (p["pages"] - prev["pages"]) / (p["t"] - prev["t"]) if prev and p["t"] > prev["t"] else 0
        p["interval_pages_per_s"] = interval
        print("%8.0f %10d %10.1f %12.1f %12d %10.1f %10.1f" % (p["t"], p["pages"], p["pages"] / max(p["t"], 0.1),
                                                               interval, p["known"], p["coordinator_rss_kb"] / 1024,
                                                               p["tree_rss_kb"] / 1024))
        prev = p
    result = {"max_pages": int(max_pages), "workers": int(workers), "load_before": load_before,
              "load_after": load_after, "points": points, "summary": summary, "process": res}
    # Coordinator growth per known URL: from 10 s in (start-up allocations and
    # the first batches done) to the largest coordinator RSS seen.
    base = next((p for p in points if p["t"] >= 10), points[0])
    top = max(series, key=lambda s: s[1])
    result["server_cpu_s"] = server_cpu
    last = points[-1]
    dk = last["known"] - base["known"]
    per_url = (top[1] - base["coordinator_rss_kb"]) * 1024 / dk if dk > 0 else 0
    wall = res.get("wall_s") or last["t"]
    m = re.search(r": (\d+) pages, ", " ".join(summary))
    pages = int(m.group(1)) if m else last["pages"]
    late = [p for p in points if p["t"] >= 0.8 * last["t"]]
    late_rate = (late[-1]["pages"] - late[0]["pages"]) / (late[-1]["t"] - late[0]["t"]) \
        if len(late) >= 2 and late[-1]["t"] > late[0]["t"] else 0
    result.update(pages=pages, wall_s=wall, pages_per_s=pages / wall if wall else 0,
                  last_fifth_pages_per_s=late_rate, coordinator_bytes_per_known_url=per_url,
                  known_urls_end=last["known"], coordinator_rss_base_kb=base["coordinator_rss_kb"],
                  coordinator_rss_peak_kb=top[1])
    print("\nscale: %s" % (summary[0] if summary else "no summary line from forager"))
    print("scale: %d pages in %.1f s wall = %.1f pages/s overall; last fifth of the run %.1f pages/s"
          % (pages, wall, pages / wall if wall else 0, late_rate))
    print("scale: coordinator RSS %.1f MB at %d known URLs (t=%.0f s) -> peak %.1f MB, %d known URLs at the end: "
          "%.1f bytes per known URL" % (base["coordinator_rss_kb"] / 1024, base["known"], base["t"], top[1] / 1024,
                                        last["known"], per_url))
    print("scale: peak tree RSS %.1f MB; forager CPU %.1f s; server CPU %s s; load %s -> %s"
          % (res["peak_tree_rss_kb"] / 1024, (res.get("user_s") or 0) + (res.get("sys_s") or 0), server_cpu,
             load_before, load_after))
    if main_results and os.path.exists(main_results):
        mr = json.load(open(main_results))
        ref = [r for r in mr["rows"] if r["name"] == "forager-w%s" % workers]
        if ref and ref[0]["pages_per_s"]:
            result["ratio_overall_to_10k_site"] = result["pages_per_s"] / ref[0]["pages_per_s"]
            result["ratio_last_fifth_to_10k_site"] = late_rate / ref[0]["pages_per_s"]
            print("scale: overall %.0f%%, last fifth %.0f%% of the 10,000-page site figure (%.1f pages/s in %s)"
                  % (100 * result["ratio_overall_to_10k_site"], 100 * result["ratio_last_fifth_to_10k_site"],
                     ref[0]["pages_per_s"], main_results))
    with open(os.path.join(out, "results-scale.json"), "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Prints the benchmark table and ratios, and writes OUT/results-MODE.json.

    report.py OUT_DIR MODE PAGES WORKERS NAME...

Reads OUT_DIR/res-NAME.json (peak_rss.py: wall, CPU, RSS) and
OUT_DIR/ver-NAME.json (verify.py: completeness) for each NAME, adds the machine
and the versions, and prints a table. pages/s = verified pages / wall seconds
of the whole command (start-up and shutdown included).
"""
import json
import os
import platform
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(*cmd):
    try:
        # GIT_OPTIONAL_LOCKS=0: git status must not refresh (write) the index.
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=30,
                           env=dict(os.environ, GIT_OPTIONAL_LOCKS="0"))
        return (p.stdout + p.stderr).strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def dpkg_version(pkg):
    return sh("dpkg-query", "-W", "-f=${Version}", pkg) or "?"


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem_kb = 0
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    return {"nproc": os.cpu_count(), "cpu_model": model, "mem_gib": round(mem_kb / 1048576, 1),
            "kernel": platform.release()}


def versions():
    root = os.path.dirname(HERE)
    head = sh("git", "-C", root, "rev-parse", "--short=12", "HEAD")
    dirty = sh("git", "-C", root, "status", "--porcelain", "--untracked-files=no")
    nginx = re.sub(r"^nginx version: ", "", sh("nginx", "-v") or sh("/usr/sbin/nginx", "-v"))
    return {
        "forager": head + (" (+ uncommitted changes in the tree)" if dirty else ""),
        "scrapy": sh("/usr/bin/python3", "-c", "import scrapy; print(scrapy.__version__)"),
        "twisted": sh("/usr/bin/python3", "-c", "import twisted; print(twisted.__version__)"),
        "python": sh("/usr/bin/python3", "-c", "import platform; print(platform.python_version())"),
        "nginx": nginx,
        "gumbo": dpkg_version("libgumbo-dev"),
        "libcurl": dpkg_version("libcurl4-openssl-dev"),
        "curl": sh("curl", "--version").splitlines()[0] if sh("curl", "--version") else "?",
        "gcc": sh("g++", "-dumpfullversion"),
    }


def main():
    out, mode, pages, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    rows = []
    for name in sys.argv[5:]:
        r = json.load(open(os.path.join(out, "res-%s.json" % name)))
        v = json.load(open(os.path.join(out, "ver-%s.json" % name)))
        got = v.get("unique_urls", v.get("records", 0))
        wall = r.get("wall_s") or 0
        cpu = (r.get("user_s") or 0) + (r.get("sys_s") or 0)
        rows.append({
            "name": name, "ok": v["ok"], "pages": got, "wall_s": wall,
            "pages_per_s": got / wall if wall else 0, "cpu_s": round(cpu, 2),
            "cpu_ms_per_page": 1000 * cpu / max(got, 1),
            "peak_tree_rss_mb": r["peak_tree_rss_kb"] / 1024, "peak_tree_pss_mb": r["peak_tree_pss_kb"] / 1024,
            "max_single_rss_mb": r.get("max_single_rss_kb", 0) / 1024, "processes": r["peak_processes"],
            "nginx_cpu_s": r.get("nginx_cpu_s"), "load_before": r.get("load_before"),
            "load_after": r.get("load_after"), "links_per_record": v.get("links_per_record"),
            "exit": r.get("exit"), "timed_out": r.get("timed_out"),
        })
    by = {row["name"]: row for row in rows}
    ratios = {}
    f = by.get("forager-w%d" % workers)
    if f and "scrapy" in by and by["scrapy"]["pages_per_s"]:
        ratios["forager_over_scrapy_pages_per_s"] = f["pages_per_s"] / by["scrapy"]["pages_per_s"]
        ratios["forager_over_scrapy_peak_rss"] = f["peak_tree_rss_mb"] / by["scrapy"]["peak_tree_rss_mb"]
        ratios["forager_over_scrapy_peak_pss"] = f["peak_tree_pss_mb"] / by["scrapy"]["peak_tree_pss_mb"]
        ratios["forager_over_scrapy_cpu"] = f["cpu_s"] / by["scrapy"]["cpu_s"]
    for row in rows:
        m = re.match(r"forager-w(\d+)$", row["name"])
        g = by.get("gumbo-w%s" % m.group(1)) if m else None
        if g and g["pages_per_s"]:
            ratios["forager_over_gumbo_w%s" % m.group(1)] = row["pages_per_s"] / g["pages_per_s"]

    print()
    print("%-12s %6s %5s %8s %9s %8s %8s %10s %10s %10s %6s %9s  %s" % (
        "run", "pages", "ok", "wall s", "pages/s", "CPU s", "CPU ms/p", "treeRSS MB", "treePSS MB",
        "maxRSS1 MB", "procs", "nginx CPU", "load before -> after"))
    for row in rows:
        print("%-12s %6d %5s %8.2f %9.1f %8.2f %8.2f %10.1f %10.1f %10.1f %6d %9s  %s -> %s" % (
            row["name"], row["pages"], "yes" if row["ok"] else "NO", row["wall_s"], row["pages_per_s"],
            row["cpu_s"], row["cpu_ms_per_page"], row["peak_tree_rss_mb"], row["peak_tree_pss_mb"],
            row["max_single_rss_mb"], row["processes"], row["nginx_cpu_s"], row["load_before"],
            row["load_after"]))
    print()
    for k, val in ratios.items():
        print("%-36s %.2f" % (k, val))
    if "forager_over_scrapy_pages_per_s" in ratios:
        print()
        print("issue 6 targets: pages/s >= 12x Scrapy: %s;  >= 85%% of gumbo ceiling: %s;  "
              "tree RSS below Scrapy: %s" % (
                  "MET" if ratios["forager_over_scrapy_pages_per_s"] >= 12 else "not met",
                  "MET" if ratios.get("forager_over_gumbo_w%d" % workers, 0) >= 0.85 else "not met",
                  "MET" if ratios["forager_over_scrapy_peak_rss"] < 1 else "not met"))
    result = {"mode": mode, "pages": pages, "workers": workers, "machine": machine(), "versions": versions(),
              "rows": rows, "ratios": ratios}
    with open(os.path.join(out, "results-%s.json" % mode), "w") as fp:
        json.dump(result, fp, indent=1)


if __name__ == "__main__":
    main()

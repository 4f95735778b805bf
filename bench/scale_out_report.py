#!/usr/bin/env python3
"""Tables of bench/scale-out.sh: scale_out_report.py OUT_DIR SYNC_COMMIT

Reads OUT_DIR/so-r*-m*.json (bench/scale_out.py), writes OUT_DIR/results.json
and prints Markdown: every configuration of every round, then the figures per
configuration (the range over the rounds) with pages/s as a ratio to the
SQLite crawl of the same round, against the issue's targets.
"""
import glob
import json
import os
import statistics
import sys


def config(r):
    """(members, binary): "compare" is bench/scale-out.sh --compare's build."""
    return (r["members"], r.get("binary", "forager"))


def name(c):
    m, binary = c
    text = "SQLite" if m == 0 else "PostgreSQL, %d member%s" % (m, "s" if m > 1 else "")
    return text + (" (--compare build)" if binary == "compare" else "")


def per_page(r, key, scale=1.0):
    return r[key] * scale / r["pages"] if key in r and r["pages"] else None


def fmt(v, digits=2):
    return "–" if v is None else ("%.*f" % (digits, v))


def span(values, digits=2):
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    lo, hi = min(values), max(values)
    return fmt(lo, digits) if abs(hi - lo) < 10 ** -digits else "%s–%s" % (fmt(lo, digits), fmt(hi, digits))


def main():
    out, sync = sys.argv[1], sys.argv[2]
    runs = [json.load(open(p)) for p in sorted(glob.glob(os.path.join(out, "so-r*-m*.json")))
            if not p.endswith(".verify.json")]
    json.dump(runs, open(os.path.join(out, "results.json"), "w"), indent=1)
    sqlite = {r["round"]: r for r in runs if config(r) == (0, "forager")}
    for r in runs:
        base = sqlite.get(r["round"])
        r["ratio"] = r["pages_per_s"] / base["pages_per_s"] if base and base["pages_per_s"] else None

    print("### Every crawl (synchronous_commit=%s)\n" % sync)
    print("| round | store | load before | pages | s | pages/s | vs SQLite | forager CPU ms/page | "
          "server CPU ms/page | statements/page | rows/page | commits/page | complete |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |")
    for r in sorted(runs, key=lambda r: (r["round"], config(r))):
        print("| %d | %s | %s | %d | %.1f | %.0f | %s | %s | %s | %s | %s | %s | %s |" % (
            r["round"], name(config(r)), " ".join(r["load_before"]), r["pages"], r["wall_s"], r["pages_per_s"],
            fmt(r["ratio"]), fmt(per_page(r, "forager_cpu_s", 1000)), fmt(per_page(r, "server_cpu_s", 1000), 3),
            fmt(per_page(r, "statements")), fmt(per_page(r, "rows")), fmt(per_page(r, "xact_commit"), 3),
            "yes" if r["ok"] else "**no**"))

    print("\n### Per configuration (range over the rounds)\n")
    print("| store | pages/s | vs SQLite, same round | median | forager CPU ms/page | server CPU ms/page | "
          "statements/page | rows/page | rows inserted/page | rows updated/page |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for c in sorted({config(r) for r in runs}):
        rs = [r for r in runs if config(r) == c]
        ratios = [r["ratio"] for r in rs if r["ratio"] is not None]
        print("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            name(c), span([r["pages_per_s"] for r in rs], 0), span(ratios),
            fmt(statistics.median(ratios) if ratios else None),
            span([per_page(r, "forager_cpu_s", 1000) for r in rs]),
            span([per_page(r, "server_cpu_s", 1000) for r in rs], 3),
            span([per_page(r, "statements") for r in rs]), span([per_page(r, "rows") for r in rs]),
            span([per_page(r, "tup_inserted") for r in rs]), span([per_page(r, "tup_updated") for r in rs])))

    one = [r for r in runs if config(r) == (1, "forager")]
    pg = [r for r in runs if config(r)[0] > 0 and config(r)[1] == "forager"]
    if one and pg:
        ratios = [r["ratio"] for r in one if r["ratio"] is not None]
        server = [per_page(r, "server_cpu_s", 1000) for r in pg]
        print("\n| target | measured | met? |\n| --- | --- | :---: |")
        print("| one member ≥ 70 %% of SQLite's pages/s, same round | %s | %s |" % (
            span([x * 100 for x in ratios], 0) + " %", "yes" if ratios and min(ratios) >= 0.7 else "no"))
        print("| server CPU ≤ 0.5 ms per page | %s ms | %s |" % (
            span(server, 3), "yes" if server and max(server) <= 0.5 else "no"))


if __name__ == "__main__":
    main()

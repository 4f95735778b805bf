#!/usr/bin/env python3
"""Draws the benchmark chart as an SVG (stdlib only).

    chart.py OUT_DIR CHART.svg

Left: pages/s per crawler from OUT_DIR/results-main.json (bench/run.sh).
Right: pages/s per worker count from OUT_DIR/results-sweep.json
(bench/run.sh --workers-sweep): forager and the gumbo-only ceiling for 1, 2
and 4 workers/processes, with forager's 1-worker figure times the worker count
(capped at the number of cores) as the linear reference.
Either file may be missing; its panel is then left out.
"""
import json
import os
import re
import sys
from xml.sax.saxutils import escape

W, H = 460, 340
TOP, BOTTOM, LEFT = 50, 60, 60
COLORS = {"forager": "#2b6cb0", "scrapy": "#c05621", "gumbo": "#718096", "linear": "#38a169"}


def nice_max(v):
    """The smallest of 1, 2, 2.5, 5 x 10^k that is at least v."""
    for exp in range(0, 8):
        for step in (1, 2, 2.5, 5):
            m = step * 10 ** exp
            if m >= v:
                return m
    return v


def axis(x0, vmax, title, subtitle):
    out = ['<text x="%d" y="22" font-size="15" font-weight="bold">%s</text>' % (x0 + 10, escape(title)),
           '<text x="%d" y="40" font-size="11" fill="#555">%s</text>' % (x0 + 10, escape(subtitle))]
    plot_h = H - TOP - BOTTOM
    for i in range(6):
        v = vmax * i / 5
        y = H - BOTTOM - plot_h * i / 5
        out.append('<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>' % (x0 + LEFT, x0 + W - 10, y, y))
        out.append('<text x="%d" y="%.1f" font-size="10" text-anchor="end">%g</text>' % (x0 + LEFT - 4, y + 3, v))
    out.append('<text transform="translate(%d,%d) rotate(-90)" font-size="11" text-anchor="middle">pages/s</text>'
               % (x0 + 16, TOP + plot_h / 2))
    return out


def bar(x, w, v, vmax, color, label):
    plot_h = H - TOP - BOTTOM
    h = plot_h * v / vmax
    y = H - BOTTOM - h
    return ['<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (x, y, w, h, color),
            '<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text>' % (x + w / 2, y - 3, label)]


def main_panel(res, x0):
    rows = res["rows"]
    vmax = nice_max(max(r["pages_per_s"] for r in rows) * 1.1)
    out = axis(x0, vmax, "Whole-site crawl, %d pages" % res["pages"],
               "%d workers/processes, %s" % (res["workers"], res["machine"]["cpu_model"]))
    slot = (W - LEFT - 20) / len(rows)
    for i, r in enumerate(rows):
        kind = r["name"].split("-")[0]
        x = x0 + LEFT + 10 + i * slot
        out += bar(x + slot * 0.15, slot * 0.7, r["pages_per_s"], vmax, COLORS.get(kind, "#999"),
                   "%.0f" % r["pages_per_s"])
        name = {"gumbo": "gumbo-only ceiling", "forager": "forager", "scrapy": "Scrapy 2.8"}.get(kind, kind)
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>'
                   % (x + slot / 2, H - BOTTOM + 16, escape(name)))
        out.append('<text x="%.1f" y="%d" font-size="10" fill="#555" text-anchor="middle">%.0f MB peak RSS</text>'
                   % (x + slot / 2, H - BOTTOM + 30, r["peak_tree_rss_mb"]))
    return out


def sweep_panel(res, x0):
    by = {}
    for r in res["rows"]:
        m = re.match(r"(forager|gumbo)-w(\d+)$", r["name"])
        if m:
            by.setdefault(int(m.group(2)), {})[m.group(1)] = r["pages_per_s"]
    counts = sorted(by)
    cores = res["machine"]["nproc"]
    base = by.get(1, {}).get("forager", 0)
    linear = {n: base * min(n, cores) for n in counts}
    vmax = nice_max(max([v for d in by.values() for v in d.values()] + list(linear.values())) * 1.1)
    out = axis(x0, vmax, "Worker sweep", "%d cores; green: forager 1-worker x min(workers, cores)" % cores)
    slot = (W - LEFT - 20) / len(counts)
    for i, n in enumerate(counts):
        x = x0 + LEFT + 10 + i * slot
        bw = slot * 0.35
        out += bar(x + slot * 0.12, bw, by[n].get("forager", 0), vmax, COLORS["forager"],
                   "%.0f" % by[n].get("forager", 0))
        out += bar(x + slot * 0.12 + bw, bw, by[n].get("gumbo", 0), vmax, COLORS["gumbo"],
                   "%.0f" % by[n].get("gumbo", 0))
        plot_h = H - TOP - BOTTOM
        y = H - BOTTOM - plot_h * linear[n] / vmax
        out.append('<line x1="%.1f" x2="%.1f" y1="%.1f" y2="%.1f" stroke="%s" stroke-width="3"/>'
                   % (x + slot * 0.06, x + slot * 0.94, y, y, COLORS["linear"]))
        out.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%d worker%s</text>'
                   % (x + slot / 2, H - BOTTOM + 16, n, "" if n == 1 else "s"))
    lx = x0 + LEFT + 10
    for j, (label, color) in enumerate((("forager", COLORS["forager"]), ("gumbo-only ceiling", COLORS["gumbo"]),
                                        ("linear from forager x1", COLORS["linear"]))):
        out.append('<rect x="%d" y="%d" width="10" height="10" fill="%s"/>' % (lx + j * 130, H - 22, color))
        out.append('<text x="%d" y="%d" font-size="10">%s</text>' % (lx + j * 130 + 14, H - 13, label))
    return out


def main():
    out_dir, svg_path = sys.argv[1], sys.argv[2]
    panels = []
    for name, fn in (("results-main.json", main_panel), ("results-sweep.json", sweep_panel)):
        path = os.path.join(out_dir, name)
        if os.path.exists(path):
            panels.append((fn, json.load(open(path))))
    if not panels:
        sys.exit("chart.py: no results in %s" % out_dir)
    body = []
    for i, (fn, res) in enumerate(panels):
        body += fn(res, i * W)
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif">'
           % (W * len(panels), H), '<rect width="100%" height="100%" fill="white"/>'] + body + ['</svg>']
    with open(svg_path, "w") as f:
        f.write("\n".join(svg) + "\n")
    print("chart.py: wrote %s" % svg_path)


if __name__ == "__main__":
    main()

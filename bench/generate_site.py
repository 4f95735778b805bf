#!/usr/bin/env python3
"""Generates the benchmark's static site (python3 stdlib only, deterministic).

    generate_site.py [--pages N] [--seed S] [--out DIR] [--list FILE]

Writes N HTML pages (default 10,000) to DIR (default bench/out/site):

  /index.html                          page 0, the crawl's seed
  /sNN/pIIIIII.html                    pages 1 .. N-1, 100 pages per section NN
  /robots.txt                          allows everything

Every page is 20-40 KB, has a <title> and 40-50 <a href> links (about 45) to
other pages of the site: mostly relative ("p000124.html", "../s07/p000712.html"),
some root-relative ("/s07/p000712.html"). Page i always links to page i+1, so the
whole site is reachable from /index.html whatever the random links are. No link
has a query string or points outside the site, so a complete crawl fetches
exactly N pages (plus /robots.txt).

The list of page paths (relative to DIR, one per line) is written to FILE
(default DIR/../site.list) for the gumbo-only parse ceiling.
The same seed and N always give byte-identical files.
"""
import argparse
import hashlib
import os
import random
import sys

PER_SECTION = 100

WORDS = ("crawler frontier politeness robots worker queue parser gumbo transfer "
         "latency throughput memory sqlite record title link anchor section page "
         "index archive network socket buffer keepalive header status content "
         "encoding charset document element attribute selector extract store "
         "batch commit journal schedule change digest hash origin scheme host port "
         "path query fragment redirect timeout retry backoff jitter limit budget "
         "depth scope domain suffix filter regex export stream column value").split()


def page_path(i):
    if i == 0:
        return "index.html"
    return "s%02d/p%06d.html" % (i // PER_SECTION, i)


def href(src, dst, rng):
    """A link from page src to page dst: relative mostly, root-relative sometimes."""
    target = page_path(dst)
    if rng.random() < 0.1:
        return "/" + target
    src_dir = os.path.dirname(page_path(src))
    dst_dir = os.path.dirname(target)
    if src_dir == dst_dir:
        return os.path.basename(target)
    if src_dir == "":
        return target
    return "../" + target


def make_paragraphs(rng, count):
    paras = []
    for _ in range(count):
        sentences = []
        for _ in range(rng.randint(3, 7)):
            words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
            words[0] = words[0].capitalize()
            if rng.random() < 0.3:
                k = rng.randrange(len(words))
                words[k] = "<em>%s</em>" % words[k]
            if rng.random() < 0.2:
                k = rng.randrange(len(words))
                words[k] = "<strong>%s</strong>" % words[k]
            sentences.append(" ".join(words) + ".")
        paras.append(" ".join(sentences))
    return paras


def build_page(i, n, rng, paras):
    size_target = rng.randint(20 * 1024 + 200, 39 * 1024)
    n_links = rng.randint(40, 50)
    targets = [(i + 1) % n]
    if i != 0:
        targets.append(0)
    while len(targets) < n_links:
        # Two thirds within a window around the page (like a site's nearby
        # pages), one third anywhere on the site.
        if rng.random() < 0.66:
            t = (i + rng.randint(-300, 300)) % n
        else:
            t = rng.randrange(n)
        if t != i:
            targets.append(t)
    links = [href(i, t, rng) for t in targets]
    words = " ".join(rng.choice(WORDS) for _ in range(4))
    title = "Page %d: %s" % (i, words)

    head = ['<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n',
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
            '<title>%s</title>\n' % title,
            '<meta name="description" content="Benchmark page %d of %d">\n' % (i, n),
            '<link rel="stylesheet" href="/static/site.css">\n',
            '<script>window.pageId = %d;</script>\n</head>\n<body>\n' % i]
    nav = ['<header><nav class="top"><ul>\n']
    nav_links = links[:8]
    body_links = links[8:]
    for h in nav_links:
        nav.append('<li><a class="nav" href="%s">%s</a></li>\n' % (h, rng.choice(WORDS)))
    nav.append('</ul></nav></header>\n<main>\n<h1>%s</h1>\n' % title)

    out = head + nav
    size = sum(len(s) for s in out)
    footer = '</main>\n<footer><p>Generated benchmark site, page %d.</p></footer>\n</body>\n</html>\n' % i
    li = 0
    section = 0
    # Paragraphs, lists and small tables until the target size, with the body
    # links spread evenly among them.
    while size < size_target - len(footer) or li < len(body_links):
        section += 1
        chunk = ['<h2>Section %d</h2>\n' % section] if section % 5 == 0 else []
        remaining_chunks = max(1.0, (size_target - size) / 600.0)
        want_link = li < len(body_links) and rng.random() < (len(body_links) - li) / remaining_chunks
        kind = rng.random()
        if kind < 0.7:
            p = rng.choice(paras)
            if want_link:
                p = p + ' See <a href="%s">%s %s</a>.' % (body_links[li], rng.choice(WORDS), rng.choice(WORDS))
                li += 1
            chunk.append('<p class="text">%s</p>\n' % p)
        elif kind < 0.85:
            chunk.append('<ul class="related">\n')
            for _ in range(rng.randint(2, 5)):
                if want_link and li < len(body_links):
                    chunk.append('<li><a href="%s">%s</a> %s</li>\n'
                                 % (body_links[li], rng.choice(WORDS), rng.choice(WORDS)))
                    li += 1
                else:
                    chunk.append('<li>%s %s</li>\n' % (rng.choice(WORDS), rng.choice(WORDS)))
            chunk.append('</ul>\n')
        else:
            chunk.append('<table class="data"><tr><th>key</th><th>value</th></tr>\n')
            for _ in range(rng.randint(3, 6)):
                chunk.append('<tr><td>%s</td><td>%d</td></tr>\n' % (rng.choice(WORDS), rng.randrange(100000)))
            chunk.append('</table>\n')
        out.extend(chunk)
        size += sum(len(c) for c in chunk)
    out.append(footer)
    text = "".join(out)
    return text, title, len(set(targets))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=20240606)
    ap.add_argument("--out", default=os.path.join(here, "out", "site"))
    ap.add_argument("--list", default=None)
    args = ap.parse_args()
    if args.pages < 2:
        sys.exit("--pages must be at least 2")
    out = os.path.abspath(args.out)
    list_path = args.list or os.path.join(os.path.dirname(out), "site.list")

    rng = random.Random(args.seed)
    paras = make_paragraphs(rng, 600)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "robots.txt"), "w") as f:
        f.write("User-agent: *\nAllow: /\n")
    digest = hashlib.sha256()
    sizes = []
    links_total = 0
    paths = []
    for i in range(args.pages):
        path = page_path(i)
        text, _, nlinks = build_page(i, args.pages, rng, paras)
        full = os.path.join(out, path)
        os.makedirs(os.path.dirname(full), exist_ok=True)
        data = text.encode("utf-8")
        with open(full, "wb") as f:
            f.write(data)
        digest.update(data)
        sizes.append(len(data))
        links_total += nlinks
        paths.append(path)
    with open(list_path, "w") as f:
        f.write("\n".join(paths) + "\n")
    print("generate_site: %d pages in %s, %.1f MB, %d-%d bytes each (mean %d), "
          "%.1f distinct links per page, sha256 %s"
          % (args.pages, out, sum(sizes) / 1e6, min(sizes), max(sizes), sum(sizes) // len(sizes),
             links_total / args.pages, digest.hexdigest()[:16]), file=sys.stderr)


if __name__ == "__main__":
    main()

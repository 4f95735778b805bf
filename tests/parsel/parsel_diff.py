#!/usr/bin/env python3
"""Differential test: forager's rules against parsel, value by value.

Usage: parsel_diff.py FORAGER SELECTORS PAGE.html...

Every selector of SELECTORS (css or xpath, optionally with a `~re` pattern)
runs on every page twice: through `forager fetch --rules` (all values, raw)
and through parsel (Scrapy's selector library, Debian's python3-parsel) on
the same HTML5 tree, built by html5lib (python3-html5lib) the way gumbo
builds it. The two must agree exactly; any difference fails the test.

parsel on its usual lxml parser is run too, for information: where it
differs, the difference is the tree (lxml's HTML 4 parser against the HTML5
one; docs/RULES.md, "Where forager differs from parsel"), and the summary
counts those.

What forager documents as its own mapping is applied to parsel's results
before comparing: an element or a comment gives its text content (parsel
gives its markup).
"""
import json
import subprocess
import sys
import tempfile

import html5lib
import lxml.etree
import parsel


def read_selectors(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            kind, _, rest = line.partition(" ")
            expr, _, regex = rest.partition(" ~re ")
            assert kind in ("css", "xpath"), line
            out.append((kind, expr, regex or None))
    return out


def forager_values(forager, selectors, page):
    fields = {}
    for i, (kind, expr, regex) in enumerate(selectors):
        field = {kind: expr, "all": True, "raw": True}
        if regex:
            field["re"] = regex
        fields["f%d" % i] = field
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as rules:
        json.dump({"rules": [{"fields": fields}]}, rules)
    out = subprocess.run([forager, "fetch", "--rules", rules.name, "--base", "http://example.test/", page],
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        sys.exit("forager fetch %s failed (%d): %s" % (page, out.returncode, out.stderr))
    record = json.loads(out.stdout)
    return [record["fields"]["f%d" % i] for i in range(len(selectors))]


def as_forager_gives(result):
    """A parsel result as forager maps it: nodes with markup give their text."""
    root = result.root
    if isinstance(root, str):
        return root
    if isinstance(root, lxml.etree._Comment):
        return root.text or ""
    return result.xpath("string(.)").get()


def parsel_values(selector, kind, expr, regex):
    results = selector.css(expr) if kind == "css" else selector.xpath(
        expr, namespaces={"re": "http://exslt.org/regular-expressions"})
    if regex:
        return results.re(regex)
    return [as_forager_gives(r) for r in results]


def html5_selector(text):
    document = html5lib.parse(text, treebuilder="lxml", namespaceHTMLElements=False)
    return parsel.Selector(root=document.getroot(), type="html")


def main():
    forager, selectors_path, pages = sys.argv[1], sys.argv[2], sys.argv[3:]
    selectors = read_selectors(selectors_path)
    failures, tree_differences, compared, refused = 0, 0, 0, set()
    for page in pages:
        with open(page, "rb") as f:
            text = f.read().decode("utf-8")
        ours = forager_values(forager, selectors, page)
        html5 = html5_selector(text)
        lxml_html = parsel.Selector(text=text, type="html")
        for (kind, expr, regex), got in zip(selectors, ours):
            label = "%s %s%s" % (kind, expr, " ~re " + regex if regex else "")
            try:
                want = parsel_values(html5, kind, expr, regex)
            except Exception as error:  # what this parsel/cssselect cannot parse
                refused.add("%s (%s)" % (label, error))
                continue
            compared += 1
            if got != want:
                failures += 1
                print("DIFFERENT on %s: %s\n  forager: %r\n  parsel:  %r" % (page, label, got, want))
            elif parsel_values(lxml_html, kind, expr, regex) != want:
                tree_differences += 1
    for label in sorted(refused):
        print("not compared, parsel %s refuses it: %s" % (parsel.__version__, label))
    print("%d selector runs on %d pages: %d differ from parsel on the HTML5 tree; "
          "%d more differ from parsel on lxml's HTML 4 tree only (the tree, not the selector); "
          "%d selectors refused by parsel" % (compared, len(pages), failures, tree_differences, len(refused)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks that a crawl got every page of the generated site, exactly once.

    verify.py NAME RECORDS.jsonl SITE_LIST BASE_URL OUT.json

Expected: one record per line of SITE_LIST (the N pages: BASE_URL + path), no
other URL (robots.txt is fetched by both crawlers but is not a page: it must
not be a record), each with a non-empty title and, where the crawler records
them, status 200 and no error. Prints one line and writes the counts to
OUT.json; exits 1 when anything is missing, extra or duplicated.
"""
import json
import sys


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    name, records_path, list_path, base, out_path = sys.argv[1:]
    base = base.rstrip("/") + "/"
    with open(list_path) as f:
        expected = {base + line.strip() for line in f if line.strip()}
    seen = {}
    records = titled = bad_status = errors = links = 0
    with open(records_path) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            records += 1
            url = r["url"]
            seen[url] = seen.get(url, 0) + 1
            if r.get("title"):
                titled += 1
            if r.get("status", 200) != 200:
                bad_status += 1
            if r.get("error"):
                errors += 1
            links += len(r.get("links") or [])
    urls = set(seen)
    missing = len(expected - urls)
    extra = len(urls - expected)
    dups = sum(c - 1 for c in seen.values() if c > 1)
    ok = records == len(expected) and missing == 0 and extra == 0 and dups == 0 and titled == records \
        and bad_status == 0 and errors == 0
    result = {"name": name, "expected": len(expected), "records": records, "unique_urls": len(urls),
              "missing": missing, "extra": extra, "duplicates": dups, "titled": titled,
              "non_200": bad_status, "errors": errors, "links_per_record": links / max(records, 1), "ok": ok}
    with open(out_path, "w") as f:
        json.dump(result, f, indent=1)
    print("verify %-10s expected %d pages: %d records, %d unique, %d missing, %d extra, %d duplicate, "
          "%d titled, %d non-200, %d errors, %.1f links/record -> %s"
          % (name, len(expected), records, len(urls), missing, extra, dups, titled, bad_status, errors,
             links / max(records, 1), "OK" if ok else "INCOMPLETE"))
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()

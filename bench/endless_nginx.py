#!/usr/bin/env python3
"""Writes an nginx configuration that serves a site without end on 127.0.0.1.

    endless_nginx.py CONF PORT PAD_BYTES PREFIX_DIR

nginx generates every page itself (`return 200` with $uri): page /p/1/3/7 has
the title "Endless page /p/1/3/7" and 10 links, to /p/1/3/7/0 .. /p/1/3/7/9,
followed by PAD_BYTES of fixed filler markup. The pages form a tree rooted at
/p/1: every link is a URL nobody else links to, so a crawl from /p/1 knows
1 + 10 x (pages parsed) URLs. /robots.txt allows everything; anything else is
404. nginx reads its configuration in 4 KB buffers, so the filler is split into
variables of less than 4 KB each.
"""
import sys


def main():
    conf, port, pad, prefix = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    words = "crawler frontier politeness worker queue parser gumbo transfer latency memory sqlite record".split()
    filler, i = [], 0
    while sum(len(x) for x in filler) < pad:
        filler.append('<p class="text">' + " ".join(words[(i * 7 + w * 3) % 12] for w in range(60))
                      + " %d</p> " % i)
        i += 1
    chunks, cur = [], ""
    for p in filler:
        if len(cur) + len(p) > 3000:
            chunks.append(cur)
            cur = ""
        cur += p
    chunks.append(cur)
    sets = "\n".join("      set $pad%d '%s';" % (k, c) for k, c in enumerate(chunks))
    pads = "".join("$pad%d" % k for k in range(len(chunks)))
    links = "".join('<li><a href="$uri/%d">next %d</a></li>' % (k, k) for k in range(10))
    text = """worker_processes 1;
daemon off;
pid %(prefix)s/nginx.pid;
error_log %(prefix)s/logs/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_timeout 65;
  keepalive_requests 10000000;
  tcp_nodelay on;
  gzip off;
  client_body_temp_path %(prefix)s/tmp/body;
  proxy_temp_path %(prefix)s/tmp/proxy;
  fastcgi_temp_path %(prefix)s/tmp/fastcgi;
  uwsgi_temp_path %(prefix)s/tmp/uwsgi;
  scgi_temp_path %(prefix)s/tmp/scgi;
  server {
    listen 127.0.0.1:%(port)s;
    location = /robots.txt {
      default_type text/plain;
      return 200 "User-agent: *\\nAllow: /\\n";
    }
    location ~ "^/p/[0-9/]{1,200}$" {
      default_type text/html;
%(sets)s
      return 200 '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Endless page $uri</title></head><body><h1>Page $uri</h1><ul>%(links)s</ul>%(pads)s</body></html>';
    }
    location / {
      return 404;
    }
  }
}
""" % dict(prefix=prefix, port=port, sets=sets, links=links, pads=pads)
    with open(conf, "w") as f:
        f.write(text)


if __name__ == "__main__":
    main()

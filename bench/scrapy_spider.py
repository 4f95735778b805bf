"""The Scrapy side of the benchmark: a whole-site crawl extracting url/title/links.

    python3 -m scrapy runspider bench/scrapy_spider.py -a start_url=http://127.0.0.1:PORT/index.html \
        -o OUT.jsonl:jsonlines

Same job as forager's: every <a>/<area> href without rel=nofollow resolved against
the page URL (and <base href>), deduplicated, followed within the start URL's host; robots.txt
obeyed; no delay; 64 requests in flight, 64 per domain; no throttling, no cache.
"""
from urllib.parse import urlsplit

import scrapy


class BenchSpider(scrapy.Spider):
    name = "bench"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "DOWNLOAD_DELAY": 0,
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 64,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "FEED_EXPORT_ENCODING": "utf-8",
    }

    def __init__(self, start_url=None, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not start_url:
            raise ValueError("-a start_url=URL is required")
        self.start_urls = [start_url]
        host = urlsplit(start_url).hostname
        self.allowed_domains = [host]

    def start_requests(self):
        # Scrapy's default start requests bypass the duplicate filter, so the
        # seed would be fetched again when a page links back to it.
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=False)

    def parse(self, response):
        links = []
        seen = set()
        for href in response.css("a:not([rel~=nofollow])::attr(href), area:not([rel~=nofollow])::attr(href)").getall():
            url = response.urljoin(href.strip()).split("#", 1)[0]
            if url.startswith(("http://", "https://")) and url not in seen:
                seen.add(url)
                links.append(url)
        yield {"url": response.url, "title": response.css("title::text").get(), "links": links}
        for url in links:
            yield response.follow(url, callback=self.parse)

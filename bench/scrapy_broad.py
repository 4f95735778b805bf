"""The Scrapy side of bench/broad.sh: a polite crawl of many hosts.

    python3 -m scrapy runspider bench/scrapy_broad.py -a seeds=SEEDS.txt -a delay_ms=500 \
        -o OUT.jsonl:jsonlines

The same job as forager's there: every seed's host crawled whole (links
followed within the seeds' hosts), url/title/links extracted, robots.txt
obeyed, one request in flight per host and delay_ms between two requests to
a host (no random jitter), up to 64 requests in flight overall, with the
scheduler queue Scrapy's docs advise for broad crawls. Scrapy does
not verify TLS certificates by default, so the bench CA needs no setup here.
"""
from urllib.parse import urlsplit

import scrapy


class BroadSpider(scrapy.Spider):
    name = "broad"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 64,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        "CONCURRENT_REQUESTS_PER_IP": 0,
        # Scrapy's advice for broad crawls: without it, requests for hosts
        # waiting out their delay fill the downloader and the crawl crawls.
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.DownloaderAwarePriorityQueue",
        "RANDOMIZE_DOWNLOAD_DELAY": False,
        "AUTOTHROTTLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "TELNETCONSOLE_ENABLED": False,
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",
        "FEED_EXPORT_ENCODING": "utf-8",
    }

    def __init__(self, seeds=None, delay_ms="500", *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not seeds:
            raise ValueError("-a seeds=FILE is required")
        with open(seeds) as f:
            self.start_urls = [line.strip() for line in f if line.strip()]
        self.hosts = {urlsplit(u).hostname for u in self.start_urls}
        self.download_delay = int(delay_ms) / 1000.0

    def start_requests(self):
        for url in self.start_urls:
            yield scrapy.Request(url, callback=self.parse)

    def parse(self, response):
        links = []
        seen = set()
        for href in response.css("a::attr(href), area::attr(href)").getall():
            url = response.urljoin(href.strip()).split("#", 1)[0]
            if url.startswith(("http://", "https://")) and url not in seen:
                seen.add(url)
                links.append(url)
        yield {"url": response.url, "title": response.css("title::text").get(), "links": links}
        for url in links:
            if urlsplit(url).hostname in self.hosts:
                yield response.follow(url, callback=self.parse)

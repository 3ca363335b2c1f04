#!/usr/bin/python3
"""The Scrapy 2.8 side of the crawl benchmark: crawls an mfk.com mirror (bench/make_mirror.py).

  scrapy_spider.py --start http://127.0.0.1:PORT/jingxuan/index.shtml --out FILE.jsonl
                   [--concurrency 16] [--targeted]

--targeted: a plain Spider as a Scrapy user who knows the site writes it: list pages give
their article links (`ul.jxList li.jxItem > a`) and the next list page (`div.pageBox a.next`),
an article its Q&A links (`ul.askList li.askItem a`); no LinkExtractor. Without it:

A CrawlSpider run in-process (CrawlerProcess) with the settings medscrape's crawl
gets on the command line: 16 requests at once, 16 per host, no delay, robots.txt
obeyed, no AutoThrottle, no cookies. It starts at the hub page given, follows hub
pages (/jingxuan/index.shtml, /jingxuan/index_<n>.shtml) and page links
(/jingxuan/<id>.shtml, /ask/<id>.shtml), and for every page writes the record of
../shared/bench/parsel_extract.py to a JSON Lines feed. The mirror serves mfk.com
pages from 127.0.0.1, so the page is routed to the mfk extractors with its mfk.com
address (as `medscrape crawl --site mfk.com` does); the record keeps the address it
was fetched from. A summary line goes to standard error.

Run with Debian's /usr/bin/python3 (package python3-scrapy).
"""
import argparse
import pathlib
import sys
import time
from urllib.parse import urlsplit

SHARED = pathlib.Path(__file__).resolve().parent.parent.parent / "shared"  # <repo>/../shared
sys.path.insert(0, str(SHARED / "bench"))
import parsel_extract  # noqa: E402

from scrapy.crawler import CrawlerProcess  # noqa: E402
from scrapy.linkextractors import LinkExtractor  # noqa: E402
from scrapy.spiders import CrawlSpider, Rule, Spider  # noqa: E402

SITE_ORIGIN = "https://www.mfk.com"  # Where the mirrored pages come from: routes them to the mfk extractors.


class MfkMirrorSpider(CrawlSpider):
    name = "mfk_mirror"
    rules = (
        # Hub (list) pages: followed, not extracted.
        Rule(LinkExtractor(allow=(r"/jingxuan/index(?:_\d+)?\.shtml",)), follow=True),
        # Article and Q&A pages: extracted, and their links followed (articles lead to Q&A pages).
        Rule(LinkExtractor(allow=(r"/jingxuan/\d+\.shtml", r"/ask/\d+\.shtml")), callback="parse_page", follow=True),
    )

    def __init__(self, start, *args, **kwargs):
        self.start_urls = [start]
        self.allowed_domains = [urlsplit(start).hostname]
        super().__init__(*args, **kwargs)

    def parse_page(self, response):
        parts = urlsplit(response.url)
        record = parsel_extract.extract(response.body, SITE_ORIGIN + parts.path)
        record["url"] = response.url
        yield record


class TargetedMirrorSpider(Spider):
    name = "mfk_mirror_targeted"

    def __init__(self, start, *args, **kwargs):
        self.start_urls = [start]
        self.allowed_domains = [urlsplit(start).hostname]
        super().__init__(*args, **kwargs)

    def parse(self, response):  # a list page
        for href in response.css("ul.jxList li.jxItem > a::attr(href)").getall():
            yield response.follow(href, callback=self.parse_page)
        for href in response.css("div.pageBox a.next::attr(href)").getall():
            yield response.follow(href, callback=self.parse)

    def parse_page(self, response):
        path = urlsplit(response.url).path
        record = parsel_extract.extract(response.body, SITE_ORIGIN + path)
        record["url"] = response.url
        yield record
        if not path.startswith("/ask/"):
            for href in response.css("ul.askList li.askItem a::attr(href)").getall():
                if href.startswith("/ask/"):
                    yield response.follow(href, callback=self.parse_page)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--start", required=True, help="the first hub page, e.g. http://127.0.0.1:8080/jingxuan/index.shtml")
    ap.add_argument("--out", required=True, type=pathlib.Path, help="JSON Lines output (overwritten)")
    ap.add_argument("--concurrency", type=int, default=16, help="requests at once, overall and per host (default 16)")
    ap.add_argument("--targeted", action="store_true", help="targeted selectors instead of a CrawlSpider")
    args = ap.parse_args()

    process = CrawlerProcess(settings={
        "CONCURRENT_REQUESTS": args.concurrency,
        "CONCURRENT_REQUESTS_PER_DOMAIN": args.concurrency,
        "DOWNLOAD_DELAY": 0,
        "ROBOTSTXT_OBEY": True,
        "AUTOTHROTTLE_ENABLED": False,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "LOG_LEVEL": "WARNING",
        "USER_AGENT": "medscrape-bench-scrapy (+loopback mirror)",
        "REQUEST_FINGERPRINTER_IMPLEMENTATION": "2.7",  # Silences 2.8's deprecation warning.
        "FEEDS": {str(args.out): {"format": "jsonlines", "encoding": "utf8", "overwrite": True}},
    })
    crawler = process.create_crawler(TargetedMirrorSpider if args.targeted else MfkMirrorSpider)
    process.crawl(crawler, start=args.start)
    t0 = time.monotonic()
    process.start()
    elapsed = time.monotonic() - t0
    stats = crawler.stats.get_stats()
    statuses = ", ".join(f"{k.rsplit('/', 1)[1]}: {v}" for k, v in sorted(stats.items())
                         if k.startswith("downloader/response_status_count/"))
    print(f"scrapy: {stats.get('item_scraped_count', 0)} records, {stats.get('response_received_count', 0)} responses"
          f" ({statuses}), {stats.get('robotstxt/forbidden', 0)} forbidden by robots.txt,"
          f" {stats.get('log_count/ERROR', 0)} errors, finish reason {stats.get('finish_reason')} ({elapsed:.2f} s)",
          file=sys.stderr)
    return 0 if stats.get("finish_reason") == "finished" and not stats.get("log_count/ERROR") else 1


if __name__ == "__main__":
    sys.exit(main())

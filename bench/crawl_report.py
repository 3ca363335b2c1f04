#!/usr/bin/python3
"""The report of bench/crawl_bench.sh: medians, the fastest and leanest peer, the targets.

  crawl_report.py --work DIR --expected N --pages N --concurrency N --load L
                  --pps-target X --rss-target Y ID...

Reads DIR/crawl-ID.runs (one line per crawl: seconds, peak RSS KB, records, exit status) and
DIR/crawl-ID.jsonl (the last crawl's records) for each contender ID (med, scrapy, crawlee,
crawlspider). Exit 0 when every target is met, 1 otherwise.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
from urllib.parse import urlsplit

LABELS = {"med": "medscrape crawl", "scrapy": "scrapy 2.8 (targeted selectors)",
          "crawlee": "crawlee 3.18 CheerioCrawler", "crawlspider": "scrapy 2.8 CrawlSpider (naive)"}
PAGE = re.compile(r"/(?:jingxuan|ask)/\d+\.shtml")


def cpu_name():
    text = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    return next((l.split(":", 1)[1].strip() for l in text.splitlines() if l.startswith("Model name")), "?")


def main():
    ap = argparse.ArgumentParser()
    for name in ("work", "load"):
        ap.add_argument(f"--{name}", required=True)
    for name in ("expected", "pages", "concurrency"):
        ap.add_argument(f"--{name}", type=int, required=True)
    ap.add_argument("--pps-target", type=float, required=True)
    ap.add_argument("--rss-target", type=float, required=True)
    ap.add_argument("ids", nargs="+")
    a = ap.parse_args()
    print(f"\ncrawl benchmark: {cpu_name()}, {os.cpu_count()} cores; mirror of {a.pages} pages "
          f"({a.expected} articles + Q&A pages to extract), nginx on 127.0.0.1, delay 0, "
          f"concurrency {a.concurrency}; load average {a.load} at start")
    print(f"{'contender':<34} {'runs':>4} {'records':>8} {'median s':>9} {'range s':>13} "
          f"{'pages/s':>8} {'peak RSS MB':>12}")
    rows, sets, failed = {}, {}, False
    for id in a.ids:
        path = f"{a.work}/crawl-{id}.runs"
        if not os.path.exists(path):
            print(f"{LABELS[id]:<34} not measured")
            failed = True
            continue
        runs = [line.split() for line in open(path)]
        secs = [float(r[0]) for r in runs]
        rss = max(int(r[1]) for r in runs) / 1024
        records = int(runs[-1][2])
        bad = [r[3] for r in runs if r[3] != "0"]
        median = statistics.median(secs)
        rows[id] = (records / median, rss)
        print(f"{LABELS[id]:<34} {len(runs):>4} {records:>8} {median:>9.2f} "
              f"{min(secs):>6.2f}-{max(secs):<6.2f} {records / median:>8.1f} {rss:>12.1f}"
              + (f"  exit {','.join(bad)}" if bad else ""))
        failed |= bool(bad)
        paths = [urlsplit(json.loads(l).get("url") or "").path
                 for l in open(f"{a.work}/crawl-{id}.jsonl", encoding="utf-8")]
        sets[id] = {p for p in paths if PAGE.fullmatch(p)}
        private = [p for p in paths if p.startswith("/private/")]
        note = f"{len(sets[id])} page records of {a.expected}"
        if len(paths) != len(set(paths)):
            note += f", {len(paths) - len(set(paths))} duplicates"
        if private:
            note += f"; robots.txt NOT obeyed: {private[0]}"
        print(f"{'':<34} {note}")
        failed |= bool(private) or len(sets[id]) != a.expected
    if sets and len({frozenset(v) for v in sets.values()}) == 1:
        print("page records: the same URLs for every contender")
    else:
        print("page records: the contenders wrote DIFFERENT URL sets")
        failed = True
    peers = [id for id in rows if id != "med"]
    if "med" not in rows or not peers:
        return 1
    fastest = max(peers, key=lambda id: rows[id][0])
    leanest = min(peers, key=lambda id: rows[id][1])
    print(f"fastest peer: {LABELS[fastest]} ({rows[fastest][0]:.1f} pages/s); "
          f"leanest peer: {LABELS[leanest]} ({rows[leanest][1]:.1f} MB)")
    ratio = rows["med"][0] / rows[fastest][0]
    ok = ratio >= a.pps_target
    print(f"pages/s, medscrape / fastest peer {ratio:9.2f}   target >= {a.pps_target:g}   "
          f"{'PASS' if ok else 'MISS'}")
    failed |= not ok
    ratio = rows["med"][1] / rows[leanest][1]
    ok = ratio * a.rss_target <= 1
    print(f"peak RSS, medscrape / leanest peer {ratio:8.3f}   target <= 1/{a.rss_target:g}   "
          f"{'PASS' if ok else 'MISS'}")
    failed |= not ok
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

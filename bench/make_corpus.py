#!/usr/bin/env python3
"""Builds a benchmark corpus of saved pages from the reference pages and fixtures.

  make_corpus.py [--pages N] [--out DIR] [--seed S]

Sources, for the four page types medscrape and the parsel peer both handle (mfk ask,
mfk article, 120ask, xywy): ../shared/reference/*.html for half the pages of each type,
fixtures/*/*.html (deduplicated; other sites and truncated pages skipped) for the other
half. Each output page is one source page, varied while keeping its structure:

  * answer items shuffled, dropped or duplicated (the reply count follows on 120ask);
  * title swapped for another title from the pool (all occurrences);
  * all dates shifted by one per-page offset, view counts redrawn;
  * numeric ids in body links redrawn; the canonical URL gets a fresh unique id,
    so `medscrape extract` and `parsel_extract.py --batch` route without --url;
  * the "疾病大全" link list resized so pages spread around ~45 KB.

Pages keep their encoding (xywy stays GBK). Output is deterministic for a given
seed, page count and set of sources. Files are named NNNNN-<type>.html.
"""
import argparse
import datetime as dt
import hashlib
import pathlib
import random
import re
import sys

REPO = pathlib.Path(__file__).resolve().parent.parent
REFERENCE = (REPO.parent / "shared" / "reference", "*.html")  # Full-size real pages.
FIXTURES = (REPO / "fixtures", "*/*.html")  # Small edge-case variants (copies of references dropped).

# Page types: URL pattern (as in parsel_extract.py) and where the answer items are.
# An item is a whole element: it starts where `item` matches (searched only inside
# the element opened by `container`, when given) and ends at its balanced end tag.
KINDS = {
    "mfk-ask": dict(url=r"mfk\.com/ask/", container=r'<div class="selectedAskGuo"', item=r"<li[\s>]", tag="li"),
    "mfk-article": dict(url=r"mfk\.com/", container=None, item=r'<li class="askItem', tag="li"),
    "120ask": dict(url=r"120ask\.com/", container=None, item=r'<div class="b_answerli"', tag="div"),
    "xywy": dict(url=r"xywy\.com/", container=None, item=r'<div class="docall', tag="div"),
}
KB, MB = 1024, 1024 * 1024  # Sizes as bench/run.sh reports them.
# Page sizes: normal around 45 KB, clipped; pages already bigger than the draw keep
# a short link list and stay bigger.
TARGET_MEAN, TARGET_SD, TARGET_MIN, TARGET_MAX = 45 * KB, 4 * KB, 36 * KB, 56 * KB
CANONICAL = re.compile(r'(<link\s+rel="canonical"\s+href=")([^"]*)(")', re.I)
DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?:([ T])(\d{2}):(\d{2}):(\d{2}))?(?!\d)")
DATE_CN = re.compile(r"(?<!\d)(\d{4})年(\d{1,2})月(\d{1,2})日")
AZLIST = re.compile(r'(<ul class="azList">)(.*?)(</ul>)', re.S)
AZ_ENTRY = re.compile(r"<li>.*?</li>", re.S)
HIDDEN = re.compile(r"<!--.*?-->|<(script|style|template)\b.*?</\1\s*>", re.S | re.I)
LINK_ATTR = re.compile(r'(?:href|src)="[^"]*"')
LONG_NUMBER = re.compile(r"\d{4,}")


def page_encoding(raw):
    """The declared charset (GB* or UTF-8); undeclared pages are UTF-8 if they decode as it."""
    m = re.search(rb"charset=[\"']?([\w-]+)", raw[:1024], re.I)
    if m:
        return "gb18030" if m.group(1).lower().startswith(b"gb") else "utf-8"
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "gb18030"


def masked(text):
    """`text` with comments, scripts and styles blanked (same length), so decoy
    markup inside them is never taken for answer items."""
    return HIDDEN.sub(lambda m: " " * len(m.group(0)), text)


def kind_of(url):
    return next((k for k, spec in KINDS.items() if re.search(spec["url"], url)), None)


def element_end(text, start, tag):
    """Index just past the end tag balancing the <tag ...> that opens at `start`."""
    tags = re.compile(rf"<(/?){tag}[\s>]", re.I)
    depth = 0
    for m in tags.finditer(text, start):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            return text.index(">", m.end() - 1) + 1
    return -1


def find_items(text, spec):
    """[(start, end)] of the longest run of adjacent answer items, or None."""
    text = masked(text)
    lo = text.find("<body")
    hi = len(text)
    if spec["container"]:
        m = re.compile(spec["container"]).search(text, lo)
        if not m:
            return None
        lo, hi = m.end(), element_end(text, m.start(), "div")
    spans, pos, item = [], lo, re.compile(spec["item"])
    while (m := item.search(text, pos, hi)) is not None:
        end = element_end(text, m.start(), spec["tag"])
        if end < 0:
            break
        spans.append((m.start(), end))
        pos = end
    runs, run = [], []
    for span in spans:  # Items count as one run when only white space separates them.
        if run and text[run[-1][1]:span[0]].strip():
            runs.append(run)
            run = []
        run.append(span)
    if run:
        runs.append(run)
    return max(runs, key=len) if runs else None


def load_sources():
    """({kind: [source]}, [skipped file names])."""
    sources, seen, skipped = {k: [] for k in KINDS}, set(), []
    for folder, pattern in (REFERENCE, FIXTURES):
        for path in sorted(folder.glob(pattern)):
            raw = path.read_bytes()
            digest = hashlib.sha256(raw).digest()
            if digest in seen:
                continue
            seen.add(digest)
            enc = page_encoding(raw)
            text = raw.decode(enc, "surrogateescape")
            m = CANONICAL.search(text)
            url_file = path.with_suffix(".url")
            url = m.group(2) if m else (url_file.read_text().strip() if url_file.exists() else "")
            kind = kind_of(url)
            if not kind or "<body" not in text or not re.search(r"</(body|html)>", text, re.I):
                skipped.append(path.name)  # Another site, or a truncated page: not a fair sample.
                continue
            title = re.search(r"<title>([^<_]*)", text)
            sources[kind].append(dict(path=path, enc=enc, text=text, url=url, reference=folder == REFERENCE[0],
                                      title=title.group(1).strip() if title else ""))
    return sources, skipped


def link_entries(srcs):
    """All <li> entries of the sources' azList link lists."""
    return [e for src in srcs for m in AZLIST.finditer(src["text"]) for e in AZ_ENTRY.findall(m.group(2))]


def title_pool(sources):
    pool = set()
    for src in (s for group in sources.values() for s in group):
        if src["title"]:
            pool.add(src["title"])
        pool.update(t.strip() for t in re.findall(r'<h3 class="askTit">([^<]+)</h3>', src["text"]))
    return sorted(t for t in pool if len(t) >= 4)


def shift_dates(text, offset):
    def shift_cn(m):  # 2026年2月8日
        try:
            d = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))) + dt.timedelta(days=offset.days)
        except ValueError:
            return m.group(0)
        return f"{d.year}年{d.month}月{d.day}日"

    def shift(m):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        try:
            if m.group(4) is None:
                return (dt.date(y, mo, d) + offset).isoformat()
            t = dt.datetime(y, mo, d, int(m.group(5)), int(m.group(6)), int(m.group(7))) + offset
        except ValueError:
            return m.group(0)
        return t.strftime(f"%Y-%m-%d{m.group(4)}%H:%M:%S")
    return DATE_CN.sub(shift_cn, DATE.sub(shift, text))


def new_digits(rng, n):
    return str(rng.randrange(10 ** (n - 1), 10 ** n)) if n > 1 else str(rng.randrange(10))


def redraw_link_ids(text, rng):
    """Redraws runs of 4+ digits inside href/src attributes (same length)."""
    def ids(m):
        return LONG_NUMBER.sub(lambda d: new_digits(rng, len(d.group(0))), m.group(0))
    return LINK_ATTR.sub(ids, text)


def vary_items(text, spec, rng):
    run = find_items(text, spec)
    if not run:
        return text, 0  # A page without answers stays without answers.
    items = [text[a:b] for a, b in run]
    gaps = [text[run[i][1]:run[i + 1][0]] for i in range(len(run) - 1)] or ["\n"]
    n = len(items)
    k = rng.randint(1, n + 3) if n <= 4 else rng.randint(max(3, n - 6), n + 4)
    order = rng.sample(items, n) + [rng.choice(items) for _ in range(max(0, k - n))]
    gap = rng.choice(gaps)
    return text[:run[0][0]] + gap.join(order[:k]) + text[run[-1][1]:], k


def new_canonical(url, offset, rng, used):
    """The URL with a fresh id (last digit run); xywy's /YYYYMMDD/ folder follows the date shift."""
    def day(m):
        try:
            d = dt.date(int(m.group(1)[:4]), int(m.group(1)[4:6]), int(m.group(1)[6:]))
        except ValueError:
            return m.group(0)
        return "/" + (d + dt.timedelta(days=round(offset.total_seconds() / 86400))).strftime("%Y%m%d") + "/"
    url = re.sub(r"/(\d{8})/", day, url)
    ids = list(re.finditer(r"\d+", url))
    if not ids:
        return url
    last = ids[-1]
    while True:
        new = url[:last.start()] + new_digits(rng, max(6, len(last.group(0)))) + url[last.end():]
        if new not in used:
            used.add(new)
            return new


def resize(text, enc, target, rng, entry_pool):
    """Refills the azList link list so the encoded page is about `target` bytes."""
    m = AZLIST.search(text)
    if not m:  # No link list: add one before </body> so every page can be sized.
        at = text.rfind("</body>")
        at = at if at >= 0 else len(text)
        text = (text[:at] + '<div class="siteIndex"><div class="modTit">疾病大全</div>'
                '<ul class="azList"></ul></div>\n' + text[at:])
        m = AZLIST.search(text)
    own = AZ_ENTRY.findall(m.group(2))
    pool = own if len(own) >= 20 else own + entry_pool
    size = len(text[:m.start(2)].encode(enc, "surrogateescape")) + len(text[m.end(2):].encode(enc, "surrogateescape"))
    entries = []
    while pool and (size < target or len(entries) < 5):
        entry = redraw_link_ids(rng.choice(pool), rng)
        entries.append(entry)
        size += len(entry.encode(enc, "surrogateescape"))
    return text[:m.start(2)] + "".join(entries) + text[m.end(2):]


def set_canonical(text, url):
    """Points the canonical link (added if missing) and other copies of its path at `url`."""
    m = CANONICAL.search(text)
    if not m:
        return re.sub(r"(<head[^>]*>)", rf'\1<link rel="canonical" href="{url}">', text, count=1)
    text = text[:m.start(2)] + url + text[m.end(2):]
    old_path, new_path = (re.sub(r"^\w+://[^/]+", "", u) for u in (m.group(2), url))
    return text.replace(old_path, new_path) if len(old_path) > 1 else text  # e.g. mobile-agent meta


def make_page(src, kind, rng, titles, entry_pool, used_urls):
    text = src["text"]
    if len(src["title"]) >= 4 and titles:
        text = text.replace(src["title"], rng.choice(titles))
    text, count = vary_items(text, KINDS[kind], rng)
    text = re.sub(r"\d+人回复", f"{count}人回复", text)
    offset = dt.timedelta(days=rng.randint(-1500, 150), seconds=rng.randint(-7200, 7200))
    text = shift_dates(text, offset)
    text = re.sub(r"\d+次浏览", lambda _: f"{int(rng.lognormvariate(8, 1.5)) + 1}次浏览", text)
    body = text.find("<body")  # Head links (canonical, CSS) keep their numbers.
    text = text[:body] + redraw_link_ids(text[body:], rng)
    text = set_canonical(text, new_canonical(src["url"], offset, rng, used_urls))
    target = int(min(TARGET_MAX, max(TARGET_MIN, rng.gauss(TARGET_MEAN, TARGET_SD))))
    text = resize(text, src["enc"], target, rng, entry_pool)
    return text.encode(src["enc"], "surrogateescape")


def pick_source(group, j):
    """The j-th page of a type: every other one from a reference page, the rest cycling
    through the fixture variants, so real full pages dominate but every variant shows up."""
    refs = [s for s in group if s["reference"]]
    variants = [s for s in group if not s["reference"]]
    pool = refs if (j % 2 == 0 and refs) or not variants else variants
    return pool[(j // 2) % len(pool)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=400, help="pages to write (default 400)")
    ap.add_argument("--out", type=pathlib.Path, default=REPO / "bench" / "work" / "corpus",
                    help="output folder (default bench/work/corpus)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = ap.parse_args()

    sources, skipped = load_sources()
    kinds = [k for k in KINDS if sources[k]]
    missing = [k for k in KINDS if not sources[k]]
    if not kinds:
        sys.exit("make_corpus: no usable source pages found")
    if missing:
        print(f"make_corpus: warning: no source pages for {', '.join(missing)}", file=sys.stderr)
    titles = title_pool(sources)
    entry_pool = link_entries(s for group in sources.values() for s in group)

    args.out.mkdir(parents=True, exist_ok=True)
    for old in args.out.glob("*.html"):
        if re.fullmatch(r"\d{5}-[\w-]+\.html", old.name):
            old.unlink()
    used_urls, sizes, per_kind = set(), [], dict.fromkeys(kinds, 0)
    for i in range(args.pages):
        kind = kinds[i % len(kinds)]  # Types interleaved and balanced.
        src = pick_source(sources[kind], i // len(kinds))
        rng = random.Random(f"{args.seed}:{i}")
        data = make_page(src, kind, rng, titles, entry_pool, used_urls)
        (args.out / f"{i:05d}-{kind}.html").write_bytes(data)
        sizes.append(len(data))
        per_kind[kind] += 1

    print("sources: " + ", ".join(f"{k} {len(sources[k])}" for k in kinds)
          + (f"; skipped {len(skipped)} (other site or truncated): {' '.join(skipped)}" if skipped else ""))
    print(f"corpus: {args.pages} pages, {sum(sizes) / MB:.1f} MB (mean {sum(sizes) / len(sizes) / KB:.1f} KB, "
          f"min {min(sizes) / KB:.1f}, max {max(sizes) / KB:.1f}) in {args.out}; "
          + ", ".join(f"{k} {n}" for k, n in per_kind.items()))


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Builds an mfk.com-shaped site mirror to crawl: list pages -> articles -> Q&A pages.

  make_mirror.py --pages N --out DIR [--seed S] [--per-hub K] [--small]

Layout (paths as on www.mfk.com, every link site-relative so the mirror works
on any host:port):

  /robots.txt                      User-agent: * / Disallow: /private/ (no Crawl-delay)
  /jingxuan/index.shtml            hub 1; hub h is /jingxuan/index_<h>.shtml. Each lists
                                   K articles (default 20), links a few neighbour hubs and
                                   the next one ("下一页")
  /jingxuan/<id>.shtml             article pages: variants of the mfk article fixtures
  /ask/<id>.shtml                  Q&A pages: variants of the mfk ask fixtures
  /private/jingxuan/<id>.shtml     one more article, linked from hub 1 only, disallowed by
                                   robots.txt: a crawler that obeys robots never fetches it

Total pages (hubs + articles + Q&A) = N; the private page comes on top. Articles
and Q&A pages are about half each. Each page is varied as make_corpus.py does it
(new id, another title, shifted dates, new view counts, answers shuffled, dropped
or duplicated, the "疾病大全" link list resized so pages spread around 45 KB, all
under 60 KB). Every article's answer links (li.askItem) point at Q&A pages of the
mirror, and every Q&A page is linked from at least one article.

Links a crawler could follow always resolve. Links to parts of the site the mirror
does not hold are kept as links but moved off the paths crawlers treat as list or
page paths: /jingxuan/ and /ask/ become /jingxuan/index.shtml and /ask/index.shtml,
/jibing/<id>.shtml becomes /jibing/<id>/, www.mfk.com and ad.mfk.com URLs become
site-relative. So medscrape (its mfk hub paths include /ask/ and /jibing/<id>.shtml)
and the Scrapy spider in bench/ fetch the same URLs.

--small cuts the link lists to 5 entries, <style> blocks to a few rules and answer
lists to at most 6 items (for the committed fixtures/site/). Output is deterministic
for a given seed, page count and set of fixtures.
"""
import argparse
import html
import pathlib
import random
import re
import shutil
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import make_corpus as mc  # noqa: E402  (page-varying helpers shared with the extract benchmark)

MFK = "https://www.mfk.com"
PAGE_MAX = 60 * 1024 - 512  # Every page stays under 60 KB.
ROBOTS = "User-agent: *\nDisallow: /private/\n"
HREF = re.compile(r'href="([^"]*)"')
# Paths a crawler of this mirror follows, each of which must resolve: medscrape's mfk
# hub and page paths (matched from the start of the path), the Scrapy spider's link
# patterns (bench/scrapy_spider.py, searched anywhere in the URL), and /private/.
FOLLOWED_FROM_START = re.compile(r"/search/\?|/jingxuan/(?:index_\d+\.shtml)?$|/ask/(?:index_\d+\.shtml)?$"
                                 r"|/jibing/\d+\.shtml|/jingxuan/\d+\.shtml|/ask/\d+\.shtml|/private/")
FOLLOWED_ANYWHERE = re.compile(r"/jingxuan/index(?:_\d+)?\.shtml|/jingxuan/\d+\.shtml|/ask/\d+\.shtml")
SMALL_ITEMS = 6


def localize(text):
    """Site-relative links; links out of the mirror moved off followed paths (see the docstring)."""
    text = re.sub(r"(?:https?:)?//www\.mfk\.com/", "/", text)
    text = re.sub(r"https?://ad\.mfk\.com/", "/ad/", text)
    text = re.sub(r'href="/jingxuan/"', 'href="/jingxuan/index.shtml"', text)
    text = re.sub(r'href="/ask/"', 'href="/ask/index.shtml"', text)
    return re.sub(r'href="/jibing/(\d+)\.shtml"', r'href="/jibing/\1/"', text)


def trim_style(text):
    """<style> blocks cut to their first three rules."""
    def cut(m):
        rules = re.findall(r"[^{}]+\{[^{}]*\}", m.group(2))
        return m.group(1) + "".join(rules[:3]) + m.group(3)
    return re.sub(r"(<style[^>]*>)(.*?)(</style>)", cut, text, flags=re.S | re.I)


def cap_items(text, spec, limit):
    """Drops answer items beyond the first `limit` (for --small)."""
    run = mc.find_items(text, spec)
    if not run or len(run) <= limit:
        return text
    return text[:run[limit - 1][1]] + text[run[-1][1]:]


def vary(src, kind, path, rng, titles):
    """One varied page of `src` at `path` (site-relative), before sizing: (text, new title)."""
    text = src["text"]
    title = src["title"]
    if len(title) >= 4 and titles:
        title = rng.choice(titles)
        text = text.replace(src["title"], title)
    text, _ = mc.vary_items(text, mc.KINDS[kind], rng)
    offset = mc.dt.timedelta(days=rng.randint(-1500, 150), seconds=rng.randint(-7200, 7200))
    text = mc.shift_dates(text, offset)
    text = re.sub(r"\d+次浏览", lambda _: f"{int(rng.lognormvariate(8, 1.5)) + 1}次浏览", text)
    body = text.find("<body")
    text = text[:body] + mc.redraw_link_ids(text[body:], rng)
    return localize(mc.set_canonical(text, MFK + path)), title


def sized(text, src, kind, rng, entry_pool, small):
    """The page with its link list refilled to a drawn size (make_corpus.py's spread), or
    with --small: link list, styles and answers cut down."""
    if small:
        text = trim_style(cap_items(text, mc.KINDS[kind], SMALL_ITEMS))
        target = 0  # The link list keeps its minimum of 5 entries.
    else:
        target = int(min(mc.TARGET_MAX, max(mc.TARGET_MIN, rng.gauss(mc.TARGET_MEAN, mc.TARGET_SD))))
    return localize(mc.resize(text, src["enc"], target, rng, entry_pool))


def followed_links(text):
    """(start, end, path) of the hrefs of links a crawler sees (not inside comments or scripts)."""
    masked = mc.masked(text)
    return [(m.start(1), m.end(1), m.group(1)) for m in HREF.finditer(masked)]


def relink(text, self_path, pattern, pick_live, pick_any):
    """Points hrefs matching `pattern` (other than the page itself) at pages of the mirror:
    live ones (a crawler follows them) via pick_live(), those in comments and scripts via pick_any()."""
    live = {a for a, _, p in followed_links(text) if pattern.fullmatch(p)}
    out, pos = [], 0
    for m in HREF.finditer(text):
        if not pattern.fullmatch(m.group(1)) or m.group(1) == self_path:
            continue
        out += [text[pos:m.start(1)], pick_live() if m.start(1) in live else pick_any()]
        pos = m.end(1)
    return "".join(out) + text[pos:]


ASK_LINK = re.compile(r"/ask/\d+\.shtml")
ARTICLE_LINK = re.compile(r"/jingxuan/\d+\.shtml")


def count_live(text, pattern, self_path):
    return sum(1 for _, _, p in followed_links(text) if pattern.fullmatch(p) and p != self_path)


def hub_page(h, hubs, entries, private_link):
    """Hub h (1-based) of `hubs`: its article entries [(path, title, summary, date)]."""
    def url(k):
        return "/jingxuan/index.shtml" if k == 1 else f"/jingxuan/index_{k}.shtml"
    items = "\n".join(
        f'<li class="jxItem"><a href="{p}" target="_blank" title="{t}"><h3>{t}</h3></a>'
        f'<p class="jxDesc">{s}</p><span class="time">{d}</span></li>' for p, t, s, d in entries)
    pages = []
    if h > 1:
        pages.append(f'<a class="prev" href="{url(h - 1)}">上一页</a>')
    for k in range(max(1, h - 3), min(hubs, h + 3) + 1):
        pages.append(f'<span class="cur">{k}</span>' if k == h else f'<a href="{url(k)}">{k}</a>')
    if h < hubs:
        pages.append(f'<a class="next" href="{url(h + 1)}">下一页</a>')
        pages.append(f'<a class="last" href="{url(hubs)}">末页</a>')
    extra = (f'<div class="staffOnly"><a href="{private_link}">内部审核稿件</a></div>\n'
             if private_link else "")
    page_title = "精选文章_民福康" if h == 1 else f"精选文章_第{h}页_民福康"
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{page_title}</title>
<meta name="keywords" content="健康精选,疾病知识">
<link rel="canonical" href="{url(h)}">
<link rel="stylesheet" href="//static.mfk.com/pc/css/common.css?v=20260210">
</head>
<body>
<div class="topBar"><div class="w1200"><a href="/" class="logo">民福康</a>
<ul class="nav"><li><a href="/">首页</a></li><li><a href="/jibing/">疾病</a></li><li><a href="/ask/index.shtml">问医生</a></li><li><a href="/jingxuan/index.shtml">精选</a></li></ul></div></div>
<div class="crumbs w1200"><a href="/">民福康</a> &gt; <span>精选</span></div>
<div class="mainBox w1200 clearfix">
<div class="leftBox fl">
<ul class="jxList">
{items}
</ul>
<div class="pageBox">{" ".join(pages)}</div>
{extra}</div>
</div>
<div class="footer"><p>Copyright &copy; 2026 民福康 版权所有</p><p>本站内容仅供参考，不作为诊断及医疗依据</p></div>
</body>
</html>
"""


def summary_of(text, limit=60):
    m = re.search(r'<p class="summary">(.*?)</p>', text, re.S)
    plain = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", m.group(1)))).strip() if m else ""
    return html.escape(plain[:limit] + ("…" if len(plain) > limit else ""), quote=False)


def date_of(text):
    m = re.search(r'<span class="time">[^<]*?(\d{4}-\d{2}-\d{2}|\d{4}年\d{1,2}月\d{1,2}日)', text)
    return m.group(1) if m else ""


def check(out, pages):
    """Every followed link of every page resolves to a file of the mirror; returns the link count."""
    links, missing = 0, []
    for path in pages:
        text = (out / path.lstrip("/")).read_text("utf-8", "surrogateescape")
        for _, _, href in followed_links(text):
            if not (FOLLOWED_FROM_START.match(href) or FOLLOWED_ANYWHERE.search(href)):
                continue
            links += 1
            if not (out / href.lstrip("/")).is_file():
                missing.append(f"{path} -> {href}")
    if missing:
        sys.exit("make_mirror: dangling links:\n  " + "\n  ".join(missing[:20]))
    return links


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, required=True, help="hubs + articles + Q&A pages (at least 3)")
    ap.add_argument("--out", type=pathlib.Path, required=True, help="output folder (the web root)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--per-hub", type=int, default=20, help="articles listed per hub page (default 20)")
    ap.add_argument("--small", action="store_true", help="small pages (for the committed fixtures/site/)")
    args = ap.parse_args()
    if args.pages < 3 or args.per_hub < 1:
        ap.error("--pages must be at least 3 and --per-hub at least 1")

    sources, _ = mc.load_sources()
    art_srcs, ask_srcs = sources["mfk-article"], sources["mfk-ask"]
    if not art_srcs or not ask_srcs:
        sys.exit("make_mirror: no mfk article or ask source pages found")
    titles = mc.title_pool(sources)
    entry_pool = mc.link_entries(art_srcs + ask_srcs)  # mfk's own lists: no links to other sites.

    # Articles A, hubs H = ceil(A / K), Q&A pages Q = N - A - H, with A and Q about equal.
    n_art = max(1, args.pages * args.per_hub // (2 * args.per_hub + 1))
    n_hub = -(-n_art // args.per_hub)
    n_ask = args.pages - n_art - n_hub
    if n_ask < 1:
        n_art, n_hub, n_ask = 1, 1, args.pages - 2
    ids = random.Random(f"{args.seed}:ids")
    art_ids = sorted(ids.sample(range(8_100_000, 9_000_000), n_art + 1), reverse=True)  # Newest first.
    private_id = art_ids.pop()
    ask_ids = sorted(ids.sample(range(11_000_000, 12_000_000), n_ask), reverse=True)
    art_paths = [f"/jingxuan/{i}.shtml" for i in art_ids]
    ask_paths = [f"/ask/{i}.shtml" for i in ask_ids]
    private_path = f"/private/jingxuan/{private_id}.shtml"

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    for old in ("jingxuan", "ask", "private"):  # Generated folders only: a README stays.
        shutil.rmtree(out / old, ignore_errors=True)
    for folder in ("jingxuan", "ask", "private/jingxuan"):
        (out / folder).mkdir(parents=True)
    (out / "robots.txt").write_text(ROBOTS)
    sizes = {"hub": [], "article": [], "question": [], "private": []}

    def write(path, text, enc, kind):
        data = text.encode(enc, "surrogateescape")
        if len(data) > PAGE_MAX:  # Cannot happen with the fixtures' sizes; guard the promise anyway.
            sys.exit(f"make_mirror: {path} is {len(data)} bytes, over 60 KB")
        (out / path.lstrip("/")).write_bytes(data)
        sizes[kind].append(len(data))

    for j, path in enumerate(ask_paths):
        rng = random.Random(f"{args.seed}:ask:{j}")
        src = mc.pick_source(ask_srcs, j)
        text, _ = vary(src, "mfk-ask", path, rng, titles)
        text = relink(text, path, ASK_LINK, lambda: rng.choice(ask_paths), lambda: rng.choice(ask_paths))
        write(path, sized(text, src, "mfk-ask", rng, entry_pool, args.small), src["enc"], "question")

    def article(i, path):
        """Article i before its answer links are assigned and it is sized (deterministic:
        built twice)."""
        rng = random.Random(f"{args.seed}:article:{i}")
        src = mc.pick_source(art_srcs, i)
        text, title = vary(src, "mfk-article", path, rng, titles)
        pick = lambda: rng.choice(art_paths)  # noqa: E731  ("热门精选" and neighbour links)
        return relink(text, path, ARTICLE_LINK, pick, pick), title, src, rng

    # Pass 1 counts each article's live answer links; pass 2 hands out the Q&A pages so
    # that each is linked at least once (in a shuffled order), then at random.
    slots = [count_live(article(i, p)[0], ASK_LINK, p) for i, p in enumerate(art_paths)]
    if sum(slots) < n_ask:
        sys.exit(f"make_mirror: {sum(slots)} answer links for {n_ask} Q&A pages; use more --pages")
    plan_rng = random.Random(f"{args.seed}:plan")
    plan = plan_rng.sample(ask_paths, n_ask) + [plan_rng.choice(ask_paths) for _ in range(sum(slots) - n_ask)]
    entries, at = [], 0
    for i, path in enumerate(art_paths):
        text, title, src, rng = article(i, path)
        mine = iter(plan[at:at + slots[i]])
        at += slots[i]
        text = relink(text, path, ASK_LINK, lambda: next(mine), lambda: rng.choice(ask_paths))
        text = sized(text, src, "mfk-article", rng, entry_pool, args.small)
        write(path, text, src["enc"], "article")
        entries.append((path, html.escape(html.unescape(title), quote=False), summary_of(text), date_of(text)))

    rng = random.Random(f"{args.seed}:private")
    src = art_srcs[0]
    text, _ = vary(src, "mfk-article", private_path, rng, titles)
    text = relink(text, private_path, ASK_LINK, lambda: rng.choice(ask_paths), lambda: rng.choice(ask_paths))
    text = relink(text, private_path, ARTICLE_LINK, lambda: rng.choice(art_paths), lambda: rng.choice(art_paths))
    write(private_path, sized(text, src, "mfk-article", rng, entry_pool, args.small), src["enc"], "private")

    hub_paths = []
    for h in range(1, n_hub + 1):
        path = "/jingxuan/index.shtml" if h == 1 else f"/jingxuan/index_{h}.shtml"
        hub_paths.append(path)
        chunk = entries[(h - 1) * args.per_hub:h * args.per_hub]
        write(path, hub_page(h, n_hub, chunk, private_path if h == 1 else None), "utf-8", "hub")

    links = check(out, hub_paths + art_paths + ask_paths + [private_path])
    total = sum(sum(v) for v in sizes.values())
    every = [s for v in sizes.values() for s in v]
    print(f"mirror: {n_hub + n_art + n_ask} pages ({n_hub} hubs, {n_art} articles, {n_ask} Q&A) + 1 robots-blocked "
          f"page + robots.txt in {out}; {total / mc.MB:.1f} MB (mean {total / len(every) / mc.KB:.1f} KB, "
          f"max {max(every) / mc.KB:.1f}); {links} followed links, all resolve; start at /jingxuan/index.shtml")


if __name__ == "__main__":
    main()

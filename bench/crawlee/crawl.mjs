// The Crawlee 3.18 peer of bench/crawl_bench.sh: a CheerioCrawler over the mfk.com-shaped
// mirror (bench/make_mirror.py), written as a Crawlee user who knows the site would write it:
// targeted selectors for the list links, the next list page and an article's Q&A links
// (enqueueLinks), robots.txt respected, fixed concurrency, no delay, and the same fields as
// ../shared/bench/parsel_extract.py (ported to cheerio below), one JSON line per page.
//
//   node bench/crawlee/crawl.mjs --start http://127.0.0.1:PORT/jingxuan/index.shtml \
//       --out FILE.jsonl [--concurrency 16]
import { createWriteStream } from "node:fs";
import { CheerioCrawler, Configuration, log } from "@crawlee/cheerio";

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, a, i, all) => (a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs), []),
);
const concurrency = Number(args.concurrency ?? 16);
const out = createWriteStream(args.out);
const SITE_ORIGIN = "https://www.mfk.com";

const ws = (s) => s.replace(/\s+/g, " ").trim();
const text = ($, el) => (el && el.length ? ws($(el).first().text()) : null);
const first = ($, root, css) => { const found = $(root).find(css); return found.length ? ws(found.first().text()) : null; };
function iso(s) {
  const m = /(\d{4})-(\d{2})-(\d{2})(?:\s+(\d{2}):(\d{2}):(\d{2}))?/.exec(s ?? "");
  if (!m) return null;
  return m[4] ? `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}+08:00` : m[0].slice(0, 10);
}
function views(s) {
  const m = /([\d.]+)(万?)次浏览/.exec(s ?? "");
  if (!m) return null;
  return m[2] ? Math.round(parseFloat(m[1]) * 10000) : parseInt(m[1], 10);
}

function mfkArticle($) {
  const info = text($, $(".articleInfo")) ?? "";
  const causes = [], advice = [];
  $("#articleContent > p").each((_, p) => {
    const label = $(p).find("strong").first();
    if (!label.length) return;
    const labelText = ws(label.text());
    const name = labelText.replace(/[:：]+$/, "");
    const detail = ws($(p).text()).slice(labelText.length).trim();
    (name.endsWith("建议") ? advice : causes).push({ name, detail });
  });
  const card = $(".diseaseCard").first();
  const answers = $("ul.askList li.askItem").map((_, li) => ({
    question: first($, li, ".askTit"), url: $(li).find("a").attr("href") ?? null,
    doctor: { name: first($, li, ".docotrP1 b"), title: first($, li, ".docotrP1 span"),
              hospital: first($, li, ".docotrP2 em"), hospital_grade: first($, li, ".hosLevel") },
    text: first($, li, ".askTxt"),
  })).get();
  return { page_type: "article", title: text($, $(".articleTop h1")), published: iso(info),
           views: views(text($, $(".articleInfo .read"))), summary: text($, $("#articleContent p.summary")),
           causes, advice,
           disease: card.length ? { name: first($, card, "dt"), description: first($, card, "dd") } : null,
           answers };
}

function mfkAsk($) {
  const top = text($, $(".detailsTop > p")) ?? "";
  const answers = $(".selectedAskGuo > ul > li").map((_, li) => {
    const ems = $(li).find(".docotrP1 em");
    return {
      doctor: { name: first($, li, ".docotrP1 b"), title: first($, li, ".docotrP1 span"),
                hospital: ems.length ? ws($(ems[0]).text()) : null, hospital_grade: first($, li, ".hosLevel"),
                department: ems.length > 1 ? ws($(ems[1]).text()) : null },
      text: $(li).find(".contJsUnfold p").map((_, p) => ws($(p).text())).get().join(" "),
      published: iso(first($, li, ".answerTime")),
    };
  }).get();
  return { page_type: "question", title: text($, $(".detailsTop h1")), published: iso(top), views: views(top),
           question: text($, $(".askDetails_info p")), answers };
}

log.setLevel(log.LEVELS.WARNING);
let records = 0;
const crawler = new CheerioCrawler({
  minConcurrency: concurrency,
  maxConcurrency: concurrency,
  maxRequestRetries: 3,
  respectRobotsTxtFile: true,
  additionalMimeTypes: ["text/html"],
  async requestHandler({ request, $, enqueueLinks }) {
    const path = new URL(request.loadedUrl ?? request.url).pathname;
    if (/^\/jingxuan\/(?:index(?:_\d+)?\.shtml)?$/.test(path)) {  // a list page
      await enqueueLinks({ selector: "ul.jxList li.jxItem > a", label: "page" });
      await enqueueLinks({ selector: "div.pageBox a.next", label: "list" });
      return;
    }
    const isAsk = path.startsWith("/ask/");
    const record = { url: SITE_ORIGIN + path, site: "mfk.com", ...(isAsk ? mfkAsk($) : mfkArticle($)) };
    record.url = request.loadedUrl ?? request.url;
    out.write(JSON.stringify(record) + "\n");
    records += 1;
    if (!isAsk) await enqueueLinks({ selector: "ul.askList li.askItem a[href^='/ask/']", label: "page" });
  },
}, new Configuration({ persistStorage: false, purgeOnStart: true }));

const started = performance.now();
await crawler.run([args.start]);
await new Promise((done) => out.end(done));
const stats = crawler.stats.state;
process.stderr.write(`crawlee: ${records} records, ${stats.requestsFinished} requests finished, ` +
  `${stats.requestsFailed} failed (${((performance.now() - started) / 1000).toFixed(2)} s)\n`);
process.exit(stats.requestsFailed ? 1 : 0);

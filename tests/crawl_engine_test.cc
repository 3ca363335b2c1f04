// End-to-end tests of the crawl engine: an in-process Crawler with the real curl
// fetcher, the system clock and the built-in sites, against tests/http_test_server.py
// serving the committed mfk.com-shaped mirror fixtures/site/ (3 hubs, 37 pages, one
// page under /private/ that robots.txt disallows). Faults come in as seeds: a seed is
// fetched whatever its path, and a seed that is not a page is a hub.

#include <atomic>
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "crawl_test_util.h"
#include "gzip_test_util.h"

namespace medscrape {
namespace {

using testing::FastClock;
using testing::kFixtureSite;
using testing::Reasons;
using testing::Requests;
using testing::TempDir;
using testing::TestServer;
using testing::Urls;

constexpr int kMirrorPages = 37;  // 18 articles + 19 Q&A pages in fixtures/site/.
constexpr int kMirrorHubs = 3;

// The shared job with a 1 s low-speed window, so the drip tests end quickly.
struct Job : testing::Job {
  explicit Job(std::vector<std::string> seeds) : testing::Job(std::move(seeds)) {
    fetch.low_speed_limit_bytes = 256;
    fetch.low_speed_time_s = 1;
  }
};

TEST_CASE("engine: a mirror crawl gives one record per page", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/jingxuan/index.shtml")});
  const CrawlSummary summary = job.Run();

  CHECK(summary.records == kMirrorPages);
  CHECK(summary.done == kMirrorPages + kMirrorHubs);
  CHECK(summary.failed == 0);
  CHECK(summary.skipped == 0);
  CHECK(summary.pending == 0);
  CHECK(summary.by_reason.empty());
  CHECK(summary.fetched == kMirrorPages + kMirrorHubs);
  CHECK_FALSE(summary.stopped_early);

  const std::vector<Json> records = job.Records();
  REQUIRE(records.size() == kMirrorPages);
  const std::multiset<std::string> urls = Urls(records);
  CHECK(std::set<std::string>(urls.begin(), urls.end()).size() == urls.size());
  for (const Json& record : records) {
    INFO(record["url"]);
    CHECK(record["site"] == "mfk.com");
    CHECK(record["http"]["status"] == 200);
    CHECK(record["http"]["final_url"] == record["url"]);
    CHECK(record["change"] == "new");
    REQUIRE(record["fetched_at"].is_string());
    CHECK(record["fetched_at"].get<std::string>().size() == 20);  // 2026-11-23T21:20:00Z
    CHECK(record["content_sha256"].get<std::string>().size() == 64);
  }

  // Every page once; robots.txt once; /private/ is on no followed path.
  CHECK(Requests(server, "/private/").empty());
  CHECK(Requests(server, "/robots.txt").size() == 1);
  CHECK(Requests(server, "/jingxuan/").size() + Requests(server, "/ask/").size() ==
        kMirrorPages + kMirrorHubs);
}

TEST_CASE("engine: a URL that robots.txt disallows is skipped and never requested", "[engine]") {
  TempDir site;
  std::filesystem::copy(kFixtureSite, site.path(), std::filesystem::copy_options::recursive);
  REQUIRE(site.Write("robots.txt",
                     "User-agent: *\nDisallow: /jingxuan/8982101.shtml\nDisallow: /ask/\n"
                     "Allow: /ask/11050605.shtml\n"));
  TestServer server(site.path());
  INFO(server.error());
  REQUIRE(server.ok());
  Job job({server.url("/jingxuan/index.shtml")});
  const CrawlSummary summary = job.Run();
  // 17 of 18 articles and 1 of 19 Q&A pages (every Q&A page is linked from an allowed
  // article, so all 19 are discovered).
  CHECK(summary.records == 18);
  CHECK(summary.by_reason == Reasons{{"skipped:robots", 1 + 18}});
  const std::multiset<std::string> urls = Urls(job.Records());
  CHECK(urls.size() == 18);
  CHECK(urls.count(server.url("/jingxuan/8982101.shtml")) == 0);
  CHECK(urls.count(server.url("/ask/11050605.shtml")) == 1);
  CHECK(Requests(server, "/jingxuan/8982101.shtml").empty());
  for (const Json& request : Requests(server, "/ask/")) {
    CHECK(request["path"] == "/ask/11050605.shtml");
  }
}

TEST_CASE("engine: the user agent is sent with every request", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.max_pages = 2;
  job.Run();
  const std::vector<Json> requests = Requests(server, "/");
  REQUIRE(requests.size() >= 3);
  for (const Json& request : requests) CHECK(request["user_agent"] == testing::kTestUserAgent);
}

TEST_CASE("engine: robots.txt answering 503 is retried, then the host is disallowed", "[engine]") {
  START_SERVER(server, kFixtureSite, {"--robots-mode", "503"});
  Job job({server.url("/jingxuan/index.shtml")});
  // The engine waits 30 s between robots.txt tries: run its clock 100x faster.
  const CrawlSummary summary = job.Run(FastClock(100));
  CHECK(summary.records == 0);
  CHECK(summary.by_reason == Reasons{{"skipped:robots", 1}});
  CHECK(Requests(server, "/robots.txt").size() == 3);
  CHECK(Requests(server, "/jingxuan/").empty());
}

TEST_CASE("engine: a robots.txt reached through 5 redirects is obeyed", "[engine][robots]") {
  START_SERVER(server, kFixtureSite, {"--robots-mode", "redirect-5"});
  Job job({server.url("/jingxuan/index.shtml"), server.url("/private/jingxuan/8170100.shtml")});
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == kMirrorPages);
  CHECK(summary.by_reason == Reasons{{"skipped:robots", 1}});  // Its Disallow: /private/.
  CHECK(Requests(server, "/robots.txt").size() == 6);
  CHECK(Requests(server, "/private/").empty());
}

TEST_CASE("engine: more than 5 robots.txt redirects make it unavailable: allow all",
          "[engine][robots]") {
  // RFC 9309 §2.3.1.2: after five redirects a crawler MAY assume the file is
  // unavailable, which (§2.3.1.3, like a 4xx) allows everything; no retries.
  START_SERVER(server, kFixtureSite, {"--robots-mode", "redirect-6"});
  Job job({server.url("/jingxuan/index.shtml"), server.url("/private/jingxuan/8170100.shtml")});
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == kMirrorPages);
  CHECK(summary.done == kMirrorPages + kMirrorHubs + 1);  // The /private/ seed (a hub) too.
  CHECK(summary.by_reason.empty());
  CHECK(Requests(server, "/robots.txt").size() == 6);  // The first try and 5 hops.
  CHECK(Requests(server, "/private/").size() == 1);
}

TEST_CASE("engine: a robots.txt over 500 KiB is read up to 500 KiB, not refused",
          "[engine][robots]") {
  // The normal robots.txt, '#' padding to 1 MiB, then "Disallow: /" for everyone:
  // RFC 9309 §2.5 reads at least the first 500 KiB, and that is all medscrape reads.
  START_SERVER(server, kFixtureSite, {"--robots-mode", "big", "--robots-big-kb", "1024"});
  Job job({server.url("/jingxuan/index.shtml"), server.url("/private/jingxuan/8170100.shtml")});
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == kMirrorPages);
  CHECK(summary.by_reason == Reasons{{"skipped:robots", 1}});
  CHECK(Requests(server, "/robots.txt").size() == 1);
}

TEST_CASE("engine: 503 twice then success is retried with backoff", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/flaky?fail=2&code=503&key=hub&path=/jingxuan/index.shtml")});
  job.options.max_pages = 1;  // The hub's links are followed: one article is enough.
  const CrawlSummary summary = job.Run();
  CHECK(Requests(server, "/_fault/flaky").size() == 3);
  CHECK(summary.records == 1);
  CHECK(summary.failed == 0);
  const std::vector<Json> records = job.Records();
  REQUIRE(records.size() == static_cast<size_t>(summary.records));
  CHECK(records[0]["http"]["status"] == 200);
}

TEST_CASE("engine: 429 with Retry-After postpones without using the retry budget", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url(
      "/_fault/flaky?fail=2&code=429&retry_after=1&key=rl&path=/jingxuan/index_3.shtml")});
  job.options.politeness.max_retries = 0;  // A counted attempt would fail the URL.
  job.options.max_pages = 1;
  const auto start = std::chrono::steady_clock::now();
  const CrawlSummary summary = job.Run();
  const std::vector<Json> flaky = Requests(server, "/_fault/flaky");
  REQUIRE(flaky.size() == 3);
  CHECK(flaky[1]["mono"].get<double>() - flaky[0]["mono"].get<double>() >= 0.95);
  CHECK(flaky[2]["mono"].get<double>() - flaky[1]["mono"].get<double>() >= 0.95);
  CHECK(testing::SecondsSince(start) < 6);
  CHECK(summary.failed == 0);
  CHECK(summary.records == 1);
}

TEST_CASE("engine: permanent HTTP failures are recorded with their reason", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/always?code=500"), server.url("/jingxuan/99999999.shtml"),
           server.url("/_fault/redirect-chain?n=50")});
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == 0);
  CHECK(summary.by_reason == Reasons{{"failed:http_500", 1},
                                     {"failed:http_404", 1},
                                     {"failed:too_many_redirects", 1},
                                     {"skipped:redirected", 5}});
  CHECK(Requests(server, "/_fault/always").size() == 3);  // 1 + max_retries.
  CHECK(Requests(server, "/jingxuan/99999999.shtml").size() == 1);
  CHECK(Requests(server, "/_fault/redirect-chain").size() == 6);  // 1 + 5 hops.
}

TEST_CASE("engine: redirects out of scope are skipped, never followed", "[engine]") {
  START_SERVER(server, kFixtureSite);
  START_SERVER(other, kFixtureSite);
  Job job({server.url("/_fault/redirect?to=" + other.url("/jingxuan/index.shtml")),
           server.url("/_fault/redirect?to=http://169.254.169.254/latest/meta-data/&code=302")});
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == 0);
  CHECK(summary.by_reason == Reasons{{"skipped:redirect_out_of_scope", 2}});
  CHECK(other.LogLines().empty());
}

TEST_CASE("engine: a redirect to another scheme is skipped, to no URL at all is bad_url",
          "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/redirect?to=ftp://files.example/x&code=302"),
           server.url("/_fault/redirect?to=javascript:alert(1)"),
           server.url("/_fault/bad-reply?kind=long-location"),   // 90 KB: over kMaxUrlLength.
           server.url("/_fault/redirect?to=http://%5B::1/x")});  // An unclosed IPv6 literal.
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == 0);
  CHECK(summary.by_reason == Reasons{{"skipped:redirect_not_http", 2}, {"failed:bad_url", 2}});
}

TEST_CASE("engine: replies that are not HTTP fail as protocol, retried", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/bad-reply?kind=garbage"),
           server.url("/_fault/bad-reply?kind=http09"),
           server.url("/_fault/bad-reply?kind=huge-header"),
           server.url("/_fault/bad-reply?kind=two-lengths")});
  job.options.politeness.breaker_failures = 100;  // Out of the way: every URL fails here.
  const CrawlSummary summary = job.Run();
  CHECK(summary.by_reason == Reasons{{"failed:protocol", 4}});
  CHECK(Requests(server, "/_fault/bad-reply").size() == 4 * 3);  // 1 + max_retries each.
}

TEST_CASE("engine: bombs and binary bodies are refused", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/gzip-bomb?decoded=4000000"),
           server.url("/_fault/binary-as-html?kind=png")});
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == 0);
  CHECK(summary.by_reason == Reasons{{"failed:too_large", 1}, {"skipped:binary", 1}});
  CHECK(Requests(server, "/_fault/gzip-bomb").size() == 1);  // Not retryable.
}

TEST_CASE("engine: empty and 204 and huge bodies make no record", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/empty-200"), server.url("/_fault/status?code=204"),
           server.url("/robots.txt?as=text"), server.url("/_fault/big?mb=3&length=0")});
  job.options.politeness.max_retries = 0;
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == 0);
  CHECK(summary.pending == 0);
  CHECK(summary.failed + summary.skipped + summary.done == 4);
  CHECK(summary.by_reason.at("skipped:empty") == 2);
  CHECK(summary.by_reason.at("failed:too_large") == 1);  // Over the 1 MiB test cap.
}

TEST_CASE("engine: a stalled response times out, is retried, then fails", "[engine]") {
  START_SERVER(server, kFixtureSite, {"--max-hold", "10"});
  Job job({server.url("/_fault/stall-headers?hold=10")});
  job.options.politeness.max_retries = 1;
  const auto start = std::chrono::steady_clock::now();
  const CrawlSummary summary = job.Run();
  CHECK(summary.by_reason == Reasons{{"failed:timeout", 1}});
  CHECK(Requests(server, "/_fault/stall-headers").size() == 2);
  CHECK(testing::SecondsSince(start) < 12);  // Two 3 s timeouts; without them, 20 s.
}

TEST_CASE("engine: a job stopped by max_pages resumes without duplicates", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.max_pages = 5;
  const CrawlSummary first = job.Run();
  CHECK(first.records == 5);
  CHECK(first.records < kMirrorPages);
  CHECK(first.pending > 0);
  CHECK(job.Records().size() == static_cast<size_t>(first.records));

  job.options.max_pages = 0;
  const CrawlSummary second = job.Run();
  CHECK(first.records + second.records == kMirrorPages);
  CHECK(second.pending == 0);
  CHECK(second.by_reason.empty());

  Job clean({server.url("/jingxuan/index.shtml")});
  clean.Run();
  const std::multiset<std::string> resumed = Urls(job.Records());
  CHECK(resumed.size() == kMirrorPages);
  CHECK(resumed == Urls(clean.Records()));
}

TEST_CASE("engine: recrawl_after 0 revalidates every page with 304s", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/jingxuan/index.shtml")});
  REQUIRE(job.Run().records == kMirrorPages);

  job.options.recrawl_after_s = 0;
  const CrawlSummary second = job.Run();
  CHECK(second.records == 0);
  CHECK(second.unchanged == kMirrorPages);  // Hubs answer 304 too, but make no records.
  CHECK(second.done == kMirrorPages + kMirrorHubs);
  CHECK(job.Records().size() == kMirrorPages);
  size_t conditional = 0;
  for (const Json& request : Requests(server, "/")) {
    if (request["if_none_match"].is_string()) ++conditional;
  }
  CHECK(conditional == kMirrorPages + kMirrorHubs);
}

TEST_CASE("engine: requests to one host keep the delay apart", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.politeness.delay_s = 0.3;
  job.options.politeness.per_host = 1;
  job.options.max_pages = 4;
  job.Run();
  const std::vector<Json> requests = Requests(server, "/");
  REQUIRE(requests.size() >= 5);
  // The engine spaces the requests' starts (exactly so on a fake clock: crawl_engine_logic_test);
  // the server logs their arrival, which a busy machine can delay by a scheduling hiccup.
  for (size_t i = 1; i < requests.size(); ++i) {
    INFO(requests[i]["path"]);
    CHECK(requests[i]["mono"].get<double>() - requests[i - 1]["mono"].get<double>() >= 0.2);
  }
}

}  // namespace
}  // namespace medscrape

namespace medscrape {
namespace {

TEST_CASE("engine: the per-host URL budget stops a crawl from following every link", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.max_urls_per_host = 5;
  const CrawlSummary summary = job.Run();
  // The seed plus the first five links it offers; nothing beyond.
  CHECK(summary.done + summary.failed + summary.skipped + summary.pending == 6);
  CHECK(summary.pending == 0);
  CHECK(summary.records <= 5);
  CHECK(summary.records >= 1);
}

TEST_CASE("engine: the stats file counts states, hosts and per-site fill rates", "[engine]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.stats_path = job.dir.path() + "/out.stats.json";
  const CrawlSummary summary = job.Run();
  std::ifstream in(job.options.stats_path);
  REQUIRE(in);
  const Json stats = Json::parse(in);
  const Json& run = stats["run"];
  CHECK(stats["stats_version"] == 1);
  CHECK(run["records"] == summary.records);
  CHECK(run["finish_reason"] == "finished");
  CHECK(run["id"] == 1);
  CHECK(stats["job"]["states"]["done"] == summary.done);
  CHECK(stats["job"]["states"]["failed"] == 0);
  CHECK(stats["job"]["hosts"].size() == 1);
  CHECK(stats["job"]["outputs"] ==
        Json::array({{{"path", job.options.out_path},
                      {"committed_bytes", std::filesystem::file_size(job.options.out_path)}}}));
  CHECK(stats["history"].empty());
  // Per site and page type: the fixture's articles and Q&A pages apart, nested fields too.
  const Json& mfk = run["sites"]["mfk.com"];
  int64_t records = 0;
  for (const auto& [type, group] : mfk.items()) {
    INFO(type);
    records += group["records"].get<int64_t>();
    CHECK(group["fields"]["title"]["rate"] == 1.0);
    CHECK(group["fields"]["title"]["of"] == group["records"]);
  }
  CHECK(records == summary.records);
  REQUIRE(mfk.contains("article"));
  const Json& answers = mfk["article"]["fields"];
  REQUIRE(answers.contains("answers[].doctor.name"));
  CHECK(answers["answers[].doctor.name"]["of"].get<int64_t>() >
        mfk["article"]["records"].get<int64_t>());  // Over the answers, not the records.
  CHECK(run["bytes"].get<int64_t>() > 0);

  // A second run: this run's counts apart from the job's, the first run in the history.
  const CrawlSummary again = job.Run();
  std::ifstream second_in(job.options.stats_path);
  const Json second = Json::parse(second_in);
  CHECK(second["run"]["id"] == 2);
  CHECK(second["run"]["records"] == again.records);
  CHECK(second["run"]["fetched"] == again.fetched);
  CHECK(second["job"]["states"]["done"] == summary.done);
  REQUIRE(second["history"].size() == 1);
  CHECK(second["history"][0]["records"] == summary.records);
  CHECK(second["history"][0]["finish_reason"] == "finished");
}

}  // namespace
}  // namespace medscrape

namespace medscrape {
namespace {

TEST_CASE("engine: pages no hub links to are found through robots.txt's sitemaps",
          "[engine][sitemap]") {
  TempDir site;
  std::filesystem::copy(kFixtureSite, site.path(), std::filesystem::copy_options::recursive);
  REQUIRE(site.Write("jingxuan/index.shtml", "<html><body><p>No links here.</p></body></html>"));
  TestServer server(site.path());
  INFO(server.error());
  REQUIRE(server.ok());
  // Absolute URLs need the server's port: written once it listens.
  REQUIRE(site.Write("robots.txt", "User-agent: *\nDisallow: /private/\nSitemap: " +
                                       server.url("/sitemap_index.xml") + "\n"));
  auto entry = [](const std::string& tag, const std::string& url) {
    return "<" + tag + "><loc>" + url + "</loc></" + tag + ">";
  };
  REQUIRE(site.Write("sitemap_index.xml",
                     "<sitemapindex>" + entry("sitemap", server.url("/sitemap1.xml.gz")) +
                         entry("sitemap", server.url("/sitemap_index.xml")) +  // A loop.
                         entry("sitemap", server.url("/missing.xml")) + "</sitemapindex>"));
  const std::vector<std::string> listed = {server.url("/jingxuan/8172215.shtml"),
                                           server.url("/jingxuan/8177822.shtml"),
                                           server.url("/ask/11050605.shtml")};
  std::string urlset = "<urlset>";
  for (const std::string& url : listed) urlset += entry("url", url);
  urlset += entry("url", "http://other.example/jingxuan/8263960.shtml") +  // Out of scope.
            entry("url", server.url("/not-a-page.html")) + "</urlset>";    // Unclassified.
  REQUIRE(site.Write("sitemap1.xml.gz", testing::Gzip(urlset)));

  Job job({server.url("/jingxuan/index.shtml")});
  job.options.max_depth = 1;  // The listed pages' own links are not followed.
  SECTION("with sitemaps") {
    job.options.sitemaps = true;
    const CrawlSummary summary = job.Run();
    CHECK(summary.records == 3);
    CHECK(Urls(job.Records()) == std::multiset<std::string>(listed.begin(), listed.end()));
    CHECK(Requests(server, "/sitemap_index.xml").size() == 1);
    CHECK(Requests(server, "/sitemap1.xml.gz").size() == 1);
    CHECK(Requests(server, "/missing.xml").size() == 1);
    CHECK(Requests(server, "/not-a-page.html").empty());
    CHECK(summary.pending == 0);
  }
  SECTION("without") {
    const CrawlSummary summary = job.Run();
    CHECK(summary.records == 0);
    CHECK(Requests(server, "/sitemap").empty());
  }
}

}  // namespace
}  // namespace medscrape

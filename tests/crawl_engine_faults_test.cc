// End-to-end fault tests of the crawl engine (docs/reliability.md N7-N10, H2, H4 and the
// politeness rules): an in-process Crawler with the real curl fetcher against
// tests/http_test_server.py, asserting what the server's request log (monotonic
// timestamps) and the job's SQLite state show. crawl_politeness_test.cc proves the
// same rules on a FakeClock; these prove the engine applies them on the wire.
//
// Already covered by crawl_engine_test.cc and not repeated here: the 50-hop redirect
// chain (6 requests, failed:too_many_redirects), redirects to an out-of-scope host and to
// 169.254.169.254 (skipped:redirect_out_of_scope, never requested), 429 with a valid
// Retry-After, 503 twice then success, and --delay spacing with AutoThrottle off.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "crawl_test_util.h"
#include "extractors/builtin.h"

namespace medscrape {
namespace {

using testing::CopySite;
using testing::FakeFetcher;
using testing::FastClock;
using testing::HttpReply;
using testing::Job;
using testing::Reasons;
using testing::Requests;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestServer;
using testing::Urls;
using testing::kFixtureSite;

// Tolerance added to upper bounds on request spacing (scheduling, loaded CI machines);
// ASan builds are slower.
double Slack() { return std::getenv("MEDSCRAPE_SANITIZED") != nullptr ? 0.6 : 0.3; }

// The server's log lines except robots.txt.
std::vector<Json> PageRequests(const TestServer& server) {
  std::vector<Json> requests = Requests(server, "/");
  requests.erase(std::remove_if(requests.begin(), requests.end(),
                                [](const Json& r) { return r["path"] == "/robots.txt"; }),
                 requests.end());
  return requests;
}

// Seconds between consecutive request starts.
std::vector<double> Gaps(const std::vector<Json>& requests) {
  std::vector<double> gaps;
  for (size_t i = 1; i < requests.size(); ++i) {
    gaps.push_back(requests[i]["mono"].get<double>() - requests[i - 1]["mono"].get<double>());
  }
  return gaps;
}

std::string Describe(const std::vector<double>& gaps) {
  std::string text;
  for (double gap : gaps) text += std::to_string(gap) + " ";
  return text;
}

// ----------------------------------------------------------------------------- politeness

TEST_CASE("engine faults: robots.txt Crawl-delay spaces requests even with delay 0",
          "[engine][faults][politeness]") {
  TempDir site;
  CopySite(site, "User-agent: *\nCrawl-delay: 1\nDisallow: /private/\n");
  START_SERVER(server, site.path());
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.max_pages = 2;
  const CrawlSummary summary = job.Run();
  CHECK(summary.records == 2);

  const std::vector<Json> robots = Requests(server, "/robots.txt");
  const std::vector<Json> pages = PageRequests(server);
  REQUIRE(robots.size() == 1);
  REQUIRE(pages.size() == 3);  // The hub and two pages.
  // The delay is learnt from robots.txt: the hub follows it at once (delay 0)...
  CHECK(pages[0]["mono"].get<double>() - robots[0]["mono"].get<double>() < 0.5);
  // ...then every request to the host waits for the Crawl-delay.
  const std::vector<double> gaps = Gaps(pages);
  INFO(Describe(gaps));
  for (double gap : gaps) {
    CHECK(gap >= 0.95);
    CHECK(gap <= 1.0 + Slack());
  }
}

TEST_CASE("engine faults: a Crawl-delay of 1000 s is capped", "[engine][faults][politeness]") {
  TempDir site;
  CopySite(site, "User-agent: *\nCrawl-delay: 1000\nDisallow: /private/\n");
  START_SERVER(server, site.path());
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.max_pages = 2;

  SECTION("by PolitenessOptions::max_crawl_delay_s") {
    job.options.politeness.max_crawl_delay_s = 1.2;
    const auto start = std::chrono::steady_clock::now();
    CHECK(job.Run().records == 2);
    CHECK(testing::SecondsSince(start) < 2 * 1.2 + 3);
    const std::vector<double> gaps = Gaps(PageRequests(server));
    INFO(Describe(gaps));
    REQUIRE(gaps.size() == 2);
    for (double gap : gaps) {
      CHECK(gap >= 1.15);  // The capped delay is applied, not dropped...
      CHECK(gap <= 1.2 + Slack());  // ...and it is the cap, not 1000 s.
    }
  }
  SECTION("by the default cap of 30 s") {
    REQUIRE(PolitenessOptions{}.max_crawl_delay_s == 30);
    // The engine's clock runs 100x: the 30 s cap passes in 0.3 s of real time; an
    // uncapped 1000 s would be 10 s per gap.
    const CrawlSummary summary = job.Run(FastClock(100));
    CHECK(summary.records == 2);
    const std::vector<double> gaps = Gaps(PageRequests(server));
    INFO(Describe(gaps));
    REQUIRE(gaps.size() == 2);
    for (double gap : gaps) {
      CHECK(gap >= 0.29);
      CHECK(gap < 3);
    }
  }
}

TEST_CASE("engine faults: AutoThrottle spaces requests to a slow server by its latency",
          "[engine][faults][politeness]") {
  // Every response takes 1 s. With per_host 2 the AutoThrottle target is
  // latency / per_host = 0.5 s, far above --delay 0.05.
  START_SERVER(server, kFixtureSite, {"--latency", "1.0"});
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.politeness.per_host = 2;
  job.options.politeness.delay_s = 0.05;
  job.options.max_pages = 3;

  SECTION("on") {
    job.options.politeness.auto_throttle = true;
    CHECK(job.Run().records == 3);
    const std::vector<Json> pages = PageRequests(server);
    REQUIRE(pages.size() == 4);  // The hub and three pages.
    const std::vector<double> gaps = Gaps(pages);
    INFO(Describe(gaps));
    CHECK(gaps[0] >= 0.95);  // The pages are known once the hub has answered.
    for (size_t i = 1; i < gaps.size(); ++i) {
      CHECK(gaps[i] >= 0.47);  // Spread at the target, never a burst.
      // The engine notices a host turning ready while transfers are in flight only
      // every 250 ms (see the [.bug] test below).
      CHECK(gaps[i] <= 0.5 + 0.25 + Slack());
    }
  }
  SECTION("off") {
    job.options.politeness.auto_throttle = false;
    CHECK(job.Run().records == 3);
    const std::vector<double> gaps = Gaps(PageRequests(server));
    INFO(Describe(gaps));
    REQUIRE(gaps.size() == 3);
    // Two requests go out together (up to the engine's 250 ms poll step, not 0.5 s).
    CHECK(gaps[1] < 0.4);
  }
}

TEST_CASE("engine faults: a delay shorter than 250 ms is kept while transfers are in flight",
          "[engine][faults][politeness]") {
  // per_host 2, --delay 0.05, AutoThrottle off, a server that answers in 1 s: the second
  // page may start 0.05 s after the first, not when the poll of the in-flight transfers
  // times out (250 ms; Crawler::Impl::PollTimeoutMs wakes when the host's delay ends).
  START_SERVER(server, kFixtureSite, {"--latency", "1.0"});
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.politeness.per_host = 2;
  job.options.politeness.delay_s = 0.05;
  job.options.max_pages = 2;
  CHECK(job.Run().records == 2);
  const std::vector<double> gaps = Gaps(PageRequests(server));
  INFO(Describe(gaps));
  REQUIRE(gaps.size() == 2);
  // The server stamps a request when its head is read: a few ms of jitter either way.
  CHECK(gaps[1] >= 0.045);
  CHECK(gaps[1] < 0.15);
}

TEST_CASE("engine faults: AutoThrottle keeps the delay against a fast server",
          "[engine][faults][politeness]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/jingxuan/index.shtml")});
  job.options.politeness.per_host = 1;
  job.options.politeness.delay_s = 0.25;
  job.options.politeness.auto_throttle = true;
  job.options.max_pages = 3;
  CHECK(job.Run().records == 3);
  const std::vector<Json> requests = Requests(server, "/");
  REQUIRE(requests.size() == 5);  // robots.txt, the hub, three pages.
  const std::vector<double> gaps = Gaps(requests);
  INFO(Describe(gaps));
  for (double gap : gaps) {
    CHECK(gap >= 0.24);
    CHECK(gap <= 0.25 + Slack());
  }
}

TEST_CASE("engine faults: waiting out a Crawl-delay wakes the loop only when a host is due",
          "[engine][faults][politeness]") {
  // 2000 URLs of one host and Crawl-delay 2, on a fake clock and fetcher: after each
  // request the engine has nothing to do for 2 s and must sleep until then, not wake
  // every 1 ms (as it once did) to look for work. Counting wake-ups on a fake clock
  // makes the verdict the same on any machine, sanitizers or not.
  FakeClock clock(1'700'000'000'000);
  FakeFetcher fetcher(clock, [](const FetchRequest& request) {
    if (request.url.find("/robots.txt") != std::string::npos) {
      return FakeFetcher::Reply{HttpReply(200, "User-agent: *\nCrawl-delay: 2\n", "text/plain"),
                                5};
    }
    return FakeFetcher::Reply{HttpReply(404), 20};
  });
  std::vector<std::string> seeds;
  for (int i = 0; i < 2000; ++i) {
    seeds.push_back("http://fake.example/_fault/status?code=404&i=" + std::to_string(i));
  }
  Job job(seeds);
  job.options.max_time_s = 10.5;
  const CrawlSummary summary = job.Run(fetcher, clock);
  CHECK(summary.stopped_early == false);

  // robots.txt, then one page every 2 s: at 0, 2, 4, 6, 8 and 10 s of fake time.
  const std::vector<FakeFetcher::Seen>& seen = fetcher.seen();
  REQUIRE(seen.size() == 7);
  for (size_t i = 2; i < seen.size(); ++i) CHECK(seen[i].at_ms - seen[i - 1].at_ms == 2000);
  CHECK(summary.by_reason == Reasons{{"failed:http_404", 6}});
  CHECK(summary.pending == 1994);
  // Each request costs a few wake-ups (start it, take its response); the 2 s
  // between requests at most two more (the 1 s cap on an idle sleep).
  const int64_t wakeups = fetcher.polls() + clock.sleeps();
  INFO("polls " << fetcher.polls() << ", sleeps " << clock.sleeps());
  CHECK(wakeups <= 7 * 4 + 6 * 2);
}

// ----------------------------------------------------------------------------- N8

TEST_CASE("engine faults: retries of a failing URL back off exponentially",
          "[engine][faults][N8]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/always?code=500")});
  job.options.politeness.max_retries = 3;
  job.options.politeness.backoff_base_s = 0.2;
  job.options.politeness.backoff_max_s = 5;
  job.options.politeness.breaker_failures = 10;  // Out of the way.
  const CrawlSummary summary = job.Run();
  CHECK(summary.by_reason == Reasons{{"failed:http_500", 1}});

  const std::vector<Json> requests = Requests(server, "/_fault/always");
  REQUIRE(requests.size() == 4);  // 1 + max_retries.
  const std::vector<double> gaps = Gaps(requests);
  INFO(Describe(gaps));
  // Retry n waits 0.2 s * 2^(n-1) * jitter in [0.5, 1.5).
  for (size_t n = 1; n <= gaps.size(); ++n) {
    const double backoff = 0.2 * static_cast<double>(1 << (n - 1));
    CHECK(gaps[n - 1] >= 0.5 * backoff - 0.01);
    CHECK(gaps[n - 1] <= 1.5 * backoff + Slack());
  }
  const std::vector<UrlEntry> state = job.State();
  REQUIRE(state.size() == 1);
  CHECK(state[0].state == "failed");
  CHECK(state[0].reason == "http_500");
  CHECK(state[0].last_status == 500);
}

TEST_CASE("engine faults: a host failing everything trips its breaker while another host "
          "completes",
          "[engine][faults][N8]") {
  START_SERVER(dead, kFixtureSite);
  START_SERVER(good, kFixtureSite);
  constexpr int kDeadUrls = 6;
  std::vector<std::string> seeds;
  for (int i = 0; i < kDeadUrls; ++i) {
    seeds.push_back(dead.url("/_fault/always?code=500&u=" + std::to_string(i)));
  }
  seeds.push_back(good.url("/jingxuan/index.shtml"));
  Job job(seeds);
  job.options.stats_path = job.dir.path() + "/out.stats.json";
  job.options.politeness.per_host = 1;
  job.options.politeness.max_retries = 2;
  job.options.politeness.breaker_failures = 3;
  job.options.politeness.breaker_cooldown_s = 0.4;
  job.options.politeness.breaker_max_opens = 2;
  const CrawlSummary summary = job.Run();

  // Three failures open the breaker; after the cooldown one probe fails and opens it a
  // second time, which is breaker_max_opens: the host is dead. Without the breaker the
  // host would have had kDeadUrls * (1 + max_retries) = 18 requests.
  const std::vector<Json> failing = Requests(dead, "/_fault/always");
  REQUIRE(failing.size() == 4);
  CHECK(failing.size() < kDeadUrls * 3);
  CHECK(failing[3]["mono"].get<double>() - failing[2]["mono"].get<double>() >= 0.38);
  CHECK(summary.by_reason == Reasons{{"failed:host_unavailable", kDeadUrls}});
  const std::vector<UrlEntry> state = job.State();
  for (const std::string& seed : std::vector<std::string>(seeds.begin(), seeds.end() - 1)) {
    const UrlEntry* row = job.Find(state, seed);
    INFO(seed);
    REQUIRE(row != nullptr);
    CHECK(row->state == "failed");
    CHECK(row->reason == "host_unavailable");
    CHECK(row->attempts <= 2);  // The retry budget was not what ended it.
  }

  // The other host's crawl is complete: 3 hubs and 37 pages.
  CHECK(summary.records == 37);
  CHECK(summary.done == 40);
  CHECK(summary.pending == 0);
  CHECK(Requests(good, "/jingxuan/").size() + Requests(good, "/ask/").size() == 40);
  std::ifstream in(job.options.stats_path);
  REQUIRE(in);
  const Json stats = Json::parse(in);
  const std::string dead_host = "127.0.0.1:" + std::to_string(dead.port());
  const std::string good_host = "127.0.0.1:" + std::to_string(good.port());
  CHECK(stats["hosts"][dead_host] == Json{{"failed", kDeadUrls}});
  CHECK(stats["hosts"][good_host] == Json{{"done", 40}});
}

// ----------------------------------------------------------------------------- N9, N10

TEST_CASE("engine faults: redirect loops and chains stop after 5 hops", "[engine][faults][N9]") {
  START_SERVER(server, kFixtureSite);
  SECTION("a URL redirecting to itself") {
    Job job({server.url("/_fault/redirect-loop?code=302")});
    const CrawlSummary summary = job.Run();
    CHECK(summary.by_reason == Reasons{{"failed:too_many_redirects", 1}});
    CHECK(Requests(server, "/_fault/redirect-loop").size() == 6);  // 1 + 5 hops.
    const std::vector<UrlEntry> state = job.State();
    REQUIRE(state.size() == 1);
    CHECK(state[0].last_status == 302);
  }
  SECTION("a chain of exactly 5 hops is followed to its end") {
    Job job({server.url("/_fault/redirect-chain?n=5")});
    const CrawlSummary summary = job.Run();
    // Each hop's URL gets its own row: the page is done under its final URL.
    CHECK(summary.by_reason == Reasons{{"skipped:redirected", 5}});
    CHECK(summary.done == 1);
    CHECK(Requests(server, "/_fault/redirect-chain").size() == 6);
    std::vector<Json> last = Requests(server, "/_fault/redirect-chain");
    CHECK(last.back()["query"] == "n=0");
  }
  SECTION("a chain of 6 hops is not") {
    Job job({server.url("/_fault/redirect-chain?n=6")});
    const CrawlSummary summary = job.Run();
    CHECK(summary.by_reason ==
          Reasons{{"skipped:redirected", 5}, {"failed:too_many_redirects", 1}});
    const std::vector<Json> requests = Requests(server, "/_fault/redirect-chain");
    REQUIRE(requests.size() == 6);
    CHECK(requests.back()["query"] == "n=1");  // n=0 is never asked for.
  }
}

TEST_CASE("engine faults: a redirect to another in-scope host obeys the robots.txt of that host",
          "[engine][faults][N10]") {
  TempDir target_site;
  CopySite(target_site, "User-agent: *\nDisallow: /jingxuan/8982101.shtml\n");
  // Which path the engine takes depends on whether the target host's robots.txt is
  // known when the redirect arrives; a slow server decides it.
  const bool target_robots_known = GENERATE(true, false);
  const std::string origin_latency = target_robots_known ? "0.3" : "0";
  const std::string target_latency = target_robots_known ? "0" : "0.5";
  START_SERVER(origin, kFixtureSite, {"--latency", origin_latency});
  START_SERVER(target, target_site.path(), {"--latency", target_latency});
  const std::string disallowed = target.url("/jingxuan/8982101.shtml");
  const std::string allowed = target.url("/jingxuan/8172215.shtml");
  const std::string to_disallowed = origin.url("/_fault/redirect?to=" + disallowed);
  const std::string to_allowed = origin.url("/_fault/redirect?to=" + allowed);
  // The target host is in scope through its own seed.
  Job job({to_disallowed, to_allowed, target.url("/ask/11050605.shtml")});
  job.options.max_depth = 0;
  const CrawlSummary summary = job.Run();
  INFO("target robots.txt known: " << target_robots_known);

  CHECK(Requests(target, "/jingxuan/8982101.shtml").empty());
  CHECK(Requests(target, "/jingxuan/8172215.shtml").size() == 1);
  CHECK(Requests(target, "/robots.txt").size() == 1);
  CHECK(summary.pending == 0);
  CHECK(summary.failed == 0);
  const std::vector<UrlEntry> state = job.State();
  if (target_robots_known) {
    // Checked on the spot: the redirecting URL is skipped, the disallowed target never
    // queued; the allowed target gets its own row, fetched at once and done.
    CHECK(summary.by_reason == Reasons{{"skipped:robots", 1}, {"skipped:redirected", 1}});
    REQUIRE(job.Find(state, to_disallowed) != nullptr);
    CHECK(job.Find(state, to_disallowed)->reason == "robots");
    CHECK(job.Find(state, disallowed) == nullptr);
    CHECK(job.Find(state, to_allowed)->reason == "redirected");
    REQUIRE(job.Find(state, allowed) != nullptr);
    CHECK(job.Find(state, allowed)->state == "done");
  } else {
    // The target joins the frontier and meets robots.txt there.
    CHECK(summary.by_reason == Reasons{{"skipped:redirected", 2}, {"skipped:robots", 1}});
    REQUIRE(job.Find(state, disallowed) != nullptr);
    CHECK(job.Find(state, disallowed)->reason == "robots");
    REQUIRE(job.Find(state, allowed) != nullptr);
    CHECK(job.Find(state, allowed)->state == "done");
  }
}

TEST_CASE("engine faults: a redirect onto a URL the job already knows makes no second record",
          "[engine][faults][N9]") {
  // /jingxuan/9000001.shtml is a directory: the server answers 301 to
  // /jingxuan/9000001.shtml/ (its index.html, an article). Both spellings are page URLs
  // and both are seeds, as when a site links a page under an old and a new address.
  TempDir site;
  CopySite(site, "User-agent: *\nDisallow: /private/\n");
  std::filesystem::create_directories(site.path() + "/jingxuan/9000001.shtml");
  std::filesystem::copy_file(site.path() + "/jingxuan/8172215.shtml",
                             site.path() + "/jingxuan/9000001.shtml/index.html");
  START_SERVER(server, site.path());
  const std::string final_url = server.url("/jingxuan/9000001.shtml/");
  Job job({final_url, server.url("/jingxuan/9000001.shtml")});
  job.options.max_depth = 0;
  job.options.politeness.per_host = 1;
  const CrawlSummary summary = job.Run();
  size_t page_fetches = 0;
  for (const Json& request : Requests(server, "/jingxuan/9000001.shtml/")) {
    page_fetches += request["path"] == "/jingxuan/9000001.shtml/" ? 1 : 0;
  }
  CHECK(page_fetches == 1);
  const std::multiset<std::string> urls = Urls(job.Records());
  CHECK(urls.count(final_url) == 1);
  CHECK(summary.records == 1);
}

// Redirects every request except /robots.txt (404) to http://127.0.0.1:<argv[3]> with
// the same path, over TLS with the certificate in argv[1], key argv[2]; appends each
// request path to the file argv[4]. Exits when stdin closes.
const char kTlsRedirectServer[] = R"(import os, socket, ssl, sys, threading
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(sys.argv[1], sys.argv[2])
listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
print("PORT %d" % listener.getsockname()[1], flush=True)
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
def serve(client):
    try:
        tls = context.wrap_socket(client, server_side=True)
        head = b""
        while b"\r\n\r\n" not in head:
            data = tls.recv(65536)
            if not data:
                return
            head += data
        path = head.split(b" ")[1].decode("latin-1")
        with open(sys.argv[4], "a") as log:
            log.write(path + "\n")
        if path == "/robots.txt":
            reply = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        else:
            reply = ("HTTP/1.1 301 Moved Permanently\r\nLocation: http://127.0.0.1:%s%s\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n" % (sys.argv[3], path))
        tls.sendall(reply.encode("latin-1"))
        tls.close()
    except (OSError, ssl.SSLError, IndexError):
        client.close()
while True:
    client, _ = listener.accept()
    threading.Thread(target=serve, args=(client,), daemon=True).start()
)";

// A throwaway CA and a certificate for 127.0.0.1 it signed, in `dir`.
bool MakeCertificates(const TempDir& dir) {
  const std::string d = dir.path();
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string quiet = " >/dev/null 2>&1";
  return dir.Write("server.ext",
                   "basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
                   "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n") &&
         std::system(("openssl req -x509" + ec + " -days 2 -subj /CN=medscrape-test-ca -keyout " +
                      d + "/ca.key -out " + d + "/ca.pem" + quiet)
                         .c_str()) == 0 &&
         std::system(("openssl req" + ec + " -subj /CN=127.0.0.1 -keyout " + d +
                      "/server.key -out " + d + "/server.csr" + quiet)
                         .c_str()) == 0 &&
         std::system(("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " +
                      d + "/ca.key -set_serial 2 -days 2 -extfile " + d +
                      "/server.ext -out " + d + "/server.pem" + quiet)
                         .c_str()) == 0;
}

TEST_CASE("engine faults: an https to http redirect is followed only through the checks",
          "[engine][faults][N10]") {
  // The downgrade crosses to another in-scope host (host:port), whose robots.txt
  // disallows /ask/. A same-host https->http redirect cannot be staged on loopback: the
  // host key keeps non-default ports, so a TLS and a plain server are two hosts.
  TempDir http_site;
  CopySite(http_site, "User-agent: *\nDisallow: /ask/\n");
  START_SERVER(plain, http_site.path());
  TempDir tls;
  REQUIRE(MakeCertificates(tls));
  REQUIRE(tls.Write("server.py", kTlsRedirectServer));
  const std::string tls_log = tls.path() + "/requests.txt";
  ServerProcess secure({"/usr/bin/python3", tls.path() + "/server.py", tls.path() + "/server.pem",
                        tls.path() + "/server.key", std::to_string(plain.port()), tls_log});
  INFO(secure.error());
  REQUIRE(secure.ok());
  const std::string https = "https://127.0.0.1:" + std::to_string(secure.port());

  Job job({https + "/jingxuan/8172215.shtml", https + "/ask/11050605.shtml",
           plain.url("/jingxuan/8177822.shtml")});
  job.fetch.ca_file = tls.path() + "/ca.pem";
  job.options.max_depth = 0;
  const CrawlSummary summary = job.Run();

  std::vector<std::string> tls_paths;
  {
    std::ifstream in(tls_log);
    for (std::string line; std::getline(in, line);) tls_paths.push_back(line);
  }
  std::sort(tls_paths.begin(), tls_paths.end());
  CHECK(tls_paths == std::vector<std::string>{"/ask/11050605.shtml", "/jingxuan/8172215.shtml",
                                              "/robots.txt"});
  // The downgraded target passed scope and robots checks and was fetched over http.
  CHECK(Requests(plain, "/jingxuan/8172215.shtml").size() == 1);
  const std::multiset<std::string> urls = Urls(job.Records());
  CHECK(urls == std::multiset<std::string>{plain.url("/jingxuan/8172215.shtml"),
                                           plain.url("/jingxuan/8177822.shtml")});
  for (const Json& record : job.Records()) CHECK(record["http"]["final_url"] == record["url"]);
  // The one it disallows was never requested.
  CHECK(Requests(plain, "/ask/").empty());
  CHECK(summary.by_reason.count("skipped:robots") == 1);
  CHECK(summary.by_reason.at("skipped:robots") == 1);
  CHECK(summary.failed == 0);
  CHECK(summary.pending == 0);
}

// ----------------------------------------------------------------------------- H2

TEST_CASE("engine faults: redirects to metadata addresses under allow_private stop at scope",
          "[engine][faults][H2]") {
  // allow_private (needed for loopback) turns the private-address check off; metadata
  // addresses stay refused (address_policy.h), but scope stops these redirects first:
  // their hosts are not the seeds'.
  START_SERVER(server, kFixtureSite);
  const std::vector<std::string> targets = {
      "http://100.100.100.200/latest/meta-data/",  // Alibaba Cloud metadata.
      "http://1684301000/",                        // 100.100.100.200 as one number.
      "http://2852039166/latest/meta-data/",       // 169.254.169.254 as one number.
      "http://0xa9.0xfe.0xa9.0xfe/",               // The same in hex.
      "http://[::ffff:169.254.169.254]/",          // IPv4-mapped.
      "http://169.254.169.254:" + std::to_string(server.port()) + "/",  // The server's port.
  };
  std::vector<std::string> seeds;
  for (const std::string& to : targets) {
    seeds.push_back(server.url("/_fault/redirect?code=302&to=" + to));
  }
  Job job(seeds);
  REQUIRE(job.fetch.allow_private);
  const CrawlSummary summary = job.Run();
  CHECK(summary.by_reason ==
        Reasons{{"skipped:redirect_out_of_scope", static_cast<int64_t>(targets.size())}});
  CHECK(summary.fetched == static_cast<int64_t>(targets.size()));
  // One request per seed and robots.txt: no hop was followed anywhere.
  CHECK(Requests(server, "/_fault/redirect").size() == targets.size());
  CHECK(Requests(server, "/").size() == targets.size() + 1);
}

// ----------------------------------------------------------------------------- N7

TEST_CASE("engine faults: a 503 with a malformed Retry-After postpones without using retries",
          "[engine][faults][N7]") {
  START_SERVER(server, kFixtureSite);
  const std::string value = GENERATE(std::string("soon"), std::string("garbage"));
  // "garbage" makes the server send "soon, maybe?".
  Job job({server.url("/_fault/flaky?fail=3&code=503&retry_after=" + value +
                      "&key=ra&path=/jingxuan/index.shtml")});
  job.options.politeness.max_retries = 0;  // A counted attempt would fail the URL.
  job.options.politeness.backoff_base_s = 0.1;
  job.options.politeness.backoff_max_s = 1;
  job.options.max_depth = 0;
  const CrawlSummary summary = job.Run();
  INFO("Retry-After " << value);

  const std::vector<Json> requests = Requests(server, "/_fault/flaky");
  REQUIRE(requests.size() == 4);  // Three 503s, then the page.
  CHECK(summary.failed == 0);
  CHECK(summary.by_reason.empty());
  CHECK(summary.done == 1);
  const std::vector<UrlEntry> state = job.State();
  REQUIRE(state.size() == 1);
  CHECK(state[0].state == "done");
  CHECK(state[0].attempts == 0);
  CHECK(state[0].last_status == 200);
  // Unparseable: the wait is the retry backoff, 0.1 s * 2^(n-1) * [0.5, 1.5).
  const std::vector<double> gaps = Gaps(requests);
  INFO(Describe(gaps));
  for (size_t n = 1; n <= gaps.size(); ++n) {
    const double backoff = 0.1 * static_cast<double>(1 << (n - 1));
    CHECK(gaps[n - 1] >= 0.5 * backoff - 0.01);
    CHECK(gaps[n - 1] <= 1.5 * backoff + Slack());
  }
}

TEST_CASE("engine faults: Retry-After limits and a 503 without one", "[engine][faults][N7]") {
  START_SERVER(server, kFixtureSite);
  SECTION("a 503 without Retry-After is a failure that uses the retry budget") {
    Job job({server.url("/_fault/flaky?fail=1&code=503&key=plain&path=/jingxuan/index.shtml")});
    job.options.politeness.max_retries = 0;
    job.options.max_depth = 0;
    const CrawlSummary summary = job.Run();
    CHECK(summary.by_reason == Reasons{{"failed:http_503", 1}});
    CHECK(Requests(server, "/_fault/flaky").size() == 1);
  }
  SECTION("a host that always answers 503 soon fails the URL after max_postpones") {
    Job job({server.url("/_fault/always?code=503&retry_after=soon")});
    job.options.politeness.max_postpones = 3;
    job.options.max_depth = 0;
    const CrawlSummary summary = job.Run();
    CHECK(summary.by_reason == Reasons{{"failed:rate_limited", 1}});
    CHECK(Requests(server, "/_fault/always").size() == 4);
  }
  SECTION("a huge Retry-After is capped at max_pause_s") {
    Job job({server.url(
        "/_fault/flaky?fail=1&code=503&retry_after=99999&key=cap&path=/jingxuan/index.shtml")});
    job.options.politeness.max_retries = 0;
    job.options.politeness.max_pause_s = 0.5;
    job.options.max_depth = 0;
    const CrawlSummary summary = job.Run();
    CHECK(summary.by_reason.empty());
    CHECK(summary.done == 1);
    const std::vector<double> gaps = Gaps(Requests(server, "/_fault/flaky"));
    INFO(Describe(gaps));
    REQUIRE(gaps.size() == 1);
    CHECK(gaps[0] >= 0.49);
    CHECK(gaps[0] <= 0.5 + Slack());
  }
}

TEST_CASE("engine faults: a host that keeps rate-limiting is paused and not declared dead",
          "[engine][faults][N7][N8]") {
  // Ten 429s with Retry-After, then the page: fewer postponements than max_postpones
  // (20), so the URL should complete. But Crawler::Impl::Handle reports 429 (and 503)
  // to the scheduler as failures, so 5 in a row open the breaker, each half-open probe
  // meets another 429, and at breaker_max_opens (3) the host is dead: the URL fails
  // host_unavailable after 7 requests. With the default 60 s cooldown that is any site
  // that rate-limits for two minutes. (Retry-After 0 and a 0.05 s cooldown keep the
  // test fast; the outcome is the same with real values.)
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/flaky?fail=10&code=429&retry_after=0&key=rl")});
  job.options.politeness.max_retries = 0;
  job.options.politeness.breaker_cooldown_s = 0.05;
  job.options.max_depth = 0;
  const CrawlSummary summary = job.Run();
  const std::vector<UrlEntry> state = job.State();
  REQUIRE(state.size() == 1);
  INFO("state " << state[0].state << ":" << state[0].reason);
  CHECK(state[0].state == "done");
  CHECK(summary.by_reason.empty());
  CHECK(Requests(server, "/_fault/flaky").size() == 11);
}

// ----------------------------------------------------------------------------- H4

// The test server's trap endpoints as hub patterns (--follow), so the crawl follows them.
const std::vector<std::string> kTrapFollow = {R"(/_fault/calendar\?)", R"(/_fault/loop/)",
                                              R"(/_fault/session)"};

TEST_CASE("engine faults: an endless calendar is ended by max_depth and the host budget",
          "[engine][faults][H4]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/calendar?y=2026&m=1")});
  job.options.follow = kTrapFollow;
  SECTION("max_depth 4") {
    job.options.max_depth = 4;
    const CrawlSummary summary = job.Run();
    // The seed, then one month further back and one further on per level.
    CHECK(Requests(server, "/_fault/calendar").size() == 1 + 2 * 4);
    CHECK(summary.done == 1 + 2 * 4);
    CHECK(summary.pending == 0);
    std::set<std::string> months;
    for (const Json& request : Requests(server, "/_fault/calendar")) {
      months.insert(request["query"].get<std::string>());
    }
    CHECK(months.size() == 1 + 2 * 4);  // Each month once.
    CHECK(months.count("m=5&y=2026") == 1);
    CHECK(months.count("m=9&y=2025") == 1);
    CHECK(months.count("m=6&y=2026") == 0);
  }
  SECTION("max_urls_per_host 10") {
    job.options.max_urls_per_host = 10;
    const CrawlSummary summary = job.Run();
    const size_t requests = Requests(server, "/_fault/calendar").size();
    CHECK(requests <= 1 + 10);
    CHECK(requests >= 3);
    CHECK(summary.done == static_cast<int64_t>(requests));
    CHECK(summary.pending == 0);
    CHECK(summary.failed + summary.skipped == 0);
  }
}

TEST_CASE("engine faults: repeating path segments are ended by max_depth and the host budget",
          "[engine][faults][H4]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/loop/a/")});
  job.options.follow = kTrapFollow;
  SECTION("max_depth 6") {
    job.options.max_depth = 6;
    const CrawlSummary summary = job.Run();
    const std::vector<Json> requests = Requests(server, "/_fault/loop/");
    REQUIRE(requests.size() == 7);
    std::set<std::string> paths;
    for (const Json& request : requests) paths.insert(request["path"].get<std::string>());
    CHECK(paths.size() == 7);  // Relative and absolute links to a level are one URL.
    CHECK(paths.count("/_fault/loop/a/a/a/a/a/a/a/") == 1);
    CHECK(summary.done == 7);
    CHECK(summary.pending == 0);
  }
  SECTION("max_urls_per_host 20") {
    job.options.max_urls_per_host = 20;
    const CrawlSummary summary = job.Run();
    const size_t requests = Requests(server, "/_fault/loop/").size();
    CHECK(requests <= 1 + 20);
    CHECK(requests >= 3);
    CHECK(summary.done == static_cast<int64_t>(requests));
    CHECK(summary.pending == 0);
  }
}

TEST_CASE("engine faults: session id traps collapse under canonicalisation alone",
          "[engine][faults][H4]") {
  START_SERVER(server, kFixtureSite);
  Job job({server.url("/_fault/session?sid=start")});
  job.options.follow = kTrapFollow;  // No depth limit, the default host budget.
  const CrawlSummary summary = job.Run();
  // Every page links three fresh ?sid= URLs and a fresh ;jsessionid= one, but without
  // the session ids there are only /_fault/session and ?page=0..2.
  const std::vector<Json> requests = Requests(server, "/_fault/session");
  CHECK(requests.size() == 4);
  std::set<std::string> queries;
  for (const Json& request : requests) {
    CHECK(request["path"] == "/_fault/session");
    queries.insert(request["query"].get<std::string>());
  }
  CHECK(queries == std::set<std::string>{"", "page=0", "page=1", "page=2"});
  CHECK(summary.done == 4);
  CHECK(summary.pending == 0);
}

}  // namespace
}  // namespace medscrape


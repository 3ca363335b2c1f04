// End-to-end fault tests of the crawl engine (docs/reliability.md N8-N10, H2, H4): an
// in-process Crawler with the real curl fetcher against tests/http_test_server.py,
// asserting what the server's request log and the job's SQLite state show.
// Timing is not asserted here: the engine's spacing, backoff, Retry-After and
// robots.txt decisions are proved exactly on a fake fetcher and clock in
// crawl_engine_logic_test.cc; these prove the engine applies them on the wire.
//
// Already covered by crawl_engine_test.cc and not repeated here: the 50-hop redirect
// chain (6 requests, failed:too_many_redirects), redirects to an out-of-scope host and to
// 169.254.169.254 (skipped:redirect_out_of_scope, never requested), 429 with a valid
// Retry-After, 503 twice then success, and --delay spacing with AutoThrottle off.

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
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
using testing::Job;
using testing::kFixtureSite;
using testing::Reasons;
using testing::Requests;
using testing::ServerProcess;
using testing::TempDir;
using testing::TestServer;
using testing::Urls;

// ----------------------------------------------------------------------------- N8

TEST_CASE(
    "engine faults: a host failing everything trips its breaker while another host "
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
  CHECK(stats["job"]["hosts"][dead_host] == Json{{"failed", kDeadUrls}});
  CHECK(stats["job"]["hosts"][good_host] == Json{{"done", 40}});
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
  const std::string origin_latency = target_robots_known ? "1.2" : "0";
  const std::string target_latency = target_robots_known ? "0" : "1.5";
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
                      d + "/ca.key -set_serial 2 -days 2 -extfile " + d + "/server.ext -out " + d +
                      "/server.pem" + quiet)
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
  CHECK(tls_paths ==
        std::vector<std::string>{"/ask/11050605.shtml", "/jingxuan/8172215.shtml", "/robots.txt"});
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

// The crawl engine's decisions on a FakeFetcher and a FakeClock: retries and
// their backoff, Retry-After, robots.txt, redirects, the breaker, request
// spacing and crash markers, with no libcurl, no sockets and no sleeping. Time
// is the fake clock's, so every spacing is asserted exactly (or within the
// documented jitter range), with no tolerance for a loaded machine. The
// real-server tests (crawl_engine_test.cc, crawl_engine_faults_test.cc) stay
// for the real fetcher and end to end.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "crawl_test_util.h"

namespace medscrape {
namespace {

using testing::FakeFetcher;
using testing::HttpReply;
using testing::Job;
using testing::kFixtureSite;
using testing::Reasons;
using Reply = FakeFetcher::Reply;

constexpr int64_t kUnixStart = 1'700'000'000'000;  // 2023-11-14T22:13:20Z.

// "/a/b?x" of "http://host:1/a/b?x".
std::string PathOf(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t slash = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? "/" : url.substr(slash);
}

// robots.txt, or a redirect hop of one ("/robots.txtx").
bool IsRobots(const FetchRequest& request) {
  return PathOf(request.url).rfind("/robots.txt", 0) == 0;
}

// The fixture mirror for any host: its files with 200, anything else 404, each
// answered after `after_ms`.
Reply Mirror(const FetchRequest& request, int64_t after_ms = 10) {
  std::string path = PathOf(request.url);
  path = path.substr(0, path.find('?'));
  std::ifstream in(std::string(kFixtureSite) + path, std::ios::binary);
  if (!in || path.back() == '/') return Reply{HttpReply(404), after_ms};
  std::ostringstream body;
  body << in.rdbuf();
  const bool text = path == "/robots.txt";
  return Reply{HttpReply(200, body.str(), text ? "text/plain" : "text/html; charset=utf-8"),
               after_ms};
}

Reply Robots(const std::string& text, int64_t after_ms = 5) {
  return Reply{HttpReply(200, text, "text/plain"), after_ms};
}

Reply Redirect(int status, const std::string& location) {
  FetchResponse response = HttpReply(status);
  response.location = location;
  return Reply{response, 0};
}

Reply RateLimited(int status, const std::string& retry_after) {
  FetchResponse response = HttpReply(status);
  response.retry_after = retry_after;
  return Reply{response, 0};
}

Reply Failed(FetchError error) {
  FetchResponse response;
  response.error = error;
  response.retryable = IsRetryable(error, 0);
  return Reply{response, 0};
}

// The fake times (ms) at which requests whose path starts with `prefix` started.
std::vector<int64_t> Starts(const FakeFetcher& fetcher, const std::string& prefix) {
  std::vector<int64_t> starts;
  for (const FakeFetcher::Seen& seen : fetcher.seen()) {
    if (PathOf(seen.request.url).rfind(prefix, 0) == 0) starts.push_back(seen.at_ms);
  }
  return starts;
}

// Pages, hubs and fault URLs: every request but robots.txt.
std::vector<int64_t> PageStarts(const FakeFetcher& fetcher) {
  std::vector<int64_t> starts;
  for (const FakeFetcher::Seen& seen : fetcher.seen()) {
    if (!IsRobots(seen.request)) starts.push_back(seen.at_ms);
  }
  return starts;
}

std::vector<int64_t> Gaps(const std::vector<int64_t>& starts) {
  std::vector<int64_t> gaps;
  for (size_t i = 1; i < starts.size(); ++i) gaps.push_back(starts[i] - starts[i - 1]);
  return gaps;
}

std::string Describe(const std::vector<int64_t>& values) {
  std::string text;
  for (int64_t value : values) text += std::to_string(value) + " ";
  return text;
}

// Each retry n waits backoff_base * 2^(n-1) (capped) times a jitter in [0.5, 1.5).
void CheckBackoff(const std::vector<int64_t>& gaps, double base_s, double max_s) {
  INFO("gaps " << Describe(gaps));
  for (size_t n = 1; n <= gaps.size(); ++n) {
    const double backoff_ms = std::min(max_s, base_s * static_cast<double>(1 << (n - 1))) * 1000;
    CHECK(gaps[n - 1] >= static_cast<int64_t>(0.5 * backoff_ms));
    CHECK(gaps[n - 1] < static_cast<int64_t>(1.5 * backoff_ms));
  }
}

// A job of fake hosts on the fake clock. It fetches the seeds only (max_depth
// 0) unless a seed is a hub (the mirror's pages link to each other).
struct FakeJob {
  FakeClock clock{kUnixStart};
  FakeFetcher fetcher;
  Job job;

  FakeJob(std::vector<std::string> seeds, FakeFetcher::Handler handler)
      : fetcher(clock, std::move(handler)), job(std::move(seeds)) {
    const bool hub = std::any_of(
        job.options.seeds.begin(), job.options.seeds.end(),
        [](const std::string& seed) { return seed.find("/index.shtml") != std::string::npos; });
    if (!hub) job.options.max_depth = 0;
  }
  CrawlSummary Run() { return job.Run(fetcher, clock); }
};

const char kHub[] = "http://fake.example/jingxuan/index.shtml";

// --------------------------------------------------------------------------- spacing

TEST_CASE("engine logic: robots.txt Crawl-delay spaces requests even with delay 0",
          "[engine][logic][politeness]") {
  FakeJob run({kHub}, [](const FetchRequest& request) {
    return IsRobots(request) ? Robots("User-agent: *\nCrawl-delay: 1\n") : Mirror(request);
  });
  run.job.options.max_pages = 2;
  CHECK(run.Run().records == 2);
  const std::vector<int64_t> robots = Starts(run.fetcher, "/robots.txt");
  const std::vector<int64_t> pages = PageStarts(run.fetcher);
  REQUIRE(robots.size() == 1);
  REQUIRE(pages.size() == 3);  // The hub and two pages.
  // The delay is learnt from robots.txt: the hub goes out as soon as it has
  // answered (5 ms, delay 0)...
  CHECK(pages[0] - robots[0] == 5);
  // ...then every request to the host waits exactly the Crawl-delay.
  CHECK(Gaps(pages) == std::vector<int64_t>{1000, 1000});
}

TEST_CASE("engine logic: a Crawl-delay of 1000 s is capped", "[engine][logic][politeness]") {
  FakeJob run({kHub}, [](const FetchRequest& request) {
    return IsRobots(request) ? Robots("User-agent: *\nCrawl-delay: 1000\n") : Mirror(request);
  });
  run.job.options.max_pages = 2;
  SECTION("by PolitenessOptions::max_crawl_delay_s") {
    run.job.options.politeness.max_crawl_delay_s = 1.2;
    CHECK(run.Run().records == 2);
    CHECK(Gaps(PageStarts(run.fetcher)) == std::vector<int64_t>{1200, 1200});
  }
  SECTION("by the default cap of 30 s") {
    REQUIRE(PolitenessOptions{}.max_crawl_delay_s == 30);
    CHECK(run.Run().records == 2);
    CHECK(Gaps(PageStarts(run.fetcher)) == std::vector<int64_t>{30000, 30000});
  }
}

TEST_CASE("engine logic: --delay spaces requests to one host", "[engine][logic][politeness]") {
  FakeJob run({kHub}, [](const FetchRequest& request) { return Mirror(request, 5); });
  run.job.options.politeness.per_host = 1;
  run.job.options.politeness.delay_s = 0.3;
  run.job.options.max_pages = 4;
  CHECK(run.Run().records == 4);
  // robots.txt, the hub and four pages, each start 300 ms after the one before.
  CHECK(Gaps(Starts(run.fetcher, "/")) == std::vector<int64_t>(5, 300));
}

TEST_CASE("engine logic: AutoThrottle spaces requests to a slow server by its latency",
          "[engine][logic][politeness]") {
  // Every page takes 1 s. With per_host 2 the AutoThrottle target is latency /
  // per_host = 0.5 s, far above --delay 0.05.
  FakeJob run({kHub}, [](const FetchRequest& request) {
    return IsRobots(request) ? Mirror(request, 5) : Mirror(request, 1000);
  });
  run.job.options.politeness.per_host = 2;
  run.job.options.politeness.delay_s = 0.05;
  run.job.options.max_pages = 3;
  SECTION("on") {
    run.job.options.politeness.auto_throttle = true;
    CHECK(run.Run().records == 3);
    const std::vector<int64_t> gaps = Gaps(PageStarts(run.fetcher));
    INFO("gaps " << Describe(gaps));
    REQUIRE(gaps.size() == 3);  // The hub and three pages.
    CHECK(gaps[0] == 1000);     // The pages are known once the hub has answered.
    // Spread at the delay AutoThrottle learnt from the hub's 1 s, never a burst: a
    // latency above the delay raises it to the target at once.
    CHECK(gaps[1] == 500);
    CHECK(gaps[2] == 500);
  }
  SECTION("off") {
    run.job.options.politeness.auto_throttle = false;
    CHECK(run.Run().records == 3);
    // Two pages go out 50 ms apart (per_host 2, --delay 0.05); the third when a
    // slot frees, 1 s after the first.
    CHECK(Gaps(PageStarts(run.fetcher)) == std::vector<int64_t>{1000, 50, 950});
  }
}

TEST_CASE("engine logic: AutoThrottle keeps --delay against a fast server",
          "[engine][logic][politeness]") {
  FakeJob run({kHub}, [](const FetchRequest& request) { return Mirror(request, 5); });
  run.job.options.politeness.per_host = 1;
  run.job.options.politeness.delay_s = 0.25;
  run.job.options.politeness.auto_throttle = true;
  run.job.options.max_pages = 3;
  CHECK(run.Run().records == 3);
  // robots.txt, the hub, three pages: never closer than --delay.
  CHECK(Gaps(Starts(run.fetcher, "/")) == std::vector<int64_t>(4, 250));
}

TEST_CASE("engine logic: waiting out a Crawl-delay wakes the loop only when a host is due",
          "[engine][logic][politeness]") {
  // 2000 URLs of one host and Crawl-delay 2, on a fake clock and fetcher: after each
  // request the engine has nothing to do for 2 s and must sleep until then, not wake
  // every 1 ms (as it once did) to look for work. Counting wake-ups on a fake clock
  // makes the verdict the same on any machine, sanitizers or not.
  FakeClock clock(1'700'000'000'000);
  FakeFetcher fetcher(clock, [](const FetchRequest& request) {
    if (request.url.find("/robots.txt") != std::string::npos) {
      return FakeFetcher::Reply{HttpReply(200, "User-agent: *\nCrawl-delay: 2\n", "text/plain"), 5};
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

// --------------------------------------------------------------------------- retries

TEST_CASE("engine logic: retries of a failing URL back off exponentially, then fail",
          "[engine][logic][N8]") {
  FakeJob run({"http://fake.example/always-500"}, [](const FetchRequest& request) {
    return IsRobots(request) ? Reply{HttpReply(404), 0} : Reply{HttpReply(500), 0};
  });
  run.job.options.politeness.max_retries = 3;
  run.job.options.politeness.backoff_base_s = 0.2;
  run.job.options.politeness.backoff_max_s = 5;
  run.job.options.politeness.breaker_failures = 10;  // Out of the way.
  const CrawlSummary summary = run.Run();
  CHECK(summary.by_reason == Reasons{{"failed:http_500", 1}});
  const std::vector<int64_t> starts = Starts(run.fetcher, "/always-500");
  REQUIRE(starts.size() == 4);  // 1 + max_retries.
  CheckBackoff(Gaps(starts), 0.2, 5);
  const std::vector<UrlEntry> state = run.job.State();
  REQUIRE(state.size() == 1);
  CHECK(state[0].state == "failed");
  CHECK(state[0].reason == "http_500");
  CHECK(state[0].last_status == 500);
  CHECK(state[0].attempts == 3);
}

TEST_CASE("engine logic: transport errors are retried or not as the fetcher says",
          "[engine][logic][N8]") {
  const FetchError error =
      GENERATE(FetchError::kTimeout, FetchError::kReset, FetchError::kProtocol, FetchError::kDns,
               FetchError::kTls, FetchError::kTooLarge, FetchError::kBlockedAddress);
  FakeJob run({"http://fake.example/page"}, [error](const FetchRequest& request) {
    return IsRobots(request) ? Reply{HttpReply(404), 0} : Failed(error);
  });
  run.job.options.politeness.max_retries = 2;
  const CrawlSummary summary = run.Run();
  const std::string reason = FetchErrorName(error);
  INFO(reason);
  CHECK(summary.by_reason == Reasons{{"failed:" + reason, 1}});
  const size_t requests = IsRetryable(error, 0) ? 3 : 1;
  CHECK(Starts(run.fetcher, "/page").size() == requests);
}

TEST_CASE("engine logic: 503 twice then success is retried and recorded", "[engine][logic]") {
  int calls = 0;
  FakeJob run({"http://fake.example/jingxuan/8172215.shtml"}, [&](const FetchRequest& request) {
    if (IsRobots(request)) return Reply{HttpReply(404), 0};
    return ++calls <= 2 ? Reply{HttpReply(503), 0} : Mirror(request);
  });
  const CrawlSummary summary = run.Run();
  CHECK(summary.records == 1);
  CHECK(summary.failed == 0);
  CHECK(calls == 3);
  CheckBackoff(Gaps(PageStarts(run.fetcher)), 0.05, 0.2);
  const std::vector<UrlEntry> state = run.job.State();
  REQUIRE(state.size() == 1);
  CHECK(state[0].attempts == 2);
  CHECK(run.job.Records().at(0)["http"]["status"] == 200);
}

// --------------------------------------------------------------------------- Retry-After

TEST_CASE("engine logic: Retry-After postpones a URL without using its retries",
          "[engine][logic][N7]") {
  int calls = 0;
  const std::string page = "http://fake.example/jingxuan/8172215.shtml";
  std::string retry_after;
  int status = 429;
  FakeJob run({page}, [&](const FetchRequest& request) {
    if (IsRobots(request)) return Reply{HttpReply(404), 0};
    return ++calls <= 2 ? RateLimited(status, retry_after) : Mirror(request);
  });
  run.job.options.politeness.max_retries = 0;  // A counted attempt would fail the URL.
  run.job.options.politeness.backoff_base_s = 0.1;
  run.job.options.politeness.backoff_max_s = 1;

  SECTION("429 with seconds: exactly that long") {
    retry_after = "2";
    CHECK(run.Run().records == 1);
    CHECK(Gaps(PageStarts(run.fetcher)) == std::vector<int64_t>{2000, 2000});
  }
  SECTION("503 with an HTTP date: until then, on the wall clock") {
    status = 503;
    retry_after = "Tue, 14 Nov 2023 22:13:27 GMT";  // kUnixStart + 7 s.
    CHECK(run.Run().records == 1);
    const std::vector<int64_t> starts = PageStarts(run.fetcher);
    REQUIRE(starts.size() == 3);
    CHECK(starts[1] - FakeClock::kStartMs == 7000);
    CHECK(starts[2] == starts[1]);  // The same date again is now: no wait.
  }
  SECTION("503 with a malformed value: the retry backoff, still not counted") {
    status = 503;
    retry_after = GENERATE(std::string("soon"), std::string("soon, maybe?"));
    CHECK(run.Run().records == 1);
    CheckBackoff(Gaps(PageStarts(run.fetcher)), 0.1, 1);
  }
  SECTION("a huge value: capped at max_pause_s") {
    retry_after = "99999";
    run.job.options.politeness.max_pause_s = 0.5;
    CHECK(run.Run().records == 1);
    CHECK(Gaps(PageStarts(run.fetcher)) == std::vector<int64_t>{500, 500});
  }
  CHECK(calls == 3);
  const std::vector<UrlEntry> state = run.job.State();
  REQUIRE(state.size() == 1);
  CHECK(state[0].state == "done");
  CHECK(state[0].attempts == 0);
  CHECK(state[0].last_status == 200);
}

TEST_CASE("engine logic: a 503 without Retry-After uses the retry budget", "[engine][logic][N7]") {
  FakeJob run({"http://fake.example/page"}, [](const FetchRequest& request) {
    return IsRobots(request) ? Reply{HttpReply(404), 0} : Reply{HttpReply(503), 0};
  });
  run.job.options.politeness.max_retries = 0;
  CHECK(run.Run().by_reason == Reasons{{"failed:http_503", 1}});
  CHECK(Starts(run.fetcher, "/page").size() == 1);
}

TEST_CASE("engine logic: a URL postponed more than max_postpones times fails rate_limited",
          "[engine][logic][N7]") {
  FakeJob run({"http://fake.example/page"}, [](const FetchRequest& request) {
    return IsRobots(request) ? Reply{HttpReply(404), 0} : RateLimited(503, "soon");
  });
  run.job.options.politeness.max_postpones = 3;
  CHECK(run.Run().by_reason == Reasons{{"failed:rate_limited", 1}});
  CHECK(Starts(run.fetcher, "/page").size() == 4);
}

TEST_CASE("engine logic: a host that keeps rate-limiting is paused, not declared dead",
          "[engine][logic][N7][N8]") {
  // Ten 429s: more than breaker_failures (5) in a row, fewer than max_postpones (20).
  int calls = 0;
  FakeJob run({"http://fake.example/jingxuan/8172215.shtml"}, [&](const FetchRequest& request) {
    if (IsRobots(request)) return Reply{HttpReply(404), 0};
    return ++calls <= 10 ? RateLimited(429, "1") : Mirror(request);
  });
  run.job.options.politeness.max_retries = 0;
  CHECK(run.Run().records == 1);
  CHECK(calls == 11);
  CHECK(Gaps(PageStarts(run.fetcher)) == std::vector<int64_t>(10, 1000));
}

// --------------------------------------------------------------------------- breaker

TEST_CASE("engine logic: a host failing everything trips its breaker while another completes",
          "[engine][logic][N8]") {
  constexpr int kDeadUrls = 6;
  std::vector<std::string> seeds;
  for (int i = 0; i < kDeadUrls; ++i) {
    seeds.push_back("http://dead.example/always-500?u=" + std::to_string(i));
  }
  seeds.push_back("http://good.example/jingxuan/index.shtml");
  FakeJob run(seeds, [](const FetchRequest& request) {
    if (request.url.rfind("http://dead.example/always-500", 0) == 0) {
      return Reply{HttpReply(500), 0};
    }
    return Mirror(request, 0);
  });
  run.job.options.politeness.per_host = 1;
  run.job.options.politeness.max_retries = 2;
  run.job.options.politeness.breaker_failures = 3;
  run.job.options.politeness.breaker_cooldown_s = 0.4;
  run.job.options.politeness.breaker_max_opens = 2;
  const CrawlSummary summary = run.Run();

  // Three failures open the breaker; after the cooldown one probe fails and opens
  // it a second time, which is breaker_max_opens: the host is dead. Without the
  // breaker it would have had kDeadUrls * (1 + max_retries) = 18 requests.
  const std::vector<int64_t> failing = Starts(run.fetcher, "/always-500");
  REQUIRE(failing.size() == 4);
  CHECK(failing[3] - failing[2] == 400);
  CHECK(summary.by_reason == Reasons{{"failed:host_unavailable", kDeadUrls}});
  for (const UrlEntry& row : run.job.State()) {
    if (row.host != "dead.example") continue;
    CHECK(row.reason == "host_unavailable");
    CHECK(row.attempts <= 2);  // The retry budget was not what ended it.
  }
  // The other host's crawl is complete: 3 hubs and 37 pages.
  CHECK(summary.records == 37);
  CHECK(summary.done == 40);
  CHECK(summary.pending == 0);
}

// --------------------------------------------------------------------------- robots.txt

TEST_CASE("engine logic: robots.txt decides what is fetched", "[engine][logic][robots]") {
  std::function<Reply(const FetchRequest&)> robots;
  FakeJob run({"http://fake.example/jingxuan/8172215.shtml", "http://fake.example/private/x"},
              [&](const FetchRequest& request) {
                return IsRobots(request) ? robots(request) : Mirror(request, 0);
              });
  SECTION("its rules: a disallowed URL is skipped and never requested") {
    robots = [](const FetchRequest&) { return Robots("User-agent: *\nDisallow: /private/\n"); };
    const CrawlSummary summary = run.Run();
    CHECK(summary.records == 1);
    CHECK(summary.by_reason == Reasons{{"skipped:robots", 1}});
    CHECK(Starts(run.fetcher, "/private/").empty());
  }
  SECTION("a 404: everything is allowed") {
    robots = [](const FetchRequest&) { return Reply{HttpReply(404), 0}; };
    const CrawlSummary summary = run.Run();
    CHECK(summary.by_reason == Reasons{{"failed:http_404", 1}});  // /private/x, fetched.
    CHECK(Starts(run.fetcher, "/private/").size() == 1);
  }
  SECTION("more than 5 redirects: unavailable, so everything is allowed") {
    robots = [](const FetchRequest& request) { return Redirect(302, PathOf(request.url) + "x"); };
    run.Run();
    CHECK(Starts(run.fetcher, "/robots.txt").size() == 6);  // The first and 5 hops.
    CHECK(Starts(run.fetcher, "/private/").size() == 1);
  }
  SECTION("a 503: retried every 30 s, then the host is disallowed for the run") {
    robots = [](const FetchRequest&) { return Reply{HttpReply(503), 0}; };
    const CrawlSummary summary = run.Run();
    CHECK(Starts(run.fetcher, "/robots.txt") == std::vector<int64_t>{FakeClock::kStartMs,
                                                                     FakeClock::kStartMs + 30000,
                                                                     FakeClock::kStartMs + 60000});
    CHECK(PageStarts(run.fetcher).empty());
    CHECK(summary.by_reason == Reasons{{"skipped:robots", 2}});
  }
  SECTION("a host that cannot be reached: the URL that asked fails with the reason") {
    robots = [](const FetchRequest&) { return Failed(FetchError::kDns); };
    const CrawlSummary summary = run.Run();
    CHECK(summary.by_reason == Reasons{{"failed:dns", 2}});
    CHECK(PageStarts(run.fetcher).empty());
    CHECK(Starts(run.fetcher, "/robots.txt").size() == 2);  // Each URL asked once.
  }
}

// --------------------------------------------------------------------------- redirects

TEST_CASE("engine logic: redirects are followed through every check", "[engine][logic][N9]") {
  const std::string target = "http://fake.example/jingxuan/8172215.shtml";
  std::map<std::string, Reply> redirects;
  // The seed has a page's shape: the URL it redirects to is a page too.
  FakeJob run({"http://fake.example/jingxuan/1.shtml"}, [&](const FetchRequest& request) {
    if (IsRobots(request)) return Robots("User-agent: *\nDisallow: /private/\n", 0);
    auto it = redirects.find(PathOf(request.url));
    return it != redirects.end() ? it->second : Mirror(request, 0);
  });
  SECTION("a chain of exactly 5 hops is followed to its end; the page is recorded once") {
    for (int i = 0; i < 4; ++i) {
      redirects["/" + std::string(i == 0 ? "jingxuan/1.shtml" : "hop" + std::to_string(i))] =
          Redirect(301, "/hop" + std::to_string(i + 1));
    }
    redirects["/hop4"] = Redirect(302, target);
    const CrawlSummary summary = run.Run();
    INFO(testing::Describe(summary.by_reason));
    CHECK(summary.records == 1);
    CHECK(summary.fetched == 1);  // One fetch per URL recorded, however many hops.
    CHECK(run.job.Records().at(0)["url"] == target);
    CHECK(summary.by_reason == Reasons{{"skipped:redirected", 5}});
  }
  SECTION("a chain of 6 hops is not") {
    for (int i = 0; i < 6; ++i) {
      redirects["/" + std::string(i == 0 ? "jingxuan/1.shtml" : "hop" + std::to_string(i))] =
          Redirect(301, "/hop" + std::to_string(i + 1));
    }
    const CrawlSummary summary = run.Run();
    CHECK(summary.by_reason ==
          Reasons{{"failed:too_many_redirects", 1}, {"skipped:redirected", 5}});
    CHECK(Starts(run.fetcher, "/hop6").empty());
  }
  SECTION("a URL redirecting to itself stops after 5 hops") {
    redirects["/jingxuan/1.shtml"] = Redirect(307, "/jingxuan/1.shtml");
    CHECK(run.Run().by_reason == Reasons{{"failed:too_many_redirects", 1}});
    CHECK(Starts(run.fetcher, "/jingxuan/1.shtml").size() == 6);
  }
  SECTION("to another host: skipped, never requested") {
    redirects["/jingxuan/1.shtml"] =
        Redirect(301, "http://elsewhere.example/jingxuan/8172215.shtml");
    CHECK(run.Run().by_reason == Reasons{{"skipped:redirect_out_of_scope", 1}});
    CHECK(run.fetcher.seen().size() == 2);  // robots.txt and the seed.
  }
  SECTION("to a path robots.txt disallows: skipped, never requested") {
    redirects["/jingxuan/1.shtml"] = Redirect(301, "/private/page");
    CHECK(run.Run().by_reason == Reasons{{"skipped:robots", 1}});
    CHECK(Starts(run.fetcher, "/private/").empty());
  }
  SECTION("to another scheme: skipped; to no URL at all: bad_url") {
    const bool ftp = GENERATE(true, false);
    redirects["/jingxuan/1.shtml"] = Redirect(302, ftp ? "ftp://fake.example/file" : "http://[bad");
    CHECK(run.Run().by_reason ==
          Reasons{{ftp ? "skipped:redirect_not_http" : "failed:bad_url", 1}});
  }
  SECTION("onto a URL the job already knows: no second record") {
    run.job.options.seeds.push_back(target);
    redirects["/jingxuan/1.shtml"] = Redirect(301, target);
    const CrawlSummary summary = run.Run();
    CHECK(summary.records == 1);
    CHECK(run.job.Records().size() == 1);
    CHECK(Starts(run.fetcher, "/jingxuan/8172215.shtml").size() == 1);
  }
}

// --------------------------------------------------------------------------- crash markers

// Leaves `url` in the job as a pending page marked processing `crashes` times in a
// row, as runs that died while parsing it would.
void CrashOn(const Job& job, const std::string& url, int crashes) {
  for (int i = 0; i < crashes; ++i) {
    Result<std::unique_ptr<StateStore>> store = OpenStateStore(job.options.state_path, false);
    REQUIRE(store.ok());
    REQUIRE(store.value()->AddUrls({NewUrl{url, "fake.example", "page", 0, 0}}).ok());
    Result<std::optional<UrlEntry>> row = store.value()->Find(url);
    REQUIRE(row.ok());
    REQUIRE(row.value().has_value());
    REQUIRE(store.value()->SetProcessing(row.value()->id, true).ok());
  }
}

TEST_CASE("engine logic: a page that crashed a run is retried once, then fails crashed",
          "[engine][logic][P5]") {
  const std::string page = "http://fake.example/jingxuan/8172215.shtml";
  FakeJob run({page}, [](const FetchRequest& request) { return Mirror(request, 0); });
  SECTION("one crash: fetched and recorded again") {
    CrashOn(run.job, page, 1);
    const CrawlSummary summary = run.Run();
    CHECK(summary.records == 1);
    const std::vector<UrlEntry> state = run.job.State();
    REQUIRE(state.size() == 1);
    CHECK(state[0].state == "done");
    CHECK(state[0].crashes == 1);
  }
  SECTION("two crashes: failed:crashed, never fetched again") {
    CrashOn(run.job, page, StateStore::kMaxCrashes);
    const CrawlSummary summary = run.Run();
    CHECK(summary.records == 0);
    CHECK(summary.by_reason == Reasons{{"failed:crashed", 1}});
    CHECK(PageStarts(run.fetcher).empty());
  }
}

TEST_CASE("engine logic: a clean run leaves no crash marker behind", "[engine][logic][P5]") {
  FakeJob run({kHub}, [](const FetchRequest& request) { return Mirror(request, 0); });
  run.job.options.max_pages = 5;  // Stops with extractions out: committed or dropped.
  run.job.options.extract_threads = 2;
  CHECK(run.Run().records == 5);
  // Opening the job again recovers crashes: a marker left set would count one.
  for (const UrlEntry& row : run.job.State()) CHECK(row.crashes == 0);
}

TEST_CASE("engine logic: a suspect page is extracted last, alone", "[engine][logic][P5]") {
  const std::string suspect = "http://fake.example/jingxuan/8172215.shtml";
  FakeJob run({suspect, "http://fake.example/jingxuan/8177822.shtml",
               "http://fake.example/jingxuan/8263960.shtml"},
              [](const FetchRequest& request) { return Mirror(request, 0); });
  CrashOn(run.job, suspect, 1);
  run.job.options.extract_threads = 2;
  const CrawlSummary summary = run.Run();
  INFO(testing::Describe(summary.by_reason));
  CHECK(summary.records == 3);
  const std::vector<Json> records = run.job.Records();
  REQUIRE(records.size() == 3);
  CHECK(records.back()["url"] == suspect);
}

}  // namespace
}  // namespace medscrape

// Per-host politeness (delay, Crawl-delay, AutoThrottle, per-host concurrency, Retry-After
// pauses, backoff, circuit breaker) and Retry-After parsing, all on a FakeClock: nothing
// here sleeps.
#include <algorithm>
#include <catch2/catch.hpp>
#include <climits>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "crawl/clock.h"
#include "crawl/politeness.h"
#include "crawl/retry_after.h"

namespace medscrape {
namespace {

constexpr int64_t kUnix2023 = 1'700'000'000'000;  // 2023-11-14T22:13:20Z

// Waits (on the fake clock) until `host` may start, then runs one request of `latency_s`.
void RunRequest(HostScheduler& scheduler, FakeClock& clock, const std::string& host,
                double latency_s, bool success) {
  clock.AdvanceMs(scheduler.ReadyAtMs(host) - clock.NowMs());
  REQUIRE(scheduler.CanStart(host));
  scheduler.OnStart(host);
  clock.AdvanceMs(std::llround(latency_s * 1000));
  scheduler.OnFinish(host, latency_s, success);
}

TEST_CASE("politeness: requests to one host are spaced by the delay", "[politeness]") {
  FakeClock clock(kUnix2023);
  HostScheduler scheduler(PolitenessOptions{}, clock, 1);
  const int64_t t0 = clock.NowMs();
  CHECK(scheduler.CanStart("a"));
  CHECK(scheduler.ReadyAtMs("a") == t0);
  scheduler.OnStart("a");
  CHECK(scheduler.InFlight("a") == 1);
  CHECK_FALSE(scheduler.CanStart("a"));  // per_host 1.
  clock.AdvanceMs(200);
  scheduler.OnFinish("a", 0.2, true);
  CHECK(scheduler.InFlight("a") == 0);
  CHECK(scheduler.CurrentDelay("a") == 1.0);
  CHECK(scheduler.ReadyAtMs("a") == t0 + 1000);
  clock.AdvanceMs(799);
  CHECK_FALSE(scheduler.CanStart("a"));
  CHECK(scheduler.CanStart("b"));  // Hosts are independent.
  clock.AdvanceMs(1);
  CHECK(scheduler.CanStart("a"));
}

TEST_CASE("politeness: delay 0 waits only for the slot", "[politeness]") {
  FakeClock clock(kUnix2023);
  PolitenessOptions options;
  options.delay_s = 0;
  HostScheduler scheduler(options, clock, 1);
  scheduler.OnStart("a");
  CHECK_FALSE(scheduler.CanStart("a"));
  scheduler.OnFinish("a", 0, true);
  CHECK(scheduler.CanStart("a"));
  CHECK(scheduler.CurrentDelay("a") == 0.0);
  CHECK(scheduler.ReadyAtMs("a") == clock.NowMs());
}

TEST_CASE("politeness: per_host 2 allows two in flight, still spaced", "[politeness]") {
  FakeClock clock(kUnix2023);
  PolitenessOptions options;
  options.per_host = 2;
  HostScheduler scheduler(options, clock, 1);
  scheduler.OnStart("a");
  CHECK_FALSE(scheduler.CanStart("a"));  // A slot is free, but the delay has not passed.
  clock.AdvanceMs(1000);
  REQUIRE(scheduler.CanStart("a"));
  scheduler.OnStart("a");
  CHECK(scheduler.InFlight("a") == 2);
  clock.AdvanceMs(5000);
  CHECK_FALSE(scheduler.CanStart("a"));  // Both slots taken.
  scheduler.OnFinish("a", 6, true);
  CHECK(scheduler.CanStart("a"));
}

TEST_CASE("politeness: Crawl-delay raises the delay and is capped", "[politeness]") {
  FakeClock clock(kUnix2023);
  HostScheduler scheduler(PolitenessOptions{}, clock, 1);
  scheduler.SetCrawlDelay("a", 5);
  CHECK(scheduler.CurrentDelay("a") == 5.0);
  CHECK(scheduler.CurrentDelay("b") == 1.0);
  const int64_t t0 = clock.NowMs();
  RunRequest(scheduler, clock, "a", 0.1, true);
  CHECK(scheduler.ReadyAtMs("a") == t0 + 5000);
  scheduler.SetCrawlDelay("a", 1e6);
  CHECK(scheduler.CurrentDelay("a") == 30.0);  // max_crawl_delay_s.
  scheduler.SetCrawlDelay("a", 0.2);
  CHECK(scheduler.CurrentDelay("a") == 1.0);  // Never below delay_s.
  scheduler.SetCrawlDelay("a", -3);
  CHECK(scheduler.CurrentDelay("a") == 1.0);
  scheduler.SetCrawlDelay("a", std::nan(""));
  CHECK(scheduler.CurrentDelay("a") == 1.0);
}

TEST_CASE("politeness: AutoThrottle follows latency within [delay_s, max_delay_s]",
          "[politeness]") {
  FakeClock clock(kUnix2023);
  HostScheduler scheduler(PolitenessOptions{}, clock, 1);
  RunRequest(scheduler, clock, "a", 4, true);
  CHECK(scheduler.CurrentDelay("a") == Approx(4.0));  // Up to the latency at once.
  CHECK(scheduler.CurrentDelay("b") == 1.0);
  RunRequest(scheduler, clock, "a", 0.1, false);  // A fast error does not lower it.
  CHECK(scheduler.CurrentDelay("a") == Approx(4.0));
  RunRequest(scheduler, clock, "a", 0.1, true);  // Down halfway per fast response.
  CHECK(scheduler.CurrentDelay("a") == Approx(2.05));
  RunRequest(scheduler, clock, "a", 0.1, true);
  CHECK(scheduler.CurrentDelay("a") == Approx(1.075));
  for (int i = 0; i < 5; ++i) RunRequest(scheduler, clock, "a", 0.1, true);
  CHECK(scheduler.CurrentDelay("a") == 1.0);     // Never below delay_s.
  RunRequest(scheduler, clock, "a", 10, false);  // A slow failure (timeout) raises it.
  CHECK(scheduler.CurrentDelay("a") == Approx(10.0));
  RunRequest(scheduler, clock, "a", 500, true);
  CHECK(scheduler.CurrentDelay("a") == 60.0);  // max_delay_s.
}

TEST_CASE("politeness: AutoThrottle targets latency / per_host, and can be off", "[politeness]") {
  FakeClock clock(kUnix2023);
  PolitenessOptions options;
  options.per_host = 2;
  HostScheduler two(options, clock, 1);
  RunRequest(two, clock, "a", 4, true);
  CHECK(two.CurrentDelay("a") == Approx(2.0));
  options.auto_throttle = false;
  HostScheduler off(options, clock, 1);
  RunRequest(off, clock, "a", 4, true);
  CHECK(off.CurrentDelay("a") == 1.0);
}

TEST_CASE("politeness: Retry-After pauses only that host, capped", "[politeness]") {
  FakeClock clock(kUnix2023);
  HostScheduler scheduler(PolitenessOptions{}, clock, 1);
  const int64_t t0 = clock.NowMs();
  scheduler.Pause("a", 30);
  CHECK_FALSE(scheduler.CanStart("a"));
  CHECK(scheduler.CanStart("b"));
  CHECK(scheduler.ReadyAtMs("a") == t0 + 30000);
  scheduler.Pause("a", 10);  // A shorter pause does not shorten it.
  scheduler.Pause("a", -1);
  scheduler.Pause("a", std::nan(""));
  CHECK(scheduler.ReadyAtMs("a") == t0 + 30000);
  clock.AdvanceMs(29999);
  CHECK_FALSE(scheduler.CanStart("a"));
  clock.AdvanceMs(1);
  CHECK(scheduler.CanStart("a"));
  scheduler.Pause("a", 1e12);
  CHECK(scheduler.ReadyAtMs("a") == clock.NowMs() + 3600 * 1000);  // max_pause_s.
  scheduler.Pause("b", std::numeric_limits<double>::infinity());
  CHECK(scheduler.ReadyAtMs("b") == clock.NowMs() + 3600 * 1000);
}

TEST_CASE("politeness: backoff doubles, with jitter from 0.5x to 1.5x, capped", "[politeness]") {
  FakeClock clock(kUnix2023);
  HostScheduler scheduler(PolitenessOptions{}, clock, 7);
  for (int attempt = 1; attempt <= 12; ++attempt) {
    const double nominal_ms = std::min(300000.0, 2000.0 * std::ldexp(1.0, attempt - 1));
    const int64_t delay = scheduler.RetryDelayMs(attempt);
    INFO("attempt " << attempt << ": " << delay << " ms");
    CHECK(delay >= nominal_ms * 0.5);
    CHECK(delay < nominal_ms * 1.5);
  }
  for (int attempt : {0, -5, INT_MIN}) {  // Treated as the first retry.
    const int64_t delay = scheduler.RetryDelayMs(attempt);
    CHECK(delay >= 1000);
    CHECK(delay < 3000);
  }
  for (int attempt : {40, 1000, INT_MAX}) {  // Capped, no overflow.
    const int64_t delay = scheduler.RetryDelayMs(attempt);
    CHECK(delay >= 150000);
    CHECK(delay < 450000);
  }
  // The jitter really spreads: 1000 first retries cover most of [1000, 3000) ms.
  int64_t low = INT64_MAX, high = 0, sum = 0;
  for (int i = 0; i < 1000; ++i) {
    const int64_t delay = scheduler.RetryDelayMs(1);
    low = std::min(low, delay), high = std::max(high, delay), sum += delay;
  }
  CHECK(low < 1100);
  CHECK(high > 2900);
  CHECK(sum / 1000 == Approx(2000).margin(100));
}

TEST_CASE("politeness: backoff is deterministic for a seed", "[politeness]") {
  FakeClock clock(kUnix2023);
  HostScheduler a(PolitenessOptions{}, clock, 42), b(PolitenessOptions{}, clock, 42),
      c(PolitenessOptions{}, clock, 43);
  std::vector<int64_t> from_a, from_b, from_c;
  for (int attempt = 1; attempt <= 10; ++attempt) {
    from_a.push_back(a.RetryDelayMs(attempt));
    from_b.push_back(b.RetryDelayMs(attempt));
    from_c.push_back(c.RetryDelayMs(attempt));
  }
  CHECK(from_a == from_b);
  CHECK(from_a != from_c);
}

TEST_CASE("politeness: circuit breaker opens, probes, closes, and gives up", "[politeness]") {
  FakeClock clock(kUnix2023);
  PolitenessOptions options;
  options.delay_s = 0;
  options.per_host = 2;
  HostScheduler scheduler(options, clock, 1);
  for (int i = 0; i < 4; ++i) RunRequest(scheduler, clock, "a", 0, false);
  RunRequest(scheduler, clock, "a", 0, true);  // A success resets the count.
  for (int i = 0; i < 4; ++i) RunRequest(scheduler, clock, "a", 0, false);
  CHECK(scheduler.CanStart("a"));
  RunRequest(scheduler, clock, "a", 0, false);  // Fifth in a row: open.
  CHECK_FALSE(scheduler.CanStart("a"));
  CHECK(scheduler.CanStart("b"));
  CHECK_FALSE(scheduler.HostDead("a"));
  CHECK(scheduler.ReadyAtMs("a") == clock.NowMs() + 60000);
  clock.AdvanceMs(59999);
  CHECK_FALSE(scheduler.CanStart("a"));
  clock.AdvanceMs(1);
  REQUIRE(scheduler.CanStart("a"));  // Half-open.
  scheduler.OnStart("a");
  CHECK_FALSE(scheduler.CanStart("a"));  // Exactly one probe, although per_host is 2.
  scheduler.OnFinish("a", 0, true);
  CHECK(scheduler.CanStart("a"));  // Closed.
  scheduler.OnStart("a");
  CHECK(scheduler.CanStart("a"));  // Both slots usable again.
  scheduler.OnFinish("a", 0, true);

  for (int i = 0; i < 5; ++i) RunRequest(scheduler, clock, "a", 0, false);  // Second open.
  CHECK_FALSE(scheduler.CanStart("a"));
  RunRequest(scheduler, clock, "a", 0, false);  // The probe fails: third open, dead.
  CHECK(scheduler.HostDead("a"));
  CHECK(scheduler.ReadyAtMs("a") == HostScheduler::kNever);
  clock.AdvanceMs(1'000'000'000);
  CHECK_FALSE(scheduler.CanStart("a"));
  CHECK(scheduler.CanStart("b"));
  CHECK_FALSE(scheduler.HostDead("b"));
}

TEST_CASE("politeness: the probe waits for requests started before the breaker opened",
          "[politeness]") {
  FakeClock clock(kUnix2023);
  PolitenessOptions options;
  options.delay_s = 0;
  options.per_host = 2;
  options.breaker_failures = 1;
  HostScheduler scheduler(options, clock, 1);
  scheduler.OnStart("a");
  scheduler.OnStart("a");
  scheduler.OnFinish("a", 0, false);  // Opens.
  clock.AdvanceMs(60000);
  CHECK_FALSE(scheduler.CanStart("a"));  // The straggler is still in flight.
  scheduler.OnFinish("a", 0, true);      // Its success does not close the breaker...
  scheduler.OnStart("a");                // ...it just lets the probe start.
  CHECK_FALSE(scheduler.CanStart("a"));
  scheduler.OnFinish("a", 0, false);
  CHECK_FALSE(scheduler.CanStart("a"));  // Re-opened (second time of three).
  CHECK_FALSE(scheduler.HostDead("a"));
  CHECK(scheduler.ReadyAtMs("a") == clock.NowMs() + 60000);
}

// A worker's request to a shared host, as the engine makes it: the host's row adopted
// before the start (the claim) and before the result (UpdateHost), then written back.
void StartShared(HostScheduler& worker, FakeClock& clock, const SharedHostState& row,
                 const std::string& host) {
  worker.Adopt(host, row);
  clock.AdvanceMs(worker.ReadyAtMs(host) - clock.NowMs());
  REQUIRE(worker.CanStart(host));
  worker.OnStart(host);
}
void FinishShared(HostScheduler& worker, SharedHostState& row, const std::string& host,
                  bool success) {
  worker.Adopt(host, row);
  worker.OnFinish(host, 0.5, success);
  row = worker.Shared(host);
}

TEST_CASE("politeness: two workers share one breaker through the host's row", "[politeness]") {
  FakeClock clock(kUnix2023);
  PolitenessOptions options;
  options.delay_s = 0;
  options.per_host = 4;
  HostScheduler a(options, clock, 1), b(options, clock, 2);
  SharedHostState row;
  for (int i = 0; i < 3; ++i) StartShared(a, clock, row, "h");
  for (int i = 0; i < 2; ++i) StartShared(b, clock, row, "h");
  StartShared(b, clock, row, "h");  // B's straggler, started before the breaker opens.
  for (int i = 0; i < 3; ++i) FinishShared(a, row, "h", false);
  CHECK(row.failures == 3);
  FinishShared(b, row, "h", false);
  FinishShared(b, row, "h", false);  // The fifth failure in a row, whoever saw it: open.
  CHECK(row.breaker_open);
  CHECK(row.opens == 1);
  CHECK(row.failures == 0);
  CHECK(row.half_open_at_ms == clock.NowMs() + 60000);
  a.Adopt("h", row);
  CHECK_FALSE(a.CanStart("h"));  // A never saw five failures; the row tells it.
  CHECK(a.ReadyAtMs("h") == clock.NowMs() + 60000);
  CHECK(row.throttle_ms == 125);  // AutoThrottle is shared too: latency 0.5 s / per_host 4.
  CHECK(row.delay_ms == 125);
  FinishShared(b, row, "h", true);  // The straggler's success changes nothing while open.
  CHECK(row.breaker_open);
  CHECK(row.opens == 1);

  clock.AdvanceMs(60000);
  StartShared(a, clock, row, "h");  // A's claim took the one probe (the store allows one).
  FinishShared(a, row, "h", true);
  CHECK_FALSE(row.breaker_open);
  b.Adopt("h", row);
  CHECK(b.CanStart("h"));  // Closed for B as well.

  // Two more opens, one by each worker: the host is dead for both.
  for (int i = 0; i < 5; ++i) {
    StartShared(b, clock, row, "h");
    FinishShared(b, row, "h", false);
  }
  CHECK(row.opens == 2);
  clock.AdvanceMs(60000);
  StartShared(a, clock, row, "h");
  FinishShared(a, row, "h", false);  // The probe fails: third open.
  CHECK(row.opens == 3);
  CHECK(row.dead);
  b.Adopt("h", row);
  CHECK(b.HostDead("h"));
  CHECK_FALSE(b.HostDead("other"));
}

TEST_CASE("politeness: a probe answered 429 or overtaken by another worker's decides nothing",
          "[politeness]") {
  FakeClock clock(kUnix2023);
  PolitenessOptions options;
  options.delay_s = 0;
  options.breaker_failures = 1;
  options.auto_throttle = false;
  HostScheduler a(options, clock, 1), b(options, clock, 2);
  SharedHostState row;
  StartShared(a, clock, row, "h");
  FinishShared(a, row, "h", false);  // Open (first time).
  clock.AdvanceMs(60000);
  StartShared(a, clock, row, "h");  // A's probe...
  a.OnRateLimited("h", 0.1);        // ...is told to come back later.
  a.Pause("h", 5);
  row = a.Shared("h");
  CHECK(row.breaker_open);
  CHECK(row.opens == 1);
  CHECK_FALSE(a.CanStart("h"));  // Paused...
  clock.AdvanceMs(5000);
  CHECK(a.CanStart("h"));  // ...then the next probe may go.

  StartShared(b, clock, row, "h");   // B probes; A's view of that opening is stale.
  StartShared(a, clock, row, "h");   // (A claimed a probe too, say, before B's result.)
  FinishShared(b, row, "h", false);  // B's probe fails: the second opening.
  CHECK(row.opens == 2);
  FinishShared(a, row, "h", false);  // A's probe was of the first opening: no third.
  CHECK(row.opens == 2);
  CHECK_FALSE(row.dead);
}

TEST_CASE("politeness: a shared pause is the longer one, and Save/Restore undo a change",
          "[politeness]") {
  FakeClock clock(kUnix2023);
  PolitenessOptions options;
  options.delay_s = 0;
  HostScheduler a(options, clock, 1), b(options, clock, 2);
  a.Pause("h", 30);
  SharedHostState row = a.Shared("h");
  CHECK(row.paused_until_ms == clock.NowMs() + 30000);
  b.Pause("h", 60);
  b.Adopt("h", row);  // B's own longer pause stays.
  CHECK(b.ReadyAtMs("h") == clock.NowMs() + 60000);
  HostScheduler c(options, clock, 3);
  c.Adopt("h", row);
  CHECK(c.ReadyAtMs("h") == clock.NowMs() + 30000);

  const HostScheduler::HostState saved = c.Save("h");
  c.OnStart("other");
  const HostScheduler::HostState other = c.Save("other");
  c.Restore("h", saved);
  c.Pause("h", 90);
  c.Restore("h", saved);  // A retried transaction starts from what was saved.
  CHECK(c.ReadyAtMs("h") == clock.NowMs() + 30000);
  CHECK(c.Save("other").in_flight == other.in_flight);
}

// Sun, 06 Nov 1994 08:49:37 GMT is 784111777 s; "now" is two minutes earlier.
constexpr int64_t kTwoMinutesBefore = (784111777 - 120) * int64_t{1000};

// The parsed delay of a value that must parse.
double Seconds(std::string_view value, int64_t now_unix_ms) {
  const std::optional<double> seconds = ParseRetryAfter(value, now_unix_ms);
  REQUIRE(seconds.has_value());
  return *seconds;
}

TEST_CASE("retry-after: delta-seconds", "[politeness]") {
  CHECK(Seconds("0", kUnix2023) == 0.0);
  CHECK(Seconds("120", kUnix2023) == 120.0);
  CHECK(Seconds(" 5 ", kUnix2023) == 5.0);
  CHECK(Seconds("\t7\t", kUnix2023) == 7.0);
  CHECK(Seconds("99999999999999999999999999", kUnix2023) == 2147483648.0);
  CHECK(Seconds(std::string(100000, '9'), kUnix2023) == 2147483648.0);
  for (const char* bad : {"-1", "+5", "1.5", "1e3", "abc", "", "   ", "12abc", "1 2", "0x10"}) {
    INFO(bad);
    CHECK_FALSE(ParseRetryAfter(bad, kUnix2023).has_value());
  }
}

TEST_CASE("retry-after: the three HTTP-date forms", "[politeness]") {
  for (const char* date : {"Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
                           "Sun Nov  6 08:49:37 1994", "  Sun, 06 Nov 1994 08:49:37 GMT ",
                           "SUN, 06 NOV 1994 08:49:37 GMT"}) {
    INFO(date);
    CHECK(Seconds(date, kTwoMinutesBefore) == Approx(120.0));
    CHECK(Seconds(date, kUnix2023) == 0.0);  // In the past.
  }
  CHECK(Seconds("Sun, 06 Nov 1994 08:49:37 GMT", kTwoMinutesBefore + 500) == Approx(119.5));
  CHECK(Seconds("Tue, 29 Feb 2000 00:00:00 GMT", 951782400000 - 60000) == Approx(60.0));
  CHECK(Seconds("Sun, 06 Nov 1994 08:49:60 GMT", kTwoMinutesBefore) ==
        Approx(143.0));  // Leap second.
  CHECK(Seconds("Fri, 31 Dec 9999 23:59:59 GMT", kUnix2023) ==
        Approx(253402300799.0 - 1700000000.0));
}

TEST_CASE("retry-after: RFC 850 years are within 50 years of now", "[politeness]") {
  CHECK(Seconds("Thursday, 01-Jan-60 00:00:00 GMT", kUnix2023) ==
        Approx(2840140800.0 - 1700000000.0));                           // 2060.
  CHECK(Seconds("Tuesday, 01-Jan-80 00:00:00 GMT", kUnix2023) == 0.0);  // 1980.
}

TEST_CASE("retry-after: malformed dates", "[politeness]") {
  for (const char* bad : {"Sun, 32 Nov 1994 08:49:37 GMT",
                          "Wed, 29 Feb 1995 08:49:37 GMT",
                          "Sun, 06 Nov 1994 24:00:00 GMT",
                          "Sun, 06 Nov 1994 08:60:00 GMT",
                          "Sun, 06 Nov 1994 08:49:61 GMT",
                          "Sun, 00 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Foo 1994 08:49:37 GMT",
                          "Sun, 06 Nov 1994 08:49:37 UTC",
                          "Sun, 06 Nov 1994 08:49:37 GMT extra",
                          "Sun, 6 Nov 1994 08:49:37 GMT",
                          "Sun, 06 Nov 94 08:49:37 GMT",
                          "Sun, 06 Nov 1994 8:49:37 GMT",
                          "Sun, 06 Nov 1994",
                          "Sun,",
                          "Xyz, 06 Nov 1994 08:49:37 GMT",
                          "Sunday, 06-Nov-1994 08:49:37 GMT",
                          "Sun Nov 6 08:49:37 1994",
                          "Sun Nov  6 08:49:37 94",
                          "Sun Nov 06 08:49:37 1994 GMT",
                          "Sun, 06 Nov 1994 08:49:37 GMT\r\nX: y"}) {
    INFO(bad);
    CHECK_FALSE(ParseRetryAfter(bad, kUnix2023).has_value());
  }
  CHECK_FALSE(
      ParseRetryAfter(std::string("Sun, 06\0Nov 1994 08:49:37 GMT", 30), kUnix2023));  // NUL.
}

}  // namespace
}  // namespace medscrape

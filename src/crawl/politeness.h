// Per-host politeness for the crawl engine: request spacing (--delay, robots.txt
// Crawl-delay, AutoThrottle), a per-host concurrency limit (--per-host), pauses from
// Retry-After, retry backoff with jitter and a per-host circuit breaker
// (docs/reliability.md N7, N8). Pure bookkeeping on a Clock: no sleeping, no I/O, so every
// rule is tested with a FakeClock. The engine asks CanStart() before dispatching a
// request, sleeps until the earliest ReadyAtMs() when nothing can start, and reports
// every request with OnStart()/OnFinish().
//
// Memory: one small struct per host ever seen; crawls touch few hosts.
// Thread-safety: none. One crawl engine thread owns a HostScheduler.
#ifndef MEDSCRAPE_CRAWL_POLITENESS_H_
#define MEDSCRAPE_CRAWL_POLITENESS_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <unordered_map>

#include "crawl/clock.h"

namespace medscrape {

// Negative or NaN durations and counts below 1 are raised to 0 and 1 by HostScheduler.
struct PolitenessOptions {
  // Default 1 (--per-host): requests in flight at once to one host. Also AutoThrottle's
  // target concurrency: the delay moves toward latency / per_host.
  int per_host = 1;
  // Default 1 s (--delay; 0 allowed): the least time between the starts of two requests
  // to one host. Neither AutoThrottle nor a smaller Crawl-delay goes below it.
  double delay_s = 1.0;
  // Default on: adapt the delay to the host's latency, as Scrapy's AutoThrottle does.
  bool auto_throttle = true;
  // Default 60 s: AutoThrottle never raises the delay above this (a larger delay_s or
  // Crawl-delay still applies).
  double max_delay_s = 60;
  // Default 30 s: robots.txt Crawl-delay is lowered to this, so one file cannot stall
  // a host for hours.
  double max_crawl_delay_s = 30;
  // Default 3: retries of a URL after timeouts, resets and 5xx (enforced by the engine;
  // Retry-After postponements do not count).
  int max_retries = 3;
  // Defaults 2 s and 300 s: retry n waits min(backoff_max_s, backoff_base_s * 2^(n-1))
  // times a jitter factor in [0.5, 1.5).
  double backoff_base_s = 2;
  double backoff_max_s = 300;
  // Default 5: consecutive failed responses that open a host's breaker.
  int breaker_failures = 5;
  // Default 60 s: an open breaker turns half-open after this; one probe request decides.
  double breaker_cooldown_s = 60;
  // Default 3: a host whose breaker opened this many times is dead: its URLs fail
  // "host_unavailable" (enforced by the engine).
  int breaker_max_opens = 3;
  // Default 3600 s: Retry-After is lowered to this.
  double max_pause_s = 3600;
  // Default 20: a URL postponed by 429/503 more often than this fails "rate_limited"
  // (enforced by the engine).
  int max_postpones = 20;
};

// The part of a host's politeness that all workers of a shared job see alike, kept in the
// host's row (StateStore::UpdateHost): AutoThrottle, the breaker and Retry-After pauses.
// Times are the engine's (Clock::NowMs). Requests in flight and the next start of this
// worker's own requests stay each worker's own.
struct SharedHostState {
  int64_t delay_ms = 0;     // CurrentDelay: how far apart claims of the host start.
  int64_t throttle_ms = 0;  // AutoThrottle's delay.
  // robots.txt Crawl-delay, capped: a worker that has not read robots.txt yet spaces by it.
  int64_t crawl_delay_ms = 0;
  int64_t paused_until_ms = std::numeric_limits<int64_t>::min();
  int failures = 0;  // Consecutive failed responses, whichever worker saw them.
  int opens = 0;
  bool breaker_open = false;
  int64_t half_open_at_ms = std::numeric_limits<int64_t>::min();  // While open.
  bool dead = false;  // opens reached breaker_max_opens (written, not read: opens decides).
};

class HostScheduler {
 public:
  // ReadyAtMs() of a host that will never be ready again (HostDead).
  static constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

  // `clock` must outlive the scheduler. `seed` seeds the jitter RNG, so RetryDelayMs
  // sequences are reproducible in tests.
  HostScheduler(PolitenessOptions options, const Clock& clock, uint64_t seed);

  const PolitenessOptions& options() const { return options_; }

  // Crawl-delay from the host's robots.txt, capped at max_crawl_delay_s. The host's
  // delay is then at least max(delay_s, crawl delay). Replaces an earlier value.
  void SetCrawlDelay(const std::string& host, double seconds);

  // True when a request to `host` may start now: fewer than per_host in flight, the
  // delay since the last start has passed, no pause, and the breaker is closed, or
  // half-open with nothing in flight (exactly one probe; it waits for requests started
  // before the breaker opened). A host never seen before can always start.
  bool CanStart(const std::string& host) const;
  // The earliest NowMs() at which CanStart may turn true, assuming a slot is free
  // (in-flight requests and a running probe free slots by finishing, not by time).
  // Never earlier than NowMs(); kNever for a dead host.
  int64_t ReadyAtMs(const std::string& host) const;
  // When the host's delay, pause or open breaker ends, as stored: unlike ReadyAtMs, not
  // raised to now, so a time in the past tells the engine nothing new is due.
  int64_t NextStartMs(const std::string& host) const;

  // A request to `host` starts (call only when CanStart): takes a slot, and the next
  // request may start no earlier than now + CurrentDelay(). In half-open state this
  // request is the probe.
  void OnStart(const std::string& host);
  // A request started with OnStart ended after `latency_s` seconds. `success`: a
  // response that is neither 5xx nor 429, and no network failure. Failures count toward
  // the breaker and can only raise the AutoThrottle delay (error replies are fast and
  // would otherwise lower it). While the breaker is open, results of requests started
  // before it opened change nothing; the probe's result closes it or opens it again.
  void OnFinish(const std::string& host, double latency_s, bool success);
  // A request started with OnStart was answered "come back later" (429, or 503 with
  // Retry-After; the caller Pauses the host). It may raise the AutoThrottle delay like a
  // failure, but the breaker neither counts nor forgets it: a host that rate-limits is
  // alive, and declaring it dead would end its URLs that a pause would have saved.
  void OnRateLimited(const std::string& host, double latency_s);
  // Retry-After: no request to `host` starts for `seconds` (capped at max_pause_s).
  // A shorter pause never shortens a running one. Requests in flight are unaffected.
  void Pause(const std::string& host, double seconds);

  // Backoff before retry number `attempt` (1 for the first retry; smaller counts as 1):
  // min(backoff_max_s, backoff_base_s * 2^(attempt-1)) * uniform[0.5, 1.5), in ms, so at
  // most 1.5 * backoff_max_s. Non-const: each call draws from the jitter RNG.
  int64_t RetryDelayMs(int attempt);

  // The breaker opened breaker_max_opens times: the engine fails the host's URLs.
  bool HostDead(const std::string& host) const;
  // Seconds between request starts to `host` now: max(delay_s, crawl delay, AutoThrottle).
  double CurrentDelay(const std::string& host) const;
  size_t InFlight(const std::string& host) const;

  // Shared jobs: the host's shared part as this scheduler has it, and taking over another
  // worker's (the host's row): AutoThrottle, breaker and pause become the row's (a longer
  // pause of this worker's own stays); this worker's requests in flight and their spacing
  // stay as they are. A half-open probe is this worker's only if it started it here.
  SharedHostState Shared(const std::string& host) const;
  void Adopt(const std::string& host, const SharedHostState& shared);

  // One host as the scheduler knows it.
  struct HostState {
    size_t in_flight = 0;
    // Earliest start of the next request (delay spacing), and the end of a Retry-After
    // pause. The monotonic epoch is unspecified, so "no limit" is the smallest value.
    int64_t next_start_ms = std::numeric_limits<int64_t>::min();
    int64_t paused_until_ms = std::numeric_limits<int64_t>::min();
    double crawl_delay_s = 0;  // From robots.txt, capped.
    double throttle_s = 0;     // AutoThrottle's delay; CurrentDelay takes the max.
    int consecutive_failures = 0;
    int opens = 0;  // Times the breaker opened; breaker_max_opens means dead.
    bool breaker_open = false;
    int64_t half_open_at_ms = 0;  // While open: when the probe may start.
    bool probing = false;         // The half-open probe is in flight.
    int probe_opens = 0;          // `opens` when the probe started: a probe of that opening.
  };
  // Everything known of one host, to put back as it was (Restore) when a change made on
  // top of Adopt must be made again from a fresh row.
  HostState Save(const std::string& host) const;
  void Restore(const std::string& host, const HostState& saved);

 private:
  enum class Breaker { kClosed, kOpen, kHalfOpen, kDead };

  const HostState& Find(const std::string& host) const;
  Breaker Phase(const HostState& state) const;
  double Delay(const HostState& state) const;
  void Throttle(HostState& state, double latency_s, bool success);
  void UpdateBreaker(HostState& state, bool success);
  void OpenBreaker(HostState& state);

  const PolitenessOptions options_;
  const Clock& clock_;
  std::mt19937_64 rng_;  // Portable and fully specified by the standard, unlike distributions.
  std::unordered_map<std::string, HostState> hosts_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_POLITENESS_H_

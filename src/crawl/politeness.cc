#include "crawl/politeness.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace medscrape {
namespace {

// Durations above this (about 31,700 years) are saturated, so int64 arithmetic on
// "now + duration" cannot overflow whatever the options say.
constexpr double kMaxDurationMs = 1e15;
// 2^62 * any sane base is far above any cap, and 2^62 is exact in a double.
constexpr int kMaxBackoffExponent = 62;

// NaN and negative durations become 0, so no NaN reaches a comparison or llround.
double NonNegative(double seconds) { return seconds > 0 ? seconds : 0; }

int64_t SecondsToMs(double seconds) {
  return std::llround(std::min(NonNegative(seconds) * 1000, kMaxDurationMs));
}

PolitenessOptions Sanitized(PolitenessOptions options) {
  options.per_host = std::max(1, options.per_host);
  options.breaker_failures = std::max(1, options.breaker_failures);
  options.breaker_max_opens = std::max(1, options.breaker_max_opens);
  for (double* seconds :
       {&options.delay_s, &options.max_delay_s, &options.max_crawl_delay_s, &options.backoff_base_s,
        &options.backoff_max_s, &options.breaker_cooldown_s, &options.max_pause_s}) {
    *seconds = NonNegative(*seconds);
  }
  return options;
}

// Uniform in [0, 1) from the top 53 bits: exact and identical on every platform, which
// std::uniform_real_distribution does not promise.
double UnitInterval(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

HostScheduler::HostScheduler(PolitenessOptions options, const Clock& clock, uint64_t seed)
    : options_(Sanitized(options)), clock_(clock), rng_(seed) {}

void HostScheduler::SetCrawlDelay(const std::string& host, double seconds) {
  hosts_[host].crawl_delay_s = std::min(NonNegative(seconds), options_.max_crawl_delay_s);
}

bool HostScheduler::CanStart(const std::string& host) const {
  const HostState& state = Find(host);
  switch (Phase(state)) {
    case Breaker::kDead:
    case Breaker::kOpen:
      return false;
    case Breaker::kHalfOpen:
      if (state.probing || state.in_flight > 0) return false;
      break;
    case Breaker::kClosed:
      if (state.in_flight >= static_cast<size_t>(options_.per_host)) return false;
      break;
  }
  const int64_t now = clock_.NowMs();
  return now >= state.next_start_ms && now >= state.paused_until_ms;
}

int64_t HostScheduler::NextStartMs(const std::string& host) const {
  const HostState& state = Find(host);
  const Breaker phase = Phase(state);
  if (phase == Breaker::kDead) return kNever;
  int64_t ready = std::max(state.next_start_ms, state.paused_until_ms);
  if (phase == Breaker::kOpen) ready = std::max(ready, state.half_open_at_ms);
  return ready;
}

int64_t HostScheduler::ReadyAtMs(const std::string& host) const {
  const HostState& state = Find(host);
  const Breaker phase = Phase(state);
  if (phase == Breaker::kDead) return kNever;
  int64_t ready = std::max({clock_.NowMs(), state.next_start_ms, state.paused_until_ms});
  if (phase == Breaker::kOpen) ready = std::max(ready, state.half_open_at_ms);
  return ready;
}

void HostScheduler::OnStart(const std::string& host) {
  assert(CanStart(host));
  HostState& state = hosts_[host];
  if (Phase(state) == Breaker::kHalfOpen) {
    state.probing = true;
    state.probe_opens = state.opens;
  }
  ++state.in_flight;
  state.next_start_ms = clock_.NowMs() + SecondsToMs(Delay(state));
}

void HostScheduler::OnFinish(const std::string& host, double latency_s, bool success) {
  HostState& state = hosts_[host];
  assert(state.in_flight > 0);
  if (state.in_flight > 0) --state.in_flight;
  Throttle(state, latency_s, success);
  UpdateBreaker(state, success);
}

void HostScheduler::OnRateLimited(const std::string& host, double latency_s) {
  HostState& state = hosts_[host];
  assert(state.in_flight > 0);
  if (state.in_flight > 0) --state.in_flight;
  Throttle(state, latency_s, false);
  // A probe told "come back later" decided nothing: the next one may go once the pause ends.
  state.probing = false;
}

void HostScheduler::Pause(const std::string& host, double seconds) {
  HostState& state = hosts_[host];
  const int64_t until = clock_.NowMs() + SecondsToMs(std::min(seconds, options_.max_pause_s));
  state.paused_until_ms = std::max(state.paused_until_ms, until);
}

int64_t HostScheduler::RetryDelayMs(int attempt) {
  const int exponent = std::clamp(attempt, 1, kMaxBackoffExponent + 1) - 1;
  const double backoff =
      std::min(options_.backoff_max_s, options_.backoff_base_s * std::ldexp(1.0, exponent));
  return SecondsToMs(backoff * (0.5 + UnitInterval(rng_)));
}

bool HostScheduler::HostDead(const std::string& host) const {
  return Phase(Find(host)) == Breaker::kDead;
}

double HostScheduler::CurrentDelay(const std::string& host) const { return Delay(Find(host)); }

size_t HostScheduler::InFlight(const std::string& host) const { return Find(host).in_flight; }

SharedHostState HostScheduler::Shared(const std::string& host) const {
  const HostState& state = Find(host);
  SharedHostState shared;
  shared.delay_ms = SecondsToMs(Delay(state));
  shared.throttle_ms = SecondsToMs(state.throttle_s);
  shared.crawl_delay_ms = SecondsToMs(state.crawl_delay_s);
  shared.paused_until_ms = state.paused_until_ms;
  shared.failures = state.consecutive_failures;
  shared.opens = state.opens;
  shared.breaker_open = state.breaker_open;
  shared.half_open_at_ms =
      state.breaker_open ? state.half_open_at_ms : std::numeric_limits<int64_t>::min();
  shared.dead = Phase(state) == Breaker::kDead;
  return shared;
}

void HostScheduler::Adopt(const std::string& host, const SharedHostState& shared) {
  HostState& state = hosts_[host];
  state.throttle_s = std::min(NonNegative(shared.throttle_ms / 1000.0), options_.max_delay_s);
  // The larger Crawl-delay: a worker that has not read robots.txt yet keeps the row's.
  state.crawl_delay_s =
      std::max(state.crawl_delay_s,
               std::min(NonNegative(shared.crawl_delay_ms / 1000.0), options_.max_crawl_delay_s));
  state.paused_until_ms = std::max(state.paused_until_ms, shared.paused_until_ms);
  state.consecutive_failures = std::max(0, shared.failures);
  state.opens = std::max(0, shared.opens);
  state.breaker_open = shared.breaker_open;
  if (shared.breaker_open) state.half_open_at_ms = shared.half_open_at_ms;
  // A probe's result decides only while the opening it probes lasts: another worker's
  // probe may have closed the breaker or opened it again meanwhile.
  if (!shared.breaker_open || shared.opens != state.probe_opens) state.probing = false;
}

HostScheduler::HostState HostScheduler::Save(const std::string& host) const { return Find(host); }

void HostScheduler::Restore(const std::string& host, const HostState& saved) {
  hosts_[host] = saved;
}

const HostScheduler::HostState& HostScheduler::Find(const std::string& host) const {
  static const HostState kUnseen;
  const auto it = hosts_.find(host);
  return it == hosts_.end() ? kUnseen : it->second;
}

HostScheduler::Breaker HostScheduler::Phase(const HostState& state) const {
  if (state.opens >= options_.breaker_max_opens) return Breaker::kDead;
  if (!state.breaker_open) return Breaker::kClosed;
  return clock_.NowMs() >= state.half_open_at_ms ? Breaker::kHalfOpen : Breaker::kOpen;
}

double HostScheduler::Delay(const HostState& state) const {
  return std::max({options_.delay_s, state.crawl_delay_s, state.throttle_s});
}

// Scrapy's AutoThrottle: with target = latency / per_host, the delay jumps up to the
// target at once but comes down only halfway per response, never above max_delay_s.
// The floor (delay_s, Crawl-delay) is applied by Delay(), not stored, so a Crawl-delay
// that is lowered later is not kept alive here.
void HostScheduler::Throttle(HostState& state, double latency_s, bool success) {
  if (!options_.auto_throttle) return;
  const double target = NonNegative(latency_s) / options_.per_host;
  const double next = std::max(target, (state.throttle_s + target) / 2);
  if (!success && next <= state.throttle_s) return;
  state.throttle_s = std::min(next, options_.max_delay_s);
}

void HostScheduler::UpdateBreaker(HostState& state, bool success) {
  if (state.probing) {
    state.probing = false;
    if (success) {
      state.breaker_open = false;
      state.consecutive_failures = 0;
    } else {
      OpenBreaker(state);
    }
    return;
  }
  if (state.breaker_open) return;  // A request started before the breaker opened.
  if (success) {
    state.consecutive_failures = 0;
  } else if (++state.consecutive_failures >= options_.breaker_failures) {
    OpenBreaker(state);
  }
}

void HostScheduler::OpenBreaker(HostState& state) {
  state.breaker_open = true;
  ++state.opens;
  state.consecutive_failures = 0;
  state.half_open_at_ms = clock_.NowMs() + SecondsToMs(options_.breaker_cooldown_s);
}

}  // namespace medscrape

// Time behind an interface (the engine never reads a clock of its own), so
// politeness delays, pauses and retry backoff are tested with a FakeClock
// instead of real waiting.
#ifndef MEDSCRAPE_CRAWL_CLOCK_H_
#define MEDSCRAPE_CRAWL_CLOCK_H_

#include <cassert>
#include <cstdint>

namespace medscrape {

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic milliseconds from an unspecified epoch: for delays and deadlines,
  // never affected by wall-clock changes. Only differences are meaningful.
  virtual int64_t NowMs() const = 0;
  // Wall clock, milliseconds since the Unix epoch: for HTTP dates and fetched_at.
  virtual int64_t UnixMs() const = 0;
  // Waits `ms` (>= 0) of this clock's time: the engine's only sleep, so a fake
  // clock makes waiting free and countable.
  virtual void SleepMs(int64_t ms) const = 0;
};

// std::chrono::steady_clock and system_clock. Stateless, so thread-safe.
class SystemClock final : public Clock {
 public:
  int64_t NowMs() const override;
  int64_t UnixMs() const override;
  void SleepMs(int64_t ms) const override;
};

// Test double: time moves only when AdvanceMs or SleepMs is called (SleepMs
// advances it at once and counts the call). Not thread-safe.
class FakeClock final : public Clock {
 public:
  // NowMs() starts at kStartMs, not 0, so code cannot rely on the monotonic epoch.
  static constexpr int64_t kStartMs = 1'000'000;

  explicit FakeClock(int64_t start_unix_ms) : unix_ms_(start_unix_ms) {}

  int64_t NowMs() const override { return now_ms_; }
  int64_t UnixMs() const override { return unix_ms_; }
  void SleepMs(int64_t ms) const override {
    ++sleeps_;
    Advance(ms);
  }
  // Moves both clocks forward; `ms` must be >= 0 (a monotonic clock never goes back).
  void AdvanceMs(int64_t ms) { Advance(ms); }
  int64_t sleeps() const { return sleeps_; }  // SleepMs calls so far.

 private:
  // Const because a sleep is, to the caller, no change to the clock.
  void Advance(int64_t ms) const {
    assert(ms >= 0);
    now_ms_ += ms;
    unix_ms_ += ms;
  }
  mutable int64_t now_ms_ = kStartMs;
  mutable int64_t unix_ms_;
  mutable int64_t sleeps_ = 0;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_CLOCK_H_

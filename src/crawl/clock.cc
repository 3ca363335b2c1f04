#include "crawl/clock.h"

#include <chrono>
#include <thread>

namespace medscrape {
namespace {

template <typename ChronoClock>
int64_t MillisecondsSinceEpoch() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             ChronoClock::now().time_since_epoch())
      .count();
}

}  // namespace

int64_t SystemClock::NowMs() const { return MillisecondsSinceEpoch<std::chrono::steady_clock>(); }

int64_t SystemClock::UnixMs() const { return MillisecondsSinceEpoch<std::chrono::system_clock>(); }

void SystemClock::SleepMs(int64_t ms) const {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
}

}  // namespace medscrape

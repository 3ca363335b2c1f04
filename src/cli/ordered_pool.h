// Runs a job per index on N threads and hands results to the caller strictly in
// index order, with at most `window` results waiting, so memory stays bounded
// however many inputs there are.
#ifndef MEDSCRAPE_CLI_ORDERED_POOL_H_
#define MEDSCRAPE_CLI_ORDERED_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace medscrape {

// `work(i)` runs on a worker thread and must be thread-safe; `consume(i, r)`
// runs on the calling thread in order 0, 1, 2...; when it returns false the
// remaining work is abandoned (started jobs finish, their results are dropped).
template <typename R>
void RunOrdered(size_t count, int threads, const std::function<R(size_t)>& work,
                const std::function<bool(size_t, R&)>& consume) {
  const size_t window = static_cast<size_t>(threads) * 4;
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::optional<R>> slots(window);
  size_t next = 0, consumed = 0;
  bool stop = false;

  auto worker = [&] {
    std::unique_lock<std::mutex> lock(mutex);
    while (true) {
      changed.wait(lock, [&] { return stop || next >= count || next < consumed + window; });
      if (stop || next >= count) return;
      const size_t index = next++;
      lock.unlock();
      R result = work(index);
      lock.lock();
      slots[index % window] = std::move(result);
      changed.notify_all();
    }
  };
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) pool.emplace_back(worker);

  std::unique_lock<std::mutex> lock(mutex);
  while (consumed < count && !stop) {
    changed.wait(lock, [&] { return slots[consumed % window].has_value(); });
    R result = std::move(*slots[consumed % window]);
    slots[consumed % window].reset();
    lock.unlock();
    const bool go_on = consume(consumed, result);
    lock.lock();
    ++consumed;
    if (!go_on) stop = true;
    changed.notify_all();
  }
  lock.unlock();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_ORDERED_POOL_H_

// Runs a job per index on the project's WorkerPool (base/worker_pool.h) and
// hands results to the caller strictly in index order, with at most `window`
// indexes submitted and not yet consumed, so memory stays bounded however many
// inputs there are.
#ifndef MEDSCRAPE_CLI_ORDERED_POOL_H_
#define MEDSCRAPE_CLI_ORDERED_POOL_H_

#include <cstddef>
#include <functional>
#include <map>
#include <utility>

#include "base/worker_pool.h"

namespace medscrape {

// `work(i)` runs on a worker thread and must be thread-safe; `consume(i, r)`
// runs on the calling thread in order 0, 1, 2...; when it returns false the
// remaining work is abandoned (started jobs finish, their results are dropped).
template <typename R>
void RunOrdered(size_t count, int threads, const std::function<R(size_t)>& work,
                const std::function<bool(size_t, R&)>& consume) {
  // Enough queued that no worker waits for the consumer to hand it an index.
  const size_t window = static_cast<size_t>(ThreadsFor(threads)) * 4;
  WorkerPool<size_t, std::pair<size_t, R>> pool(
      threads, [&work](size_t& index) { return std::make_pair(index, work(index)); });
  std::map<size_t, R> ready;  // Finished out of order; at most `window`.
  size_t submitted = 0, consumed = 0;
  while (consumed < count) {
    while (submitted < count && submitted < consumed + window) pool.Submit(submitted++);
    auto next = ready.find(consumed);
    if (next == ready.end()) {
      pool.WaitDone(1000);
      for (std::pair<size_t, R>& done : pool.TakeDone()) {
        ready.emplace(done.first, std::move(done.second));
      }
      continue;
    }
    const bool go_on = consume(consumed, next->second);
    ready.erase(next);
    ++consumed;
    if (!go_on) return;  // The pool drops what has not started.
  }
}

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_ORDERED_POOL_H_

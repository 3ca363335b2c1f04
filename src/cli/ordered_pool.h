// Runs jobs on the project's WorkerPool (base/worker_pool.h) and hands results to
// the caller strictly in job order, with at most `window` jobs submitted and not yet
// consumed, so memory stays bounded however many inputs (or WARC records) there are.
#ifndef MEDSCRAPE_CLI_ORDERED_POOL_H_
#define MEDSCRAPE_CLI_ORDERED_POOL_H_

#include <algorithm>
#include <cstddef>
#include <functional>
#include <map>
#include <utility>

#include "base/worker_pool.h"

namespace medscrape {

// Jobs made one at a time on the calling thread by `next(&job)` (false: no more), run by
// `work(job)` on a worker thread (thread-safe), their results handed to `consume(r)` on the
// calling thread in the order the jobs were made; at most `window` jobs are made and not yet
// consumed. When consume returns false the rest is abandoned (started jobs finish, their
// results are dropped).
//
// The default window, 16 jobs per thread, is enough queued that no worker waits for the
// consumer to hand it a job, nor for one slow job ahead of the others: with 4 per thread,
// `extract -j 2` of a WARC file (its records read on the calling thread) took 12 % longer
// and more CPU (workers slept and woke).
constexpr size_t kOrderedWindowPerThread = 16;

template <typename J, typename R>
void RunOrderedStream(int threads, const std::function<bool(J*)>& next,
                      const std::function<R(J&)>& work, const std::function<bool(R&)>& consume,
                      size_t window_per_thread = kOrderedWindowPerThread) {
  const size_t window =
      static_cast<size_t>(ThreadsFor(threads)) * std::max<size_t>(1, window_per_thread);
  WorkerPool<std::pair<size_t, J>, std::pair<size_t, R>> pool(
      threads,
      [&work](std::pair<size_t, J>& job) { return std::make_pair(job.first, work(job.second)); });
  std::map<size_t, R> ready;  // Finished out of order; at most `window`.
  size_t made = 0, consumed = 0;
  bool more = true;
  while (true) {
    while (more && made < consumed + window) {
      J job;
      more = next(&job);
      if (more) pool.Submit(std::make_pair(made++, std::move(job)));
    }
    if (!more && consumed == made) return;
    auto done = ready.find(consumed);
    if (done == ready.end()) {
      pool.WaitDone(1000);
      for (std::pair<size_t, R>& result : pool.TakeDone()) {
        ready.emplace(result.first, std::move(result.second));
      }
      continue;
    }
    const bool go_on = consume(done->second);
    ready.erase(done);
    ++consumed;
    if (!go_on) return;  // The pool drops what has not started.
  }
}

// The same for `count` jobs known by their index: `work(i)`, then `consume(i, r)` in order
// 0, 1, 2...
template <typename R>
void RunOrdered(size_t count, int threads, const std::function<R(size_t)>& work,
                const std::function<bool(size_t, R&)>& consume,
                size_t window_per_thread = kOrderedWindowPerThread) {
  size_t made = 0, consumed = 0;
  RunOrderedStream<size_t, R>(
      threads,
      [&made, count](size_t* index) {
        *index = made;
        return made++ < count;
      },
      [&work](size_t& index) { return work(index); },
      [&consume, &consumed](R& result) { return consume(consumed++, result); }, window_per_thread);
}

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_ORDERED_POOL_H_

// A fixed set of worker threads running ExtractTasks (extract_task.h) for the
// crawl engine, so parsing and extraction leave its event-loop thread.
// Outcomes come back in the order they finish, not the order submitted.
//
// The pool holds no bound of its own: the engine submits a task only while
// HasIdleWorker(), so every task in the pool is running or about to run. That
// keeps the crash marker (set just before Submit) on pages really being parsed.
//
// Thread-safety: one owner thread calls every method; the workers share only
// the task and outcome queues, under the pool's mutex.
#ifndef MEDSCRAPE_CRAWL_EXTRACT_POOL_H_
#define MEDSCRAPE_CRAWL_EXTRACT_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "crawl/extract_task.h"
#include "extract/registry.h"

namespace medscrape {

class ExtractPool {
 public:
  // `threads` workers (at least 1), started by the first Submit: a run with
  // nothing to extract (a finished job, only failures) starts no thread.
  // `registry` must outlive the pool.
  ExtractPool(int threads, const Registry& registry);
  // Lets running tasks finish, drops tasks not started and outcomes not taken.
  ~ExtractPool();
  ExtractPool(const ExtractPool&) = delete;
  ExtractPool& operator=(const ExtractPool&) = delete;

  // True while fewer tasks are submitted and unfinished than there are workers.
  bool HasIdleWorker() const;
  void Submit(ExtractTask task);
  // The finished tasks' outcomes not taken yet; never blocks.
  std::vector<ExtractOutcome> TakeDone();
  // Blocks until an outcome is waiting or `timeout_ms` has passed.
  void WaitDone(int timeout_ms);
  // Tasks submitted whose outcome has not been taken.
  size_t Pending() const;

 private:
  void Work();

  const Registry& registry_;
  const size_t threads_;
  mutable std::mutex mutex_;
  std::condition_variable task_ready_, outcome_ready_;
  std::deque<ExtractTask> tasks_;        // Submitted, not started.
  std::deque<ExtractOutcome> outcomes_;  // Finished, not taken.
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;  // Owner thread only.
};

// CrawlOptions::extract_threads resolved: 0 means one per core, at least 1.
int ExtractThreads(int requested);

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_EXTRACT_POOL_H_

// The project's one thread pool: a fixed set of worker threads running one
// function over submitted tasks. Outcomes come back in the order they finish,
// not the order submitted. The crawl's extraction (crawl/extract_pool.h) and
// `extract -j N` (cli/ordered_pool.h, which puts outcomes back in input order)
// are both built on it.
//
// The pool holds no bound of its own: a caller that wants one submits only while
// HasRoom(n) (the crawl: at most ExtractionStage::kTasksPerWorker, four, per worker, the
// one running and those queued, so a crash marker set before Submit is on a page being
// parsed or about to be), or caps what it has submitted and not taken (extract -j N).
//
// Thread-safety: one owner thread calls every method; the workers share only the
// task and outcome queues, under the pool's mutex. `work` runs on the workers and
// must be thread-safe.
#ifndef MEDSCRAPE_BASE_WORKER_POOL_H_
#define MEDSCRAPE_BASE_WORKER_POOL_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <iterator>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace medscrape {

// A thread count resolved: 0 (or less) means one per core, at least 1.
inline int ThreadsFor(int requested) {
  if (requested > 0) return requested;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

template <typename Task, typename Outcome>
class WorkerPool {
 public:
  using Work = std::function<Outcome(Task&)>;

  // `threads` workers (at least 1), started by the first Submit: a run with
  // nothing to do starts no thread.
  WorkerPool(int threads, Work work)
      : work_(std::move(work)), threads_(static_cast<size_t>(std::max(1, threads))) {}
  // Lets running tasks finish, drops tasks not started and outcomes not taken.
  ~WorkerPool() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      tasks_.clear();
    }
    task_ready_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // True while fewer tasks are submitted and unfinished than `per_worker` for each
  // worker (1: a worker is idle).
  bool HasRoom(size_t per_worker) const {
    std::lock_guard<std::mutex> lock(mutex_);
    return tasks_.size() + running_ < threads_ * per_worker;
  }
  void Submit(Task task) {
    while (workers_.size() < threads_) workers_.emplace_back(&WorkerPool::WorkLoop, this);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      tasks_.push_back(std::move(task));
    }
    task_ready_.notify_one();
  }
  // The finished tasks' outcomes not taken yet; never blocks.
  std::vector<Outcome> TakeDone() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::vector<Outcome> done(std::make_move_iterator(outcomes_.begin()),
                              std::make_move_iterator(outcomes_.end()));
    outcomes_.clear();
    return done;
  }
  // Blocks until an outcome is waiting or `timeout_ms` has passed.
  void WaitDone(int timeout_ms) {
    std::unique_lock<std::mutex> lock(mutex_);
    outcome_ready_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                            [this] { return !outcomes_.empty(); });
  }
  // Tasks submitted whose outcome has not been taken.
  size_t Pending() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return tasks_.size() + running_ + outcomes_.size();
  }

 private:
  void WorkLoop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (true) {
      task_ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
      if (stopping_) return;
      Task task = std::move(tasks_.front());
      tasks_.pop_front();
      ++running_;
      lock.unlock();
      Outcome outcome = work_(task);
      task = Task();  // Free what the task holds outside the lock.
      lock.lock();
      --running_;
      outcomes_.push_back(std::move(outcome));
      outcome_ready_.notify_one();  // Only the owner waits.
    }
  }

  const Work work_;
  const size_t threads_;
  mutable std::mutex mutex_;
  std::condition_variable task_ready_, outcome_ready_;
  std::deque<Task> tasks_;        // Submitted, not started.
  std::deque<Outcome> outcomes_;  // Finished, not taken.
  size_t running_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> workers_;  // Owner thread only.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_BASE_WORKER_POOL_H_

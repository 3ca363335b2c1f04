#include "crawl/extract_pool.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace medscrape {

ExtractPool::ExtractPool(int threads, const Registry& registry)
    : registry_(registry), threads_(static_cast<size_t>(std::max(1, threads))) {}

ExtractPool::~ExtractPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    tasks_.clear();
  }
  task_ready_.notify_all();
  for (std::thread& worker : workers_) worker.join();
}

bool ExtractPool::HasIdleWorker() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tasks_.size() + running_ < threads_;
}

void ExtractPool::Submit(ExtractTask task) {
  while (workers_.size() < threads_) workers_.emplace_back(&ExtractPool::Work, this);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    tasks_.push_back(std::move(task));
  }
  task_ready_.notify_one();
}

std::vector<ExtractOutcome> ExtractPool::TakeDone() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ExtractOutcome> done(std::make_move_iterator(outcomes_.begin()),
                                   std::make_move_iterator(outcomes_.end()));
  outcomes_.clear();
  return done;
}

void ExtractPool::WaitDone(int timeout_ms) {
  std::unique_lock<std::mutex> lock(mutex_);
  outcome_ready_.wait_for(lock, std::chrono::milliseconds(timeout_ms),
                          [this] { return !outcomes_.empty(); });
}

size_t ExtractPool::Pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return tasks_.size() + running_ + outcomes_.size();
}

void ExtractPool::Work() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (true) {
    task_ready_.wait(lock, [this] { return stopping_ || !tasks_.empty(); });
    if (stopping_) return;
    ExtractTask task = std::move(tasks_.front());
    tasks_.pop_front();
    ++running_;
    lock.unlock();
    ExtractOutcome outcome = RunExtractTask(task, registry_);
    task = ExtractTask();  // Free the body outside the lock.
    lock.lock();
    --running_;
    outcomes_.push_back(std::move(outcome));
    outcome_ready_.notify_one();  // Only the owner waits.
  }
}

int ExtractThreads(int requested) {
  if (requested > 0) return requested;
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

}  // namespace medscrape

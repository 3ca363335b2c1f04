#include "fetch/resolver.h"

#include <algorithm>
#include <cctype>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <utility>

namespace medscrape {

// What the Resolver and its lookup threads share. Everything but the two
// constants is guarded by `mutex`. Freed with its last owner: the Resolver or
// the last thread still inside a lookup.
struct LookupQueue {
  LookupQueue(LookupFunction lookup_function, size_t thread_limit)
      : lookup(std::move(lookup_function)), max_threads(std::max<size_t>(1, thread_limit)) {}

  // Body of a lookup thread: looks up queued hosts until none is left or the
  // Resolver is gone, then exits. Threads are started on demand, so an idle
  // fetcher holds none.
  static void Work(std::shared_ptr<LookupQueue> self);

  const LookupFunction lookup;
  const size_t max_threads;
  std::mutex mutex;
  std::deque<std::string> hosts;  // Waiting for a thread.
  // Lookups that returned, with their hosts, until TakeAnswers() takes them.
  std::vector<std::pair<std::string, HostAddresses>> results;
  size_t threads = 0;            // Running, stuck ones included.
  std::function<void()> wakeup;  // Cleared by ~Resolver.
  bool closed = false;           // ~Resolver ran: results are no longer wanted.
};

namespace {

// An exception must not escape a thread (std::terminate): it becomes kOther.
HostAddresses LookupNoThrow(const LookupFunction& lookup, const std::string& host) {
  try {
    return lookup(host);
  } catch (...) {
    HostAddresses failed;
    failed.error = FetchError::kOther;
    failed.error_text = "could not resolve host " + host + ": lookup failed";
    return failed;
  }
}

HostAddresses TimedOut(const std::string& host, long timeout_ms) {
  HostAddresses result;
  result.error = FetchError::kDnsTimeout;
  result.error_text =
      "resolving host " + host + " took longer than " + std::to_string(timeout_ms) + " ms";
  return result;
}

std::string Lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

}  // namespace

void LookupQueue::Work(std::shared_ptr<LookupQueue> self) {
  std::unique_lock<std::mutex> lock(self->mutex);
  while (!self->closed && !self->hosts.empty()) {
    std::string host = std::move(self->hosts.front());
    self->hosts.pop_front();
    lock.unlock();
    HostAddresses result = LookupNoThrow(self->lookup, host);
    lock.lock();
    if (self->closed) break;
    try {
      self->results.emplace_back(std::move(host), std::move(result));
    } catch (...) {
      // Out of memory: the waiting requests time out instead.
    }
    if (self->wakeup) self->wakeup();
  }
  --self->threads;
}

Resolver::Resolver(ResolverOptions options, LookupFunction lookup)
    : options_(options),
      queue_(std::make_shared<LookupQueue>(std::move(lookup), options.max_lookups)),
      next_prune_(Clock::now() + std::chrono::milliseconds(options.cache_ms)) {}

Resolver::~Resolver() {
  std::lock_guard<std::mutex> lock(queue_->mutex);
  queue_->closed = true;
  queue_->wakeup = nullptr;
  queue_->hosts.clear();
}

void Resolver::SetWakeup(std::function<void()> wakeup) {
  std::lock_guard<std::mutex> lock(queue_->mutex);
  queue_->wakeup = std::move(wakeup);
}

void Resolver::Resolve(uint64_t ticket, const std::string& name) {
  const std::string host = Lowercase(name);
  const Clock::time_point now = Clock::now();
  const auto cached = cache_.find(host);
  if (cached != cache_.end() && now < cached->second.expires) {
    answers_.push_back(Answer{ticket, cached->second.result});
    return;
  }
  waiting_[host].push_back(Waiter{ticket, now + std::chrono::milliseconds(options_.timeout_ms)});
  if (looking_up_.insert(host).second) StartLookup(host);
}

// Queues the host and starts a thread for it unless max_lookups are running:
// then one of them takes it when its lookup returns.
void Resolver::StartLookup(const std::string& host) {
  std::lock_guard<std::mutex> lock(queue_->mutex);
  queue_->hosts.push_back(host);
  if (queue_->threads >= queue_->max_threads) return;
  try {
    std::thread(&LookupQueue::Work, queue_).detach();
    ++queue_->threads;  // The new thread needs the lock held here before it can look.
  } catch (const std::system_error& error) {
    if (queue_->threads > 0) return;  // A running thread will take the host.
    queue_->hosts.pop_back();
    HostAddresses failed;
    failed.error = FetchError::kOther;
    failed.error_text = "could not resolve host " + host + ": " + error.what();
    queue_->results.emplace_back(host, std::move(failed));
  }
}

std::vector<Resolver::Answer> Resolver::TakeAnswers() {
  std::vector<std::pair<std::string, HostAddresses>> results;
  {
    std::lock_guard<std::mutex> lock(queue_->mutex);
    results.swap(queue_->results);
  }
  const Clock::time_point now = Clock::now();
  for (auto& [host, result] : results) Deliver(host, std::move(result), now);
  ExpireWaiters(now);
  std::vector<Answer> answers;
  answers.swap(answers_);
  return answers;
}

// A lookup returned: its host may be looked up again, a positive answer is
// cached, and every request still waiting for the host gets the answer.
void Resolver::Deliver(const std::string& host, HostAddresses result, Clock::time_point now) {
  looking_up_.erase(host);
  if (result.error == FetchError::kNone) {
    PruneCache(now);
    cache_[host] = Cached{result, now + std::chrono::milliseconds(options_.cache_ms)};
  }
  const auto found = waiting_.find(host);
  if (found == waiting_.end()) return;  // All of them timed out: a late answer.
  for (const Waiter& waiter : found->second) answers_.push_back(Answer{waiter.ticket, result});
  waiting_.erase(found);
}

void Resolver::ExpireWaiters(Clock::time_point now) {
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    std::vector<Waiter>& waiters = it->second;
    const auto late = std::stable_partition(waiters.begin(), waiters.end(),
                                            [now](const Waiter& w) { return now < w.deadline; });
    for (auto waiter = late; waiter != waiters.end(); ++waiter) {
      answers_.push_back(Answer{waiter->ticket, TimedOut(it->first, options_.timeout_ms)});
    }
    waiters.erase(late, waiters.end());
    it = waiters.empty() ? waiting_.erase(it) : std::next(it);
  }
}

// Once per cache lifetime, so a long crawl over many hosts does not keep
// every answer it ever got.
void Resolver::PruneCache(Clock::time_point now) {
  if (now < next_prune_) return;
  next_prune_ = now + std::chrono::milliseconds(options_.cache_ms);
  for (auto it = cache_.begin(); it != cache_.end();) {
    it = now < it->second.expires ? std::next(it) : cache_.erase(it);
  }
}

long Resolver::MsUntilTimeout() const {
  if (waiting_.empty()) return -1;
  Clock::time_point earliest = Clock::time_point::max();
  for (const auto& [host, waiters] : waiting_) {
    for (const Waiter& waiter : waiters) earliest = std::min(earliest, waiter.deadline);
  }
  const Clock::duration left = earliest - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  // Rounded up: a poll that wakes before the deadline would find nothing due and spin.
  return static_cast<long>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

}  // namespace medscrape

// base/worker_pool.h, the one thread pool, and the in-order adapter built on it
// for `extract -j N` (cli/ordered_pool.h, header-only).
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/worker_pool.h"
#include "cli/ordered_pool.h"

namespace medscrape {
namespace {

// Sleeps a pseudo-random 0-3 ms, so tasks finish out of order.
void Jitter(size_t i) { std::this_thread::sleep_for(std::chrono::milliseconds((i * 7) % 4)); }

TEST_CASE("worker pool: every outcome comes back once, no thread before the first task",
          "[worker-pool]") {
  std::atomic<int> calls{0};
  WorkerPool<int, int> pool(3, [&calls](int& task) {
    ++calls;
    Jitter(static_cast<size_t>(task));
    return task * 10;
  });
  CHECK(pool.Pending() == 0);
  CHECK(pool.HasRoom(1));
  std::multiset<int> seen;
  for (int i = 0; i < 50; ++i) pool.Submit(i);
  while (seen.size() < 50) {
    pool.WaitDone(1000);
    for (int outcome : pool.TakeDone()) seen.insert(outcome);
  }
  CHECK(calls == 50);
  CHECK(pool.Pending() == 0);
  for (int i = 0; i < 50; ++i) CHECK(seen.count(i * 10) == 1);
}

// Two workers whose tasks wait for `release` (set when it goes), so tasks stay running or
// queued while a test counts them.
struct HeldPool {
  ~HeldPool() { release = true; }
  std::atomic<bool> release{false};
  WorkerPool<int, int> pool{2, [this](int& task) {
                              while (!release) {
                                std::this_thread::sleep_for(std::chrono::milliseconds(1));
                              }
                              return task;
                            }};
};

TEST_CASE("worker pool: HasRoom with one per worker counts queued and running tasks",
          "[worker-pool]") {
  HeldPool held;
  auto& pool = held.pool;
  pool.Submit(1);
  CHECK(pool.HasRoom(1));
  pool.Submit(2);
  CHECK_FALSE(pool.HasRoom(1));
  CHECK(pool.Pending() == 2);
}

TEST_CASE("worker pool: HasRoom bounds the tasks per worker, queued ones included",
          "[worker-pool]") {
  HeldPool held;
  auto& pool = held.pool;
  for (int i = 0; i < 3; ++i) pool.Submit(i);
  CHECK_FALSE(pool.HasRoom(1));
  CHECK(pool.HasRoom(2));  // Two running, one of the two next in line.
  pool.Submit(3);
  CHECK_FALSE(pool.HasRoom(2));
  CHECK(pool.HasRoom(3));
  held.release = true;
  std::multiset<int> seen;
  while (seen.size() < 4) {
    pool.WaitDone(1000);
    for (int outcome : pool.TakeDone()) seen.insert(outcome);
  }
  CHECK(seen == std::multiset<int>{0, 1, 2, 3});
  CHECK(pool.HasRoom(1));
}

TEST_CASE("worker pool: destroyed with work queued, it drops it and does not hang",
          "[worker-pool]") {
  std::atomic<int> calls{0};
  {
    WorkerPool<int, int> pool(1, [&calls](int& task) {
      ++calls;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      return task;
    });
    for (int i = 0; i < 100; ++i) pool.Submit(i);
  }
  CHECK(calls < 100);
}

TEST_CASE("ordered pool: results are consumed in index order, memory bounded by the window",
          "[worker-pool]") {
  const int threads = GENERATE(1, 2, 4);
  const size_t per_thread = GENERATE(size_t{1}, size_t{4}, kOrderedWindowPerThread);
  constexpr size_t kCount = 200;
  std::atomic<size_t> consumed{0};
  std::atomic<size_t> most_ahead{0};
  std::vector<size_t> order;
  RunOrdered<std::string>(
      kCount, threads,
      [&](size_t i) {
        const size_t ahead = i - consumed.load();
        size_t seen = most_ahead.load();
        while (ahead > seen && !most_ahead.compare_exchange_weak(seen, ahead)) {
        }
        Jitter(i);
        return std::to_string(i);
      },
      [&](size_t i, std::string& result) {
        CHECK(result == std::to_string(i));
        order.push_back(i);
        ++consumed;
        return true;
      },
      per_thread);
  REQUIRE(order.size() == kCount);
  for (size_t i = 0; i < kCount; ++i) CHECK(order[i] == i);
  // No work starts window (per_thread jobs per thread) or more indexes past the consumer:
  // job i is made only while i < consumed + window, and `consumed` only grows after.
  CHECK(most_ahead.load() < static_cast<size_t>(threads) * per_thread);
}

TEST_CASE("ordered pool: a consumer that says stop ends the run", "[worker-pool]") {
  std::atomic<size_t> calls{0};
  size_t consumed = 0;
  RunOrdered<size_t>(
      10000, 2,
      [&](size_t i) {
        ++calls;
        return i;
      },
      [&](size_t, size_t&) { return ++consumed < 5; });
  CHECK(consumed == 5);
  CHECK(calls.load() < 100);
}

}  // namespace
}  // namespace medscrape

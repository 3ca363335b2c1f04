// The curl fetcher's own asynchronous name resolution (docs/reliability.md N6).
// libcurl 7.88 reports NXDOMAIN and a dead or failing resolver alike
// (CURLE_COULDNT_RESOLVE_HOST, os_errno 0), so the fetcher resolves names here,
// tells the two apart (host_lookup.h), and pins the answer for libcurl with
// CURLOPT_RESOLVE.
//
// Lookups run on detached threads, at most ResolverOptions::max_lookups at
// once and one per host at a time: requests for a host being looked up wait for
// that lookup. A request that waits longer than timeout_ms is answered
// kDnsTimeout while the lookup goes on; its late answer goes to the requests
// that came since and, if positive, into the cache. The threads share a queue
// with the Resolver through a shared_ptr, so destroying a Resolver never waits
// for a stuck getaddrinfo: a thread exits when its call returns.
//
// Thread-safety: one thread owns a Resolver and calls all of its methods; only
// the lookup function and the wakeup callback run on lookup threads.
#ifndef MEDSCRAPE_FETCH_RESOLVER_H_
#define MEDSCRAPE_FETCH_RESOLVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "fetch/host_lookup.h"

namespace medscrape {

struct ResolverOptions {
  // Default 10 s (the fetcher passes FetchOptions::connect_timeout_ms): how long
  // a request waits for its host's addresses, waiting for a free thread included.
  long timeout_ms = 10000;
  // Default 4: getaddrinfo calls running at once, stuck ones included, so a dead
  // nameserver costs at most this many threads.
  size_t max_lookups = 4;
  // Default 60 s: how long a positive answer is reused. Failures are not cached:
  // the next request for the host asks again.
  long cache_ms = 60000;
};

// Runs on lookup threads, possibly after the Resolver is gone: must be
// thread-safe and own (or share) everything it uses.
using LookupFunction = std::function<HostAddresses(const std::string& host)>;

struct LookupQueue;  // Shared by the Resolver and its lookup threads (resolver.cc).

class Resolver {
 public:
  using Clock = std::chrono::steady_clock;

  struct Answer {
    uint64_t ticket = 0;  // As passed to Resolve().
    HostAddresses result;
  };

  explicit Resolver(ResolverOptions options, LookupFunction lookup = LookupHost);
  // Returns at once: lookups still running finish on their threads and are dropped.
  ~Resolver();
  Resolver(const Resolver&) = delete;
  Resolver& operator=(const Resolver&) = delete;

  // Called on a lookup thread each time a lookup returns, never once ~Resolver
  // has begun; must be quick and must not call into the Resolver (the fetcher
  // passes curl_multi_wakeup). Set it before the first Resolve().
  void SetWakeup(std::function<void()> wakeup);

  // Asks for the addresses of `host` (case-insensitive) on behalf of `ticket`.
  // The answer comes from a later TakeAnswers(), from the next one if cached.
  void Resolve(uint64_t ticket, const std::string& host);

  // The requests answered, failed or timed out since the last call. Never blocks.
  std::vector<Answer> TakeAnswers();

  // Milliseconds until the earliest waiting request times out, rounded up; 0 if
  // one is due, -1 if none waits.
  long MsUntilTimeout() const;

 private:
  struct Waiter {
    uint64_t ticket;
    Clock::time_point deadline;
  };
  struct Cached {
    HostAddresses result;
    Clock::time_point expires;
  };

  void StartLookup(const std::string& host);
  void Deliver(const std::string& host, HostAddresses result, Clock::time_point now);
  void ExpireWaiters(Clock::time_point now);
  void PruneCache(Clock::time_point now);

  const ResolverOptions options_;
  std::shared_ptr<LookupQueue> queue_;
  std::unordered_map<std::string, Cached> cache_;
  Clock::time_point next_prune_;
  std::unordered_map<std::string, std::vector<Waiter>> waiting_;  // By host.
  std::unordered_set<std::string> looking_up_;  // Hosts with a lookup queued or running.
  std::vector<Answer> answers_;                 // Ready for TakeAnswers().
};

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_RESOLVER_H_

// The fetcher's resolver (src/fetch/resolver.h, host_lookup.h) with a lookup
// function the test controls: sharing, caching, the thread limit, timeouts,
// late answers, and a destructor that does not wait. Against a real DNS server
// the same code is tested by fetch_dns_test.cc (tests/dns_test.py).
#include <netdb.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fetch/host_lookup.h"
#include "fetch/resolver.h"

namespace medscrape {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A lookup function under the test's control: it counts calls and concurrent
// calls, blocks while `held`, and answers 192.0.2.1 unless `answers` says
// otherwise. Shared with the lookup threads, which may outlive a Resolver.
struct FakeDns {
  std::mutex mutex;
  std::condition_variable changed;
  bool held = false;
  std::vector<std::string> calls;
  int running = 0;
  int max_running = 0;
  std::map<std::string, HostAddresses> answers;

  void Release() {
    std::lock_guard<std::mutex> lock(mutex);
    held = false;
    changed.notify_all();
  }
  // Waits until `done` holds (checked under the lock); false after 5 s.
  template <typename Predicate>
  bool WaitFor(Predicate done) {
    std::unique_lock<std::mutex> lock(mutex);
    return changed.wait_for(lock, std::chrono::seconds(5), [&] { return done(); });
  }
  size_t Calls() {
    std::lock_guard<std::mutex> lock(mutex);
    return calls.size();
  }
};

LookupFunction Lookup(std::shared_ptr<FakeDns> dns) {
  return [dns](const std::string& host) {
    std::unique_lock<std::mutex> lock(dns->mutex);
    dns->calls.push_back(host);
    dns->max_running = std::max(dns->max_running, ++dns->running);
    dns->changed.notify_all();
    dns->changed.wait(lock, [&] { return !dns->held; });
    --dns->running;
    dns->changed.notify_all();
    const auto found = dns->answers.find(host);
    if (found != dns->answers.end()) return found->second;
    HostAddresses result;
    result.addresses = {"192.0.2.1"};
    return result;
  };
}

ResolverOptions Options(long timeout_ms = 5000, long cache_ms = 60000) {
  ResolverOptions options;
  options.timeout_ms = timeout_ms;
  options.cache_ms = cache_ms;
  return options;
}

// Polls TakeAnswers until `count` answers have come (or 5 s pass), by ticket.
std::map<uint64_t, HostAddresses> TakeAnswers(Resolver& resolver, size_t count) {
  std::map<uint64_t, HostAddresses> answers;
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (answers.size() < count && Clock::now() < deadline) {
    for (Resolver::Answer& answer : resolver.TakeAnswers()) {
      answers[answer.ticket] = std::move(answer.result);
    }
    std::this_thread::sleep_for(milliseconds(1));
  }
  return answers;
}

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST_CASE("getaddrinfo errors split into permanent and transient DNS failures",
          "[fetch][resolver]") {
  CHECK(ClassifyLookupError(EAI_NONAME) == FetchError::kDns);
  CHECK(ClassifyLookupError(EAI_NODATA) == FetchError::kDns);
  CHECK(ClassifyLookupError(EAI_AGAIN) == FetchError::kDnsTimeout);
  CHECK(ClassifyLookupError(EAI_FAIL) == FetchError::kDnsTimeout);
  CHECK(ClassifyLookupError(EAI_MEMORY) == FetchError::kOther);
  CHECK(ClassifyLookupError(EAI_FAMILY) == FetchError::kOther);
  CHECK(std::string(FetchErrorName(FetchError::kDns)) == "dns");
  CHECK(std::string(FetchErrorName(FetchError::kDnsTimeout)) == "dns_timeout");
  CHECK_FALSE(IsRetryable(FetchError::kDns, 0));
  CHECK(IsRetryable(FetchError::kDnsTimeout, 0));
}

TEST_CASE("IP literals are recognised and answers become CURLOPT_RESOLVE lines",
          "[fetch][resolver]") {
  for (const char* literal : {"127.0.0.1", "[::1]", "::1", "[2001:db8::7]", "10.0.0.255"}) {
    CHECK(IsIpLiteral(literal));
  }
  for (const char* name : {"localhost", "example.com", "[example.com]", "", "1.2.3", "[::1"}) {
    CHECK_FALSE(IsIpLiteral(name));
  }
  CHECK(ResolveEntry("example.com", 443, {"192.0.2.1", "2001:db8::1", "198.51.100.2"}) ==
        "example.com:443:192.0.2.1,[2001:db8::1],198.51.100.2");
  CHECK(ResolveEntry("page.lo", 8080, {"127.0.0.1"}) == "page.lo:8080:127.0.0.1");
}

TEST_CASE("LookupHost answers from /etc/hosts and numeric spellings without DNS",
          "[fetch][resolver]") {
  const HostAddresses localhost = LookupHost("localhost");
  REQUIRE(localhost.error == FetchError::kNone);
  CHECK((std::count(localhost.addresses.begin(), localhost.addresses.end(), "127.0.0.1") == 1 ||
         std::count(localhost.addresses.begin(), localhost.addresses.end(), "::1") == 1));
  for (const char* spelling : {"127.0.0.1", "0x7f.1", "2130706433", "127.1"}) {
    INFO(spelling);
    const HostAddresses numeric = LookupHost(spelling);
    CHECK(numeric.error == FetchError::kNone);
    CHECK(numeric.addresses == std::vector<std::string>{"127.0.0.1"});
  }
}

TEST_CASE("Requests for one host share one lookup, and a positive answer is cached",
          "[fetch][resolver]") {
  auto dns = std::make_shared<FakeDns>();
  Resolver resolver(Options(5000, 1000), Lookup(dns));
  resolver.Resolve(1, "a.test");
  resolver.Resolve(2, "A.Test");  // Host names are case-insensitive.
  std::map<uint64_t, HostAddresses> answers = TakeAnswers(resolver, 2);
  REQUIRE(answers.size() == 2);
  CHECK(answers[1].addresses == std::vector<std::string>{"192.0.2.1"});
  CHECK(answers[2].addresses == answers[1].addresses);
  CHECK(dns->Calls() == 1);

  resolver.Resolve(3, "a.test");  // Cached: answered by the next TakeAnswers, no lookup.
  std::vector<Resolver::Answer> cached = resolver.TakeAnswers();
  REQUIRE(cached.size() == 1);
  CHECK(cached[0].ticket == 3);
  CHECK(dns->Calls() == 1);
  CHECK(resolver.MsUntilTimeout() == -1);

  std::this_thread::sleep_for(milliseconds(1050));  // Past cache_ms.
  resolver.Resolve(4, "a.test");
  CHECK(TakeAnswers(resolver, 1).count(4) == 1);
  CHECK(dns->Calls() == 2);
}

TEST_CASE("Failed lookups are not cached", "[fetch][resolver]") {
  auto dns = std::make_shared<FakeDns>();
  dns->answers["gone.test"].error = FetchError::kDns;
  dns->answers["gone.test"].error_text =
      "could not resolve host gone.test: Name or service not known";
  Resolver resolver(Options(), Lookup(dns));
  for (uint64_t ticket = 1; ticket <= 2; ++ticket) {
    resolver.Resolve(ticket, "gone.test");
    std::map<uint64_t, HostAddresses> answers = TakeAnswers(resolver, 1);
    REQUIRE(answers.count(ticket) == 1);
    CHECK(answers[ticket].error == FetchError::kDns);
    CHECK(answers[ticket].addresses.empty());
  }
  CHECK(dns->Calls() == 2);
}

TEST_CASE("At most max_lookups run at once, other hosts wait for a thread", "[fetch][resolver]") {
  auto dns = std::make_shared<FakeDns>();
  dns->held = true;
  Resolver resolver(Options(), Lookup(dns));
  for (uint64_t ticket = 0; ticket < 7; ++ticket) {
    resolver.Resolve(ticket, "host" + std::to_string(ticket) + ".test");
  }
  REQUIRE(dns->WaitFor([&] { return dns->running == 4; }));
  std::this_thread::sleep_for(milliseconds(50));  // A fifth would have started by now.
  CHECK(dns->Calls() == 4);
  CHECK(resolver.TakeAnswers().empty());
  dns->Release();
  CHECK(TakeAnswers(resolver, 7).size() == 7);
  CHECK(dns->max_running == 4);
  CHECK(dns->Calls() == 7);
}

TEST_CASE("A lookup slower than the timeout fails its requests, its late answer is kept",
          "[fetch][resolver]") {
  auto dns = std::make_shared<FakeDns>();
  dns->held = true;
  Resolver resolver(Options(100), Lookup(dns));
  const auto start = Clock::now();
  resolver.Resolve(1, "slow.test");
  const long first_wait = resolver.MsUntilTimeout();
  CHECK(first_wait > 0);
  CHECK(first_wait <= 100);
  std::map<uint64_t, HostAddresses> answers = TakeAnswers(resolver, 1);
  REQUIRE(answers.count(1) == 1);
  CHECK(answers[1].error == FetchError::kDnsTimeout);
  CHECK_THAT(answers[1].error_text, Catch::Contains("slow.test") && Catch::Contains("100 ms"));
  CHECK(SecondsSince(start) >= 0.1);
  CHECK(SecondsSince(start) < 0.9);

  // The lookup is still running: a new request waits for it instead of starting another.
  resolver.Resolve(2, "slow.test");
  dns->Release();
  answers = TakeAnswers(resolver, 1);
  REQUIRE(answers.count(2) == 1);
  CHECK(answers[2].error == FetchError::kNone);
  CHECK(dns->Calls() == 1);
  resolver.Resolve(3, "slow.test");  // The late answer was cached.
  CHECK(TakeAnswers(resolver, 1).count(3) == 1);
  CHECK(dns->Calls() == 1);
}

TEST_CASE("The wakeup runs on the lookup thread when an answer is ready", "[fetch][resolver]") {
  auto dns = std::make_shared<FakeDns>();
  Resolver resolver(Options(), Lookup(dns));
  std::mutex mutex;
  std::condition_variable woken;
  int wakeups = 0;
  resolver.SetWakeup([&] {
    std::lock_guard<std::mutex> lock(mutex);
    ++wakeups;
    woken.notify_all();
  });
  resolver.Resolve(1, "wake.test");
  {
    std::unique_lock<std::mutex> lock(mutex);
    REQUIRE(woken.wait_for(lock, std::chrono::seconds(5), [&] { return wakeups == 1; }));
  }
  const std::vector<Resolver::Answer> answers = resolver.TakeAnswers();  // No polling needed.
  REQUIRE(answers.size() == 1);
  CHECK(answers[0].ticket == 1);
}

TEST_CASE("Destroying a resolver does not wait for a stuck lookup", "[fetch][resolver]") {
  auto dns = std::make_shared<FakeDns>();
  dns->held = true;
  auto wakeups = std::make_shared<std::atomic<int>>(0);
  auto resolver = std::make_unique<Resolver>(Options(), Lookup(dns));
  resolver->SetWakeup([wakeups] { ++*wakeups; });
  resolver->Resolve(1, "stuck.test");
  resolver->Resolve(2, "queued1.test");
  REQUIRE(dns->WaitFor([&] { return dns->running == 2; }));
  // The lookup is held until Release: the destructor returning at all shows it did not wait.
  auto destroyed = std::async(std::launch::async, [&resolver] { resolver.reset(); });
  const bool returned = destroyed.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  dns->Release();  // First, so that a destructor that did wait ends and the test can fail.
  REQUIRE(returned);
  // The threads drop their results, call no wakeup, and exit, releasing the
  // lookup function and with it their share of `dns`.
  const auto deadline = Clock::now() + std::chrono::seconds(5);
  while (dns.use_count() > 1 && Clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
  CHECK(dns.use_count() == 1);
  CHECK(*wakeups == 0);
}

}  // namespace
}  // namespace medscrape

// Shared pieces of the crawl engine tests: a job in a temporary folder run by an
// in-process Crawler, clocks that make engine waits short or free, a scripted
// fetcher, and readers for the test server's request log.
#ifndef MEDSCRAPE_TESTS_CRAWL_TEST_UTIL_H_
#define MEDSCRAPE_TESTS_CRAWL_TEST_UTIL_H_

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "crawl/clock.h"
#include "crawl/crawler.h"
#include "crawl/state_store.h"
#include "extract/registry.h"
#include "extract/site_spec.h"
#include "fetch/fetcher.h"
#include "fetch_test_server.h"
#include "fetch_test_util.h"
#include "url/canonical.h"

namespace medscrape {
namespace testing {

inline constexpr char kFixtureSite[] = MEDSCRAPE_SOURCE_DIR "/fixtures/site";
using Reasons = std::map<std::string, int64_t>;

// SystemClock whose monotonic time runs `factor` times faster, so fixed engine
// waits (the 30 s robots.txt retry) pass in a test's time. Wall time is real.
class FastClock final : public Clock {
 public:
  explicit FastClock(int64_t factor) : factor_(factor), start_(real_.NowMs()) {}
  int64_t NowMs() const override { return start_ + (real_.NowMs() - start_) * factor_; }
  int64_t UnixMs() const override { return real_.UnixMs(); }
  void SleepMs(int64_t ms) const override { real_.SleepMs(ms / factor_); }

 private:
  SystemClock real_;
  int64_t factor_;
  int64_t start_;
};

// A scripted Fetcher on a FakeClock: each request is answered by `handler`
// (called at Start) after the reply's `after_ms` of fake time. Poll returns the
// replies due and, when none is, moves the clock to the next one (at most
// timeout_ms), so the engine runs without sockets or real waiting. Counts its
// Poll calls: with FakeClock::sleeps() that is every time the engine woke.
class FakeFetcher final : public Fetcher {
 public:
  struct Reply {
    FetchResponse response;  // id and url are filled in.
    int64_t after_ms = 0;
  };
  using Handler = std::function<Reply(const FetchRequest&)>;
  struct Seen {
    FetchRequest request;
    int64_t at_ms;  // FakeClock::NowMs() at Start.
  };

  FakeFetcher(FakeClock& clock, Handler handler) : clock_(clock), handler_(std::move(handler)) {}

  void Start(FetchRequest request) override {
    seen_.push_back(Seen{request, clock_.NowMs()});
    Reply reply = handler_(request);
    reply.response.id = request.id;
    reply.response.url = request.url;
    queue_.emplace(clock_.NowMs() + reply.after_ms, std::move(reply.response));
  }
  std::vector<FetchResponse> Poll(int timeout_ms) override {
    ++polls_;
    std::vector<FetchResponse> done;
    if (queue_.empty()) return done;
    const int64_t wait = queue_.begin()->first - clock_.NowMs();
    if (wait > 0) clock_.AdvanceMs(std::min<int64_t>(wait, timeout_ms));
    while (!queue_.empty() && queue_.begin()->first <= clock_.NowMs()) {
      done.push_back(std::move(queue_.begin()->second));
      queue_.erase(queue_.begin());
    }
    return done;
  }
  size_t InFlight() const override { return queue_.size(); }

  const std::vector<Seen>& seen() const { return seen_; }
  int64_t polls() const { return polls_; }

 private:
  FakeClock& clock_;
  Handler handler_;
  std::multimap<int64_t, FetchResponse> queue_;  // By due time, then start order.
  std::vector<Seen> seen_;
  int64_t polls_ = 0;
};

inline FetchResponse HttpReply(int status, std::string body = "",
                               std::string content_type = "text/html; charset=utf-8") {
  FetchResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  response.retryable = IsRetryable(FetchError::kNone, status);
  return response;
}

inline FetchOptions CrawlFetchOptions() {
  FetchOptions options = LoopbackOptions();
  options.connect_timeout_ms = 1000;
  options.total_timeout_ms = 3000;
  options.max_body_bytes = 1u << 20;
  return options;
}

// A crawl job in a temporary folder: fast politeness settings, mfk.com rules.
struct Job {
  TempDir dir;
  CrawlOptions options;
  FetchOptions fetch = CrawlFetchOptions();
  const Registry* registry = &BuiltinRegistry();

  explicit Job(std::vector<std::string> seeds) {
    options.seeds = std::move(seeds);
    options.out_path = dir.path() + "/out.jsonl";
    options.state_path = dir.path() + "/state.db";
    options.site = "mfk.com";
    options.concurrency = 4;
    options.politeness.per_host = 4;
    options.politeness.delay_s = 0;
    options.politeness.auto_throttle = false;
    options.politeness.max_retries = 2;
    options.politeness.backoff_base_s = 0.05;
    options.politeness.backoff_max_s = 0.2;
  }

  CrawlSummary Run(Fetcher& fetcher, const Clock& clock) {
    Crawler crawler(options, fetcher, clock, *registry);
    std::atomic<bool> stop{false};
    Result<CrawlSummary> summary = crawler.Run(stop);
    INFO(summary.status().message());
    REQUIRE(summary.ok());
    return summary.value();
  }
  CrawlSummary Run(const Clock& clock) {
    std::unique_ptr<Fetcher> fetcher = MakeCurlFetcher(fetch);
    return Run(*fetcher, clock);
  }
  CrawlSummary Run() { return Run(SystemClock()); }

  std::vector<Json> Records() const {
    std::vector<Json> records;
    std::ifstream in(options.out_path);
    for (std::string line; std::getline(in, line);) {
      Json record = Json::parse(line, nullptr, /*allow_exceptions=*/false);
      REQUIRE_FALSE(record.is_discarded());
      records.push_back(std::move(record));
    }
    return records;
  }

  // Every row of the job's state (ids are dense from 1), read after Run().
  std::vector<UrlEntry> State() const {
    Result<std::unique_ptr<StateStore>> store = StateStore::Open(options.state_path, false);
    INFO(store.status().message());
    REQUIRE(store.ok());
    std::vector<UrlEntry> rows;
    for (int64_t id = 1;; ++id) {
      Result<UrlEntry> entry = store.value()->Get(id);
      if (!entry.ok()) break;
      rows.push_back(entry.value());
    }
    return rows;
  }
  // The row of `url` (compared in canonical form), or nullptr.
  static const UrlEntry* Find(const std::vector<UrlEntry>& rows, const std::string& url) {
    const std::string canonical = CanonicalizeUrl(url).value_or(url);
    for (const UrlEntry& row : rows) {
      if (row.url == canonical) return &row;
    }
    return nullptr;
  }
};

// The server's log lines whose path starts with `prefix`, oldest first.
inline std::vector<Json> Requests(const TestServer& server, const std::string& prefix) {
  std::vector<Json> requests;
  for (const std::string& line : server.LogLines()) {
    Json request = Json::parse(line);
    if (request["path"].get<std::string>().rfind(prefix, 0) == 0) requests.push_back(request);
  }
  return requests;
}

inline std::multiset<std::string> Urls(const std::vector<Json>& records) {
  std::multiset<std::string> urls;
  for (const Json& record : records) urls.insert(record["url"].get<std::string>());
  return urls;
}

// A copy of the fixture mirror whose robots.txt is `robots`.
inline void CopySite(const TempDir& site, const std::string& robots) {
  std::filesystem::copy(kFixtureSite, site.path(), std::filesystem::copy_options::recursive);
  REQUIRE(site.Write("robots.txt", robots));
}

}  // namespace testing
}  // namespace medscrape

// A TestServer serving `root` (with TestServer's options), or a failed test.
#define START_SERVER(name, root, ...)    \
  TestServer name(root, ##__VA_ARGS__); \
  INFO(name.error());                    \
  REQUIRE(name.ok())

#endif  // MEDSCRAPE_TESTS_CRAWL_TEST_UTIL_H_

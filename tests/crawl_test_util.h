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
#include "extractors/builtin.h"
#include "fake_fetcher.h"
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
    Result<std::unique_ptr<StateStore>> store = OpenStateStore(options.state_path, false);
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

// "failed:http_404=1 skipped:robots=2", for INFO lines.
inline std::string Describe(const Reasons& reasons) {
  std::string text;
  for (const auto& [reason, count] : reasons) text += reason + "=" + std::to_string(count) + " ";
  return text;
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
#define START_SERVER(name, root, ...)   \
  TestServer name(root, ##__VA_ARGS__); \
  INFO(name.error());                   \
  REQUIRE(name.ok())

#endif  // MEDSCRAPE_TESTS_CRAWL_TEST_UTIL_H_

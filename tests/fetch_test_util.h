// Shared pieces of the fetch tests: options for loopback servers, running
// requests to completion, reading the test server's JSON request log.
#ifndef MEDSCRAPE_TESTS_FETCH_TEST_UTIL_H_
#define MEDSCRAPE_TESTS_FETCH_TEST_UTIL_H_

#include <sys/resource.h>

#include <chrono>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "fetch/fetcher.h"

namespace medscrape {
namespace testing {

inline constexpr char kTestUserAgent[] = "medscrape-test/1.0 (+https://example.invalid/bot)";

// Options for talking to 127.0.0.1: private addresses allowed, small timeouts,
// and no proxy from the environment (it would intercept loopback requests).
inline FetchOptions LoopbackOptions() {
  for (const char* name :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    unsetenv(name);
  }
  FetchOptions options;
  options.user_agent = kTestUserAgent;
  options.allow_private = true;
  options.connect_timeout_ms = 2000;
  options.total_timeout_ms = 10000;
  return options;
}

inline FetchRequest Request(uint64_t id, std::string url) {
  FetchRequest request;
  request.id = id;
  request.url = std::move(url);
  return request;
}

// Polls until every started request has finished (or `limit_s` passes, which a
// test then reports as missing responses). Returns responses in finishing order.
inline std::vector<FetchResponse> RunAll(Fetcher& fetcher, double limit_s = 30) {
  std::vector<FetchResponse> done;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<long>(limit_s * 1000));
  while (fetcher.InFlight() > 0 && std::chrono::steady_clock::now() < deadline) {
    for (FetchResponse& response : fetcher.Poll(100)) done.push_back(std::move(response));
  }
  return done;
}

// Fetches one URL with a fresh fetcher; a response with error kOther and
// error_text "no response" if none came back in time.
inline FetchResponse FetchOne(const std::string& url, const FetchOptions& options,
                              FetchRequest request = {}) {
  auto fetcher = MakeCurlFetcher(options);
  request.id = 7;
  request.url = url;
  fetcher->Start(request);
  std::vector<FetchResponse> done = RunAll(*fetcher);
  if (done.size() == 1) return done[0];
  FetchResponse missing;
  missing.error = FetchError::kOther;
  missing.error_text = "no response";
  return missing;
}

inline double SecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The integer after `"key": ` in one log line (json.dumps' default spacing); -1 if absent.
inline long JsonInt(std::string_view line, std::string_view key) {
  const std::string needle = "\"" + std::string(key) + "\": ";
  const size_t at = line.find(needle);
  if (at == std::string_view::npos) return -1;
  return std::strtol(std::string(line.substr(at + needle.size(), 20)).c_str(), nullptr, 10);
}

// How many TCP connections the server saw across these log lines.
inline size_t DistinctConnections(const std::vector<std::string>& lines) {
  std::set<long> connections;
  for (const std::string& line : lines) connections.insert(JsonInt(line, "conn"));
  return connections.size();
}

// Peak resident set size of this process so far, in bytes.
inline size_t PeakRssBytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<size_t>(usage.ru_maxrss) * 1024;
}

}  // namespace testing
}  // namespace medscrape

#endif  // MEDSCRAPE_TESTS_FETCH_TEST_UTIL_H_

// docs/reliability.md N6 against a real DNS server: the curl fetcher tells a name
// that does not exist (kDns, permanent) from a resolver that does not answer
// (kDnsTimeout, retryable). Hidden ("[.dns]"): tests/dns_test.py runs them in
// a private user+mount+network namespace whose /etc/resolv.conf names only
// tests/dns_test_server.py on 127.0.0.1 (`options timeout:1 attempts:1`), and
// passes that server's query log in MEDSCRAPE_DNS_LOG. Zones: *.lo -> A
// 127.0.0.1, *.nx -> NXDOMAIN, *.empty -> no address, *.servfail, *.refused,
// *.silent -> no reply.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fetch/fetcher.h"
#include "fetch_test_server.h"
#include "fetch_test_util.h"

namespace medscrape {
namespace {

using testing::FetchOne;
using testing::LoopbackOptions;
using testing::Request;
using testing::RunAll;
using testing::SecondsSince;
using testing::TempDir;
using testing::TestServer;

// The DNS server's query log; the tests fail (not skip) outside the driver.
std::string DnsLogPath() {
  const char* path = std::getenv("MEDSCRAPE_DNS_LOG");
  INFO("run these tests with tests/dns_test.py (ctest -R dns_namespace)");
  REQUIRE(path != nullptr);
  return path;
}

// Queries the DNS server saw for `name` with record type `type` ("A", "AAAA").
int DnsQueries(const std::string& name, const std::string& type) {
  const std::string needle = "\"name\": \"" + name + "\", \"type\": \"" + type + "\",";
  std::ifstream log(DnsLogPath());
  int count = 0;
  for (std::string line; std::getline(log, line);) count += line.find(needle) != std::string::npos;
  return count;
}

void CheckDnsFailure(const FetchResponse& response, FetchError error) {
  INFO(response.url << ": " << FetchErrorName(response.error) << ": " << response.error_text);
  CHECK(response.error == error);
  CHECK(response.retryable == (error == FetchError::kDnsTimeout));
  CHECK(response.status == 0);
  CHECK(response.primary_ip.empty());
  CHECK(response.body.empty());
}

// A served root with one page, and the server on it.
struct Site {
  Site() : server(WritePage(root)) {}
  static std::string WritePage(const TempDir& root) {
    root.Write("page.html", "<html><title>dns</title></html>");
    return root.path();
  }
  std::string url(const std::string& host) const {
    return "http://" + host + ":" + std::to_string(server.port()) + "/page.html";
  }
  TempDir root;
  TestServer server;
};

TEST_CASE("NXDOMAIN and a name without addresses fail at once, for good", "[.dns]") {
  DnsLogPath();
  for (const char* url : {"http://gone1.nx/x", "http://nothing.empty:8080/x"}) {
    const auto start = std::chrono::steady_clock::now();
    const FetchResponse response = FetchOne(url, LoopbackOptions());
    CheckDnsFailure(response, FetchError::kDns);
    CHECK_THAT(response.error_text, Catch::Contains("could not resolve host"));
    CHECK(SecondsSince(start) < 0.9);  // Not glibc's 1 s timeout.
  }
  CHECK(DnsQueries("gone1.nx", "A") == 1);
}

TEST_CASE("A nameserver that never answers gives a retryable dns_timeout", "[.dns]") {
  DnsLogPath();
  FetchOptions options = LoopbackOptions();
  options.connect_timeout_ms = 5000;  // Longer than glibc's 1 s: glibc gives up first.
  const auto start = std::chrono::steady_clock::now();
  const FetchResponse response = FetchOne("http://slow1.silent/x", options);
  CheckDnsFailure(response, FetchError::kDnsTimeout);
  CHECK_THAT(response.error_text, Catch::Contains("Temporary failure in name resolution"));
  CHECK(SecondsSince(start) >= 0.9);
  CHECK(SecondsSince(start) < 3);
  CHECK(response.seconds >= 0.9);  // Time spent resolving counts.
}

TEST_CASE("A lookup slower than the connect timeout fails on time, teardown does not wait",
          "[.dns]") {
  DnsLogPath();
  FetchOptions options = LoopbackOptions();
  options.connect_timeout_ms = 300;  // Shorter than glibc's 1 s: our own timeout fires.
  auto fetcher = MakeCurlFetcher(options);
  const auto start = std::chrono::steady_clock::now();
  fetcher->Start(Request(1, "http://slow2.silent/x"));
  fetcher->Start(Request(2, "http://slow2.silent/y"));  // Waits for the same lookup.
  const std::vector<FetchResponse> done = RunAll(*fetcher, 5);
  const double elapsed = SecondsSince(start);
  REQUIRE(done.size() == 2);
  for (const FetchResponse& response : done) {
    CheckDnsFailure(response, FetchError::kDnsTimeout);
    CHECK_THAT(response.error_text, Catch::Contains("longer than 300 ms"));
  }
  CHECK(elapsed >= 0.29);
  CHECK(elapsed < 0.95);
  CHECK(DnsQueries("slow2.silent", "A") == 1);

  // glibc's lookup is still waiting for its 1 s; the fetcher goes at once.
  fetcher->Start(Request(3, "http://slow3.silent/x"));
  CHECK(fetcher->Poll(50).empty());
  const auto teardown = std::chrono::steady_clock::now();
  fetcher.reset();
  CHECK(SecondsSince(teardown) < 0.9);
}

TEST_CASE("SERVFAIL and REFUSED are transient: a retryable dns_timeout", "[.dns]") {
  DnsLogPath();
  for (const char* url : {"http://x.servfail/", "http://x.refused/"}) {
    const auto start = std::chrono::steady_clock::now();
    CheckDnsFailure(FetchOne(url, LoopbackOptions()), FetchError::kDnsTimeout);
    CHECK(SecondsSince(start) < 0.9);
  }
}

TEST_CASE("A name that resolves to loopback is fetched only with allow_private", "[.dns]") {
  DnsLogPath();
  Site site;
  REQUIRE(site.server.ok());
  const FetchResponse fetched = FetchOne(site.url("page1.lo"), LoopbackOptions());
  INFO(fetched.error_text);
  CHECK(fetched.error == FetchError::kNone);
  CHECK(fetched.status == 200);
  CHECK(fetched.body == "<html><title>dns</title></html>");
  CHECK(fetched.primary_ip == "127.0.0.1");
  CHECK(DnsQueries("page1.lo", "A") == 1);  // libcurl used the pinned address.

  FetchOptions strict = LoopbackOptions();
  strict.allow_private = false;
  const FetchResponse refused = FetchOne(site.url("page2.lo"), strict);
  CHECK(refused.error == FetchError::kBlockedAddress);
  CHECK_FALSE(refused.retryable);
  CHECK_THAT(refused.error_text, Catch::Contains("127.0.0.1"));
  CHECK(site.server.LogLines().size() == 1);  // Only the allowed request got through.
}

TEST_CASE("Requests for one host share one lookup and its cached answer", "[.dns]") {
  DnsLogPath();
  Site site;
  REQUIRE(site.server.ok());
  auto fetcher = MakeCurlFetcher(LoopbackOptions());
  fetcher->Start(Request(1, site.url("twice.lo")));
  fetcher->Start(Request(2, site.url("TWICE.lo")));
  std::vector<FetchResponse> done = RunAll(*fetcher);
  fetcher->Start(Request(3, site.url("twice.lo")));  // Cached for 60 s.
  for (FetchResponse& response : RunAll(*fetcher)) done.push_back(std::move(response));
  REQUIRE(done.size() == 3);
  for (const FetchResponse& response : done) {
    INFO(response.url << ": " << response.error_text);
    CHECK(response.status == 200);
  }
  CHECK(DnsQueries("twice.lo", "A") == 1);
  CHECK(DnsQueries("twice.lo", "AAAA") <= 1);
}

TEST_CASE("A name with a trailing dot uses the pinned answer", "[.dns]") {
  DnsLogPath();
  Site site;
  REQUIRE(site.server.ok());
  const FetchResponse response = FetchOne(site.url("dot.lo."), LoopbackOptions());
  INFO(response.error_text);
  CHECK(response.status == 200);
  CHECK(DnsQueries("dot.lo", "A") == 1);
}

TEST_CASE("Through a proxy the fetcher resolves nothing itself", "[.dns]") {
  DnsLogPath();
  Site site;  // Serves absolute-form request targets, as a proxy gets them.
  REQUIRE(site.server.ok());
  FetchOptions options = LoopbackOptions();
  options.proxy = site.server.url("");
  const FetchResponse by_option = FetchOne("http://proxied1.nx/page.html", options);
  INFO(by_option.error_text);
  CHECK(by_option.status == 200);

  FetchOptions from_environment = LoopbackOptions();  // Clears the proxy variables first.
  setenv("http_proxy", site.server.url("").c_str(), 1);
  const FetchResponse by_environment = FetchOne("http://proxied2.nx/page.html", from_environment);
  unsetenv("http_proxy");
  INFO(by_environment.error_text);
  CHECK(by_environment.status == 200);
  CHECK(DnsQueries("proxied1.nx", "A") == 0);
  CHECK(DnsQueries("proxied2.nx", "A") == 0);
  const std::vector<std::string> log = site.server.LogLines();
  REQUIRE(log.size() == 2);
  CHECK_THAT(log[0], Catch::Contains("\"target\": \"http://proxied1.nx/page.html\""));
}

}  // namespace
}  // namespace medscrape

// The curl fetcher against misbehaving servers (docs/reliability.md N1-N5, N11, N13,
// C10, C11): every fault ends in one response with the right FetchError, on time,
// and never as a truncated success.
#include <catch2/catch.hpp>
#include <string>

#include "fetch/fetcher.h"
#include "fetch_test_server.h"
#include "fetch_test_util.h"

namespace medscrape {
namespace {

using testing::FetchOne;
using testing::LoopbackOptions;
using testing::PeakRssBytes;
using testing::Request;
using testing::RunAll;
using testing::SecondsSince;
using testing::TempDir;
using testing::TestServer;

// Starts every path at once on one fetcher and returns the responses by id
// (index i for paths[i]), so slow faults overlap instead of adding up.
std::vector<FetchResponse> FetchAll(const TestServer& server, const std::vector<std::string>& paths,
                                    const FetchOptions& options) {
  auto fetcher = MakeCurlFetcher(options);
  for (size_t i = 0; i < paths.size(); ++i) fetcher->Start(Request(i, server.url(paths[i])));
  std::vector<FetchResponse> by_id(paths.size());
  for (FetchResponse& response : RunAll(*fetcher)) by_id.at(response.id) = std::move(response);
  return by_id;
}

// A failed response carries no status, headers or body.
void CheckFailed(const FetchResponse& response, FetchError error, bool retryable) {
  INFO(response.url << ": " << FetchErrorName(response.error) << " " << response.error_text);
  CHECK(response.error == error);
  CHECK(response.retryable == retryable);
  CHECK(response.status == 0);
  CHECK(response.body.empty());
  CHECK(response.content_type.empty());
  CHECK_FALSE(response.error_text.empty());
}

TEST_CASE("A gzip bomb stops at the decoded-size cap with bounded memory", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  FetchOptions options = LoopbackOptions();
  options.max_body_bytes = 1 << 20;
  options.total_timeout_ms = 30000;  // The server compresses 200 MB before answering.
  const size_t rss_before = PeakRssBytes();
  const FetchResponse response =
      FetchOne(server.url("/_fault/gzip-bomb?decoded=200000000&enc=gzip"), options);
  CheckFailed(response, FetchError::kTooLarge, false);
  CHECK_THAT(response.error_text, Catch::Contains("1048576"));
  CHECK(response.wire_bytes < 1000000);  // Stopped early: the whole bomb is ~200 KB.
  CHECK(PeakRssBytes() - rss_before < (64u << 20));
}

TEST_CASE("A br bomb stops at the decoded-size cap with bounded memory", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  FetchOptions options = LoopbackOptions();
  options.max_body_bytes = 1 << 20;
  options.total_timeout_ms = 30000;
  const size_t rss_before = PeakRssBytes();
  // 200 MB of zeros in ~400 bytes (python3-brotli; the server answers 501 without it).
  const FetchResponse response =
      FetchOne(server.url("/_fault/gzip-bomb?decoded=200000000&enc=br"), options);
  CheckFailed(response, FetchError::kTooLarge, false);
  CHECK_THAT(response.error_text, Catch::Contains("1048576"));
  CHECK(PeakRssBytes() - rss_before < (64u << 20));  // The cap plus brotli's window at most.
}

TEST_CASE("Plain bodies over the cap fail with or without Content-Length", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  FetchOptions options = LoopbackOptions();
  options.max_body_bytes = 1 << 20;
  const std::vector<FetchResponse> responses =
      FetchAll(server,
               {"/_fault/big?mb=3&length=1", "/_fault/big?mb=3&length=0&te=chunked",
                "/_fault/big?mb=3&length=0&te=close", "/_fault/big?mb=1&length=1",
                "/_fault/big?mb=0.5&length=0&te=close"},
               options);
  for (int i = 0; i < 3; ++i) CheckFailed(responses[i], FetchError::kTooLarge, false);
  CHECK(responses[3].error == FetchError::kNone);  // Exactly at the cap is allowed.
  CHECK(responses[3].body.size() == (1u << 20));
  CHECK(responses[4].error == FetchError::kNone);
  CHECK(responses[4].body.size() == (1u << 19));
}

TEST_CASE("keep_prefix: a body over the request's cap is cut there and returned as a success",
          "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  FetchOptions options = LoopbackOptions();
  options.total_timeout_ms = 30000;
  constexpr size_t kCap = 500 * 1024;  // What RFC 9309 reads of a robots.txt.
  for (const char* path : {"/_fault/big?mb=3&length=1", "/_fault/big?mb=3&length=0&te=chunked",
                           "/_fault/gzip-bomb?decoded=200000000&enc=gzip",
                           "/_fault/gzip-bomb?decoded=200000000&enc=br"}) {
    INFO(path);
    FetchRequest request;
    request.max_body_bytes = kCap;
    request.keep_prefix = true;
    const FetchResponse response = FetchOne(server.url(path), options, request);
    CHECK(response.error == FetchError::kNone);
    CHECK(response.status == 200);
    CHECK(response.truncated);
    CHECK(response.body.size() == kCap);
    CHECK(response.wire_bytes < 4u << 20);  // Stopped at the cap, not read to the end.
  }
  // Under the cap nothing is cut; without keep_prefix the request's cap is a failure.
  FetchRequest request;
  request.max_body_bytes = kCap;
  request.keep_prefix = true;
  const FetchResponse small =
      FetchOne(server.url("/_fault/big?mb=0.25&length=1"), options, request);
  CHECK(small.error == FetchError::kNone);
  CHECK_FALSE(small.truncated);
  CHECK(small.body.size() == 262144);
  request.keep_prefix = false;
  const FetchResponse refused = FetchOne(server.url("/_fault/big?mb=1&length=1"), options, request);
  CheckFailed(refused, FetchError::kTooLarge, false);
  CHECK_THAT(refused.error_text, Catch::Contains("512000"));
}

TEST_CASE("Broken framing and encoding are protocol errors", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  const std::vector<std::string> paths = {
      "/_fault/short-body?send=100&claim=5000",    "/_fault/bad-chunked?kind=badsize",
      "/_fault/bad-chunked?kind=overflow",         "/_fault/bad-chunked?kind=truncated",
      "/_fault/bad-chunked?kind=nofinal",          "/_fault/empty-reply",
      "/_fault/gzip-lie?kind=plain&enc=gzip",      "/_fault/gzip-lie?kind=corrupt&enc=gzip",
      "/_fault/gzip-lie?kind=corrupt&enc=deflate", "/_fault/gzip-lie?kind=plain&enc=br",
      "/_fault/gzip-lie?kind=corrupt&enc=br",
  };
  const std::vector<FetchResponse> responses = FetchAll(server, paths, LoopbackOptions());
  for (const FetchResponse& response : responses) {
    CheckFailed(response, FetchError::kProtocol, true);
  }
  CHECK_THAT(responses[5].error_text, Catch::Contains("Empty reply"));
  CHECK_THAT(responses[9].error_text, Catch::Contains("bad br stream"));
  CHECK_THAT(responses[10].error_text, Catch::Contains("bad br stream"));
}

TEST_CASE("Replies that are not valid HTTP/1.1 are protocol errors", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  const std::vector<FetchResponse> responses =
      FetchAll(server,
               {"/_fault/bad-reply?kind=garbage", "/_fault/bad-reply?kind=http09",
                "/_fault/bad-reply?kind=huge-header", "/_fault/bad-reply?kind=two-lengths",
                "/_fault/bad-reply?kind=huge-header&kb=200"},
               LoopbackOptions());
  for (const FetchResponse& response : responses) {
    INFO(response.url << ": " << response.error_text);
    CheckFailed(response, FetchError::kProtocol, true);
  }
  CHECK_THAT(responses[1].error_text, Catch::Contains("HTTP/0.9"));
  CHECK_THAT(responses[2].error_text, Catch::Contains("header"));
  CHECK(responses[3].error_text == "conflicting Content-Length headers: 130, 120");
}

TEST_CASE("A compressed stream cut short in a framed response is a protocol error",
          "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  // Content-Length matches the bytes sent: only the end of the stream is missing.
  const std::vector<FetchResponse> responses = FetchAll(
      server,
      {"/_fault/gzip-lie?kind=truncated&enc=gzip", "/_fault/gzip-lie?kind=truncated&enc=deflate",
       "/_fault/gzip-lie?kind=truncated&enc=raw-deflate", "/_fault/gzip-lie?kind=truncated&enc=br"},
      LoopbackOptions());
  for (const FetchResponse& response : responses) {
    CheckFailed(response, FetchError::kProtocol, true);
    CHECK_THAT(response.error_text, Catch::Contains("truncated"));
    CHECK(response.wire_bytes > 0);
  }
  CHECK_THAT(responses[3].error_text, Catch::Contains("truncated br stream"));
}

TEST_CASE("Raw deflate under Content-Encoding: deflate is decoded", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  const FetchResponse response =
      FetchOne(server.url("/_fault/gzip-bomb?decoded=300000&enc=raw-deflate"), LoopbackOptions());
  CHECK(response.error == FetchError::kNone);
  CHECK(response.status == 200);
  REQUIRE(response.body.size() == 300000);
  CHECK(response.body.rfind("<!DOCTYPE html>", 0) == 0);
  CHECK(response.wire_bytes < 20000);
}

TEST_CASE("A connection reset mid-body is kReset", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  const FetchResponse response =
      FetchOne(server.url("/_fault/reset-mid-body?after=2000&claim=20000"), LoopbackOptions());
  CheckFailed(response, FetchError::kReset, true);
  CHECK_THAT(response.error_text, Catch::Contains("reset"));
}

TEST_CASE("Stalled headers and bodies time out on time", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  FetchOptions options = LoopbackOptions();
  options.total_timeout_ms = 1500;
  const auto start = std::chrono::steady_clock::now();
  const std::vector<FetchResponse> responses = FetchAll(
      server, {"/_fault/stall-headers?hold=20", "/_fault/stall-body?after=1000&hold=20"}, options);
  CHECK(SecondsSince(start) < 4);
  for (const FetchResponse& response : responses) {
    CheckFailed(response, FetchError::kTimeout, true);
    CHECK(response.seconds >= 1.4);
    CHECK(response.seconds < 3);
  }
}

TEST_CASE("A drip is cut off by the low-speed limit", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path());
  REQUIRE(server.ok());
  FetchOptions options = LoopbackOptions();
  options.low_speed_limit_bytes = 100;
  options.low_speed_time_s = 1;
  options.total_timeout_ms = 20000;
  const std::vector<FetchResponse> responses = FetchAll(
      server, {"/_fault/drip?rate=1&total=100000", "/_fault/drip?rate=1&total=100000&part=headers"},
      options);
  for (const FetchResponse& response : responses) {
    CheckFailed(response, FetchError::kTimeout, true);
    CHECK_THAT(response.error_text, Catch::Contains("too slow"));
    CHECK(response.seconds < 5);
  }
}

TEST_CASE("Connect failures: never completing, refused, unresolvable", "[fetch][faults]") {
  TempDir root;
  TestServer server(root.path(), {"--blackhole-port", "0"});
  REQUIRE(server.ok());
  REQUIRE(server.blackhole_port() > 0);
  FetchOptions options = LoopbackOptions();
  options.connect_timeout_ms = 500;
  const FetchResponse hang =
      FetchOne("http://127.0.0.1:" + std::to_string(server.blackhole_port()) + "/", options);
  CheckFailed(hang, FetchError::kTimeout, true);
  CHECK(hang.seconds < 2.5);

  // The port of a listener that was just closed: nothing listens there.
  int closed_port = 0;
  {
    TestServer gone(root.path());
    REQUIRE(gone.ok());
    closed_port = gone.port();
  }
  CheckFailed(FetchOne("http://127.0.0.1:" + std::to_string(closed_port) + "/", options),
              FetchError::kConnect, true);

  // NXDOMAIN from a working resolver; a machine without one gets the retryable
  // kind. Both, and the resolver's own timeout, are pinned down against a real
  // DNS server in fetch_dns_test.cc (run by tests/dns_test.py).
  const FetchResponse unresolvable = FetchOne("http://no-such-host.invalid/", options);
  const FetchError dns_error =
      unresolvable.error == FetchError::kDnsTimeout ? FetchError::kDnsTimeout : FetchError::kDns;
  CheckFailed(unresolvable, dns_error, dns_error == FetchError::kDnsTimeout);
}

TEST_CASE("Bad URLs fail at once without a transfer", "[fetch][faults]") {
  auto fetcher = MakeCurlFetcher(LoopbackOptions());
  const std::vector<std::string> urls = {
      "",
      "example.com/page",
      "ftp://example.com/file",
      "file:///etc/passwd",
      "gopher://x/",
      "http://exa mple.com/",
      "http://[::1/",
      "javascript:alert(1)",
      "http://example.com/" + std::string(5000, 'a'),
      std::string("http://a\0b/", 11),
  };
  for (size_t i = 0; i < urls.size(); ++i) fetcher->Start(Request(i, urls[i]));
  CHECK(fetcher->InFlight() == urls.size());
  const auto start = std::chrono::steady_clock::now();
  const std::vector<FetchResponse> done = fetcher->Poll(10000);
  CHECK(SecondsSince(start) < 1);
  CHECK(fetcher->InFlight() == 0);
  REQUIRE(done.size() == urls.size());
  for (const FetchResponse& response : done) {
    CHECK(response.url == urls.at(response.id));
    CheckFailed(response, FetchError::kBadUrl, false);
  }
}

TEST_CASE("A fetcher without a user agent refuses every request", "[fetch][faults]") {
  FetchOptions options = LoopbackOptions();
  options.user_agent.clear();
  const FetchResponse response = FetchOne("http://127.0.0.1:9/", options);
  CheckFailed(response, FetchError::kOther, false);
  CHECK_THAT(response.error_text, Catch::Contains("user_agent"));
}

TEST_CASE("Private addresses are refused in every spelling, before any connection",
          "[fetch][faults]") {
  // By the host's spelling (RefusedHost), or at connect time for names that resolve to one.
  TempDir root;
  root.Write("index.html", "secret");
  TestServer server(root.path());
  REQUIRE(server.ok());
  FetchOptions options = LoopbackOptions();
  options.allow_private = false;
  const std::string port = std::to_string(server.port());
  const char* hosts[] = {"127.0.0.1",  "localhost", "0x7f.1",  "2130706433",        "127.1",
                         "0177.0.0.1", "[::1]",     "0.0.0.0", "[::ffff:127.0.0.1]"};
  for (const char* host : hosts) {
    const FetchResponse response =
        FetchOne(std::string("http://") + host + ":" + port + "/index.html", options);
    CheckFailed(response, FetchError::kBlockedAddress, false);
    CHECK_THAT(response.error_text, Catch::Contains("--allow-private"));
    CHECK(response.primary_ip.empty());
  }
  for (const char* url : {"http://169.254.169.254/latest/meta-data/", "http://100.100.100.200/",
                          "http://10.0.0.1/", "http://[fd00::1]/"}) {
    CheckFailed(FetchOne(url, options), FetchError::kBlockedAddress, false);
  }
  CHECK(server.LogLines().empty());  // Not one request reached the server.
  options.allow_private = true;
  CHECK(FetchOne(server.url("/index.html"), options).body == "secret");
}

}  // namespace
}  // namespace medscrape

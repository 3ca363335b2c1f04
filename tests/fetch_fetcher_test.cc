// The curl fetcher against the shared test server on 127.0.0.1: the normal
// paths (status, headers, conditional requests, decoding, redirects, status
// codes, concurrency, connection reuse).
#include <brotli/encode.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <string>

#include "fetch/fetcher.h"
#include "fetch_test_server.h"
#include "fetch_test_util.h"

namespace medscrape {
namespace {

using testing::DistinctConnections;
using testing::FetchOne;
using testing::JsonInt;
using testing::LoopbackOptions;
using testing::Request;
using testing::RunAll;
using testing::SecondsSince;
using testing::TempDir;
using testing::TestServer;

const char kPage[] =
    "<!DOCTYPE html><html><head><title>t</title></head><body>你好, 医生</body></html>\n";

// A served root with one page, and the server on it.
struct Site {
  Site() : server(WritePage(root)) {}
  static std::string WritePage(const TempDir& root) {
    root.Write("page.html", kPage);
    return root.path();
  }
  TempDir root;
  TestServer server;
};

TEST_CASE("A 200 response carries body, headers and transfer facts", "[fetch]") {
  Site site;
  REQUIRE(site.server.ok());
  FetchRequest request;
  const FetchResponse response =
      FetchOne(site.server.url("/page.html"), LoopbackOptions(), request);
  CHECK(response.id == 7);
  CHECK(response.url == site.server.url("/page.html"));
  CHECK(response.error == FetchError::kNone);
  CHECK(response.error_text.empty());
  CHECK(response.status == 200);
  CHECK_FALSE(response.retryable);
  CHECK(response.body == kPage);
  CHECK(response.content_type == "text/html; charset=utf-8");
  CHECK(response.etag.size() == 42);  // Quoted SHA-1 hex.
  CHECK(response.etag.front() == '"');
  CHECK(response.last_modified.find("GMT") != std::string::npos);
  CHECK(response.location.empty());
  CHECK(response.primary_ip == "127.0.0.1");
  CHECK(response.seconds > 0);
  CHECK(response.wire_bytes > response.body.size());  // Headers count too.

  // What went out on the wire.
  const std::vector<std::string> log = site.server.LogLines();
  REQUIRE(log.size() == 1);
  CHECK_THAT(log[0], Catch::Contains(std::string("\"user_agent\": \"") + testing::kTestUserAgent));
  CHECK_THAT(log[0],
             Catch::Contains("\"accept\": \"text/html,application/xhtml+xml;q=0.9,*/*;q=0.1\""));
  CHECK_THAT(log[0], Catch::Contains("\"accept-language\": \"zh-CN,zh;q=0.9\""));
  CHECK_THAT(log[0], Catch::Contains("\"accept-encoding\": \"gzip, deflate, br\""));
  CHECK_THAT(log[0], Catch::Contains("\"if_none_match\": null"));
}

TEST_CASE("Conditional requests get 304 with an empty body", "[fetch]") {
  Site site;
  REQUIRE(site.server.ok());
  const std::string url = site.server.url("/page.html");
  const FetchResponse first = FetchOne(url, LoopbackOptions());
  REQUIRE(first.status == 200);

  FetchRequest by_etag;
  by_etag.if_none_match = first.etag;
  const FetchResponse not_modified = FetchOne(url, LoopbackOptions(), by_etag);
  CHECK(not_modified.status == 304);
  CHECK(not_modified.error == FetchError::kNone);
  CHECK_FALSE(not_modified.retryable);
  CHECK(not_modified.body.empty());

  FetchRequest by_date;
  by_date.if_modified_since = first.last_modified;
  CHECK(FetchOne(url, LoopbackOptions(), by_date).status == 304);

  FetchRequest stale;
  stale.if_none_match = "\"not-the-etag\"";
  CHECK(FetchOne(url, LoopbackOptions(), stale).status == 200);

  FetchRequest injected;  // A validator with CR/LF is dropped, not sent.
  injected.if_none_match = first.etag + "\r\nX-Evil: 1";
  CHECK(FetchOne(url, LoopbackOptions(), injected).status == 200);
  const std::vector<std::string> log = site.server.LogLines();
  REQUIRE(log.size() == 5);
  const std::string etag_hex = first.etag.substr(1, 40);  // JSON escapes the quotes.
  CHECK_THAT(log[1], Catch::Contains("\"if_none_match\": \"\\\"" + etag_hex + "\\\"\""));
  CHECK_THAT(log[4], Catch::Contains("\"if_none_match\": null"));
  CHECK_THAT(log[4], !Catch::Contains("x-evil"));
}

TEST_CASE("Compressed bodies are decoded", "[fetch]") {
  Site site;
  REQUIRE(site.server.ok());
  for (const char* encoding : {"gzip", "deflate", "br"}) {
    INFO(encoding);
    const FetchResponse response =
        FetchOne(site.server.url(std::string("/_fault/gzip-bomb?decoded=300000&enc=") + encoding),
                 LoopbackOptions());
    CHECK(response.error == FetchError::kNone);
    CHECK(response.status == 200);
    REQUIRE(response.body.size() == 300000);
    CHECK(response.body.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(response.body.find("</html>") != std::string::npos);
    CHECK(response.wire_bytes < 20000);  // Counted before decoding.
  }
}

TEST_CASE("A pre-compressed br file is decoded, bytes after its end ignored", "[fetch]") {
  Site site;
  REQUIRE(site.server.ok());
  std::string br(BrotliEncoderMaxCompressedSize(sizeof(kPage) - 1), '\0');
  size_t size = br.size();
  REQUIRE(BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                                sizeof(kPage) - 1, reinterpret_cast<const uint8_t*>(kPage), &size,
                                reinterpret_cast<uint8_t*>(br.data())));
  br.resize(size);
  // The test server's sidecar headers file adds Content-Encoding.
  REQUIRE(site.root.Write("page-br.html", br));
  REQUIRE(site.root.Write("page-br.html.headers", "Content-Encoding: br\n"));
  REQUIRE(site.root.Write("page-br-junk.html", br + "trailing junk"));
  REQUIRE(site.root.Write("page-br-junk.html.headers", "Content-Encoding: br\n"));
  for (const char* path : {"/page-br.html", "/page-br-junk.html"}) {
    INFO(path);
    const FetchResponse response = FetchOne(site.server.url(path), LoopbackOptions());
    CHECK(response.error == FetchError::kNone);
    CHECK(response.error_text.empty());
    CHECK(response.status == 200);
    CHECK(response.body == kPage);
  }
}

TEST_CASE("Redirects are returned, not followed", "[fetch]") {
  Site site;
  REQUIRE(site.server.ok());
  const FetchResponse relative =
      FetchOne(site.server.url("/_fault/redirect?to=/page.html&code=301"), LoopbackOptions());
  CHECK(relative.error == FetchError::kNone);
  CHECK(relative.status == 301);
  CHECK(relative.location == "/page.html");
  CHECK_FALSE(relative.retryable);

  const FetchResponse metadata =
      FetchOne(site.server.url("/_fault/redirect?to=http://169.254.169.254/latest/&code=302"),
               LoopbackOptions());
  CHECK(metadata.status == 302);
  CHECK(metadata.location == "http://169.254.169.254/latest/");

  const FetchResponse loop = FetchOne(site.server.url("/_fault/redirect-loop"), LoopbackOptions());
  CHECK(loop.status == 302);
  CHECK(loop.location == "/_fault/redirect-loop");
  CHECK(site.server.LogLines().size() == 3);  // One request each: nothing was followed.
}

TEST_CASE("Statuses pass through with the retry decision", "[fetch]") {
  Site site;
  REQUIRE(site.server.ok());
  struct Case {
    const char* path;
    int status;
    bool retryable;
    const char* retry_after;
  };
  const Case cases[] = {
      {"/_fault/status?code=503&retry_after=2", 503, true, "2"},
      {"/_fault/status?code=429&retry_after=garbage", 429, true, "soon, maybe?"},
      {"/_fault/status?code=500", 500, true, ""},
      {"/_fault/status?code=404", 404, false, ""},
      {"/missing.html", 404, false, ""},
      {"/_fault/status?code=403", 403, false, ""},
      {"/_fault/status?code=204", 204, false, ""},
      {"/_fault/empty-200", 200, false, ""},
  };
  for (const Case& c : cases) {
    INFO(c.path);
    const FetchResponse response = FetchOne(site.server.url(c.path), LoopbackOptions());
    CHECK(response.error == FetchError::kNone);
    CHECK(response.status == c.status);
    CHECK(response.retryable == c.retryable);
    CHECK(response.retry_after == c.retry_after);
  }
}

TEST_CASE("Sixteen transfers run concurrently", "[fetch]") {
  Site site;
  REQUIRE(site.server.ok());
  auto fetcher = MakeCurlFetcher(LoopbackOptions());
  const auto start = std::chrono::steady_clock::now();
  // Each takes a second: 100 bytes at once, the other 100 a second later.
  for (uint64_t id = 1; id <= 16; ++id) {
    fetcher->Start(
        Request(id, site.server.url("/_fault/drip?rate=100&total=200&n=" + std::to_string(id))));
  }
  CHECK(fetcher->InFlight() == 16);
  CHECK(SecondsSince(start) < 0.5);  // Start() never blocks.
  const std::vector<FetchResponse> done = RunAll(*fetcher);
  CHECK(SecondsSince(start) < 6);  // Serially it would take 16 s.
  CHECK(fetcher->InFlight() == 0);
  REQUIRE(done.size() == 16);
  std::set<uint64_t> ids;
  for (const FetchResponse& response : done) {
    ids.insert(response.id);
    CHECK(response.status == 200);
    CHECK(response.body.size() == 200);
  }
  CHECK(ids.size() == 16);
  CHECK(DistinctConnections(site.server.LogLines()) == 16);
}

TEST_CASE("Sequential requests reuse one connection and reset per-request state", "[fetch]") {
  Site site;
  REQUIRE(site.server.ok());
  auto fetcher = MakeCurlFetcher(LoopbackOptions());
  const FetchResponse first = FetchOne(site.server.url("/page.html"), LoopbackOptions());
  const int kRequests = 10;
  for (int i = 0; i < kRequests; ++i) {
    FetchRequest request = Request(i, site.server.url("/page.html"));
    if (i % 2 == 0) request.if_none_match = first.etag;  // Every other one conditional.
    fetcher->Start(request);
    const std::vector<FetchResponse> done = RunAll(*fetcher);
    REQUIRE(done.size() == 1);
    CHECK(done[0].status == (i % 2 == 0 ? 304 : 200));
    CHECK(done[0].body == (i % 2 == 0 ? "" : kPage));
  }
  std::vector<std::string> log = site.server.LogLines();
  log.erase(log.begin());  // The first fetcher's request.
  REQUIRE(log.size() == kRequests);
  CHECK(DistinctConnections(log) == 1);
  CHECK(JsonInt(log.back(), "seq") == kRequests);
  CHECK_THAT(log[1], Catch::Contains("\"if_none_match\": null"));
}

}  // namespace
}  // namespace medscrape

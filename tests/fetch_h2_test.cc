// N12: an HTTP/2 stream reset fails that one URL as a retryable kProtocol error
// while the other streams multiplexed on the same connection complete. The
// server is tests/h2_test_server.py (python3-h2) over TLS with ALPN "h2"; its
// certificate is signed at test time by a throwaway CA made with the openssl
// command, and the fetcher trusts that CA through FetchOptions::ca_file.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
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
using testing::ServerProcess;
using testing::TempDir;

constexpr char kPython[] = "/usr/bin/python3";

// True when /usr/bin/python3 can import h2. The tests FAIL (not skip) without it.
bool HaveH2() {
  const std::string probe = std::string(kPython) + " -c 'import h2.connection' 2>/dev/null";
  return std::system(probe.c_str()) == 0;
}

// Writes ca.pem (a throwaway CA), server.pem (signed by it, IP SAN 127.0.0.1)
// and server.key into `dir`. Returns false if any openssl step failed.
bool MakeCertificates(const std::string& dir) {
  const std::string ec = " -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string quiet = " >/dev/null 2>&1";
  const std::string make_ca = "openssl req -x509" + ec +
                              " -days 2 -subj /CN=medscrape-test-ca -keyout " + dir +
                              "/ca.key -out " + dir + "/ca.pem" + quiet;
  const std::string make_request = "openssl req" + ec + " -subj /CN=127.0.0.1 -keyout " + dir +
                                   "/server.key -out " + dir + "/server.csr" + quiet;
  const std::string sign = "openssl x509 -req -in " + dir + "/server.csr -CA " + dir +
                           "/ca.pem -CAkey " + dir + "/ca.key -set_serial 2 -days 2 -extfile " +
                           dir + "/server.ext -out " + dir + "/server.pem" + quiet;
  return std::system(make_ca.c_str()) == 0 && std::system(make_request.c_str()) == 0 &&
         std::system(sign.c_str()) == 0;
}

// A running tests/h2_test_server.py with fresh certificates.
class H2Server {
 public:
  H2Server() : certs_ok_(Prepare()), process_(Argv()) {}

  // Empty when the server is up; otherwise why not.
  std::string error() const {
    if (dir_.path().empty()) return "mkdtemp failed";
    if (!certs_ok_) return "openssl could not make the test CA and server certificate";
    return process_.error();
  }
  std::string ca_file() const { return dir_.path() + "/ca.pem"; }
  std::string url(const std::string& path) const {
    return "https://127.0.0.1:" + std::to_string(process_.port()) + path;
  }

 private:
  bool Prepare() {
    return !dir_.path().empty() &&
           dir_.Write("server.ext",
                      "basicConstraints=CA:FALSE\n"
                      "keyUsage=digitalSignature\n"
                      "extendedKeyUsage=serverAuth\n"
                      "subjectAltName=IP:127.0.0.1\n") &&
           MakeCertificates(dir_.path());
  }
  std::vector<std::string> Argv() const {
    return {kPython,  MEDSCRAPE_SOURCE_DIR "/tests/h2_test_server.py",
            "--cert", dir_.path() + "/server.pem",
            "--key",  dir_.path() + "/server.key"};
  }

  TempDir dir_;
  bool certs_ok_;
  ServerProcess process_;
};

FetchOptions H2Options(const std::string& ca_file) {
  FetchOptions options = LoopbackOptions();
  options.ca_file = ca_file;
  return options;
}

#define REQUIRE_H2_SERVER(server)                                                       \
  do {                                                                                  \
    if (!HaveH2()) {                                                                    \
      FAIL(                                                                             \
          "python3-h2 is not installed for /usr/bin/python3: run scripts/install-deps " \
          "(or apt-get install python3-h2)");                                           \
    }                                                                                   \
    INFO((server).error());                                                             \
    REQUIRE((server).error().empty());                                                  \
  } while (false)

TEST_CASE("HTTP/2 over TLS with a private CA file fetches a page", "[fetch][h2]") {
  H2Server server;
  REQUIRE_H2_SERVER(server);

  const FetchResponse response = FetchOne(server.url("/ok?n=1"), H2Options(server.ca_file()));
  INFO(response.error_text);
  CHECK(response.error == FetchError::kNone);
  CHECK(response.status == 200);
  CHECK(response.content_type == "text/html; charset=utf-8");
  CHECK_THAT(response.body, Catch::Contains("ok 1 conn 1 conns 1 alpn h2"));
}

TEST_CASE("An HTTP/2 stream reset fails only that stream, retryable kProtocol", "[fetch][h2]") {
  H2Server server;
  REQUIRE_H2_SERVER(server);
  const std::string code = GENERATE(std::string("internal"), std::string("cancel"));
  INFO("RST_STREAM code " << code);
  auto fetcher = MakeCurlFetcher(H2Options(server.ca_file()));

  // Open the connection first so the batch below multiplexes on it instead of
  // racing to open connections of its own (no CURLOPT_PIPEWAIT).
  fetcher->Start(Request(1, server.url("/ok?n=1")));
  std::vector<FetchResponse> warm = RunAll(*fetcher);
  REQUIRE(warm.size() == 1);
  INFO(warm[0].error_text);
  REQUIRE(warm[0].status == 200);
  REQUIRE_THAT(warm[0].body, Catch::Contains("conn 1 conns 1"));

  constexpr int kSlow = 8;
  constexpr uint64_t kResetId = 100;
  for (int i = 0; i < kSlow; ++i) {
    fetcher->Start(Request(10 + i, server.url("/slow?ms=300&i=" + std::to_string(i))));
  }
  fetcher->Start(Request(kResetId, server.url("/reset?code=" + code)));
  const auto start = std::chrono::steady_clock::now();
  const std::vector<FetchResponse> done = RunAll(*fetcher);
  const double seconds = testing::SecondsSince(start);
  REQUIRE(done.size() == kSlow + 1);
  // In flight together: one after another would take at least 8 x 0.3 s.
  CHECK(seconds < 2.0);

  int succeeded = 0;
  for (const FetchResponse& response : done) {
    INFO("id " << response.id << ": " << response.error_text);
    if (response.id == kResetId) {
      CHECK(response.error == FetchError::kProtocol);
      CHECK(response.retryable);
      CHECK(response.status == 0);
      CHECK(response.body.empty());
      CHECK_FALSE(response.error_text.empty());
      continue;
    }
    CHECK(response.error == FetchError::kNone);
    CHECK(response.status == 200);
    // Same connection as the warm-up and still the only one the server accepted.
    CHECK_THAT(response.body, Catch::Contains("ok 300 conn 1 conns 1"));
    if (response.error == FetchError::kNone && response.status == 200) ++succeeded;
  }
  CHECK(succeeded == kSlow);
  // The reset stream finished before the slow ones: it did not wait for them.
  CHECK(done.front().id == kResetId);

  // The connection outlives the reset: a later request reuses it.
  fetcher->Start(Request(2, server.url("/ok?n=2")));
  const std::vector<FetchResponse> after = RunAll(*fetcher);
  REQUIRE(after.size() == 1);
  CHECK(after[0].status == 200);
  CHECK_THAT(after[0].body, Catch::Contains("ok 2 conn 1 conns 1"));
}

TEST_CASE("HTTP/2 server without its CA file fails verification as kTls", "[fetch][h2][tls]") {
  H2Server server;
  REQUIRE_H2_SERVER(server);

  const FetchResponse response = FetchOne(server.url("/ok?n=1"), LoopbackOptions());
  INFO(response.error_text);
  CHECK(response.error == FetchError::kTls);
  CHECK_FALSE(response.retryable);
  CHECK(response.status == 0);
  CHECK(response.body.empty());
}

}  // namespace
}  // namespace medscrape

// RobotsGate: the per-host robots.txt states, and a shared job's answer adopted from
// another worker the same way this worker's own fetch would have been taken.
#include <catch2/catch.hpp>
#include <string>

#include "crawl/robots_gate.h"

namespace medscrape {
namespace {

FetchResponse Answer(int status, std::string body) {
  FetchResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

TEST_CASE("robots gate: an adopted answer gives the rules the fetch would have", "[robots]") {
  const std::string body = "User-agent: *\nDisallow: /private/\nCrawl-delay: 2\n";
  RobotsGate fetched("medscrape");
  RobotsGate adopted("medscrape");
  const RobotsGate::Outcome own =
      fetched.OnResponse("a.test", "http://a.test/robots.txt", 0, Answer(200, body), 0);
  const RobotsGate::Outcome other = adopted.Adopt("a.test", 200, body);
  REQUIRE(own.kind == RobotsGate::Outcome::Kind::kReady);
  REQUIRE(other.kind == RobotsGate::Outcome::Kind::kReady);
  CHECK(adopted.Check("a.test", 0) == RobotsGate::Need::kReady);
  for (const char* path : {"/private/x", "/ask/1.shtml", "/robots.txt"}) {
    CHECK(adopted.Allowed("a.test", path) == fetched.Allowed("a.test", path));
  }
  CHECK_FALSE(adopted.Allowed("a.test", "/private/x"));
  CHECK(other.rules->crawl_delay_seconds() == own.rules->crawl_delay_seconds());
  CHECK(*other.rules->crawl_delay_seconds() == 2.0);
}

TEST_CASE("robots gate: adopted 404, 3xx and given-up answers", "[robots]") {
  RobotsGate gate("medscrape");
  CHECK(gate.Adopt("missing.test", 404, "Disallow: /").kind == RobotsGate::Outcome::Kind::kReady);
  CHECK(gate.Allowed("missing.test", "/anything"));
  CHECK(gate.Adopt("loop.test", 302, "").kind == RobotsGate::Outcome::Kind::kReady);
  CHECK(gate.Allowed("loop.test", "/anything"));
  CHECK(gate.Adopt("down.test", 0, "").kind == RobotsGate::Outcome::Kind::kGaveUp);
  CHECK(gate.Check("down.test", 0) == RobotsGate::Need::kReady);
  CHECK_FALSE(gate.Allowed("down.test", "/anything"));
}

TEST_CASE("robots gate: waiting for another worker's fetch, then asked again", "[robots]") {
  RobotsGate gate("medscrape");
  CHECK(gate.Check("b.test", 1000) == RobotsGate::Need::kFetch);
  gate.WaitUntil("b.test", 1500);
  CHECK(gate.Check("b.test", 1499) == RobotsGate::Need::kWait);
  CHECK(gate.RetryAt("b.test") == 1500);
  CHECK(gate.Check("b.test", 1500) == RobotsGate::Need::kFetch);
  CHECK_FALSE(gate.Allowed("b.test", "/x"));
  // Three server errors of its own still give up on the host.
  for (int i = 0; i < RobotsGate::kMaxTries - 1; ++i) {
    CHECK(gate.OnResponse("b.test", "http://b.test/robots.txt", 0, Answer(503, ""), 2000).kind ==
          RobotsGate::Outcome::Kind::kRetryLater);
  }
  CHECK(gate.OnResponse("b.test", "http://b.test/robots.txt", 0, Answer(503, ""), 2000).kind ==
        RobotsGate::Outcome::Kind::kGaveUp);
}

}  // namespace
}  // namespace medscrape

// The robots.txt lifecycle of every host of a crawl (RFC 9309): a host's URLs
// wait until its robots.txt is known. The engine fetches it when the host's first
// URL comes up (Check says kFetch), follows up to kMaxHops redirects, and feeds
// every answer to OnResponse, which decides:
//   2xx            -> its rules (the first 500 KiB; the fetch keeps that prefix);
//   4xx, or more than kMaxHops redirects (no usable Location too)
//                  -> "unavailable": everything allowed (§2.3.1.2-3);
//   5xx, timeouts, resets -> disallowed for now, tried again kRetryMs later, and
//                     after kMaxTries the host stays disallowed for the run;
//   no address, a refused address or name, nothing listening, a certificate
//   that does not verify, a host libcurl cannot parse
//                  -> the host cannot be reached at all: the URL that asked fails
//                     with that reason (docs/reliability.md N6), and the next URL
//                     of the host asks again.
// Thread-safety: none; the engine's thread owns it.
#ifndef MEDSCRAPE_CRAWL_ROBOTS_GATE_H_
#define MEDSCRAPE_CRAWL_ROBOTS_GATE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "crawl/robots.h"
#include "fetch/fetcher.h"

namespace medscrape {

class RobotsGate {
 public:
  static constexpr int kMaxHops = 5;
  static constexpr int kMaxTries = 3;
  static constexpr int64_t kRetryMs = 30000;

  // `token`: the product token looked for in User-agent lines ("medscrape").
  explicit RobotsGate(std::string token) : token_(std::move(token)) {}

  // robots.txt of `host` (host[:port]) is fetched over `scheme` (the first seed's of
  // the host); http unless said otherwise.
  void SetScheme(const std::string& host, const std::string& scheme);
  std::string RobotsUrl(const std::string& host) const;

  enum class Need {
    kFetch,  // Unknown, or a retry is due: start the fetch, then call Fetching.
    kWait,   // Being fetched, or a retry not due yet.
    kReady,  // Allowed() answers.
  };
  Need Check(const std::string& host, int64_t now_ms) const;
  void Fetching(const std::string& host);
  // Only for a kReady host; "/robots.txt" itself is always allowed.
  bool Allowed(const std::string& host, std::string_view path_and_query) const;
  // When a retry of `host` is due, for the loop's sleep; nullopt when none waits.
  std::optional<int64_t> RetryAt(const std::string& host) const;

  struct Outcome {
    enum class Kind {
      kFollow,       // A redirect to follow: fetch `next_url`.
      kReady,        // The host's rules are known: `rules`.
      kUnreachable,  // The host cannot be reached: fail the URL that asked.
      kRetryLater,   // Disallowed for now; Check says kFetch again at the retry time.
      kGaveUp,       // Disallowed for the run after kMaxTries.
    };
    Kind kind;
    std::string next_url;
    const RobotsRules* rules = nullptr;  // kReady and kGaveUp; owned by the gate.
  };
  // The answer to the robots.txt fetch of `host` at `url`, after `hops` redirects.
  Outcome OnResponse(const std::string& host, const std::string& url, int hops,
                     const FetchResponse& response, int64_t now_ms);

  // A shared job: the answer another worker fetched (its final status and body; status 0:
  // it gave up on the host), as OnResponse would have taken it (kReady or kGaveUp).
  Outcome Adopt(const std::string& host, int status, const std::string& body);
  // A shared job: another worker is fetching it; Check says kFetch again at `until_ms`.
  void WaitUntil(const std::string& host, int64_t until_ms);

 private:
  struct HostRobots {
    enum class State { kUnknown, kFetching, kReady, kRetryLater } state = State::kUnknown;
    RobotsRules rules = RobotsRules::AllowAll();
    int failures = 0;
    int64_t retry_at_ms = 0;
    std::string scheme = "http";
  };

  const std::string token_;
  std::unordered_map<std::string, HostRobots> hosts_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_ROBOTS_GATE_H_

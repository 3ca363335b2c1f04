// How the crawl engine reads a finished page transfer: pure functions over a
// FetchResponse, with no job state, so each rule is tested on its own
// (tests/crawl_response_rules_test.cc). The engine (crawler_responses.cc) acts
// on what they say.
#ifndef MEDSCRAPE_CRAWL_RESPONSE_RULES_H_
#define MEDSCRAPE_CRAWL_RESPONSE_RULES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "fetch/fetcher.h"

namespace medscrape {

// Redirect hops followed for one URL, each re-checked (scope, robots, address).
inline constexpr int kMaxRedirects = 5;

// What a page's response asks of the engine, in the order the engine checks.
enum class PageAction {
  kFailure,    // A transfer error, 5xx or 408: retried with backoff while the budget lasts.
  kRateLimit,  // 429, or 503 with Retry-After: "come back later" (docs/reliability.md N7).
  kUnchanged,  // 304 to a conditional request.
  kRedirect,   // 3xx with a Location.
  kHttpError,  // Any other status outside 2xx: failed http_<status>.
  kBody,       // 2xx: a body to extract.
};
PageAction ClassifyPage(const FetchResponse& response);

// "Come back later": the host is paused, no retry is used up.
bool IsRateLimit(const FetchResponse& response);

// Content-Type values worth parsing (HTML, XML, text/plain); an absent one is
// sniffed instead, so it counts as worth it.
bool LooksLikeHtml(const std::string& content_type);

// The charset parameter of a Content-Type, unquoted; "" when there is none.
std::string CharsetOf(const std::string& content_type);

// "2026-12-04T17:32:43Z".
std::string IsoUtc(int64_t unix_ms);

// Where a redirect from `current_url` (after `hops` hops) to `location` goes.
struct RedirectTarget {
  enum class Kind {
    kFollow,   // `url` (canonical) on `host` (host:port): check scope and robots, then fetch.
    kNotHttp,  // Another scheme (ftp:, mailto:, javascript:...): skipped redirect_not_http.
    kBadUrl,   // No URL at all, or longer than kMaxUrlLength: failed bad_url.
    kTooMany,  // Already kMaxRedirects hops: failed too_many_redirects.
  };
  Kind kind;
  std::string url, host;
};
RedirectTarget ResolveRedirect(const std::string& current_url, const std::string& location,
                               int hops);

// The failure reasons a later run retries (healing), as GLOB patterns: the server or the
// network was down or busy (connect, timeout, reset, 5xx, 408, 429, ...). Others (4xx, dns,
// robots, too_large, ...) are final.
const std::vector<std::string>& TransientFailureReasons();

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_RESPONSE_RULES_H_

// robots.txt (RFC 9309): a lenient parser that keeps only the rules for our product
// token, and the allow/disallow decision for a path. Pure computation, no I/O: the
// fetcher gets the file, RobotsFromResponse() turns its outcome into rules.
#ifndef MEDSCRAPE_CRAWL_ROBOTS_H_
#define MEDSCRAPE_CRAWL_ROBOTS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace medscrape {

struct RobotsLimits {
  // Bytes of the body parsed; the rest is ignored and a line cut by the limit is
  // dropped. 500 KiB is the minimum RFC 9309 §2.5 requires a parser to read.
  size_t max_bytes = 500 * 1024;
  // Upper bound on Crawl-delay (seconds), so one robots.txt cannot stall a host
  // for hours; larger values are lowered to this.
  double max_crawl_delay_s = 30;
};

// One allow/disallow line, percent-encoding normalised. Exposed only because
// RobotsRules stores them by value.
struct RobotsRule {
  std::string pattern;    // Normalised; '*' is a wildcard; without the final '$'.
  bool anchored = false;  // The line ended in '$': the pattern must reach the end.
  bool allow = false;
  // RFC 9309 §2.2.2: the matching rule with the most octets wins.
  size_t specificity() const { return pattern.size() + (anchored ? 1 : 0); }
};

// The rules that apply to one crawler on one host. Immutable after construction,
// so const methods may be called from several threads at once.
class RobotsRules {
 public:
  // Lenient RFC 9309 parse of a robots.txt body for the product token
  // `user_agent`. Only the leading run of letters, digits, '-' and '_' of it and
  // of each User-agent line is compared, ignoring case, so "medscrape/1.0" and
  // "MedScrape" name "medscrape" but "medscrapebot" does not. Uses the groups
  // naming the token (merged when there are several), else the `*` groups, else
  // no rules. Never fails: lines it cannot understand are skipped.
  static RobotsRules Parse(std::string_view body, std::string_view user_agent,
                           const RobotsLimits& limits = {});
  // robots.txt "unavailable" (RFC 9309 §2.3.1.3): answered 4xx (including 404),
  // or reached through more than five redirects (§2.3.1.2): no restrictions.
  static RobotsRules AllowAll();
  // 5xx or a network failure: the host is disallowed for now (§2.3.1.4); the
  // caller fetches robots.txt again later, and gives up after a few tries.
  static RobotsRules DisallowAll();

  // `path_and_query` is the URL's path, beginning with '/', optionally followed by
  // "?query"; an empty path means "/". "/robots.txt" itself is always allowed.
  bool Allowed(std::string_view path_and_query) const;
  // Crawl-delay of the chosen group (the largest when merged groups disagree),
  // capped at RobotsLimits::max_crawl_delay_s; nullopt when absent or invalid.
  std::optional<double> crawl_delay_seconds() const { return crawl_delay_; }
  // Every Sitemap: line in the file, whatever its group, in order, as written.
  const std::vector<std::string>& sitemaps() const { return sitemaps_; }

 private:
  RobotsRules() = default;

  std::vector<RobotsRule> rules_;  // Most specific first; allow before disallow on ties.
  std::optional<double> crawl_delay_;
  std::vector<std::string> sitemaps_;
};

// How to treat a robots.txt answer: 2xx -> Parse(body); 400-499 -> AllowAll();
// anything else -> DisallowAll(): 5xx, 0 for a network error, and codes outside
// HTTP's range. (The engine follows 3xx itself, and treats a chain of more than
// five as unavailable: AllowAll.)
RobotsRules RobotsFromResponse(int http_status, std::string_view body, std::string_view user_agent,
                               const RobotsLimits& limits = {});

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_ROBOTS_H_

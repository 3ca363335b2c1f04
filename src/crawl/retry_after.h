// The Retry-After header of 429 and 503 replies (RFC 9110 §10.2.3), which pauses a
// host without using up a URL's retry budget (docs/reliability.md N7). Pure computation.
#ifndef MEDSCRAPE_CRAWL_RETRY_AFTER_H_
#define MEDSCRAPE_CRAWL_RETRY_AFTER_H_

#include <cstdint>
#include <optional>
#include <string_view>

namespace medscrape {

// Seconds to wait, from `value` (surrounding spaces and tabs ignored): either
// delta-seconds ("120": digits only, so "-1", "+5" and "1.5" are malformed; values
// above 2^31 read as 2^31, as RFC 9111 §1.2.2 allows), or an HTTP-date relative to
// `now_unix_ms`: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), RFC 850 ("Sunday,
// 06-Nov-94 08:49:37 GMT"; the two-digit year is the one within 50 years of now) or
// asctime ("Sun Nov  6 08:49:37 1994"). Day and month names are matched ignoring case;
// the weekday is not checked against the date. A date in the past gives 0. Returns
// nullopt when malformed: the caller then falls back to its backoff. The caller caps
// the result (PolitenessOptions::max_pause_s).
std::optional<double> ParseRetryAfter(std::string_view value, int64_t now_unix_ms);

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_RETRY_AFTER_H_

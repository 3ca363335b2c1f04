// Canonical URLs: the one spelling under which a crawl records a page, so that
// the same page reached through different links is fetched once and crawler
// traps built from session ids and tracking tags collapse (docs/reliability.md H4).
// Rebuilt with libcurl's URL API (curl_url); no transfers. Thread-safety: reentrant.
#ifndef MEDSCRAPE_URL_CANONICAL_H_
#define MEDSCRAPE_URL_CANONICAL_H_

#include <optional>
#include <string>
#include <string_view>

#include "url/url.h"  // kMaxUrlLength

namespace medscrape {

// The canonical form of an absolute http(s) URL, or nullopt when `absolute_url`
// is not one, cannot be parsed, or either it or the result is longer than
// kMaxUrlLength. No browser-style clean-up is done (white space, backslashes):
// pass URLs that came out of ResolveHttpUrl. The canonical form has
//   - scheme and host in lower case (ASCII only: an IDN host stays as given),
//     trailing dots of the host removed, no user:password@ (never crawl with
//     credentials), no default port (80 for http, 443 for https);
//   - no fragment, no dot segments, no empty query;
//   - percent-encoding normalised: unreserved characters (A-Z a-z 0-9 - . _ ~)
//     decoded, every other escape in upper-case hex ("%7e" -> "~", "%2f" -> "%2F");
//     raw non-ASCII bytes and spaces encoded as curl does (a space is "%20" in
//     the path, "+" in the query); a '%' without two hex digits is left alone;
//   - session path parameters removed ("/a;jsessionid=1" -> "/a");
//   - session and tracking query parameters removed, names compared after
//     decoding and case-insensitively: utm_*, gclid, fbclid, yclid, msclkid, spm,
//     _ga, mc_cid, mc_eid, jsessionid, phpsessid, sid, sessionid, aspsessionid*;
//     empty parameters ("a=1&&b=2") dropped;
//   - the remaining query parameters sorted by name, bytewise; parameters with
//     equal names keep their order and values ("b=2&a=1&b=1" -> "a=1&b=2&b=1").
// e.g. "HTTP://Example.COM:80/a/./b/../c?utm_source=x&z=1&a=2#top"
//   -> "http://example.com/a/c?a=2&z=1".
std::optional<std::string> CanonicalizeUrl(std::string_view absolute_url);

// Lower-case host of an absolute http(s) URL, without port or trailing dot
// ("[::1]" for an IPv6 literal); "" when `url` is not one.
std::string HostOf(std::string_view url);

// HostOf(url) followed by ":port" when the URL has a non-default port
// ("127.0.0.1:8080", "[::1]:8080"): the politeness key, so that loopback mirrors
// on different ports count as different hosts. "" when `url` is not http(s).
std::string HostPortOf(std::string_view url);

}  // namespace medscrape

#endif  // MEDSCRAPE_URL_CANONICAL_H_

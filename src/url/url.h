// URL resolution and rebuilding with libcurl's URL API (curl_url). This layer
// is the only one besides fetch that includes curl.h, and it makes no transfers.
// Thread-safety: reentrant.
#ifndef MEDSCRAPE_URL_URL_H_
#define MEDSCRAPE_URL_URL_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace medscrape {

// Longer URLs are refused everywhere: no real page needs them, and crawler
// traps and hostile pages produce them (docs/reliability.md H3).
inline constexpr size_t kMaxUrlLength = 4096;

// Resolves `href` against the absolute URL `base` as a browser would: leading and
// trailing white space trimmed, tabs and newlines removed, backslashes read as
// slashes in http(s) URLs; the #fragment is dropped. Returns the absolute URL, or nullopt when
// either part cannot be parsed or the result is not http(s) (file:, javascript:, data: ...). An
// empty `base` accepts only absolute http(s) hrefs. An href or result longer than kMaxUrlLength is
// refused.
std::optional<std::string> ResolveHttpUrl(std::string_view base, std::string_view href);

// The path and query of an absolute URL ("/ask/1.shtml?x=1"), "/" when it has
// no path, "" when `url` has no "scheme://host". Plain string work: no parsing
// beyond that, so give it URLs that came out of ResolveHttpUrl.
std::string PathAndQuery(std::string_view url);

// file:// URL for an absolute filesystem path, percent-encoding what needs it.
std::string FileUrl(std::string_view absolute_path);

}  // namespace medscrape

#endif  // MEDSCRAPE_URL_URL_H_

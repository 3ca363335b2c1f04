// Sitemaps (sitemaps.org): the URLs of a <urlset> and the child sitemaps of a
// <sitemapindex>, from a plain or gzip-compressed body. A tolerant scanner, not
// an XML parser: sitemaps in the wild are often invalid XML, and all we need is
// the text of <loc> inside <url> or <sitemap>. Pure computation, no I/O.
#ifndef MEDSCRAPE_CRAWL_SITEMAP_H_
#define MEDSCRAPE_CRAWL_SITEMAP_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace medscrape {

// Decompressed bodies larger than this are refused (a gzip bomb); the protocol
// caps an uncompressed sitemap at 50 MB.
inline constexpr size_t kMaxSitemapBytes = 50u << 20;

struct SitemapContents {
  std::vector<std::string> urls;      // <url><loc>, as written (trimmed, entities decoded).
  std::vector<std::string> sitemaps;  // <sitemap><loc> of an index, likewise.
};

// Gunzips `body` when it starts with the gzip magic bytes, then collects the
// <loc> values, at most `max_urls` URLs (the protocol's per-file limit by
// default). Fails on a corrupt gzip stream or one that decompresses to more
// than kMaxSitemapBytes; a body that is no sitemap gives empty contents.
Result<SitemapContents> ParseSitemap(std::string_view body, size_t max_urls = 50000);

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_SITEMAP_H_

// One page in, one record out: decode -> guarded parse -> route -> extract ->
// record with provenance (schema version 1, docs/record-schema.md).
#ifndef MEDSCRAPE_EXTRACT_PAGE_H_
#define MEDSCRAPE_EXTRACT_PAGE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "encoding/charset.h"
#include "extract/links.h"
#include "extract/registry.h"
#include "extract/site_spec.h"
#include "html/document.h"

namespace medscrape {

inline constexpr int kSchemaVersion = 1;

struct PageRequest {
  // The page bytes. The caller may have cut them (see input_warnings).
  std::string_view raw;
  // SHA-256 of every byte of the input, even the ones cut away; empty: hash `raw`.
  std::string content_sha256;
  // The page's address (--url); empty: <link rel=canonical>, og:url, then fallback_url.
  std::string url;
  std::string fallback_url;  // file:// URL of a file; empty for stdin.
  std::string site;          // --site: force this site; empty: route by URL.
  DecodeOptions decode;
  ParseLimits limits;
  std::vector<std::string> input_warnings;  // Prepended to the record's warnings.
  std::optional<std::string> fetched_at;    // UTC ISO 8601; nullopt: null (files).
  // Crawl only: the record also gets "http" ({status, final_url, content_type})
  // and "change" ("new" or "updated") after fetched_at. Null: left out (extract).
  Json http;
  std::string change;
  // When set, the page's outlinks (links.h: canonical, http(s), deduplicated)
  // are stored here, at most max_links, resolved against the record's URL.
  LinkList* links = nullptr;
  size_t max_links = 1000;
};

struct PageResult {
  Json record;
  bool generic = false;  // No site extractor matched.
};

// Fails for input that is not a page at all: binary (kNotHtml, "not HTML: PNG
// image"), empty or white space only (kEmpty, "empty input"), an unknown forced
// charset; and for a page whose tree would pass its memory budget (kTooLarge) or
// when memory runs out (kOutOfMemory). Everything else gives a record; problems
// go to its warnings.
Result<PageResult> ExtractPage(const PageRequest& request, const Registry& registry);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_PAGE_H_

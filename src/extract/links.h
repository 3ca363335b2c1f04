// Outlinks of a page, ready for the crawl frontier. Hostile pages are bounded
// here (docs/reliability.md H1, H3, H5, H6). Thread-safety: reentrant.
#ifndef MEDSCRAPE_EXTRACT_LINKS_H_
#define MEDSCRAPE_EXTRACT_LINKS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "html/document.h"

namespace medscrape {

// The canonical URLs (CanonicalizeUrl) of the `a[href]` and `area[href]`
// elements under `root`, in document order, each once (its first occurrence),
// at most `max_links` of them.
//
// Each href is resolved with ResolveHttpUrl (browser clean-up of white space,
// tabs, newlines and backslashes) against the base: the href of the first
// `<base href>` in the document resolved against `page_url` when that gives an
// http(s) URL, else `page_url`. Hrefs that do not end up as http(s) URLs of at
// most kMaxUrlLength characters (javascript:, mailto:, data:, file:, ftp: ...)
// are dropped. A fragment-only href ("#top") is the base itself.
//
// When `over_cap` is not null it receives the number of link elements left
// unexamined once `max_links` URLs were found (0 when the page was read to the
// end): the caller can log that a page was capped. Elements are not resolved
// past the cap, so the cost of a page with 100k links stays bounded.
std::vector<std::string> ExtractLinks(Node root, std::string_view page_url, size_t max_links,
                                      size_t* over_cap = nullptr);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_LINKS_H_

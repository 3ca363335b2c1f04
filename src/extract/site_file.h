// Site files: one YAML file per site (docs/site-files.md), read into the SiteSpec
// tables the extractor interprets. Everything is checked at load time, before any
// work starts: unknown keys, wrong types, missing keys, CSS outside the supported
// subset (html/selector.h), RE2 patterns that do not compile. An error names the
// file, line and column and the key's path:
//   "extractors/mfk.com.yaml:24:18: key 'pages.article.fields.title[0].css': bad
//    selector 'div..x': ..."
// Thread-safety: pure functions over their arguments.
#ifndef MEDSCRAPE_EXTRACT_SITE_FILE_H_
#define MEDSCRAPE_EXTRACT_SITE_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "extract/site_spec.h"

namespace medscrape {

// The name of the fallback site file: its page type extracts any page no other
// site claims, and its records have "site": null.
inline constexpr std::string_view kGenericSite = "generic";

// One site file's text and where it came from (a path, or "built-in:<file>").
struct SiteFileSource {
  std::string origin;
  std::string text;
};

// Parses and checks one site file. The SiteSpec's `source` is the origin; the
// generic file gets the name "".
Result<SiteSpec> ParseSiteFile(const SiteFileSource& file);

// The sites a run uses, in routing order, and the fallback.
struct SiteSet {
  std::vector<SiteSpec> sites;
  SiteSpec generic;
};

// The built-in files, then every *.yaml in `dir` (sorted by name; "" = none): a
// file whose `site` names a site already loaded replaces it, a new name is added
// after the others. Fails on the first bad file, on two files in `dir` naming one
// site, on an unreadable `dir`, and when no generic file is left.
Result<SiteSet> LoadSites(const std::vector<SiteFileSource>& builtin, const std::string& dir);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_SITE_FILE_H_

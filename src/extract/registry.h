// The extractors, compiled once, and the router that picks one for a URL.
// Routing matches every page type's URL pattern in one pass with RE2::Set
// (the first registered site wins a tie). Thread-safety: immutable after Create.
#ifndef MEDSCRAPE_EXTRACT_REGISTRY_H_
#define MEDSCRAPE_EXTRACT_REGISTRY_H_

#include <re2/re2.h>
#include <re2/set.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "extract/site_file.h"
#include "extract/site_spec.h"
#include "html/selector.h"

namespace medscrape {

struct CompiledField {
  const FieldRule* rule = nullptr;
  Selector selector{""};
  std::unique_ptr<RE2> pattern;  // Null when the rule has none.
};

struct CompiledCondition {
  std::unique_ptr<Selector> selector;  // Null: no condition.
  std::unique_ptr<RE2> pattern;
  // Whether `item` meets the condition; `if_none` when there is no condition.
  bool Holds(Node item, bool if_none) const;
};

struct CompiledGroup {
  const GroupRule* rule = nullptr;
  Selector item_selector{""};
  std::unique_ptr<Selector> require_selector;  // Null when the rule has none.
  CompiledCondition when, unless;
  std::vector<CompiledField> fields;
};

struct CompiledPageType {
  const PageTypeSpec* spec = nullptr;
  std::unique_ptr<RE2> path_pattern;          // Anchored at the start; null when the spec has none.
  std::unique_ptr<Selector> detect_selector;  // Null when the spec has none.
  std::vector<CompiledField> fields;
  std::vector<CompiledGroup> groups;
};

struct CompiledSite {
  const SiteSpec* spec = nullptr;
  std::unique_ptr<RE2> host_pattern;  // Null for the generic extractor.
  std::vector<std::unique_ptr<RE2>> hub_paths;
  std::vector<CompiledPageType> page_types;

  // The page type whose path pattern matches `path_and_query`, or nullptr.
  const CompiledPageType* PageTypeForPath(std::string_view path_and_query) const;
  // The site's follow pattern that matches `path_and_query` (a hub), or nullptr.
  const std::string* MatchingHubPath(std::string_view path_and_query) const;
};

// The full URL pattern the router uses for a page type of a site.
std::string UrlPattern(const SiteSpec& site, const PageTypeSpec& page_type);

struct Route {
  const CompiledSite* site = nullptr;
  const CompiledPageType* page_type = nullptr;
};

class Registry {
 public:
  // Compiles every selector and pattern; fails naming the first invalid one,
  // e.g. "mfk.com/article field views: bad selector 'span..read': ..." (site
  // files were checked when read, so this is for tables built in code).
  static Result<std::unique_ptr<Registry>> Create(std::vector<SiteSpec> sites, SiteSpec generic);
  // The registry of `sites` (site_file.h's LoadSites).
  static Result<std::unique_ptr<Registry>> Create(SiteSet sites);

  // The page type whose URL pattern matches `url`, or nullopt.
  std::optional<Route> RouteUrl(std::string_view url) const;
  // A site by name ("mfk.com"), or nullptr.
  const CompiledSite* FindSite(std::string_view name) const;
  const CompiledSite& generic() const { return *generic_; }
  const std::vector<std::unique_ptr<CompiledSite>>& sites() const { return sites_; }

 private:
  Registry() = default;
  // SiteSpecs are owned here so compiled rules can point into them.
  std::vector<std::unique_ptr<SiteSpec>> specs_;
  std::vector<std::unique_ptr<CompiledSite>> sites_;
  std::unique_ptr<CompiledSite> generic_;
  std::unique_ptr<RE2::Set> url_set_;
  std::vector<Route> set_routes_;  // Index of a url_set_ pattern -> its page type.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_REGISTRY_H_

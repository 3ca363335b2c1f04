#include <cstdio>
#include <cstdlib>

#include "extract/registry.h"
#include "extractors/sites.h"

namespace medscrape {

std::vector<SiteSpec> BuiltinSites() { return {MfkSite(), Ask120Site(), XywySite()}; }

const Registry& BuiltinRegistry() {
  static const Registry* registry = [] {
    Result<std::unique_ptr<Registry>> created = Registry::Create(BuiltinSites(), GenericSite());
    if (!created.ok()) {
      // A bad selector in a site file is a build defect; tests catch it first.
      std::fprintf(stderr, "medscrape: internal error: %s\n", created.status().message().c_str());
      std::abort();
    }
    return std::move(created).value().release();
  }();
  return *registry;
}

}  // namespace medscrape

#include <cstdio>
#include <cstdlib>

#include "extractors/builtin.h"

namespace medscrape {

Result<std::unique_ptr<Registry>> LoadRegistry(const std::string& dir) {
  Result<SiteSet> sites = LoadSites(BuiltinSiteFiles(), dir);
  if (!sites.ok()) return sites.status();
  return Registry::Create(std::move(sites).value());
}

const Registry& BuiltinRegistry() {
  static const Registry* registry = [] {
    Result<std::unique_ptr<Registry>> created = LoadRegistry("");
    if (!created.ok()) {
      std::fprintf(stderr, "medscrape: internal error: %s\n", created.status().message().c_str());
      std::abort();
    }
    return std::move(created).value().release();
  }();
  return *registry;
}

}  // namespace medscrape

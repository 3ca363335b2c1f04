#include <cstdio>

#include "cli/commands.h"
#include "extract/registry.h"

namespace medscrape {

int RunSites() {
  for (const auto& site : BuiltinRegistry().sites()) {
    std::printf("%s (extractor version %d, times %s)\n", site->spec->name.c_str(),
                site->spec->version, site->spec->utc_offset.c_str());
    for (const CompiledPageType& page_type : site->page_types) {
      std::printf("  %-9s %s\n", page_type.spec->name.c_str(),
                  UrlPattern(*site->spec, *page_type.spec).c_str());
    }
    for (const std::string& hub : site->spec->hub_paths) {
      std::printf("  %-9s %s (followed when crawling, not extracted)\n", "hub", hub.c_str());
    }
  }
  std::printf("(any other URL: a generic record with title, description and published)\n");
  return 0;
}

}  // namespace medscrape

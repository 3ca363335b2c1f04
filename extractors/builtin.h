// The shipped site files (extractors/*.yaml), compiled into the binary at build
// time (extractors/embed.cmake), so build/medscrape works from any folder.
#ifndef MEDSCRAPE_EXTRACTORS_BUILTIN_H_
#define MEDSCRAPE_EXTRACTORS_BUILTIN_H_

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "extract/registry.h"
#include "extract/site_file.h"

namespace medscrape {

// The shipped files in file-name order; origins "built-in:<file name>".
const std::vector<SiteFileSource>& BuiltinSiteFiles();

// The shipped sites plus the site files in `dir` ("" = none): see LoadSites.
Result<std::unique_ptr<Registry>> LoadRegistry(const std::string& dir);

// The shipped sites alone, loaded once (for tests and benchmarks). A shipped
// file that does not load is a build defect: it aborts, and the tests catch it.
const Registry& BuiltinRegistry();

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACTORS_BUILTIN_H_

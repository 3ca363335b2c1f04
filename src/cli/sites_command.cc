// `medscrape sites`: the site files in use, where each came from, and their rules.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "cli/commands.h"

namespace medscrape {
namespace {

struct SitesOptions {
  bool json = false;
  std::string sites_dir;
};

Json Describe(const CompiledSite& site) {
  const SiteSpec& spec = *site.spec;
  Json pages = Json::array();
  for (const CompiledPageType& page : site.page_types) {
    const PageTypeSpec& type = *page.spec;
    pages.push_back(
        {{"name", type.name},
         {"url", type.path_pattern.empty() ? Json(nullptr) : Json(UrlPattern(spec, type))},
         {"detect", type.detect_selector.empty() ? Json(nullptr) : Json(type.detect_selector)},
         {"keys", type.keys}});
  }
  return {{"site", spec.name.empty() ? Json(nullptr) : Json(spec.name)},
          {"version", spec.version},
          {"source", spec.source},
          {"hosts", spec.host_pattern.empty() ? Json(nullptr) : Json(spec.host_pattern)},
          {"timezone", spec.utc_offset.empty() ? Json(nullptr) : Json(spec.utc_offset)},
          {"pages", pages},
          {"follow", spec.hub_paths}};
}

void PrintText(const CompiledSite& site, bool generic) {
  const SiteSpec& spec = *site.spec;
  std::printf("%s (version %d, %s%s%s)\n", generic ? "generic" : spec.name.c_str(), spec.version,
              spec.source.c_str(), spec.utc_offset.empty() ? "" : ", times ",
              spec.utc_offset.c_str());
  for (const CompiledPageType& page : site.page_types) {
    std::printf("  %-9s %s\n", page.spec->name.c_str(),
                generic ? "(any page no other site claims)" : UrlPattern(spec, *page.spec).c_str());
  }
  for (const std::string& hub : spec.hub_paths) {
    std::printf("  %-9s %s (followed when crawling, not extracted)\n", "follow", hub.c_str());
  }
}

int Run(const SitesOptions& options) {
  int exit_code = kExitOk;
  std::unique_ptr<Registry> registry = LoadRegistryOrReport(options.sites_dir, "sites", &exit_code);
  if (registry == nullptr) return exit_code;
  if (options.json) {
    Json sites = Json::array();
    for (const auto& site : registry->sites()) sites.push_back(Describe(*site));
    sites.push_back(Describe(registry->generic()));
    std::printf("%s\n", sites.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
    return kExitOk;
  }
  for (const auto& site : registry->sites()) PrintText(*site, false);
  PrintText(registry->generic(), true);
  return kExitOk;
}

}  // namespace

CommandRun AddSitesCommand(CLI::App* app) {
  auto options = std::make_shared<SitesOptions>();
  CLI::App* command = app->add_subcommand(
      "sites", "the site files in use: where each came from, its page types, URL and follow rules");
  command->add_flag("--json", options->json, "one JSON array, for scripts");
  AddSitesOption(command, &options->sites_dir);
  return [options] { return Run(*options); };
}

}  // namespace medscrape

// `medscrape route`: what a crawl would do with a URL, and why: a page of a
// site's type, a hub (followed for its links) with the rule that made it one, or
// not followed with the reason (crawl/link_scope.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "cli/commands.h"
#include "crawl/link_scope.h"
#include "url/canonical.h"

namespace medscrape {
namespace {

struct RouteOptions {
  std::vector<std::string> urls, follow, seeds;
  std::string site, sites_dir;
};

int Run(const RouteOptions& options) {
  int exit_code = kExitOk;
  std::unique_ptr<Registry> registry = LoadRegistryOrReport(options.sites_dir, "route", &exit_code);
  if (registry == nullptr) return exit_code;
  LinkScopeOptions rules;
  rules.site = options.site;
  rules.follow = options.follow;
  for (const std::string& seed : options.seeds) {
    std::optional<std::string> url = CanonicalizeUrl(seed);
    if (!url) return UsageError("seed '" + seed + "' is not an absolute http(s) URL", "route");
    rules.seeds.push_back(*url);
  }
  Result<std::unique_ptr<LinkScope>> scope = LinkScope::Create(*registry, rules);
  if (!scope.ok()) return UsageError(scope.status().message(), "route");
  bool all_followed = true;
  for (const std::string& given : options.urls) {
    const std::string url = CanonicalizeUrl(given).value_or(given);
    const LinkVerdict verdict = scope.value()->Classify(url);
    switch (verdict.kind) {
      case LinkVerdict::Kind::kPage:
        std::printf("%s\t%s %s\n", url.c_str(), verdict.site->spec->name.c_str(),
                    verdict.page_type->spec->name.c_str());
        break;
      case LinkVerdict::Kind::kHub:
        std::printf("%s\thub (%s)\n", url.c_str(), verdict.why.c_str());
        break;
      case LinkVerdict::Kind::kDropped:
        std::printf("%s\tnot followed: %s\n", url.c_str(), verdict.why.c_str());
        all_followed = false;
        break;
    }
  }
  return all_followed ? kExitOk : kExitSomeFailed;
}

}  // namespace

CommandRun AddRouteCommand(CLI::App* app) {
  auto options = std::make_shared<RouteOptions>();
  CLI::App* command = app->add_subcommand(
      "route",
      "what a crawl does with each URL: a site's page type, a hub and the rule that "
      "made it one, or not followed and why");
  command->add_option("URL", options->urls, "URLs to look up")->required()->take_all();
  command->add_option("--site", options->site, "treat every host as this site")->type_name("NAME");
  command
      ->add_option("--follow", options->follow,
                   "more hub patterns, as crawl --follow (repeatable)")
      ->type_name("RE")
      ->take_all()
      ->expected(1)
      ->allow_extra_args(false);  // One value each time: repeat the option for more.
  command
      ->add_option("--seed", options->seeds,
                   "a crawl seed: links with its shape are hubs, as in the crawl (repeatable)")
      ->type_name("URL")
      ->take_all()
      ->expected(1)
      ->allow_extra_args(false);  // One value each time: repeat the option for more.
  AddSitesOption(command, &options->sites_dir);
  return [options] { return Run(*options); };
}

}  // namespace medscrape

// The built-in registry: every site file compiles, and URLs route to the right
// page type.
#include <catch2/catch.hpp>

#include "extract/registry.h"
#include "extractors/builtin.h"

namespace medscrape {
namespace {

std::string RouteName(const std::string& url) {
  std::optional<Route> route = BuiltinRegistry().RouteUrl(url);
  if (!route) return "none";
  return route->site->spec->name + "/" + route->page_type->spec->name;
}

SiteSpec GenericSite() {
  Result<SiteSet> sites = LoadSites(BuiltinSiteFiles(), "");
  REQUIRE(sites.ok());
  return sites.value().generic;
}

TEST_CASE("built-in site files load: every shipped file but the generic one is a site") {
  Result<std::unique_ptr<Registry>> registry = LoadRegistry("");
  INFO((registry.ok() ? "" : registry.status().message()));
  REQUIRE(registry.ok());
  CHECK(registry.value()->sites().size() + 1 == BuiltinSiteFiles().size());
  for (const auto& site : registry.value()->sites()) {
    CHECK(site->spec->source == "built-in:" + site->spec->name + ".yaml");
  }
  CHECK(registry.value()->generic().spec->source == "built-in:generic.yaml");
}

TEST_CASE("URLs route to their site and page type") {
  CHECK(RouteName("https://www.mfk.com/jingxuan/8137265.shtml") == "mfk.com/article");
  CHECK(RouteName("https://mip.mfk.com/jingxuan/8137265.shtml") == "mfk.com/article");
  CHECK(RouteName("https://www.mfk.com/ask/11160281.shtml") == "mfk.com/question");
  CHECK(RouteName("http://m.mfk.com/ask/11160281.shtml?from=x") == "mfk.com/question");
  CHECK(RouteName("https://www.120ask.com/question/105233871.htm") == "120ask.com/question");
  CHECK(RouteName("https://www.120ask.com/question/abc-def/105233871.htm") ==
        "120ask.com/question");
  CHECK(RouteName("http://club.xywy.com/static/20160305/3215597.htm") == "xywy.com/question");
  CHECK(RouteName("https://www.mfk.com/jibing/2265.shtml") == "none");
  CHECK(RouteName("https://evil.example/www.mfk.com/ask/1.shtml") == "none");
  CHECK(RouteName("https://www.mfk.com.evil.example/ask/1.shtml") == "none");
  CHECK(RouteName("") == "none");
}

TEST_CASE("a site file with a bad selector or pattern is refused with its location") {
  SiteSpec site;
  site.name = "bad.example";
  site.host_pattern = R"(bad\.example)";
  PageTypeSpec page;
  page.name = "article";
  page.path_pattern = "/";
  page.fields = {{"title", "h1::before"}};
  site.page_types = {page};
  Result<std::unique_ptr<Registry>> registry = Registry::Create({site}, GenericSite());
  REQUIRE_FALSE(registry.ok());
  CHECK_THAT(registry.status().message(), Catch::Contains("bad.example/article field title"));

  site.page_types[0].fields = {{"title", "h1", FieldType::kText, 0, "", "(unclosed"}};
  registry = Registry::Create({site}, GenericSite());
  REQUIRE_FALSE(registry.ok());
  CHECK_THAT(registry.status().message(), Catch::Contains("bad pattern"));

  site.page_types[0].fields = {};
  site.page_types[0].path_pattern = "(";
  registry = Registry::Create({site}, GenericSite());
  REQUIRE_FALSE(registry.ok());
  CHECK_THAT(registry.status().message(), Catch::Contains("bad.example/article path: bad pattern"));
}

}  // namespace
}  // namespace medscrape

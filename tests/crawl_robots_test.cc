// robots.txt parsing and matching (RFC 9309), including hostile inputs: huge
// files, pathological wildcards, broken encodings.
#include <catch2/catch.hpp>
#include <string>

#include "crawl/robots.h"

namespace medscrape {
namespace {

using std::string_literals::operator""s;

constexpr std::string_view kAgent = "medscrape";

RobotsRules ParseForUs(std::string_view body) { return RobotsRules::Parse(body, kAgent); }

TEST_CASE("robots: the longest match wins, allow wins a tie", "[robots]") {
  const RobotsRules rules = ParseForUs(
      "User-agent: *\n"
      "Allow: /example/page/\n"
      "Disallow: /example/page/disallowed.gif\n"
      "Disallow: /tie\n"
      "Allow: /tie\n"
      "Disallow: /folder\n"
      "Allow: /folder/public\n");
  CHECK(rules.Allowed("/example/page/"));
  CHECK(rules.Allowed("/example/page/index.html"));
  CHECK_FALSE(rules.Allowed("/example/page/disallowed.gif"));
  CHECK(rules.Allowed("/tie"));
  CHECK(rules.Allowed("/tie/more"));
  CHECK_FALSE(rules.Allowed("/folder/private"));
  CHECK(rules.Allowed("/folder/public/a.html"));
  CHECK(rules.Allowed("/elsewhere"));
  // '*' and '$' count as octets of the pattern: "/page*" (6) beats "/page" (5).
  const RobotsRules wild = ParseForUs("User-agent: *\nAllow: /page\nDisallow: /page*\n");
  CHECK_FALSE(wild.Allowed("/page"));
}

TEST_CASE("robots: '*' and '$' wildcards", "[robots]") {
  const RobotsRules fish = ParseForUs("User-agent: *\nDisallow: /fish*\n");
  for (const char* path : {"/fish", "/fish.html", "/fish/salmon.html", "/fishheads",
                           "/fishheads/yummy.html", "/fish.php?id=anything"}) {
    CHECK_FALSE(fish.Allowed(path));
  }
  for (const char* path : {"/Fish.asp", "/catfish", "/?id=fish", "/desert/fish"}) {
    CHECK(fish.Allowed(path));
  }

  const RobotsRules php = ParseForUs("User-agent: *\nDisallow: /*.php$\n");
  CHECK_FALSE(php.Allowed("/filename.php"));
  CHECK_FALSE(php.Allowed("/folder/filename.php"));
  CHECK(php.Allowed("/filename.php?parameters"));
  CHECK(php.Allowed("/filename.php/"));
  CHECK(php.Allowed("/filename.php5"));
  CHECK(php.Allowed("/windows.PHP"));

  const RobotsRules dir = ParseForUs("User-agent: *\nDisallow: /fish/\n");
  CHECK_FALSE(dir.Allowed("/fish/"));
  CHECK_FALSE(dir.Allowed("/fish/?id=anything"));
  CHECK_FALSE(dir.Allowed("/fish/salmon.htm"));
  CHECK(dir.Allowed("/fish"));
  CHECK(dir.Allowed("/fish.html"));
  CHECK(dir.Allowed("/animals/fish/"));
  CHECK(dir.Allowed("/Fish/Salmon.asp"));

  const RobotsRules mixed = ParseForUs("User-agent: *\nDisallow: /fish*.php\nDisallow: /a/*/b$\n");
  CHECK_FALSE(mixed.Allowed("/fishheads/catfish.php?parameters"));
  CHECK(mixed.Allowed("/Fish.PHP"));
  CHECK_FALSE(mixed.Allowed("/a/x/y/b"));
  CHECK(mixed.Allowed("/a/x/b/c"));
  CHECK_FALSE(mixed.Allowed("/a//b"));
  // '$' only anchors at the end; elsewhere it is an ordinary octet.
  const RobotsRules dollar = ParseForUs("User-agent: *\nDisallow: /$x\nDisallow: /$\n");
  CHECK_FALSE(dollar.Allowed("/$x/y"));
  CHECK_FALSE(dollar.Allowed("/"));
  CHECK(dollar.Allowed("/index.html"));
}

TEST_CASE("robots: a whole-site disallow and the implicit /robots.txt", "[robots]") {
  const RobotsRules rules = ParseForUs("User-agent: *\nDisallow: /\nDisallow: /robots.txt\n");
  CHECK_FALSE(rules.Allowed("/"));
  CHECK_FALSE(rules.Allowed(""));
  CHECK_FALSE(rules.Allowed("/any/page?x=1"));
  CHECK(rules.Allowed("/robots.txt"));
  CHECK(rules.Allowed("/robots.txt?refresh=1"));
  CHECK_FALSE(rules.Allowed("/robots.txt.bak"));
  CHECK_FALSE(ParseForUs("User-agent: *\nDisallow: *\n").Allowed("/a"));
}

TEST_CASE("robots: group selection", "[robots]") {
  const std::string body =
      "User-agent: *\n"
      "Disallow: /\n"
      "\n"
      "User-agent: MedScrape/2.0\n"
      "Disallow: /private\n"
      "\n"
      "User-agent: otherbot\n"
      "Disallow: /other\n";
  const RobotsRules ours = ParseForUs(body);
  CHECK(ours.Allowed("/public"));
  CHECK(ours.Allowed("/other"));
  CHECK_FALSE(ours.Allowed("/private/x"));
  // A crawler no group names falls back to '*'.
  CHECK_FALSE(RobotsRules::Parse(body, "somebot").Allowed("/public"));
  // Our own agent string may carry a version; the name is not a prefix match.
  CHECK(RobotsRules::Parse(body, "medscrape/1.0 (+https://example.org)").Allowed("/public"));
  CHECK_FALSE(RobotsRules::Parse(body, "medscrapebot").Allowed("/public"));
  CHECK(ParseForUs("User-agent: medscrapebot\nDisallow: /x\n").Allowed("/x"));
  // No group for us and no '*' group: nothing is restricted.
  CHECK(ParseForUs("User-agent: otherbot\nDisallow: /\n").Allowed("/a"));
}

TEST_CASE("robots: consecutive user-agent lines share a group, named groups merge", "[robots]") {
  const RobotsRules shared = ParseForUs(
      "User-agent: otherbot\n"
      "User-agent: medscrape\n"
      "Disallow: /shared\n"
      "User-agent: thirdbot\n"
      "Disallow: /third\n");
  CHECK_FALSE(shared.Allowed("/shared"));
  CHECK(shared.Allowed("/third"));

  const RobotsRules merged = ParseForUs(
      "User-agent: medscrape\n"
      "Disallow: /a\n"
      "Crawl-delay: 2\n"
      "User-agent: *\n"
      "Disallow: /star\n"
      "User-agent: MEDSCRAPE\n"
      "Disallow: /b\n"
      "Allow: /a/open\n"
      "Crawl-delay: 5\n");
  CHECK_FALSE(merged.Allowed("/a"));
  CHECK_FALSE(merged.Allowed("/b"));
  CHECK(merged.Allowed("/a/open/x"));
  CHECK(merged.Allowed("/star"));
  REQUIRE(merged.crawl_delay_seconds());
  CHECK(*merged.crawl_delay_seconds() == 5);

  // Blank lines do not end a group: the '*' line below joins ours.
  CHECK_FALSE(ParseForUs("User-agent: medscrape\n\nUser-agent: *\nDisallow: /\n").Allowed("/a"));
  // A group naming us whose only rule is empty still wins over '*'.
  CHECK(ParseForUs("User-agent: medscrape\nDisallow:\nUser-agent: *\nDisallow: /\n").Allowed("/a"));
  // Sitemap and unknown lines neither open nor close a group.
  CHECK_FALSE(ParseForUs("User-agent: medscrape\nSitemap: /s.xml\nHost: x\nUser-agent: b\n"
                         "Disallow: /a\n")
                  .Allowed("/a"));
  // Rules before any user-agent line belong to no group.
  CHECK(ParseForUs("Disallow: /\nUser-agent: *\nDisallow: /x\n").Allowed("/a"));
}

TEST_CASE("robots: an empty disallow disallows nothing", "[robots]") {
  const RobotsRules rules = ParseForUs("User-agent: *\nDisallow:\nDisallow: $\nAllow:\n");
  CHECK(rules.Allowed("/"));
  CHECK(rules.Allowed("/anything"));
}

TEST_CASE("robots: Crawl-delay is per group, capped, and ignored when invalid", "[robots]") {
  const auto delay = [](std::string_view value, std::string_view agent = kAgent) {
    return RobotsRules::Parse(
               "User-agent: *\nCrawl-delay: 7\nUser-agent: medscrape\nCrawl-delay: "s +
                   std::string(value) + "\n",
               agent)
        .crawl_delay_seconds();
  };
  CHECK(delay("2.5") == 2.5);
  CHECK(delay("0") == 0.0);
  CHECK(delay(".5") == 0.5);
  CHECK(delay("10", "otherbot") == 7.0);
  CHECK(delay("600") == 30.0);
  CHECK(delay("1e300") == 30.0);
  // Too large for a double, or infinite: capped like any large delay, not ignored.
  CHECK(delay("1e400") == 30.0);
  CHECK(delay("inf") == 30.0);
  CHECK(delay("INFINITY") == 30.0);
  CHECK(delay("1e9") == 30.0);
  CHECK(delay("1e-400") == 0.0);
  for (const char* garbage :
       {"-1", "abc", "5s", "", "nan", "-inf", "+3", "0x10", "2,5", "-1e400"}) {
    CAPTURE(garbage);
    CHECK_FALSE(delay(garbage));
  }
  CHECK_FALSE(ParseForUs("User-agent: *\nDisallow: /\n").crawl_delay_seconds());
  RobotsLimits limits;
  limits.max_crawl_delay_s = 3;
  CHECK(
      RobotsRules::Parse("User-agent: *\ncrawl-delay: 4\n", kAgent, limits).crawl_delay_seconds() ==
      3.0);
}

TEST_CASE("robots: sitemaps are collected from every group", "[robots]") {
  const RobotsRules rules = ParseForUs(
      "Sitemap: https://example.com/sitemap.xml\n"
      "User-agent: otherbot\n"
      "Sitemap:   https://example.com/other.xml  \n"
      "Disallow: /\n"
      "sitemap:\n"
      "User-agent: *\n"
      "SITEMAP: https://example.com/news.xml # news\n");
  const std::vector<std::string> expected = {"https://example.com/sitemap.xml",
                                             "https://example.com/other.xml",
                                             "https://example.com/news.xml"};
  CHECK(rules.sitemaps() == expected);
}

TEST_CASE("robots: lenient syntax", "[robots]") {
  SECTION("BOM, CRLF, CR, comments, case and white space") {
    const RobotsRules rules = ParseForUs(
        "\xEF\xBB\xBFuser-AGENT :medscrape # us\r\n"
        "# Disallow: /commented\r"
        "DISALLOW\t:\t/a   # trailing comment\r"
        "Disallow /no-colon\n"
        "Nonsense: /b\r\n"
        "   Allow:/a/b\r\n");
    CHECK_FALSE(rules.Allowed("/a"));
    CHECK(rules.Allowed("/a/b"));
    CHECK(rules.Allowed("/commented"));
    CHECK(rules.Allowed("/no-colon"));
  }
  SECTION("typos") {
    const RobotsRules rules = ParseForUs(
        "useragent: otherbot\nDisallow: /other\n"
        "user agent: medscrape\ndissallow: /one\ndisalow: /two\n");
    CHECK_FALSE(rules.Allowed("/one"));
    CHECK_FALSE(rules.Allowed("/two"));
    CHECK(rules.Allowed("/other"));
  }
  SECTION("a path without its leading slash") {
    CHECK_FALSE(ParseForUs("User-agent: *\nDisallow: private\n").Allowed("/private/x"));
  }
  SECTION("invalid UTF-8 and NULs") {
    const RobotsRules rules = ParseForUs(
        "User-agent: *\xFF\xFE\nUser-agent: *\nDisallow: /\xC3(\0x\n"s
        "Disallow: /ok\xE2\x82\n");
    CHECK_FALSE(rules.Allowed("/%C3(%00x"));
    CHECK_FALSE(rules.Allowed("/ok%E2%82more"));
    CHECK(rules.Allowed("/fine"));
  }
}

TEST_CASE("robots: percent-encoding equivalences", "[robots]") {
  const RobotsRules rules = ParseForUs(
      "User-agent: *\n"
      "Disallow: /a%2fb\n"
      "Disallow: /%7Ejoe\n"
      "Disallow: /foo/bar/ツ\n"
      "Disallow: /x/%62%61%7A\n"
      "Disallow: /100%\n");
  CHECK_FALSE(rules.Allowed("/a%2Fb"));
  CHECK_FALSE(rules.Allowed("/a%2fb/c"));
  CHECK(rules.Allowed("/a/b"));  // An encoded '/' is not a path separator.
  CHECK_FALSE(rules.Allowed("/~joe/index.html"));
  CHECK_FALSE(rules.Allowed("/%7ejoe"));
  CHECK_FALSE(rules.Allowed("/foo/bar/%E3%83%84"));
  CHECK_FALSE(rules.Allowed("/foo/bar/%e3%83%84"));
  CHECK_FALSE(rules.Allowed("/foo/bar/ツ"));
  CHECK_FALSE(rules.Allowed("/x/baz"));
  CHECK_FALSE(rules.Allowed("/100%25"));
  // An encoded reserved octet in a rule is no wildcard.
  const RobotsRules star = ParseForUs("User-agent: *\nDisallow: /a%2Ab\n");
  CHECK(star.Allowed("/axyzb"));
  CHECK_FALSE(star.Allowed("/a%2ab"));
  // An equivalent allow rule ties with the disallow and wins.
  CHECK(ParseForUs("User-agent: *\nDisallow: /~joe\nAllow: /%7Ejoe\n").Allowed("/~joe"));
}

TEST_CASE("robots: bytes after max_bytes are ignored", "[robots]") {
  std::string body = "User-agent: *\n";
  const std::string filler = "Disallow: /filler/path/that/matches/nothing/we/test\n";
  while (body.size() < 600 * 1024) body += filler;
  body += "Disallow: /late\n";
  const RobotsRules big = ParseForUs(body);
  CHECK(big.Allowed("/late"));
  CHECK_FALSE(big.Allowed("/filler/path/that/matches/nothing/we/test"));

  // A line cut by the limit is dropped; a line ending exactly at it is kept.
  RobotsLimits limits;
  const std::string head = "User-agent: *\nDisallow: /cut-here\n";
  limits.max_bytes = head.size() - 5;
  CHECK(RobotsRules::Parse(head, kAgent, limits).Allowed("/cut-"));
  limits.max_bytes = head.size() - 1;
  CHECK_FALSE(RobotsRules::Parse(head, kAgent, limits).Allowed("/cut-here"));
  limits.max_bytes = 0;
  CHECK(RobotsRules::Parse(head, kAgent, limits).Allowed("/cut-here"));
}

TEST_CASE("robots: pathological wildcards and many rules stay fast", "[robots]") {
  const RobotsRules rules = ParseForUs("User-agent: *\nDisallow: /a*a*a*a*a*a*a*a*b\n");
  const std::string path = "/" + std::string(200000, 'a');
  CHECK(rules.Allowed(path));
  CHECK_FALSE(rules.Allowed(path + "b"));
  const RobotsRules anchored = ParseForUs("User-agent: *\nDisallow: /*a*a*a*a*a*a*ab$\n");
  CHECK(anchored.Allowed(path + "bb"));
  CHECK_FALSE(anchored.Allowed(path + "b"));

  std::string body = "User-agent: *\n";
  for (int i = 0; i < 20000; ++i) body += "Disallow: /*x*" + std::to_string(i) + "*y$\n";
  const RobotsRules many = ParseForUs(body);
  CHECK(many.Allowed("/" + std::string(2000, 'x')));
  CHECK_FALSE(many.Allowed("/x19999y"));
}

TEST_CASE("robots: RobotsFromResponse maps fetch outcomes", "[robots]") {
  const std::string_view body = "User-agent: *\nDisallow: /private\n";
  const RobotsRules ok = RobotsFromResponse(200, body, kAgent);
  CHECK(ok.Allowed("/public"));
  CHECK_FALSE(ok.Allowed("/private"));
  for (int status : {404, 403, 401, 410}) {
    CAPTURE(status);
    CHECK(RobotsFromResponse(status, body, kAgent).Allowed("/private"));
  }
  for (int status : {500, 503, 0, 301, 100, 600}) {
    CAPTURE(status);
    const RobotsRules rules = RobotsFromResponse(status, body, kAgent);
    CHECK_FALSE(rules.Allowed("/public"));
    CHECK(rules.Allowed("/robots.txt"));
    CHECK_FALSE(rules.crawl_delay_seconds());
    CHECK(rules.sitemaps().empty());
  }
  CHECK(RobotsRules::AllowAll().Allowed("/anything"));
  CHECK_FALSE(RobotsRules::DisallowAll().Allowed("/"));
}

}  // namespace
}  // namespace medscrape

// ParseSitemap: urlsets, indexes, the XML a tolerant scanner must survive, and
// gzip bodies (built here with zlib) including a bomb.

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "crawl/sitemap.h"
#include "gzip_test_util.h"

namespace medscrape {
namespace {

using Strings = std::vector<std::string>;

SitemapContents Parse(const std::string& body, size_t max_urls = 50000) {
  Result<SitemapContents> contents = ParseSitemap(body, max_urls);
  INFO(contents.status().message());
  REQUIRE(contents.ok());
  return contents.value();
}

const char kUrlset[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n"
    "  <url><loc>https://example.com/a</loc><lastmod>2024-01-01</lastmod></url>\n"
    "  <url>\n    <loc>\n      https://example.com/b?x=1&amp;y=2\n    </loc>\n  </url>\n"
    "</urlset>\n";

TEST_CASE("sitemap: a urlset lists its URLs", "[sitemap]") {
  const SitemapContents contents = Parse(kUrlset);
  CHECK(contents.urls == Strings{"https://example.com/a", "https://example.com/b?x=1&y=2"});
  CHECK(contents.sitemaps.empty());
}

TEST_CASE("sitemap: an index lists its child sitemaps", "[sitemap]") {
  const SitemapContents contents = Parse(
      "<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"
      "<sitemap><loc>https://example.com/s1.xml.gz</loc></sitemap>"
      "<sitemap><loc>https://example.com/s2.xml</loc><lastmod>2024</lastmod></sitemap>"
      "</sitemapindex>");
  CHECK(contents.sitemaps ==
        Strings{"https://example.com/s1.xml.gz", "https://example.com/s2.xml"});
  CHECK(contents.urls.empty());
}

TEST_CASE("sitemap: entities, CDATA, case and stray locs", "[sitemap]") {
  const SitemapContents contents = Parse(
      "<urlset><url><loc>http://e.com/?a=&lt;&gt;&quot;&apos;&amp;amp;</loc></url>"
      "<URL><LOC><![CDATA[ http://e.com/c?a=1&b=<2> ]]></LOC></URL>"
      "<url><loc>http://e.com/p</loc><loc>http://e.com/second</loc>"
      "<image:image><image:loc>http://e.com/img.png</image:loc></image:image></url>"
      "<loc>http://e.com/outside</loc>"
      "<url><loc>  </loc></url></urlset>");
  CHECK(contents.urls ==
        Strings{"http://e.com/?a=<>\"'&amp;", "http://e.com/c?a=1&b=<2>", "http://e.com/p"});
}

TEST_CASE("sitemap: at most max_urls URLs", "[sitemap]") {
  CHECK(Parse(kUrlset, 1).urls == Strings{"https://example.com/a"});
}

TEST_CASE("sitemap: a gzip body is decompressed", "[sitemap]") {
  const std::string body = testing::Gzip(kUrlset);
  REQUIRE(static_cast<unsigned char>(body[0]) == 0x1f);
  CHECK(Parse(body).urls == Parse(kUrlset).urls);
}

TEST_CASE("sitemap: a gzip bomb and a corrupt stream are refused", "[sitemap]") {
  const std::string bomb =
      testing::Gzip("<urlset>" + std::string(kMaxSitemapBytes + 1, ' ') + "</urlset>");
  CHECK(bomb.size() < 1000000);
  Result<SitemapContents> contents = ParseSitemap(bomb);
  REQUIRE_FALSE(contents.ok());
  CHECK(contents.status().message().find("50 MiB") != std::string::npos);

  const std::string truncated = testing::Gzip(kUrlset).substr(0, 20);
  CHECK_FALSE(ParseSitemap(truncated).ok());
}

TEST_CASE("sitemap: garbage gives empty contents", "[sitemap]") {
  for (const std::string& body : {std::string(""), std::string("not xml at all"),
                                  std::string("<html><a href=/x>x</a></html>"),
                                  std::string("<urlset><url><loc>http://e.com/unterminated"),
                                  std::string("<<<>>></loc><url><loc")}) {
    INFO(body);
    const SitemapContents contents = Parse(body);
    CHECK(contents.urls.empty());
    CHECK(contents.sitemaps.empty());
  }
}

}  // namespace
}  // namespace medscrape

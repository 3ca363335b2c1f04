// LinkResolver gives, byte for byte, what ResolveHttpUrl then CanonicalizeUrl give: on every
// href of every fixture page (the mirror's pages included) against their own URL and against
// bases that stress the origin, and on hrefs built to sit at the edge of the fast path.
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "url/canonical.h"
#include "url/link_resolver.h"
#include "url/url.h"

namespace medscrape {
namespace {

std::string Slow(const std::string& base, const std::string& href) {
  std::optional<std::string> resolved = ResolveHttpUrl(base, href);
  if (!resolved) return "<none>";
  return CanonicalizeUrl(*resolved).value_or("<none>");
}

std::string Fast(const LinkResolver& resolver, const std::string& href) {
  return resolver.Canonical(href).value_or("<none>");
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every href="..." and href='...' value of the fixture pages, raw (entities kept: any string
// is a fair input), with the page's own URL when it has a .url file.
struct Corpus {
  std::vector<std::pair<std::string, std::string>> links;  // (page URL, href)
};

Corpus FixtureLinks() {
  Corpus corpus;
  const std::regex href(R"re(href\s*=\s*("([^"]*)"|'([^']*)'))re", std::regex::icase);
  const std::filesystem::path root = std::filesystem::path(MEDSCRAPE_SOURCE_DIR) / "fixtures";
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    const std::string ext = entry.path().extension().string();
    if (ext != ".html" && ext != ".shtml" && ext != ".htm") continue;
    std::filesystem::path url_file = entry.path();
    url_file.replace_extension(".url");
    std::string url = std::filesystem::exists(url_file) ? ReadFile(url_file) : "";
    while (!url.empty() && (url.back() == '\n' || url.back() == '\r')) url.pop_back();
    if (url.empty()) url = "https://www.mfk.com/jingxuan/8137265.shtml";
    const std::string html = ReadFile(entry.path());
    for (auto it = std::sregex_iterator(html.begin(), html.end(), href);
         it != std::sregex_iterator(); ++it) {
      corpus.links.emplace_back(url, (*it)[2].matched ? (*it)[2].str() : (*it)[3].str());
    }
  }
  return corpus;
}

TEST_CASE("LinkResolver equals resolve + canonicalize on every fixture link", "[url][links]") {
  const Corpus corpus = FixtureLinks();
  REQUIRE(corpus.links.size() > 1000);
  size_t fast = 0, checked = 0;
  const std::vector<std::string> other_bases = {
      "HTTP://WWW.Example.COM:80/dir/page.html?x=1#top", "https://user:pw@Example.com.:8443/a/b/",
      "http://[::1]:8080/x", "http://127.0.0.1:18473/jingxuan/index.shtml", "ftp://example.com/"};
  for (const auto& [page, href] : corpus.links) {
    std::vector<std::string> bases = other_bases;
    bases.insert(bases.begin(), page);
    for (const std::string& base : bases) {
      const LinkResolver resolver(base);
      INFO("base " << base << " href " << href);
      CHECK(Fast(resolver, href) == Slow(base, href));
      if (base == page) {
        fast += resolver.IsPlainPath(href) ? 1 : 0;
        ++checked;
      }
    }
  }
  // The fast path is taken by most links of real pages against their own URL.
  INFO(fast << " of " << checked << " links took the fast path");
  CHECK(fast * 2 > checked);
}

TEST_CASE("LinkResolver at the edge of the fast path", "[url][links]") {
  const std::vector<std::string> bases = {"https://www.mfk.com/jingxuan/8137265.shtml",
                                          "http://Example.COM:80/a/b?q=1", "http://example.com"};
  const std::vector<std::string> hrefs = {"/",
                                          "/a",
                                          "/a/",
                                          "/A/B.shtml",
                                          "/a//b",
                                          "//other.test/a",
                                          "///a",
                                          "/./a",
                                          "/a/./b",
                                          "/a/../b",
                                          "/a/..",
                                          "/a/.",
                                          "/.hidden",
                                          "/a.b/c..d",
                                          "/a~b_c-d",
                                          "/a#frag",
                                          "/a#",
                                          "/a#f g",
                                          "/a#%zz",
                                          "/a?x=1",
                                          "/a?",
                                          "/a;jsessionid=1",
                                          "/a%7e",
                                          "/a%2F",
                                          "/a b",
                                          " /a",
                                          "/a\t",
                                          "/\xe4\xb8\xad",
                                          "/a\\b",
                                          "/a:b",
                                          "/a@b",
                                          "/a!$&'()*+,=",
                                          "a/b",
                                          "../a",
                                          "?x=1",
                                          "#top",
                                          "",
                                          "http://x.test/a",
                                          "HTTP://X.TEST:80/a",
                                          "javascript:void(0)",
                                          "mailto:a@b.c",
                                          "/" + std::string(5000, 'a'),
                                          "/" + std::string(4060, 'a'),
                                          "https://www.mfk.com/ask/1.shtml",
                                          "https://www.mfk.com",
                                          "https://www.mfk.com/",
                                          "https://www.mfk.com:443/a",
                                          "https://www.mfk.com.evil.test/a",
                                          "https://www.mfk.comx/a",
                                          "https://WWW.mfk.com/a",
                                          "http://www.mfk.com/a",
                                          "https://www.mfk.com/a/../b",
                                          "http://example.com/a",
                                          "http://example.com//a",
                                          "http://example.com/a#x"};
  for (const std::string& base : bases) {
    const LinkResolver resolver(base);
    for (const std::string& href : hrefs) {
      INFO("base " << base << " href " << href.substr(0, 80));
      CHECK(Fast(resolver, href) == Slow(base, href));
    }
  }
  const LinkResolver mfk(bases[0]);
  CHECK(mfk.IsPlainPath("/jingxuan/8137265.shtml"));
  CHECK(Fast(mfk, "/jingxuan/8137265.shtml#top") == "https://www.mfk.com/jingxuan/8137265.shtml");
  CHECK_FALSE(mfk.IsPlainPath("/a/../b"));
  CHECK_FALSE(mfk.IsPlainPath("//other.test/a"));
  CHECK_FALSE(LinkResolver("not a url").IsPlainPath("/a"));
}

// HostPortOf reads a plainly spelled URL without curl_url; an upper-case scheme always takes
// curl_url, and must give the same.
std::string SlowHostPort(const std::string& url) {
  return url.compare(0, 4, "http") == 0 ? HostPortOf("HTTP" + url.substr(4)) : HostPortOf(url);
}

TEST_CASE("HostPortOf without curl_url equals HostPortOf with it", "[url][links]") {
  const Corpus corpus = FixtureLinks();
  size_t checked = 0;
  for (const auto& [page, href] : corpus.links) {
    const std::optional<std::string> url = LinkResolver(page).Canonical(href);
    if (!url) continue;
    INFO(*url);
    CHECK(HostPortOf(*url) == SlowHostPort(*url));
    ++checked;
  }
  CHECK(checked > 1000);
  for (const std::string url : {"http://example.com/a",
                                "http://example.com:8080/a",
                                "http://example.com:80/a",
                                "https://example.com:80/a",
                                "https://example.com:443/a",
                                "http://127.0.0.1:18473/x",
                                "http://127.1/",
                                "http://0x7f.0.0.1/",
                                "http://a.0x10/",
                                "http://Example.com/",
                                "http://example.com./",
                                "http://a..b/",
                                "http://.a/",
                                "http://a-.b/",
                                "http://-a.b/",
                                "http://a_b.test/",
                                "http://xn--fiqs8s.test/",
                                "http://a.test:0/",
                                "http://a.test:08080/",
                                "http://a.test:65535/",
                                "http://a.test:65536/",
                                "http://a.test:/",
                                "http://user@a.test/",
                                "http://[::1]:8080/",
                                "http://a.test",
                                "http://a.test?x",
                                "http://a.test:99999/",
                                "ftp://a.test/",
                                "http://a.test:1/",
                                "http://1.2.3.4a/",
                                "http://127.0.0.1/",
                                "http://10.0.0.255:80/",
                                "http://1.2.3.256/",
                                "http://01.2.3.4/",
                                "http://1.2.3/",
                                "http://1.2.3.4.5/",
                                "http://0.0.0.0:1/",
                                "http://1..3.4/",
                                "http://255.255.255.255/",
                                "http://1.2.3.4./"}) {
    INFO(url);
    CHECK(HostPortOf(url) == SlowHostPort(url));
  }
  CHECK(HostPortOf("http://example.com:8080/a") == "example.com:8080");
  CHECK(HostPortOf("https://www.mfk.com/a") == "www.mfk.com");
  CHECK(HostPortOf("http://127.0.0.1:18473/a") == "127.0.0.1:18473");
}

}  // namespace
}  // namespace medscrape

// CanonicalizeUrl, HostOf and HostPortOf: every rule of canonical.h, with exact values.
#include <catch2/catch.hpp>
#include <optional>
#include <string>

#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {
namespace {

// The canonical form, or "<none>" so that a failure prints readably.
std::string Canon(const std::string& url) { return CanonicalizeUrl(url).value_or("<none>"); }

TEST_CASE("scheme and host are lower-cased, default ports dropped", "[url][canonical]") {
  CHECK(Canon("HTTP://Example.COM/Path") == "http://example.com/Path");
  CHECK(Canon("HtTpS://WWW.A.com") == "https://www.a.com/");
  CHECK(Canon("http://example.com:80/a") == "http://example.com/a");
  CHECK(Canon("https://example.com:443/a") == "https://example.com/a");
  CHECK(Canon("https://example.com:0443/a") == "https://example.com/a");
  CHECK(Canon("http://example.com:/a") == "http://example.com/a");
  // Only the scheme's own default goes.
  CHECK(Canon("https://example.com:80/a") == "https://example.com:80/a");
  CHECK(Canon("http://example.com:443/a") == "http://example.com:443/a");
  CHECK(Canon("http://example.com:8080/a") == "http://example.com:8080/a");
  CHECK(Canon("http://example.com:65536/a") == "<none>");
}

TEST_CASE("host: trailing dot, credentials, IP literals, IDN", "[url][canonical]") {
  CHECK(Canon("http://Example.com./a") == "http://example.com/a");
  CHECK(Canon("http://example.com../a") == "http://example.com/a");
  CHECK(Canon("http://./a") == "<none>");
  CHECK(Canon("http://user:pw@Example.com/a") == "http://example.com/a");
  CHECK(Canon("http://user@example.com/a") == "http://example.com/a");
  CHECK(Canon("http://:pw@example.com/a") == "http://example.com/a");
  CHECK(Canon("http://@example.com/a") == "http://example.com/a");
  CHECK(Canon("http://[::1]:8080/a") == "http://[::1]:8080/a");
  CHECK(Canon("http://[::1]:80/a") == "http://[::1]/a");
  CHECK(Canon("http://[0:0::1]/") == "http://[::1]/");
  CHECK(Canon("http://[FE80::A]/") == "http://[fe80::a]/");
  // curl rewrites numeric IPv4 spellings; the address checks see the real address.
  CHECK(Canon("http://2130706433/") == "http://127.0.0.1/");
  CHECK(Canon("http://0x7f.1/") == "http://127.0.0.1/");
  CHECK(Canon("http://ex%41mple.COM/") == "http://example.com/");
  CHECK(Canon("http://例子.测试/a") == "http://例子.测试/a");
  CHECK(Canon("http://EXAMPLE.例子/a") == "http://example.例子/a");
}

TEST_CASE("fragments, dot segments and empty queries go", "[url][canonical]") {
  CHECK(Canon("http://a.com/x#frag") == "http://a.com/x");
  CHECK(Canon("http://a.com/x?q=1#frag") == "http://a.com/x?q=1");
  CHECK(Canon("http://a.com/x?#") == "http://a.com/x");
  CHECK(Canon("http://a.com/x?") == "http://a.com/x");
  CHECK(Canon("http://a.com/x?&&") == "http://a.com/x");
  CHECK(Canon("http://a.com") == "http://a.com/");
  CHECK(Canon("http://a.com/a/./b/../c") == "http://a.com/a/c");
  CHECK(Canon("http://a.com/a/b/..") == "http://a.com/a/");
  CHECK(Canon("http://a.com/../../x") == "http://a.com/x");
  CHECK(Canon("http://a.com/a/../..//b") == "http://a.com//b");
  // Escaped dots are dots (RFC 3986 6.2.2.2, and browsers agree).
  CHECK(Canon("http://a.com/a/%2e%2E/b/%2e/c") == "http://a.com/b/c");
  CHECK(Canon("http://a.com/a/.%2e/b") == "http://a.com/b");
  CHECK(Canon("http://a.com/a/b/%2e%2e?q=1") == "http://a.com/a/?q=1");
}

TEST_CASE("percent-encoding is normalised", "[url][canonical]") {
  CHECK(Canon("http://a.com/%7euser/%7E%41%2d%5F%2E") == "http://a.com/~user/~A-_.");
  CHECK(Canon("http://a.com/a%2fb%2Fc") == "http://a.com/a%2Fb%2Fc");
  CHECK(Canon("http://a.com/%e4%b8%ad?q=%e4%b8%ad") == "http://a.com/%E4%B8%AD?q=%E4%B8%AD");
  CHECK(Canon("http://a.com/中?q=中") == "http://a.com/%E4%B8%AD?q=%E4%B8%AD");
  CHECK(Canon("http://a.com/a b?q=a b") == "http://a.com/a%20b?q=a+b");
  CHECK(Canon("http://a.com/?q=%3d%26%3F") == "http://a.com/?q=%3D%26%3F");
  CHECK(Canon("http://a.com/%zz?q=%4") == "http://a.com/%zz?q=%4");
  CHECK(Canon("http://a.com/x?q=a+b") == "http://a.com/x?q=a+b");
}

TEST_CASE("session and tracking parameters are removed", "[url][canonical]") {
  CHECK(Canon("http://a.com/x?utm_source=w&UTM_Medium=e&utm_campaign=c&id=5") ==
        "http://a.com/x?id=5");
  CHECK(
      Canon("http://a.com/x?gclid=1&FBCLID=2&yclid=3&MsClkId=4&spm=a.b&_ga=5&mc_cid=6&mc_eid=7") ==
      "http://a.com/x");
  CHECK(Canon("http://a.com/x?JSESSIONID=1&PHPSESSID=2&sid=3&SessionId=4&ASPSESSIONIDQQ=5&p=2") ==
        "http://a.com/x?p=2");
  CHECK(Canon("http://a.com/x?utm%5Fsource=w&%67clid=1&p=2") == "http://a.com/x?p=2");
  // Content parameters that look alike stay.
  CHECK(Canon("http://a.com/x?from=list&utm=1&sids=2&spm2=3&ga=4") ==
        "http://a.com/x?from=list&ga=4&sids=2&spm2=3&utm=1");
  CHECK(Canon("http://a.com/x;jsessionid=ABC123") == "http://a.com/x");
  CHECK(Canon("http://a.com/x;JSESSIONID=ABC?p=1") == "http://a.com/x?p=1");
  CHECK(Canon("http://a.com/d;jsessionid=A/x.do;v=2") == "http://a.com/d/x.do;v=2");
  CHECK(Canon("http://a.com/x;v=2;phpsessid=9") == "http://a.com/x;v=2");
}

TEST_CASE("query parameters are sorted by name, stably", "[url][canonical]") {
  CHECK(Canon("http://a.com/x?b=2&a=1&c=3") == "http://a.com/x?a=1&b=2&c=3");
  CHECK(Canon("http://a.com/x?b=2&a=1&b=1&a=0") == "http://a.com/x?a=1&a=0&b=2&b=1");
  CHECK(Canon("http://a.com/x?b&a=&a") == "http://a.com/x?a=&a&b");
  CHECK(Canon("http://a.com/x?B=1&a=2") == "http://a.com/x?B=1&a=2");  // Bytewise.
  CHECK(Canon("http://a.com/x?a=1&&b=2&") == "http://a.com/x?a=1&b=2");
  CHECK(Canon("http://a.com/x?z=1&utm_source=x&a=2#top") == "http://a.com/x?a=2&z=1");
  CHECK(Canon("HTTP://Example.COM:80/a/./b/../c?utm_source=x&z=1&a=2#top") ==
        "http://example.com/a/c?a=2&z=1");
}

TEST_CASE("only http(s) URLs of bounded length are accepted", "[url][canonical]") {
  CHECK(Canon("ftp://a.com/x") == "<none>");
  CHECK(Canon("file:///etc/passwd") == "<none>");
  CHECK(Canon("javascript:alert(1)") == "<none>");
  CHECK(Canon("mailto:a@b.com") == "<none>");
  CHECK(Canon("data:text/html,hi") == "<none>");
  CHECK(Canon("/relative/path") == "<none>");
  CHECK(Canon("") == "<none>");
  CHECK(Canon("http://exa mple.com/") == "<none>");
  CHECK(Canon(std::string("http://a.com/x\0y", 16)) == "<none>");
  const std::string longest = "http://a.com/" + std::string(kMaxUrlLength - 13, 'x');
  CHECK(Canon(longest) == longest);
  CHECK(Canon(longest + "x") == "<none>");
  CHECK(Canon("http://a.com/" + std::string(5000, 'x')) == "<none>");
  // Within the limit on input, over it once spaces are encoded.
  CHECK(Canon("http://a.com/" + std::string(2000, ' ') + "x") == "<none>");
  // The input limit holds even where the canonical form would be short.
  CHECK(Canon("http://a.com/x?" + std::string(5000, '&')) == "<none>");
}

TEST_CASE("canonical URLs are fixed points", "[url][canonical]") {
  for (const char* url : {"HTTP://User@Example.COM.:80/a/%2e/b%7e;jsessionid=1?z=%e4&utm_id=1&a#f",
                          "https://[::1]:8443/x?b=1&a=2", "http://a.com/a%20b?q=a+b&q=%2F"}) {
    const std::string once = Canon(url);
    CHECK(once != "<none>");
    CHECK(Canon(once) == once);
  }
}

TEST_CASE("HostOf and HostPortOf", "[url][canonical]") {
  CHECK(HostOf("http://Example.COM:8080/x") == "example.com");
  CHECK(HostOf("https://user:pw@WWW.Example.com./") == "www.example.com");
  CHECK(HostOf("http://[::1]:8080/") == "[::1]");
  CHECK(HostOf("http://2130706433/") == "127.0.0.1");
  CHECK(HostOf("ftp://example.com/") == "");
  CHECK(HostOf("not a url") == "");
  CHECK(HostOf("") == "");
  CHECK(HostPortOf("http://Example.COM/x") == "example.com");
  CHECK(HostPortOf("http://example.com:80/x") == "example.com");
  CHECK(HostPortOf("https://example.com:443/x") == "example.com");
  CHECK(HostPortOf("https://example.com:80/x") == "example.com:80");
  CHECK(HostPortOf("http://127.0.0.1:8080/x") == "127.0.0.1:8080");
  CHECK(HostPortOf("http://[::1]:8080/x") == "[::1]:8080");
  CHECK(HostPortOf("http://[::1]/x") == "[::1]");
  CHECK(HostPortOf("mailto:a@b.com") == "");
  CHECK(HostPortOf("http://./") == "");
}

}  // namespace
}  // namespace medscrape

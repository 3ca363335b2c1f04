// Node::Text() and Node::OwnText(): the normalisation of docs/sites.md.
#include <catch2/catch.hpp>
#include <string>

#include "html/document.h"
#include "html/selector.h"

namespace medscrape {
namespace {

// Text of the first element matching `css` in `html`.
std::string TextOf(const std::string& html, const char* css = "div") {
  const Document doc = Document::Parse(html);
  return Selector(css).SelectFirst(doc.root()).Text();
}

std::string OwnTextOf(const std::string& html, const char* css = "div") {
  const Document doc = Document::Parse(html);
  return Selector(css).SelectFirst(doc.root()).OwnText();
}

TEST_CASE("NBSP entities collapse with the space around them", "[html][text]") {
  CHECK(TextOf("<span class=\"time\">发布于&nbsp;&nbsp;2026-02-28</span>", "span.time") ==
        "发布于 2026-02-28");
}

TEST_CASE("<br> makes a line", "[html][text]") {
  CHECK(TextOf("<div>a<br />b</div>") == "a\nb");
  CHECK(TextOf("<div>a<br><br>\n<br>b</div>") == "a\nb");
}

TEST_CASE("block elements make lines, empty lines collapse", "[html][text]") {
  CHECK(TextOf("<div><p>x</p><p>y</p></div>") == "x\ny");
  CHECK(TextOf("<div><p>x</p><p></p>\n<div> </div><p>y</p></div>") == "x\ny");
  CHECK(TextOf("<div><ul><li>one</li><li>two <b>2</b></li></ul>after</div>") ==
        "one\ntwo 2\nafter");
  CHECK(TextOf("<div><h1>T</h1>body</div>") == "T\nbody");
}

TEST_CASE("lines and the whole text are trimmed", "[html][text]") {
  CHECK(TextOf("<p> a  <b>b</b> </p>", "p") == "a b");
  CHECK(TextOf("<div>\n  <p>  x  </p>\n  <p>\ty </p>\n</div>") == "x\ny");
}

TEST_CASE("inline elements add no spaces", "[html][text]") {
  CHECK(TextOf("<div><span>2026-02-28</span><span>9039次浏览</span></div>") ==
        "2026-02-289039次浏览");
  CHECK(TextOf("<div>a<b>b</b><i>c</i></div>") == "abc");
}

TEST_CASE("Unicode spaces collapse, invisible characters go, joiners stay", "[html][text]") {
  CHECK(TextOf("<div>a\u3000\u3000b</div>") == "a b");  // ideographic space
  CHECK(TextOf("<div>a\u2002\u2003\u2009\u200Ab</div>") == "a b");
  CHECK(TextOf("<div>a\u202F\u205F\u1680\u0085\u2028\u2029b</div>") == "a b");
  CHECK(TextOf("<div>a\u200Bb\uFEFF</div>") == "ab");  // zero width space, BOM
  CHECK(TextOf("<div>\u202Aa\u200Eb\u2066c\u2069\u00ADd\u2060</div>") == "abcd");
  CHECK(TextOf("<div>a\u200Cb\u200Dc</div>") == "a\u200Cb\u200Dc");  // (non-)joiners
  CHECK(TextOf("<div>\u00A0 a \u3000</div>") == "a");
}

TEST_CASE("CJK punctuation sharing a lead byte with spaces is kept", "[html][text]") {
  // U+3001 、 U+3002 。 start with E3 80 like U+3000; U+2014 — and U+2026 … with E2 80.
  CHECK(TextOf("<div>是、否。好\u2014是\u2026</div>") == "是、否。好\u2014是\u2026");
}

TEST_CASE("control characters are dropped, tabs and CRs are white space", "[html][text]") {
  const std::string nul(1, '\0');
  CHECK(TextOf("<div>a\x01\x02" + nul + "b\tc\r\nd\x0B" + "e\x7F\u0080\u009F</div>") == "ab c d e");
  CHECK(TextOf("<div title=\"t" + nul + "\x1Bx\">y</div>", "div[title=tx]") == "y");
}

TEST_CASE("U+FFFD stays: it marks a decoding error", "[html][text]") {
  CHECK(TextOf("<div>a\uFFFDb</div>") == "a\uFFFDb");
}

TEST_CASE("entities are decoded", "[html][text]") {
  CHECK(TextOf("<div>&lt;a&gt; &amp; &#x4E2D;&#25991; &quot;q&quot;</div>") == "<a> & 中文 \"q\"");
}

TEST_CASE("script, style, template, noscript and comments are skipped", "[html][text]") {
  CHECK(TextOf("<div>a<script>var x = 1;</script><style>p{}</style><!-- c -->"
               "<template><p>t</p></template><noscript>n</noscript>b</div>") == "ab");
}

TEST_CASE("the text of a script element itself is its content", "[html][text]") {
  CHECK(TextOf("<script type=\"application/ld+json\">{\"a\": 1}</script>", "script") ==
        "{\"a\": 1}");
}

TEST_CASE("table cells and rows make lines", "[html][text]") {
  CHECK(TextOf("<table><tr><td>a</td><td>b</td></tr><tr><td>c</td></tr></table>", "table") ==
        "a\nb\nc");
}

TEST_CASE("the document node's text is the page's", "[html][text]") {
  const Document doc =
      Document::Parse("<html><head><title>T</title></head><body><p>x</p>y</body></html>");
  CHECK(doc.root().Text() == "T\nx\ny");
}

TEST_CASE("text of an empty or invalid node is empty", "[html][text]") {
  CHECK(TextOf("<div></div>").empty());
  CHECK(Node().Text().empty());
  CHECK(Node().OwnText().empty());
}

TEST_CASE("OwnText takes only direct text, keeping <br> lines", "[html][text]") {
  CHECK(OwnTextOf("<div>a <b>bold</b> c</div>") == "a c");
  CHECK(OwnTextOf("<div class=\"pt15 f14 graydeep  pl20 pr20\">line 1<br />line&nbsp;2<br>"
                  "</div>") == "line 1\nline 2");
  CHECK(OwnTextOf("<div><p>x</p>y<p>z</p>w</div>") == "y\nw");
  CHECK(OwnTextOf("<div><!-- c -->t</div>") == "t");
}

TEST_CASE("text deep in a 500-level tree comes out without recursion", "[html][text]") {
  std::string html;
  for (int i = 0; i < 500; ++i) html += "<div>" + std::to_string(i % 10);
  const Document doc = Document::Parse(html);
  const std::string text = Selector("body").SelectFirst(doc.root()).Text();
  CHECK(text.size() == 999);  // 500 digits, one per line
  CHECK(text.substr(0, 5) == "0\n1\n2");
}

}  // namespace
}  // namespace medscrape

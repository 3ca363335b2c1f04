// Selector: the CSS subset of selector.h, its matching rules and its errors.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "html/document.h"
#include "html/selector.h"

namespace medscrape {
namespace {

// Ids (or else tag names) of the elements `css` selects from `scope`, in order.
std::string Ids(const std::vector<Node>& nodes) {
  std::string out;
  for (const Node& node : nodes) {
    if (!out.empty()) out += ' ';
    out += std::string(node.Attr("id").value_or(node.tag()));
  }
  return out;
}

std::string SelectIds(const Document& doc, const char* css) {
  const Selector selector(css);
  INFO(selector.error());
  REQUIRE(selector.ok());
  return Ids(selector.Select(doc.root()));
}

const char kPage[] = R"(<html><body>
  <div id=d1 class="card  main" data-x="a b">
    <p id=p1 class="summary">s</p>
    <p id=p2><span id=s1 class=x>t</span><span id=s2 lang="zh CN">u</span></p>
    <ul id=u1><li id=l1>1</li><li id=l2 class=askItem>2</li><li id=l3 class="askItem x">3</li></ul>
  </div>
  <div id=d2 class=card><p id=p3 title="quoted v">q</p><foo-bar id=f1></foo-bar></div>
  <template id=t1><p id=p4>inert</p></template>
</body></html>)";

TEST_CASE("type, universal, id and class selectors", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  CHECK(SelectIds(doc, "p") == "p1 p2 p3");
  CHECK(SelectIds(doc, "#s2") == "s2");
  CHECK(SelectIds(doc, ".card") == "d1 d2");
  CHECK(SelectIds(doc, ".main") == "d1");  // class tokens, two spaces apart
  CHECK(SelectIds(doc, "div.card.main#d1") == "d1");
  CHECK(SelectIds(doc, "li.askItem.x") == "l3");
  CHECK(SelectIds(doc, "ul > *") == "l1 l2 l3");
  CHECK(SelectIds(doc, "foo-bar") == "f1");
}

TEST_CASE("tag and attribute names ignore case, values do not", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  CHECK(SelectIds(doc, "DIV#d2") == "d2");
  CHECK(SelectIds(doc, "[ID=p3]") == "p3");
  CHECK(SelectIds(doc, "FOO-Bar") == "f1");
  CHECK(SelectIds(doc, ".Card").empty());
  CHECK(SelectIds(doc, "#D1").empty());
  CHECK(SelectIds(doc, "[id=P3]").empty());
}

TEST_CASE("attribute selectors", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  CHECK(SelectIds(doc, "[title]") == "p3");
  CHECK(SelectIds(doc, "[title=\"quoted v\"]") == "p3");
  CHECK(SelectIds(doc, "[title='quoted v']") == "p3");
  CHECK(SelectIds(doc, "[ title = \"quoted v\" ]") == "p3");
  CHECK(SelectIds(doc, "[title=quoted]").empty());
  CHECK(SelectIds(doc, "[lang~=CN]") == "s2");
  CHECK(SelectIds(doc, "[lang~=\"zh\"]") == "s2");
  CHECK(SelectIds(doc, "[lang~=\"zh CN\"]").empty());  // never one token
  CHECK(SelectIds(doc, "[lang~=z]").empty());
  CHECK(SelectIds(doc, "[data-x=\"a b\"]") == "d1");
  CHECK(SelectIds(doc, "[class~=askItem]") == "l2 l3");
}

TEST_CASE("descendant and child combinators", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  CHECK(SelectIds(doc, "div span") == "s1 s2");
  CHECK(SelectIds(doc, "div > span").empty());
  CHECK(SelectIds(doc, "div > p > span") == "s1 s2");
  CHECK(SelectIds(doc, "body div p") == "p1 p2 p3");
  CHECK(SelectIds(doc, "div#d1   >   ul li") == "l1 l2 l3");
  CHECK(SelectIds(doc, "html > body > div > p#p3") == "p3");
  CHECK(SelectIds(doc, "ul span").empty());
}

TEST_CASE("a descendant step may skip elements that also match", "[html][selector]") {
  // Browsers backtrack: ".a > .b .c" must try every .b ancestor, not just the nearest.
  const Document doc = Document::Parse(
      "<div class=a><div class=b><div class=b><div class=x><p id=c class=c></p></div></div>"
      "</div></div>");
  CHECK(SelectIds(doc, ".a > .b .c") == "c");
  CHECK(SelectIds(doc, ".a > .b > .b .c") == "c");
  CHECK(SelectIds(doc, ".a > .x .c").empty());
}

TEST_CASE("groups come back in document order without duplicates", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  CHECK(SelectIds(doc, "#p3, #p1, p") == "p1 p2 p3");
  CHECK(SelectIds(doc, "span.x , li.askItem,#s1") == "s1 l2 l3");
}

TEST_CASE(":first-child and :nth-child count elements only", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  CHECK(SelectIds(doc, "li:first-child") == "l1");
  CHECK(SelectIds(doc, "li:nth-child(2)") == "l2");
  CHECK(SelectIds(doc, "li:nth-child( 3 )") == "l3");
  CHECK(SelectIds(doc, "li:nth-child(4)").empty());
  CHECK(SelectIds(doc, "div > p:first-child") == "p1 p3");
  CHECK(SelectIds(doc, "p:nth-child(2)") == "p2");
}

TEST_CASE(":not() takes one simple selector", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  CHECK(SelectIds(doc, "li:not(.askItem)") == "l1");
  CHECK(SelectIds(doc, "li.askItem:not(.x)") == "l2");
  CHECK(SelectIds(doc, "#d1 p:not(#p2)") == "p1");
  CHECK(SelectIds(doc, "div > :not(p)") == "u1 f1");
  CHECK(SelectIds(doc, "p:not([title])") == "p1 p2");
  CHECK(SelectIds(doc, "li:not(:first-child)") == "l2 l3");
  CHECK(SelectIds(doc, "li:not(:nth-child(2))") == "l1 l3");
  CHECK(SelectIds(doc, "ul:not(*)").empty());
}

TEST_CASE("Select from a scope returns its descendants only", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  const Node d1 = Selector("#d1").SelectFirst(doc.root());
  REQUIRE(d1.valid());
  CHECK(Ids(Selector("p").Select(d1)) == "p1 p2");
  CHECK(Ids(Selector(".card").Select(d1)).empty());  // not the scope itself
  // Like querySelectorAll, ancestors above the scope still count for matching.
  CHECK(Ids(Selector("body div span").Select(d1)) == "s1 s2");
  CHECK(Ids(Selector("div > p").Select(d1)) == "p1 p2");
}

TEST_CASE("SelectFirst and Matches", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  const Node first = Selector("li.askItem").SelectFirst(doc.root());
  CHECK(first.Attr("id") == "l2");
  CHECK_FALSE(Selector("table").SelectFirst(doc.root()).valid());
  CHECK(Selector("ul > li.x").Matches(Selector("#l3").SelectFirst(doc.root())));
  CHECK_FALSE(Selector("ol > li").Matches(first));
  CHECK_FALSE(Selector("*").Matches(doc.root()));  // the document is not an element
  CHECK_FALSE(Selector("*").Matches(Node()));
  CHECK(Selector("p").Select(Node()).empty());
}

TEST_CASE("template contents are inert", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  CHECK(SelectIds(doc, "template") == "t1");
  CHECK(SelectIds(doc, "#p4").empty());
}

TEST_CASE("CSS escapes in names", "[html][selector]") {
  const Document doc = Document::Parse("<p id=\"a:b\">x</p><p class=\"1col\">y</p>");
  CHECK(SelectIds(doc, "#a\\:b") == "a:b");
  CHECK(SelectIds(doc, "#a\\3A b") == "a:b");
  CHECK(Selector(".\\31 col").Select(doc.root()).size() == 1);
}

TEST_CASE("a moved Selector keeps working", "[html][selector]") {
  const Document doc = Document::Parse(kPage);
  Selector first("li:nth-child(2)");
  Selector second = std::move(first);
  CHECK(Ids(second.Select(doc.root())) == "l2");
  CHECK(second.source() == "li:nth-child(2)");
}

TEST_CASE("unsupported or broken selectors fail with a clear error", "[html][selector]") {
  const struct {
    const char* css;
    const char* error;
  } cases[] = {
      {"", "empty selector at offset 0"},
      {"   ", "empty selector at offset 3"},
      {"a:hover", "unsupported pseudo-class ':hover' at offset 1"},
      {"a::before", "unsupported pseudo-element at offset 1"},
      {"a + b", "unsupported combinator '+' at offset 2"},
      {"a ~ b", "unsupported combinator '~' at offset 2"},
      {"[a^=b]", "unsupported attribute operator '^=' at offset 2"},
      {"[a*=b]", "unsupported attribute operator '*=' at offset 2"},
      {"[a|=b]", "unsupported attribute operator '|=' at offset 2"},
      {"[a$=b]", "unsupported attribute operator '$=' at offset 2"},
      {"[a", "unclosed '[' at offset 0"},
      {"[a=\"b]", "unclosed string at offset 3"},
      {"[a=b c]", "unexpected 'c' in attribute selector at offset 5"},
      {"a]", "unexpected ']' at offset 1"},
      {"a)", "unexpected ')' at offset 1"},
      {"a,", "expected a selector at offset 2"},
      {",a", "unexpected ',' at offset 0"},
      {"div >", "expected a selector at offset 5"},
      {"> p", "unexpected '>' at offset 0"},
      {":nth-child(2n+1)", "unsupported :nth-child argument (only a positive number) at offset 11"},
      {":nth-child(0)", "unsupported :nth-child argument (only a positive number) at offset 11"},
      {":not(:not(a))", "nested :not() at offset 5"},
      {":not(a b)", ":not() takes one simple selector; expected ')' at offset 7"},
      {"p:not(.x", ":not() takes one simple selector; expected ')' at offset 8"},
      {"#", "expected a name at offset 1"},
      {"a\\", "bad escape at offset 1"},
  };
  for (const auto& c : cases) {
    INFO(c.css);
    const Selector selector(c.css);
    CHECK_FALSE(selector.ok());
    CHECK(selector.error() == c.error);
    const Document doc = Document::Parse("<a>x</a><b>y</b><p>z</p>");
    CHECK(selector.Select(doc.root()).empty());
    CHECK_FALSE(selector.SelectFirst(doc.root()).valid());
  }
}

TEST_CASE("deep trees match in linear time per element", "[html][selector]") {
  // 500 nested divs with 2000 <p> at the bottom: "ul div p" fails for every p;
  // without the early exit each would retry every div ancestor.
  std::string html;
  for (int i = 0; i < 500; ++i) html += "<div>";
  for (int i = 0; i < 2000; ++i) html += "<p></p>";
  const Document doc = Document::Parse(html);
  CHECK(Selector("ul div p").Select(doc.root()).empty());
  CHECK(Selector("div div p").Select(doc.root()).size() == 2000);
}

}  // namespace
}  // namespace medscrape

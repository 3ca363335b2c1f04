// Node: tag names, attributes, class tokens and tree navigation.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "html/document.h"
#include "html/selector.h"

namespace medscrape {
namespace {

Node First(const Document& doc, const char* css) { return Selector(css).SelectFirst(doc.root()); }

TEST_CASE("tag() is lower case, for unknown elements too", "[html][node]") {
  const Document doc = Document::Parse(
      "<DIV><My-Widget id=w></My-Widget><svg><foreignObject/>"
      "</svg></DIV>");
  CHECK(First(doc, "div").tag() == "div");
  CHECK(First(doc, "#w").tag() == "my-widget");
  CHECK(First(doc, "svg").tag() == "svg");
  CHECK(First(doc, "svg > *").tag() == "foreignobject");
  CHECK(doc.root().tag() == "#document");
  CHECK(Node().tag().empty());
}

TEST_CASE("Attr() finds names case-insensitively and decodes values", "[html][node]") {
  const Document doc =
      Document::Parse("<a HREF=\"/ask/1.shtml?a=1&amp;b=2\" data-Empty title='&lt;t&gt;'>x</a>");
  const Node a = First(doc, "a");
  CHECK(a.Attr("href") == "/ask/1.shtml?a=1&b=2");
  CHECK(a.Attr("HREF") == "/ask/1.shtml?a=1&b=2");
  CHECK(a.Attr("data-empty") == "");
  CHECK(a.Attr("title") == "<t>");
  CHECK_FALSE(a.Attr("hre").has_value());
  CHECK_FALSE(a.Attr("href2").has_value());
  CHECK_FALSE(doc.root().Attr("href").has_value());
  CHECK_FALSE(Node().Attr("href").has_value());
}

TEST_CASE("HasClass() matches white-space separated tokens", "[html][node]") {
  const Document doc = Document::Parse(
      "<div class=\"pt15 f14 graydeep  pl20 pr20\">x</div><p class=\"\ta\nb \">y</p>");
  const Node div = First(doc, "div");
  CHECK(div.HasClass("graydeep"));
  CHECK(div.HasClass("pl20"));
  CHECK(div.HasClass("pr20"));
  CHECK_FALSE(div.HasClass("pl"));
  CHECK_FALSE(div.HasClass("graydeep  pl20"));
  CHECK_FALSE(div.HasClass(""));
  const Node p = First(doc, "p");
  CHECK(p.HasClass("a"));
  CHECK(p.HasClass("b"));
  CHECK_FALSE(doc.root().HasClass("a"));
}

TEST_CASE("Children() lists element children only, in order", "[html][node]") {
  const Document doc = Document::Parse("<ul>text<li>1</li><!-- c --> <li>2</li><li>3</li></ul>");
  const std::vector<Node> children = First(doc, "ul").Children();
  REQUIRE(children.size() == 3);
  CHECK(children[0].Text() == "1");
  CHECK(children[2].Text() == "3");
  CHECK(children[1].Parent() == First(doc, "ul"));
  CHECK(First(doc, "li").Children().empty());
  CHECK(Node().Children().empty());
}

TEST_CASE("Parent() climbs to the document node and no further", "[html][node]") {
  const Document doc = Document::Parse("<p>x</p>");
  const Node p = First(doc, "p");
  CHECK(p.Parent().tag() == "body");
  CHECK(p.Parent().Parent().tag() == "html");
  CHECK(p.Parent().Parent().Parent() == doc.root());
  CHECK_FALSE(doc.root().Parent().valid());
  CHECK_FALSE(Node().Parent().valid());
}

TEST_CASE("ElementIndex() counts element siblings from 1", "[html][node]") {
  const Document doc = Document::Parse("<ul> a <li id=a></li><!--c--> b <li id=b></li></ul>");
  CHECK(First(doc, "#a").ElementIndex() == 1);
  CHECK(First(doc, "#b").ElementIndex() == 2);
  CHECK(First(doc, "html").ElementIndex() == 1);
  CHECK(doc.root().ElementIndex() == 0);
  CHECK(Node().ElementIndex() == 0);
}

TEST_CASE("Node compares by identity", "[html][node]") {
  const Document doc = Document::Parse("<p>x</p><p>x</p>");
  const std::vector<Node> ps = Selector("p").Select(doc.root());
  REQUIRE(ps.size() == 2);
  CHECK(ps[0] != ps[1]);
  CHECK(ps[0] == First(doc, "p"));
  CHECK(Node() == Node());
  CHECK_FALSE(Node().valid());
}

}  // namespace
}  // namespace medscrape

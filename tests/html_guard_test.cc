// The guard scan against parser bombs (docs/reliability.md C12) and against its own
// blind spots: Gumbo's tree must stay within ParseLimits::max_depth (plus the
// few levels Gumbo adds), and the guard must be what keeps it there.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "html/document.h"
#include "html/selector.h"

namespace medscrape {
namespace {

std::string Repeat(const std::string& unit, size_t times) {
  std::string out;
  out.reserve(unit.size() * times);
  for (size_t i = 0; i < times; ++i) out += unit;
  return out;
}

// Levels below the document node (html is 1), walked without recursion.
int TreeDepth(Node root) {
  int deepest = 0;
  std::vector<std::pair<Node, int>> pending{{root, 0}};
  while (!pending.empty()) {
    const auto [node, depth] = pending.back();
    pending.pop_back();
    deepest = std::max(deepest, depth);
    for (Node child : node.Children()) pending.emplace_back(child, depth + 1);
  }
  return deepest;
}

bool HasWarning(const Document& doc, const std::string& text) {
  for (const std::string& warning : doc.warnings()) {
    if (warning == text) return true;
  }
  return false;
}

bool TreeCheckCut(const Document& doc) {
  for (const std::string& warning : doc.warnings()) {
    if (warning.rfind("html tree deeper", 0) == 0) return true;
  }
  return false;
}

// html and body sit above the counted nesting; tbody/tr and <isindex> add a few.
constexpr int kGumboLevels = 8;

// The guard cuts the page, and Gumbo's tree ends up as deep as allowed but no deeper.
// `exact`: the guard's count matches Gumbo's (else it may count deeper and cut early).
void CheckDepthCut(const std::string& html, int max_depth = ParseLimits().max_depth,
                   bool exact = true) {
  ParseLimits limits;
  limits.max_depth = max_depth;
  const Document doc = Document::Parse(html, limits);
  CHECK(HasWarning(doc, "html nesting deeper than " + std::to_string(max_depth) + ": cut"));
  CHECK_FALSE(TreeCheckCut(doc));
  CHECK(doc.truncated());
  CHECK(TreeDepth(doc.root()) <= max_depth + kGumboLevels);
  if (exact) CHECK(TreeDepth(doc.root()) >= max_depth - 2);
}

TEST_CASE("240 KB of unclosed <span> is cut at the nesting limit", "[html][guard][hostile]") {
  CheckDepthCut(Repeat("<span>", 40000));
}

TEST_CASE("100k nested <div> (1.1 MB) is cut at the nesting limit", "[html][guard][hostile]") {
  CheckDepthCut(Repeat("<div>", 100000) + Repeat("</div>", 100000));
}

TEST_CASE("one tag with 40k attributes is cut before the tag", "[html][guard][hostile]") {
  std::string tag = "<div";
  for (int i = 0; i < 40000; ++i) tag += " a" + std::to_string(i) + "=\"v>\"";
  const Document doc = Document::Parse("<p>before</p>" + tag + ">inside</div><p>after</p>");
  CHECK(HasWarning(doc, "html has over 512 attributes on one tag: cut"));
  CHECK(doc.truncated());
  CHECK(Selector("p").Select(doc.root()).size() == 1);
  CHECK(doc.root().Text() == "before");
}

TEST_CASE("attributes on end tags count too", "[html][guard][hostile]") {
  const Document doc = Document::Parse("<p>x</p></p" + Repeat(" a=1", 600) + ">");
  CHECK(HasWarning(doc, "html has over 512 attributes on one tag: cut"));
}

TEST_CASE("quoted attribute values may hold '>' and '<'", "[html][guard]") {
  ParseLimits limits;
  limits.max_attributes = 2;
  const Document doc =
      Document::Parse("<a title='x > <y' href=\"a>b\" data-x=1>t</a><p>after</p>", limits);
  CHECK(HasWarning(doc, "html has over 2 attributes on one tag: cut"));
  CHECK(Selector("p").Select(doc.root()).empty());
}

TEST_CASE("the node budget cuts after max_nodes start tags", "[html][guard]") {
  ParseLimits limits;
  limits.max_nodes = 100;
  const Document doc = Document::Parse(Repeat("<br>", 150), limits);
  CHECK(HasWarning(doc, "html over 100 nodes: cut"));
  CHECK(Selector("br").Select(doc.root()).size() == 100);
}

TEST_CASE("the node budget counts text runs and comments too", "[html][guard][hostile]") {
  // 2,000 nodes without a single element: each "a" a text node, each comment a node.
  ParseLimits limits;
  limits.max_nodes = 101;
  const Document doc = Document::Parse(Repeat("a<!---->", 1000), limits);
  CHECK(HasWarning(doc, "html over 101 nodes: cut"));
  CHECK(doc.truncated());
  CHECK(doc.root().Text() == Repeat("a", 51));  // 51 text runs and 50 comments kept.
}

TEST_CASE("the node budget counts the formatting elements Gumbo re-creates",
          "[html][guard][hostile]") {
  // 40 <b>s closed by </p> stay on the list of active formatting elements; each
  // <div>x</div> then re-creates all 40 inside the div: 41 elements per 12 bytes,
  // without any nesting. (At 400 <b>s and 10 MiB, Gumbo took over 11 GB.)
  std::string bomb = "<p>";
  for (int i = 0; i < 40; ++i) bomb += "<b a" + std::to_string(i) + ">";
  bomb += "</p>" + Repeat("<div>x</div>", 1000);
  ParseLimits limits;
  limits.max_nodes = 4000;
  const Document doc = Document::Parse(bomb, limits);
  CHECK(HasWarning(doc, "html over 4000 nodes: cut"));
  const size_t elements = Selector("*").Select(doc.root()).size();
  CHECK(elements <= 4000);
  CHECK(elements > 3000);
  CHECK(Selector("div").Select(doc.root()).size() < 100);
}

TEST_CASE("the attribute budget counts every attribute in the document", "[html][guard][hostile]") {
  std::string tag = "<p";
  for (int i = 0; i < 50; ++i) tag += " a" + std::to_string(i) + "=x";
  tag += ">";
  ParseLimits limits;
  limits.max_document_attributes = 1000;
  const Document doc = Document::Parse(Repeat(tag, 100), limits);
  CHECK(HasWarning(doc, "html over 1000 attributes: cut"));
  CHECK(Selector("p").Select(doc.root()).size() == 20);

  // Re-created formatting elements copy their attributes.
  std::string clones = "<p><b" + tag.substr(2) + "</p>" + Repeat("<div>x</div>", 100);
  const Document cloned = Document::Parse(clones, limits);
  CHECK(HasWarning(cloned, "html over 1000 attributes: cut"));
  CHECK(Selector("b").Select(cloned.root()).size() == 20);
}

TEST_CASE("attributes merged onto html and body count as one tag's", "[html][guard][hostile]") {
  // Each <html> or <body> start tag adds its attributes to the one html or body
  // element, comparing each with those it has: quadratic (2,000 such tags of 400
  // attributes took over 60 s).
  for (const std::string name : {"html", "body"}) {
    std::string page;
    for (int t = 0; t < 10; ++t) {
      page += "<" + name;
      for (int i = 0; i < 3; ++i) page += " a" + std::to_string(t) + "_" + std::to_string(i);
      page += ">";
    }
    ParseLimits limits;
    limits.max_attributes = 10;
    const Document doc = Document::Parse(page + "<p>after</p>", limits);
    INFO(name);
    CHECK(HasWarning(doc, "html has over 10 attributes on one tag: cut"));
    CHECK(Selector("p").Select(doc.root()).empty());
  }
}

TEST_CASE("a tree over max_tree_bytes fails the page instead of aborting", "[html][guard]") {
  ParseLimits limits;
  limits.max_nodes = 10'000'000;  // The budgets out of the way: only the backstop is left.
  limits.max_document_attributes = 10'000'000;
  limits.max_tree_bytes = 1 << 20;
  const Document doc = Document::Parse(Repeat("a<!---->", 100000), limits);
  CHECK_FALSE(doc.ok());
  CHECK(doc.status().code() == StatusCode::kTooLarge);
  CHECK(doc.status().message() == "html tree over 1 MiB: not parsed");
  CHECK_FALSE(doc.root().valid());
  // The arena is whole again: the next page on this thread parses.
  const Document next = Document::Parse("<p>fine</p>", limits);
  CHECK(next.ok());
  CHECK(next.root().Text() == "fine");
}

TEST_CASE("tricks that defeat a start-minus-end count are cut", "[html][guard][hostile]") {
  const char* const units[] = {
      "<div></x>",                 // end tags that match nothing are ignored
      "<span><div></span>",        // "any other end tag" stops at special elements
      "<div/>",                    // a self-closing flag means nothing in HTML
      "<x><y></z>",                // Gumbo 0.10.1: unknown end tags close any unknown
      "<table><td>",               // implied tbody and tr
      "<ul><li>",                  // lists nest, items close each other
      "<a><s>",                    // a nested <a> closes, formatting is re-opened
      "<b><b><b><b></b></b></b>",  // Noah's Ark forgets a <b> that stays open
      "<form><div></form>",        // </form> leaves its content open
      "<li><applet>",              // markers hide list items
      "<svg><x><title><div>",      // integration points switch back to HTML
      "<svg><input>",              // no void elements in SVG
      "<template><col><style>",    // ignored <style> in a column template
  };
  for (const char* unit : units) {
    INFO(unit);
    CheckDepthCut(Repeat(unit, 20000), 64);
  }
}

TEST_CASE("after a <frameset> every element counts", "[html][guard][hostile]") {
  // Gumbo ignores nearly everything after a frameset, unless it ignored the frameset.
  CheckDepthCut(Repeat("<p><frameset>", 20000), 64, /*exact=*/false);
  CheckDepthCut("<input><frameset><svg>" + Repeat("<input>", 20000), 64, /*exact=*/false);
}

TEST_CASE("formatting elements re-opened by text are counted", "[html][guard][hostile]") {
  // Each round closes 40 distinct <b> with </div>; Gumbo re-opens them all
  // inside the next text, one level deeper each time.
  std::string html;
  for (int round = 0; round < 200; ++round) {
    html += "<div>";
    for (int i = 0; i < 40; ++i) html += "<b id=" + std::to_string(round * 40 + i) + ">";
    html += "</div>x";
  }
  CheckDepthCut(html);
  // Even one unclosed <font> per block does it, given white space between blocks.
  CheckDepthCut(Repeat("<div><font color=red>x</div>\n", 5000));
}

TEST_CASE("raw text that Gumbo would not skip is not skipped", "[html][guard][hostile]") {
  CheckDepthCut("<math><svg><title><style>" + Repeat("<div>", 5000), 64);
  CheckDepthCut("<select><style></select>" + Repeat("<div>", 5000), 64);
  CheckDepthCut("<svg><select><title>" + Repeat("<h2><applet>", 5000), 64);
  // A <noscript> in the head closes at the first body tag: <math> stays open.
  CheckDepthCut("<noscript><math></noscript><xmp>" + Repeat("<div>", 5000) + "</xmp>", 64);
}

TEST_CASE("sloppy but ordinary pages are not cut", "[html][guard]") {
  const std::string pages[] = {
      "<ul>" + Repeat("<li>item <a href=x>link</a>", 5000) + "</ul>",
      Repeat("<p>para <b>bold", 5000),
      "<table>" + Repeat("<tr><td>a<td>b", 5000) + "</table>",
      Repeat("<div><font color=red>x</div>", 5000),
      "<select>" + Repeat("<option>o", 5000) + "</select>",
      "<dl>" + Repeat("<dt>t<dd>d", 5000) + "</dl>",
      Repeat("<table><tr><td><font>x</td></tr></table>", 2000),
      Repeat("<form><input name=q></form>", 2000),
      Repeat("<svg><g><path d=x/></g><rect/></svg>", 2000),
      Repeat("<ruby>a<rp>(<rt>b<rp>)</ruby>", 2000),
      Repeat("<h1>a<h2>b", 2000),
  };
  for (const std::string& page : pages) {
    INFO(page.substr(0, 60));
    const Document doc = Document::Parse(page);
    CHECK(doc.warnings().empty());
  }
}

// Random tag soup from the constructs above: the guard alone must keep Gumbo's
// tree within the limit, so the parsed-tree check never has to step in.
TEST_CASE("random tag soup stays within the limit by the guard alone", "[html][guard]") {
  const char* const tokens[] = {"<div>",
                                "</div>",
                                "<span>",
                                "</span>",
                                "<b>",
                                "</b>",
                                "<i class=q>",
                                "</i>",
                                "<a href=1>",
                                "</a>",
                                "<font color=red>",
                                "<font>",
                                "</font>",
                                "<nobr>",
                                "</nobr>",
                                "<p>",
                                "</p>",
                                "<li>",
                                "</li>",
                                "<ul>",
                                "</ul>",
                                "<dl>",
                                "<dt>",
                                "<dd>",
                                "<table>",
                                "</table>",
                                "<tr>",
                                "<td>",
                                "</td>",
                                "<th>",
                                "<tbody>",
                                "<caption>",
                                "<col>",
                                "<select>",
                                "</select>",
                                "<option>",
                                "<optgroup>",
                                "<template>",
                                "</template>",
                                "<svg>",
                                "</svg>",
                                "<math>",
                                "</math>",
                                "<title>",
                                "</title>",
                                "<style>",
                                "</style>",
                                "<script>",
                                "</script>",
                                "<textarea>",
                                "</textarea>",
                                "<foreignObject>",
                                "<desc>",
                                "<mi>",
                                "<annotation-xml>",
                                "<annotation-xml encoding=x>",
                                "<x>",
                                "</x>",
                                "<y>",
                                "<x/>",
                                "<div/>",
                                "<path/>",
                                "<br>",
                                "</br>",
                                "<input>",
                                "<img>",
                                "<button>",
                                "</button>",
                                "<h1>",
                                "</h1>",
                                "<h2>",
                                "<form>",
                                "</form>",
                                "<object>",
                                "</object>",
                                "<applet>",
                                "<marquee>",
                                "<frameset>",
                                "<noscript>",
                                "</noscript>",
                                "<iframe>",
                                "<xmp>",
                                "<plaintext>",
                                "<isindex>",
                                "<ruby>",
                                "<rt>",
                                "<rp>",
                                "<code>",
                                "<em>",
                                "<strong>",
                                "<u>",
                                "<s>",
                                "<small>",
                                "<tt>",
                                "<strike>",
                                "x",
                                " ",
                                "<!-- c -->"};
  const int count = sizeof(tokens) / sizeof(tokens[0]);
  std::mt19937 random(20260228);
  ParseLimits limits;
  limits.max_depth = 16;
  for (int page = 0; page < 3000; ++page) {
    std::vector<int> alphabet(3 + random() % 10);
    for (int& token : alphabet) token = random() % count;
    std::string html;
    for (int i = 0; i < 200; ++i) html += tokens[alphabet[random() % alphabet.size()]];
    const Document doc = Document::Parse(html, limits);
    INFO(html);
    REQUIRE_FALSE(TreeCheckCut(doc));
    REQUIRE(TreeDepth(doc.root()) <= limits.max_depth + kGumboLevels);
  }
}

}  // namespace
}  // namespace medscrape

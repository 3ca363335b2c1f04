// Document::Parse: the guard scan's cuts and truncation flags, and the parse.
#include <catch2/catch.hpp>
#include <string>
#include <utility>

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

bool HasWarning(const Document& doc, const std::string& text) {
  for (const std::string& warning : doc.warnings()) {
    if (warning == text) return true;
  }
  return false;
}

size_t Count(const Document& doc, const char* css) {
  return Selector(css).Select(doc.root()).size();
}

std::string TextOf(const Document& doc, const char* css) {
  return Selector(css).SelectFirst(doc.root()).Text();
}

TEST_CASE("a complete page parses without warnings", "[html][document]") {
  const Document doc = Document::Parse(
      "<!DOCTYPE html><html><head><title>t</title></head>"
      "<body><!-- note --><p class=a>one</p><p>two</p></body></html>");
  CHECK(doc.warnings().empty());
  CHECK_FALSE(doc.truncated());
  CHECK(Count(doc, "p") == 2);
  CHECK(TextOf(doc, "p.a") == "one");
}

TEST_CASE("the root is the document node and finds everything", "[html][document]") {
  const Document doc = Document::Parse("<p>x</p>");
  const Node root = doc.root();
  REQUIRE(root.valid());
  CHECK(root.tag() == "#document");
  CHECK_FALSE(root.Parent().valid());
  REQUIRE(root.Children().size() == 1);
  CHECK(root.Children()[0].tag() == "html");
  CHECK(Count(doc, "html") == 1);
}

TEST_CASE("moving a Document keeps its nodes valid, even for tiny inputs", "[html][document]") {
  // Gumbo points into the input buffer; an 8-byte page fits a string's inline buffer.
  Document first = Document::Parse("<a>x</a>");
  Document second = std::move(first);
  CHECK_FALSE(first.root().valid());
  CHECK(TextOf(second, "a") == "x");
  CHECK(Selector("a").SelectFirst(second.root()).tag() == "a");

  Document third = Document::Parse("<b>y</b>");
  third = std::move(second);
  CHECK(TextOf(third, "a") == "x");
  CHECK(Count(third, "b") == 0);
}

TEST_CASE("an empty input gives an empty document", "[html][document]") {
  const Document doc = Document::Parse("");
  CHECK(doc.warnings().empty());
  CHECK(doc.root().Text().empty());
  CHECK(Count(doc, "body") == 1);
}

TEST_CASE("input over the size cap is cut on a character boundary", "[html][document]") {
  ParseLimits limits;
  limits.max_input_bytes = 100;
  const Document doc = Document::Parse("<p>" + Repeat("中", 50) + "</p>", limits);
  CHECK(HasWarning(doc, "html cut at 100 bytes"));
  CHECK(doc.truncated());
  // 3 + 32 * 3 = 99 bytes: the 33rd character would straddle byte 100.
  CHECK(TextOf(doc, "p") == Repeat("中", 32));
}

TEST_CASE("a tag cut by the size cap is dropped whole", "[html][document]") {
  ParseLimits limits;
  limits.max_input_bytes = 24;
  const Document doc =
      Document::Parse("<p>abc</p><div class=\"longer-than-the-cap\">z</div>", limits);
  CHECK(HasWarning(doc, "html cut at 24 bytes"));
  CHECK(doc.warnings().size() == 1);
  CHECK(TextOf(doc, "p") == "abc");
  CHECK(Count(doc, "div") == 0);
}

TEST_CASE("a 12 MB text node is cut at 10 MiB", "[html][document][hostile]") {
  const Document doc = Document::Parse("<p>" + std::string(12u << 20, 'a') + "</p>");
  CHECK(HasWarning(doc, "html cut at 10485760 bytes"));
  CHECK(doc.truncated());
  CHECK(TextOf(doc, "p").size() == (10u << 20) - 3);
}

TEST_CASE("input ending inside a tag is flagged", "[html][document]") {
  const Document doc = Document::Parse("<div><p>kept</p><p class=\"cut");
  CHECK(HasWarning(doc, "html truncated: ends inside a tag"));
  CHECK(doc.truncated());
  CHECK(TextOf(doc, "p") == "kept");
}

TEST_CASE("input ending inside an end tag is flagged", "[html][document]") {
  const Document doc = Document::Parse("<div>x</di");
  CHECK(HasWarning(doc, "html truncated: ends inside a tag"));
}

TEST_CASE("input ending inside a comment is flagged", "[html][document]") {
  const Document doc = Document::Parse("<p>x</p><!-- a comment <p>not markup</p>");
  CHECK(HasWarning(doc, "html truncated: ends inside a comment"));
  CHECK(doc.truncated());
  CHECK(Count(doc, "p") == 1);
}

TEST_CASE("input ending inside a script is flagged", "[html][document]") {
  const Document doc = Document::Parse("<p>x</p><script>var s = '<p>';");
  CHECK(HasWarning(doc, "html truncated: ends inside <script>"));
  CHECK(Count(doc, "p") == 1);
}

TEST_CASE("a page with <html> but no </html> is flagged", "[html][document]") {
  const Document doc = Document::Parse("<html><body><p>x</p></body>");
  CHECK(HasWarning(doc, "html truncated: no </html>"));
  CHECK(doc.truncated());
}

TEST_CASE("comments end at --> or --!> and may be empty", "[html][document]") {
  const Document doc = Document::Parse(
      "<!--><p>1</p><!---><p>2</p><!-- <p>no</p> --!><p>3</p><!-- - -- ---><p>4</p>");
  CHECK(doc.warnings().empty());
  CHECK(Count(doc, "p") == 4);
}

TEST_CASE("a script holding markup stays text", "[html][document]") {
  // As on mfk.com: the page's head carries the string <li class="askItem">.
  const Document doc = Document::Parse(
      "<html><head><script>var t = '<li class=\"askItem\">decoy</li>'; "
      "var u = '<\\/script></scripts>';</script><style>li.x{}</STYLE></head>"
      "<body><ul class=askList><li class=askItem>real</li></ul></body></html>");
  CHECK(doc.warnings().empty());
  const std::vector<Node> items = Selector("li.askItem").Select(doc.root());
  REQUIRE(items.size() == 1);
  CHECK(items[0].Text() == "real");
}

TEST_CASE("raw text elements end only at their own end tag", "[html][document]") {
  const Document doc = Document::Parse(
      "<title>a <b>c</b></title><textarea><p>t</textarea><xmp><p></xmp><p>real</p>");
  CHECK(doc.warnings().empty());
  CHECK(Count(doc, "p") == 1);
  CHECK(TextOf(doc, "title") == "a <b>c</b>");
}

TEST_CASE("UTF-8 Chinese text survives a round trip", "[html][document]") {
  const std::string text = "大腿肌肉痉挛的主要原因：电解质紊乱（如钠、钾、钙缺乏）。";
  const Document doc = Document::Parse("<html><body><h1>" + text + "</h1></body></html>");
  CHECK(doc.warnings().empty());
  CHECK(TextOf(doc, "h1") == text);
}

TEST_CASE("uppercase tags and attributes are matched case-insensitively", "[html][document]") {
  const Document doc = Document::Parse("<DIV CLASS=\"a\"><SPAN>x</SPAN></DIV>");
  CHECK(TextOf(doc, "div.a > span") == "x");
}

}  // namespace
}  // namespace medscrape

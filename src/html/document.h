// The parsed DOM of one page. This layer is the only one that includes gumbo.h.
//
// Gumbo 0.10.1 is unmaintained and has quadratic and recursive paths
// (docs/reliability.md, "Dependency facts"): Document::Parse first runs a cheap guard scan over the
// input and cuts it before any construct that would blow the limits below, then parses with a
// bounded max_errors. Every cut is reported in warnings().
#ifndef MEDSCRAPE_HTML_DOCUMENT_H_
#define MEDSCRAPE_HTML_DOCUMENT_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct GumboInternalNode;
struct GumboInternalOutput;

namespace medscrape {

class Arena;

struct ParseLimits {
  // Input beyond this many bytes is cut off (the page is flagged truncated). Default 10 MiB.
  size_t max_input_bytes = 10u << 20;
  // Deepest element nesting kept; the input is cut where it would go deeper. Default 512.
  // Gumbo's own levels (html, body, implied tbody/tr) come on top: the tree is
  // never more than max_depth + 8 deep.
  int max_depth = 512;
  // A tag with more attributes than this ends the input before it. Default 512.
  int max_attributes = 512;
  // Nodes of every kind the tree may get: elements (from start tags, and the
  // formatting elements Gumbo re-creates), text runs and comments; the input is
  // cut before the one past this. Default 300,000 (a 45 KB page has about 4,000).
  // At Gumbo's ~175 bytes a node, the whole budget is about 50 MB of tree.
  size_t max_nodes = 300000;
  // Attributes in the whole document, copies on re-created elements included; the
  // input is cut before the tag that would pass it. Default 300,000.
  size_t max_document_attributes = 300000;
  // Bytes the tree may take, a backstop behind the budgets above: past it, or when
  // memory runs out, the page fails (Document::ok() is false). Default 160 MiB.
  size_t max_tree_bytes = 160u << 20;
  // Gumbo's max_errors: parse errors recorded (recording is what is quadratic). Default 16.
  int max_errors = 16;
};

// A non-owning handle to an element (or the document root). Valid while its
// Document lives. A default-constructed Node is invalid (valid() == false).
class Node {
 public:
  Node() = default;
  explicit Node(const GumboInternalNode* node) : node_(node) {}

  bool valid() const { return node_ != nullptr; }
  // Lower-case tag name of an element; "#document" for the document node (no
  // type selector matches it); "" for an invalid node.
  std::string_view tag() const;
  // Attribute value (entities decoded), or nullopt when absent.
  std::optional<std::string_view> Attr(std::string_view name) const;
  // True when the class attribute contains `token` as a whitespace-separated token.
  bool HasClass(std::string_view token) const;
  // Element children, in document order.
  std::vector<Node> Children() const;
  Node Parent() const;  // Invalid for the document root.
  // Index among the parent's element children, starting at 1 (for :nth-child).
  int ElementIndex() const;

  // Visible text, normalised per docs/sites.md ("Record conventions"): entities decoded; runs of
  // white space (including NBSP and U+3000) collapse to one space; block boundaries and <br> become
  // one '\n'; each line trimmed; script, style, template, noscript and comments skipped; control
  // characters (C0 other than white space, DEL, C1) dropped, at parse time, so that U+FFFD only
  // ever marks a decoding error.
  std::string Text() const;
  // Same normalisation over this element's direct text children only.
  std::string OwnText() const;
  // The element's markup as it stands in the parsed input, from its start tag to
  // the end of its end tag (or to where the parser closed it); empty for the
  // document and for elements the parser made up (an implied <tbody>).
  std::string_view SourceHtml() const;

  const GumboInternalNode* raw() const { return node_; }
  bool operator==(const Node& other) const { return node_ == other.node_; }
  bool operator!=(const Node& other) const { return node_ != other.node_; }

 private:
  const GumboInternalNode* node_ = nullptr;
};

class Document {
 public:
  // Hostile input is cut to the limits and flagged in warnings(). Fails (ok() is
  // false, root() invalid) only when the tree would pass max_tree_bytes or memory
  // runs out: a per-page error, never an abort. `utf8` must be valid UTF-8 (the
  // encoding layer guarantees it).
  static Document Parse(std::string_view utf8, const ParseLimits& limits = ParseLimits());

  Document(Document&&) noexcept;
  Document& operator=(Document&&) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  ~Document();

  Node root() const;  // The document node; Select() from here searches the whole page.
  // e.g. "html truncated: ends inside a comment", "html cut at 10485760 bytes",
  // "html nesting deeper than 512: cut", "html has over 512 attributes on one tag: cut".
  const std::vector<std::string>& warnings() const { return warnings_; }
  bool truncated() const { return truncated_; }
  bool ok() const { return status_.ok(); }
  // Why the page could not be parsed: kTooLarge "html tree over 160 MiB: not
  // parsed", or kOutOfMemory "out of memory building the html tree: not parsed".
  const Status& status() const { return status_; }

 private:
  Document() = default;
  // Gumbo points into this buffer, so it lives on the heap and never moves
  // (a std::string would move its bytes when they fit the small-string buffer).
  std::unique_ptr<char[]> input_;
  std::unique_ptr<Arena> arena_;  // Owns every byte of the Gumbo tree.
  GumboInternalOutput* output_ = nullptr;
  std::vector<std::string> warnings_;
  Status status_;
  bool truncated_ = false;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_DOCUMENT_H_

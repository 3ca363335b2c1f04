// A conservative model of Gumbo's stack of open elements, used by the guard scan
// (guard.cc) to find where an input would build a tree deeper than max_depth.
//
// A plain count of start minus end tags is easy to defeat: Gumbo ignores end tags
// that match nothing (`<div></x>`), stops "any other end tag" at special elements
// (`<span><div></span>`), treats `/>` as nothing in HTML content, honours it in
// SVG, and re-creates formatting elements closed by block end tags. So this model
// follows the tree-construction rules that change depth, and where it cannot tell
// what Gumbo will do it errs towards counting deeper. Every operation is O(1)
// amortised apart from scans bounded by max_depth.
#ifndef MEDSCRAPE_HTML_OPEN_ELEMENTS_H_
#define MEDSCRAPE_HTML_OPEN_ELEMENTS_H_

#include <gumbo.h>

#include <array>
#include <cstdint>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "html/formatting_list.h"

namespace medscrape {

// One start or end tag as the guard scan read it.
struct TagToken {
  // Gumbo 0.10.1 matches all unknown HTML tags to each other, but compares the
  // names of SVG and MathML elements: name_hash (of the lower-case name) is for those.
  GumboTag tag = GUMBO_TAG_UNKNOWN;
  uint64_t name_hash = 0;
  uint64_t attr_hash = 0;  // of the raw attribute text (formatting elements)
  bool self_closing = false;
  int attributes = 0;          // how many the tag has
  bool font_breakout = false;  // has a color, face or size attribute
  bool has_encoding = false;   // has an encoding attribute (annotation-xml)
};

enum class StartResult { kOk, kRawText, kTooDeep };

// Depth() — the stack plus the formatting elements Gumbo may re-open — never
// exceeds max_depth: a start tag that would make it do so is refused.
class OpenElements {
 public:
  explicit OpenElements(int max_depth);

  // kRawText: the tokenizer now reads text up to the matching end tag.
  // kTooDeep: the tag would nest deeper than max_depth; the model is then stale.
  StartResult StartTag(const TagToken& token);
  void EndTag(const TagToken& token);
  // Text outside raw-text elements (it re-opens formatting elements).
  void Text(std::string_view text);

  // Elements Gumbo creates that no start tag asked for: formatting elements it
  // re-creates ("reconstructs"), each with a copy of its original's attributes.
  // Without a nesting, `<p><b a1>…<b a400></p>` then `<div>x</div>` over and over
  // makes 400 clones per 12 bytes: the guard counts them against its budgets.
  size_t clones() const { return clones_; }
  size_t clone_attributes() const { return clone_attributes_; }

 private:
  // What the children of an element are parsed as. kMixed: could be HTML or
  // foreign (annotation-xml with an encoding), so count every start tag.
  enum class Content : uint8_t { kHtml, kSvg, kMath, kMixed };
  // The element kinds that stop the spec's searches down the stack.
  enum Boundary {
    kSpecialB,      // "any other end tag"
    kScopeB,        // "has an element in scope"
    kListScopeB,    // "in list item scope"
    kButtonScopeB,  // "in button scope"
    kTableScopeB,   // "in table scope"
    kListItemB,     // the <li>, <dd>, <dt> start tag loops
    kBoundaries
  };
  // What a <template> holds, fixed by its first start tag (the spec's template
  // insertion modes): table parts, <col>s (then Gumbo ignores all else), or HTML.
  enum class TemplateMode : uint8_t { kUnset, kTable, kColumns, kBody };
  struct Entry {
    GumboTag tag;
    uint64_t name_hash;
    // Gumbo's HTML rules look for HTML elements only, so only those are chained
    // in last_; SVG and MathML elements are found by name (FindForeign).
    int prev_same;  // next lower HTML entry with the same tag, or -1
    bool foreign;   // an SVG or MathML element
    Content content;
    TemplateMode template_mode;
    bool head_noscript;  // a <noscript> in the head: most tags close it
    uint32_t traits;
    std::array<int, kBoundaries> nearest;  // topmost boundary of each kind at or below
  };

  int Depth() const { return static_cast<int>(stack_.size()) + formatting_.off_stack(); }
  Content CurrentContent() const;
  int Nearest(Boundary kind) const;
  bool InScope(int index, Boundary kind) const { return index >= 0 && Nearest(kind) <= index; }
  int FindAny(std::initializer_list<GumboTag> tags) const;
  int LowestInTableScope(std::initializer_list<GumboTag> tags) const;
  int FindForeign(uint64_t name_hash) const;
  // A <table> (or a <template> taking table parts) is the nearest table boundary.
  bool InTable() const;
  bool IsTableContext(int boundary) const;
  bool SelectInTable(int select) const;
  // Inside <select> Gumbo ignores most tags; a later <template> starts HTML again.
  bool InSelect() const { return last_[GUMBO_TAG_SELECT] > last_[GUMBO_TAG_TEMPLATE]; }
  bool InHeadNoscript() const { return !stack_.empty() && stack_.back().head_noscript; }

  // Start tags (open_elements_start.cc).
  StartResult HtmlStartTag(const TagToken& token);
  StartResult ForeignStartTag(const TagToken& token, Content content);
  StartResult SelectStartTag(const TagToken& token);
  StartResult FramesetStartTag(const TagToken& token);
  bool TemplateAccepts(const TagToken& token);
  bool HeadAccepts(const TagToken& token);
  void CloseImplied(const TagToken& token, uint32_t traits);
  StartResult PlaceTablePart(const TagToken& token);

  StartResult Push(const TagToken& token, Content content, uint32_t traits, bool foreign = false);
  void PushEntry(const TagToken& token, Content content, uint32_t traits, bool foreign);
  void Reconstruct();
  void PopTo(int index);
  void PopForeign();
  void GenerateImpliedEndTags(bool keep_rtc);
  bool EndTagHandledByMode(const TagToken& token);
  void EndFormatting(GumboTag tag);

  const int max_depth_;
  std::vector<Entry> stack_;
  std::array<int, GUMBO_TAG_LAST + 1> last_;  // topmost HTML entry per tag, or -1
  FormattingList formatting_;
  size_t clones_ = 0;
  size_t clone_attributes_ = 0;
  bool frameset_seen_ = false;
  bool in_head_ = true;  // no body content yet (<noscript> works differently there)
};

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_OPEN_ELEMENTS_H_

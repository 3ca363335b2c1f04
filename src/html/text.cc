// Node::Text() and Node::OwnText(): the text normalisation of docs/sites.md ("Record conventions").
#include <gumbo.h>

#include <algorithm>
#include <array>
#include <string>

#include "base/space.h"
#include "html/document.h"
#include "html/dom.h"
#include "html/tag_traits.h"

namespace medscrape {
namespace {

// Document::Parse already removed the other control characters.
enum ByteKind : uint8_t {
  kVisible,     // copied as is (ASCII, most UTF-8 bytes)
  kEnd,         // the NUL ending Gumbo's text
  kSpace,       // ASCII white space
  kMaybeSpace,  // lead byte of a multi-byte sequence that may be white space
};

constexpr std::array<uint8_t, 256> BuildByteKinds() {
  std::array<uint8_t, 256> kinds{};
  for (int c = 1; c < 256; ++c) {
    if (IsAsciiSpace(static_cast<char>(c))) kinds[c] = kSpace;
    if (MaybeWideSpace(static_cast<unsigned char>(c))) kinds[c] = kMaybeSpace;
  }
  kinds[0] = kEnd;
  return kinds;
}
constexpr std::array<uint8_t, 256> kByteKinds = BuildByteKinds();

// Appends text to one string, collapsing white space and line boundaries as it
// goes: a pending separator is written only before the next visible character,
// which trims every line and the whole result for free.
class TextBuilder {
 public:
  explicit TextBuilder(std::string* out) : out_(*out) {}

  void LineBreak() { pending_ = Pending::kNewline; }

  void Append(const char* text) {
    const auto* p = reinterpret_cast<const unsigned char*>(text);
    while (true) {
      const unsigned char* run = p;
      while (kByteKinds[*p] == kVisible) ++p;
      if (p != run) AppendVisible(run, p);
      switch (kByteKinds[*p]) {
        case kEnd:
          return;
        case kSpace:
          Space();
          ++p;
          break;
        case kMaybeSpace:
          if (const size_t length = SpaceLength(p)) {
            Space();
            p += length;
          } else {
            AppendVisible(p, p + 1);  // its continuation bytes are kVisible
            ++p;
          }
          break;
      }
    }
  }

 private:
  enum class Pending { kNone, kSpace, kNewline };

  void Space() {
    if (pending_ == Pending::kNone) pending_ = Pending::kSpace;
  }

  void AppendVisible(const unsigned char* begin, const unsigned char* end) {
    if (pending_ != Pending::kNone && !out_.empty()) {
      out_.push_back(pending_ == Pending::kNewline ? '\n' : ' ');
    }
    pending_ = Pending::kNone;
    out_.append(reinterpret_cast<const char*>(begin), end - begin);
  }

  std::string& out_;
  Pending pending_ = Pending::kNone;
};

bool IsTextLike(const GumboNode* node) {
  return node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE ||
         node->type == GUMBO_NODE_CDATA;
}

bool IsBlock(const GumboNode* node) {
  return node->type == GUMBO_NODE_ELEMENT && (HtmlTagTraits(node->v.element.tag) & kTextBlock);
}

// The element's source span bounds its text closely enough to reserve once.
size_t EstimateTextSize(const GumboNode* node) {
  constexpr size_t kMinimum = 64;
  constexpr size_t kMaximum = 4u << 20;
  if (node->type != GUMBO_NODE_ELEMENT) return kMinimum;
  const size_t start = node->v.element.start_pos.offset;
  const size_t end = node->v.element.end_pos.offset;
  return end > start ? std::clamp(end - start, kMinimum, kMaximum) : kMinimum;
}

// The next node of the walk below `root` after `node` and its subtree, ending
// the lines of the block elements it climbs out of.
const GumboNode* NextAfter(const GumboNode* node, const GumboNode* root, TextBuilder* text) {
  while (node != root) {
    const GumboNode* parent = node->parent;
    const GumboVector* siblings = ChildNodes(parent);
    const size_t next = node->index_within_parent + 1;
    if (next < siblings->length) return ChildAt(siblings, next);
    node = parent;
    if (node != root && IsBlock(node)) text->LineBreak();
  }
  return nullptr;
}

}  // namespace

std::string Node::Text() const {
  std::string out;
  if (node_ == nullptr) return out;
  TextBuilder text(&out);
  if (IsTextLike(node_)) {
    text.Append(node_->v.text.text);
    return out;
  }
  const GumboVector* top = ChildNodes(node_);
  if (top == nullptr || top->length == 0) return out;
  out.reserve(EstimateTextSize(node_));
  const GumboNode* node = ChildAt(top, 0);
  while (node != nullptr) {
    if (IsTextLike(node)) {
      text.Append(node->v.text.text);
    } else if (node->type == GUMBO_NODE_ELEMENT &&
               !(HtmlTagTraits(node->v.element.tag) & kTextSkip)) {
      if (IsBlock(node)) text.LineBreak();
      if (node->v.element.children.length > 0) {
        node = ChildAt(&node->v.element.children, 0);
        continue;
      }
    }
    node = NextAfter(node, node_, &text);  // comments, <template> and skipped elements too
  }
  return out;
}

std::string Node::OwnText() const {
  std::string out;
  const GumboVector* children = node_ != nullptr ? ChildNodes(node_) : nullptr;
  if (children == nullptr) return out;
  TextBuilder text(&out);
  for (unsigned i = 0; i < children->length; ++i) {
    const GumboNode* child = ChildAt(children, i);
    if (IsTextLike(child)) {
      text.Append(child->v.text.text);
    } else if (IsBlock(child)) {
      text.LineBreak();  // "a<br>b" keeps its lines
    }
  }
  return out;
}

}  // namespace medscrape

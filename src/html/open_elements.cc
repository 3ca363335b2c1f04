// OpenElements: the stack, end tags and formatting elements (open_elements.h);
// start tags are in open_elements_start.cc.
#include "html/open_elements.h"

#include <algorithm>

#include "base/space.h"
#include "html/tag_traits.h"

namespace medscrape {

OpenElements::OpenElements(int max_depth) : max_depth_(max_depth) {
  last_.fill(-1);
  stack_.reserve(std::min(std::max(max_depth, 0), 1024) + 1);
}

OpenElements::Content OpenElements::CurrentContent() const {
  return stack_.empty() ? Content::kHtml : stack_.back().content;
}

int OpenElements::Nearest(Boundary kind) const {
  return stack_.empty() ? -1 : stack_.back().nearest[kind];
}

// The lowest of these open in the current table: a new row or section closes
// everything above it ("clear the stack back to a table context").
int OpenElements::LowestInTableScope(std::initializer_list<GumboTag> tags) const {
  int lowest = -1;
  for (GumboTag tag : tags) {
    const int index = last_[tag];
    if (InScope(index, kTableScopeB) && (lowest < 0 || index < lowest)) lowest = index;
  }
  return lowest;
}

int OpenElements::FindAny(std::initializer_list<GumboTag> tags) const {
  int topmost = -1;
  for (GumboTag tag : tags) topmost = std::max(topmost, last_[tag]);
  return topmost;
}

void OpenElements::Text(std::string_view text) {
  if (in_head_ && last_[GUMBO_TAG_TEMPLATE] < 0 &&
      text.find_first_not_of(kAsciiSpaces) != std::string_view::npos) {
    if (InHeadNoscript()) PopTo(static_cast<int>(stack_.size()) - 1);
    in_head_ = false;  // text starts the body
  }
  if (formatting_.off_stack() > 0 && CurrentContent() == Content::kHtml && !InSelect()) {
    Reconstruct();
  }
}

// Gumbo re-creates, inside the current node, the formatting elements that an end
// tag closed early. They were already counted in Depth(), so this cannot deepen
// the model; it keeps the clones counted once the list forgets them (Noah's Ark).
void OpenElements::Reconstruct() {
  for (int entry = formatting_.ReopenStart(); entry < formatting_.size(); ++entry) {
    TagToken clone;
    clone.tag = formatting_.Tag(entry);
    PushEntry(clone, Content::kHtml, HtmlTagTraits(clone.tag), /*foreign=*/false);
    formatting_.Reopened(entry, static_cast<int>(stack_.size()) - 1);
    ++clones_;
    clone_attributes_ += static_cast<size_t>(formatting_.Attributes(entry));
  }
}

StartResult OpenElements::Push(const TagToken& token, Content content, uint32_t traits,
                               bool foreign) {
  if (Depth() >= max_depth_) return StartResult::kTooDeep;
  PushEntry(token, content, traits, foreign);
  const int index = static_cast<int>(stack_.size()) - 1;
  if (traits & kFormatting) formatting_.Push(token.tag, token.attr_hash, token.attributes, index);
  if (traits & kMarker) formatting_.PushMarker();
  return StartResult::kOk;
}

void OpenElements::PushEntry(const TagToken& token, Content content, uint32_t traits,
                             bool foreign) {
  static constexpr uint32_t kBoundaryTraits[kBoundaries] = {
      kSpecial, kScope, kListScope, kButtonScope, kTableScope, kListItemStop};
  const int index = static_cast<int>(stack_.size());
  Entry entry{};
  entry.tag = token.tag;
  entry.name_hash = token.name_hash;
  entry.prev_same = -1;
  entry.foreign = foreign;
  entry.content = content;
  entry.traits = traits;
  for (int kind = 0; kind < kBoundaries; ++kind) {
    entry.nearest[kind] =
        (traits & kBoundaryTraits[kind]) ? index : Nearest(static_cast<Boundary>(kind));
  }
  if (!foreign) {
    entry.prev_same = last_[token.tag];
    last_[token.tag] = index;
  }
  stack_.push_back(entry);
}

void OpenElements::PopTo(int index) {
  while (static_cast<int>(stack_.size()) > index) {
    const Entry& top = stack_.back();
    if (!top.foreign) last_[top.tag] = top.prev_same;
    if (top.traits & kFormatting) formatting_.Popped(static_cast<int>(stack_.size()) - 1);
    if (top.traits & kMarker) formatting_.ClearToLastMarker();
    stack_.pop_back();
  }
}

// Pops the elements whose end tags the spec lets pages leave out.
void OpenElements::GenerateImpliedEndTags(bool keep_rtc) {
  while (!stack_.empty()) {
    switch (stack_.back().tag) {
      case GUMBO_TAG_RTC:
        if (keep_rtc) return;
        break;
      case GUMBO_TAG_DD:
      case GUMBO_TAG_DT:
      case GUMBO_TAG_LI:
      case GUMBO_TAG_OPTION:
      case GUMBO_TAG_OPTGROUP:
      case GUMBO_TAG_P:
      case GUMBO_TAG_RB:
      case GUMBO_TAG_RP:
      case GUMBO_TAG_RT:
        break;
      default:
        return;
    }
    PopTo(static_cast<int>(stack_.size()) - 1);
  }
}

void OpenElements::PopForeign() {
  while (!stack_.empty() &&
         (stack_.back().content == Content::kSvg || stack_.back().content == Content::kMath)) {
    PopTo(static_cast<int>(stack_.size()) - 1);
  }
}

void OpenElements::EndTag(const TagToken& token) {
  if (EndTagHandledByMode(token)) return;
  const int foreign = FindForeign(token.name_hash);
  if (foreign >= 0) {
    PopTo(foreign);
    return;
  }
  if (HtmlTagTraits(token.tag) & kFormatting) {
    EndFormatting(token.tag);
    return;
  }
  // Any heading end tag closes the nearest open heading of any level.
  const int index = (HtmlTagTraits(token.tag) & kHeading)
                        ? FindAny({GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3, GUMBO_TAG_H4,
                                   GUMBO_TAG_H5, GUMBO_TAG_H6})
                        : last_[token.tag];
  if (index < 0) return;
  // </form> takes the form out of the stack and leaves what is open inside it
  // open; the model can only drop it when nothing is.
  if (token.tag == GUMBO_TAG_FORM && index != static_cast<int>(stack_.size()) - 1) return;
  Boundary scope = kSpecialB;  // "any other end tag" stops at special elements
  if (stack_[index].traits & kOwnEndTag) {
    scope = (HtmlTagTraits(token.tag) & kTableStructure) ? kTableScopeB
            : token.tag == GUMBO_TAG_LI                  ? kListScopeB
            : token.tag == GUMBO_TAG_P                   ? kButtonScopeB
                                                         : kScopeB;
  }
  if (InScope(index, scope)) PopTo(index);
}

// End tags that the head, <select> or <frameset> rules settle before the body
// rules: true when nothing more is to be done.
bool OpenElements::EndTagHandledByMode(const TagToken& token) {
  const bool head_rules = in_head_ && last_[GUMBO_TAG_TEMPLATE] < 0;
  switch (token.tag) {
    case GUMBO_TAG_BR:  // read as <br> (even in SVG): ends the head, re-opens, nests nothing
      if (head_rules) {
        if (InHeadNoscript()) PopTo(static_cast<int>(stack_.size()) - 1);
        in_head_ = false;
      }
      Reconstruct();
      return true;
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_HTML:
      if (head_rules && !InHeadNoscript()) in_head_ = false;
      return true;  // the root elements stay
    default:
      break;
  }
  if (frameset_seen_) return token.tag != GUMBO_TAG_FRAMESET && token.tag != GUMBO_TAG_NOFRAMES;
  if (!InSelect()) return false;
  switch (token.tag) {
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_TEMPLATE:
      return false;
    default:
      break;
  }
  // In a <select> in a table, a table end tag closes the select first.
  const int select = last_[GUMBO_TAG_SELECT];
  if (!SelectInTable(select) || !(HtmlTagTraits(token.tag) & kTableStructure) ||
      !InScope(last_[token.tag], kTableScopeB)) {
    return true;  // Gumbo ignores the rest inside <select>
  }
  PopTo(select);
  return false;
}

// An SVG or MathML element with this name among the foreign elements at the top
// of the stack, as Gumbo's foreign-content end tag rule finds it. Looks only so
// far down: ignoring the end tag can only overcount.
int OpenElements::FindForeign(uint64_t name_hash) const {
  constexpr int kMaxSteps = 64;
  for (int i = static_cast<int>(stack_.size()) - 1, steps = 0;
       i >= 0 && stack_[i].foreign && steps < kMaxSteps; --i, ++steps) {
    if (stack_[i].name_hash == name_hash) return i;
  }
  return -1;
}

// The adoption agency algorithm, as far as depth goes. Without a list entry
// Gumbo 0.10.1 pops the element only when it is the current node, else ignores
// the end tag (the spec would treat it as "any other end tag").
void OpenElements::EndFormatting(GumboTag tag) {
  const int entry = formatting_.FindLast(tag);
  if (entry < 0) {
    if (!stack_.empty() && stack_.back().tag == tag && !stack_.back().foreign) {
      PopTo(static_cast<int>(stack_.size()) - 1);
    }
    return;
  }
  const int index = formatting_.StackIndex(entry);
  if (index < 0) {
    formatting_.Remove(entry);
    return;
  }
  if (!InScope(index, kScopeB)) return;
  // With a special element above it Gumbo moves nodes under clones instead of
  // closing them; the depth stays about the same, so the model keeps it.
  if (Nearest(kSpecialB) > index) return;
  formatting_.Remove(entry);
  PopTo(index);
}

}  // namespace medscrape

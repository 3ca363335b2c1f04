// OpenElements: the insertion modes that take only some tags, or none — the
// head, <template>, <select> and <frameset> (open_elements.h).
#include "html/open_elements.h"
#include "html/tag_traits.h"

namespace medscrape {

// Before the body: a <noscript> in the head takes only a few elements (Gumbo
// parses it with scripting off); any other tag closes it, and a tag that is not
// head content starts the body. False: Gumbo ignores the tag.
bool OpenElements::HeadAccepts(const TagToken& token) {
  bool head_content = false;
  switch (token.tag) {
    case GUMBO_TAG_BASEFONT:
    case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_STYLE:
      return true;
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_NOSCRIPT:
      if (InHeadNoscript()) return false;
      head_content = true;
      break;
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_TITLE:
      head_content = true;
      break;
    default:
      break;
  }
  if (InHeadNoscript()) PopTo(static_cast<int>(stack_.size()) - 1);
  if (!head_content) in_head_ = false;
  return true;
}

// After a <frameset> Gumbo ignores nearly every tag, unless it ignored the
// <frameset> itself (and then <svg><input> nests, say). Not knowing which, count
// every element, void ones too, and close none.
StartResult OpenElements::FramesetStartTag(const TagToken& token) {
  const uint32_t traits = HtmlTagTraits(token.tag);
  if (!(traits & kNoReconstruct)) Reconstruct();
  const StartResult result = Push(token, Content::kHtml, traits);
  if (result == StartResult::kOk && token.tag == GUMBO_TAG_NOFRAMES) return StartResult::kRawText;
  return result;
}

bool OpenElements::InTable() const { return IsTableContext(Nearest(kTableScopeB)); }

bool OpenElements::IsTableContext(int boundary) const {
  if (boundary < 0) return false;
  const Entry& entry = stack_[boundary];
  return entry.tag == GUMBO_TAG_TABLE ||
         (entry.tag == GUMBO_TAG_TEMPLATE && entry.template_mode != TemplateMode::kBody &&
          entry.template_mode != TemplateMode::kColumns);
}

// Gumbo picks "in select in table" when the <select> went into a table (or a
// template holding table parts); table tags then close the select.
bool OpenElements::SelectInTable(int select) const {
  return IsTableContext(stack_[select].nearest[kTableScopeB]);
}

// Directly inside a <template>: head content is always taken; the first other
// start tag fixes what else is.
bool OpenElements::TemplateAccepts(const TagToken& token) {
  TemplateMode& mode = stack_.back().template_mode;
  switch (token.tag) {
    case GUMBO_TAG_TEMPLATE:
      return true;
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_BASEFONT:
    case GUMBO_TAG_BGSOUND:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_META:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_TITLE:
      return mode != TemplateMode::kColumns;
    default:
      break;
  }
  if (mode == TemplateMode::kUnset) {
    mode = token.tag == GUMBO_TAG_COL                ? TemplateMode::kColumns
           : (HtmlTagTraits(token.tag) & kTablePart) ? TemplateMode::kTable
                                                     : TemplateMode::kBody;
  }
  return mode != TemplateMode::kColumns || token.tag == GUMBO_TAG_COL;
}

// Gumbo ignores most start tags inside <select>; these leave it or still count.
StartResult OpenElements::SelectStartTag(const TagToken& token) {
  const int select = last_[GUMBO_TAG_SELECT];
  const bool in_table = SelectInTable(select);
  switch (token.tag) {
    case GUMBO_TAG_SELECT:
      PopTo(select);
      return StartResult::kOk;
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_TEXTAREA:
      PopTo(select);
      return HtmlStartTag(token);
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_TEMPLATE:
      return HtmlStartTag(token);
    default:
      if (!in_table || !(HtmlTagTraits(token.tag) & kTableStructure)) return StartResult::kOk;
      PopTo(select);
      return HtmlStartTag(token);
  }
}

}  // namespace medscrape

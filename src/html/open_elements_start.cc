// OpenElements: start tags (open_elements.h). The rules of the head, <select>,
// <template> and <frameset> are in open_elements_modes.cc.
#include "html/open_elements.h"
#include "html/tag_traits.h"

namespace medscrape {
namespace {

bool BreaksOut(const TagToken& token) {
  return (HtmlTagTraits(token.tag) & kBreakout) ||
         (token.tag == GUMBO_TAG_FONT && token.font_breakout);
}

}  // namespace

StartResult OpenElements::StartTag(const TagToken& token) {
  Content content = CurrentContent();
  if ((content == Content::kSvg || content == Content::kMath) && BreaksOut(token)) {
    PopForeign();
    content = CurrentContent();
  }
  switch (content) {
    case Content::kHtml:
      if (frameset_seen_) return FramesetStartTag(token);
      return InSelect() ? SelectStartTag(token) : HtmlStartTag(token);
    case Content::kMixed:
      return Push(token, Content::kMixed,
                  HtmlTagTraits(token.tag) | ForeignTagTraits(token.tag, true) |
                      ForeignTagTraits(token.tag, false));
    default:
      return ForeignStartTag(token, content);
  }
}

StartResult OpenElements::HtmlStartTag(const TagToken& token) {
  const uint32_t traits = HtmlTagTraits(token.tag);
  // Inside a <template> the template's own rules apply, even in the head.
  const bool in_template = last_[GUMBO_TAG_TEMPLATE] >= 0;
  if (in_head_ && !in_template && !HeadAccepts(token)) return StartResult::kOk;
  if (!stack_.empty() && stack_.back().tag == GUMBO_TAG_TEMPLATE && !stack_.back().foreign &&
      !TemplateAccepts(token)) {
    return StartResult::kOk;
  }
  switch (token.tag) {
    case GUMBO_TAG_HTML:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_BODY:
      return StartResult::kOk;  // merged into the root elements Gumbo always creates
    case GUMBO_TAG_FRAMESET:
      frameset_seen_ = true;  // Gumbo then ignores most start tags, raw-text ones too
      break;
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
      Reconstruct();
      if (token.self_closing) return StartResult::kOk;
      return Push(token, token.tag == GUMBO_TAG_SVG ? Content::kSvg : Content::kMath, 0,
                  /*foreign=*/true);
    case GUMBO_TAG_A:  // a nested <a> or <nobr> closes the open one first
      if (formatting_.FindLast(GUMBO_TAG_A) >= 0) EndFormatting(GUMBO_TAG_A);
      break;
    case GUMBO_TAG_NOBR:
      if (InScope(last_[GUMBO_TAG_NOBR], kScopeB)) EndFormatting(GUMBO_TAG_NOBR);
      break;
    case GUMBO_TAG_TABLE:  // a <table> directly in a table (not in a cell) closes it
      if (InTable() && stack_[Nearest(kTableScopeB)].tag == GUMBO_TAG_TABLE &&
          FindAny({GUMBO_TAG_TD, GUMBO_TAG_TH, GUMBO_TAG_CAPTION}) < Nearest(kTableScopeB)) {
        PopTo(Nearest(kTableScopeB));
      }
      break;
    case GUMBO_TAG_BUTTON:  // so does a nested <button>
      if (InScope(last_[GUMBO_TAG_BUTTON], kScopeB)) PopTo(last_[GUMBO_TAG_BUTTON]);
      break;
    default:
      // Outside a table Gumbo ignores <td>, <tr> …; counting them would let the
      // next one "close" elements that Gumbo keeps open.
      if ((traits & kTablePart) && !InTable()) return StartResult::kOk;
      break;
  }
  CloseImplied(token, traits);
  if ((traits & kTablePart) && PlaceTablePart(token) != StartResult::kOk) {
    return StartResult::kTooDeep;
  }
  if (!(traits & kNoReconstruct)) Reconstruct();
  if (traits & kVoid) return StartResult::kOk;
  const StartResult result = Push(token, Content::kHtml, traits);
  if (result != StartResult::kOk) return result;
  if (token.tag == GUMBO_TAG_NOSCRIPT && in_head_ && !in_template) {
    stack_.back().head_noscript = true;
  }
  return (traits & kRawText) && !frameset_seen_ ? StartResult::kRawText : StartResult::kOk;
}

// In SVG and MathML `/>` really closes, void elements do not exist, and only
// the integration points switch back to HTML content.
StartResult OpenElements::ForeignStartTag(const TagToken& token, Content content) {
  if (token.self_closing) return StartResult::kOk;
  Content children = content;
  switch (token.tag) {
    case GUMBO_TAG_FOREIGNOBJECT:
    case GUMBO_TAG_DESC:
    case GUMBO_TAG_TITLE:
      if (content == Content::kSvg) children = Content::kHtml;
      break;
    case GUMBO_TAG_MI:
    case GUMBO_TAG_MO:
    case GUMBO_TAG_MN:
    case GUMBO_TAG_MS:
    case GUMBO_TAG_MTEXT:
      if (content == Content::kMath) children = Content::kHtml;
      break;
    case GUMBO_TAG_ANNOTATION_XML:
      // An encoding of text/html makes it an HTML integration point; entity-encoded
      // values cannot be judged here, so any encoding attribute means "either".
      if (content == Content::kMath && token.has_encoding) children = Content::kMixed;
      break;
    case GUMBO_TAG_SVG:
      // Only annotation-xml lets <svg> start SVG inside MathML; elsewhere it is
      // just an element named "svg" in the current namespace.
      if (stack_.back().tag == GUMBO_TAG_ANNOTATION_XML) children = Content::kSvg;
      break;
    default:
      break;
  }
  return Push(token, children, ForeignTagTraits(token.tag, content == Content::kSvg),
              /*foreign=*/true);
}

// Table parts go where the table's structure wants them: Gumbo first clears the
// stack back to the row, section or table they belong in (closing whatever a page
// left open there), then adds the <tbody> and <tr> the page left out.
StartResult OpenElements::PlaceTablePart(const TagToken& token) {
  const bool cell = token.tag == GUMBO_TAG_TD || token.tag == GUMBO_TAG_TH;
  const bool row = token.tag == GUMBO_TAG_TR;
  if (cell && InScope(last_[GUMBO_TAG_TR], kTableScopeB)) {
    PopTo(last_[GUMBO_TAG_TR] + 1);
    return StartResult::kOk;
  }
  TagToken implied;
  implied.tag = GUMBO_TAG_TR;
  if (cell || row) {
    const int section = LowestInTableScope({GUMBO_TAG_TBODY, GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT});
    if (section >= 0) {
      PopTo(section + 1);
      return cell ? Push(implied, Content::kHtml, HtmlTagTraits(implied.tag)) : StartResult::kOk;
    }
  }
  const int table = Nearest(kTableScopeB);  // InTable(): a table, or a template taking parts
  PopTo(table + 1);
  if (stack_[table].tag != GUMBO_TAG_TABLE || !(cell || row)) return StartResult::kOk;
  implied.tag = GUMBO_TAG_TBODY;
  if (Push(implied, Content::kHtml, HtmlTagTraits(implied.tag)) != StartResult::kOk) {
    return StartResult::kTooDeep;
  }
  implied.tag = GUMBO_TAG_TR;
  return cell ? Push(implied, Content::kHtml, HtmlTagTraits(implied.tag)) : StartResult::kOk;
}

// The end tags a start tag implies: <li> closes an open <li>, <p> a <p>, <td> a cell …
void OpenElements::CloseImplied(const TagToken& token, uint32_t traits) {
  if (traits & kClosesP) {
    const int p = last_[GUMBO_TAG_P];
    if (InScope(p, kButtonScopeB)) PopTo(p);
  }
  int open = -1;
  Boundary scope = kTableScopeB;
  switch (token.tag) {
    case GUMBO_TAG_LI:
      open = last_[GUMBO_TAG_LI];
      scope = kListItemB;
      break;
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DT:
      open = FindAny({GUMBO_TAG_DD, GUMBO_TAG_DT});
      scope = kListItemB;
      break;
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
      open = LowestInTableScope({GUMBO_TAG_TD, GUMBO_TAG_TH});
      break;
    case GUMBO_TAG_TR:
      open = LowestInTableScope({GUMBO_TAG_TD, GUMBO_TAG_TH, GUMBO_TAG_TR});
      break;
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TFOOT:
      open = LowestInTableScope({GUMBO_TAG_TD, GUMBO_TAG_TH, GUMBO_TAG_TR, GUMBO_TAG_TBODY,
                                 GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT});
      break;
    case GUMBO_TAG_RB:
    case GUMBO_TAG_RTC:
    case GUMBO_TAG_RP:
    case GUMBO_TAG_RT:
      if (InScope(last_[GUMBO_TAG_RUBY], kScopeB)) {
        GenerateImpliedEndTags(token.tag == GUMBO_TAG_RP || token.tag == GUMBO_TAG_RT);
      }
      break;
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
      if (!stack_.empty() && stack_.back().tag == GUMBO_TAG_OPTION) {
        open = static_cast<int>(stack_.size()) - 1;
      }
      break;
    default:
      if ((traits & kHeading) && !stack_.empty() && !stack_.back().foreign &&
          (HtmlTagTraits(stack_.back().tag) & kHeading)) {
        open = static_cast<int>(stack_.size()) - 1;
      }
      break;
  }
  if (InScope(open, scope)) PopTo(open);
}

}  // namespace medscrape

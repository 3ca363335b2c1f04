#include "html/tag_traits.h"

#include <array>
#include <initializer_list>

namespace medscrape {
namespace {

using TraitTable = std::array<uint32_t, GUMBO_TAG_LAST + 1>;

constexpr void Mark(TraitTable& table, uint32_t trait, std::initializer_list<GumboTag> tags) {
  for (GumboTag tag : tags) table[tag] |= trait;
}

constexpr void MarkSpecial(TraitTable& t) {
  Mark(t, kSpecial,
       {GUMBO_TAG_ADDRESS,    GUMBO_TAG_APPLET,    GUMBO_TAG_AREA,     GUMBO_TAG_ARTICLE,
        GUMBO_TAG_ASIDE,      GUMBO_TAG_BASE,      GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,
        GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY,      GUMBO_TAG_BR,       GUMBO_TAG_BUTTON,
        GUMBO_TAG_CAPTION,    GUMBO_TAG_CENTER,    GUMBO_TAG_COL,      GUMBO_TAG_COLGROUP,
        GUMBO_TAG_DD,         GUMBO_TAG_DETAILS,   GUMBO_TAG_DIR,      GUMBO_TAG_DIV,
        GUMBO_TAG_DL,         GUMBO_TAG_DT,        GUMBO_TAG_EMBED,    GUMBO_TAG_FIELDSET,
        GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,    GUMBO_TAG_FOOTER,   GUMBO_TAG_FORM,
        GUMBO_TAG_FRAME,      GUMBO_TAG_FRAMESET,  GUMBO_TAG_H1,       GUMBO_TAG_H2,
        GUMBO_TAG_H3,         GUMBO_TAG_H4,        GUMBO_TAG_H5,       GUMBO_TAG_H6,
        GUMBO_TAG_HEAD,       GUMBO_TAG_HEADER,    GUMBO_TAG_HGROUP,   GUMBO_TAG_HR,
        GUMBO_TAG_HTML,       GUMBO_TAG_IFRAME,    GUMBO_TAG_IMG,      GUMBO_TAG_INPUT,
        GUMBO_TAG_ISINDEX,    GUMBO_TAG_LI,        GUMBO_TAG_LINK,     GUMBO_TAG_LISTING,
        GUMBO_TAG_MAIN,       GUMBO_TAG_MARQUEE,   GUMBO_TAG_MENU,     GUMBO_TAG_MENUITEM,
        GUMBO_TAG_META,       GUMBO_TAG_NAV,       GUMBO_TAG_NOEMBED,  GUMBO_TAG_NOFRAMES,
        GUMBO_TAG_NOSCRIPT,   GUMBO_TAG_OBJECT,    GUMBO_TAG_OL,       GUMBO_TAG_P,
        GUMBO_TAG_PARAM,      GUMBO_TAG_PLAINTEXT, GUMBO_TAG_PRE,      GUMBO_TAG_SCRIPT,
        GUMBO_TAG_SECTION,    GUMBO_TAG_SELECT,    GUMBO_TAG_SOURCE,   GUMBO_TAG_STYLE,
        GUMBO_TAG_SUMMARY,    GUMBO_TAG_TABLE,     GUMBO_TAG_TBODY,    GUMBO_TAG_TD,
        GUMBO_TAG_TEMPLATE,   GUMBO_TAG_TEXTAREA,  GUMBO_TAG_TFOOT,    GUMBO_TAG_TH,
        GUMBO_TAG_THEAD,      GUMBO_TAG_TITLE,     GUMBO_TAG_TR,       GUMBO_TAG_TRACK,
        GUMBO_TAG_UL,         GUMBO_TAG_WBR,       GUMBO_TAG_XMP});
  for (int tag = 0; tag < GUMBO_TAG_LAST; ++tag) {
    if (t[tag] & kSpecial) t[tag] |= kListItemStop;
  }
  for (GumboTag tag : {GUMBO_TAG_ADDRESS, GUMBO_TAG_DIV, GUMBO_TAG_P}) t[tag] &= ~kListItemStop;
}

constexpr void MarkScopes(TraitTable& t) {
  const uint32_t all_scopes = kScope | kListScope | kButtonScope;
  Mark(t, all_scopes,
       {GUMBO_TAG_APPLET, GUMBO_TAG_CAPTION, GUMBO_TAG_HTML, GUMBO_TAG_TABLE, GUMBO_TAG_TD,
        GUMBO_TAG_TH, GUMBO_TAG_MARQUEE, GUMBO_TAG_OBJECT, GUMBO_TAG_TEMPLATE});
  Mark(t, kListScope, {GUMBO_TAG_OL, GUMBO_TAG_UL});
  Mark(t, kButtonScope, {GUMBO_TAG_BUTTON});
  Mark(t, kTableScope, {GUMBO_TAG_HTML, GUMBO_TAG_TABLE, GUMBO_TAG_TEMPLATE});
}

constexpr void MarkTreeBuilding(TraitTable& t) {
  Mark(t, kVoid,
       {GUMBO_TAG_AREA,     GUMBO_TAG_BASE,  GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND, GUMBO_TAG_BR,
        GUMBO_TAG_COL,      GUMBO_TAG_EMBED, GUMBO_TAG_FRAME,    GUMBO_TAG_HR,      GUMBO_TAG_IMG,
        GUMBO_TAG_IMAGE,    GUMBO_TAG_INPUT, GUMBO_TAG_ISINDEX,  GUMBO_TAG_KEYGEN,  GUMBO_TAG_LINK,
        GUMBO_TAG_MENUITEM, GUMBO_TAG_META,  GUMBO_TAG_PARAM,    GUMBO_TAG_SOURCE,  GUMBO_TAG_TRACK,
        GUMBO_TAG_WBR});
  Mark(t, kFormatting,
       {GUMBO_TAG_A, GUMBO_TAG_B, GUMBO_TAG_BIG, GUMBO_TAG_CODE, GUMBO_TAG_EM, GUMBO_TAG_FONT,
        GUMBO_TAG_I, GUMBO_TAG_NOBR, GUMBO_TAG_S, GUMBO_TAG_SMALL, GUMBO_TAG_STRIKE,
        GUMBO_TAG_STRONG, GUMBO_TAG_TT, GUMBO_TAG_U});
  Mark(t, kMarker,
       {GUMBO_TAG_APPLET, GUMBO_TAG_OBJECT, GUMBO_TAG_MARQUEE, GUMBO_TAG_TEMPLATE, GUMBO_TAG_TD,
        GUMBO_TAG_TH, GUMBO_TAG_CAPTION});
  // Gumbo 0.10.1 switches the tokenizer for these (noscript is parsed as markup).
  Mark(t, kRawText,
       {GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_TEXTAREA, GUMBO_TAG_TITLE, GUMBO_TAG_XMP,
        GUMBO_TAG_IFRAME, GUMBO_TAG_NOEMBED, GUMBO_TAG_NOFRAMES});
  // <font> breaks out only with color, face or size attributes: the scanner checks those.
  Mark(
      t, kBreakout,
      {GUMBO_TAG_B,      GUMBO_TAG_BIG,    GUMBO_TAG_BLOCKQUOTE, GUMBO_TAG_BODY,  GUMBO_TAG_BR,
       GUMBO_TAG_CENTER, GUMBO_TAG_CODE,   GUMBO_TAG_DD,         GUMBO_TAG_DIV,   GUMBO_TAG_DL,
       GUMBO_TAG_DT,     GUMBO_TAG_EM,     GUMBO_TAG_EMBED,      GUMBO_TAG_H1,    GUMBO_TAG_H2,
       GUMBO_TAG_H3,     GUMBO_TAG_H4,     GUMBO_TAG_H5,         GUMBO_TAG_H6,    GUMBO_TAG_HEAD,
       GUMBO_TAG_HR,     GUMBO_TAG_I,      GUMBO_TAG_IMG,        GUMBO_TAG_LI,    GUMBO_TAG_LISTING,
       GUMBO_TAG_MENU,   GUMBO_TAG_META,   GUMBO_TAG_NOBR,       GUMBO_TAG_OL,    GUMBO_TAG_P,
       GUMBO_TAG_PRE,    GUMBO_TAG_RUBY,   GUMBO_TAG_S,          GUMBO_TAG_SMALL, GUMBO_TAG_SPAN,
       GUMBO_TAG_STRONG, GUMBO_TAG_STRIKE, GUMBO_TAG_SUB,        GUMBO_TAG_SUP,   GUMBO_TAG_TABLE,
       GUMBO_TAG_TT,     GUMBO_TAG_U,      GUMBO_TAG_UL,         GUMBO_TAG_VAR});
  // <table> closes a <p> only outside quirks mode; not closing it keeps the guard conservative.
  Mark(t, kClosesP,
       {GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE,  GUMBO_TAG_ASIDE,      GUMBO_TAG_BLOCKQUOTE,
        GUMBO_TAG_CENTER,  GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,        GUMBO_TAG_DIV,
        GUMBO_TAG_DL,      GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION, GUMBO_TAG_FIGURE,
        GUMBO_TAG_FOOTER,  GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,     GUMBO_TAG_MAIN,
        GUMBO_TAG_MENU,    GUMBO_TAG_NAV,      GUMBO_TAG_OL,         GUMBO_TAG_P,
        GUMBO_TAG_SECTION, GUMBO_TAG_SUMMARY,  GUMBO_TAG_UL,         GUMBO_TAG_H1,
        GUMBO_TAG_H2,      GUMBO_TAG_H3,       GUMBO_TAG_H4,         GUMBO_TAG_H5,
        GUMBO_TAG_H6,      GUMBO_TAG_PRE,      GUMBO_TAG_LISTING,    GUMBO_TAG_FORM,
        GUMBO_TAG_LI,      GUMBO_TAG_DD,       GUMBO_TAG_DT,         GUMBO_TAG_PLAINTEXT,
        GUMBO_TAG_HR,      GUMBO_TAG_XMP,      GUMBO_TAG_ISINDEX});
  Mark(t, kTableStructure,
       {GUMBO_TAG_TABLE, GUMBO_TAG_CAPTION, GUMBO_TAG_TBODY, GUMBO_TAG_THEAD, GUMBO_TAG_TFOOT,
        GUMBO_TAG_TR, GUMBO_TAG_TD, GUMBO_TAG_TH});
  Mark(t, kTablePart,
       {GUMBO_TAG_CAPTION, GUMBO_TAG_COL, GUMBO_TAG_COLGROUP, GUMBO_TAG_TBODY, GUMBO_TAG_THEAD,
        GUMBO_TAG_TFOOT, GUMBO_TAG_TR, GUMBO_TAG_TD, GUMBO_TAG_TH});
  Mark(t, kHeading,
       {GUMBO_TAG_H1, GUMBO_TAG_H2, GUMBO_TAG_H3, GUMBO_TAG_H4, GUMBO_TAG_H5, GUMBO_TAG_H6});
  // Every other start tag in body content re-opens formatting elements first.
  for (int tag = 0; tag < GUMBO_TAG_LAST; ++tag) {
    if (t[tag] & (kClosesP | kHeading)) t[tag] |= kNoReconstruct;
  }
  Mark(t, kNoReconstruct,
       {GUMBO_TAG_BASE,     GUMBO_TAG_BASEFONT, GUMBO_TAG_BGSOUND,  GUMBO_TAG_BODY,
        GUMBO_TAG_CAPTION,  GUMBO_TAG_COL,      GUMBO_TAG_COLGROUP, GUMBO_TAG_FRAME,
        GUMBO_TAG_FRAMESET, GUMBO_TAG_HEAD,     GUMBO_TAG_HTML,     GUMBO_TAG_IFRAME,
        GUMBO_TAG_LINK,     GUMBO_TAG_META,     GUMBO_TAG_NOEMBED,  GUMBO_TAG_NOFRAMES,
        GUMBO_TAG_PARAM,    GUMBO_TAG_RB,       GUMBO_TAG_RP,       GUMBO_TAG_RT,
        GUMBO_TAG_RTC,      GUMBO_TAG_SCRIPT,   GUMBO_TAG_SOURCE,   GUMBO_TAG_STYLE,
        GUMBO_TAG_TABLE,    GUMBO_TAG_TBODY,    GUMBO_TAG_TD,       GUMBO_TAG_TEMPLATE,
        GUMBO_TAG_TEXTAREA, GUMBO_TAG_TFOOT,    GUMBO_TAG_TH,       GUMBO_TAG_THEAD,
        GUMBO_TAG_TITLE,    GUMBO_TAG_TR,       GUMBO_TAG_TRACK});
  // These close a <p> and still re-open them (<isindex> expands to a form with a label).
  t[GUMBO_TAG_XMP] &= ~kNoReconstruct;
  t[GUMBO_TAG_ISINDEX] &= ~kNoReconstruct;
  Mark(t, kOwnEndTag,
       {GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE,  GUMBO_TAG_ASIDE,    GUMBO_TAG_BLOCKQUOTE,
        GUMBO_TAG_BUTTON,  GUMBO_TAG_CENTER,   GUMBO_TAG_DETAILS,  GUMBO_TAG_DIR,
        GUMBO_TAG_DIV,     GUMBO_TAG_DL,       GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION,
        GUMBO_TAG_FIGURE,  GUMBO_TAG_FOOTER,   GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,
        GUMBO_TAG_LISTING, GUMBO_TAG_MAIN,     GUMBO_TAG_MENU,     GUMBO_TAG_NAV,
        GUMBO_TAG_OL,      GUMBO_TAG_PRE,      GUMBO_TAG_SECTION,  GUMBO_TAG_SUMMARY,
        GUMBO_TAG_UL,      GUMBO_TAG_FORM,     GUMBO_TAG_P,        GUMBO_TAG_LI,
        GUMBO_TAG_DD,      GUMBO_TAG_DT,       GUMBO_TAG_H1,       GUMBO_TAG_H2,
        GUMBO_TAG_H3,      GUMBO_TAG_H4,       GUMBO_TAG_H5,       GUMBO_TAG_H6,
        GUMBO_TAG_APPLET,  GUMBO_TAG_MARQUEE,  GUMBO_TAG_OBJECT,   GUMBO_TAG_TABLE,
        GUMBO_TAG_TBODY,   GUMBO_TAG_THEAD,    GUMBO_TAG_TFOOT,    GUMBO_TAG_TR,
        GUMBO_TAG_TD,      GUMBO_TAG_TH,       GUMBO_TAG_CAPTION,  GUMBO_TAG_COLGROUP,
        GUMBO_TAG_SELECT,  GUMBO_TAG_TEMPLATE, GUMBO_TAG_FRAMESET});
}

constexpr void MarkText(TraitTable& t) {
  Mark(t, kTextBlock,
       {GUMBO_TAG_ADDRESS, GUMBO_TAG_ARTICLE, GUMBO_TAG_ASIDE,    GUMBO_TAG_BLOCKQUOTE,
        GUMBO_TAG_BODY,    GUMBO_TAG_BR,      GUMBO_TAG_CAPTION,  GUMBO_TAG_CENTER,
        GUMBO_TAG_DD,      GUMBO_TAG_DETAILS, GUMBO_TAG_DIR,      GUMBO_TAG_DIV,
        GUMBO_TAG_DL,      GUMBO_TAG_DT,      GUMBO_TAG_FIELDSET, GUMBO_TAG_FIGCAPTION,
        GUMBO_TAG_FIGURE,  GUMBO_TAG_FOOTER,  GUMBO_TAG_FORM,     GUMBO_TAG_H1,
        GUMBO_TAG_H2,      GUMBO_TAG_H3,      GUMBO_TAG_H4,       GUMBO_TAG_H5,
        GUMBO_TAG_H6,      GUMBO_TAG_HEAD,    GUMBO_TAG_HEADER,   GUMBO_TAG_HGROUP,
        GUMBO_TAG_HR,      GUMBO_TAG_HTML,    GUMBO_TAG_LEGEND,   GUMBO_TAG_LI,
        GUMBO_TAG_LISTING, GUMBO_TAG_MAIN,    GUMBO_TAG_MENU,     GUMBO_TAG_NAV,
        GUMBO_TAG_OL,      GUMBO_TAG_OPTION,  GUMBO_TAG_P,        GUMBO_TAG_PLAINTEXT,
        GUMBO_TAG_PRE,     GUMBO_TAG_SECTION, GUMBO_TAG_SUMMARY,  GUMBO_TAG_TABLE,
        GUMBO_TAG_TBODY,   GUMBO_TAG_TD,      GUMBO_TAG_TFOOT,    GUMBO_TAG_TH,
        GUMBO_TAG_THEAD,   GUMBO_TAG_TITLE,   GUMBO_TAG_TR,       GUMBO_TAG_UL,
        GUMBO_TAG_XMP});
  Mark(t, kTextSkip, {GUMBO_TAG_SCRIPT, GUMBO_TAG_STYLE, GUMBO_TAG_TEMPLATE, GUMBO_TAG_NOSCRIPT});
}

constexpr TraitTable BuildHtmlTraits() {
  TraitTable table{};
  MarkSpecial(table);
  MarkScopes(table);
  MarkTreeBuilding(table);
  MarkText(table);
  return table;
}

// Built at compile time: no start-up cost, no initialisation guard on the hot path.
constexpr TraitTable kHtmlTraits = BuildHtmlTraits();

}  // namespace

uint32_t HtmlTagTraits(GumboTag tag) { return kHtmlTraits[tag]; }

uint32_t ForeignTagTraits(GumboTag tag, bool svg) {
  switch (tag) {
    case GUMBO_TAG_FOREIGNOBJECT:
    case GUMBO_TAG_DESC:
    case GUMBO_TAG_TITLE:
      if (!svg) return 0;
      break;
    case GUMBO_TAG_MI:
    case GUMBO_TAG_MO:
    case GUMBO_TAG_MN:
    case GUMBO_TAG_MS:
    case GUMBO_TAG_MTEXT:
    case GUMBO_TAG_ANNOTATION_XML:
      if (svg) return 0;
      break;
    default:
      return 0;
  }
  return kSpecial | kListItemStop | kScope | kListScope | kButtonScope;
}

}  // namespace medscrape

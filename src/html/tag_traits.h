// Per-tag facts from the HTML parsing spec that the guard scan and the text
// walker need. Internal to the html layer (includes gumbo.h).
#ifndef MEDSCRAPE_HTML_TAG_TRAITS_H_
#define MEDSCRAPE_HTML_TAG_TRAITS_H_

#include <gumbo.h>

#include <cstdint>

namespace medscrape {

enum TagTrait : uint32_t {
  kVoid = 1u << 0,           // never has an end tag (HTML content only)
  kFormatting = 1u << 1,     // on the list of active formatting elements
  kMarker = 1u << 2,         // pushes a marker onto that list
  kRawText = 1u << 3,        // content is text up to the matching end tag
  kBreakout = 1u << 4,       // a start tag that leaves SVG/MathML content
  kSpecial = 1u << 5,        // the spec's "special" category
  kScope = 1u << 6,          // bounds "has an element in scope"
  kListScope = 1u << 7,      // bounds "in list item scope"
  kButtonScope = 1u << 8,    // bounds "in button scope"
  kTableScope = 1u << 9,     // bounds "in table scope"
  kListItemStop = 1u << 10,  // special except address, div, p: stops <li>/<dd>/<dt> closing
  kClosesP = 1u << 11,       // a start tag that closes an open <p> first
  kHeading = 1u << 12,
  kTextBlock = 1u << 13,       // starts and ends a line in Node::Text()
  kTextSkip = 1u << 14,        // content never part of Node::Text()
  kNoReconstruct = 1u << 15,   // a start tag that does not re-open formatting elements
  kOwnEndTag = 1u << 16,       // has its own end tag rule (others are "any other end tag")
  kTableStructure = 1u << 17,  // table, caption, tbody, thead, tfoot, tr, td, th
  kTablePart = 1u << 18,       // start tags that mean something only inside a table
};

// Traits of an HTML-namespace element with this tag.
uint32_t HtmlTagTraits(GumboTag tag);
// Traits of an SVG (svg == true) or MathML element: only the integration points
// (foreignObject, desc, title; mi, mo, mn, ms, mtext, annotation-xml) are
// special and bound scopes.
uint32_t ForeignTagTraits(GumboTag tag, bool svg);

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_TAG_TRAITS_H_

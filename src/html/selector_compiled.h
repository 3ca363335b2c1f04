// The compiled form of a Selector (selector.h) and its parser. Internal to the
// html layer.
#ifndef MEDSCRAPE_HTML_SELECTOR_COMPILED_H_
#define MEDSCRAPE_HTML_SELECTOR_COMPILED_H_

#include <gumbo.h>

#include <string>
#include <string_view>
#include <vector>

#include "html/selector.h"

namespace medscrape {

// One simple selector. Names are lower-cased at compile time so matching never
// allocates; values stay case-sensitive.
struct SimpleSelector {
  // In the order a compound tests them: cheap and selective first.
  enum class Kind {
    kType,
    kUniversal,
    kId,
    kClass,
    kAttrExists,
    kAttrEquals,
    kAttrIncludes,
    kFirstChild,
    kNthChild
  };
  Kind kind = Kind::kUniversal;
  bool negated = false;              // inside :not()
  GumboTag tag = GUMBO_TAG_UNKNOWN;  // kType; GUMBO_TAG_UNKNOWN compares `name`
  std::string name;                  // kType: tag name; attributes: attribute name
  std::string value;                 // kId, kClass, kAttrEquals, kAttrIncludes
  int index = 0;                     // kNthChild, from 1
};

enum class Combinator { kNone, kDescendant, kChild };

struct CompoundSelector {
  std::vector<SimpleSelector> simples;
  Combinator left = Combinator::kNone;  // how it relates to the compound on its left
};

// Compounds left to right, as written.
struct ComplexSelector {
  std::vector<CompoundSelector> compounds;
};

struct Selector::Compiled {
  std::vector<ComplexSelector> alternatives;  // the comma-separated group
};

// Parses `css`; on failure returns false and sets `error` (with the offset).
bool ParseSelector(std::string_view css, Selector::Compiled* compiled, std::string* error);

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_SELECTOR_COMPILED_H_

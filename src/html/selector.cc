#include "html/selector.h"

#include <gumbo.h>

#include "base/space.h"
#include "html/dom.h"
#include "html/selector_compiled.h"

namespace medscrape {
namespace {

// Element siblings before `element`, counting no further than `limit`, so that
// :first-child and :nth-child(2) stay cheap in a list of 100k items.
int ElementsBefore(const GumboNode* element, int limit) {
  const GumboVector* siblings = ChildNodes(element->parent);
  int count = 0;
  for (size_t i = element->index_within_parent; i > 0 && count < limit; --i) {
    if (IsElement(ChildAt(siblings, i - 1))) ++count;
  }
  return count;
}

bool MatchesType(const SimpleSelector& simple, const GumboNode* element) {
  const GumboTag tag = element->v.element.tag;
  if (simple.tag != GUMBO_TAG_UNKNOWN) return tag == simple.tag;
  return tag == GUMBO_TAG_UNKNOWN && ElementName(element) == simple.name;
}

bool MatchesSimple(const SimpleSelector& simple, const GumboNode* element) {
  using Kind = SimpleSelector::Kind;
  switch (simple.kind) {
    case Kind::kType:
      return MatchesType(simple, element);
    case Kind::kUniversal:
      return true;
    case Kind::kId: {
      const char* id = AttributeValue(element, "id");
      return id != nullptr && simple.value == id;
    }
    case Kind::kClass: {
      const char* classes = AttributeValue(element, "class");
      return classes != nullptr && ContainsToken(classes, simple.value);
    }
    case Kind::kAttrExists:
      return AttributeValue(element, simple.name) != nullptr;
    case Kind::kAttrEquals: {
      const char* value = AttributeValue(element, simple.name);
      return value != nullptr && simple.value == value;
    }
    case Kind::kAttrIncludes: {
      // A value with white space can never be one token (CSS).
      const char* value = AttributeValue(element, simple.name);
      return value != nullptr && simple.value.find_first_of(kAsciiSpaces) == std::string::npos &&
             ContainsToken(value, simple.value);
    }
    case Kind::kFirstChild:
      return ElementsBefore(element, 1) == 0;
    case Kind::kNthChild:
      return ElementsBefore(element, simple.index) == simple.index - 1;
  }
  return false;
}

bool MatchesCompound(const CompoundSelector& compound, const GumboNode* element) {
  for (const SimpleSelector& simple : compound.simples) {
    if (MatchesSimple(simple, element) == simple.negated) return false;
  }
  return true;
}

// Right-to-left matching with the browsers' early exit: when the compounds left
// of a descendant combinator fail for every ancestor, trying higher ancestors
// for a combinator further right cannot help. That keeps one test at
// O(depth × compounds) instead of exponential on deep trees.
enum class Match { kYes, kFailsLocally, kFailsCompletely };

Match MatchFrom(const ComplexSelector& complex, size_t i, const GumboNode* element) {
  const CompoundSelector& compound = complex.compounds[i];
  if (!MatchesCompound(compound, element)) return Match::kFailsLocally;
  if (i == 0) return Match::kYes;
  if (compound.left == Combinator::kChild) {
    const GumboNode* parent = ParentElement(element);
    return parent != nullptr ? MatchFrom(complex, i - 1, parent) : Match::kFailsCompletely;
  }
  for (const GumboNode* a = ParentElement(element); a != nullptr; a = ParentElement(a)) {
    const Match match = MatchFrom(complex, i - 1, a);
    if (match != Match::kFailsLocally) return match;
  }
  return Match::kFailsCompletely;
}

bool MatchesAny(const Selector::Compiled& compiled, const GumboNode* element) {
  for (const ComplexSelector& complex : compiled.alternatives) {
    if (MatchFrom(complex, complex.compounds.size() - 1, element) == Match::kYes) return true;
  }
  return false;
}

// Calls visit(element) for each matching element below `scope` in document
// order until it returns false. Template contents are inert, as in browsers.
template <typename Visit>
void ForEachMatch(const Selector::Compiled& compiled, const GumboNode* scope, Visit visit) {
  const GumboVector* top = ChildNodes(scope);
  if (top == nullptr || top->length == 0) return;
  const GumboNode* node = ChildAt(top, 0);
  while (node != nullptr) {
    if (IsElement(node)) {
      if (MatchesAny(compiled, node) && !visit(node)) return;
      if (node->type == GUMBO_NODE_ELEMENT && node->v.element.children.length > 0) {
        node = ChildAt(&node->v.element.children, 0);
        continue;
      }
    }
    node = NextSkippingChildren(node, scope);
  }
}

}  // namespace

Selector::Selector(std::string_view css) : source_(css), compiled_(std::make_unique<Compiled>()) {
  if (!ParseSelector(css, compiled_.get(), &error_)) compiled_.reset();
}

Selector::Selector(Selector&&) noexcept = default;
Selector& Selector::operator=(Selector&&) noexcept = default;
Selector::~Selector() = default;

std::vector<Node> Selector::Select(Node scope) const {
  std::vector<Node> found;
  if (compiled_ == nullptr || !scope.valid()) return found;
  ForEachMatch(*compiled_, scope.raw(), [&found](const GumboNode* element) {
    found.emplace_back(element);
    return true;
  });
  return found;
}

Node Selector::SelectFirst(Node scope) const {
  Node first;
  if (compiled_ == nullptr || !scope.valid()) return first;
  ForEachMatch(*compiled_, scope.raw(), [&first](const GumboNode* element) {
    first = Node(element);
    return false;
  });
  return first;
}

bool Selector::Matches(Node element) const {
  return compiled_ != nullptr && element.valid() && IsElement(element.raw()) &&
         MatchesAny(*compiled_, element.raw());
}

}  // namespace medscrape

// A compiled CSS selector over Document nodes. The supported subset, written once here:
//   type (div), universal (*), #id, .class (by class token), [attr], [attr=v],
//   [attr~=v] (v may be quoted), compounds (div.a.b#x), descendant (A B),
//   child (A > B), groups (A, B), :first-child, :nth-child(n) (a plain number),
//   :not(simple) where simple is one type, #id, .class, [attr...] or :first-child.
// Matching follows Element.querySelectorAll: the whole selector is matched
// against the document, and results are the matching descendants of the scope
// node, in document order, without duplicates.
//
// Like RE2, a Selector validates once at construction: check ok(); a bad
// selector matches nothing. Thread-safety: const methods may run concurrently.
#ifndef MEDSCRAPE_HTML_SELECTOR_H_
#define MEDSCRAPE_HTML_SELECTOR_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "html/document.h"

namespace medscrape {

class Selector {
 public:
  explicit Selector(std::string_view css);
  Selector(Selector&&) noexcept;
  Selector& operator=(Selector&&) noexcept;
  ~Selector();

  bool ok() const { return error_.empty(); }
  // e.g. "unsupported pseudo-class ':hover' at offset 3"
  const std::string& error() const { return error_; }
  const std::string& source() const { return source_; }

  std::vector<Node> Select(Node scope) const;
  Node SelectFirst(Node scope) const;  // Invalid Node when nothing matches.
  bool Matches(Node element) const;

  struct Compiled;  // Implementation detail (selector.cc).

 private:
  std::string source_;
  std::string error_;
  std::unique_ptr<Compiled> compiled_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_SELECTOR_H_

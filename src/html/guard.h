// The guard scan that runs before Gumbo (docs/reliability.md C12, parser bombs).
// Internal to the html layer.
#ifndef MEDSCRAPE_HTML_GUARD_H_
#define MEDSCRAPE_HTML_GUARD_H_

#include <cstddef>
#include <string>
#include <vector>

#include "html/document.h"

namespace medscrape {

struct GuardResult {
  size_t keep = 0;  // bytes of the input to hand to Gumbo
  bool truncated = false;
  std::vector<std::string> warnings;
};

// One linear pass over data[0, size): finds where the input must be cut so that
// Gumbo stays within `limits` (nesting depth, attributes per tag, element count)
// and notes input that ends inside a tag, comment or raw-text element. A cut is
// always at the '<' of the offending tag. `capped`: the caller already cut the
// input to max_input_bytes (reported here; a partial tag at the end is dropped).
//
// It also lower-cases the ASCII letters of tag names in place. Gumbo matches tag
// names case-insensitively, so the parse is unchanged, and Node::tag() can return
// a view of the buffer for elements Gumbo does not know.
GuardResult GuardScan(char* data, size_t size, bool capped, const ParseLimits& limits);

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_GUARD_H_

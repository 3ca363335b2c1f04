// The backstop behind the guard scan: measures the tree Gumbo actually built.
// Internal to the html layer.
#ifndef MEDSCRAPE_HTML_TREE_DEPTH_H_
#define MEDSCRAPE_HTML_TREE_DEPTH_H_

#include <gumbo.h>

#include <cstddef>

namespace medscrape {

// The first node in document order more than `max_depth` levels below `root`
// (the html element is level 1), or nullptr. Iterative.
const GumboNode* FindTooDeep(const GumboNode* root, int max_depth);

// Where `node` came from in the input: a cut there drops it.
size_t SourceOffset(const GumboNode* node);

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_TREE_DEPTH_H_

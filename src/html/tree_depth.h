// The backstop behind the guard scan: measures the tree Gumbo actually built.
// Internal to the html layer.
#ifndef MEDSCRAPE_HTML_TREE_DEPTH_H_
#define MEDSCRAPE_HTML_TREE_DEPTH_H_

#include <gumbo.h>

#include <cstddef>

namespace medscrape {

// Gumbo options whose allocator is plain malloc/free, as FlattenBelow() needs.
GumboOptions TreeOptions(int max_errors);

// The first node in document order more than `max_depth` levels below `root`
// (the html element is level 1), or nullptr. Iterative.
const GumboNode* FindTooDeep(const GumboNode* root, int max_depth);

// Where `node` came from in the input: a cut there drops it.
size_t SourceOffset(const GumboNode* node);

// Makes every node below level `depth` a direct child of its ancestor at that
// level, so that gumbo_destroy_output (recursive) stays shallow. The tree is
// only fit for destruction afterwards.
void FlattenBelow(GumboNode* root, int depth);

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_TREE_DEPTH_H_

#include "html/tree_depth.h"

#include "html/dom.h"

namespace medscrape {

const GumboNode* FindTooDeep(const GumboNode* root, int max_depth) {
  const GumboVector* top = ChildNodes(root);
  if (top == nullptr || top->length == 0) return nullptr;
  const GumboNode* node = ChildAt(top, 0);
  int depth = 1;
  while (node != nullptr) {
    if (depth > max_depth) return node;
    const GumboVector* children = ChildNodes(node);
    if (children != nullptr && children->length > 0) {
      node = ChildAt(children, 0);
      ++depth;
      continue;
    }
    // Climb to the next sibling, counting the levels left.
    while (node != root) {
      const GumboVector* siblings = ChildNodes(node->parent);
      const size_t next = node->index_within_parent + 1;
      if (next < siblings->length) {
        node = ChildAt(siblings, next);
        break;
      }
      node = node->parent;
      --depth;
    }
    if (node == root) return nullptr;
  }
  return nullptr;
}

size_t SourceOffset(const GumboNode* node) {
  return IsElement(node) ? node->v.element.start_pos.offset : node->v.text.start_pos.offset;
}

}  // namespace medscrape

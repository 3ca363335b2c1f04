// Small helpers over Gumbo's tree shared by node.cc, text.cc and selector.cc.
// Internal to the html layer.
#ifndef MEDSCRAPE_HTML_DOM_H_
#define MEDSCRAPE_HTML_DOM_H_

#include <gumbo.h>

#include <string_view>

namespace medscrape {

inline bool IsElement(const GumboNode* node) {
  return node->type == GUMBO_NODE_ELEMENT || node->type == GUMBO_NODE_TEMPLATE;
}

// Child nodes of a document or element; nullptr for text-like nodes.
inline const GumboVector* ChildNodes(const GumboNode* node) {
  switch (node->type) {
    case GUMBO_NODE_DOCUMENT:
      return &node->v.document.children;
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE:
      return &node->v.element.children;
    default:
      return nullptr;
  }
}

inline const GumboNode* ChildAt(const GumboVector* children, size_t i) {
  return static_cast<const GumboNode*>(children->data[i]);
}

// The parent when it is an element; nullptr at the document node.
inline const GumboNode* ParentElement(const GumboNode* node) {
  const GumboNode* parent = node->parent;
  return parent != nullptr && IsElement(parent) ? parent : nullptr;
}

// The next sibling of `node`, or of its nearest ancestor below `root` that has
// one; nullptr when the walk of `root`'s subtree is over. With parent pointers
// and indices, walks need no stack however deep the tree.
inline const GumboNode* NextSkippingChildren(const GumboNode* node, const GumboNode* root) {
  while (node != root) {
    const GumboNode* parent = node->parent;
    const GumboVector* siblings = ChildNodes(parent);
    const size_t next = node->index_within_parent + 1;
    if (next < siblings->length) return ChildAt(siblings, next);
    node = parent;
  }
  return nullptr;
}

// Lower-case tag name of an element (see Node::tag()).
std::string_view ElementName(const GumboNode* element);
// Value of the attribute `name` (matched ASCII case-insensitively), or nullptr.
const char* AttributeValue(const GumboNode* element, std::string_view name);
// True when the white-space separated list `list` contains `token`.
bool ContainsToken(std::string_view list, std::string_view token);

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_DOM_H_

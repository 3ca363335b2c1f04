#include "html/tree_depth.h"

#include <cstdlib>
#include <cstring>
#include <vector>

#include "html/dom.h"

namespace medscrape {
namespace {

void* Allocate(void* /*userdata*/, size_t size) { return std::malloc(size); }
void Deallocate(void* /*userdata*/, void* pointer) { std::free(pointer); }

GumboVector* MutableChildren(GumboNode* node) { return const_cast<GumboVector*>(ChildNodes(node)); }

// Moves all descendants of `top` into one flat children array of `top`.
void Flatten(GumboNode* top) {
  GumboVector* children = MutableChildren(top);
  std::vector<void*> descendants;
  std::vector<GumboNode*> pending;
  for (unsigned i = 0; i < children->length; ++i) {
    pending.push_back(static_cast<GumboNode*>(children->data[i]));
  }
  while (!pending.empty()) {
    GumboNode* node = pending.back();
    pending.pop_back();
    descendants.push_back(node);
    if (GumboVector* grandchildren = MutableChildren(node)) {
      for (unsigned i = 0; i < grandchildren->length; ++i) {
        pending.push_back(static_cast<GumboNode*>(grandchildren->data[i]));
      }
      grandchildren->length = 0;  // its array is still freed with the node
    }
  }
  void** data = static_cast<void**>(std::malloc(descendants.size() * sizeof(void*)));
  if (data == nullptr) std::abort();
  std::memcpy(data, descendants.data(), descendants.size() * sizeof(void*));
  std::free(children->data);
  children->data = data;
  children->length = children->capacity = static_cast<unsigned>(descendants.size());
}

}  // namespace

GumboOptions TreeOptions(int max_errors) {
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = Allocate;
  options.deallocator = Deallocate;
  options.max_errors = max_errors;
  return options;
}

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

void FlattenBelow(GumboNode* root, int depth) {
  // Collect first: flattening rewrites the arrays a walk would follow.
  std::vector<GumboNode*> tops;
  std::vector<std::pair<GumboNode*, int>> pending{{root, 0}};
  while (!pending.empty()) {
    const auto [node, level] = pending.back();
    pending.pop_back();
    GumboVector* children = MutableChildren(node);
    if (children == nullptr || children->length == 0) continue;
    if (level == depth) {
      tops.push_back(node);
      continue;
    }
    for (unsigned i = 0; i < children->length; ++i) {
      pending.emplace_back(static_cast<GumboNode*>(children->data[i]), level + 1);
    }
  }
  for (GumboNode* top : tops) Flatten(top);
}

}  // namespace medscrape

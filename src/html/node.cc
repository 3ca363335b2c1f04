#include <gumbo.h>

#include "base/space.h"
#include "html/document.h"
#include "html/dom.h"

namespace medscrape {
namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; }

// Gumbo stores attribute names lower-cased and NUL-terminated.
bool NameEquals(const char* stored, std::string_view name) {
  for (char c : name) {
    if (*stored == '\0' || *stored != LowerAscii(c)) return false;
    ++stored;
  }
  return *stored == '\0';
}

}  // namespace

std::string_view ElementName(const GumboNode* element) {
  const GumboElement& e = element->v.element;
  if (e.tag != GUMBO_TAG_UNKNOWN) return gumbo_normalized_tagname(e.tag);
  // The guard scan lower-cased tag names in the input buffer this points into.
  GumboStringPiece name = e.original_tag;
  if (name.length == 0) return {};
  gumbo_tag_from_original_text(&name);
  return std::string_view(name.data, name.length);
}

const char* AttributeValue(const GumboNode* element, std::string_view name) {
  const GumboVector& attributes = element->v.element.attributes;
  for (unsigned i = 0; i < attributes.length; ++i) {
    const auto* attribute = static_cast<const GumboAttribute*>(attributes.data[i]);
    if (NameEquals(attribute->name, name)) return attribute->value;
  }
  return nullptr;
}

bool ContainsToken(std::string_view list, std::string_view token) {
  if (token.empty()) return false;
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && IsAsciiSpace(list[i])) ++i;
    size_t end = i;
    while (end < list.size() && !IsAsciiSpace(list[end])) ++end;
    if (list.substr(i, end - i) == token) return true;
    i = end;
  }
  return false;
}

// The document node answers "#document", so it is never mistaken for an
// element; Attr, HasClass and ElementIndex treat it as having nothing.
std::string_view Node::tag() const {
  if (node_ == nullptr) return {};
  if (node_->type == GUMBO_NODE_DOCUMENT) return "#document";
  return IsElement(node_) ? ElementName(node_) : std::string_view();
}

std::optional<std::string_view> Node::Attr(std::string_view name) const {
  if (node_ == nullptr || !IsElement(node_)) return std::nullopt;
  const char* value = AttributeValue(node_, name);
  if (value == nullptr) return std::nullopt;
  return std::string_view(value);
}

bool Node::HasClass(std::string_view token) const {
  if (node_ == nullptr || !IsElement(node_)) return false;
  const char* value = AttributeValue(node_, "class");
  return value != nullptr && ContainsToken(value, token);
}

std::vector<Node> Node::Children() const {
  std::vector<Node> children;
  const GumboVector* nodes = node_ != nullptr ? ChildNodes(node_) : nullptr;
  if (nodes == nullptr) return children;
  for (unsigned i = 0; i < nodes->length; ++i) {
    const GumboNode* child = ChildAt(nodes, i);
    if (IsElement(child)) children.emplace_back(child);
  }
  return children;
}

Node Node::Parent() const { return Node(node_ != nullptr ? node_->parent : nullptr); }

int Node::ElementIndex() const {
  if (node_ == nullptr || node_->parent == nullptr) return 0;
  const GumboVector* siblings = ChildNodes(node_->parent);
  int index = 0;
  for (size_t i = 0; i <= node_->index_within_parent; ++i) {
    if (IsElement(ChildAt(siblings, i))) ++index;
  }
  return index;
}

std::string_view Node::SourceHtml() const {
  if (node_ == nullptr || !IsElement(node_)) return {};
  const GumboElement& element = node_->v.element;
  if (element.original_tag.data == nullptr || element.original_tag.length == 0) return {};
  const char* begin = element.original_tag.data;
  // Offsets count from the start of the buffer Gumbo parsed, as original_tag does.
  const char* buffer = begin - element.start_pos.offset;
  const char* end = element.original_end_tag.data != nullptr
                        ? element.original_end_tag.data + element.original_end_tag.length
                        : buffer + element.end_pos.offset;
  if (end < begin) end = begin + element.original_tag.length;
  return std::string_view(begin, static_cast<size_t>(end - begin));
}

}  // namespace medscrape

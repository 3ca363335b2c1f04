// Outlinks of a page, ready for the crawl frontier. Hostile pages are bounded
// here (docs/reliability.md H1, H3, H5, H6). Thread-safety: reentrant.
#ifndef MEDSCRAPE_EXTRACT_LINKS_H_
#define MEDSCRAPE_EXTRACT_LINKS_H_

#include <cstddef>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "html/document.h"

namespace medscrape {

// URLs kept back to back in one buffer: a page's links cost a few allocations, not one each.
class LinkList {
 public:
  class const_iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = std::string_view;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = std::string_view;
    const_iterator(const LinkList* list, size_t index) : list_(list), index_(index) {}
    std::string_view operator*() const { return (*list_)[index_]; }
    const_iterator& operator++() {
      ++index_;
      return *this;
    }
    bool operator==(const const_iterator& other) const { return index_ == other.index_; }
    bool operator!=(const const_iterator& other) const { return index_ != other.index_; }

   private:
    const LinkList* list_;
    size_t index_;
  };

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  std::string_view operator[](size_t i) const {
    const size_t start = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(bytes_).substr(start, ends_[i] - start);
  }
  const_iterator begin() const { return const_iterator(this, 0); }
  const_iterator end() const { return const_iterator(this, size()); }

  void Add(std::string_view url) {
    bytes_.append(url);
    ends_.push_back(bytes_.size());
  }
  void Reserve(size_t urls, size_t bytes) {
    ends_.reserve(urls);
    bytes_.reserve(bytes);
  }
  // Copies, for callers that keep URLs apart.
  std::vector<std::string> ToStrings() const { return {begin(), end()}; }

 private:
  std::string bytes_;
  std::vector<size_t> ends_;  // Where each URL ends in bytes_.
};

// The canonical URLs (CanonicalizeUrl) of the `a[href]` and `area[href]`
// elements under `root`, in document order, each once (its first occurrence),
// at most `max_links` of them.
//
// Each href is resolved with ResolveHttpUrl (browser clean-up of white space,
// tabs, newlines and backslashes) against the base: the href of the first
// `<base href>` in the document resolved against `page_url` when that gives an
// http(s) URL, else `page_url`. Hrefs that do not end up as http(s) URLs of at
// most kMaxUrlLength characters (javascript:, mailto:, data:, file:, ftp: ...)
// are dropped. A fragment-only href ("#top") is the base itself.
//
// When `over_cap` is not null it receives the number of link elements left
// unexamined once `max_links` URLs were found (0 when the page was read to the
// end): the caller can log that a page was capped. Elements are not resolved
// past the cap, so the cost of a page with 100k links stays bounded.
LinkList ExtractLinks(Node root, std::string_view page_url, size_t max_links,
                      size_t* over_cap = nullptr);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_LINKS_H_

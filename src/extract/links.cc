#include "extract/links.h"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <utility>

#include "html/selector.h"
#include "url/canonical.h"
#include "url/link_resolver.h"
#include "url/url.h"

namespace medscrape {
namespace {

// The base URL of the page: its first <base href> when that resolves to http(s).
std::string BaseUrl(Node root, std::string_view page_url) {
  static const Selector kBase("base[href]");
  const Node base = kBase.SelectFirst(root);
  if (base.valid()) {
    if (std::optional<std::string> url = ResolveHttpUrl(page_url, *base.Attr("href"))) return *url;
  }
  return std::string(page_url);
}

// Which URLs of a LinkList were found already: their indices in an open-addressing table
// never more than half full, so a link costs a hash and no allocation.
class SeenUrls {
 public:
  SeenUrls(const LinkList& urls, size_t most) : urls_(urls) {
    size_t size = 16;
    while (size < 2 * most) size *= 2;
    slots_.assign(size, 0);
  }

  // Whether `url` is among the URLs added.
  bool Contains(std::string_view url) const { return slots_[Find(url)] != 0; }
  // Adds urls[index] (not among them yet).
  void Add(size_t index) { slots_[Find(urls_[index])] = static_cast<uint32_t>(index + 1); }

 private:
  // The slot holding `url`, or the empty one where it would go.
  size_t Find(std::string_view url) const {
    const size_t mask = slots_.size() - 1;
    for (size_t i = std::hash<std::string_view>()(url) & mask;; i = (i + 1) & mask) {
      if (slots_[i] == 0 || urls_[slots_[i] - 1] == url) return i;
    }
  }

  const LinkList& urls_;
  std::vector<uint32_t> slots_;  // 0: empty; else index + 1.
};

}  // namespace

LinkList ExtractLinks(Node root, std::string_view page_url, size_t max_links, size_t* over_cap) {
  static const Selector kLinks("a[href], area[href]");
  const LinkResolver resolver(BaseUrl(root, page_url));
  const std::vector<Node> elements = kLinks.Select(root);
  const size_t most = std::min(elements.size(), max_links);
  LinkList urls;
  urls.Reserve(std::min<size_t>(most, 1024), std::min<size_t>(most, 1024) * 64);
  SeenUrls seen(urls, most);
  std::string url;  // Reused: a link that is no URL or a duplicate allocates nothing.
  size_t examined = 0;
  for (; examined < elements.size() && urls.size() < max_links; ++examined) {
    if (!resolver.CanonicalInto(*elements[examined].Attr("href"), &url)) continue;
    if (seen.Contains(url)) continue;
    urls.Add(url);
    seen.Add(urls.size() - 1);
  }
  if (over_cap != nullptr) *over_cap = elements.size() - examined;
  return urls;
}

}  // namespace medscrape

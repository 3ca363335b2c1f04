#include "extract/links.h"

#include <optional>
#include <unordered_set>
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

}  // namespace

std::vector<std::string> ExtractLinks(Node root, std::string_view page_url, size_t max_links,
                                      size_t* over_cap) {
  static const Selector kLinks("a[href], area[href]");
  const LinkResolver resolver(BaseUrl(root, page_url));
  const std::vector<Node> elements = kLinks.Select(root);
  std::vector<std::string> urls;
  std::unordered_set<std::string> seen;
  size_t examined = 0;
  for (; examined < elements.size() && urls.size() < max_links; ++examined) {
    std::optional<std::string> canonical = resolver.Canonical(*elements[examined].Attr("href"));
    if (canonical && seen.insert(*canonical).second) urls.push_back(std::move(*canonical));
  }
  if (over_cap != nullptr) *over_cap = elements.size() - examined;
  return urls;
}

}  // namespace medscrape

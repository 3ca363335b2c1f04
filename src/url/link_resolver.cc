#include "url/link_resolver.h"

#include <utility>

#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {
namespace {

// Characters canonicalisation never touches in a path: unreserved ones and '/'.
bool IsPlainPathChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~' || c == '/';
}

// The path part of `href` (a fragment cut off) when it is a root-relative path that
// resolution and canonicalisation leave as it is: plain characters only, no "//" (a
// protocol-relative link, or an empty segment), no segment starting with '.' (dot segments).
std::optional<std::string_view> PlainPath(std::string_view href) {
  const size_t hash = href.find('#');
  std::string_view path = href.substr(0, hash);
  if (path.empty() || path[0] != '/') return std::nullopt;
  char previous = 0;
  for (const char c : path) {
    if (!IsPlainPathChar(static_cast<unsigned char>(c))) return std::nullopt;
    if (previous == '/' && (c == '/' || c == '.')) return std::nullopt;
    previous = c;
  }
  if (hash != std::string_view::npos) {
    // The fragment goes, but resolution reads it too: only plain ones are taken as such.
    for (const char c : href.substr(hash + 1)) {
      if (!IsPlainPathChar(static_cast<unsigned char>(c))) return std::nullopt;
    }
  }
  return path;
}

}  // namespace

LinkResolver::LinkResolver(std::string_view base) : base_(base) {
  std::optional<std::string> canonical = CanonicalizeUrl(base);
  if (!canonical) return;
  const size_t scheme_end = canonical->find("://");
  if (scheme_end == std::string::npos) return;
  const size_t path = canonical->find('/', scheme_end + 3);
  origin_ = canonical->substr(0, path);
}

std::optional<std::string_view> LinkResolver::SameOriginPath(std::string_view href) const {
  if (origin_.empty()) return std::nullopt;
  // An absolute link spelled exactly as the canonical origin: the rest is the path.
  if (href.size() > origin_.size() && href.compare(0, origin_.size(), origin_) == 0 &&
      href[origin_.size()] == '/') {
    href.remove_prefix(origin_.size());
  }
  return PlainPath(href);
}

bool LinkResolver::IsPlainPath(std::string_view href) const {
  return SameOriginPath(href).has_value();
}

std::optional<std::string> LinkResolver::Canonical(std::string_view href) const {
  std::string url;
  if (!CanonicalInto(href, &url)) return std::nullopt;
  return url;
}

bool LinkResolver::CanonicalInto(std::string_view href, std::string* url) const {
  if (std::optional<std::string_view> path = SameOriginPath(href)) {
    if (origin_.size() + path->size() <= kMaxUrlLength && href.size() <= kMaxUrlLength) {
      url->assign(origin_).append(*path);
      return true;
    }
  }
  std::optional<std::string> resolved = ResolveHttpUrl(base_, href);
  if (!resolved) return false;
  std::optional<std::string> canonical = CanonicalizeUrl(*resolved);
  if (!canonical) return false;
  *url = std::move(*canonical);
  return true;
}

}  // namespace medscrape

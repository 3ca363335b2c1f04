// Resolving and canonicalising the links of one page, fast: the same result as
// CanonicalizeUrl(ResolveHttpUrl(base, href)) for every href, but a root-relative link of
// plain characters ("/jingxuan/8137265.shtml", most links of a real page) needs no curl_url
// round trip: its canonical form is the base's canonical origin followed by the href
// itself; so does an absolute link that starts with that origin as the canonical form spells
// it ("https://www.mfk.com/ask/1.shtml" on an https://www.mfk.com page). Everything else
// takes the slow path. Thread-safety: const methods are reentrant.
#ifndef MEDSCRAPE_URL_LINK_RESOLVER_H_
#define MEDSCRAPE_URL_LINK_RESOLVER_H_

#include <optional>
#include <string>
#include <string_view>

namespace medscrape {

class LinkResolver {
 public:
  // `base`: the page's base URL (absolute http(s); anything else resolves only absolute
  // hrefs, as ResolveHttpUrl does).
  explicit LinkResolver(std::string_view base);

  // CanonicalizeUrl(*ResolveHttpUrl(base, href)), or nullopt when either gives none.
  std::optional<std::string> Canonical(std::string_view href) const;
  // The same into *url (false: none, *url unspecified). On the fast path it reuses *url's
  // buffer: no allocation once that is large enough.
  bool CanonicalInto(std::string_view href, std::string* url) const;

  // Whether `href` takes the fast path (for tests and profiles).
  bool IsPlainPath(std::string_view href) const;

 private:
  // The path of a root-relative or same-origin link that canonicalisation leaves as it is.
  std::optional<std::string_view> SameOriginPath(std::string_view href) const;

  std::string base_;
  std::string origin_;  // "http://host[:port]" of the canonical base; "" when it has none.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_URL_LINK_RESOLVER_H_

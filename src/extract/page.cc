#include "extract/page.h"

#include <new>

#include "base/space.h"
#include "extract/links.h"
#include "extract/sha256.h"
#include "extract/table_extractor.h"
#include "html/selector.h"
#include "url/url.h"

namespace medscrape {
namespace {

// Raw bytes, before the input cleaner: VT counts too, as the cleaner deletes it.
bool IsBlank(std::string_view raw) {
  for (char c : raw) {
    if (!IsAsciiSpace(c) && c != '\v') return false;
  }
  return true;
}

// The page's own idea of its address: canonical link, then og:url.
std::string DeclaredUrl(Node root, const std::string& base) {
  static const Selector kCanonical("link[rel~=canonical]");
  static const Selector kOgUrl("meta[property=\"og:url\"]");
  for (auto [selector, attr] : {std::pair{&kCanonical, "href"}, std::pair{&kOgUrl, "content"}}) {
    Node node = selector->SelectFirst(root);
    if (!node.valid()) continue;
    std::optional<std::string_view> value = node.Attr(attr);
    if (!value) continue;
    std::optional<std::string> url = ResolveHttpUrl(base, *value);
    if (url) return *url;
  }
  return "";
}

// A page type of `site` for this page: by URL pattern, then by markup.
const CompiledPageType* PickPageType(const CompiledSite& site, const std::string& url, Node root) {
  if (const CompiledPageType* by_path = site.PageTypeForPath(PathAndQuery(url))) return by_path;
  for (const CompiledPageType& page_type : site.page_types) {
    if (page_type.detect_selector && page_type.detect_selector->SelectFirst(root).valid()) {
      return &page_type;
    }
  }
  return site.page_types.empty() ? nullptr : &site.page_types.front();
}

Result<Route> Choose(const PageRequest& request, const Registry& registry, const std::string& url,
                     const std::string& declared, Node root) {
  if (!request.site.empty()) {
    const CompiledSite* site = registry.FindSite(request.site);
    if (site == nullptr) return Status::Error("unknown site '" + request.site + "'");
    return Route{site, PickPageType(*site, url, root)};
  }
  if (std::optional<Route> route = registry.RouteUrl(url)) return *route;
  if (declared != url) {
    if (std::optional<Route> route = registry.RouteUrl(declared)) return *route;
  }
  return Route{&registry.generic(), PickPageType(registry.generic(), url, root)};
}

Json Provenance(const Route& route) {
  Json extractor = Json::object();
  const std::string& site = route.site->spec->name;
  extractor["site"] = site.empty() ? Json(nullptr) : Json(site);
  extractor["page_type"] = route.page_type->spec->name;
  extractor["version"] = route.site->spec->version;
  return extractor;
}

void AppendAll(std::vector<std::string>& to, const std::vector<std::string>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

Result<PageResult> Extract(const PageRequest& request, const Registry& registry) {
  if (std::optional<std::string> kind = SniffBinary(request.raw)) {
    return Status::Error(StatusCode::kNotHtml, "not HTML: " + *kind);
  }
  if (IsBlank(request.raw)) return Status::Error(StatusCode::kEmpty, "empty input");
  Result<DecodedText> decoded = DecodeToUtf8(request.raw, request.decode);
  if (!decoded.ok()) return decoded.status();
  if (IsBlank(decoded.value().utf8)) return Status::Error(StatusCode::kEmpty, "empty input");
  Document document = Document::Parse(decoded.value().utf8, request.limits);
  if (!document.ok()) return document.status();

  const std::string base = request.url.empty() ? request.fallback_url : request.url;
  const std::string declared = DeclaredUrl(document.root(), base);
  std::string url = request.url;
  if (url.empty()) url = declared.empty() ? request.fallback_url : declared;
  Result<Route> route = Choose(request, registry, url, declared, document.root());
  if (!route.ok()) return route.status();

  std::vector<std::string> warnings = request.input_warnings;
  AppendAll(warnings, decoded.value().warnings);
  AppendAll(warnings, document.warnings());

  PageResult result;
  result.generic = route.value().site == &registry.generic();
  Json& record = result.record;
  record["schema_version"] = kSchemaVersion;
  record["url"] = url.empty() ? Json(nullptr) : Json(url);
  const std::string& site = route.value().site->spec->name;
  record["site"] = site.empty() ? Json(nullptr) : Json(site);
  record["page_type"] = route.value().page_type->spec->name;
  PageContext page(document.root(), url, route.value().site->spec->utc_offset);
  ExtractFields(*route.value().page_type, page, record, warnings);
  if (result.generic) warnings.push_back("no extractor for this URL: generic record");

  record["extractor"] = Provenance(route.value());
  record["content_sha256"] =
      request.content_sha256.empty() ? Sha256Hex(request.raw) : request.content_sha256;
  record["charset"] = {{"name", decoded.value().charset},
                       {"source", CharsetSourceName(decoded.value().source)}};
  record["fetched_at"] = request.fetched_at ? Json(*request.fetched_at) : Json(nullptr);
  if (!request.http.is_null()) record["http"] = request.http;
  if (!request.change.empty()) record["change"] = request.change;
  if (request.links != nullptr) {
    *request.links = ExtractLinks(document.root(), url.empty() ? base : url, request.max_links);
  }
  record["warnings"] = warnings;
  return result;
}

}  // namespace

// One page's memory trouble is that page's error: the tree's own budget is
// Document's, and an allocation failing anywhere else ends here.
Result<PageResult> ExtractPage(const PageRequest& request, const Registry& registry) {
  try {
    return Extract(request, registry);
  } catch (const std::bad_alloc&) {
    return Status::Error(StatusCode::kOutOfMemory, "out of memory extracting the page");
  }
}

}  // namespace medscrape

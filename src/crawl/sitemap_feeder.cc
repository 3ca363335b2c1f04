#include "crawl/sitemap_feeder.h"

#include "crawl/sitemap.h"
#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {

void SitemapFeeder::Queue(const std::string& base, const std::string& href, int level) {
  std::optional<std::string> url = ResolveHttpUrl(base, href);
  if (url) url = CanonicalizeUrl(*url);
  if (!url || level > kMaxLevel || seen_.size() >= kMaxFetches) return;
  const std::string host = HostPortOf(*url);
  if (!admit_(*url, host)) return;
  if (seen_.insert(*url).second) queue_.push_back({*url, host, level});
}

std::vector<SitemapFeeder::Sitemap> SitemapFeeder::Take(
    size_t max, const std::function<Slot(const std::string& host)>& slot) {
  std::vector<Sitemap> taken;
  for (auto it = queue_.begin(); it != queue_.end() && taken.size() < max;) {
    switch (slot(it->host)) {
      case Slot::kDrop:
        it = queue_.erase(it);
        break;
      case Slot::kWait:
        ++it;
        break;
      case Slot::kStart:
        taken.push_back(std::move(*it));
        it = queue_.erase(it);
        break;
    }
  }
  return taken;
}

Result<std::vector<std::string>> SitemapFeeder::OnResponse(const Sitemap& sitemap,
                                                           const std::string& url,
                                                           const FetchResponse& response) {
  const int status = response.status;
  if (response.error == FetchError::kNone && status >= 300 && status < 400 &&
      !response.location.empty()) {
    Queue(url, response.location, sitemap.level);
    return std::vector<std::string>();
  }
  if (response.error != FetchError::kNone || status < 200 || status >= 300) {
    return Status::Error("sitemap ignored: " + (response.error != FetchError::kNone
                                                    ? std::string(FetchErrorName(response.error))
                                                    : "http_" + std::to_string(status)));
  }
  Result<SitemapContents> contents = ParseSitemap(response.body);
  if (!contents.ok()) return Status::Error("sitemap ignored: " + contents.status().message());
  for (const std::string& child : contents.value().sitemaps) Queue(url, child, sitemap.level + 1);
  std::vector<std::string> links;
  for (const std::string& loc : contents.value().urls) {
    std::optional<std::string> resolved = ResolveHttpUrl(url, loc);
    if (resolved) resolved = CanonicalizeUrl(*resolved);
    if (resolved) links.push_back(*resolved);
  }
  return links;
}

}  // namespace medscrape

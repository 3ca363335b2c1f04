// Sitemaps listed by robots.txt (CrawlOptions::sitemaps): fetched like robots.txt,
// outside the frontier and through the host's politeness slots; the URLs they list
// join the frontier at depth 1 under the same rules as a hub's links.
#include "crawl/crawler_impl.h"
#include "crawl/sitemap.h"
#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {

// Only hosts whose robots.txt is known are accepted, so the queue never waits
// for a robots.txt fetch that nothing would start.
void Crawler::Impl::QueueSitemap(const std::string& base, const std::string& href, int level) {
  std::optional<std::string> url = ResolveHttpUrl(base, href);
  if (url) url = CanonicalizeUrl(*url);
  if (!url || level > kMaxSitemapLevel || sitemaps_seen_.size() >= kMaxSitemapFetches) return;
  const std::string host = HostPortOf(*url);
  if (!InScope(host)) return;
  const HostState& state = Host(host);
  if (state.robots != HostState::Robots::kReady || !state.rules.Allowed(PathAndQuery(*url))) {
    return;
  }
  if (sitemaps_seen_.insert(*url).second) sitemap_queue_.push_back({*url, host, level});
}

void Crawler::Impl::StartSitemaps(size_t slots_total) {
  for (auto it = sitemap_queue_.begin();
       it != sitemap_queue_.end() && fetcher_.InFlight() < slots_total;) {
    if (scheduler_.HostDead(it->host)) {
      it = sitemap_queue_.erase(it);
    } else if (!scheduler_.CanStart(it->host)) {
      ++it;
    } else {
      InFlight flight;
      flight.sitemap_level = it->level;
      flight.entry.host = it->host;
      flight.current_url = it->url;
      Fetch(std::move(flight), "", "");
      it = sitemap_queue_.erase(it);
    }
  }
}

// A failing sitemap is logged and ignored: the crawl goes on from its seeds.
Status Crawler::Impl::HandleSitemap(InFlight& flight, const FetchResponse& response) {
  const int status = response.status;
  if (response.error == FetchError::kNone && status >= 300 && status < 400 &&
      !response.location.empty()) {
    QueueSitemap(flight.current_url, response.location, flight.sitemap_level);
    return Status::Ok();
  }
  if (response.error != FetchError::kNone || status < 200 || status >= 300) {
    const std::string reason = response.error != FetchError::kNone
                                   ? FetchErrorName(response.error)
                                   : "http_" + std::to_string(status);
    Emit("failed", flight.current_url, "sitemap ignored: " + reason);
    return Status::Ok();
  }
  Result<SitemapContents> contents = ParseSitemap(response.body);
  if (!contents.ok()) {
    Emit("failed", flight.current_url, "sitemap ignored: " + contents.status().message());
    return Status::Ok();
  }
  for (const std::string& child : contents.value().sitemaps) {
    QueueSitemap(flight.current_url, child, flight.sitemap_level + 1);
  }
  std::vector<std::string> links;
  for (const std::string& loc : contents.value().urls) {
    std::optional<std::string> url = ResolveHttpUrl(flight.current_url, loc);
    if (url) url = CanonicalizeUrl(*url);
    if (url) links.push_back(*url);
  }
  // The flight's entry has depth 0 and id 0: the URLs get depth 1 and no parent.
  const std::vector<NewUrl> urls = Outlinks(flight, links);
  Due(urls);
  return state_->AddUrls(urls).status();
}

}  // namespace medscrape

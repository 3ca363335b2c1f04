// Sitemaps listed by robots.txt (CrawlOptions::sitemaps), fetched like robots.txt:
// outside the frontier (they make no record and no row) and through their host's
// politeness slots. The URLs a sitemap lists join the frontier at depth 1 under
// the same rules as a list page's links; an index's child sitemaps are queued in
// turn. A failing sitemap is skipped: the crawl goes on from its seeds.
// Thread-safety: none; the engine's thread owns it.
#ifndef MEDSCRAPE_CRAWL_SITEMAP_FEEDER_H_
#define MEDSCRAPE_CRAWL_SITEMAP_FEEDER_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "fetch/fetcher.h"

namespace medscrape {

class SitemapFeeder {
 public:
  // robots.txt's Sitemap lines are level 1, the children of an index level 2;
  // deeper indexes (not allowed by the protocol) are ignored.
  static constexpr int kMaxLevel = 2;
  // Sitemaps fetched per run, so a host cannot keep the crawl busy with indexes.
  static constexpr size_t kMaxFetches = 1000;

  struct Sitemap {
    std::string url, host;
    int level = 0;
  };
  // Whether a sitemap URL may be fetched: its host in scope, robots.txt known
  // and allowing it (so the queue never waits for a robots.txt nothing starts).
  using Admit = std::function<bool(const std::string& url, const std::string& host)>;

  explicit SitemapFeeder(Admit admit) : admit_(std::move(admit)) {}

  // Queues `href` found at `base` (resolved, canonical), unless seen this run,
  // too deep, over kMaxFetches or not admitted.
  void Queue(const std::string& base, const std::string& href, int level);

  enum class Slot { kStart, kWait, kDrop };  // Of a host, as the politeness scheduler sees it.
  // Takes at most `max` queued sitemaps whose host `slot` says can start now,
  // dropping those whose host is dead.
  std::vector<Sitemap> Take(size_t max, const std::function<Slot(const std::string& host)>& slot);
  bool empty() const { return queue_.empty(); }

  // A fetched sitemap: a redirect is queued, a good one's children are queued and
  // its page URLs returned (canonical); anything else fails with the reason to log
  // ("sitemap ignored: http_404").
  Result<std::vector<std::string>> OnResponse(const Sitemap& sitemap, const std::string& url,
                                              const FetchResponse& response);

 private:
  Admit admit_;
  std::deque<Sitemap> queue_;   // Waiting for a politeness slot of their host.
  std::set<std::string> seen_;  // Queued this run: no refetch, no index loops.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_SITEMAP_FEEDER_H_

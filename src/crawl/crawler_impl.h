// Internals of the crawl engine, shared by crawler.cc (the loop, starting
// fetches), crawler_responses.cc (what each response does) and
// crawler_extract.cc (pages handed to the extraction workers and committed
// when they come back). Internal.
#ifndef MEDSCRAPE_CRAWL_CRAWLER_IMPL_H_
#define MEDSCRAPE_CRAWL_CRAWLER_IMPL_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include <re2/re2.h>

#include "crawl/crawler.h"
#include "crawl/extract_pool.h"
#include "crawl/link_scope.h"
#include "crawl/robots.h"
#include "crawl/state_store.h"
#include "output/jsonl_writer.h"

namespace medscrape {

// Redirect hops followed for one URL, each re-checked (scope, robots, address).
inline constexpr int kMaxRedirects = 5;
// A host whose robots.txt keeps failing (5xx, timeouts) is given up after this.
inline constexpr int kMaxRobotsFailures = 3;
inline constexpr int64_t kRobotsRetryMs = 30000;
// Sitemap nesting: robots.txt's Sitemap lines are level 1, the children of an
// index level 2; deeper indexes (not allowed by the protocol) are ignored.
inline constexpr int kMaxSitemapLevel = 2;
// Sitemap fetches per run, so a host cannot keep the crawl busy with indexes.
inline constexpr size_t kMaxSitemapFetches = 1000;

struct HostState {
  const CompiledSite* site = nullptr;  // Null: no site claims the host (generic).
  enum class Robots { kUnknown, kFetching, kReady, kRetryLater } robots = Robots::kUnknown;
  RobotsRules rules = RobotsRules::AllowAll();
  int robots_failures = 0;
  int64_t robots_retry_at_ms = 0;
  std::string scheme = "http";
  // No pending URL of this host is due before this (StateStore::HostDueTime);
  // 0: ask the store. Lowered whenever the engine adds or reschedules one (Due).
  int64_t due_ms = 0;
};

struct InFlight {
  UrlEntry entry;
  std::string current_url;  // After redirects.
  int hops = 0;
  bool robots = false;      // A robots.txt fetch for entry.host.
  // For a robots.txt fetch: the URL whose start asked for it. It takes a DNS
  // failure of the fetch as its own attempt (HandleRobots).
  std::optional<UrlEntry> robots_for;
  int sitemap_level = 0;    // > 0: a sitemap fetch for entry.host (see kMaxSitemapLevel).
  int64_t started_ms = 0;
  // Robots and sitemap fetches are not frontier rows: they make no record or state.
  bool special() const { return robots || sitemap_level > 0; }
};

// A fetched page between its response and its commit: waiting for a worker,
// on a worker, or its outcome not yet taken. Still pending in the store.
struct Extraction {
  InFlight flight;
  DoneInfo info;  // From the response; content_sha256 comes from the worker.
};

// The longest the loop sleeps in Poll while extractions are out, so a finished
// one is committed, and its worker fed, within 1-2 ms. Not 1: Poll counts the
// time left in whole milliseconds, so Poll(1) returns at once and the loop spins.
inline constexpr int kExtractionPollMs = 2;

struct QueuedSitemap {
  std::string url, host;
  int level = 0;
};

class Crawler::Impl {
 public:
  Impl(CrawlOptions options, Fetcher& fetcher, const Clock& clock, const Registry& registry,
       CrawlObserver* observer);
  Result<CrawlSummary> Run(const std::atomic<bool>& stop);

 private:
  // crawler.cc
  Status Open();
  Status Loop(const std::atomic<bool>& stop);
  Status WaitForEvents();
  Status AddSeeds();
  Status StartFetches();
  Status StartEntry(const UrlEntry& entry, bool* started);
  bool Defer(const UrlEntry& entry, bool last_ready);
  bool OnlySuspects(const std::vector<UrlEntry>& entries) const;
  void StartRobots(const UrlEntry& entry);
  void Fetch(InFlight flight, const std::string& if_none_match, const std::string& if_modified);
  bool Startable(const std::string& host, const HostState& state, int64_t now);
  Result<std::vector<UrlEntry>> DueUrls(bool* complete);
  // A pending URL of `host` is due at `at_ms` (added: 0, rescheduled: its time).
  void Due(const std::string& host, int64_t at_ms);
  void Due(const std::vector<NewUrl>& urls);
  // Fetches and extractions that may end in a record.
  int64_t PagesInFlight() const;
  // Transfers plus pages fetched and not committed: at most options_.concurrency.
  size_t Busy() const { return fetcher_.InFlight() + extracting_.size(); }
  int PollTimeoutMs();
  void Progress(bool final_line);
  bool InScope(const std::string& host) const { return hosts_.count(host) > 0; }
  HostState& Host(const std::string& host);
  // Tells the observer, if any, that `url` ended `event` ("failed", "skipped") for `reason`.
  void Emit(const std::string& event, const std::string& url, const std::string& reason);

  // crawler_responses.cc
  Status Handle(FetchResponse& response);
  Status HandleRobots(InFlight& flight, const FetchResponse& response);
  Status HandlePage(InFlight& flight, FetchResponse& response);
  Status HandleFailure(InFlight& flight, const FetchResponse& response);
  Status HandleRedirect(InFlight& flight, const FetchResponse& response);
  Status HandleRateLimit(InFlight& flight, const FetchResponse& response);
  Status HandleBody(InFlight& flight, FetchResponse& response);
  std::vector<NewUrl> Outlinks(const InFlight& flight, const std::vector<std::string>& links);
  Status WriteRecord(const Extraction& extraction, const ExtractOutcome& outcome,
                     const std::vector<NewUrl>& outlinks);
  void CountFill(const Json& record);

  // crawler_extract.cc
  void QueueExtraction(InFlight flight, FetchResponse& response);
  PageRequest ExtractionRequest(const InFlight& flight, const FetchResponse& response);
  Status DispatchExtractions();
  Status CollectExtractions();
  Status CommitExtraction(ExtractOutcome& outcome);
  Status SettleExtraction(const Extraction& extraction, const ExtractOutcome& outcome);
  Status FinishExtractions();
  void ClearMarkers();

  // crawler_sitemaps.cc
  void QueueSitemap(const std::string& base, const std::string& href, int level);
  void StartSitemaps(size_t slots_total);
  Status HandleSitemap(InFlight& flight, const FetchResponse& response);

  // crawler_stats.cc
  Status WriteStats(const CrawlSummary& summary);

  CrawlOptions options_;
  Fetcher& fetcher_;
  const Clock& clock_;
  const Registry& registry_;
  CrawlObserver* const observer_;  // May be null.
  HostScheduler scheduler_;
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<JsonLinesWriter> writer_;
  std::unique_ptr<LinkScope> links_;  // Which links are followed (made by Open).

  std::map<std::string, HostState> hosts_;  // In-scope hosts (host:port).
  std::unordered_map<uint64_t, InFlight> in_flight_;
  // Pending URLs being fetched or extracted, by id, with their host: not to be started again.
  std::map<int64_t, std::string> in_flight_ids_;
  std::unordered_map<int64_t, int> postpones_;
  std::deque<QueuedSitemap> sitemap_queue_;  // Waiting for a politeness slot of their host.
  std::set<std::string> sitemaps_seen_;      // Queued this run: no refetch, no index loops.
  uint64_t next_request_id_ = 1;
  int64_t started_ms_ = 0;
  int64_t fetches_started_at_ms_ = 0;  // When StartFetches last looked (PollTimeoutMs).
  int64_t last_progress_ms_ = 0;
  CrawlSummary summary_;
  // site -> field -> records where the field was filled, for the stats file.
  std::map<std::string, std::map<std::string, int64_t>> fill_;
  std::map<std::string, int64_t> records_per_site_;
  std::unordered_map<uint64_t, Extraction> extracting_;  // By fetch request id.
  std::deque<ExtractTask> extract_waiting_;              // Fetched, no worker free yet, no marker.
  // URLs whose crash marker this run set and has not cleared yet.
  std::set<int64_t> marked_;
  // A page with an earlier crash now extracted alone (DispatchExtractions); 0 if none.
  int64_t alone_id_ = 0;
  // Pending URLs with earlier crashes, held back until nothing else is ready (Defer).
  std::map<int64_t, std::string> deferred_;  // By id, with the host.
  // Last, so its workers stop before the members above go away.
  std::unique_ptr<ExtractPool> pool_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_CRAWLER_IMPL_H_

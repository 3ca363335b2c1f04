// The crawl engine's own parts: the loop, starting fetches (crawler.cc) and what
// each response does (crawler_responses.cc). Everything with a concern of its
// own is a collaborator it drives: LinkScope (which links are followed),
// RobotsGate (robots.txt per host), SitemapFeeder (sitemaps), ExtractionStage
// (parsing on workers, crash markers), HostScheduler (politeness), StateStore
// (the frontier and URL states), CrawlStats (the stats file) and a
// CrawlObserver (what the outside hears). Internal.
#ifndef MEDSCRAPE_CRAWL_CRAWLER_IMPL_H_
#define MEDSCRAPE_CRAWL_CRAWLER_IMPL_H_

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "crawl/crawl_archive.h"
#include "crawl/crawl_stats.h"
#include "crawl/crawler.h"
#include "crawl/extraction_stage.h"
#include "crawl/link_scope.h"
#include "crawl/robots_gate.h"
#include "crawl/sitemap_feeder.h"
#include "crawl/state_store.h"
#include "output/jsonl_writer.h"

namespace medscrape {

// The longest the loop sleeps in Poll while extractions are out, so a finished
// one is committed, and its worker fed, within 1-2 ms. Not 1: Poll counts the
// time left in whole milliseconds, so Poll(1) returns at once and the loop spins.
inline constexpr int kExtractionPollMs = 2;

struct HostState {
  const CompiledSite* site = nullptr;  // Null: no site claims the host (generic).
  // No pending URL of this host is due before this (StateStore::HostDueTime);
  // 0: ask the store. Lowered whenever the engine adds or reschedules one (Due).
  int64_t due_ms = 0;
};

// One transfer: a frontier URL (with its redirect hops), or a robots.txt or
// sitemap fetch, which are no frontier rows and make no record or state.
struct InFlight {
  UrlEntry entry;
  std::string current_url;  // After redirects.
  int hops = 0;
  // A robots.txt fetch for entry.host, asked for by this URL (which takes the
  // failure of a host that cannot be reached as its own attempt).
  std::optional<UrlEntry> robots_for;
  std::optional<SitemapFeeder::Sitemap> sitemap;
  bool special() const { return robots_for.has_value() || sitemap.has_value(); }
};

class Crawler::Impl {
 public:
  Impl(CrawlOptions options, Fetcher& fetcher, const Clock& clock, const Registry& registry,
       CrawlObserver* observer);
  Result<CrawlSummary> Run(const std::atomic<bool>& stop);

 private:
  // crawler_job.cc: the run's output file, what it looks at again, how it ends.
  Status OpenOutput();
  Status OpenState();
  // A shared job: its seeds are the union of every worker's (in seeds_ and the job).
  Status MergeSeeds();
  std::vector<std::string> UnknownSeeds(const std::string& json) const;
  Status LearnSeeds();
  Result<bool> LastLookForSeeds();
  static constexpr int64_t kSeedRecheckMs = 2000;
  // A politeness change of `host` (`change` calls scheduler_; may be empty). A shared job
  // makes it on the host's row under its lock, over what every worker left there
  // (AutoThrottle, breaker, pauses), and stores the result for all.
  Status Polite(const std::string& host, const std::function<void()>& change);
  Status Refresh(const std::set<std::string>& hosts);
  Status FinishRun();

  // crawler_archive.cc: the WARC archive (--warc). An exchange is archived just before the
  // transition of the URL it belongs to; a page's records are built on its worker.
  Status OpenArchive();
  Status ArchiveExchange(const InFlight& flight, const FetchResponse& response,
                         WarcExchange::Kind kind);
  void ArchiveOnWorker(const InFlight& flight, FetchResponse& response, int64_t now,
                       ExtractTask* task);
  Status ArchivePage(StagedPage& page, const ExtractOutcome& outcome);
  Status FinishArchive();

  // crawler.cc: the loop and starting fetches.
  Status Open();
  Status AddSeeds();
  Status Loop(const std::atomic<bool>& stop);
  Status WaitForEvents();
  Status StartFetches();
  Result<std::vector<UrlEntry>> DueUrls(bool* complete);
  bool Startable(const std::string& host, const HostState& state, int64_t now);
  Status StartEntry(const UrlEntry& entry, bool* started);
  void StartSitemaps(size_t slots_total);
  void Fetch(InFlight flight, const std::string& if_none_match, const std::string& if_modified);
  bool OnlySuspects(const std::vector<UrlEntry>& entries) const;
  // Fetches and extractions that may end in a record.
  int64_t PagesInFlight() const;
  // Transfers plus pages fetched and not committed: at most options_.concurrency.
  size_t Busy() const { return fetcher_.InFlight() + extraction_->size(); }
  int PollTimeoutMs();
  void Progress(bool final_line);
  bool InScope(const std::string& host) const { return hosts_.count(host) > 0; }
  HostState& Host(const std::string& host);
  NewUrl Seed(const std::string& url);
  // A pending URL of `host` is due at `at_ms` (added: 0, rescheduled: its time).
  void Due(const std::string& host, int64_t at_ms);
  void Due(const std::vector<NewUrl>& urls);
  // Tells the observer, if any, that `url` ended `event` ("failed", "skipped") for `reason`.
  void Emit(const std::string& event, const std::string& url, const std::string& reason);
  // A URL ends failed (the observer hears of it) or skipped for `reason`; counted for this run.
  Status Fail(int64_t id, const std::string& url, const std::string& reason, int status);
  Status Skip(int64_t id, const std::string& reason);

  // crawler_responses.cc: what each finished transfer, and each extracted page, does.
  Status Handle(FetchResponse& response);
  Status HandleRobots(InFlight& flight, const FetchResponse& response);
  // A shared job: robots.txt of `host` from the store (kReady), or this worker's to fetch
  // (kFetch), or another's being fetched (kWait, asked again in kRobotsRecheckMs).
  Result<RobotsGate::Need> ShareRobots(const std::string& host);
  static constexpr int64_t kRobotsRecheckMs = 500;
  std::string last_claimed_host_;  // DueUrls' round-robin over hosts_ (shared stores).
  // What known rules do: Crawl-delay; the sitemaps listed, when `fetched_from` (this
  // worker fetched them there); a host given up on is reported.
  void ApplyRobots(const std::string& host, const RobotsGate::Outcome& outcome,
                   const std::string& fetched_from);
  Status HandleSitemap(InFlight& flight, const FetchResponse& response);
  Status HandlePage(InFlight& flight, FetchResponse& response);
  Status HandleFailure(InFlight& flight, const FetchResponse& response);
  Status HandleRedirect(InFlight& flight, const FetchResponse& response);
  Status HandleRateLimit(InFlight& flight, const FetchResponse& response);
  Status HandleBody(InFlight& flight, FetchResponse& response);
  PageRequest ExtractionRequest(const InFlight& flight, const FetchResponse& response);
  Status CollectExtractions();
  Status Settle(StagedPage& page, const ExtractOutcome& outcome);
  Status WriteRecord(const StagedPage& page, const ExtractOutcome& outcome,
                     const std::vector<NewUrl>& outlinks);
  std::vector<NewUrl> Outlinks(const UrlEntry& from, const LinkList& links);
  Status FinishExtractions();

  CrawlOptions options_;
  Fetcher& fetcher_;
  const Clock& clock_;
  const Registry& registry_;
  CrawlObserver* const observer_;  // May be null.
  HostScheduler scheduler_;
  RobotsGate robots_;
  SitemapFeeder sitemaps_;
  CrawlStats stats_;
  std::unique_ptr<LinkScope> links_;  // Made by Open, as are the three below.
  std::unique_ptr<StateStore> state_;
  std::unique_ptr<JsonLinesWriter> writer_;
  std::unique_ptr<CrawlArchive> archive_;  // Null without --warc.

  std::vector<std::string> seeds_;                    // Canonical.
  std::map<std::string, HostState> hosts_;            // In-scope hosts (host:port).
  std::unordered_map<uint64_t, InFlight> in_flight_;  // By fetch request id.
  // Pending URLs being fetched or extracted, by id, with their host: not to be started again.
  std::map<int64_t, std::string> in_flight_ids_;
  std::unordered_map<int64_t, int> postpones_;
  uint64_t next_request_id_ = 1;
  int64_t started_ms_ = 0;             // Clock::NowMs at the start.
  int64_t started_unix_ms_ = 0;        // Clock::UnixMs at the start.
  int64_t fetches_started_at_ms_ = 0;  // When StartFetches last looked (PollTimeoutMs).
  int64_t last_progress_ms_ = 0;
  int64_t next_seed_check_ms_ = 0;  // LearnSeeds.
  CrawlSummary summary_;
  // Last, so its workers stop before the members above go away.
  std::unique_ptr<ExtractionStage> extraction_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_CRAWLER_IMPL_H_

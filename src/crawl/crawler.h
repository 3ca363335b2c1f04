// The crawl engine: frontier and URL states in a StateStore (state_store.h;
// SQLite today), one Fetcher event loop (fetch/fetcher.h), robots.txt and per-host
// politeness, extraction with the same site files as `extract`, and
// exactly-once JSON Lines output across kill -9 (a record line is appended,
// then its URL is committed done together with the output's new end offset;
// a resume cuts the output back to the last committed offset).
//
// Thread-safety: Run is called on one thread, which does all the engine's
// work (transfers, state, output, scheduling) except the CPU part of a page:
// hashing, parsing, extraction and serializing its record line run on
// CrawlOptions::extract_threads workers (extract_pool.h) that share nothing
// with the engine but their tasks and the immutable Registry. `stop` may be
// set from a signal handler.
#ifndef MEDSCRAPE_CRAWL_CRAWLER_H_
#define MEDSCRAPE_CRAWL_CRAWLER_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "base/status.h"
#include "crawl/clock.h"
#include "crawl/crawl_archive.h"
#include "crawl/crawl_observer.h"
#include "crawl/politeness.h"
#include "extract/fill_stats.h"
#include "extract/registry.h"
#include "fetch/fetcher.h"

namespace medscrape {

struct CrawlOptions {
  std::vector<std::string> seeds;  // Absolute http(s) URLs.
  std::string out_path;            // Records (JSON Lines), appended across resumes.
  // The state: a SQLite file, or postgresql://... (a job shared by workers: the records go
  // to its tables, not to out_path; job, worker and lease_s apply).
  std::string state_path;
  std::string job;         // A shared job's name.
  std::string worker;      // This worker's name among the shared job's.
  double lease_s = 30;     // How long a shared job's claim outlives its worker's last renewal.
  std::string stats_path;  // Stats JSON written at the end; "" = none.
  bool fresh = false;      // Start the job over.
  std::string site;        // --site: treat the seeds' hosts as this site; "" = by host.
  // Default 16 transfers in flight in total; fetched pages waiting for or in
  // extraction count too, so at most this many response bodies are held.
  int concurrency = 16;
  // Threads that parse and extract pages; 0 (default) = one per core. Always
  // worker threads, 1 included: the loop thread only dispatches and commits.
  int extract_threads = 0;
  PolitenessOptions politeness;  // per_host (default 1), delay_s (default 1 s), retries...
  int64_t max_pages = 0;         // Records written by this run; 0 = no limit.
  int max_depth = -1;            // Link depth from the seeds; -1 = no limit.
  double max_time_s = 0;         // Stop starting fetches after this; 0 = no limit.
  std::vector<std::string> include, exclude;  // RE2 over discovered URLs.
  // More hub patterns (RE2 from the start of path and query), beside the site
  // files' `follow` and the seeds' shapes (link_scope.h).
  std::vector<std::string> follow;
  double recrawl_after_s = -1;  // Re-check done pages older than this; < 0 = never.
  // Discovery: the seeds are re-checked (conditionally) on every run, other hubs (list
  // pages) when done longer ago than this; < 0 = never.
  double refresh_hubs_s = 24 * 3600;
  // Healing: URLs failed for a transient reason (IsTransientFailure) get another run's
  // chance once this long has passed, at most max_attempts runs in all; retry_failed gives
  // every failed URL another chance now, whatever its reason or count.
  double retry_failed_after_s = 3600;
  int max_attempts = 5;
  bool retry_failed = false;
  // The drift alarm (drift.h): compare this run's fill rates with the previous run's.
  bool drift_check = true;
  double drift_threshold = 0.25;
  int64_t drift_min_records = 20;
  size_t max_outlinks = 1000;  // Links kept per page (hostile pages have 100k).
  // New URLs queued per host by one run: a crawler-trap budget (endless
  // calendars, session ids). Links past it are dropped and counted.
  int64_t max_urls_per_host = 100000;
  std::string robots_token = "medscrape";  // Product token matched in robots.txt.
  // Also queue the URLs of the sitemaps that robots.txt lists (index files and
  // gzip included), so pages no hub links to are found.
  bool sitemaps = false;
  // --warc: every HTTP exchange archived as WARC records (crawl_archive.h); name "" = none.
  ArchiveOptions archive;
};

struct CrawlSummary {
  // This run's work.
  int64_t fetched = 0, records = 0, unchanged = 0, bytes = 0;
  int64_t run_failed = 0, run_skipped = 0;     // URLs this run failed or skipped.
  std::map<std::string, int64_t> run_reasons;  // "failed:http_404", "skipped:robots": this run.
  int64_t healed = 0;                          // Failed URLs given another chance by this run.
  int64_t refreshed = 0;  // Done seeds, hubs and (--recrawl-after) pages checked again.
  // Links this run did not follow, by reason (LinkVerdict::reason).
  std::map<std::string, int64_t> dropped_links;
  // The job's URL states after the run.
  int64_t pending = 0, done = 0, failed = 0, skipped = 0;
  std::map<std::string, int64_t> by_reason;
  bool stopped_early = false;  // Signal received: the job is resumable.
  // finished (frontier empty), max_pages, max_time or signal.
  std::string finish_reason = "finished";
  double seconds = 0;
  int64_t run_id = 0;
  std::vector<Drift> drift;  // Fields whose fill rate fell (drift.h); empty when checked off.
  Json stats;                // What the stats file holds (docs/operations.md).
};

class Crawler {
 public:
  // `observer` (may be null) hears of failed and skipped URLs and, if it wants, progress.
  Crawler(CrawlOptions options, Fetcher& fetcher, const Clock& clock, const Registry& registry,
          CrawlObserver* observer = nullptr);
  ~Crawler();
  // Runs until the frontier is empty, a limit is reached, or `stop` is set.
  // Fails on state or output errors (the job stays resumable).
  Result<CrawlSummary> Run(const std::atomic<bool>& stop);

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_CRAWLER_H_

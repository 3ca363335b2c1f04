// What the crawl engine tells the outside while it runs: a URL that failed or
// was skipped, and, when wanted, a progress snapshot. The CLI turns them into a
// progress line, log lines or JSON events (src/cli/crawl_report.h); the engine
// itself writes nothing to the terminal. Called on the engine's thread only.
#ifndef MEDSCRAPE_CRAWL_CRAWL_OBSERVER_H_
#define MEDSCRAPE_CRAWL_CRAWL_OBSERVER_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace medscrape {

struct CrawlEvent {
  std::string event;  // "failed" or "skipped".
  std::string url;
  std::string reason;  // "http_404", "robots", "sitemap ignored: http_404", ...
};

// The job's URL states (as in the summary and the stats file) and this run's work.
struct CrawlProgress {
  int64_t done = 0, pending = 0, failed = 0;
  int64_t records = 0, fetched = 0;
  size_t hosts = 0;
  double seconds = 0;  // Since the run started.
  bool final = false;  // The last snapshot, at the end of the run.
};

class CrawlObserver {
 public:
  virtual ~CrawlObserver() = default;
  virtual void OnEvent(const CrawlEvent& event) = 0;
  // Progress costs the engine a count of the job's states (about 0.1 s at a
  // million URLs), so it is taken only for an observer that wants it: about
  // every half second (less often when counting is slow), and once at the end.
  virtual bool WantsProgress() const { return false; }
  virtual void OnProgress(const CrawlProgress& progress) {}
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_CRAWL_OBSERVER_H_

// How `medscrape crawl` shows a run on standard error: a progress line redrawn in
// place on a terminal, "medscrape: failed: URL: reason" lines, or with
// --log-format json one JSON object a line for every event, the summary and a
// fatal error. No line is ever glued to the progress line.
#ifndef MEDSCRAPE_CLI_CRAWL_REPORT_H_
#define MEDSCRAPE_CLI_CRAWL_REPORT_H_

#include <string>

#include "crawl/crawl_observer.h"
#include "crawl/crawler.h"

namespace medscrape {

class CrawlReport final : public CrawlObserver {
 public:
  CrawlReport(bool progress_line, bool json) : progress_line_(progress_line), json_(json) {}

  void OnEvent(const CrawlEvent& event) override;
  bool WantsProgress() const override { return progress_line_; }
  void OnProgress(const CrawlProgress& progress) override;

  // The run's end: counts per state and reason, where the records went.
  void Summary(const CrawlSummary& summary, const std::string& out);
  // The run's fatal error (state or output).
  void Error(const std::string& message);

 private:
  void ClearProgressLine();

  const bool progress_line_;
  const bool json_;
  bool line_shown_ = false;  // A progress line is on screen, without its newline.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_CRAWL_REPORT_H_

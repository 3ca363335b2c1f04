// How `medscrape crawl` shows a run on standard error: a progress line redrawn in
// place on a terminal (off a terminal, one progress line every --progress-interval),
// "medscrape: failed: URL: reason" and "medscrape: drift: ..." lines, or with
// --log-format json one JSON object a line ({"ts", "level", "event", ...}) for every
// event, progress, drift, the summary and a fatal error. No line is ever glued to the
// progress line.
#ifndef MEDSCRAPE_CLI_CRAWL_REPORT_H_
#define MEDSCRAPE_CLI_CRAWL_REPORT_H_

#include <string>

#include "crawl/crawl_observer.h"
#include "crawl/crawler.h"

namespace medscrape {

class CrawlReport final : public CrawlObserver {
 public:
  // `progress_line`: redraw a line in place (a terminal); else, with `every_s` > 0, print
  // a progress line (or JSON event) every `every_s` seconds.
  CrawlReport(bool progress_line, double every_s, bool json)
      : progress_line_(progress_line), every_s_(every_s), json_(json) {}

  void OnEvent(const CrawlEvent& event) override;
  bool WantsProgress() const override { return progress_line_ || every_s_ > 0; }
  void OnProgress(const CrawlProgress& progress) override;

  // The run's end: counts per state and reason, where the records went, drift.
  void Summary(const CrawlSummary& summary, const std::string& out);
  // The run's fatal error (state or output).
  void Error(const std::string& message);

 private:
  void ClearProgressLine();

  const bool progress_line_;
  const double every_s_;
  const bool json_;
  bool line_shown_ = false;  // A progress line is on screen, without its newline.
  double last_printed_s_ = 0;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_CRAWL_REPORT_H_

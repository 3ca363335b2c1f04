#include "cli/crawl_report.h"

#include <algorithm>
#include <cstdio>

#include "extract/site_spec.h"

namespace medscrape {
namespace {

void PrintJson(const Json& line) {
  std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
}

}  // namespace

void CrawlReport::ClearProgressLine() {
  if (line_shown_) std::fputs("\r\033[K", stderr);
  line_shown_ = false;
}

void CrawlReport::OnEvent(const CrawlEvent& event) {
  if (json_) {
    ClearProgressLine();
    PrintJson({{"event", event.event}, {"url", event.url}, {"reason", event.reason}});
  } else if (event.event == "failed") {
    ClearProgressLine();
    std::fprintf(stderr, "medscrape: %s: %s: %s\n", event.event.c_str(), event.url.c_str(),
                 event.reason.c_str());
  }
}

// "medscrape: 40 done, 3 queued, 1 failed, 37 records, 85.3 pages/s, 1 hosts", redrawn in place.
void CrawlReport::OnProgress(const CrawlProgress& p) {
  if (!progress_line_) return;
  std::fprintf(
      stderr,
      "\r\033[Kmedscrape: %lld done, %lld queued, %lld failed, %lld records, %.1f pages/s, "
      "%zu hosts%s",
      static_cast<long long>(p.done), static_cast<long long>(p.pending),
      static_cast<long long>(p.failed), static_cast<long long>(p.records),
      p.fetched / std::max(0.001, p.seconds), p.hosts, p.final ? "\n" : "");
  line_shown_ = !p.final;
}

void CrawlReport::Summary(const CrawlSummary& s, const std::string& out) {
  ClearProgressLine();
  if (json_) {
    // One object, as every other line: the run's counts, named as in the stats file.
    PrintJson({{"event", "summary"},
               {"status", s.stopped_early ? "stopped" : "finished"},
               {"out", out},
               {"fetched", s.fetched},
               {"records", s.records},
               {"unchanged", s.unchanged},
               {"bytes", s.bytes},
               {"done", s.done},
               {"failed", s.failed},
               {"skipped", s.skipped},
               {"pending", s.pending},
               {"reasons", s.by_reason},
               {"seconds", s.seconds}});
    return;
  }
  std::fprintf(stderr,
               "medscrape: crawl %s: %lld fetched, %lld records (%lld unchanged) -> %s; "
               "%lld done, %lld failed, %lld skipped, %lld pending (%.1f s)\n",
               s.stopped_early ? "stopped" : "finished", static_cast<long long>(s.fetched),
               static_cast<long long>(s.records), static_cast<long long>(s.unchanged), out.c_str(),
               static_cast<long long>(s.done), static_cast<long long>(s.failed),
               static_cast<long long>(s.skipped), static_cast<long long>(s.pending), s.seconds);
  for (const auto& [reason, count] : s.by_reason) {
    std::fprintf(stderr, "medscrape:   %s: %lld\n", reason.c_str(), static_cast<long long>(count));
  }
}

void CrawlReport::Error(const std::string& message) {
  ClearProgressLine();
  if (json_) {
    PrintJson({{"event", "error"}, {"message", message}});
  } else {
    std::fprintf(stderr, "medscrape: error: %s\n", message.c_str());
  }
}

}  // namespace medscrape

#include "cli/crawl_report.h"

#include <algorithm>
#include <cstdio>

#include "cli/cli.h"
#include "extract/site_spec.h"

namespace medscrape {
namespace {

// One JSON object a line, "ts" and "level" first.
void PrintJson(const char* level, const Json& fields) {
  Json line = {{"ts", NowIsoMs()}, {"level", level}};
  for (const auto& [key, value] : fields.items()) line[key] = value;
  std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
}

std::string Counts(const CrawlProgress& p) {
  char text[256];
  std::snprintf(text, sizeof(text),
                "%lld done, %lld queued, %lld failed, %lld records, %.1f pages/s, %zu hosts",
                static_cast<long long>(p.done), static_cast<long long>(p.pending),
                static_cast<long long>(p.failed), static_cast<long long>(p.records),
                p.fetched / std::max(0.001, p.seconds), p.hosts);
  return text;
}

const char* StatusWord(const CrawlSummary& s) {
  if (s.stopped_early) return "stopped";
  if (s.finish_reason == "max_pages") return "reached max_pages";
  if (s.finish_reason == "max_time") return "reached max_time";
  return "finished";
}

}  // namespace

void CrawlReport::ClearProgressLine() {
  if (line_shown_) std::fputs("\r\033[K", stderr);
  line_shown_ = false;
}

void CrawlReport::OnEvent(const CrawlEvent& event) {
  if (json_) {
    ClearProgressLine();
    PrintJson(event.event == "skipped" ? "info" : "warning",
              {{"event", event.event}, {"url", event.url}, {"reason", event.reason}});
  } else if (event.event != "skipped") {
    ClearProgressLine();
    std::fprintf(stderr, "medscrape: %s: %s: %s\n", event.event.c_str(), event.url.c_str(),
                 event.reason.c_str());
  }
}

// On a terminal "medscrape: 40 done, 3 queued, 1 failed, 37 records, 85.3 pages/s, 1 hosts",
// redrawn in place; elsewhere "medscrape: progress: ..." lines, every every_s_ seconds.
void CrawlReport::OnProgress(const CrawlProgress& p) {
  if (progress_line_) {
    std::fprintf(stderr, "\r\033[Kmedscrape: %s%s", Counts(p).c_str(), p.final ? "\n" : "");
    line_shown_ = !p.final;
    return;
  }
  if (p.final || every_s_ <= 0 || p.seconds - last_printed_s_ < every_s_) return;
  last_printed_s_ = p.seconds;
  if (json_) {
    PrintJson("info", {{"event", "progress"},
                       {"done", p.done},
                       {"pending", p.pending},
                       {"failed", p.failed},
                       {"records", p.records},
                       {"fetched", p.fetched},
                       {"pages_per_second", p.fetched / std::max(0.001, p.seconds)},
                       {"hosts", p.hosts},
                       {"seconds", p.seconds}});
  } else {
    std::fprintf(stderr, "medscrape: progress: %s\n", Counts(p).c_str());
  }
}

void CrawlReport::Summary(const CrawlSummary& s, const std::string& out) {
  ClearProgressLine();
  for (const Drift& drift : s.drift) {
    if (json_) {
      Json line = {{"event", "drift"}};
      for (const auto& [key, value] : DriftToJson({drift})[0].items()) line[key] = value;
      PrintJson("error", line);
    } else {
      std::fprintf(stderr, "medscrape: drift: %s\n", DescribeDrift(drift).c_str());
    }
  }
  if (json_) {
    // One object, as every other line: the run's counts, named as in the stats file.
    PrintJson(s.drift.empty() ? "info" : "error",
              {{"event", "summary"},
               {"status", s.stopped_early ? "stopped" : "finished"},
               {"finish_reason", s.finish_reason},
               {"out", out},
               {"fetched", s.fetched},
               {"records", s.records},
               {"unchanged", s.unchanged},
               {"bytes", s.bytes},
               {"run_failed", s.run_failed},
               {"healed", s.healed},
               {"done", s.done},
               {"failed", s.failed},
               {"skipped", s.skipped},
               {"pending", s.pending},
               {"reasons", s.by_reason},
               {"drift", s.drift.size()},
               {"seconds", s.seconds}});
    return;
  }
  std::fprintf(stderr,
               "medscrape: crawl %s: %lld fetched, %lld records (%lld unchanged) -> %s; "
               "%lld done, %lld failed, %lld skipped, %lld pending (%.1f s)\n",
               StatusWord(s), static_cast<long long>(s.fetched), static_cast<long long>(s.records),
               static_cast<long long>(s.unchanged), out.c_str(), static_cast<long long>(s.done),
               static_cast<long long>(s.failed), static_cast<long long>(s.skipped),
               static_cast<long long>(s.pending), s.seconds);
  for (const auto& [reason, count] : s.by_reason) {
    std::fprintf(stderr, "medscrape:   %s: %lld\n", reason.c_str(), static_cast<long long>(count));
  }
  if (s.healed > 0) {
    std::fprintf(stderr, "medscrape:   this run gave %lld failed URLs another chance\n",
                 static_cast<long long>(s.healed));
  }
}

void CrawlReport::Error(const std::string& message) {
  ClearProgressLine();
  if (json_) {
    PrintJson("error", {{"event", "error"}, {"message", message}});
  } else {
    std::fprintf(stderr, "medscrape: error: %s\n", message.c_str());
  }
}

}  // namespace medscrape

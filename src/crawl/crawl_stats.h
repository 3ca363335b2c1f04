// The crawl's figures for operators and schedulers: the stats file written at the end of
// every run (its JSON Schema is schema/stats.schema.json) and kept in the job's history of
// runs. It separates this run ("run": what it fetched, wrote, failed and skipped, how it
// finished, the fill rate of every field per site and page type, drift) from the job's
// totals ("job": URL states and reasons, per host, the output files) and lists the
// job's recent runs ("history"). Thread-safety: none; the engine's thread owns it.
#ifndef MEDSCRAPE_CRAWL_CRAWL_STATS_H_
#define MEDSCRAPE_CRAWL_CRAWL_STATS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "crawl/crawler.h"
#include "crawl/state_store.h"
#include "extract/fill_stats.h"

namespace medscrape {

inline constexpr int kStatsVersion = 1;

class CrawlStats {
 public:
  void CountRecord(const Json& record) { fill_.Add(record); }
  // This run's fill rates (FillStats::ToJson).
  Json Sites() const { return fill_.ToJson(); }
  // The stats file's content; `history` is the job's runs before this one, newest first.
  Json Build(const CrawlSummary& summary, int64_t started_at_ms, int64_t ended_at_ms,
             const StateStore::Counts& counts, const std::vector<OutputFile>& outputs,
             const std::vector<RunRecord>& history) const;
  // Writes `stats` to `path` atomically (a temporary file, then rename); "" = nowhere.
  static Status Write(const std::string& path, const Json& stats);

 private:
  FillStats fill_;
};

// The drift of `sites` (this run's fill rates) against, per site and page type, the newest
// run of `history` (newest first) that wrote records of that type.
std::vector<Drift> FindRunDrift(const Json& sites, const std::vector<RunRecord>& history,
                                const DriftOptions& options);

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_CRAWL_STATS_H_

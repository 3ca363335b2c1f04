// The crawl's figures for operators and schedulers, written to the stats file at
// the end of a run: counts per state and reason, per host, bytes, the links not
// followed by reason, and per site the fill rate of every field of the records
// this run wrote (a field whose rate falls is the first sign that a site changed
// its layout). Thread-safety: none; the engine's thread owns it.
#ifndef MEDSCRAPE_CRAWL_CRAWL_STATS_H_
#define MEDSCRAPE_CRAWL_CRAWL_STATS_H_

#include <cstdint>
#include <map>
#include <string>

#include "crawl/crawler.h"
#include "crawl/state_store.h"
#include "extract/site_spec.h"

namespace medscrape {

class CrawlStats {
 public:
  // Counts which fields of a written record are filled (not null, not an empty list).
  void CountRecord(const Json& record);
  // Writes the stats file atomically (a temporary file, then rename).
  Status Write(const std::string& path, const CrawlSummary& summary,
               const StateStore::Counts& counts) const;

 private:
  // site -> field -> records where the field was filled.
  std::map<std::string, std::map<std::string, int64_t>> filled_;
  std::map<std::string, int64_t> records_per_site_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_CRAWL_STATS_H_

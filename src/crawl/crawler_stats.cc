// The job's stats file, for operators and schedulers: counts per state and
// reason, per host, bytes, and per site the fill rate of every field (a field
// whose rate drops is the first sign that a site changed its layout).
#include <fstream>

#include "crawl/crawler_impl.h"

namespace medscrape {

Status Crawler::Impl::WriteStats(const CrawlSummary& summary) {
  if (options_.stats_path.empty()) return Status::Ok();
  Json stats;
  stats["seconds"] = summary.seconds;
  stats["fetched"] = summary.fetched;
  stats["records"] = summary.records;
  stats["unchanged"] = summary.unchanged;
  stats["bytes"] = summary.bytes;
  stats["states"] = {{"pending", summary.pending}, {"done", summary.done},
                     {"failed", summary.failed}, {"skipped", summary.skipped}};
  stats["reasons"] = summary.by_reason;
  stats["dropped_links"] = summary.dropped_links;
  Result<StateStore::Counts> counts = state_->CountStates();
  if (counts.ok()) stats["hosts"] = counts.value().by_host_state;
  Json fill = Json::object();
  for (const auto& [site, fields] : fill_) {
    const double records = static_cast<double>(records_per_site_[site]);
    Json rates = Json::object();
    for (const auto& [field, filled] : fields) rates[field] = filled / records;
    fill[site] = {{"records", records_per_site_[site]}, {"fill_rate", rates}};
  }
  stats["sites"] = fill;
  stats["stopped_early"] = summary.stopped_early;
  const std::string temporary = options_.stats_path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << stats.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    if (!out) return Status::Error(temporary + ": cannot write");
  }
  if (std::rename(temporary.c_str(), options_.stats_path.c_str()) != 0) {
    return Status::Error(options_.stats_path + ": cannot write");
  }
  return Status::Ok();
}

}  // namespace medscrape

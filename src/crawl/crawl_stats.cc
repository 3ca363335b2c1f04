#include "crawl/crawl_stats.h"

#include <cstdio>
#include <fstream>
#include <set>

namespace medscrape {

void CrawlStats::CountRecord(const Json& record) {
  const std::string site =
      record["site"].is_string() ? record["site"].get<std::string>() : "generic";
  ++records_per_site_[site];
  static const std::set<std::string> kProvenance = {
      "schema_version", "url",        "site",     "page_type", "extractor", "content_sha256",
      "charset",        "fetched_at", "warnings", "http",      "change"};
  for (const auto& [key, value] : record.items()) {
    if (kProvenance.count(key) > 0) continue;
    const bool filled = value.is_array() ? !value.empty() : !value.is_null();
    filled_[site][key] += filled ? 1 : 0;
  }
}

Status CrawlStats::Write(const std::string& path, const CrawlSummary& summary,
                         const StateStore::Counts& counts) const {
  if (path.empty()) return Status::Ok();
  Json stats;
  stats["seconds"] = summary.seconds;
  stats["fetched"] = summary.fetched;
  stats["records"] = summary.records;
  stats["unchanged"] = summary.unchanged;
  stats["bytes"] = summary.bytes;
  stats["states"] = {{"pending", summary.pending},
                     {"done", summary.done},
                     {"failed", summary.failed},
                     {"skipped", summary.skipped}};
  stats["reasons"] = summary.by_reason;
  stats["dropped_links"] = summary.dropped_links;
  stats["hosts"] = counts.by_host_state;
  Json fill = Json::object();
  for (const auto& [site, fields] : filled_) {
    const int64_t records = records_per_site_.at(site);
    Json rates = Json::object();
    for (const auto& [field, filled] : fields) rates[field] = static_cast<double>(filled) / records;
    fill[site] = {{"records", records}, {"fill_rate", rates}};
  }
  stats["sites"] = fill;
  stats["stopped_early"] = summary.stopped_early;
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << stats.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
    if (!out) return Status::Error(temporary + ": cannot write");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0)
    return Status::Error(path + ": cannot write");
  return Status::Ok();
}

}  // namespace medscrape

// Prometheus text exposition (version 0.0.4) for node_exporter's textfile collector:
// `--metrics FILE` of crawl and extract. Every metric has HELP and TYPE once, before its
// samples; label values are escaped (\\, \", \n); the file is replaced atomically (a
// temporary file in the same folder, then rename), so the collector never reads half a file.
#ifndef MEDSCRAPE_CLI_METRICS_H_
#define MEDSCRAPE_CLI_METRICS_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "crawl/crawler.h"
#include "extract/site_spec.h"

namespace medscrape {

class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string, std::string>>;
  // A gauge sample; the first sample of `name` brings its HELP and TYPE lines.
  void Gauge(const std::string& name, const std::string& help, const Labels& labels, double value);
  // Fill rates (medscrape_field_fill_rate, medscrape_records) of FillStats::ToJson.
  // `base`: the labels every sample gets (crawl_job="NAME"; none for extract).
  void FillRates(const Labels& base, const Json& sites);
  void DriftFlags(const Labels& base, const std::vector<Drift>& drift);
  Status Write(const std::string& path) const;

 private:
  std::vector<std::string> order_;  // Metric names in first-seen order.
  std::map<std::string, std::string> blocks_;
};

// The crawl's metrics: URLs by state and reason, this run's work, pages/s, duration, end
// time, exit code, fill rates and drift flags, every sample labelled crawl_job="JOB" (not "job",
// which Prometheus sets itself).
Status WriteCrawlMetrics(const std::string& path, const std::string& job,
                         const CrawlSummary& summary, int exit_code);

// extract --metrics: inputs, records, failed inputs, duration, fill rates, drift flags.
Status WriteExtractMetrics(const std::string& path, const Json& stats, int exit_code);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_METRICS_H_

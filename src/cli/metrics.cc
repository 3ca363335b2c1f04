#include "cli/metrics.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>

namespace medscrape {
namespace {

std::string Escape(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Number(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char text[64];
  std::snprintf(text, sizeof(text), "%.17g", value);
  return text;
}

}  // namespace

void MetricsText::Gauge(const std::string& name, const std::string& help, const Labels& labels,
                        double value) {
  auto [it, added] = blocks_.try_emplace(name);
  if (added) {
    order_.push_back(name);
    it->second = "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n";
  }
  std::string sample = name;
  if (!labels.empty()) {
    sample += "{";
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) sample += ",";
      sample += labels[i].first + "=\"" + Escape(labels[i].second) + "\"";
    }
    sample += "}";
  }
  it->second += sample + " " + Number(value) + "\n";
}

namespace {

MetricsText::Labels With(MetricsText::Labels labels, const MetricsText::Labels& more) {
  labels.insert(labels.end(), more.begin(), more.end());
  return labels;
}

}  // namespace

void MetricsText::FillRates(const Labels& base, const Json& sites) {
  if (!sites.is_object()) return;
  for (const auto& [site, types] : sites.items()) {
    for (const auto& [type, group] : types.items()) {
      Gauge("medscrape_records", "records written, by site and page type",
            With(base, {{"site", site}, {"page_type", type}}), group.value("records", 0.0));
      const Json fields = group.value("fields", Json::object());  // Not a temporary in the loop.
      for (const auto& [field, rate] : fields.items()) {
        Gauge("medscrape_field_fill_rate",
              "share of records (or list elements) in which the field was found",
              With(base, {{"site", site}, {"page_type", type}, {"field", field}}),
              rate.value("rate", 0.0));
      }
    }
  }
}

void MetricsText::DriftFlags(const Labels& base, const std::vector<Drift>& drift) {
  Gauge("medscrape_drift_fields", "fields whose fill rate fell past the drift threshold", base,
        static_cast<double>(drift.size()));
  for (const Drift& d : drift) {
    Gauge("medscrape_drift", "1 for a field that drifted in this run",
          With(base, {{"site", d.site}, {"page_type", d.page_type}, {"field", d.field}}), 1);
  }
}

Status MetricsText::Write(const std::string& path) const {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    for (const std::string& name : order_) out << blocks_.at(name);
    if (!out) return Status::Error(temporary + ": cannot write");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::Error(path + ": cannot write");
  }
  return Status::Ok();
}

Status WriteCrawlMetrics(const std::string& path, const std::string& job, const CrawlSummary& s,
                         int exit_code) {
  MetricsText m;
  const MetricsText::Labels of_job = {{"crawl_job", job}};
  for (const auto& [state, count] : std::map<std::string, int64_t>{{"pending", s.pending},
                                                                   {"done", s.done},
                                                                   {"failed", s.failed},
                                                                   {"skipped", s.skipped}}) {
    m.Gauge("medscrape_crawl_urls", "URLs of the job by state",
            {{"crawl_job", job}, {"state", state}}, static_cast<double>(count));
  }
  for (const auto& [reason, count] : s.by_reason) {
    const size_t colon = reason.find(':');
    m.Gauge("medscrape_crawl_urls_by_reason", "failed and skipped URLs of the job by reason",
            {{"crawl_job", job},
             {"state", reason.substr(0, colon)},
             {"reason", reason.substr(colon + 1)}},
            static_cast<double>(count));
  }
  const std::pair<const char*, double> run[] = {{"fetched", static_cast<double>(s.fetched)},
                                                {"records", static_cast<double>(s.records)},
                                                {"unchanged", static_cast<double>(s.unchanged)},
                                                {"failed", static_cast<double>(s.run_failed)},
                                                {"skipped", static_cast<double>(s.run_skipped)},
                                                {"healed", static_cast<double>(s.healed)},
                                                {"bytes", static_cast<double>(s.bytes)}};
  for (const auto& [what, value] : run) {
    m.Gauge(std::string("medscrape_crawl_last_run_") + what, std::string("the last run's ") + what,
            of_job, value);
  }
  m.Gauge("medscrape_crawl_last_run_pages_per_second", "the last run's fetches per second", of_job,
          s.fetched / std::max(0.001, s.seconds));
  m.Gauge("medscrape_crawl_last_run_duration_seconds", "how long the last run took", of_job,
          s.seconds);
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  m.Gauge("medscrape_crawl_last_run_end_time_seconds", "when the last run ended (UNIX time)",
          of_job, std::floor(now));
  m.Gauge("medscrape_crawl_last_run_exit_code", "the last run's exit code", of_job, exit_code);
  m.Gauge("medscrape_crawl_last_run_finish_reason", "1 for how the last run finished",
          {{"crawl_job", job}, {"reason", s.finish_reason}}, 1);
  if (s.stats.is_object() && s.stats.contains("run")) {
    const Json sites = s.stats["run"].value("sites", Json::object());
    m.FillRates(of_job, sites);
  }
  m.DriftFlags(of_job, s.drift);
  return m.Write(path);
}

Status WriteExtractMetrics(const std::string& path, const Json& stats, int exit_code) {
  MetricsText m;
  const Json& run = stats["extract"];
  for (const char* what : {"inputs", "records", "failed", "with_warnings"}) {
    m.Gauge(std::string("medscrape_extract_") + what, std::string("the last extract's ") + what, {},
            run.value(what, 0.0));
  }
  m.Gauge("medscrape_extract_duration_seconds", "how long the last extract took", {},
          run.value("seconds", 0.0));
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  m.Gauge("medscrape_extract_end_time_seconds", "when the last extract ended (UNIX time)", {},
          std::floor(now));
  m.Gauge("medscrape_extract_exit_code", "the last extract's exit code", {}, exit_code);
  const Json sites = run.value("sites", Json::object());
  m.FillRates({}, sites);
  std::vector<Drift> drift;
  for (const Json& d : run.value("drift", Json::array())) {
    drift.push_back(Drift{d.value("site", ""), d.value("page_type", ""), d.value("field", ""),
                          d.value("before", 0.0), d.value("after", 0.0)});
  }
  m.DriftFlags({}, drift);
  return m.Write(path);
}

}  // namespace medscrape

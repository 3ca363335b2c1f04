#include "crawl/crawl_stats.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "crawl/response_rules.h"

namespace medscrape {
namespace {

constexpr size_t kHistoryShown = 30;  // Runs listed in a stats file; the state has them all.

Json ParseStats(const RunRecord& run) {
  if (run.stats.empty()) return Json();
  return Json::parse(run.stats, nullptr, /*allow_exceptions=*/false);
}

Json RunBrief(const RunRecord& run) {
  const Json stats = ParseStats(run);
  const Json& of_run = stats.is_object() ? stats.value("run", Json::object()) : Json::object();
  return {{"id", run.id},
          {"started_at", IsoUtc(run.started_at_ms)},
          {"ended_at", run.ended_at_ms > 0 ? Json(IsoUtc(run.ended_at_ms)) : Json(nullptr)},
          {"finish_reason", run.finish_reason.empty() ? Json(nullptr) : Json(run.finish_reason)},
          {"fetched", of_run.value("fetched", Json(nullptr))},
          {"records", of_run.value("records", Json(nullptr))},
          {"failed", of_run.value("failed", Json(nullptr))}};
}

}  // namespace

Json CrawlStats::Build(const CrawlSummary& summary, int64_t started_at_ms, int64_t ended_at_ms,
                       const StateStore::Counts& counts, const std::vector<OutputFile>& outputs,
                       const std::vector<RunRecord>& history) const {
  Json run = {{"id", summary.run_id},
              {"started_at", IsoUtc(started_at_ms)},
              {"ended_at", IsoUtc(ended_at_ms)},
              {"seconds", summary.seconds},
              {"finish_reason", summary.finish_reason},
              {"fetched", summary.fetched},
              {"records", summary.records},
              {"unchanged", summary.unchanged},
              {"failed", summary.run_failed},
              {"skipped", summary.run_skipped},
              {"reasons", summary.run_reasons},
              {"healed", summary.healed},
              {"refreshed", summary.refreshed},
              {"bytes", summary.bytes},
              {"pages_per_second", summary.fetched / std::max(0.001, summary.seconds)},
              {"dropped_links", summary.dropped_links},
              {"sites", Sites()},
              {"drift", DriftToJson(summary.drift)}};
  Json files = Json::array();
  for (const OutputFile& file : outputs) {
    files.push_back({{"path", file.path}, {"committed_bytes", file.offset}});
  }
  Json job = {{"states",
               {{"pending", counts.pending},
                {"done", counts.done},
                {"failed", counts.failed},
                {"skipped", counts.skipped}}},
              {"reasons", counts.by_reason},
              {"hosts", counts.by_host_state},
              {"outputs", files}};
  Json runs = Json::array();
  for (size_t i = 0; i < history.size() && i < kHistoryShown; ++i)
    runs.push_back(RunBrief(history[i]));
  return {{"stats_version", kStatsVersion}, {"run", run}, {"job", job}, {"history", runs}};
}

Status CrawlStats::Write(const std::string& path, const Json& stats) {
  if (path.empty()) return Status::Ok();
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

std::vector<Drift> FindRunDrift(const Json& sites, const std::vector<RunRecord>& history,
                                const DriftOptions& options) {
  std::vector<Drift> drift;
  if (!sites.is_object()) return drift;
  std::vector<Json> parsed;  // Parsed once, as needed, in history order.
  for (const auto& [site, types] : sites.items()) {
    for (const auto& [type, now] : types.items()) {
      for (size_t i = 0; i < history.size(); ++i) {
        if (parsed.size() <= i) parsed.push_back(ParseStats(history[i]));
        const Json& stats = parsed[i];
        if (!stats.is_object() || !stats.contains("run")) continue;
        const Json& before = stats["run"].value("sites", Json::object());
        if (!before.is_object() || !before.contains(site) || !before[site].is_object() ||
            !before[site].contains(type) || before[site][type].value("records", 0) <= 0) {
          continue;
        }
        Json one_now, one_before;
        one_now[site][type] = now;
        one_before[site][type] = before[site][type];
        for (Drift& d :
             FindDrift(one_now, one_before, options, "run " + IsoUtc(history[i].started_at_ms))) {
          drift.push_back(std::move(d));
        }
        break;  // The newest run with records of this type is the baseline.
      }
    }
  }
  return drift;
}

}  // namespace medscrape

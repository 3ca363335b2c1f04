// Pages between their response and their commit. The CPU part (hash, parse,
// extract, serialize: extract_task.h) runs on the ExtractPool's workers; all
// else stays on the loop thread, which alone touches the state store, the
// output, the scheduler and the stats.
//
// A fetched page first waits in extract_waiting_ with no crash marker: killed
// there, it is simply still pending and fetched again. Only when a worker is
// idle is it marked processing (P5) and submitted, so a crash counts against
// the pages really being parsed, and a page that crashed before is parsed
// alone (DispatchExtractions). Outcomes are committed in whatever order they
// finish: the record line is appended, then MarkDone commits it with the
// writer's offset, exactly as when extraction ran on the loop thread.
#include <algorithm>
#include <ctime>

#include "crawl/crawler_impl.h"

namespace medscrape {
namespace {

std::string IsoUtc(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

std::string CharsetOf(const std::string& content_type) {
  std::string lower = content_type;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  const size_t at = lower.find("charset=");
  if (at == std::string::npos) return "";
  std::string value = content_type.substr(at + 8);
  value = value.substr(0, value.find(';'));
  value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
  return value;
}

}  // namespace

// Takes the response's body; the URL stays in in_flight_ids_ until committed,
// since it is still pending in the store.
void Crawler::Impl::QueueExtraction(InFlight flight, FetchResponse& response) {
  const bool is_page = flight.entry.kind == "page";
  ExtractTask task;
  task.ticket = response.id;
  task.body = std::move(response.body);
  task.request = ExtractionRequest(flight, response);
  task.unchanged_sha256 = is_page ? flight.entry.content_sha256 : "";
  task.wants_record = is_page;
  extract_waiting_.push_back(std::move(task));
  in_flight_ids_.emplace(flight.entry.id, flight.entry.host);
  const DoneInfo info{response.status, response.etag, response.last_modified, "", clock_.UnixMs()};
  extracting_.emplace(response.id, Extraction{std::move(flight), info});
}

PageRequest Crawler::Impl::ExtractionRequest(const InFlight& flight,
                                             const FetchResponse& response) {
  PageRequest request;
  request.url = flight.current_url;
  request.site =
      Host(flight.entry.host).site != nullptr && !options_.site.empty() ? options_.site : "";
  request.decode.header_charset = CharsetOf(response.content_type);
  request.fetched_at = IsoUtc(clock_.UnixMs());
  request.http = {{"status", response.status},
                  {"final_url", flight.current_url},
                  {"content_type",
                   response.content_type.empty() ? Json(nullptr) : Json(response.content_type)}};
  request.change = flight.entry.content_sha256.empty() ? "new" : "updated";
  request.max_links = options_.max_outlinks;
  return request;
}

// A page that was on a worker when an earlier run died goes alone, and nothing
// joins it: should it crash the process again, only its marker is set, and the
// pages that merely ran beside it the first time are not failed with it.
Status Crawler::Impl::DispatchExtractions() {
  while (!extract_waiting_.empty() && pool_->HasIdleWorker() && alone_id_ == 0) {
    const UrlEntry& entry = extracting_.at(extract_waiting_.front().ticket).flight.entry;
    if (entry.crashes > 0) {
      if (pool_->Pending() > 0) break;  // Wait for the workers to empty.
      alone_id_ = entry.id;
    }
    const int64_t id = entry.id;
    Status status = state_->SetProcessing(id, true);  // P5: crash marker.
    if (!status.ok()) return status;
    marked_.insert(id);
    pool_->Submit(std::move(extract_waiting_.front()));
    extract_waiting_.pop_front();
  }
  return Status::Ok();
}

// Commits what the workers finished, then gives them the waiting pages.
Status Crawler::Impl::CollectExtractions() {
  for (ExtractOutcome& outcome : pool_->TakeDone()) {
    Status status = CommitExtraction(outcome);
    if (!status.ok()) return status;
  }
  return DispatchExtractions();
}

Status Crawler::Impl::CommitExtraction(ExtractOutcome& outcome) {
  auto it = extracting_.find(outcome.ticket);
  Extraction extraction = std::move(it->second);
  extracting_.erase(it);
  const int64_t id = extraction.flight.entry.id;
  in_flight_ids_.erase(id);
  if (id == alone_id_) alone_id_ = 0;
  extraction.info.content_sha256 = outcome.sha256;
  Status status = SettleExtraction(extraction, outcome);
  if (status.ok()) marked_.erase(id);  // Every transition clears the marker.
  return status;
}

Status Crawler::Impl::SettleExtraction(const Extraction& extraction,
                                       const ExtractOutcome& outcome) {
  const int64_t id = extraction.flight.entry.id;
  switch (outcome.kind) {
    case ExtractOutcome::Kind::kUnchanged:
      ++summary_.unchanged;
      return state_->MarkUnchanged(id, extraction.info);
    case ExtractOutcome::Kind::kRefused:
      return state_->MarkSkipped(id, outcome.reason);
    case ExtractOutcome::Kind::kFailed:
      Emit("failed", extraction.flight.current_url, outcome.reason);
      return state_->MarkFailed(id, outcome.reason, extraction.info.status);
    case ExtractOutcome::Kind::kExtracted:
      break;
  }
  const std::vector<NewUrl> outlinks = Outlinks(extraction.flight, outcome.links);
  Due(outlinks);
  if (extraction.flight.entry.kind != "page") {
    return state_->MarkHubDone(id, extraction.info, outlinks).status();
  }
  return WriteRecord(extraction, outcome, outlinks);
}

// After the loop. Waiting pages carry no marker: dropped, they stay pending
// and are fetched again by the next run. Pages on a worker finish and are
// committed, so a clean stop leaves no marker that a resume would count as a
// crash.
Status Crawler::Impl::FinishExtractions() {
  for (const ExtractTask& task : extract_waiting_) {
    auto it = extracting_.find(task.ticket);
    in_flight_ids_.erase(it->second.flight.entry.id);
    extracting_.erase(it);
  }
  extract_waiting_.clear();
  while (pool_->Pending() > 0) {
    pool_->WaitDone(100);
    Status status = CollectExtractions();
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

// On an error exit (state or output): whatever was on a worker was not what
// stopped the run, so its marker must not count as a crash on resume. Best
// effort: the store may be what failed.
void Crawler::Impl::ClearMarkers() {
  if (state_ == nullptr) return;
  for (int64_t id : marked_) (void)state_->SetProcessing(id, false);
  marked_.clear();
}

}  // namespace medscrape

#include "crawl/extraction_stage.h"

#include <algorithm>

namespace medscrape {

ExtractionStage::ExtractionStage(int threads, const Registry& registry, StateStore& state)
    : state_(state), pool_(threads, registry) {}

void ExtractionStage::Add(StagedPage page, ExtractTask task) {
  pages_.emplace(task.ticket, std::move(page));
  waiting_.push_back(std::move(task));
}

Status ExtractionStage::Dispatch() {
  while (!waiting_.empty() && pool_.HasRoom(kTasksPerWorker) && alone_id_ == 0) {
    const UrlEntry& entry = pages_.at(waiting_.front().ticket).entry;
    if (entry.crashes > 0) {
      if (pool_.Pending() > 0) break;  // Wait for the workers to empty.
      alone_id_ = entry.id;
    }
    const int64_t id = entry.id;
    Status status = state_.SetProcessing(id, true);
    if (!status.ok()) return status;
    marked_.insert(id);
    pool_.Submit(std::move(waiting_.front()));
    waiting_.pop_front();
  }
  return Status::Ok();
}

std::vector<ExtractionStage::Done> ExtractionStage::TakeDone() {
  std::vector<Done> done;
  for (ExtractOutcome& outcome : pool_.TakeDone()) {
    auto it = pages_.find(outcome.ticket);
    if (it->second.entry.id == alone_id_) alone_id_ = 0;
    done.push_back(Done{std::move(it->second), std::move(outcome)});
    pages_.erase(it);
  }
  return done;
}

std::vector<StagedPage> ExtractionStage::DropWaiting() {
  std::vector<StagedPage> dropped;
  for (const ExtractTask& task : waiting_) {
    auto it = pages_.find(task.ticket);
    dropped.push_back(std::move(it->second));
    pages_.erase(it);
  }
  waiting_.clear();
  return dropped;
}

void ExtractionStage::ClearMarkers() {
  for (int64_t id : marked_) static_cast<void>(state_.SetProcessing(id, false));
  marked_.clear();
}

int64_t ExtractionStage::Pages() const {
  return std::count_if(pages_.begin(), pages_.end(),
                       [](const auto& held) { return held.second.entry.kind == "page"; });
}

bool ExtractionStage::Defer(const UrlEntry& entry, bool last_chance, bool idle) {
  if (entry.crashes == 0) return false;
  if (last_chance && idle) {
    deferred_.erase(entry.id);
    return false;
  }
  deferred_.emplace(entry.id, entry.host);
  return true;
}

}  // namespace medscrape

// Fetched pages between their response and their commit: waiting for a worker,
// on a worker, or finished and not yet taken. The CPU part (hash, parse,
// extract, serialize: extract_task.h) runs on an ExtractPool; everything else
// stays on the engine's thread, which alone touches the state store.
//
// Crash markers (docs/reliability.md P5). A fetched page first waits with no
// marker: killed there, it is simply still pending and fetched again. Only when
// a worker has room (the page it parses and three queued: kTasksPerWorker) is it
// marked processing (StateStore::SetProcessing) and submitted, so a crash counts
// against the pages being parsed and those queued for a worker, four per worker. A page
// that crashed an earlier run (a "suspect", crashes > 0) is parsed alone, with
// nothing beside it, and is not even fetched while anything else can be (Defer):
// should it crash again, the rest of the run is done and no other page is
// marked with it. Outcomes come back in whatever order they finish; the engine
// commits each (its state transition clears the marker) and calls Settled.
//
// Thread-safety: one owner thread calls every method (the pool has its own).
#ifndef MEDSCRAPE_CRAWL_EXTRACTION_STAGE_H_
#define MEDSCRAPE_CRAWL_EXTRACTION_STAGE_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "crawl/extract_pool.h"
#include "crawl/extract_task.h"
#include "crawl/state_store.h"

namespace medscrape {

// A fetched page the stage holds: its row, the URL it came from, and what the
// response said (content_sha256 comes from the worker).
struct StagedPage {
  UrlEntry entry;
  std::string url;
  DoneInfo info;
};

class ExtractionStage {
 public:
  // `threads` workers (ThreadsFor(CrawlOptions::extract_threads)). `registry` and `state` must
  // outlive the stage.
  ExtractionStage(int threads, const Registry& registry, StateStore& state);

  // Takes a fetched page and its task (the body inside); it waits for a worker.
  void Add(StagedPage page, ExtractTask task);
  // Gives waiting pages to the workers, each marked processing first: up to
  // kTasksPerWorker each, the page being parsed and three queued, so that a worker that
  // finishes one starts the next without waiting for the loop to come round, even while
  // the loop waits on a checkpoint's fdatasync (docs/performance.md).
  Status Dispatch();
  static constexpr size_t kTasksPerWorker = 4;

  struct Done {
    StagedPage page;
    ExtractOutcome outcome;
  };
  // The pages the workers finished, in the order they finished.
  std::vector<Done> TakeDone();
  // The engine committed `id` (a transition, which cleared its marker).
  void Settled(int64_t id) { marked_.erase(id); }

  // The run ends: the waiting pages are dropped and returned (still pending in
  // the store, with no marker); those on a worker finish (WaitDone, TakeDone).
  std::vector<StagedPage> DropWaiting();
  // After a state or output error: what was on a worker did not stop the run,
  // so its marker must not count as a crash on resume. Best effort.
  void ClearMarkers();

  void WaitDone(int timeout_ms) { pool_.WaitDone(timeout_ms); }
  size_t Running() const { return pool_.Pending(); }  // On a worker or finished, not taken.
  size_t size() const { return pages_.size(); }       // Every page the stage holds.
  int64_t Pages() const;                              // Of those, kind "page" (a record each).

  // Whether to hold back the pending `entry` instead of starting it now: a
  // suspect waits until `last_chance` (nothing else is ready) and `idle`
  // (nothing is in flight). Deferred ones are remembered by id and host.
  bool Defer(const UrlEntry& entry, bool last_chance, bool idle);
  const std::map<int64_t, std::string>& deferred() const { return deferred_; }

 private:
  StateStore& state_;
  ExtractPool pool_;
  std::unordered_map<uint64_t, StagedPage> pages_;  // By task ticket.
  std::deque<ExtractTask> waiting_;                 // No worker free yet, no marker.
  std::set<int64_t> marked_;                        // Markers set and not cleared yet.
  int64_t alone_id_ = 0;                            // A suspect on a worker alone; 0 if none.
  std::map<int64_t, std::string> deferred_;         // Suspects held back: id -> host.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_EXTRACTION_STAGE_H_

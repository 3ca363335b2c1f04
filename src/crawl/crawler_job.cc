// What a run does to its job around the loop: the output files (resume this run's, cut the
// torn tail of an earlier run's, notice one rotated away), what it looks at again (healing
// failed URLs, the seeds, stale hubs and pages), and how it ends (the run's record, its
// stats and the drift alarm).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "crawl/crawler_impl.h"
#include "crawl/response_rules.h"
#include "url/canonical.h"

namespace medscrape {
namespace {

constexpr size_t kRunsRead = 1000;  // Runs looked at for drift baselines and the history.

// The size of the file at `path`, or -1 when there is none.
int64_t FileSize(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return -1;
  return static_cast<int64_t>(info.st_size);
}

// The end of the last whole line among the first `size` bytes of `path` (0 if none).
Result<int64_t> LastLineEnd(const std::string& path, int64_t size) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(path + ": " + std::strerror(errno));
  char buffer[65536];
  int64_t end = size;
  while (end > 0) {
    const int64_t start = std::max<int64_t>(0, end - static_cast<int64_t>(sizeof(buffer)));
    const ssize_t n = ::pread(fd, buffer, static_cast<size_t>(end - start), start);
    if (n <= 0) {
      const int err = errno;
      ::close(fd);
      return Status::Error(path + ": " + (n < 0 ? std::strerror(err) : "shrank while read"));
    }
    for (ssize_t i = n; i > 0; --i) {
      if (buffer[i - 1] == '\n') {
        ::close(fd);
        return start + i;
      }
    }
    end = start;
  }
  ::close(fd);
  return int64_t{0};
}

// What makes a shared job the job it is: the options every worker must agree on (scope,
// rules, politeness). Seeds are merged instead; speed and output options are each
// worker's own.
std::string JobDefinition(const CrawlOptions& options) {
  const PolitenessOptions& p = options.politeness;
  Json definition = {{"site", options.site},
                     {"follow", options.follow},
                     {"include", options.include},
                     {"exclude", options.exclude},
                     {"max_depth", options.max_depth},
                     {"max_urls_per_host", options.max_urls_per_host},
                     {"max_outlinks", options.max_outlinks},
                     {"robots_token", options.robots_token},
                     {"sitemaps", options.sitemaps},
                     {"delay_s", p.delay_s},
                     {"per_host", p.per_host},
                     {"auto_throttle", p.auto_throttle},
                     {"max_delay_s", p.max_delay_s},
                     {"breaker_failures", p.breaker_failures},
                     {"breaker_cooldown_s", p.breaker_cooldown_s},
                     {"breaker_max_opens", p.breaker_max_opens}};
  return definition.dump();
}

}  // namespace

Status Crawler::Impl::OpenState() {
  StateStoreOptions store;
  store.location = options_.state_path;
  store.fresh = options_.fresh;
  store.job = options_.job;
  store.worker = options_.worker;
  store.clock = &clock_;
  store.lease_ms = static_cast<int64_t>(options_.lease_s * 1000);
  store.per_host = std::max(1, options_.politeness.per_host);
  store.definition = JobDefinition(options_);
  Result<std::unique_ptr<StateStore>> state = OpenStateStore(store);
  if (!state.ok()) return state.status();
  state_ = std::move(state).value();
  return Status::Ok();
}

// The seeds of the JSON list `json` (the job's) that seeds_ lacks.
std::vector<std::string> Crawler::Impl::UnknownSeeds(const std::string& json) const {
  std::set<std::string> known(seeds_.begin(), seeds_.end());
  std::vector<std::string> added;
  const Json list = Json::parse(json, nullptr, false);
  for (const Json& seed : list.is_array() ? list : Json::array()) {
    if (seed.is_string() && known.insert(seed.get<std::string>()).second) {
      added.push_back(seed.get<std::string>());
    }
  }
  return added;
}

// The job keeps every seed any worker brought; a worker may bring none.
Status Crawler::Impl::MergeSeeds() {
  Result<std::string> merged = state_->MergeJobList("seeds", Json(seeds_).dump());
  if (!merged.ok()) return merged.status();
  for (std::string& seed : UnknownSeeds(merged.value())) seeds_.push_back(std::move(seed));
  if (seeds_.empty()) {
    return Status::Error("job " + options_.job +
                         " has no seeds yet: give the first worker SEED URLs");
  }
  return Status::Ok();
}

// Seeds that workers started after this one brought: their hosts join this worker's scope
// (looked at every kSeedRecheckMs), so every worker crawls every host of the job.
Status Crawler::Impl::LearnSeeds() {
  if (!state_->shared() || clock_.NowMs() < next_seed_check_ms_) return Status::Ok();
  next_seed_check_ms_ = clock_.NowMs() + kSeedRecheckMs;
  Result<std::optional<std::string>> stored = state_->GetJobValue("seeds");
  if (!stored.ok()) return stored.status();
  std::vector<NewUrl> added;
  std::set<std::string> new_hosts;
  for (const std::string& url : UnknownSeeds(stored.value().value_or("[]"))) {
    seeds_.push_back(url);
    links_->AddSeed(url);
    if (!InScope(HostPortOf(url))) new_hosts.insert(HostPortOf(url));
    added.push_back(Seed(url));
  }
  Due(added);
  // The worker that brought them may have died before it made their rows.
  Status status = state_->AddUrls(added).status();
  for (auto it = new_hosts.begin(); status.ok() && it != new_hosts.end(); ++it) {
    status = Polite(*it, nullptr);
  }
  return status;
}

// A shared job's frontier looks empty: a last look for seeds another worker stored (it may
// have died before it made their rows). True when there were some.
Result<bool> Crawler::Impl::LastLookForSeeds() {
  if (!state_->shared()) return false;
  const size_t seeds = seeds_.size();
  next_seed_check_ms_ = 0;
  Status learned = LearnSeeds();
  if (!learned.ok()) return learned;
  return seeds_.size() > seeds;
}

// A snapshot for an observer that wants one, at most every 0.5 s. Counting reads one covering
// index (about 0.1 s at a million URLs), so the next one waits at least 50 times what the last
// count took.
void Crawler::Impl::Progress(bool final_line) {
  if (observer_ == nullptr || !observer_->WantsProgress()) return;
  const int64_t now = clock_.NowMs();
  if (!final_line && now - last_progress_ms_ < 500) return;
  Result<StateStore::Counts> counts = state_->CountStates();
  const int64_t counted = clock_.NowMs();
  last_progress_ms_ = counted + 49 * std::max<int64_t>(0, counted - now);
  if (!counts.ok()) return;  // Run() reports state errors.
  CrawlProgress progress;
  progress.done = counts.value().done;
  progress.pending = counts.value().pending;
  progress.failed = counts.value().failed;
  progress.records = summary_.records;
  progress.fetched = summary_.fetched;
  progress.hosts = hosts_.size();
  progress.seconds = (now - started_ms_) / 1000.0;
  progress.final = final_line;
  observer_->OnProgress(progress);
}

Status Crawler::Impl::Polite(const std::string& host, const std::function<void()>& change) {
  if (!state_->shared()) {
    if (change) change();
    return Status::Ok();
  }
  const HostScheduler::HostState before = scheduler_.Save(host);
  bool changed = false;
  Status status = state_->UpdateHost(host, [&](SharedHostState& row) {
    scheduler_.Restore(host, before);
    scheduler_.Adopt(host, row);
    if (change) change();
    changed = true;
    row = scheduler_.Shared(host);
  });
  if (!changed && change) change();  // The store failed first; this worker still counts it.
  return status;
}

// Earlier runs' files first: one longer than its committed offset lost its run mid-write
// (kill -9), so its tail, whose URLs are still pending, goes. One moved, compressed or
// deleted since is not the job's business. Then this run's file: one shorter than its
// committed offset was rotated or truncated (logrotate): new records follow its last
// whole line.
Status Crawler::Impl::OpenOutput() {
  Result<std::vector<OutputFile>> files = state_->Outputs();
  if (!files.ok()) return files.status();
  for (const OutputFile& file : files.value()) {
    if (file.path == options_.out_path || FileSize(file.path) <= file.offset) continue;
    std::unique_ptr<JsonLinesWriter> earlier = JsonLinesWriter::ResumeAt(file.path, file.offset);
    Status cut = earlier->status().ok() ? earlier->Close() : earlier->status();
    Emit("warning", file.path,
         cut.ok() ? "cut back to its last committed record (" + std::to_string(file.offset) +
                        " bytes): the tail of an interrupted run"
                  : "could not cut the tail of an interrupted run: " + cut.message());
  }
  Result<int64_t> offset = state_->UseOutput(options_.out_path);
  if (!offset.ok()) return offset.status();
  int64_t resume_at = offset.value();
  const int64_t size = FileSize(options_.out_path);
  if (resume_at > 0 && size < resume_at) {
    Result<int64_t> end = size < 0 ? int64_t{0} : LastLineEnd(options_.out_path, size);
    if (!end.ok()) return end.status();
    resume_at = end.value();
    Emit("warning", options_.out_path,
         (size < 0 ? std::string("gone") : "holds " + std::to_string(size) + " bytes") +
             " but the job committed " + std::to_string(offset.value()) +
             " (rotated or truncated?): new records follow its last whole line");
    Status rewound = state_->RewindOutput(resume_at);
    if (!rewound.ok()) return rewound;
  }
  writer_ = JsonLinesWriter::ResumeAt(options_.out_path, resume_at);
  return writer_->status();
}

// Healing first (failed URLs whose reason was transient, after a pause, a bounded number
// of runs; or every failed URL with --retry-failed), then discovery: the seeds every run,
// other hubs when stale, pages (and hubs) only with --recrawl-after.
Status Crawler::Impl::Refresh(const std::set<std::string>& hosts) {
  const int64_t now = clock_.UnixMs();
  HealFilter heal;
  if (options_.retry_failed) {
    heal.failed_before_ms = INT64_MAX;
  } else {
    heal.reasons = TransientFailureReasons();
    heal.failed_before_ms = now - static_cast<int64_t>(options_.retry_failed_after_s * 1000);
    heal.max_heals = std::max(0, options_.max_attempts - 1);  // The first run was one.
  }
  Result<int> healed = state_->RequeueFailed(heal, hosts);
  if (!healed.ok()) return healed.status();
  summary_.healed = healed.value();
  Result<int> refreshed = state_->RequeueDone(seeds_);
  if (!refreshed.ok()) return refreshed.status();
  summary_.refreshed = refreshed.value();
  struct Stale {
    double after_s;
    const char* kind;
  };
  for (const Stale stale :
       {Stale{options_.refresh_hubs_s, "hub"}, Stale{options_.recrawl_after_s, ""}}) {
    if (stale.after_s < 0) continue;
    const int64_t older_than = now - static_cast<int64_t>(stale.after_s * 1000);
    Result<int> requeued = state_->RequeueStale(older_than, hosts, stale.kind);
    if (!requeued.ok()) return requeued.status();
    summary_.refreshed += requeued.value();
  }
  return Status::Ok();
}

// The job's states, this run's stats with its drift against earlier runs, the run's record.
Status Crawler::Impl::FinishRun() {
  Result<StateStore::Counts> counts = state_->CountStates();
  if (!counts.ok()) return counts.status();
  summary_.pending = counts.value().pending;
  summary_.done = counts.value().done;
  summary_.failed = counts.value().failed;
  summary_.skipped = counts.value().skipped;
  summary_.by_reason = counts.value().by_reason;
  summary_.dropped_links = links_->dropped();
  const int64_t ended = clock_.UnixMs();
  summary_.seconds = (clock_.NowMs() - started_ms_) / 1000.0;
  Result<std::vector<RunRecord>> runs = state_->Runs(kRunsRead);
  if (!runs.ok()) return runs.status();
  std::vector<RunRecord> history;
  for (RunRecord& run : runs.value()) {
    if (run.id != summary_.run_id) history.push_back(std::move(run));
  }
  if (options_.drift_check) {
    const DriftOptions drift{options_.drift_threshold, options_.drift_min_records};
    summary_.drift = FindRunDrift(stats_.Sites(), history, drift);
  }
  Result<std::vector<OutputFile>> outputs = state_->Outputs();
  if (!outputs.ok()) return outputs.status();
  summary_.stats =
      stats_.Build(summary_, started_unix_ms_, ended, counts.value(), outputs.value(), history);
  Status status = writer_ != nullptr ? writer_->Close() : Status::Ok();
  if (status.ok()) status = FinishArchive();
  if (status.ok()) {
    status = state_->EndRun(summary_.run_id, ended, summary_.finish_reason,
                            summary_.stats.dump(-1, ' ', false, Json::error_handler_t::replace));
  }
  if (status.ok()) status = CrawlStats::Write(options_.stats_path, summary_.stats);
  return status;
}

}  // namespace medscrape

// The crawl state store: the frontier and the outcome of every URL of a crawl job, kept so a
// crawl survives SIGKILL and resumes where it stopped (docs/reliability.md P1-P5). Every URL
// ends in exactly one recorded state: pending, done, failed:<reason> or skipped:<reason>.
//
// This is the contract every backend keeps; nothing in it assumes SQLite, and the engine
// sees only this interface (OpenStateStore picks the backend): SqliteStateStore
// (sqlite_state_store.h), one process per job, and PgStateStore (pg_state_store.h), many
// workers on many machines sharing one job ("Shared stores" below).
//
// Durability. A call that returns OK has committed: a crash of the process right after it
// loses nothing the call reported done.
//
// Exactly-once output. The caller appends a record line to the output file, then calls
// MarkDone with the file's new end offset; MarkDone commits the URL's done state,
// the output file's offset and the page's outlinks atomically (all or none), so after a
// crash either the record and its links are committed or neither is. On resume the caller
// truncates the output to OutputOffset(): a line written after the last commit (torn or
// whole) disappears and its URL is still pending, so it is fetched and written again
// exactly once. Offsets are kept per output file (UseOutput), so each run may write a file
// of its own and every one of them stays exactly-once.
//
// Crash markers (leases). SetProcessing(id, true) marks a URL whose page is being parsed
// and commits at once. Opening a job recovers from a crash: every URL still marked gets
// crashes+1 and its mark cleared, and one reaching kMaxCrashes becomes failed:crashed, so a
// page that crashed the process twice cannot crash-loop a resume (P5).
//
// Per-host state. The frontier is kept per host: NextPending and HostDueTime answer for one
// host at a cost independent of the other hosts' frontiers and of the frontier's size.
//
// State transitions (MarkDone, MarkHubDone, MarkUnchanged, MarkFailed, MarkSkipped,
// ScheduleRetry, Postpone, SetProcessing) apply only to a pending URL; on any other they
// fail naming its state, so no URL is recorded twice. Each clears the crash marker.
//
// Shared stores (shared() true). Several workers crawl one job. NextPending *claims*: the
// URLs it returns are leased to this worker (and the host's politeness slot taken, across
// all workers) until settled; the caller calls Starting(id) right before fetching one and
// fetches it only if that returns true (a claim left unstarted lapses and is given back).
// Maintain() renews the leases, beats the worker's heart and returns the URLs of workers
// whose leases expired; call it often (it is cheap between its own intervals). A transition
// of a URL whose lease was lost (the worker was too slow, frozen or cut off from the store)
// changes nothing and is not an error: the URL is someone else's now. Record lines go into
// the store with the URL's done state (DoneInfo::record); the job has no output file. The
// host's politeness (AutoThrottle, breaker, pauses) is one row for all workers: UpdateHost
// changes it under the row's lock; a claim takes only what the row allows (its slot, its
// pause, a closed breaker or one half-open probe) and ClaimedHost hands the row over.
//
// Thread-safety: none. One crawl engine thread owns a StateStore. One process owns a
// SQLite job: opening one takes an exclusive lock for the store's lifetime, and a second
// open fails with "job is locked by another run (pid N)". A shared job allows one process
// per worker name.
#ifndef MEDSCRAPE_CRAWL_STATE_STORE_H_
#define MEDSCRAPE_CRAWL_STATE_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "crawl/clock.h"
#include "crawl/politeness.h"

namespace medscrape {

// One URL of the job. Absent text columns read as "", absent numbers as 0.
struct UrlEntry {
  int64_t id = 0;
  std::string url, host, kind;
  int depth = 0;
  int attempts = 0;
  std::string etag, last_modified, content_sha256;
  int64_t fetched_at_ms = 0;
  int last_status = 0;
  // Also read, for diagnostics and tests.
  std::string state;   // pending, done, failed or skipped.
  std::string reason;  // Why failed/skipped; on a pending URL, why its last attempt is retried.
  int crashes = 0;
  int64_t not_before_ms = 0;
  // Extracted fields' hash (FieldsSha256) of the last record: an equal one is no change.
  std::string fields_sha256;
  int heals = 0;  // Times a later run gave this failed URL another chance (RequeueFailed).
  // The last whole response archived (WARC): its payload digest and WARC-Date (UNIX ms).
  std::string payload_digest;
  int64_t archived_at_ms = 0;
};

struct NewUrl {
  std::string url;  // Canonical; a URL already known is ignored.
  std::string host;
  std::string kind;  // "page" (emits a record) or "hub" (list page: links only).
  int depth = 0;
  int64_t parent_id = 0;  // 0 for a seed.
};

// What a successful fetch leaves behind for conditional requests and change detection.
struct DoneInfo {
  int status = 0;
  std::string etag, last_modified, content_sha256;
  int64_t fetched_at_ms = 0;
  std::string fields_sha256;  // Pages with a record; "" for hubs (and keeps the stored one).
  // A response archived whole (WARC) by this fetch: its payload digest and date; ""/0 keep
  // the stored ones (no archive, or a revisit record).
  std::string payload_digest;
  int64_t archived_at_ms = 0;
  // MarkDone of a shared store: the page's record line (without its newline).
  std::string_view record;
};

// Which failed URLs RequeueFailed gives another chance.
struct HealFilter {
  // GLOB patterns over the failure reason ("connect", "http_5[0-9][0-9]"); empty: any reason.
  std::vector<std::string> reasons;
  int64_t failed_before_ms = 0;  // Failed before this (UNIX ms).
  int max_heals = -1;            // Only URLs requeued fewer times than this; < 0: no cap.
};

// A shared job's robots.txt of one host (StateStore::ShareRobots).
struct SharedRobots {
  enum class Kind {
    kFetch,  // This worker holds the host's robots lease (or the store is not shared).
    kWait,   // Another worker is fetching it.
    kKnown,  // Stored by a worker less than a day ago: `status` and `body`.
  } kind = Kind::kFetch;
  int status = 0;  // The final response's status; kGaveUp: the host was given up on.
  std::string body;
  static constexpr int kGaveUp = 0;
};

// One output file of the job and the end of its last committed record.
struct OutputFile {
  std::string path;
  int64_t offset = 0;
};

// One run of the job, as EndRun recorded it (ended_at_ms 0 and finish_reason "" while it
// runs, or when it died).
struct RunRecord {
  int64_t id = 0;
  int64_t started_at_ms = 0, ended_at_ms = 0;
  std::string finish_reason;
  std::string stats;  // The run's stats, JSON text ("" until it ended).
};

class StateStore {
 public:
  static constexpr int kMaxCrashes = 2;  // A URL that crashed the process this often fails.

  virtual ~StateStore() = default;  // Releases the job's lock.
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Inserts the new URLs as pending, atomically (a URL already known keeps its row).
  // Returns how many were new. Fails, inserting nothing, on a kind other than "page" or
  // "hub".
  virtual Result<int> AddUrls(const std::vector<NewUrl>& urls) = 0;

  // Pending URLs of `host` with not_before_ms <= now_ms, lowest depth then id first, at most
  // `limit`. They stay pending until marked, so the caller must not dispatch an id twice.
  // Cost: independent of how many URLs other hosts, or this host's due URLs beyond `limit`,
  // have pending.
  virtual Result<std::vector<UrlEntry>> NextPending(const std::string& host, int64_t now_ms,
                                                    size_t limit) = 0;
  // The earliest not_before_ms after `after_ms` among pending URLs (to sleep until
  // then); nullopt if none. INT64_MIN looks at every pending URL (is any left?).
  virtual Result<std::optional<int64_t>> EarliestPendingTime(int64_t after_ms) = 0;
  Result<std::optional<int64_t>> EarliestPendingTime() { return EarliestPendingTime(INT64_MIN); }
  // The earliest not_before_ms among `host`'s pending URLs; nullopt if none.
  virtual Result<std::optional<int64_t>> HostDueTime(const std::string& host) = 0;
  // Pending URLs of hosts outside `hosts` become skipped:out_of_scope (a job run again with
  // other seeds). Returns how many.
  virtual Result<int> SkipPendingOutside(const std::set<std::string>& hosts) = 0;

  // The crash marker around parse+extract, committed immediately.
  virtual Status SetProcessing(int64_t id, bool processing) = 0;

  // Page done: state, DoneInfo, the output offset and the outlinks (as AddUrls) in one
  // atomic commit; see "Exactly-once output" above. `output_offset` may not be behind the
  // committed one (that would mean a record was written twice). Returns new outlinks.
  virtual Result<int> MarkDone(int64_t id, const DoneInfo& info, int64_t output_offset,
                               const std::vector<NewUrl>& outlinks) = 0;
  // Hub/list page done: no record, so the output offset is unchanged.
  virtual Result<int> MarkHubDone(int64_t id, const DoneInfo& info,
                                  const std::vector<NewUrl>& outlinks) = 0;
  // Recrawl found no change (304, or the same content_sha256): done, no record. Empty
  // etag/last_modified/content_sha256 in `info` keep the stored ones (a 304 may omit them).
  virtual Status MarkUnchanged(int64_t id, const DoneInfo& info) = 0;
  // Failure, e.g. "http_404", "timeout", "too_large", at `failed_at_ms` (UNIX ms): final
  // for this run; a later one may give it another chance (RequeueFailed).
  virtual Status MarkFailed(int64_t id, const std::string& reason, int last_status,
                            int64_t failed_at_ms) = 0;
  // Not fetched or not parsed on purpose, e.g. "robots", "binary", "out_of_scope".
  virtual Status MarkSkipped(int64_t id, const std::string& reason) = 0;
  // Retryable failure: stays pending with the caller's attempt count, not before
  // `not_before_ms`; `reason` is kept for diagnostics.
  virtual Status ScheduleRetry(int64_t id, int attempts, int64_t not_before_ms,
                               const std::string& reason) = 0;
  // 429/503 with Retry-After: stays pending until `not_before_ms`, attempts unchanged.
  virtual Status Postpone(int64_t id, int64_t not_before_ms) = 0;

  // Makes `path` the output file MarkDone commits offsets for, and returns its committed
  // offset (0 for a file the job never wrote). A job made before offsets were kept per
  // file has one offset for its one file: the first path used takes it over.
  virtual Result<int64_t> UseOutput(const std::string& path) = 0;
  // The current output file was rotated or cut behind the job's back: its committed offset
  // becomes `offset` (the end of its last whole line now), however far back that is.
  virtual Status RewindOutput(int64_t offset) = 0;
  // End of the last committed record in the current output file; 0 before the first.
  virtual Result<int64_t> OutputOffset() = 0;
  // Every output file the job committed records to, in the order first used.
  virtual Result<std::vector<OutputFile>> Outputs() = 0;

  // Archive (WARC) files, exactly once like the output: the caller appends records, then
  // StageArchive(path, new end); the next URL transition (or CommitArchives) commits every
  // staged end in its own transaction, so a record written just before a URL's transition
  // is committed with it. On resume the caller cuts each file back to its committed end.
  // UseArchive registers `path` (its committed end `size_if_new` when the job never used
  // it: what the file already holds is kept) and returns its committed end.
  virtual Result<int64_t> UseArchive(const std::string& path, int64_t size_if_new) = 0;
  virtual void StageArchive(const std::string& path, int64_t offset) = 0;
  virtual Status CommitArchives() = 0;
  // Every archive file of the job with its committed end, in the order first used.
  virtual Result<std::vector<OutputFile>> Archives() = 0;

  // Recrawl: done URLs of `hosts` fetched before `older_than_ms` (of `kind`, "page" or
  // "hub"; "" both) go back to pending with a fresh retry budget; etag, last_modified,
  // content_sha256 and fields_sha256 stay for conditional requests and change detection.
  // Returns how many.
  virtual Result<int> RequeueStale(int64_t older_than_ms, const std::set<std::string>& hosts,
                                   const std::string& kind = "") = 0;
  // The same for the done URLs among `urls` (canonical), whatever their age: the seeds.
  virtual Result<int> RequeueDone(const std::vector<std::string>& urls) = 0;
  // Healing: failed URLs of `hosts` that `filter` selects go back to pending with a fresh
  // retry budget, their reason kept (why the last attempt failed) and heals + 1.
  virtual Result<int> RequeueFailed(const HealFilter& filter,
                                    const std::set<std::string>& hosts) = 0;

  // The job's runs: BeginRun returns the new run's id; EndRun records how it ended and its
  // stats; Runs lists the last `limit`, newest first.
  virtual Result<int64_t> BeginRun(int64_t started_at_ms) = 0;
  virtual Status EndRun(int64_t run_id, int64_t ended_at_ms, const std::string& finish_reason,
                        const std::string& stats) = 0;
  virtual Result<std::vector<RunRecord>> Runs(size_t limit) = 0;

  // Fails, naming the id, when there is no such URL.
  virtual Result<UrlEntry> Get(int64_t id) = 0;
  // The row of a canonical URL, nullopt if the job does not know it.
  virtual Result<std::optional<UrlEntry>> Find(const std::string& url) = 0;

  struct Counts {
    int64_t pending = 0, done = 0, failed = 0, skipped = 0;
    std::map<std::string, int64_t> by_reason;  // "failed:http_404", "skipped:robots", ...
    std::map<std::string, std::map<std::string, int64_t>> by_host_state;  // host -> state -> n
  };
  virtual Result<Counts> CountStates() = 0;

  // Job settings (key/value text) kept with the job.
  virtual Status SetJobValue(const std::string& key, const std::string& value) = 0;
  virtual Result<std::optional<std::string>> GetJobValue(const std::string& key) = 0;

  // The JSON array of strings at `key` with those of `json_array` it lacks appended, in
  // order, stored and returned (the job's seeds: a shared store merges atomically, so two
  // workers joining at once both keep theirs). Fails on a value that is no such array.
  virtual Result<std::string> MergeJobList(const std::string& key, const std::string& json_array);

  // Shared stores (see above); a one-process store keeps the defaults.
  virtual bool shared() const { return false; }
  virtual bool Starting(int64_t /*id*/) { return true; }
  virtual Status Maintain() { return Status::Ok(); }
  // The host's politeness as all workers see it (its row): read under the row's lock,
  // changed by `change`, written back, in one transaction. `change` may run more than once
  // (a retried transaction), each time on the row as read. A one-process store has no row:
  // nothing is called.
  virtual Status UpdateHost(const std::string& /*host*/,
                            const std::function<void(SharedHostState&)>& /*change*/) {
    return Status::Ok();
  }
  // The host's row as this worker's last successful claim of it (NextPending) read it, once;
  // nullopt if none since the last call.
  virtual std::optional<SharedHostState> ClaimedHost(const std::string& /*host*/) {
    return std::nullopt;
  }
  // How many redirects led to URL `id` through the frontier (its parent, if skipped as
  // redirected, its parent's, ...), counting at most `limit`: a shared job's redirect chain
  // is bounded like one process's. A one-process store follows redirects in flight: 0.
  virtual Result<int> RedirectHops(int64_t /*id*/, int /*limit*/) { return 0; }
  // robots.txt of `host` once for all workers: what this worker should do (fetch it under
  // the host's robots lease, wait for the worker that holds it, or use the stored answer).
  virtual Result<SharedRobots> ShareRobots(const std::string& /*host*/) { return SharedRobots{}; }
  // The answer of this worker's robots.txt fetch (SharedRobots::status and body), or
  // kNoAnswer: no answer yet (the lease is given back; the next claim tries again).
  static constexpr int kNoAnswer = -1;
  virtual Status PublishRobots(const std::string& /*host*/, int /*status*/,
                               const std::string& /*body*/) {
    return Status::Ok();
  }

 protected:
  StateStore() = default;
};

struct StateStoreOptions {
  // A SQLite file (SqliteStateStore::Open), or postgresql://USER@HOST[:PORT]/DB (a shared
  // store, PgStateStore::Open).
  std::string location;
  bool fresh = false;  // Delete an existing job first.
  // Shared stores only: the job's name (one database holds many jobs), this worker's
  // name (unique among the job's running workers), the engine's clock (its times are
  // turned into the server's), how long a claim stays leased without renewal, how many
  // URLs of one host all workers may have leased at once, and the options that define
  // the job (JSON text; a worker joining with other ones is refused, naming them).
  std::string job;
  std::string worker;
  const Clock* clock = nullptr;
  int64_t lease_ms = 30000;
  int per_host = 1;
  std::string definition;
};

// Opens or creates the job `options` names.
Result<std::unique_ptr<StateStore>> OpenStateStore(const StateStoreOptions& options);
// The same for a location alone (a SQLite file, or a shared store's defaults).
inline Result<std::unique_ptr<StateStore>> OpenStateStore(const std::string& location, bool fresh) {
  StateStoreOptions options;
  options.location = location;
  options.fresh = fresh;
  return OpenStateStore(options);
}

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_STATE_STORE_H_

// The crawl state store: the frontier and the outcome of every URL of a crawl job, kept in
// one SQLite file so a crawl survives SIGKILL and resumes where it stopped (docs/reliability.md
// P1-P5). Every URL ends in exactly one recorded state: pending, done, failed:<reason> or
// skipped:<reason>.
//
// Storage contract. WAL mode with synchronous=NORMAL (a commit survives a process crash;
// a power cut may lose the last commits, never consistency), busy_timeout 5000 ms,
// writers take the lock up front (BEGIN IMMEDIATE), and no read outlives the call that
// made it, so the WAL can always be checkpointed. The schema is versioned with
// PRAGMA user_version:
//   urls(id INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL (canonical), host TEXT NOT NULL,
//        depth, parent_id, state (pending|done|failed|skipped), reason, attempts,
//        not_before_ms (earliest next attempt), last_status, etag, last_modified,
//        content_sha256, fetched_at_ms, processing (1 while the page is parsed), crashes,
//        kind ('page' or 'hub'))
//   job(key TEXT PRIMARY KEY, value TEXT): job settings and "output_offset".
// Indexes: urls(state, not_before_ms), urls(host, state, reason), and partial ones for each
// host's frontier order and next due time and for crash recovery (state_store.cc says why).
// Version 1 jobs are upgraded in place.
// Memory stays flat however large the frontier is: everything lives in the file, the page
// cache is capped at kCacheKiB, and no call loads more than `limit` rows or one row per
// (host, state, reason) group.
//
// Exactly-once output. The caller appends a record line to the output file, then calls
// MarkDone with the file's new end offset; MarkDone commits the URL's done state,
// job.output_offset and the page's outlinks in ONE transaction, so after a crash either
// the record and its links are committed or neither is. On resume the caller truncates the
// output to OutputOffset(): a line written after the last commit (torn or whole)
// disappears and its URL is still pending, so it is fetched and written again exactly once.
//
// State transitions (MarkDone, MarkHubDone, MarkUnchanged, MarkFailed, MarkSkipped,
// ScheduleRetry, Postpone, SetProcessing) apply only to a pending URL; on any other they
// fail naming its state, so no URL is recorded twice. Each clears the processing marker.
//
// Thread-safety: none. One crawl engine thread owns a StateStore. One process owns a job:
// Open takes an exclusive advisory lock for the StateStore's lifetime.
#ifndef MEDSCRAPE_CRAWL_STATE_STORE_H_
#define MEDSCRAPE_CRAWL_STATE_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "crawl/sqlite_db.h"

namespace medscrape {

// One row of `urls`. Absent text columns read as "", absent numbers as 0.
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
};

class StateStore {
 public:
  static constexpr int kSchemaVersion = 2;
  static constexpr int kBusyTimeoutMs = 5000;
  static constexpr int kCacheKiB = 8192;  // SQLite page cache per store.
  static constexpr int kMaxCrashes = 2;   // A URL that crashed the process this often fails.

  // Opens or creates the job at `path`; `fresh` deletes an existing job first (the db, -wal
  // and -shm files). Takes an exclusive non-blocking flock on "<path>.lock" (holding our
  // pid) before touching anything, so a second run of the same job fails fast with
  // "job is locked by another run (pid N)". Recovers after a crash: every URL still marked
  // processing gets crashes+1 and processing=0, and one reaching kMaxCrashes becomes
  // failed:crashed, so a page that crashed the process twice cannot crash-loop a resume (P5).
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path, bool fresh);
  ~StateStore();  // Closes the database, then releases the lock.
  StateStore(const StateStore&) = delete;
  StateStore& operator=(const StateStore&) = delete;

  // Inserts the new URLs as pending in one transaction (INSERT OR IGNORE: known URLs keep
  // their row). Returns how many were new. Fails, inserting nothing, on a kind other than
  // "page" or "hub".
  Result<int> AddUrls(const std::vector<NewUrl>& urls);

  // Pending URLs of `host` with not_before_ms <= now_ms, lowest depth then id first, at most
  // `limit`. They stay pending until marked, so the caller must not dispatch an id twice.
  // Cost: an index seek to the host, then a walk in (depth, id) order that skips only that
  // host's URLs not yet due: independent of how many URLs other hosts, or this host's due
  // URLs beyond `limit`, have pending.
  Result<std::vector<UrlEntry>> NextPending(const std::string& host, int64_t now_ms, size_t limit);
  // The earliest not_before_ms after `after_ms` among pending URLs (to sleep until
  // then); nullopt if none. The default looks at every pending URL (is any left?).
  Result<std::optional<int64_t>> EarliestPendingTime(int64_t after_ms = INT64_MIN);
  // The earliest not_before_ms among `host`'s pending URLs (an index seek); nullopt if none.
  Result<std::optional<int64_t>> HostDueTime(const std::string& host);
  // Pending URLs of hosts outside `hosts` become skipped:out_of_scope (a job run again with
  // other seeds). Returns how many.
  Result<int> SkipPendingOutside(const std::set<std::string>& hosts);

  // The crash marker around parse+extract, committed immediately.
  Status SetProcessing(int64_t id, bool processing);

  // Page done: state, DoneInfo, job.output_offset and the outlinks (as AddUrls) in one
  // transaction; see "Exactly-once output" above. `output_offset` may not be behind the
  // committed one (that would mean a record was written twice). Returns new outlinks.
  Result<int> MarkDone(int64_t id, const DoneInfo& info, int64_t output_offset,
                       const std::vector<NewUrl>& outlinks);
  // Hub/list page done: no record, so the output offset is unchanged.
  Result<int> MarkHubDone(int64_t id, const DoneInfo& info, const std::vector<NewUrl>& outlinks);
  // Recrawl found no change (304, or the same content_sha256): done, no record. Empty
  // etag/last_modified/content_sha256 in `info` keep the stored ones (a 304 may omit them).
  Status MarkUnchanged(int64_t id, const DoneInfo& info);
  // Permanent failure, e.g. "http_404", "timeout", "too_large".
  Status MarkFailed(int64_t id, const std::string& reason, int last_status);
  // Not fetched or not parsed on purpose, e.g. "robots", "binary", "out_of_scope".
  Status MarkSkipped(int64_t id, const std::string& reason);
  // Retryable failure: stays pending with the caller's attempt count, not before
  // `not_before_ms`; `reason` is kept for diagnostics.
  Status ScheduleRetry(int64_t id, int attempts, int64_t not_before_ms, const std::string& reason);
  // 429/503 with Retry-After: stays pending until `not_before_ms`, attempts unchanged.
  Status Postpone(int64_t id, int64_t not_before_ms);

  // End of the last committed record in the output file; 0 before the first.
  Result<int64_t> OutputOffset();

  // Recrawl: done URLs (pages and hubs) of `hosts` fetched before `older_than_ms` go back to pending
  // with a fresh retry budget; etag, last_modified and content_sha256 stay for conditional
  // requests and change detection. Returns how many.
  Result<int> RequeueStale(int64_t older_than_ms, const std::set<std::string>& hosts);

  // Fails, naming the id, when there is no such URL.
  Result<UrlEntry> Get(int64_t id);
  // The row of a canonical URL, nullopt if the job does not know it.
  Result<std::optional<UrlEntry>> Find(const std::string& url);

  struct Counts {
    int64_t pending = 0, done = 0, failed = 0, skipped = 0;
    std::map<std::string, int64_t> by_reason;  // "failed:http_404", "skipped:robots", ...
    std::map<std::string, std::map<std::string, int64_t>> by_host_state;  // host -> state -> n
  };
  Result<Counts> CountStates();

  Status SetJobValue(const std::string& key, const std::string& value);
  Result<std::optional<std::string>> GetJobValue(const std::string& key);

 private:
  StateStore(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  Status Configure();
  Status MigrateSchema();
  Status RecoverCrashes();
  Result<int> InsertUrls(const std::vector<NewUrl>& urls);
  Result<int> CommitDone(int64_t id, const DoneInfo& info, std::optional<int64_t> output_offset,
                         const std::vector<NewUrl>& outlinks);
  Status StoreOutputOffset(int64_t output_offset);
  Status UpdateDone(const char* sql, int64_t id, const DoneInfo& info);
  // Runs an UPDATE of one pending URL (?1 = id) and fails if it changed no row.
  Status RunTransition(Query& update, int64_t id);

  std::string path_;
  int lock_fd_;  // Holds the flock; closed after db_.
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_STATE_STORE_H_

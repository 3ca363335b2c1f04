// The SQLite backend of the crawl state store (state_store.h has the contract): the frontier
// and the outcome of every URL of a crawl job in one SQLite file.
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
//        kind ('page' or 'hub'), failed_at_ms, heals, fields_sha256, payload_digest,
//        archived_at_ms)
//   job(key TEXT PRIMARY KEY, value TEXT): job settings ("output_offset" in version 2 jobs).
//   outputs(id INTEGER PRIMARY KEY, path TEXT UNIQUE, offset INT): committed end per file.
//   runs(id INTEGER PRIMARY KEY, started_at_ms, ended_at_ms, finish_reason, stats TEXT).
//   archives(id INTEGER PRIMARY KEY, path TEXT UNIQUE, offset INT): WARC files' ends.
// Indexes: urls(state, not_before_ms), urls(host, state, reason), and partial ones for each
// host's frontier order and next due time and for crash recovery (sqlite_state_store.cc says
// why). Version 1, 2 and 3 jobs are upgraded in place.
// Memory stays flat however large the frontier is: everything lives in the file, the page
// cache is capped at kCacheKiB, and no call loads more than `limit` rows or one row per
// (host, state, reason) group.
//
// Exactly-once: MarkDone's state, outlinks and job.output_offset are one transaction.
// Transitions are UPDATEs matching `state = 'pending'`, so a second one changes no row and
// fails naming the URL's state.
#ifndef MEDSCRAPE_CRAWL_SQLITE_STATE_STORE_H_
#define MEDSCRAPE_CRAWL_SQLITE_STATE_STORE_H_

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
#include "crawl/state_store.h"

namespace medscrape {

class SqliteStateStore final : public StateStore {
 public:
  static constexpr int kSchemaVersion = 4;
  static constexpr int kBusyTimeoutMs = 5000;
  static constexpr int kCacheKiB = 8192;  // SQLite page cache per store.

  // Opens or creates the job at `path`; `fresh` deletes an existing job first (the db, -wal
  // and -shm files). Takes an exclusive non-blocking flock on "<path>.lock" (holding our
  // pid) before touching anything, so a second run of the same job fails fast with
  // "job is locked by another run (pid N)". Then recovers after a crash (see RecoverCrashes
  // in the StateStore contract).
  static Result<std::unique_ptr<StateStore>> Open(const std::string& path, bool fresh);
  ~SqliteStateStore() override;  // Closes the database, then releases the lock.

  Result<int> AddUrls(const std::vector<NewUrl>& urls) override;
  Result<std::vector<UrlEntry>> NextPending(const std::string& host, int64_t now_ms,
                                            size_t limit) override;
  using StateStore::EarliestPendingTime;
  Result<std::optional<int64_t>> EarliestPendingTime(int64_t after_ms) override;
  Result<std::optional<int64_t>> HostDueTime(const std::string& host) override;
  Result<int> SkipPendingOutside(const std::set<std::string>& hosts) override;
  Status SetProcessing(int64_t id, bool processing) override;
  Result<int> MarkDone(int64_t id, const DoneInfo& info, int64_t output_offset,
                       const std::vector<NewUrl>& outlinks) override;
  Result<int> MarkHubDone(int64_t id, const DoneInfo& info,
                          const std::vector<NewUrl>& outlinks) override;
  Status MarkUnchanged(int64_t id, const DoneInfo& info) override;
  Status MarkFailed(int64_t id, const std::string& reason, int last_status,
                    int64_t failed_at_ms) override;
  Status MarkSkipped(int64_t id, const std::string& reason) override;
  Status ScheduleRetry(int64_t id, int attempts, int64_t not_before_ms,
                       const std::string& reason) override;
  Status Postpone(int64_t id, int64_t not_before_ms) override;
  Result<int64_t> UseOutput(const std::string& path) override;
  Status RewindOutput(int64_t offset) override;
  Result<int64_t> OutputOffset() override;
  Result<std::vector<OutputFile>> Outputs() override;
  Result<int64_t> UseArchive(const std::string& path, int64_t size_if_new) override;
  void StageArchive(const std::string& path, int64_t offset) override;
  Status CommitArchives() override;
  Result<std::vector<OutputFile>> Archives() override;
  Result<int> RequeueStale(int64_t older_than_ms, const std::set<std::string>& hosts,
                           const std::string& kind) override;
  Result<int> RequeueDone(const std::vector<std::string>& urls) override;
  Result<int> RequeueFailed(const HealFilter& filter, const std::set<std::string>& hosts) override;
  Result<int64_t> BeginRun(int64_t started_at_ms) override;
  Status EndRun(int64_t run_id, int64_t ended_at_ms, const std::string& finish_reason,
                const std::string& stats) override;
  Result<std::vector<RunRecord>> Runs(size_t limit) override;
  Result<UrlEntry> Get(int64_t id) override;
  Result<std::optional<UrlEntry>> Find(const std::string& url) override;
  Result<Counts> CountStates() override;
  Status SetJobValue(const std::string& key, const std::string& value) override;
  Result<std::optional<std::string>> GetJobValue(const std::string& key) override;

 private:
  SqliteStateStore(std::string path, int lock_fd) : path_(std::move(path)), lock_fd_(lock_fd) {}
  Status Configure();
  Status MigrateSchema();
  Status RecoverCrashes();
  Result<int> InsertUrls(const std::vector<NewUrl>& urls);
  Result<int> CommitDone(int64_t id, const DoneInfo& info, std::optional<int64_t> output_offset,
                         const std::vector<NewUrl>& outlinks);
  Status StoreOutputOffset(int64_t output_offset);
  Status UpdateDone(const char* sql, int64_t id, const DoneInfo& info);
  // Runs an UPDATE of one pending URL (?1 = id) and fails if it changed no row.
  // Runs an UPDATE of one pending URL (?1 = id) and fails if it changed no row; with
  // archive ends staged, in one transaction with them (FlushArchives).
  Status RunTransition(Query& update, int64_t id);
  Status CheckTransition(int64_t id);
  // Writes the staged archive ends (inside the caller's transaction).
  Status FlushArchives();
  // (path, offset) rows of `sql`: the outputs or archives table.
  Result<std::vector<OutputFile>> ReadFiles(const char* sql);

  std::string path_;
  std::optional<std::string> output_;  // UseOutput's file; none: the version 2 job key.
  int lock_fd_;                        // Holds the flock; closed after db_.
  std::unique_ptr<SqliteDb> db_;
  std::map<std::string, int64_t> staged_archives_;  // StageArchive: path -> end.
  bool in_commit_ = false;                          // CommitDone's transaction is open.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_SQLITE_STATE_STORE_H_

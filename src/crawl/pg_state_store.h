// The PostgreSQL backend of the crawl state store (state_store.h has the contract, "Shared
// stores" the part only this backend has): any number of workers, on any number of
// machines, crawl one job through one database, with every guarantee a one-process crawl
// has. One database holds many jobs; every table is keyed by job:
//   jobs(id, name UNIQUE), job_values(job_id, key, value): the job and its settings
//     ("definition": the options that define it; "seeds").
//   urls(id, job_id, url, host, kind, depth, parent_id, state, reason, attempts, not_before,
//        last_status, etag, last_modified, content_sha256, fetched_at_ms, processing,
//        crashes, failed_at_ms, heals, fields_sha256, payload_digest, archived_at_ms,
//        lease_owner, lease_token, lease_expires), UNIQUE(job_id, url): the seen-set.
//   hosts(job_id, host, next_at, delay_ms, paused_until): politeness across workers.
//   records(id, job_id, url_id, fetched_at_ms, line, worker, xid), UNIQUE(url_id,
//     fetched_at_ms): the record lines, written with their URL's done state.
//   exports(id, job_id, path, offset, seen_xmin), export_marks(export_id, record_id): what each
//     output file of `medscrape export --from` holds (pg_export.h).
//   archives(job_id, path, offset): committed WARC ends; workers(job_id, name, pid,
//     machine, started_at, heartbeat_at, lease_ms, ended_at); runs(id, job_id, worker, ...).
// The schema is versioned (medscrape_schema.version) and migrated under an advisory lock.
//
// Claims. NextPending(host) takes the host's row FOR UPDATE SKIP LOCKED when it is due
// (next_at and paused_until passed, by the server's clock), fewer than per_host of its
// URLs are leased, and leases up to that many pending URLs (one when the host has a delay)
// with a fresh random token and an expiry; next_at moves on by the host's delay plus the
// start deadline (kStartDeadlineMs) and kSlackMs, so two claims' requests are never closer
// than the delay even when each starts as late as allowed. All in one short transaction, all times
// the server's: clock skew between machines cannot break politeness.
//
// Leases. Every transition matches the URL's lease token: a worker whose lease was lost
// changes nothing. Maintain() renews this worker's started leases, gives back claims not
// started in time, and returns every expired lease's URL to pending; one whose page was
// being parsed (processing) gets crashes+1 and fails "crashed" at kMaxCrashes, the SQLite
// crash-marker rule. A worker holds a session advisory lock on (job, name) while it runs:
// a second process with the same name is refused, and a restarted one takes its own old
// leases back at once instead of waiting for them to expire.
//
// Outages. A statement that loses the server is run again, with its whole transaction,
// until the server is back or the lease time has passed (PgDb::Transaction).
#ifndef MEDSCRAPE_CRAWL_PG_STATE_STORE_H_
#define MEDSCRAPE_CRAWL_PG_STATE_STORE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "crawl/pg_db.h"
#include "crawl/state_store.h"

namespace medscrape {

class PgStateStore final : public StateStore {
 public:
  static constexpr int kSchemaVersion = 1;
  // A claim must start within this long of its transaction's start (the engine starts
  // claims at once; one it could not is given back). Spacing between two claims of one
  // host adds it, and kSlackMs for the request's way to the server.
  static constexpr int64_t kStartDeadlineMs = 50;
  static constexpr int64_t kSlackMs = 10;

  static Result<std::unique_ptr<StateStore>> Open(const StateStoreOptions& options);
  // Creates or upgrades the schema (under an advisory lock, so workers may race).
  static Status Migrate(PgDb& db);
  ~PgStateStore() override;  // Gives back unsettled claims; marks the worker ended.

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
  Result<std::string> MergeJobList(const std::string& key, const std::string& json_array) override;

  bool shared() const override { return true; }
  bool Starting(int64_t id) override;
  Status Maintain() override;
  Status UpdateHost(const std::string& host,
                    const std::function<void(SharedHostState&)>& change) override;
  std::optional<SharedHostState> ClaimedHost(const std::string& host) override;
  Result<int> RedirectHops(int64_t id, int limit) override;
  Result<SharedRobots> ShareRobots(const std::string& host) override;
  Status PublishRobots(const std::string& host, int status, const std::string& body) override;

  // Transitions dropped because the URL's lease was lost (for stats and tests).
  int64_t lost_leases() const { return lost_leases_; }

 private:
  struct Claim {
    int64_t token = 0;
    std::string host;
    int64_t claimed_ms = 0;  // Engine time.
    bool started = false;
    UrlEntry entry;
  };

  PgStateStore(std::unique_ptr<PgDb> db, const StateStoreOptions& options);
  Status OpenJob();
  Status Join();
  Status CheckDefinition();
  Result<int> InsertUrls(const std::vector<NewUrl>& urls);
  Result<std::vector<UrlEntry>> ClaimMore(const std::string& host, size_t limit);
  static const char kHostColumns[];
  SharedHostState ReadHost(const PgRows& rows, int row) const;
  // Runs `sql` (an UPDATE of one URL: $1 id, $2 token, then `params`) in a transaction with
  // `also` (more statements), if the URL is still this worker's. Sets *applied.
  Status Transition(int64_t id, const std::string& sql, std::vector<PgParam> params,
                    const std::function<Status()>& also = nullptr, bool* applied = nullptr);
  Status FlushArchives();
  Status Release(const std::vector<int64_t>& ids);
  Status Reap(const std::string& owner_only);
  int64_t NowMs() const { return clock_->NowMs(); }
  // Engine time `at_ms` as a SQL expression over parameter $n (a delay from `clock`: now(),
  // the transaction's start, or clock_timestamp() after a lock that may have waited).
  static std::string ServerTime(int n, const char* clock = "now()");
  Result<std::optional<int64_t>> EngineTime(const std::string& select,
                                            const std::vector<PgParam>& params);

  std::unique_ptr<PgDb> db_;
  StateStoreOptions options_;
  const Clock* clock_;
  int64_t job_id_ = 0;
  std::string job_param_;  // job_id_ as text.
  std::map<int64_t, Claim> claims_;
  std::map<std::string, SharedHostState> claimed_hosts_;  // ClaimedHost.
  std::map<std::string, int64_t> staged_archives_;
  std::mt19937_64 tokens_;
  int64_t next_maintain_ms_ = 0;
  int64_t lost_leases_ = 0;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_PG_STATE_STORE_H_

// PgStateStore lifecycle: the schema and its migrations, the job and the worker (its lock,
// its heartbeat), the claims' upkeep (renewal, give-back, the reaper), the job's values,
// runs and archive ends.
#include "crawl/pg_state_store.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>

namespace medscrape {
namespace {

// Version 1. urls_frontier holds only pending URLs nobody leased, in each host's claim
// order, so a claim reads its first rows; urls_due the same by due time (HostDueTime);
// urls_next every pending URL by due time (EarliestPendingTime); urls_host_leases counts a
// host's leases; urls_leases finds expired ones for the reaper; urls_counts serves
// CountStates. Each read the loop makes is a short index range, whatever the frontier's size.
constexpr char kVersion1Sql[] = R"sql(
CREATE TABLE jobs(id bigserial PRIMARY KEY, name text UNIQUE NOT NULL,
                  created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE job_values(job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
                        key text NOT NULL, value text, PRIMARY KEY (job_id, key));
CREATE TABLE urls(
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
  url text NOT NULL,
  host text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('page', 'hub')),
  depth int NOT NULL DEFAULT 0,
  parent_id bigint,
  state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
  reason text,
  attempts int NOT NULL DEFAULT 0,
  not_before timestamptz NOT NULL DEFAULT '-infinity',
  last_status int,
  etag text,
  last_modified text,
  content_sha256 text,
  fetched_at_ms bigint,
  processing boolean NOT NULL DEFAULT false,
  crashes int NOT NULL DEFAULT 0,
  failed_at_ms bigint,
  heals int NOT NULL DEFAULT 0,
  fields_sha256 text,
  payload_digest text,
  archived_at_ms bigint,
  lease_owner text,
  lease_token bigint,
  lease_expires timestamptz,
  UNIQUE (job_id, url));
CREATE INDEX urls_frontier ON urls(job_id, host, depth, id)
  WHERE state = 'pending' AND lease_token IS NULL;
CREATE INDEX urls_due ON urls(job_id, host, not_before)
  WHERE state = 'pending' AND lease_token IS NULL;
CREATE INDEX urls_next ON urls(job_id, not_before) WHERE state = 'pending';
CREATE INDEX urls_host_leases ON urls(job_id, host) WHERE lease_token IS NOT NULL;
CREATE INDEX urls_leases ON urls(job_id, lease_expires) WHERE lease_token IS NOT NULL;
CREATE INDEX urls_counts ON urls(job_id, host, state, reason);
CREATE TABLE hosts(
  job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
  host text NOT NULL,
  next_at timestamptz NOT NULL DEFAULT '-infinity',
  delay_ms bigint NOT NULL DEFAULT 0,
  paused_until timestamptz NOT NULL DEFAULT '-infinity',
  PRIMARY KEY (job_id, host));
CREATE TABLE records(
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
  url_id bigint NOT NULL,
  fetched_at_ms bigint NOT NULL,
  line text NOT NULL,
  worker text,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  UNIQUE (url_id, fetched_at_ms));
CREATE INDEX records_xid ON records(job_id, xid);
CREATE TABLE exports(
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
  path text NOT NULL,
  "offset" bigint NOT NULL DEFAULT 0,
  seen_xmin xid8,
  UNIQUE (job_id, path));
CREATE TABLE export_marks(
  export_id bigint NOT NULL REFERENCES exports ON DELETE CASCADE,
  record_id bigint NOT NULL,
  PRIMARY KEY (export_id, record_id));
CREATE TABLE archives(
  job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
  path text NOT NULL,
  "offset" bigint NOT NULL,
  seq bigserial,
  PRIMARY KEY (job_id, path));
CREATE TABLE workers(
  job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
  name text NOT NULL,
  pid int,
  machine text,
  started_at timestamptz NOT NULL DEFAULT now(),
  heartbeat_at timestamptz NOT NULL DEFAULT now(),
  lease_ms bigint NOT NULL DEFAULT 30000,
  ended_at timestamptz,
  PRIMARY KEY (job_id, name));
CREATE TABLE runs(
  id bigserial PRIMARY KEY,
  job_id bigint NOT NULL REFERENCES jobs ON DELETE CASCADE,
  worker text,
  started_at_ms bigint NOT NULL,
  ended_at_ms bigint,
  finish_reason text,
  stats text);
)sql";

// Version 2: robots.txt fetched once per host for all workers (ShareRobots): the stored
// answer, when it was stored, and the lease of the worker fetching it.
constexpr char kVersion2Sql[] = R"sql(
ALTER TABLE hosts ADD COLUMN robots_status int, ADD COLUMN robots_body bytea,
  ADD COLUMN robots_at timestamptz, ADD COLUMN robots_owner text,
  ADD COLUMN robots_until timestamptz;
)sql";

// Version 3: the rest of a host's politeness shared by all workers (UpdateHost): AutoThrottle's
// delay, the circuit breaker (a dead host's URLs are claimed without spacing, to be failed).
constexpr char kVersion3Sql[] = R"sql(
ALTER TABLE hosts ADD COLUMN throttle_ms bigint NOT NULL DEFAULT 0,
  ADD COLUMN crawl_delay_ms bigint NOT NULL DEFAULT 0,
  ADD COLUMN failures int NOT NULL DEFAULT 0, ADD COLUMN opens int NOT NULL DEFAULT 0,
  ADD COLUMN breaker_open boolean NOT NULL DEFAULT false,
  ADD COLUMN half_open_at timestamptz NOT NULL DEFAULT '-infinity',
  ADD COLUMN dead boolean NOT NULL DEFAULT false, ADD COLUMN update_token bigint;
)sql";

// Migration n takes a version n-1 schema to version n.
constexpr const char* kMigrations[] = {kVersion1Sql, kVersion2Sql, kVersion3Sql};

// The lease of an expired claim ends: the URL is pending for anyone again; one whose page
// was being parsed counts a crash (the SQLite crash-marker rule), and fails at kMaxCrashes.
constexpr char kReapSql[] = R"sql(
UPDATE urls SET lease_owner = NULL, lease_token = NULL, lease_expires = NULL,
  processing = false,
  crashes = crashes + CASE WHEN processing THEN 1 ELSE 0 END,
  state = CASE WHEN processing AND crashes + 1 >= $3 THEN 'failed' ELSE state END,
  reason = CASE WHEN processing AND crashes + 1 >= $3 THEN 'crashed' ELSE reason END,
  failed_at_ms = CASE WHEN processing AND crashes + 1 >= $3 THEN $4 ELSE failed_at_ms END
WHERE job_id = $1 AND lease_token IS NOT NULL AND state = 'pending'
  AND (lease_expires < now() OR lease_owner = $2)
)sql";

// The loop's reads are short ordered index ranges (a host's frontier in claim order, the
// earliest due time). Before ANALYZE has seen a job's rows (a new job, a frontier that grew
// fast) the planner may guess a host holds one row and sort the whole range instead, a
// cost that grows with the frontier; a worker's session never wants that trade.
constexpr char kPlannerSql[] = "SET enable_sort = off";

// Nothing to write: the same row, a pause that ended counting as none.
bool SameHost(const SharedHostState& a, const SharedHostState& b, int64_t now_ms) {
  const auto pause = [now_ms](int64_t until) { return std::max(until, now_ms); };
  return a.delay_ms == b.delay_ms && a.throttle_ms == b.throttle_ms &&
         a.crawl_delay_ms == b.crawl_delay_ms && a.failures == b.failures && a.opens == b.opens &&
         a.breaker_open == b.breaker_open && a.dead == b.dead &&
         pause(a.paused_until_ms) == pause(b.paused_until_ms) &&
         (!a.breaker_open || a.half_open_at_ms == b.half_open_at_ms);
}

const Clock& DefaultClock() {
  static const SystemClock clock;
  return clock;
}

}  // namespace

PgStateStore::PgStateStore(std::unique_ptr<PgDb> db, const StateStoreOptions& options)
    : db_(std::move(db)),
      options_(options),
      clock_(options.clock != nullptr ? options.clock : &DefaultClock()),
      tokens_(std::random_device{}() ^ static_cast<uint64_t>(::getpid())) {}

Result<std::unique_ptr<StateStore>> PgStateStore::Open(const StateStoreOptions& options) {
  if (options.job.empty()) return Status::Error(options.location + ": a shared job needs --job");
  if (options.worker.empty()) return Status::Error(options.location + ": no worker name");
  Result<std::unique_ptr<PgDb>> db = PgDb::Connect(options.location, options.lease_ms);
  if (!db.ok()) return db.status();
  Status status = Migrate(*db.value());
  if (status.ok()) status = db.value()->Exec(kPlannerSql).status();
  if (!status.ok()) return status;
  db.value()->KeepForSession(kPlannerSql, {});
  std::unique_ptr<PgStateStore> store(new PgStateStore(std::move(db).value(), options));
  status = store->OpenJob();
  if (status.ok()) status = store->Join();
  if (status.ok()) status = store->CheckDefinition();
  if (!status.ok()) return status;
  return std::unique_ptr<StateStore>(std::move(store));
}

Status PgStateStore::Migrate(PgDb& db) {
  return db.Transaction([&db]() -> Status {
    Status status = db.Exec("SELECT pg_advisory_xact_lock(hashtext('medscrape_schema'))").status();
    if (status.ok()) {
      status =
          db.Exec("CREATE TABLE IF NOT EXISTS medscrape_schema(version int NOT NULL)").status();
    }
    if (!status.ok()) return status;
    Result<PgRows> version = db.Exec("SELECT max(version) FROM medscrape_schema");
    if (!version.ok()) return version.status();
    const int64_t have = version.value().Int(0, 0);
    const int64_t want = static_cast<int64_t>(std::size(kMigrations));
    if (have > want) {
      return Status::Error(db.where() + ": the job schema is version " + std::to_string(have) +
                           ", newer than this medscrape knows (" + std::to_string(want) + ")");
    }
    for (int64_t v = have; v < want; ++v) {
      status = db.Exec(kMigrations[v]).status();
      if (status.ok()) {
        status =
            db.Exec("INSERT INTO medscrape_schema(version) VALUES($1)", {PgInt(v + 1)}).status();
      }
      if (!status.ok()) return status;
    }
    return Status::Ok();
  });
}

Status PgStateStore::OpenJob() {
  return db_->Transaction([this]() -> Status {
    if (options_.fresh) {
      Status dropped = db_->Exec("DELETE FROM jobs WHERE name = $1", {options_.job}).status();
      if (!dropped.ok()) return dropped;
    }
    Result<PgRows> job = db_->Exec(
        "INSERT INTO jobs(name) VALUES($1) ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name"
        " RETURNING id",
        {options_.job});
    if (!job.ok()) return job.status();
    job_id_ = job.value().Int(0, 0);
    job_param_ = std::to_string(job_id_);
    return Status::Ok();
  });
}

// The worker's lock lives as long as its connection: kill -9 or a lost connection frees it.
Status PgStateStore::Join() {
  Result<PgRows> locked = db_->Exec("SELECT pg_try_advisory_lock(hashtextextended($1, $2))",
                                    {options_.worker, job_param_});
  if (!locked.ok()) return locked.status();
  if (locked.value().Text(0, 0) != "t") {
    return Status::Error(StatusCode::kLocked, db_->where() + ": job " + options_.job + ": worker " +
                                                  options_.worker +
                                                  " is running in another process");
  }
  // Taken again after an outage (best effort: a new process of this name could have it).
  db_->KeepForSession("SELECT pg_try_advisory_lock(hashtextextended($1, $2))",
                      {options_.worker, job_param_});
  return db_->Transaction([this]() -> Status {
    Status status = Reap(options_.worker);  // This name's earlier process is gone.
    if (!status.ok()) return status;
    return db_
        ->Exec(
            "INSERT INTO workers(job_id, name, pid, machine, lease_ms) VALUES($1, $2, $3, $4, $5)"
            " ON CONFLICT (job_id, name) DO UPDATE SET pid = EXCLUDED.pid,"
            " machine = EXCLUDED.machine, started_at = now(), heartbeat_at = now(),"
            " lease_ms = EXCLUDED.lease_ms, ended_at = NULL",
            {job_param_, options_.worker, PgInt(::getpid()), MachineName(),
             PgInt(options_.lease_ms)})
        .status();
  });
}

// The first worker stores the options that define the job; later ones must bring the same.
Status PgStateStore::CheckDefinition() {
  if (options_.definition.empty()) return Status::Ok();
  Result<PgRows> stored = db_->Exec(
      "INSERT INTO job_values(job_id, key, value) VALUES($1, 'definition', $2)"
      " ON CONFLICT (job_id, key) DO UPDATE SET key = EXCLUDED.key RETURNING value",
      {job_param_, options_.definition});
  if (!stored.ok()) return stored.status();
  const std::string have = stored.value().Text(0, 0);
  if (have == options_.definition) return Status::Ok();
  // A job an earlier medscrape defined lacks the options added since: they are this
  // worker's, and stored for the next; every option the job has must be the same.
  const nlohmann::json mine = nlohmann::json::parse(options_.definition, nullptr, false);
  const nlohmann::json theirs = nlohmann::json::parse(have, nullptr, false);
  bool same = mine.is_object() && theirs.is_object();
  for (auto it = theirs.begin(); same && it != theirs.end(); ++it) {
    same = mine.contains(it.key()) && mine[it.key()] == it.value();
  }
  if (same) {
    Result<PgRows> updated = db_->Exec(
        "UPDATE job_values SET value = $2 WHERE job_id = $1 AND key = 'definition'"
        " AND value = $3",
        {job_param_, options_.definition, have});
    if (!updated.ok()) return updated.status();
    // Another worker stored its own meanwhile: compare with that one.
    return updated.value().Changed() == 1 ? Status::Ok() : CheckDefinition();
  }
  return Status::Error(db_->where() + ": job " + options_.job +
                       " was started with other options; this worker has\n  " +
                       options_.definition + "\nthe job has\n  " + have);
}

PgStateStore::~PgStateStore() {
  std::vector<int64_t> ids;
  for (const auto& [id, claim] : claims_) ids.push_back(id);
  (void)Release(ids);
  (void)db_->Exec("UPDATE workers SET ended_at = now() WHERE job_id = $1 AND name = $2",
                  {job_param_, options_.worker});
}

Status PgStateStore::Reap(const std::string& owner_only) {
  return db_
      ->Exec(kReapSql, {job_param_, owner_only.empty() ? PgParam() : PgParam(owner_only),
                        PgInt(kMaxCrashes), PgInt(clock_->UnixMs())})
      .status();
}

// Claims given back: the URLs are anyone's again, at once.
Status PgStateStore::Release(const std::vector<int64_t>& ids) {
  if (ids.empty()) return Status::Ok();
  std::vector<int64_t> tokens;
  for (const int64_t id : ids) tokens.push_back(claims_[id].token);
  Status status = db_->Transaction([&]() -> Status {
    return db_
        ->Exec(
            "UPDATE urls u SET lease_owner = NULL, lease_token = NULL, lease_expires = NULL"
            " FROM unnest($1::bigint[], $2::bigint[]) AS c(id, token)"
            " WHERE u.id = c.id AND u.lease_token = c.token",
            {PgIntArray(ids), PgIntArray(tokens)})
        .status();
  });
  for (const int64_t id : ids) claims_.erase(id);
  return status;
}

bool PgStateStore::Starting(int64_t id) {
  auto it = claims_.find(id);
  if (it == claims_.end() || it->second.started) return false;
  if (NowMs() - it->second.claimed_ms > kStartDeadlineMs) return false;  // Maintain gives it back.
  it->second.started = true;
  return true;
}

// At most every lease/4 (and every 100 ms for claims not started in time).
Status PgStateStore::Maintain() {
  const int64_t now = NowMs();
  std::vector<int64_t> lapsed;
  for (const auto& [id, claim] : claims_) {
    if (!claim.started && now - claim.claimed_ms > kStartDeadlineMs) lapsed.push_back(id);
  }
  Status status = Release(lapsed);
  if (!status.ok() || now < next_maintain_ms_) return status;
  next_maintain_ms_ = now + std::max<int64_t>(100, options_.lease_ms / 4);
  std::vector<int64_t> ids, tokens;
  for (const auto& [id, claim] : claims_) {
    ids.push_back(id);
    tokens.push_back(claim.token);
  }
  std::optional<PgRows> renewed;
  status = db_->Transaction([&]() -> Status {
    Status beat =
        db_->Exec("UPDATE workers SET heartbeat_at = now() WHERE job_id = $1 AND name = $2",
                  {job_param_, options_.worker})
            .status();
    if (beat.ok()) beat = Reap("");
    if (!beat.ok()) return beat;
    Result<PgRows> rows = db_->Exec(
        "UPDATE urls u SET lease_expires = now() + $3 * interval '1 millisecond'"
        " FROM unnest($1::bigint[], $2::bigint[]) AS c(id, token)"
        " WHERE u.id = c.id AND u.lease_token = c.token AND u.state = 'pending' RETURNING u.id",
        {PgIntArray(ids), PgIntArray(tokens), PgInt(options_.lease_ms)});
    if (!rows.ok()) return rows.status();
    renewed = std::move(rows).value();
    return Status::Ok();
  });
  if (!status.ok()) return status;
  // Claims not renewed were lost (expired and reaped): their URLs are someone else's.
  std::set<int64_t> kept;
  for (int i = 0; i < renewed->size(); ++i) kept.insert(renewed->Int(i, 0));
  for (auto it = claims_.begin(); it != claims_.end();) {
    it = kept.count(it->first) > 0 ? std::next(it) : claims_.erase(it);
  }
  return Status::Ok();
}

// The columns of a hosts row that ReadHost reads, its times as milliseconds from the
// statement's clock (not now(), the transaction's start: a row lock may have waited).
const char PgStateStore::kHostColumns[] =
    "delay_ms, throttle_ms, failures, opens, breaker_open, dead,"
    " CASE WHEN isfinite(paused_until)"
    " THEN (extract(epoch FROM paused_until - clock_timestamp()) * 1000)::bigint END,"
    " CASE WHEN isfinite(half_open_at)"
    " THEN (extract(epoch FROM half_open_at - clock_timestamp()) * 1000)::bigint END,"
    " crawl_delay_ms, update_token";

SharedHostState PgStateStore::ReadHost(const PgRows& rows, int row) const {
  SharedHostState host;
  host.delay_ms = rows.Int(row, 0);
  host.throttle_ms = rows.Int(row, 1);
  host.failures = static_cast<int>(rows.Int(row, 2));
  host.opens = static_cast<int>(rows.Int(row, 3));
  host.breaker_open = rows.Text(row, 4) == "t";
  host.dead = rows.Text(row, 5) == "t";
  if (!rows.IsNull(row, 6)) host.paused_until_ms = NowMs() + rows.Int(row, 6);
  if (!rows.IsNull(row, 7)) host.half_open_at_ms = NowMs() + rows.Int(row, 7);
  host.crawl_delay_ms = rows.Int(row, 8);
  return host;
}

Status PgStateStore::UpdateHost(const std::string& host,
                                const std::function<void(SharedHostState&)>& change) {
  const auto later = [this](int64_t at_ms) {
    return at_ms == std::numeric_limits<int64_t>::min() ? PgParam() : PgInt(at_ms - NowMs());
  };
  // The row `change` makes of the one read, or nullopt when nothing changes (or no row).
  const auto changed = [&](const PgRows& rows) -> std::optional<SharedHostState> {
    if (rows.size() != 1) return std::nullopt;
    const SharedHostState before = ReadHost(rows, 0);
    SharedHostState after = before;
    change(after);
    if (SameHost(before, after, NowMs())) return std::nullopt;
    return after;
  };
  const std::string select =
      std::string("SELECT ") + kHostColumns + " FROM hosts WHERE job_id = $1 AND host = $2";
  // Most responses change nothing (a success on a healthy host, AutoThrottle settled): a
  // plain read decides that without a row lock, whose commit would wait for the WAL's flush.
  // A change that races another worker's then counts from the row it read.
  Result<PgRows> seen = db_->Exec(select, {job_param_, host});
  if (!seen.ok()) return seen.status();
  if (seen.value().size() == 1 && !changed(seen.value())) return Status::Ok();
  const int64_t token = static_cast<int64_t>(tokens_() >> 1);
  return db_->Transaction([&]() -> Status {
    Result<PgRows> rows = db_->Exec(select + " FOR UPDATE", {job_param_, host});
    if (!rows.ok()) return rows.status();
    if (rows.value().size() != 1) {
      return Status::Error(db_->where() + ": job " + options_.job + " has no host " + host);
    }
    // A retry after a COMMIT whose answer was lost finds its own token: already applied.
    if (!rows.value().IsNull(0, 9) && rows.value().Int(0, 9) == token) return Status::Ok();
    const std::optional<SharedHostState> after = changed(rows.value());
    if (!after) return Status::Ok();
    return db_
        ->Exec(
            "UPDATE hosts SET delay_ms = $3, throttle_ms = $4, failures = $5, opens = $6,"
            " breaker_open = $7, dead = $8, crawl_delay_ms = $11, update_token = $12,"
            " paused_until = GREATEST(paused_until, COALESCE(" +
                ServerTime(9, "clock_timestamp()") + ", '-infinity')), half_open_at = COALESCE(" +
                ServerTime(10, "clock_timestamp()") +
                ", '-infinity') WHERE job_id = $1 AND host = $2",
            {job_param_, host, PgInt(after->delay_ms), PgInt(after->throttle_ms),
             PgInt(after->failures), PgInt(after->opens), after->breaker_open ? "t" : "f",
             after->dead ? "t" : "f", later(after->paused_until_ms),
             later(after->breaker_open ? after->half_open_at_ms
                                       : std::numeric_limits<int64_t>::min()),
             PgInt(after->crawl_delay_ms), PgInt(token)})
        .status();
  });
}

std::optional<SharedHostState> PgStateStore::ClaimedHost(const std::string& host) {
  auto it = claimed_hosts_.find(host);
  if (it == claimed_hosts_.end()) return std::nullopt;
  SharedHostState state = it->second;
  claimed_hosts_.erase(it);
  return state;
}

}  // namespace medscrape

// SqliteStateStore lifecycle: the job lock, opening and configuring the database, the schema,
// crash recovery, and the job table.
#include "crawl/sqlite_state_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace medscrape {
namespace {

// Version 2. Beyond the contract's indexes: urls_host also holds state and reason, so
// CountStates reads one covering index in GROUP BY order (0.1 s instead of 4 s at a million
// URLs); urls_host_frontier lets NextPending seek to one host's pending URLs and walk them in
// (depth, id) order, filtering on not_before_ms in the index, so picking the next URL of a host
// costs the same at 10 or 10^6 pending URLs (version 1 walked every pending URL in one global
// order and skipped those of busy hosts: the cost of a pick grew with the frontier);
// urls_host_due finds a host's next due time; urls_processing lets crash recovery find its
// rows without reading the whole table.
constexpr char kSchemaSql[] = R"sql(
CREATE TABLE urls(
  id INTEGER PRIMARY KEY,
  url TEXT UNIQUE NOT NULL,
  host TEXT NOT NULL,
  depth INT NOT NULL DEFAULT 0,
  parent_id INT,
  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
  reason TEXT,
  attempts INT NOT NULL DEFAULT 0,
  not_before_ms INT NOT NULL DEFAULT 0,
  last_status INT,
  etag TEXT,
  last_modified TEXT,
  content_sha256 TEXT,
  fetched_at_ms INT,
  processing INT NOT NULL DEFAULT 0,
  crashes INT NOT NULL DEFAULT 0,
  kind TEXT NOT NULL CHECK (kind IN ('page', 'hub')));
CREATE INDEX urls_state_time ON urls(state, not_before_ms);
CREATE INDEX urls_host ON urls(host, state, reason);
CREATE INDEX urls_processing ON urls(processing) WHERE processing = 1;
CREATE TABLE job(key TEXT PRIMARY KEY, value TEXT);
)sql";

// Per-host frontier indexes (version 2); a version 1 job gets them in place of urls_frontier.
constexpr char kFrontierSql[] = R"sql(
DROP INDEX IF EXISTS urls_frontier;
CREATE INDEX urls_host_frontier ON urls(host, depth, id, not_before_ms) WHERE state = 'pending';
CREATE INDEX urls_host_due ON urls(host, not_before_ms) WHERE state = 'pending';
)sql";

// Version 3: healing (when a URL failed, how often a later run retried it), change by the
// extracted fields, an offset per output file, and the history of runs. A version 2 job's
// output_offset stays in `job` until UseOutput hands it to the first file.
constexpr char kVersion3Sql[] = R"sql(
ALTER TABLE urls ADD COLUMN failed_at_ms INT;
ALTER TABLE urls ADD COLUMN heals INT NOT NULL DEFAULT 0;
ALTER TABLE urls ADD COLUMN fields_sha256 TEXT;
CREATE TABLE outputs(id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, offset INT NOT NULL);
CREATE TABLE runs(id INTEGER PRIMARY KEY, started_at_ms INT NOT NULL, ended_at_ms INT,
                  finish_reason TEXT, stats TEXT);
)sql";

// Version 4: WARC archives (their committed ends, and per URL what was archived last).
constexpr char kVersion4Sql[] = R"sql(
ALTER TABLE urls ADD COLUMN payload_digest TEXT;
ALTER TABLE urls ADD COLUMN archived_at_ms INT;
CREATE TABLE archives(id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL, offset INT NOT NULL);
PRAGMA user_version = 4;
)sql";

Status ErrnoError(const std::string& path, int err) {
  return Status::Error(path + ": " + std::strerror(err));
}

// The pid the holder wrote into the lock file, or "unknown" (it may be mid-write).
std::string LockHolder(int fd) {
  char buffer[32] = {};
  const ssize_t n = ::pread(fd, buffer, sizeof(buffer) - 1, 0);
  const long pid = n > 0 ? std::strtol(buffer, nullptr, 10) : 0;
  return pid > 0 ? std::to_string(pid) : "unknown";
}

// flock is tied to the open file description: it is released when the process dies,
// however it dies, and a second open() of the file conflicts even within one process.
Result<int> LockJob(const std::string& path) {
  const std::string lock_path = path + ".lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError(lock_path, errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    const std::string holder = LockHolder(fd);
    ::close(fd);
    if (err != EWOULDBLOCK) return ErrnoError(lock_path, err);
    return Status::Error(StatusCode::kLocked,
                         path + ": job is locked by another run (pid " + holder + ")");
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 ||
      ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    const int err = errno;
    ::close(fd);
    return ErrnoError(lock_path, err);
  }
  return fd;
}

// Called with the lock held, so no other run can be using the files.
Status RemoveJobFiles(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) {
    const std::string file = path + suffix;
    if (::unlink(file.c_str()) != 0 && errno != ENOENT) return ErrnoError(file, errno);
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<StateStore>> SqliteStateStore::Open(const std::string& path, bool fresh) {
  Result<int> lock = LockJob(path);
  if (!lock.ok()) return lock.status();
  std::unique_ptr<SqliteStateStore> store(new SqliteStateStore(path, lock.value()));
  if (fresh) {
    Status removed = RemoveJobFiles(path);
    if (!removed.ok()) return removed;
  }
  Result<std::unique_ptr<SqliteDb>> db = SqliteDb::Open(path, kBusyTimeoutMs);
  if (!db.ok()) return db.status();
  store->db_ = std::move(db).value();
  for (auto step : {&SqliteStateStore::Configure, &SqliteStateStore::MigrateSchema,
                    &SqliteStateStore::RecoverCrashes}) {
    Status done = (store.get()->*step)();
    if (!done.ok()) return done;
  }
  return std::unique_ptr<StateStore>(std::move(store));
}

SqliteStateStore::~SqliteStateStore() {
  db_.reset();  // Close (and checkpoint) before another run may take the job.
  ::close(lock_fd_);
}

Status SqliteStateStore::Configure() {
  Result<Query> mode = db_->Prepare("PRAGMA journal_mode = WAL");
  if (!mode.ok()) return mode.status();
  Result<bool> row = mode.value().Step();
  if (!row.ok()) return row.status();
  if (!row.value() || mode.value().Text(0) != "wal") {
    return Status::Error(path_ + ": cannot use write-ahead logging here");
  }
  return db_->Exec("PRAGMA synchronous = NORMAL; PRAGMA cache_size = -" +
                   std::to_string(kCacheKiB));
}

Status SqliteStateStore::MigrateSchema() {
  Result<Transaction> txn = Transaction::Begin(db_.get());
  if (!txn.ok()) return txn.status();
  int64_t found = 0;
  {  // The statement is reset before any DDL runs (an active one would lock the schema).
    Result<Query> version = db_->Prepare("PRAGMA user_version");
    if (!version.ok()) return version.status();
    Result<bool> row = version.value().Step();
    if (!row.ok()) return row.status();
    found = version.value().Int(0);
  }
  if (found == kSchemaVersion) return Status::Ok();  // Nothing written: the rollback is a no-op.
  if (found < 0 || found > kSchemaVersion) {
    return Status::Error(path_ + ": job schema version " + std::to_string(found) +
                         " is not the supported version " + std::to_string(kSchemaVersion));
  }
  Status created = found == 0 ? db_->Exec(kSchemaSql) : Status::Ok();
  if (created.ok() && found <= 1) created = db_->Exec(kFrontierSql);
  if (created.ok() && found <= 2) created = db_->Exec(kVersion3Sql);
  if (created.ok()) created = db_->Exec(kVersion4Sql);
  if (!created.ok()) return created;
  return txn.value().Commit();
}

Status SqliteStateStore::RecoverCrashes() {
  Result<Query> recover = db_->Prepare(
      "UPDATE urls SET processing = 0, crashes = crashes + 1,"
      " state = CASE WHEN crashes + 1 >= ?1 THEN 'failed' ELSE state END,"
      " reason = CASE WHEN crashes + 1 >= ?1 THEN 'crashed' ELSE reason END"
      " WHERE processing = 1");
  if (!recover.ok()) return recover.status();
  return recover.value().Bind(1, int64_t{kMaxCrashes}).Run();
}

Status SqliteStateStore::SetJobValue(const std::string& key, const std::string& value) {
  Result<Query> set = db_->Prepare(
      "INSERT INTO job(key, value) VALUES(?1, ?2)"
      " ON CONFLICT(key) DO UPDATE SET value = excluded.value");
  if (!set.ok()) return set.status();
  return set.value().Bind(1, key).Bind(2, value).Run();
}

Result<std::optional<std::string>> SqliteStateStore::GetJobValue(const std::string& key) {
  Result<Query> get = db_->Prepare("SELECT value FROM job WHERE key = ?1");
  if (!get.ok()) return get.status();
  Result<bool> row = get.value().Bind(1, key).Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<std::string>();
  return std::optional<std::string>(get.value().Text(0));
}

}  // namespace medscrape

// SqliteStateStore reads and bulk changes of `urls`: adding URLs, picking the next pending ones,
// single-row lookups, counts and the recrawl requeue.
#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "crawl/sqlite_state_store.h"

namespace medscrape {
namespace {

constexpr char kSelectEntry[] =
    "SELECT id, url, host, kind, depth, attempts, etag, last_modified, content_sha256,"
    " fetched_at_ms, last_status, state, reason, crashes, not_before_ms, fields_sha256, heals,"
    " payload_digest, archived_at_ms"
    " FROM urls";

UrlEntry ReadEntry(const Query& row) {
  UrlEntry entry;
  entry.id = row.Int(0);
  entry.url = row.Text(1);
  entry.host = row.Text(2);
  entry.kind = row.Text(3);
  entry.depth = static_cast<int>(row.Int(4));
  entry.attempts = static_cast<int>(row.Int(5));
  entry.etag = row.Text(6);
  entry.last_modified = row.Text(7);
  entry.content_sha256 = row.Text(8);
  entry.fetched_at_ms = row.Int(9);
  entry.last_status = static_cast<int>(row.Int(10));
  entry.state = row.Text(11);
  entry.reason = row.Text(12);
  entry.crashes = static_cast<int>(row.Int(13));
  entry.not_before_ms = row.Int(14);
  entry.fields_sha256 = row.Text(15);
  entry.heals = static_cast<int>(row.Int(16));
  entry.payload_digest = row.Text(17);
  entry.archived_at_ms = row.Int(18);
  return entry;
}

// A JSON array of strings for json_each(): a set of hosts travels as one bound parameter,
// so the statement stays one cached statement whatever their number.
template <typename Strings>
std::string JsonArray(const Strings& items) {
  std::string json = "[";
  for (const std::string& item : items) {
    if (json.size() > 1) json += ',';
    json += '"';
    for (const char c : item) {
      if (c == '"' || c == '\\') {
        json += '\\';
        json += c;
      } else if (static_cast<unsigned char>(c) < 0x20) {
        char escaped[8];
        std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
        json += escaped;
      } else {
        json += c;
      }
    }
    json += '"';
  }
  return json + "]";
}

bool ValidKind(const std::string& kind) { return kind == "page" || kind == "hub"; }

}  // namespace

Result<int> SqliteStateStore::AddUrls(const std::vector<NewUrl>& urls) {
  if (urls.empty()) return 0;
  Result<Transaction> txn = Transaction::Begin(db_.get());
  if (!txn.ok()) return txn.status();
  Result<int> added = InsertUrls(urls);
  if (!added.ok()) return added;
  Status committed = txn.value().Commit();
  if (!committed.ok()) return committed;
  return added;
}

// Runs inside the caller's transaction.
Result<int> SqliteStateStore::InsertUrls(const std::vector<NewUrl>& urls) {
  for (const NewUrl& url : urls) {
    if (!ValidKind(url.kind)) {
      return Status::Error(path_ + ": " + url.url + ": kind \"" + url.kind +
                           "\" is neither page nor hub");
    }
  }
  Result<Query> insert = db_->Prepare(
      "INSERT OR IGNORE INTO urls(url, host, kind, depth, parent_id) VALUES(?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  Query& query = insert.value();
  int added = 0;
  for (const NewUrl& url : urls) {
    query.Reset();
    query.Bind(1, url.url).Bind(2, url.host).Bind(3, url.kind);
    query.Bind(4, int64_t{url.depth}).Bind(5, url.parent_id);
    Status run = query.Run();
    if (!run.ok()) return run;
    added += static_cast<int>(db_->Changes());
  }
  return added;
}

Result<std::vector<UrlEntry>> SqliteStateStore::NextPending(const std::string& host, int64_t now_ms,
                                                            size_t limit) {
  std::vector<UrlEntry> entries;
  if (limit == 0) return entries;
  Result<Query> select =
      db_->Prepare(std::string(kSelectEntry) +
                   " INDEXED BY urls_host_frontier"
                   " WHERE state = 'pending' AND host = ?1 AND not_before_ms <= ?2"
                   " ORDER BY depth, id LIMIT ?3");
  if (!select.ok()) return select.status();
  Query& query = select.value();
  query.Bind(1, host).Bind(2, now_ms);
  query.Bind(3, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  for (;;) {
    Result<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return entries;
    entries.push_back(ReadEntry(query));
  }
}

Result<std::optional<int64_t>> SqliteStateStore::EarliestPendingTime(int64_t after_ms) {
  Result<Query> select = db_->Prepare(
      "SELECT not_before_ms FROM urls WHERE state = 'pending' AND not_before_ms > ?1"
      " ORDER BY not_before_ms LIMIT 1");
  if (!select.ok()) return select.status();
  Result<bool> row = select.value().Bind(1, after_ms).Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<int64_t>();
  return std::optional<int64_t>(select.value().Int(0));
}

Result<std::optional<int64_t>> SqliteStateStore::HostDueTime(const std::string& host) {
  Result<Query> select = db_->Prepare(
      "SELECT not_before_ms FROM urls INDEXED BY urls_host_due"
      " WHERE state = 'pending' AND host = ?1 ORDER BY not_before_ms LIMIT 1");
  if (!select.ok()) return select.status();
  Result<bool> row = select.value().Bind(1, host).Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<int64_t>();
  return std::optional<int64_t>(select.value().Int(0));
}

Result<int> SqliteStateStore::SkipPendingOutside(const std::set<std::string>& hosts) {
  Result<Query> skip = db_->Prepare(
      "UPDATE urls SET state = 'skipped', reason = 'out_of_scope', processing = 0"
      " WHERE state = 'pending' AND host NOT IN (SELECT value FROM json_each(?1))");
  if (!skip.ok()) return skip.status();
  Status run = skip.value().Bind(1, JsonArray(hosts)).Run();
  if (!run.ok()) return run;
  return static_cast<int>(db_->Changes());
}

Result<int> SqliteStateStore::RequeueStale(int64_t older_than_ms,
                                           const std::set<std::string>& hosts,
                                           const std::string& kind) {
  Result<Query> requeue = db_->Prepare(
      "UPDATE urls SET state = 'pending', reason = NULL, attempts = 0, not_before_ms = 0"
      " WHERE state = 'done' AND fetched_at_ms < ?1"
      " AND host IN (SELECT value FROM json_each(?2)) AND (?3 = '' OR kind = ?3)");
  if (!requeue.ok()) return requeue.status();
  Status run = requeue.value().Bind(1, older_than_ms).Bind(2, JsonArray(hosts)).Bind(3, kind).Run();
  if (!run.ok()) return run;
  return static_cast<int>(db_->Changes());
}

Result<int> SqliteStateStore::RequeueDone(const std::vector<std::string>& urls) {
  Result<Query> requeue = db_->Prepare(
      "UPDATE urls SET state = 'pending', reason = NULL, attempts = 0, not_before_ms = 0"
      " WHERE state = 'done' AND url IN (SELECT value FROM json_each(?1))");
  if (!requeue.ok()) return requeue.status();
  Status run = requeue.value().Bind(1, JsonArray(urls)).Run();
  if (!run.ok()) return run;
  return static_cast<int>(db_->Changes());
}

// The reason stays: on a pending URL it says why its last attempt is being retried.
Result<int> SqliteStateStore::RequeueFailed(const HealFilter& filter,
                                            const std::set<std::string>& hosts) {
  Result<Query> requeue = db_->Prepare(
      "UPDATE urls SET state = 'pending', attempts = 0, not_before_ms = 0, processing = 0,"
      " heals = heals + 1"
      " WHERE state = 'failed' AND host IN (SELECT value FROM json_each(?1))"
      " AND COALESCE(failed_at_ms, 0) < ?2 AND (?3 < 0 OR heals < ?3)"
      " AND (json_array_length(?4) = 0"
      "      OR EXISTS (SELECT 1 FROM json_each(?4) WHERE reason GLOB value))");
  if (!requeue.ok()) return requeue.status();
  Query& query = requeue.value();
  query.Bind(1, JsonArray(hosts)).Bind(2, filter.failed_before_ms);
  query.Bind(3, int64_t{filter.max_heals}).Bind(4, JsonArray(filter.reasons));
  Status run = query.Run();
  if (!run.ok()) return run;
  return static_cast<int>(db_->Changes());
}

Result<UrlEntry> SqliteStateStore::Get(int64_t id) {
  Result<Query> select = db_->Prepare(std::string(kSelectEntry) + " WHERE id = ?1");
  if (!select.ok()) return select.status();
  Result<bool> row = select.value().Bind(1, id).Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return Status::Error(path_ + ": no URL with id " + std::to_string(id));
  return ReadEntry(select.value());
}

Result<std::optional<UrlEntry>> SqliteStateStore::Find(const std::string& url) {
  Result<Query> select = db_->Prepare(std::string(kSelectEntry) + " WHERE url = ?1");
  if (!select.ok()) return select.status();
  Result<bool> row = select.value().Bind(1, url).Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return std::optional<UrlEntry>();
  return std::optional<UrlEntry>(ReadEntry(select.value()));
}

// One pass over the table; memory grows with the number of (host, state, reason) groups.
Result<SqliteStateStore::Counts> SqliteStateStore::CountStates() {
  Result<Query> select =
      db_->Prepare("SELECT host, state, reason, COUNT(*) FROM urls GROUP BY host, state, reason");
  if (!select.ok()) return select.status();
  Query& query = select.value();
  Counts counts;
  for (;;) {
    Result<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return counts;
    const std::string state = query.Text(1);
    const int64_t n = query.Int(3);
    counts.by_host_state[query.Text(0)][state] += n;
    if (state == "pending") counts.pending += n;
    if (state == "done") counts.done += n;
    if (state == "failed") counts.failed += n;
    if (state == "skipped") counts.skipped += n;
    if (state == "failed" || state == "skipped") counts.by_reason[state + ":" + query.Text(2)] += n;
  }
}

}  // namespace medscrape

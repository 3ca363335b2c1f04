// PgStateStore reads and bulk changes of `urls`: adding URLs, claims, due times, lookups,
// counts and the requeues.
#include <algorithm>
#include <cstdint>

#include "crawl/pg_state_store.h"

namespace medscrape {
namespace {

constexpr char kColumns[] =
    "id, url, host, kind, depth, attempts, etag, last_modified, content_sha256,"
    " fetched_at_ms, last_status, state, reason, crashes, fields_sha256, heals,"
    " payload_digest, archived_at_ms";
// The same, of the UPDATE's target `u` (RETURNING).
constexpr char kUColumns[] =
    "u.id, u.url, u.host, u.kind, u.depth, u.attempts, u.etag, u.last_modified,"
    " u.content_sha256, u.fetched_at_ms, u.last_status, u.state, u.reason, u.crashes,"
    " u.fields_sha256, u.heals, u.payload_digest, u.archived_at_ms";

UrlEntry ReadEntry(const PgRows& rows, int i) {
  UrlEntry entry;
  entry.id = rows.Int(i, 0);
  entry.url = rows.Text(i, 1);
  entry.host = rows.Text(i, 2);
  entry.kind = rows.Text(i, 3);
  entry.depth = static_cast<int>(rows.Int(i, 4));
  entry.attempts = static_cast<int>(rows.Int(i, 5));
  entry.etag = rows.Text(i, 6);
  entry.last_modified = rows.Text(i, 7);
  entry.content_sha256 = rows.Text(i, 8);
  entry.fetched_at_ms = rows.Int(i, 9);
  entry.last_status = static_cast<int>(rows.Int(i, 10));
  entry.state = rows.Text(i, 11);
  entry.reason = rows.Text(i, 12);
  entry.crashes = static_cast<int>(rows.Int(i, 13));
  entry.fields_sha256 = rows.Text(i, 14);
  entry.heals = static_cast<int>(rows.Int(i, 15));
  entry.payload_digest = rows.Text(i, 16);
  entry.archived_at_ms = rows.Int(i, 17);
  return entry;
}

// Other workers add URLs to a host behind this one's back: a host with nothing due is
// asked again after at most this long.
constexpr int64_t kRecheckMs = 1000;
// A host with URLs leased (by others: this worker's own are in its hands) and nothing else
// claimable is asked again after this long: the leases end at any moment, and asking every
// millisecond would only burn CPU.
constexpr int64_t kLeasedRecheckMs = 50;

}  // namespace

std::string PgStateStore::ServerTime(int n, const char* clock) {
  return std::string("(") + clock + " + $" + std::to_string(n) +
         "::bigint * interval '1 millisecond')";
}

// `select` yields one timestamptz (or NULL); it comes back as engine time, not before now.
Result<std::optional<int64_t>> PgStateStore::EngineTime(const std::string& select,
                                                        const std::vector<PgParam>& params) {
  Result<PgRows> rows = db_->Exec(
      "SELECT CASE WHEN t IS NULL THEN NULL"
      " ELSE (extract(epoch FROM (GREATEST(t, now()) - now())) * 1000)::bigint END FROM (" +
          select + ") AS due(t)",
      params);
  if (!rows.ok()) return rows.status();
  if (rows.value().size() == 0 || rows.value().IsNull(0, 0)) return std::optional<int64_t>();
  return std::optional<int64_t>(NowMs() + rows.value().Int(0, 0));
}

Result<int> PgStateStore::AddUrls(const std::vector<NewUrl>& urls) {
  if (urls.empty()) return 0;
  Result<int> added = 0;
  Status status = db_->Transaction([&]() -> Status {
    added = InsertUrls(urls);
    return added.status();
  });
  if (!status.ok()) return status;
  return added;
}

// Inside the caller's transaction: the URLs, and a hosts row for each new host.
Result<int> PgStateStore::InsertUrls(const std::vector<NewUrl>& urls) {
  if (urls.empty()) return 0;
  std::vector<std::string> text[3];
  std::vector<int64_t> depths, parents;
  for (const NewUrl& url : urls) {
    if (url.kind != "page" && url.kind != "hub") {
      return Status::Error(db_->where() + ": " + url.url + ": kind \"" + url.kind +
                           "\" is neither page nor hub");
    }
    text[0].push_back(url.url);
    text[1].push_back(url.host);
    text[2].push_back(url.kind);
    depths.push_back(url.depth);
    parents.push_back(url.parent_id);
  }
  Status hosts = db_->Exec(
                        "INSERT INTO hosts(job_id, host) SELECT DISTINCT $1::bigint, h"
                        " FROM unnest($2::text[]) AS h ON CONFLICT DO NOTHING",
                        {job_param_, PgArray(text[1])})
                     .status();
  if (!hosts.ok()) return hosts;
  Result<PgRows> inserted = db_->Exec(
      "INSERT INTO urls(job_id, url, host, kind, depth, parent_id)"
      " SELECT $1::bigint, u, h, k, d, NULLIF(p, 0)"
      " FROM unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::bigint[]) AS n(u, h, k, d, "
      "p)"
      " ON CONFLICT (job_id, url) DO NOTHING",
      {job_param_, PgArray(text[0]), PgArray(text[1]), PgArray(text[2]), PgIntArray(depths),
       PgIntArray(parents)});
  if (!inserted.ok()) return inserted.status();
  return static_cast<int>(inserted.value().Changed());
}

// This worker's unstarted claims of the host that are still in time, then new ones.
Result<std::vector<UrlEntry>> PgStateStore::NextPending(const std::string& host, int64_t,
                                                        size_t limit) {
  std::vector<UrlEntry> entries;
  std::vector<int64_t> lapsed;
  for (const auto& [id, claim] : claims_) {
    if (claim.host != host || claim.started) continue;
    if (NowMs() - claim.claimed_ms > kStartDeadlineMs) {
      lapsed.push_back(id);
    } else if (entries.size() < limit) {
      entries.push_back(claim.entry);
    }
  }
  Status released = Release(lapsed);
  if (!released.ok()) return released;
  if (entries.size() >= limit) return entries;
  Result<std::vector<UrlEntry>> more = ClaimMore(host, limit - entries.size());
  if (!more.ok()) return more.status();
  for (UrlEntry& entry : more.value()) entries.push_back(std::move(entry));
  return entries;
}

// One short transaction: the host's row if it is due and free, its leases counted, up to
// `limit` URLs leased, the host's next slot moved on.
Result<std::vector<UrlEntry>> PgStateStore::ClaimMore(const std::string& host, size_t limit) {
  std::vector<UrlEntry> claimed;
  SharedHostState row;
  const int64_t token = static_cast<int64_t>(tokens_() >> 1);
  Status status = db_->Transaction([&]() -> Status {
    claimed.clear();
    const int64_t began_ms = NowMs();
    // Due and free: its slot and pause over, its breaker closed or half-open. A dead host's
    // URLs are claimed at once, without spacing: they fail without a request.
    Result<PgRows> due =
        db_->Exec(std::string("SELECT ") + kHostColumns +
                      " FROM hosts WHERE job_id = $1 AND host = $2 AND (dead OR (next_at <= now()"
                      " AND paused_until <= now() AND (NOT breaker_open OR half_open_at <= now())))"
                      " FOR UPDATE SKIP LOCKED",
                  {job_param_, host});
    if (!due.ok()) return due.status();
    if (due.value().size() == 0) return Status::Ok();
    row = ReadHost(due.value(), 0);
    int64_t take = static_cast<int64_t>(std::min<size_t>(limit, 1 << 20));
    if (!row.dead) {
      Result<PgRows> leased = db_->Exec(
          "SELECT count(*) FROM urls WHERE job_id = $1 AND host = $2"
          " AND lease_token IS NOT NULL AND state = 'pending'",
          {job_param_, host});
      if (!leased.ok()) return leased.status();
      const int64_t held = leased.value().Int(0, 0);
      take = std::min<int64_t>(take, options_.per_host - held);
      // Half-open: one probe for all workers, once every request of before has ended.
      if (row.breaker_open) take = held == 0 ? std::min<int64_t>(take, 1) : 0;
      if (row.delay_ms > 0) take = std::min<int64_t>(take, 1);
    }
    if (take <= 0) return Status::Ok();
    Result<PgRows> picked = db_->Exec(
        // The host's frontier in claim order (urls_frontier), not_before applied to what it
        // yields: OFFSET 0 keeps the planner from taking urls_due and sorting the whole range.
        std::string("WITH picked AS (SELECT id FROM (SELECT id, not_before FROM urls"
                    " WHERE job_id = $1 AND host = $2 AND state = 'pending'"
                    " AND lease_token IS NULL ORDER BY depth, id OFFSET 0) AS f"
                    " WHERE not_before <= now() LIMIT $3 FOR UPDATE SKIP LOCKED)"
                    " UPDATE urls u SET lease_owner = $4, lease_token = $5,"
                    " lease_expires = now() + $6 * interval '1 millisecond'"
                    " FROM picked WHERE u.id = picked.id RETURNING ") +
            kUColumns,
        {job_param_, host, PgInt(take), options_.worker, PgInt(token), PgInt(options_.lease_ms)});
    if (!picked.ok()) return picked.status();
    for (int i = 0; i < picked.value().size(); ++i) claimed.push_back(ReadEntry(picked.value(), i));
    if (claimed.empty() || row.dead) return Status::Ok();
    return db_
        ->Exec(
            // The next slot counts from the server's clock as this statement runs, plus
            // what may pass until the request is on the wire: the COMMIT's answer (less
            // than this transaction's round trips so far) and Starting's deadline.
            "UPDATE hosts SET next_at = clock_timestamp() + (delay_ms + CASE WHEN delay_ms > 0"
            " THEN $3 ELSE 0 END) * interval '1 millisecond' WHERE job_id = $1 AND host = $2",
            {job_param_, host,
             PgInt(kStartDeadlineMs + kSlackMs + std::min<int64_t>(1000, NowMs() - began_ms))})
        .status();
  });
  if (!status.ok()) return status;
  const int64_t claimed_ms = NowMs();  // Starting's deadline runs from the COMMIT's answer.
  std::sort(claimed.begin(), claimed.end(), [](const UrlEntry& a, const UrlEntry& b) {
    return a.depth != b.depth ? a.depth < b.depth : a.id < b.id;
  });
  for (const UrlEntry& entry : claimed) {
    claims_[entry.id] = Claim{token, host, claimed_ms, false, entry};
  }
  if (!claimed.empty()) claimed_hosts_[host] = row;
  return claimed;
}

Result<std::optional<int64_t>> PgStateStore::EarliestPendingTime(int64_t after_ms) {
  if (after_ms == INT64_MIN) {
    return EngineTime(
        "SELECT not_before FROM urls WHERE job_id = $1 AND state = 'pending'"
        " ORDER BY not_before LIMIT 1",
        {job_param_});
  }
  return EngineTime(
      "SELECT not_before FROM urls WHERE job_id = $1 AND state = 'pending' AND not_before > " +
          ServerTime(2) + " ORDER BY not_before LIMIT 1",
      {job_param_, PgInt(after_ms - NowMs())});
}

// When a claim of the host could next succeed: its slot, its pause, its breaker's cooldown
// and its first unleased URL due, whichever is last (a dead host: that URL alone). Leased
// URLs (by others: this worker's own are in its hands) may come back or free a slot at any
// moment, so with no unleased URL, or every slot leased, or a half-open breaker waiting for
// them, the host is asked again after kLeasedRecheckMs. At most kRecheckMs from now; nullopt
// when the host has nothing pending.
Result<std::optional<int64_t>> PgStateStore::HostDueTime(const std::string& host) {
  Result<std::optional<int64_t>> due = EngineTime(
      "SELECT CASE WHEN m IS NULL AND l.n = 0 THEN NULL"
      " WHEN h.dead THEN COALESCE(m, w)"
      " ELSE GREATEST(h.next_at, h.paused_until,"
      " CASE WHEN m IS NULL OR l.n >= $3 THEN w ELSE m END,"
      " CASE WHEN h.breaker_open THEN h.half_open_at END,"
      " CASE WHEN h.breaker_open AND l.n > 0 THEN w END) END"
      " FROM hosts h, LATERAL (SELECT count(*) FROM (SELECT 1 FROM urls WHERE job_id = $1"
      " AND host = $2 AND lease_token IS NOT NULL AND state = 'pending' LIMIT $3) AS x) AS l(n),"
      " LATERAL (SELECT now() + $4 * interval '1 millisecond',"
      " (SELECT not_before FROM urls WHERE job_id = $1 AND host = $2 AND state = 'pending'"
      " AND lease_token IS NULL ORDER BY not_before LIMIT 1)) AS f(w, m)"
      " WHERE h.job_id = $1 AND h.host = $2",
      {job_param_, host, PgInt(options_.per_host), PgInt(kLeasedRecheckMs)});
  if (!due.ok() || !due.value()) return due;
  return std::optional<int64_t>(std::min(*due.value(), NowMs() + kRecheckMs));
}

Result<int> PgStateStore::RedirectHops(int64_t id, int limit) {
  Result<PgRows> rows = db_->Exec(
      "WITH RECURSIVE chain(parent, n) AS (SELECT parent_id, 0 FROM urls WHERE id = $1"
      " UNION ALL SELECT u.parent_id, c.n + 1 FROM chain c JOIN urls u ON u.id = c.parent"
      " WHERE u.state = 'skipped' AND u.reason = 'redirected' AND c.n < $2)"
      " SELECT COALESCE(max(n), 0) FROM chain",
      {PgInt(id), PgInt(limit)});
  if (!rows.ok()) return rows.status();
  return static_cast<int>(rows.value().Int(0, 0));
}

Result<int> PgStateStore::SkipPendingOutside(const std::set<std::string>& hosts) {
  Result<PgRows> skipped = db_->Exec(
      "UPDATE urls SET state = 'skipped', reason = 'out_of_scope', processing = false"
      " WHERE job_id = $1 AND state = 'pending' AND lease_token IS NULL"
      " AND host <> ALL($2::text[])",
      {job_param_, PgArray(hosts)});
  if (!skipped.ok()) return skipped.status();
  return static_cast<int>(skipped.value().Changed());
}

Result<int> PgStateStore::RequeueStale(int64_t older_than_ms, const std::set<std::string>& hosts,
                                       const std::string& kind) {
  Result<PgRows> requeued = db_->Exec(
      "UPDATE urls SET state = 'pending', reason = NULL, attempts = 0, not_before = '-infinity'"
      " WHERE job_id = $1 AND state = 'done' AND fetched_at_ms < $2 AND host = ANY($3::text[])"
      " AND ($4 = '' OR kind = $4)",
      {job_param_, PgInt(older_than_ms), PgArray(hosts), kind});
  if (!requeued.ok()) return requeued.status();
  return static_cast<int>(requeued.value().Changed());
}

Result<int> PgStateStore::RequeueDone(const std::vector<std::string>& urls) {
  Result<PgRows> requeued = db_->Exec(
      "UPDATE urls SET state = 'pending', reason = NULL, attempts = 0, not_before = '-infinity'"
      " WHERE job_id = $1 AND state = 'done' AND url = ANY($2::text[])",
      {job_param_, PgArray(urls)});
  if (!requeued.ok()) return requeued.status();
  return static_cast<int>(requeued.value().Changed());
}

Result<int> PgStateStore::RequeueFailed(const HealFilter& filter,
                                        const std::set<std::string>& hosts) {
  // GLOB patterns become LIKE ones: * -> %, ? -> _, with LIKE's own characters escaped.
  std::vector<std::string> patterns;
  for (const std::string& glob : filter.reasons) {
    std::string like;
    for (const char c : glob) {
      if (c == '*')
        like += '%';
      else if (c == '?')
        like += '_';
      else if (c == '%' || c == '_' || c == '\\')
        like += std::string("\\") + c;
      else
        like += c;
    }
    patterns.push_back(like);
  }
  Result<PgRows> requeued = db_->Exec(
      "UPDATE urls SET state = 'pending', attempts = 0, not_before = '-infinity',"
      " processing = false, heals = heals + 1"
      " WHERE job_id = $1 AND state = 'failed' AND host = ANY($2::text[])"
      " AND COALESCE(failed_at_ms, 0) < $3 AND ($4 < 0 OR heals < $4)"
      " AND (cardinality($5::text[]) = 0 OR reason LIKE ANY($5::text[]))",
      {job_param_, PgArray(hosts), PgInt(filter.failed_before_ms), PgInt(filter.max_heals),
       PgArray(patterns)});
  if (!requeued.ok()) return requeued.status();
  return static_cast<int>(requeued.value().Changed());
}

Result<UrlEntry> PgStateStore::Get(int64_t id) {
  Result<PgRows> rows =
      db_->Exec(std::string("SELECT ") + kColumns + " FROM urls WHERE job_id = $1 AND id = $2",
                {job_param_, PgInt(id)});
  if (!rows.ok()) return rows.status();
  if (rows.value().size() == 0) {
    return Status::Error(db_->where() + ": no URL with id " + std::to_string(id));
  }
  return ReadEntry(rows.value(), 0);
}

Result<std::optional<UrlEntry>> PgStateStore::Find(const std::string& url) {
  Result<PgRows> rows =
      db_->Exec(std::string("SELECT ") + kColumns + " FROM urls WHERE job_id = $1 AND url = $2",
                {job_param_, url});
  if (!rows.ok()) return rows.status();
  if (rows.value().size() == 0) return std::optional<UrlEntry>();
  return std::optional<UrlEntry>(ReadEntry(rows.value(), 0));
}

Result<StateStore::Counts> PgStateStore::CountStates() {
  Result<PgRows> rows = db_->Exec(
      "SELECT host, state, reason, count(*) FROM urls WHERE job_id = $1"
      " GROUP BY host, state, reason",
      {job_param_});
  if (!rows.ok()) return rows.status();
  Counts counts;
  for (int i = 0; i < rows.value().size(); ++i) {
    const std::string state = rows.value().Text(i, 1);
    const int64_t n = rows.value().Int(i, 3);
    counts.by_host_state[rows.value().Text(i, 0)][state] += n;
    if (state == "pending") counts.pending += n;
    if (state == "done") counts.done += n;
    if (state == "failed") counts.failed += n;
    if (state == "skipped") counts.skipped += n;
    if (state == "failed" || state == "skipped") {
      counts.by_reason[state + ":" + rows.value().Text(i, 2)] += n;
    }
  }
  return counts;
}

}  // namespace medscrape

// PgStateStore transitions of one URL. Every UPDATE matches `state = 'pending'` and the
// URL's lease token (NULL when this worker holds no claim on it), and ends the lease: a
// worker whose lease was lost changes nothing, and is told nothing it must act on; a URL
// that is this worker's but no longer pending is an error naming its state, as in SQLite.
#include "crawl/pg_state_store.h"

namespace medscrape {
namespace {

constexpr char kEndLease[] =
    " lease_owner = NULL, lease_token = NULL, lease_expires = NULL, processing = false";
constexpr char kMine[] =
    " WHERE id = $1 AND state = 'pending' AND lease_token IS NOT DISTINCT FROM $2";

std::string Update(const std::string& set) {
  return "UPDATE urls SET " + set + "," + kEndLease + kMine;
}

// $3.. : last_status, etag, last_modified, content_sha256, fetched_at_ms, fields_sha256,
// payload_digest, archived_at_ms. A 304 may omit validators: NULL keeps the stored value.
const std::string& DoneSql(bool keep_validators) {
  static const std::string done = Update(
      "state = 'done', reason = NULL, last_status = $3, etag = $4, last_modified = $5,"
      " content_sha256 = $6, fetched_at_ms = $7, fields_sha256 = COALESCE($8, fields_sha256),"
      " payload_digest = COALESCE($9, payload_digest),"
      " archived_at_ms = COALESCE($10, archived_at_ms)");
  static const std::string unchanged = Update(
      "state = 'done', reason = NULL, last_status = $3, etag = COALESCE($4, etag),"
      " last_modified = COALESCE($5, last_modified),"
      " content_sha256 = COALESCE($6, content_sha256), fetched_at_ms = $7,"
      " fields_sha256 = COALESCE($8, fields_sha256),"
      " payload_digest = COALESCE($9, payload_digest),"
      " archived_at_ms = COALESCE($10, archived_at_ms)");
  return keep_validators ? unchanged : done;
}

std::vector<PgParam> DoneParams(const DoneInfo& info, bool keep_validators) {
  const auto text = [keep_validators](const std::string& value) {
    return keep_validators ? PgTextOrNull(value) : PgText(value);
  };
  return {PgInt(info.status),
          text(info.etag),
          text(info.last_modified),
          text(info.content_sha256),
          PgInt(info.fetched_at_ms),
          PgTextOrNull(info.fields_sha256),
          PgTextOrNull(info.payload_digest),
          info.archived_at_ms > 0 ? PgInt(info.archived_at_ms) : PgParam()};
}

}  // namespace

Status PgStateStore::Transition(int64_t id, const std::string& sql, std::vector<PgParam> params,
                                const std::function<Status()>& also, bool* applied) {
  auto claim = claims_.find(id);
  const PgParam token = claim == claims_.end() ? PgParam() : PgInt(claim->second.token);
  params.insert(params.begin(), {PgInt(id), token});
  bool changed = false;
  Status status = db_->Transaction([&]() -> Status {
    changed = false;
    Result<PgRows> update = db_->Exec(sql, params);
    if (!update.ok()) return update.status();
    if (update.value().Changed() == 0) {
      Result<PgRows> row = db_->Exec(
          "SELECT state, lease_token IS NOT DISTINCT FROM $2 FROM urls WHERE job_id = $1"
          " AND id = $3",
          {job_param_, token, PgInt(id)});
      if (!row.ok()) return row.status();
      if (row.value().size() == 0) {
        return Status::Error(db_->where() + ": no URL with id " + std::to_string(id));
      }
      // Only a claim of this worker's that is still its own yet not pending is a bug; a URL
      // settled without a claim (a redirect's target) that another worker finished first
      // is the same as a lost lease.
      if (token && row.value().Text(0, 1) == "t") {
        return Status::Error(db_->where() + ": URL " + std::to_string(id) + " is " +
                             row.value().Text(0, 0) + ", not pending");
      }
      return Status::Ok();  // The lease was lost: someone else's URL now.
    }
    changed = true;
    Status more = also ? also() : Status::Ok();
    return more.ok() ? FlushArchives() : more;
  });
  if (!status.ok()) return status;
  if (applied != nullptr) *applied = changed;
  if (!changed) ++lost_leases_;
  claims_.erase(id);
  if (changed) staged_archives_.clear();
  return Status::Ok();
}

Status PgStateStore::SetProcessing(int64_t id, bool processing) {
  auto claim = claims_.find(id);
  const PgParam token = claim == claims_.end() ? PgParam() : PgInt(claim->second.token);
  return db_
      ->Exec("UPDATE urls SET processing = $3" + std::string(kMine),
             {PgInt(id), token, processing ? "true" : "false"})
      .status();
}

Result<int> PgStateStore::MarkDone(int64_t id, const DoneInfo& info, int64_t,
                                   const std::vector<NewUrl>& outlinks) {
  int added = 0;
  Status status = Transition(id, DoneSql(false), DoneParams(info, false), [&]() -> Status {
    std::string_view line = info.record;  // Stored as one JSON text, without its newline.
    while (!line.empty() && line.back() == '\n') line.remove_suffix(1);
    if (!line.empty()) {
      Status inserted = db_->Exec(
                               "INSERT INTO records(job_id, url_id, fetched_at_ms, line, worker)"
                               " VALUES($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                               {job_param_, PgInt(id), PgInt(info.fetched_at_ms), std::string(line),
                                options_.worker})
                            .status();
      if (!inserted.ok()) return inserted;
    }
    Result<int> urls = InsertUrls(outlinks);
    added = urls.ok() ? urls.value() : 0;
    return urls.status();
  });
  if (!status.ok()) return status;
  return added;
}

Result<int> PgStateStore::MarkHubDone(int64_t id, const DoneInfo& info,
                                      const std::vector<NewUrl>& outlinks) {
  DoneInfo hub = info;
  hub.record = {};
  return MarkDone(id, hub, 0, outlinks);
}

Status PgStateStore::MarkUnchanged(int64_t id, const DoneInfo& info) {
  return Transition(id, DoneSql(true), DoneParams(info, true));
}

Status PgStateStore::MarkFailed(int64_t id, const std::string& reason, int last_status,
                                int64_t failed_at_ms) {
  return Transition(id,
                    Update("state = 'failed', reason = $3, last_status = $4, failed_at_ms = $5"),
                    {reason, PgInt(last_status), PgInt(failed_at_ms)});
}

Status PgStateStore::MarkSkipped(int64_t id, const std::string& reason) {
  return Transition(id, Update("state = 'skipped', reason = $3"), {reason});
}

Status PgStateStore::ScheduleRetry(int64_t id, int attempts, int64_t not_before_ms,
                                   const std::string& reason) {
  return Transition(id, Update("attempts = $3, not_before = " + ServerTime(4) + ", reason = $5"),
                    {PgInt(attempts), PgInt(not_before_ms - NowMs()), reason});
}

Status PgStateStore::Postpone(int64_t id, int64_t not_before_ms) {
  return Transition(id, Update("not_before = " + ServerTime(3)), {PgInt(not_before_ms - NowMs())});
}

}  // namespace medscrape

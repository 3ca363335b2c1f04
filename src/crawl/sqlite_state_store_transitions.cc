// SqliteStateStore transitions of one URL. Every UPDATE here matches `state = 'pending'` only, so
// a URL already done, failed or skipped is never recorded a second time; the caller gets an
// error naming its state instead. Every transition clears the processing marker.
#include "crawl/sqlite_state_store.h"

namespace medscrape {
namespace {

constexpr char kDoneSql[] =
    "UPDATE urls SET state = 'done', reason = NULL, processing = 0, last_status = ?2,"
    " etag = ?3, last_modified = ?4, content_sha256 = ?5, fetched_at_ms = ?6,"
    " fields_sha256 = COALESCE(?7, fields_sha256), payload_digest = COALESCE(?8, payload_digest),"
    " archived_at_ms = COALESCE(?9, archived_at_ms) WHERE id = ?1 AND state = 'pending'";

// A 304 may omit validators: NULL (an empty string) keeps the stored value.
constexpr char kUnchangedSql[] =
    "UPDATE urls SET state = 'done', reason = NULL, processing = 0, last_status = ?2,"
    " etag = COALESCE(?3, etag), last_modified = COALESCE(?4, last_modified),"
    " content_sha256 = COALESCE(?5, content_sha256), fetched_at_ms = ?6,"
    " fields_sha256 = COALESCE(?7, fields_sha256), payload_digest = COALESCE(?8, payload_digest),"
    " archived_at_ms = COALESCE(?9, archived_at_ms) WHERE id = ?1 AND state = 'pending'";

}  // namespace

Status SqliteStateStore::SetProcessing(int64_t id, bool processing) {
  Result<Query> update =
      db_->Prepare("UPDATE urls SET processing = ?2 WHERE id = ?1 AND state = 'pending'");
  if (!update.ok()) return update.status();
  update.value().Bind(1, id).Bind(2, int64_t{processing ? 1 : 0});
  return RunTransition(update.value(), id);
}

Result<int> SqliteStateStore::MarkDone(int64_t id, const DoneInfo& info, int64_t output_offset,
                                       const std::vector<NewUrl>& outlinks) {
  return CommitDone(id, info, output_offset, outlinks);
}

Result<int> SqliteStateStore::MarkHubDone(int64_t id, const DoneInfo& info,
                                          const std::vector<NewUrl>& outlinks) {
  return CommitDone(id, info, std::nullopt, outlinks);
}

// The done state, the output offset and the outlinks commit together or not at all.
Result<int> SqliteStateStore::CommitDone(int64_t id, const DoneInfo& info,
                                         std::optional<int64_t> output_offset,
                                         const std::vector<NewUrl>& outlinks) {
  Result<Transaction> txn = Transaction::Begin(db_.get());
  if (!txn.ok()) return txn.status();
  in_commit_ = true;
  Status done = UpdateDone(kDoneSql, id, info);
  in_commit_ = false;
  if (done.ok() && output_offset) done = StoreOutputOffset(*output_offset);
  if (done.ok()) done = FlushArchives();
  if (!done.ok()) return done;
  Result<int> added = InsertUrls(outlinks);
  if (!added.ok()) return added;
  Status committed = txn.value().Commit();
  if (!committed.ok()) return committed;
  staged_archives_.clear();
  return added;
}

Status SqliteStateStore::MarkUnchanged(int64_t id, const DoneInfo& info) {
  return UpdateDone(kUnchangedSql, id, info);
}

Status SqliteStateStore::UpdateDone(const char* sql, int64_t id, const DoneInfo& info) {
  Result<Query> update = db_->Prepare(sql);
  if (!update.ok()) return update.status();
  Query& query = update.value();
  query.Bind(1, id).Bind(2, int64_t{info.status}).BindTextOrNull(3, info.etag);
  query.BindTextOrNull(4, info.last_modified).BindTextOrNull(5, info.content_sha256);
  query.Bind(6, info.fetched_at_ms).BindTextOrNull(7, info.fields_sha256);
  query.BindTextOrNull(8, info.payload_digest);
  if (info.archived_at_ms != 0) {
    query.Bind(9, info.archived_at_ms);
  } else {
    query.BindTextOrNull(9, "");
  }
  return RunTransition(query, id);
}

Status SqliteStateStore::MarkFailed(int64_t id, const std::string& reason, int last_status,
                                    int64_t failed_at_ms) {
  if (reason.empty()) return Status::Error(path_ + ": a failed URL needs a reason");
  Result<Query> update = db_->Prepare(
      "UPDATE urls SET state = 'failed', reason = ?2, last_status = ?3, processing = 0,"
      " failed_at_ms = ?4 WHERE id = ?1 AND state = 'pending'");
  if (!update.ok()) return update.status();
  update.value().Bind(1, id).Bind(2, reason).Bind(3, int64_t{last_status}).Bind(4, failed_at_ms);
  return RunTransition(update.value(), id);
}

Status SqliteStateStore::MarkSkipped(int64_t id, const std::string& reason) {
  if (reason.empty()) return Status::Error(path_ + ": a skipped URL needs a reason");
  Result<Query> update = db_->Prepare(
      "UPDATE urls SET state = 'skipped', reason = ?2, processing = 0"
      " WHERE id = ?1 AND state = 'pending'");
  if (!update.ok()) return update.status();
  update.value().Bind(1, id).Bind(2, reason);
  return RunTransition(update.value(), id);
}

Status SqliteStateStore::ScheduleRetry(int64_t id, int attempts, int64_t not_before_ms,
                                       const std::string& reason) {
  Result<Query> update = db_->Prepare(
      "UPDATE urls SET attempts = ?2, not_before_ms = ?3, reason = ?4, processing = 0"
      " WHERE id = ?1 AND state = 'pending'");
  if (!update.ok()) return update.status();
  update.value().Bind(1, id).Bind(2, int64_t{attempts}).Bind(3, not_before_ms);
  update.value().BindTextOrNull(4, reason);
  return RunTransition(update.value(), id);
}

Status SqliteStateStore::Postpone(int64_t id, int64_t not_before_ms) {
  Result<Query> update = db_->Prepare(
      "UPDATE urls SET not_before_ms = ?2, processing = 0 WHERE id = ?1 AND state = 'pending'");
  if (!update.ok()) return update.status();
  update.value().Bind(1, id).Bind(2, not_before_ms);
  return RunTransition(update.value(), id);
}

// A one-statement UPDATE runs in autocommit, which takes the write lock as it starts, just
// as BEGIN IMMEDIATE would; inside CommitDone it joins the open transaction.
Status SqliteStateStore::RunTransition(Query& update, int64_t id) {
  if (staged_archives_.empty() || in_commit_) {
    Status run = update.Run();
    return run.ok() ? CheckTransition(id) : run;
  }
  Result<Transaction> txn = Transaction::Begin(db_.get());
  if (!txn.ok()) return txn.status();
  Status run = update.Run();
  if (run.ok()) run = CheckTransition(id);
  if (run.ok()) run = FlushArchives();
  if (run.ok()) run = txn.value().Commit();
  if (run.ok()) staged_archives_.clear();
  return run;
}

Status SqliteStateStore::CheckTransition(int64_t id) {
  if (db_->Changes() == 1) return Status::Ok();
  Result<UrlEntry> entry = Get(id);
  if (!entry.ok()) return entry.status();
  const UrlEntry& url = entry.value();
  return Status::Error(path_ + ": " + url.url + " is not pending but " + url.state +
                       (url.reason.empty() ? "" : ":" + url.reason));
}

}  // namespace medscrape

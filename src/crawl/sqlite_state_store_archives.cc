// SqliteStateStore's archive (WARC) files: each file's committed end, staged by the engine
// after it appends records and written with the next URL transition.
#include "crawl/sqlite_state_store.h"

namespace medscrape {

Result<int64_t> SqliteStateStore::UseArchive(const std::string& path, int64_t size_if_new) {
  Result<Query> insert =
      db_->Prepare("INSERT OR IGNORE INTO archives(path, offset) VALUES(?1, ?2)");
  if (!insert.ok()) return insert.status();
  Status inserted = insert.value().Bind(1, path).Bind(2, size_if_new).Run();
  if (!inserted.ok()) return inserted;
  Result<Query> select = db_->Prepare("SELECT offset FROM archives WHERE path = ?1");
  if (!select.ok()) return select.status();
  Result<bool> row = select.value().Bind(1, path).Step();
  if (!row.ok()) return row.status();
  if (!row.value()) return Status::Error(path_ + ": archive " + path + " vanished from the job");
  return select.value().Int(0);
}

void SqliteStateStore::StageArchive(const std::string& path, int64_t offset) {
  staged_archives_[path] = offset;
}

Status SqliteStateStore::FlushArchives() {
  for (const auto& [path, offset] : staged_archives_) {
    Result<Query> update = db_->Prepare("UPDATE archives SET offset = ?2 WHERE path = ?1");
    if (!update.ok()) return update.status();
    Status run = update.value().Bind(1, path).Bind(2, offset).Run();
    if (!run.ok()) return run;
    if (db_->Changes() != 1) return Status::Error(path_ + ": archive " + path + " is not known");
  }
  return Status::Ok();
}

Status SqliteStateStore::CommitArchives() {
  if (staged_archives_.empty()) return Status::Ok();
  Result<Transaction> txn = Transaction::Begin(db_.get());
  if (!txn.ok()) return txn.status();
  Status done = FlushArchives();
  if (done.ok()) done = txn.value().Commit();
  if (done.ok()) staged_archives_.clear();
  return done;
}

Result<std::vector<OutputFile>> SqliteStateStore::Archives() {
  return ReadFiles("SELECT path, offset FROM archives ORDER BY id");
}

}  // namespace medscrape

// SqliteStateStore output files and runs: the committed offset of every output file the job
// wrote (so each run may write a file of its own, exactly once), and the history of runs
// with their stats (the drift alarm's baselines).
#include <cerrno>
#include <cstdlib>

#include "crawl/sqlite_state_store.h"

namespace medscrape {
namespace {

constexpr char kLegacyOffsetKey[] = "output_offset";  // A version 2 job's one offset.

}  // namespace

// A version 2 job kept one offset under job.output_offset for its one file; the first file
// used takes it over (in the same transaction the key goes away).
Result<int64_t> SqliteStateStore::UseOutput(const std::string& path) {
  Result<Transaction> txn = Transaction::Begin(db_.get());
  if (!txn.ok()) return txn.status();
  output_.reset();
  Result<int64_t> legacy = OutputOffset();
  if (!legacy.ok()) return legacy.status();
  Result<std::vector<OutputFile>> outputs = Outputs();
  if (!outputs.ok()) return outputs.status();
  const int64_t inherited = outputs.value().empty() ? legacy.value() : 0;
  Result<Query> insert = db_->Prepare("INSERT OR IGNORE INTO outputs(path, offset) VALUES(?1, ?2)");
  if (!insert.ok()) return insert.status();
  Status done = insert.value().Bind(1, path).Bind(2, inherited).Run();
  if (done.ok()) done = db_->Exec("DELETE FROM job WHERE key = 'output_offset'");
  if (!done.ok()) return done;
  output_ = path;
  Result<int64_t> offset = OutputOffset();
  if (!offset.ok()) return offset;
  done = txn.value().Commit();
  if (!done.ok()) return done;
  return offset;
}

Status SqliteStateStore::RewindOutput(int64_t offset) {
  if (!output_) return Status::Error(path_ + ": no output file in use to rewind");
  Result<Query> update = db_->Prepare("UPDATE outputs SET offset = ?2 WHERE path = ?1");
  if (!update.ok()) return update.status();
  return update.value().Bind(1, *output_).Bind(2, offset).Run();
}

Result<int64_t> SqliteStateStore::OutputOffset() {
  if (output_) {
    Result<Query> select = db_->Prepare("SELECT offset FROM outputs WHERE path = ?1");
    if (!select.ok()) return select.status();
    Result<bool> row = select.value().Bind(1, *output_).Step();
    if (!row.ok()) return row.status();
    return row.value() ? select.value().Int(0) : int64_t{0};
  }
  Result<std::optional<std::string>> value = GetJobValue(kLegacyOffsetKey);
  if (!value.ok()) return value.status();
  if (!value.value()) return int64_t{0};
  const std::string& text = *value.value();
  char* end = nullptr;
  errno = 0;
  const long long offset = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || offset < 0) {
    return Status::Error(path_ + ": corrupt output_offset \"" + text + "\"");
  }
  return int64_t{offset};
}

Result<std::vector<OutputFile>> SqliteStateStore::Outputs() {
  return ReadFiles("SELECT path, offset FROM outputs ORDER BY id");
}

Result<std::vector<OutputFile>> SqliteStateStore::ReadFiles(const char* sql) {
  Result<Query> select = db_->Prepare(sql);
  if (!select.ok()) return select.status();
  std::vector<OutputFile> files;
  for (;;) {
    Result<bool> row = select.value().Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return files;
    files.push_back(OutputFile{select.value().Text(0), select.value().Int(1)});
  }
}

Status SqliteStateStore::StoreOutputOffset(int64_t output_offset) {
  Result<int64_t> committed = OutputOffset();
  if (!committed.ok()) return committed.status();
  if (output_offset < committed.value()) {
    return Status::Error(path_ + ": output offset " + std::to_string(output_offset) +
                         " is behind the committed " + std::to_string(committed.value()));
  }
  if (!output_) return SetJobValue(kLegacyOffsetKey, std::to_string(output_offset));
  Result<Query> update = db_->Prepare(
      "INSERT INTO outputs(path, offset) VALUES(?1, ?2)"
      " ON CONFLICT(path) DO UPDATE SET offset = excluded.offset");
  if (!update.ok()) return update.status();
  return update.value().Bind(1, *output_).Bind(2, output_offset).Run();
}

Result<int64_t> SqliteStateStore::BeginRun(int64_t started_at_ms) {
  Result<Query> insert = db_->Prepare("INSERT INTO runs(started_at_ms) VALUES(?1)");
  if (!insert.ok()) return insert.status();
  Status run = insert.value().Bind(1, started_at_ms).Run();
  if (!run.ok()) return run;
  return db_->LastInsertRowId();
}

Status SqliteStateStore::EndRun(int64_t run_id, int64_t ended_at_ms,
                                const std::string& finish_reason, const std::string& stats) {
  Result<Query> update = db_->Prepare(
      "UPDATE runs SET ended_at_ms = ?2, finish_reason = ?3, stats = ?4 WHERE id = ?1");
  if (!update.ok()) return update.status();
  update.value().Bind(1, run_id).Bind(2, ended_at_ms).Bind(3, finish_reason).Bind(4, stats);
  Status run = update.value().Run();
  if (!run.ok()) return run;
  if (db_->Changes() != 1) return Status::Error(path_ + ": no run " + std::to_string(run_id));
  return Status::Ok();
}

Result<std::vector<RunRecord>> SqliteStateStore::Runs(size_t limit) {
  Result<Query> select = db_->Prepare(
      "SELECT id, started_at_ms, ended_at_ms, finish_reason, stats FROM runs"
      " ORDER BY id DESC LIMIT ?1");
  if (!select.ok()) return select.status();
  Query& query = select.value();
  query.Bind(1, static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)));
  std::vector<RunRecord> runs;
  for (;;) {
    Result<bool> row = query.Step();
    if (!row.ok()) return row.status();
    if (!row.value()) return runs;
    runs.push_back(
        RunRecord{query.Int(0), query.Int(1), query.Int(2), query.Text(3), query.Text(4)});
  }
}

}  // namespace medscrape

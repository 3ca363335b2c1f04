#include "crawl/pg_export.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/write_all.h"
#include "crawl/pg_state_store.h"

namespace medscrape {
namespace {

constexpr int64_t kBatch = 5000;            // Records read per statement.
constexpr int64_t kPatienceMs = 60 * 1000;  // How long a step waits out a server restart.

Status Errno(const std::string& path, const char* what) {
  return Status::Error(path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

RecordExport::~RecordExport() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<RecordExport>> RecordExport::Open(const std::string& url,
                                                         const std::string& job,
                                                         const std::string& path,
                                                         std::string* warning) {
  Result<std::unique_ptr<PgDb>> db = PgDb::Connect(url, kPatienceMs);
  if (!db.ok()) return db.status();
  Status status = PgStateStore::Migrate(*db.value());
  if (!status.ok()) return status;
  std::unique_ptr<RecordExport> out(new RecordExport(std::move(db).value(), path));
  Result<PgRows> found = out->db_->Exec("SELECT id FROM jobs WHERE name = $1", {job});
  if (!found.ok()) return found.status();
  if (found.value().size() == 0) {
    return Status::Error(StatusCode::kNotFound, out->db_->where() + ": no job named " + job +
                                                    " (medscrape jobs lists them)");
  }
  out->job_id_ = found.value().Text(0, 0);
  out->fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (out->fd_ < 0) return Errno(path, "cannot open");
  if (::flock(out->fd_, LOCK_EX | LOCK_NB) != 0) {
    return Status::Error(StatusCode::kLocked, path + ": another export is writing it");
  }
  Result<PgRows> row = out->db_->Exec(
      "INSERT INTO exports(job_id, path) VALUES($1, $2) ON CONFLICT (job_id, path)"
      " DO UPDATE SET path = EXCLUDED.path RETURNING id, \"offset\"",
      {out->job_id_, path});
  if (!row.ok()) return row.status();
  out->export_id_ = row.value().Text(0, 0);
  out->offset_ = row.value().Int(0, 1);
  struct stat info;
  if (::fstat(out->fd_, &info) != 0) return Errno(path, "cannot stat");
  if (info.st_size < out->offset_) {
    return Status::Error(path + " holds " + std::to_string(info.st_size) + " bytes but " +
                         std::to_string(out->offset_) +
                         " were exported to it (moved or truncated?): export to a new file");
  }
  if (info.st_size > out->offset_) {
    if (::ftruncate(out->fd_, out->offset_) != 0) return Errno(path, "cannot cut back");
    *warning = path + ": cut back to its last committed record (" + std::to_string(out->offset_) +
               " bytes): the tail of an interrupted export";
  }
  return out;
}

Status RecordExport::Append(const std::string& lines, int64_t at) {
  return WriteAll(fd_, lines, static_cast<off_t>(at)) ? Status::Ok() : Errno(path_, "cannot write");
}

Result<int64_t> RecordExport::Step() {
  int64_t appended = 0;
  int64_t end = offset_;
  Status status = db_->Transaction([&]() -> Status {
    appended = 0;
    Status iso = db_->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ").status();
    if (!iso.ok()) return iso;
    Result<PgRows> state = db_->Exec(
        "SELECT seen_xmin, pg_snapshot_xmin(pg_current_snapshot()), \"offset\" FROM exports"
        " WHERE id = $1 FOR UPDATE",
        {export_id_});
    if (!state.ok()) return state.status();
    // Appends start at the committed end as the database has it: a retry after a COMMIT
    // whose answer was lost finds the step committed, and must not write over it. What
    // lies past that end was never committed as exported.
    int64_t at = state.value().Int(0, 2);
    if (::ftruncate(fd_, at) != 0) return Errno(path_, "cannot cut back");
    const PgParam seen = state.value().IsNull(0, 0) ? PgParam() : PgParam(state.value().Text(0, 0));
    const std::string xmin = state.value().Text(0, 1);
    std::vector<int64_t> marks;  // Records at or past xmin: the next step sees them again.
    int64_t after = 0;
    for (;;) {
      Result<PgRows> rows = db_->Exec(
          "SELECT r.id, r.line, r.xid >= $4::xid8 FROM records r WHERE r.job_id = $1"
          " AND r.id > $3 AND ($2::xid8 IS NULL OR r.xid >= $2::xid8) AND NOT EXISTS"
          " (SELECT 1 FROM export_marks m WHERE m.export_id = $5 AND m.record_id = r.id)"
          " ORDER BY r.id LIMIT $6",
          {job_id_, seen, PgInt(after), xmin, export_id_, PgInt(kBatch)});
      if (!rows.ok()) return rows.status();
      std::string lines;
      for (int i = 0; i < rows.value().size(); ++i) {
        after = rows.value().Int(i, 0);
        lines += rows.value().Text(i, 1);
        lines += '\n';
        if (rows.value().Text(i, 2) == "t") marks.push_back(after);
      }
      Status written = Append(lines, at);
      if (!written.ok()) return written;
      at += static_cast<int64_t>(lines.size());
      appended += rows.value().size();
      if (rows.value().size() < kBatch) break;
    }
    Status ok = db_->Exec(
                       "DELETE FROM export_marks m USING records r WHERE m.export_id = $1"
                       " AND r.id = m.record_id AND r.xid < $2::xid8",
                       {export_id_, xmin})
                    .status();
    if (ok.ok() && !marks.empty()) {
      ok = db_->Exec(
                  "INSERT INTO export_marks(export_id, record_id) SELECT $1, unnest($2::bigint[])",
                  {export_id_, PgIntArray(marks)})
               .status();
    }
    if (ok.ok()) {
      ok = db_->Exec("UPDATE exports SET \"offset\" = $2, seen_xmin = $3 WHERE id = $1",
                     {export_id_, PgInt(at), xmin})
               .status();
    }
    end = at;
    return ok;
  });
  // On failure the file's tail past the committed end (unknown here: the COMMIT may have
  // landed) is cut by the next step or the next Open, both of which read that end.
  if (!status.ok()) return status;
  offset_ = end;
  Result<PgRows> count = db_->Exec("SELECT count(*) FROM records WHERE job_id = $1", {job_id_});
  if (count.ok()) job_records_ = count.value().Int(0, 0);
  return appended;
}

Status DumpRecords(const std::string& url, const std::string& job, const std::string& path) {
  Result<std::unique_ptr<PgDb>> db = PgDb::Connect(url, kPatienceMs);
  if (!db.ok()) return db.status();
  Result<PgRows> found = db.value()->Exec("SELECT id FROM jobs WHERE name = $1", {job});
  if (!found.ok()) return found.status();
  if (found.value().size() == 0) {
    return Status::Error(db.value()->where() + ": no job named " + job +
                         " (medscrape jobs lists them)");
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno(path, "cannot create");
  int64_t after = 0;
  Status status = Status::Ok();
  while (status.ok()) {
    Result<PgRows> rows = db.value()->Exec(
        "SELECT id, line FROM records WHERE job_id = $1 AND id > $2 ORDER BY id LIMIT $3",
        {found.value().Text(0, 0), PgInt(after), PgInt(kBatch)});
    if (!rows.ok()) {
      status = rows.status();
      break;
    }
    std::string lines;
    for (int i = 0; i < rows.value().size(); ++i) {
      after = rows.value().Int(i, 0);
      lines += rows.value().Text(i, 1);
      lines += '\n';
    }
    if (!lines.empty() &&
        ::write(fd, lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) {
      status = Errno(path, "cannot write");
    }
    if (rows.value().size() < kBatch) break;
  }
  ::close(fd);
  return status;
}

Result<std::vector<JobSummary>> ListJobs(const std::string& url) {
  Result<std::unique_ptr<PgDb>> db = PgDb::Connect(url, kPatienceMs);
  if (!db.ok()) return db.status();
  Status status = PgStateStore::Migrate(*db.value());
  if (!status.ok()) return status;
  Result<PgRows> jobs = db.value()->Exec(
      "SELECT j.id, j.name, to_char(j.created_at AT TIME ZONE 'UTC', "
      "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
      " (SELECT count(*) FILTER (WHERE state = 'pending') FROM urls WHERE job_id = j.id),"
      " (SELECT count(*) FILTER (WHERE state = 'done') FROM urls WHERE job_id = j.id),"
      " (SELECT count(*) FILTER (WHERE state = 'failed') FROM urls WHERE job_id = j.id),"
      " (SELECT count(*) FILTER (WHERE state = 'skipped') FROM urls WHERE job_id = j.id),"
      " (SELECT count(*) FROM urls WHERE job_id = j.id AND lease_token IS NOT NULL),"
      " (SELECT count(*) FROM records WHERE job_id = j.id)"
      " FROM jobs j ORDER BY j.name");
  if (!jobs.ok()) return jobs.status();
  std::vector<JobSummary> out;
  for (int i = 0; i < jobs.value().size(); ++i) {
    JobSummary job;
    const PgRows& row = jobs.value();
    job.name = row.Text(i, 1);
    job.created_at = row.Text(i, 2);
    job.pending = row.Int(i, 3);
    job.done = row.Int(i, 4);
    job.failed = row.Int(i, 5);
    job.skipped = row.Int(i, 6);
    job.leased = row.Int(i, 7);
    job.records = row.Int(i, 8);
    Result<PgRows> workers = db.value()->Exec(
        "SELECT name, machine, pid,"
        " to_char(heartbeat_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
        " ended_at IS NULL AND heartbeat_at > now() - lease_ms * interval '1 millisecond'"
        " FROM workers WHERE job_id = $1 ORDER BY name",
        {row.Text(i, 0)});
    if (!workers.ok()) return workers.status();
    for (int w = 0; w < workers.value().size(); ++w) {
      job.workers.push_back(JobSummary::Worker{
          workers.value().Text(w, 0), workers.value().Text(w, 1), workers.value().Text(w, 3),
          workers.value().Int(w, 2), workers.value().Text(w, 4) == "t"});
    }
    out.push_back(std::move(job));
  }
  return out;
}

}  // namespace medscrape

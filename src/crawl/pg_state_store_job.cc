// PgStateStore's job-wide bookkeeping: the job's values, its runs, the (absent) output file,
// the archive ends committed with the URL transitions, and robots.txt shared per host.
#include <algorithm>

#include "crawl/pg_state_store.h"

namespace medscrape {
namespace {

// A stored robots.txt answer serves every worker for a day (RFC 9309 2.4: a cached copy
// should not be used for longer than 24 hours); then the next claim fetches it again.
constexpr char kRobotsFresh[] = "now() - interval '24 hours'";

// bytea travels as hex text (bodies are bytes, not necessarily UTF-8).
std::string Hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::string Unhex(const std::string& hex) {
  auto value = [](char c) { return c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10; };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(value(hex[i]) << 4 | value(hex[i + 1]));
  }
  return out;
}

}  // namespace

// Takes the host's robots lease when nobody holds it and no fresh answer is stored;
// otherwise reads the answer, or says to wait for the lease's holder.
Result<SharedRobots> PgStateStore::ShareRobots(const std::string& host) {
  SharedRobots shared;
  Result<PgRows> leased =
      db_->Exec(std::string("UPDATE hosts SET robots_owner = $3,"
                            " robots_until = now() + $4 * interval '1 millisecond'"
                            " WHERE job_id = $1 AND host = $2"
                            " AND (robots_status IS NULL OR robots_at <= ") +
                    kRobotsFresh +
                    ") AND (robots_until IS NULL OR robots_until < now() OR robots_owner = $3)"
                    " RETURNING 1",
                {job_param_, host, options_.worker, PgInt(options_.lease_ms)});
  if (!leased.ok()) return leased.status();
  if (leased.value().size() > 0) return shared;  // kFetch: this worker's to fetch.
  Result<PgRows> stored =
      db_->Exec(std::string("SELECT robots_status, encode(robots_body, 'hex'), robots_at > ") +
                    kRobotsFresh + " FROM hosts WHERE job_id = $1 AND host = $2",
                {job_param_, host});
  if (!stored.ok()) return stored.status();
  const PgRows& row = stored.value();
  if (row.size() == 0) return shared;  // No row (a host without URLs): fetch it.
  if (row.IsNull(0, 0) || row.Text(0, 2) != "t") {
    shared.kind = SharedRobots::Kind::kWait;
    return shared;
  }
  shared.kind = SharedRobots::Kind::kKnown;
  shared.status = static_cast<int>(row.Int(0, 0));
  shared.body = Unhex(row.Text(0, 1));
  return shared;
}

Status PgStateStore::PublishRobots(const std::string& host, int status, const std::string& body) {
  if (status == kNoAnswer) {
    return db_
        ->Exec(
            "UPDATE hosts SET robots_owner = NULL, robots_until = NULL"
            " WHERE job_id = $1 AND host = $2 AND robots_owner = $3",
            {job_param_, host, options_.worker})
        .status();
  }
  return db_
      ->Exec(
          "UPDATE hosts SET robots_status = $3, robots_body = decode($4, 'hex'),"
          " robots_at = now(), robots_owner = NULL, robots_until = NULL"
          " WHERE job_id = $1 AND host = $2",
          {job_param_, host, PgInt(status), Hex(body)})
      .status();
}

Status PgStateStore::SetJobValue(const std::string& key, const std::string& value) {
  return db_
      ->Exec(
          "INSERT INTO job_values(job_id, key, value) VALUES($1, $2, $3)"
          " ON CONFLICT (job_id, key) DO UPDATE SET value = EXCLUDED.value",
          {job_param_, key, value})
      .status();
}

// One statement: the row's lock orders two workers' merges, so neither loses the other's.
Result<std::string> PgStateStore::MergeJobList(const std::string& key,
                                               const std::string& json_array) {
  Result<PgRows> rows = db_->Exec(
      "INSERT INTO job_values(job_id, key, value) VALUES($1, $2, $3::jsonb::text)"
      " ON CONFLICT (job_id, key) DO UPDATE SET value = (SELECT COALESCE(jsonb_agg(v ORDER BY"
      " o, n), '[]'::jsonb)::text FROM (SELECT v, 0 AS o, n FROM jsonb_array_elements("
      "job_values.value::jsonb) WITH ORDINALITY AS a(v, n) UNION ALL SELECT v, 1, n FROM"
      " jsonb_array_elements(EXCLUDED.value::jsonb) WITH ORDINALITY AS b(v, n)"
      " WHERE NOT job_values.value::jsonb @> jsonb_build_array(v)) AS m)"
      " RETURNING value",
      {job_param_, key, json_array});
  if (!rows.ok()) return rows.status();
  return rows.value().Text(0, 0);
}

Result<std::optional<std::string>> PgStateStore::GetJobValue(const std::string& key) {
  Result<PgRows> rows =
      db_->Exec("SELECT value FROM job_values WHERE job_id = $1 AND key = $2", {job_param_, key});
  if (!rows.ok()) return rows.status();
  if (rows.value().size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(rows.value().Text(0, 0));
}

Result<int64_t> PgStateStore::BeginRun(int64_t started_at_ms) {
  Result<PgRows> run =
      db_->Exec("INSERT INTO runs(job_id, worker, started_at_ms) VALUES($1, $2, $3) RETURNING id",
                {job_param_, options_.worker, PgInt(started_at_ms)});
  if (!run.ok()) return run.status();
  return run.value().Int(0, 0);
}

Status PgStateStore::EndRun(int64_t run_id, int64_t ended_at_ms, const std::string& finish_reason,
                            const std::string& stats) {
  return db_
      ->Exec(
          "UPDATE runs SET ended_at_ms = $3, finish_reason = $4, stats = $5"
          " WHERE job_id = $1 AND id = $2",
          {job_param_, PgInt(run_id), PgInt(ended_at_ms), finish_reason, PgTextOrNull(stats)})
      .status();
}

Result<std::vector<RunRecord>> PgStateStore::Runs(size_t limit) {
  Result<PgRows> rows = db_->Exec(
      "SELECT id, started_at_ms, ended_at_ms, finish_reason, stats FROM runs WHERE job_id = $1"
      " ORDER BY id DESC LIMIT $2",
      {job_param_, PgInt(static_cast<int64_t>(std::min<size_t>(limit, INT64_MAX)))});
  if (!rows.ok()) return rows.status();
  std::vector<RunRecord> runs;
  for (int i = 0; i < rows.value().size(); ++i) {
    runs.push_back(RunRecord{rows.value().Int(i, 0), rows.value().Int(i, 1), rows.value().Int(i, 2),
                             rows.value().Text(i, 3), rows.value().Text(i, 4)});
  }
  return runs;
}

// No output file: the records are in the job's tables (pg_export.h reads them out).
Result<int64_t> PgStateStore::UseOutput(const std::string&) { return int64_t{0}; }
Status PgStateStore::RewindOutput(int64_t) { return Status::Ok(); }
Result<int64_t> PgStateStore::OutputOffset() { return int64_t{0}; }
Result<std::vector<OutputFile>> PgStateStore::Outputs() { return std::vector<OutputFile>(); }

Result<int64_t> PgStateStore::UseArchive(const std::string& path, int64_t size_if_new) {
  Result<PgRows> rows = db_->Exec(
      "INSERT INTO archives(job_id, path, \"offset\") VALUES($1, $2, $3)"
      " ON CONFLICT (job_id, path) DO UPDATE SET path = EXCLUDED.path RETURNING \"offset\"",
      {job_param_, path, PgInt(size_if_new)});
  if (!rows.ok()) return rows.status();
  return rows.value().Int(0, 0);
}

void PgStateStore::StageArchive(const std::string& path, int64_t offset) {
  staged_archives_[path] = offset;
}

// Inside the caller's transaction.
Status PgStateStore::FlushArchives() {
  for (const auto& [path, offset] : staged_archives_) {
    Status status = db_->Exec("UPDATE archives SET \"offset\" = $3 WHERE job_id = $1 AND path = $2",
                              {job_param_, path, PgInt(offset)})
                        .status();
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Status PgStateStore::CommitArchives() {
  if (staged_archives_.empty()) return Status::Ok();
  Status status = db_->Transaction([this]() { return FlushArchives(); });
  if (status.ok()) staged_archives_.clear();
  return status;
}

Result<std::vector<OutputFile>> PgStateStore::Archives() {
  Result<PgRows> rows = db_->Exec(
      "SELECT path, \"offset\" FROM archives WHERE job_id = $1 ORDER BY seq", {job_param_});
  if (!rows.ok()) return rows.status();
  std::vector<OutputFile> files;
  for (int i = 0; i < rows.value().size(); ++i) {
    files.push_back(OutputFile{rows.value().Text(i, 0), rows.value().Int(i, 1)});
  }
  return files;
}

}  // namespace medscrape

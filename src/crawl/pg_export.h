// The records of a shared job (pg_state_store.h) out of PostgreSQL: appended to a JSON
// Lines file exactly once across kill -9 (RecordExport), whatever order the workers'
// transactions commit in; and the jobs a database holds (ListJobs).
//
// Exactly once. Each output file has an exports row: the file's committed end and the
// xmin of the snapshot its last step read (every transaction older than that had ended,
// so each of their records was seen then). A step reads, in one snapshot, the records of
// transactions from that xmin on which the file does not hold yet (export_marks), appends
// them, then commits the new end, the new xmin and marks for the records still at or past
// it, in one transaction. Opening cuts the file back to its committed end (the tail of a
// killed step, whose records were not committed as exported). Not "records with an id
// above the last": ids are taken before commit, so a slow transaction commits a lower id
// after a higher one, and that rule would skip it.
//
// Thread-safety: none.
#ifndef MEDSCRAPE_CRAWL_PG_EXPORT_H_
#define MEDSCRAPE_CRAWL_PG_EXPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "crawl/pg_db.h"

namespace medscrape {

class RecordExport {
 public:
  // Opens `path` for job `job` at `url` (a second export to the same file is refused
  // while this one lives). `warning` tells of a tail cut back.
  static Result<std::unique_ptr<RecordExport>> Open(const std::string& url, const std::string& job,
                                                    const std::string& path, std::string* warning);
  ~RecordExport();
  RecordExport(const RecordExport&) = delete;
  RecordExport& operator=(const RecordExport&) = delete;

  // Appends every record not in the file yet; returns how many.
  Result<int64_t> Step();
  // The job's records when the last Step ended.
  int64_t job_records() const { return job_records_; }

 private:
  RecordExport(std::unique_ptr<PgDb> db, std::string path)
      : db_(std::move(db)), path_(std::move(path)) {}
  Status Append(const std::string& lines, int64_t at);

  std::unique_ptr<PgDb> db_;
  std::string path_;
  std::string job_id_, export_id_;
  int fd_ = -1;
  int64_t offset_ = 0;
  int64_t job_records_ = 0;
};

// Every record of job `job` at `url`, in commit-independent id order, into a new file
// `path` (for the table exports, which rebuild their output whole).
Status DumpRecords(const std::string& url, const std::string& job, const std::string& path);

// One job of a database, for `medscrape jobs`.
struct JobSummary {
  std::string name;
  std::string created_at;
  int64_t pending = 0, done = 0, failed = 0, skipped = 0, leased = 0, records = 0;
  struct Worker {
    std::string name, machine, heartbeat_at;
    int64_t pid = 0;
    bool live = false;  // Heartbeat within its lease, not ended.
  };
  std::vector<Worker> workers;
};
Result<std::vector<JobSummary>> ListJobs(const std::string& url);

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_PG_EXPORT_H_

// The crawl's WARC archive (crawl --warc NAME): the files a job's records go into and their
// exactly-once bookkeeping. Records (gzip members built by warc/warc_writer.h) are
// appended, then the file's new end is staged in the StateStore, which commits it with the
// next URL transition; a record is written just before the transition of the URL it
// belongs to, so after kill -9 a file cut back to its committed end holds exactly the
// exchanges of the transitions the job kept. Files: NAME.warc.gz, or with a size limit
// NAME-00000.warc.gz, NAME-00001.warc.gz, ... (wget's naming). A CDXJ index beside each
// (warc/cdxj.h) is rebuilt when a run ends for every file it is stale for.
//
// Thread-safety: none; the engine's thread owns it.
#ifndef MEDSCRAPE_CRAWL_CRAWL_ARCHIVE_H_
#define MEDSCRAPE_CRAWL_CRAWL_ARCHIVE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "base/status.h"
#include "crawl/state_store.h"
#include "warc/cdxj.h"
#include "warc/warc_writer.h"

namespace medscrape {

struct ArchiveOptions {
  std::string name;      // NAME: "" = no archive.
  int64_t max_size = 0;  // Start a new file before one would grow past this; 0 = one file.
  std::string software;  // warcinfo "software", e.g. "medscrape/0.1.0".
  WarcFields info;       // More warcinfo fields (job, options).
};

class CrawlArchive {
 public:
  // Cuts every archive file of the job longer than its committed end back to it (the tail
  // of a run that was killed: `warnings` says so) and opens the file to append to.
  static Result<std::unique_ptr<CrawlArchive>> Open(const ArchiveOptions& options,
                                                    StateStore& state,
                                                    std::vector<std::string>* warnings);
  ~CrawlArchive();
  CrawlArchive(const CrawlArchive&) = delete;
  CrawlArchive& operator=(const CrawlArchive&) = delete;

  // Appends `members` (whole records), this run's warcinfo first if it has none yet in
  // this file, and stages the new end. `date`: WARC-Date of the warcinfo. `index`: the
  // index facts of the response or revisit among them (offsets within `members`).
  Status Write(const std::string& members, const std::string& date,
               const std::vector<CdxjEntry>& index = {});
  // Commits what is staged and brings the CDXJ index of every job file up to date: a file
  // whose index covered it when this run began gets this run's lines merged in; one whose
  // index is missing or older than the file is read again. Returns how many were indexed.
  Result<int> Finish(std::vector<std::string>* warnings);

  // NAME.warc.gz (no size limit) or NAME-<index, 5 digits>.warc.gz.
  static std::string PathFor(const ArchiveOptions& options, int index);

 private:
  CrawlArchive(const ArchiveOptions& options, StateStore& state)
      : options_(options), state_(state) {}
  Status Use(int index);

  ArchiveOptions options_;
  StateStore& state_;
  int index_ = 0;
  std::string path_;
  int fd_ = -1;
  int64_t offset_ = 0;
  bool info_written_ = false;  // This run's warcinfo is in the current file.
  // Per file this run wrote to: its index lines of this run, when its index covered the
  // file as the run found it (else, or past kMaxKeptEntries, it is read again at the end).
  struct RunIndex {
    bool extendable = false;
    bool was_empty = false;  // The file had no record when the run began.
    std::vector<CdxjEntry> entries;
  };
  static constexpr size_t kMaxKeptEntries = 200000;
  std::map<std::string, RunIndex> run_index_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_CRAWL_ARCHIVE_H_

#include "crawl/crawl_archive.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "base/write_all.h"
#include "warc/cdxj.h"

namespace medscrape {
namespace {

Status Errno(const std::string& path, const char* what) {
  return Status::Error(path + ": " + what + ": " + std::strerror(errno));
}

// -1 when there is no such file.
int64_t SizeOf(const std::string& path, int64_t* mtime_ns = nullptr) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0) return -1;
  if (mtime_ns != nullptr) {
    *mtime_ns = int64_t{info.st_mtim.tv_sec} * 1000000000 + info.st_mtim.tv_nsec;
  }
  return static_cast<int64_t>(info.st_size);
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

std::string CrawlArchive::PathFor(const ArchiveOptions& options, int index) {
  if (options.max_size <= 0) return options.name + ".warc.gz";
  char number[16];
  std::snprintf(number, sizeof(number), "-%05d", index);
  return options.name + number + ".warc.gz";
}

Result<std::unique_ptr<CrawlArchive>> CrawlArchive::Open(const ArchiveOptions& options,
                                                         StateStore& state,
                                                         std::vector<std::string>* warnings) {
  Result<std::vector<OutputFile>> files = state.Archives();
  if (!files.ok()) return files.status();
  int index = 0;
  for (const OutputFile& file : files.value()) {
    const int64_t size = SizeOf(file.path);
    if (size > file.offset) {
      if (::truncate(file.path.c_str(), file.offset) != 0) {
        return Errno(file.path, "cannot cut back to the last committed record");
      }
      warnings->push_back(file.path + ": cut back to its last committed record (" +
                          std::to_string(file.offset) + " bytes): the tail of an interrupted run");
    }
    // NAME-NNNNN.warc.gz: go on with the highest number the job has used.
    const std::string prefix = options.name + "-";
    if (options.max_size > 0 && file.path.size() == prefix.size() + 13 &&
        file.path.compare(0, prefix.size(), prefix) == 0) {
      const int number = std::atoi(file.path.c_str() + prefix.size());
      if (PathFor(options, number) == file.path && number > index) index = number;
    }
  }
  std::unique_ptr<CrawlArchive> archive(new CrawlArchive(options, state));
  Status used = archive->Use(index);
  if (!used.ok()) return used;
  return archive;
}

CrawlArchive::~CrawlArchive() {
  if (fd_ >= 0) ::close(fd_);
}

// A file the job never used starts empty, like the JSON Lines output; one it used goes on
// at its committed end (shorter on disk: moved or cut behind the job's back, then its end).
Status CrawlArchive::Use(int index) {
  const std::string path = PathFor(options_, index);
  Result<int64_t> committed = state_.UseArchive(path, 0);
  if (!committed.ok()) return committed.status();
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Errno(path, "cannot open the archive");
  int64_t warc_time = 0, index_time = 0;
  const int64_t size = SizeOf(path, &warc_time);
  int64_t offset = committed.value();
  if (size < offset) offset = size;
  // The index covers the file as found when it is not older than it and the file is whole.
  RunIndex& run = run_index_[path];
  if (run.entries.empty()) {
    run.was_empty = offset == 0;
    run.extendable =
        run.was_empty ||
        (size == offset && SizeOf(CdxjPathFor(path), &index_time) >= 0 && index_time >= warc_time);
  }
  if ((size != offset && ::ftruncate(fd, offset) != 0) || ::lseek(fd, offset, SEEK_SET) < 0) {
    const Status error = Errno(path, "cannot position the archive");
    ::close(fd);
    return error;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  index_ = index;
  path_ = path;
  offset_ = offset;
  info_written_ = false;
  if (offset != committed.value()) state_.StageArchive(path_, offset_);
  return Status::Ok();
}

Status CrawlArchive::Write(const std::string& members, const std::string& date,
                           const std::vector<CdxjEntry>& index) {
  if (members.empty()) return Status::Ok();
  if (options_.max_size > 0 && offset_ > 0 &&
      offset_ + static_cast<int64_t>(members.size()) > options_.max_size) {
    Status used = Use(index_ + 1);
    if (!used.ok()) return used;
  }
  const std::string info =
      info_written_ ? "" : BuildWarcinfo(date, BaseName(path_), options_.software, options_.info);
  // Nothing of a failed write is committed: the next run cuts it off.
  if (!WriteAll(fd_, info) || !WriteAll(fd_, members)) {
    return Errno(path_, "cannot append to the archive");
  }
  info_written_ = true;
  RunIndex& run = run_index_[path_];
  const uint64_t members_at = static_cast<uint64_t>(offset_) + info.size();
  if (run.extendable && run.entries.size() + index.size() > kMaxKeptEntries) {
    run.extendable = false;  // A long run: read the file again at the end instead.
    std::vector<CdxjEntry>().swap(run.entries);
  }
  if (run.extendable) {
    for (CdxjEntry entry : index) {
      entry.offset += members_at;
      run.entries.push_back(std::move(entry));
    }
  }
  offset_ += static_cast<int64_t>(info.size() + members.size());
  state_.StageArchive(path_, offset_);
  return Status::Ok();
}

Result<int> CrawlArchive::Finish(std::vector<std::string>* warnings) {
  Status committed = state_.CommitArchives();
  if (!committed.ok()) return committed;
  Result<std::vector<OutputFile>> files = state_.Archives();
  if (!files.ok()) return files.status();
  int indexed = 0;
  for (const OutputFile& file : files.value()) {
    int64_t warc_time = 0, index_time = 0;
    if (SizeOf(file.path, &warc_time) < 0) continue;  // Moved away: not the job's business.
    auto run = run_index_.find(file.path);
    const bool extend = run != run_index_.end() && run->second.extendable;
    if (!extend && SizeOf(CdxjPathFor(file.path), &index_time) >= 0 && index_time >= warc_time) {
      continue;
    }
    Result<int64_t> lines = extend
                                ? ExtendCdxj(file.path, run->second.entries, !run->second.was_empty)
                                : WriteCdxj(file.path);
    if (!lines.ok()) {
      warnings->push_back(lines.status().message());
      continue;
    }
    ++indexed;
  }
  return indexed;
}

}  // namespace medscrape

#include "output/jsonl_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/write_all.h"

namespace medscrape {

std::string SerializeLine(const nlohmann::ordered_json& record) {
  std::string line = record.dump(-1, ' ', /*ensure_ascii=*/false,
                                 nlohmann::ordered_json::error_handler_t::replace);
  line.push_back('\n');
  return line;
}

namespace {

// A write lock on the whole file (fcntl), taken before the file is cut: two runs
// naming one output would otherwise truncate each other's records. A POSIX
// record lock, so the refusal can name the holder's pid; it lasts until this
// process closes any descriptor of the file, and the writer keeps its only one.
Status LockOutput(int fd, const std::string& path) {
  struct flock lock {};
  lock.l_type = F_WRLCK;
  lock.l_whence = SEEK_SET;
  if (::fcntl(fd, F_SETLK, &lock) == 0) return Status::Ok();
  if (errno != EACCES && errno != EAGAIN) return Status::Error(path + ": " + std::strerror(errno));
  struct flock holder {};
  holder.l_type = F_WRLCK;
  holder.l_whence = SEEK_SET;
  const bool known = ::fcntl(fd, F_GETLK, &holder) == 0 && holder.l_type != F_UNLCK;
  return Status::Error(StatusCode::kLocked,
                       path + ": the output file is in use by another run (pid " +
                           (known ? std::to_string(holder.l_pid) : std::string("unknown")) + ")");
}

}  // namespace

JsonLinesWriter::JsonLinesWriter() : name_("standard output"), fd_(STDOUT_FILENO) {}

JsonLinesWriter::JsonLinesWriter(const std::string& path) : name_(path), owns_fd_(true) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) {
    status_ = Status::Error(path + ": " + std::strerror(errno));
    return;
  }
  // A device or a pipe (-o /dev/null) is written as it is: there is nothing to lock or cut.
  struct stat info;
  if (::fstat(fd_, &info) != 0) {
    status_ = Status::Error(path + ": " + std::strerror(errno));
  } else if (S_ISREG(info.st_mode)) {
    status_ = LockOutput(fd_, path);
    if (status_.ok() && ::ftruncate(fd_, 0) != 0) {
      status_ = Status::Error(path + ": " + std::strerror(errno));
    }
  }
}

std::unique_ptr<JsonLinesWriter> JsonLinesWriter::ResumeAt(const std::string& path,
                                                           int64_t offset) {
  std::unique_ptr<JsonLinesWriter> writer(new JsonLinesWriter());
  writer->name_ = path;
  writer->owns_fd_ = true;
  writer->fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  struct stat info;
  if (writer->fd_ < 0 || ::fstat(writer->fd_, &info) != 0) {
    writer->status_ = Status::Error(path + ": " + std::strerror(errno));
  } else if (!S_ISREG(info.st_mode)) {
    writer->status_ = Status::Error(path +
                                    ": not a regular file (a crawl cuts its output back to "
                                    "the last committed record after a crash)");
  } else if (Status locked = LockOutput(writer->fd_, path); !locked.ok()) {
    writer->status_ = locked;
  } else if (info.st_size < offset) {
    writer->status_ = Status::Error(path + ": holds " + std::to_string(info.st_size) +
                                    " bytes but the job committed " + std::to_string(offset) +
                                    "; was it edited or replaced? (use --fresh to start over)");
  } else if (::ftruncate(writer->fd_, offset) != 0 || ::lseek(writer->fd_, offset, SEEK_SET) < 0) {
    writer->status_ = Status::Error(path + ": " + std::strerror(errno));
  }
  writer->committed_ = offset;
  return writer;
}

JsonLinesWriter::~JsonLinesWriter() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

Status JsonLinesWriter::WriteLine(const std::string& line) {
  if (!status_.ok()) return status_;
  if (!WriteAll(fd_, line)) {
    status_ = Status::Error(name_ + ": " + (errno != 0 ? std::strerror(errno) : "write failed"));
    if (owns_fd_ && ::ftruncate(fd_, committed_) != 0) {
      status_ = Status::Error(status_.message() + "; could not remove the torn line");
    }
    return status_;
  }
  committed_ += static_cast<off_t>(line.size());
  return status_;
}

Status JsonLinesWriter::Close() {
  if (!status_.ok() || !owns_fd_ || fd_ < 0) return status_;
  if (::fsync(fd_) != 0 && errno != EINVAL) {
    status_ = Status::Error(name_ + ": " + std::strerror(errno));
  }
  if (::close(fd_) != 0 && status_.ok())
    status_ = Status::Error(name_ + ": " + std::strerror(errno));
  fd_ = -1;
  return status_;
}

}  // namespace medscrape

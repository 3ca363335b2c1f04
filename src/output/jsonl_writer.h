// JSON Lines output. A record becomes one complete line in memory first and is
// then written with a loop of write(2) calls, so a failure mid-way can never
// leave half a JSON value behind a later line (docs/reliability.md C7: nlohmann's
// streaming `os << j` does, when it throws).
#ifndef MEDSCRAPE_OUTPUT_JSONL_WRITER_H_
#define MEDSCRAPE_OUTPUT_JSONL_WRITER_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "base/status.h"

namespace medscrape {

// One line, '\n'-terminated, UTF-8 kept as is (ensure_ascii off); any invalid
// UTF-8 that reached here is replaced by U+FFFD instead of throwing.
std::string SerializeLine(const nlohmann::ordered_json& record);

class JsonLinesWriter {
 public:
  // Writes to standard output.
  JsonLinesWriter();
  // Creates or truncates `path`. Check status() before use. Both constructors
  // lock the file for this writer's life first, and fail without touching it
  // when another process holds it: "PATH: the output file is in use by another
  // run (pid N)".
  explicit JsonLinesWriter(const std::string& path);
  // Opens `path` for appending after cutting it back to `offset` bytes: the
  // end of the last line a crawl committed. Whatever follows (a torn line, or
  // records whose URLs were not committed as done) is removed. Fails when the
  // file is shorter than `offset` (it was edited behind the job's back).
  static std::unique_ptr<JsonLinesWriter> ResumeAt(const std::string& path, int64_t offset);

  // Bytes of complete lines in the file (files only).
  int64_t offset() const { return committed_; }
  ~JsonLinesWriter();
  JsonLinesWriter(const JsonLinesWriter&) = delete;
  JsonLinesWriter& operator=(const JsonLinesWriter&) = delete;

  const Status& status() const { return status_; }
  // Writes a whole line; on failure (disk full, closed pipe) returns the error
  // naming the destination and every later call fails the same way. A file we
  // own is cut back to its last complete line, so no torn line survives.
  Status WriteLine(const std::string& line);
  // Flushes to stable storage when writing a file; no-op for standard output.
  Status Close();

 private:
  std::string name_;
  int fd_ = -1;
  bool owns_fd_ = false;
  off_t committed_ = 0;  // Bytes of complete lines in a file we own.
  Status status_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_OUTPUT_JSONL_WRITER_H_

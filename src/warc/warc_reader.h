// Reading WARC 1.0/1.1 files (ISO 28500): plain `.warc`, and `.warc.gz` with one gzip
// member per record (what every writer makes) or one gzip stream holding several records.
// Records come one at a time (a gzip member inflated at once by libdeflate when it fits in
// 8 MiB, else streamed through zlib), so memory is one record's block
// whatever the file's size. A broken record (truncated, a bad header, a Content-Length
// that lies, a corrupt gzip member) is an error for that record only: the reader then
// finds the next record and goes on (docs/warc.md).
#ifndef MEDSCRAPE_WARC_WARC_READER_H_
#define MEDSCRAPE_WARC_WARC_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace medscrape {

struct WarcReaderOptions {
  // A record whose block is larger is an error for that record (default 64 MiB).
  size_t max_block_bytes = size_t{64} << 20;
  // A header section longer than this is a bad header (default 1 MiB).
  size_t max_header_bytes = size_t{1} << 20;
};

struct WarcRecord {
  // Where the record starts in the file: its gzip member (.warc.gz) or its "WARC/" line.
  uint64_t offset = 0;
  // Its bytes in the file: the gzip member, or header, block and the closing CRLF CRLF.
  // 0 for a record sharing its gzip member with others (member_index tells them apart).
  uint64_t length = 0;
  // Which record of its gzip member this is: 0 but in a file compressed as one stream.
  int member_index = 0;
  std::string version;                                      // "WARC/1.0", "WARC/1.1".
  std::vector<std::pair<std::string, std::string>> fields;  // In file order.
  std::string block;

  // The first field of that name (case-insensitive), or nullptr.
  const std::string* Find(std::string_view name) const;
  // Its value, or "" when absent.
  std::string Get(std::string_view name) const;
  // WARC-Type, lower case ("response", "revisit", ...).
  std::string Type() const;
};

struct WarcError {
  std::string file;
  uint64_t offset = 0;  // Where the broken record (or gzip member) starts.
  std::string message;
  // "FILE@OFFSET: message".
  std::string Describe() const;
};

// Not copyable. Thread-safety: none (one reader per thread).
class WarcReader {
 public:
  enum class Item { kRecord, kError, kEnd };

  // Opens a file; gzip or not is decided by its first bytes, not its name.
  static Result<std::unique_ptr<WarcReader>> Open(const std::string& path,
                                                  const WarcReaderOptions& options = {});
  ~WarcReader();
  WarcReader(const WarcReader&) = delete;
  WarcReader& operator=(const WarcReader&) = delete;

  // The next record (kRecord, *record filled), a broken one (kError, *error filled; the next
  // call goes on after it), or the end of the file (kEnd).
  Item Next(WarcRecord* record, WarcError* error);

  // Goes back (or forth) to a record an earlier Next returned: its offset and member_index.
  void Seek(uint64_t offset, int member_index);

  bool gzip() const;
  const std::string& path() const;

  class Impl;

 private:
  explicit WarcReader(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Whether a file name says WARC: ends in ".warc" or ".warc.gz", any case.
bool IsWarcName(std::string_view path);

}  // namespace medscrape

#endif  // MEDSCRAPE_WARC_WARC_READER_H_

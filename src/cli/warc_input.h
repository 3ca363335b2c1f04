// `medscrape extract` on WARC files: the records of one file as jobs, in file order, with
// revisits resolved to the response they point to (read again from its file when needed),
// and what a response record's HTTP message makes of it (docs/warc.md).
#ifndef MEDSCRAPE_CLI_WARC_INPUT_H_
#define MEDSCRAPE_CLI_WARC_INPUT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "warc/warc_reader.h"

namespace medscrape {

// One record of a WARC file, as extract handles it.
struct WarcJob {
  uint64_t offset = 0;  // Where the record starts in its file.
  std::string error;    // A broken record: "truncated record: ...".
  std::string skip;     // Why it gives no record, when its WARC header alone says so.
  std::string url;      // WARC-Target-URI (a revisit's own).
  std::string date;     // WARC-Date (a revisit's own).
  std::string block;    // The HTTP response (a revisit's: the one it points to).
};

// The records of the WARC files given in turn, one at a time. Remembers where every response
// was (its payload digest and URL), not the responses. Thread-safety: none.
class WarcJobs {
 public:
  Status Open(const std::string& path);
  // The next record of the open file; false at its end.
  bool Next(WarcJob* job);

 private:
  struct Location {
    std::string path;
    uint64_t offset = 0;
    int member_index = 0;
  };
  void Remember(const WarcRecord& record);
  void Resolve(const WarcRecord& revisit, WarcJob* job);

  std::unique_ptr<WarcReader> reader_;
  std::map<std::string, Location> by_digest_, by_url_;
};

// What the HTTP response of a WARC job gives: a page to extract or a reason to skip it.
struct WarcPage {
  std::string skip;   // "http_404", "not_html", "empty"; empty: extract it.
  std::string error;  // The HTTP message is broken or decodes too far.
  std::string content_type;
  std::string body;                   // Decoded.
  std::vector<std::string> warnings;  // Broken chunked framing.
};
WarcPage ReadWarcPage(const WarcJob& job);

// The last HTML page captured for `url` in the WARC file at `path` (any URL when empty), for
// `select`: a page to look at without fetching it again. Fails naming the file and URL.
Result<WarcPage> FindWarcPage(const std::string& path, const std::string& url);

// A WARC-Date ("2026-12-05T03:22:12Z", fractions kept to milliseconds) as records carry
// fetched_at; nullopt when it is no such date.
std::optional<std::string> NormalizeWarcDate(const std::string& date);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_WARC_INPUT_H_

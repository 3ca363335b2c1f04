// CDXJ indexes of WARC files, as pywb and OpenWayback read them: one line per `response`
// and `revisit` record, "SURT TIMESTAMP JSON", sorted, the JSON holding url, mime,
// status, digest, offset, length and filename.
#ifndef MEDSCRAPE_WARC_CDXJ_H_
#define MEDSCRAPE_WARC_CDXJ_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace medscrape {

// Sort-friendly URL key: "com,example)/path?q" (scheme and a leading "www." dropped,
// host labels reversed, lower case; a port other than the scheme's kept as ":port").
std::string SurtKey(const std::string& url);

// "NAME.cdxj" for "NAME.warc.gz" or "NAME.warc".
std::string CdxjPathFor(const std::string& warc_path);

// What one index line says of a `response` or `revisit` record.
struct CdxjEntry {
  std::string url, date;  // WARC-Target-URI, WARC-Date.
  bool revisit = false;
  std::string http_head;            // The stored HTTP head (status and Content-Type come from it).
  std::string payload_digest;       // WARC-Payload-Digest ("sha1:..."); may be "".
  uint64_t offset = 0, length = 0;  // The record's gzip member in the file.
};

// The line for `entry` in the index of the file named `filename` (no newline).
std::string CdxjLine(const CdxjEntry& entry, const std::string& filename);

// (Re)writes the index of `warc_path` beside it (a temporary file renamed over the old
// one, so a reader never sees half an index) by reading every record. Broken records are
// left out. Returns how many lines it wrote.
Result<int64_t> WriteCdxj(const std::string& warc_path);

// The same without reading the file again: the index beside `warc_path`, which must cover
// the file up to where `more` starts (with `keep_existing` false: the file was empty), merged
// with the lines of `more` (the records appended since). Returns how many lines it has.
Result<int64_t> ExtendCdxj(const std::string& warc_path, const std::vector<CdxjEntry>& more,
                           bool keep_existing);

}  // namespace medscrape

#endif  // MEDSCRAPE_WARC_CDXJ_H_

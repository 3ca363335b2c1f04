// CDXJ indexes of WARC files, as pywb and OpenWayback read them: one line per `response`
// and `revisit` record, "SURT TIMESTAMP JSON", sorted, the JSON holding url, mime,
// status, digest, offset, length and filename.
#ifndef MEDSCRAPE_WARC_CDXJ_H_
#define MEDSCRAPE_WARC_CDXJ_H_

#include <string>

#include "base/status.h"

namespace medscrape {

// Sort-friendly URL key: "com,example)/path?q" (scheme and a leading "www." dropped,
// host labels reversed, lower case; a port other than the scheme's kept as ":port").
std::string SurtKey(const std::string& url);

// "NAME.cdxj" for "NAME.warc.gz" or "NAME.warc".
std::string CdxjPathFor(const std::string& warc_path);

// (Re)writes the index of `warc_path` beside it (a temporary file renamed over the old
// one, so a reader never sees half an index). Broken records are left out. Returns how
// many lines it wrote.
Result<int64_t> WriteCdxj(const std::string& warc_path);

}  // namespace medscrape

#endif  // MEDSCRAPE_WARC_CDXJ_H_

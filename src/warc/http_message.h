// The HTTP response stored in a WARC `response` record's block (application/http;
// msgtype=response), as it came off the wire: status line, header fields, and the body with
// its Transfer-Encoding and Content-Encoding undone.
#ifndef MEDSCRAPE_WARC_HTTP_MESSAGE_H_
#define MEDSCRAPE_WARC_HTTP_MESSAGE_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "fetch/fetcher.h"

namespace medscrape {

struct HttpMessageOptions {
  // Decoded body cap, the fetcher's (default 10 MiB): more is an error (kTooLarge).
  size_t max_body_bytes = FetchOptions{}.max_body_bytes;
};

struct HttpResponse {
  std::string version;  // "HTTP/1.1", "HTTP/1.0", "HTTP/2".
  int status = 0;
  std::string reason;
  std::vector<std::pair<std::string, std::string>> headers;  // In message order.
  std::string body;                                          // Decoded.
  // Problems that still left a body: broken chunked framing (what decoded is kept).
  std::vector<std::string> warnings;

  // The last field of that name (case-insensitive), or "" when absent.
  std::string Header(std::string_view name) const;
};

// Fails for a block that is no HTTP response (no status line, no end of the header
// section), an unsupported or corrupt Content-Encoding, a compressed body cut short, or a
// decoded body over the cap (kTooLarge).
Result<HttpResponse> ParseHttpResponse(std::string_view block,
                                       const HttpMessageOptions& options = {});

}  // namespace medscrape

#endif  // MEDSCRAPE_WARC_HTTP_MESSAGE_H_

// Building WARC/1.1 records (ISO 28500:2017) for what a crawl fetched: `warcinfo`, and for
// each HTTP exchange a `request` and a `response` (or `revisit`) record linked by
// WARC-Concurrent-To. Each record is its own gzip member, so a reader can seek to any
// record and a broken member costs only that record. HTTP heads and bodies are stored as
// they came over the wire (chunked framing and content coding kept, as wget and Heritrix
// store them); WARC-Payload-Digest is the SHA-1 of the body with the chunking undone.
//
// Pure functions: they touch nothing but their arguments, so the crawl builds a page's
// records on its extraction workers and only appends bytes on its own thread.
#ifndef MEDSCRAPE_WARC_WARC_WRITER_H_
#define MEDSCRAPE_WARC_WARC_WRITER_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fetch/fetcher.h"
#include "warc/cdxj.h"

namespace medscrape {

// "<urn:uuid:...>", a random (version 4) UUID.
std::string NewWarcRecordId();

// The compression level (ISA-L igzip, 0 to 3) of a thread's first records: 1, while the
// thread learns Huffman tables from them; its later records are coded at level 0 with
// those tables, for about the same size (warc_writer.cc). Files come out about 10 % larger
// than libdeflate's level 1 and a quarter larger than zlib's default level 6 makes them, for
// a fraction of their CPU (docs/performance.md).
inline constexpr int kWarcGzipLevel = 1;

// `bytes` as one gzip member (RFC 1952). Keeps one deflate state, and the Huffman tables
// learned from what it compressed, per thread.
std::string GzipMember(std::string_view bytes);

using WarcFields = std::vector<std::pair<std::string, std::string>>;

// One record: "WARC/1.1", `fields` in order, Content-Length, the block (`block` then
// `block_rest`: a head and a body need not be joined first) and CRLF CRLF, compressed as
// one gzip member.
std::string BuildWarcRecord(const WarcFields& fields, std::string_view block,
                            std::string_view block_rest = {});
// The same appended to `*out`.
void AppendWarcRecord(std::string* out, const WarcFields& fields, std::string_view block,
                      std::string_view block_rest = {});

// The `warcinfo` record that opens each run's part of a file: `info` are application/
// warc-fields lines ("software", "format", "conformsTo" are added first).
std::string BuildWarcinfo(const std::string& date, const std::string& filename,
                          const std::string& software, const WarcFields& info);

// The body of a captured response as a WARC payload: chunked framing undone when the
// head says Transfer-Encoding: chunked (a broken framing keeps what decoded). The view is
// of capture.body, or of `*storage` holding the dechunked bytes.
std::string_view WirePayload(const WireCapture& capture, std::string* storage);

struct WarcExchange {
  enum class Kind {
    kResponse,          // The whole response.
    kNotModified,       // A 304: revisit, profile server-not-modified, head only.
    kIdenticalPayload,  // The payload equals an earlier capture's: revisit, head only.
  };
  Kind kind = Kind::kResponse;
  std::string target_uri;
  std::string date;  // WARC-Date: ISO 8601 UTC, the record's fetched_at.
  std::string ip;    // WARC-IP-Address; "" when unknown.
  // Revisits: the capture they repeat (either may be "" when unknown).
  std::string refers_to_uri, refers_to_date;
  // More fields of the response or revisit record (e.g. "Medscrape-Kind: hub").
  WarcFields extra;
  // WarcSha1 of the payload when the caller has it already; "" = computed here.
  std::string payload_digest;
  // A response's WARC-Block-Digest (its head and body) when the caller has it already, as
  // WarcSha1Both gives it with the payload's; "" = both digests computed here.
  std::string block_digest;
};

struct BuiltExchange {
  std::string bytes;           // The gzip members: request (if any), then response or revisit.
  std::string payload_digest;  // "sha1:..." of the payload; "" for a 304.
  // The index line's facts of the response or revisit (offset and length within `bytes`);
  // empty when nothing was built.
  std::vector<CdxjEntry> index;
};

// The records of one exchange; nothing (empty bytes) when no response arrived.
// `payload` is WirePayload(capture) (the caller may have it already).
BuiltExchange BuildExchange(const WarcExchange& exchange, const WireCapture& capture,
                            std::string_view payload);

}  // namespace medscrape

#endif  // MEDSCRAPE_WARC_WARC_WRITER_H_

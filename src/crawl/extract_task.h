// The CPU part of handling one fetched page: hash the body, notice an unchanged
// page, otherwise decode, parse and extract it (extract/page.h) and serialize
// its record line. About 6 ms a page, so the crawl engine runs it on an
// ExtractPool worker (extract_pool.h) instead of its event-loop thread.
//
// Thread-safety: RunExtractTask touches nothing but its arguments and the
// immutable Registry, so any number may run at once on different tasks.
#ifndef MEDSCRAPE_CRAWL_EXTRACT_TASK_H_
#define MEDSCRAPE_CRAWL_EXTRACT_TASK_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "extract/page.h"
#include "extract/registry.h"
#include "warc/warc_writer.h"

namespace medscrape {

struct ExtractTask {
  uint64_t ticket = 0;  // The engine's handle for the page, echoed in the outcome.
  std::string body;     // The response body; the task owns it.
  // Everything but raw, content_sha256 and links, which RunExtractTask points
  // at the task's own body and outcome (so moving a task cannot leave them dangling).
  PageRequest request;
  // A page's stored content hash: a body hashing to it is unchanged and is not
  // extracted. Empty (hubs, new pages) matches nothing.
  std::string unchanged_sha256;
  // A page's stored fields hash (FieldsSha256): a record whose fields hash to it is no
  // change either (only ads, comments or tokens around the content differ). Empty: none.
  std::string unchanged_fields_sha256;
  bool wants_record = false;  // A page: serialize the record line. A hub: links only.
  // --warc: the exchange as on the wire, to be built into WARC records (null: none). A
  // payload whose digest equals `archived_payload_digest` (the URL's last archived one)
  // becomes a revisit record (identical-payload-digest) instead of a response.
  std::shared_ptr<const WireCapture> capture;
  WarcExchange exchange;
  std::string archived_payload_digest;
};

struct ExtractOutcome {
  enum class Kind {
    kUnchanged,  // Same content hash, or same fields hash: no record.
    kRefused,    // Not a page at all (binary, empty): `reason` says which.
    kFailed,     // A page it could not handle: `reason` "too_large" or "out_of_memory".
    kExtracted,  // `links`, and for a page `record` and `line`.
  };
  uint64_t ticket = 0;
  Kind kind = Kind::kRefused;
  std::string sha256;         // SHA-256 of the whole body, lower-case hex.
  std::string fields_sha256;  // A page's FieldsSha256 (kExtracted or unchanged fields).
  std::string reason;         // kRefused: the skip reason; kFailed: the failure reason.
  Json record;                // kExtracted page: the record, for the engine's fill stats.
  std::string line;           // kExtracted page: SerializeLine(record), newline included.
  LinkList links;             // kExtracted: the page's outlinks (ExtractPage's).
  // With a capture, whatever the kind: the exchange's WARC records, and the payload digest
  // when a whole response was archived ("" for a revisit).
  std::string warc;
  std::vector<CdxjEntry> warc_index;  // Offsets within `warc`.
  std::string archived_payload_digest;
};

// Never fails: a page ExtractPage refuses is a kRefused outcome, one it cannot
// handle (its tree too large, memory gone) a kFailed one.
ExtractOutcome RunExtractTask(const ExtractTask& task, const Registry& registry);

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_EXTRACT_TASK_H_

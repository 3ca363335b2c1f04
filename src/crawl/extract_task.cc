#include "crawl/extract_task.h"

#include <new>

#include "extract/fill_stats.h"
#include "extract/sha256.h"
#include "output/jsonl_writer.h"
#include "warc/digest.h"

namespace medscrape {

namespace {

ExtractOutcome Run(const ExtractTask& task, const Registry& registry) {
  ExtractOutcome outcome;
  outcome.ticket = task.ticket;
  outcome.sha256 = Sha256Hex(task.body);
  if (outcome.sha256 == task.unchanged_sha256) {
    outcome.kind = ExtractOutcome::Kind::kUnchanged;
    return outcome;
  }
  PageRequest request = task.request;
  request.raw = task.body;
  request.content_sha256 = outcome.sha256;
  request.links = &outcome.links;
  Result<PageResult> page = ExtractPage(request, registry);
  if (!page.ok()) {
    switch (page.status().code()) {
      case StatusCode::kTooLarge:
        outcome.kind = ExtractOutcome::Kind::kFailed;
        outcome.reason = "too_large";
        break;
      case StatusCode::kOutOfMemory:
        outcome.kind = ExtractOutcome::Kind::kFailed;
        outcome.reason = "out_of_memory";
        break;
      default:
        outcome.kind = ExtractOutcome::Kind::kRefused;
        outcome.reason = page.status().code() == StatusCode::kNotHtml ? "binary" : "empty";
    }
    return outcome;
  }
  outcome.kind = ExtractOutcome::Kind::kExtracted;
  if (task.wants_record) {
    outcome.fields_sha256 = FieldsSha256(page.value().record);
    if (outcome.fields_sha256 == task.unchanged_fields_sha256) {
      outcome.kind = ExtractOutcome::Kind::kUnchanged;
      return outcome;
    }
    outcome.record = std::move(page.value().record);
    outcome.line = SerializeLine(outcome.record);
  }
  return outcome;
}

// The exchange's WARC records: a response, or a revisit when the payload is what the URL's
// last archived response held.
void BuildArchive(const ExtractTask& task, ExtractOutcome* outcome) {
  std::string dechunked;
  const std::string_view payload = WirePayload(*task.capture, &dechunked);
  WarcExchange exchange = task.exchange;
  // Both digests in one pass, though a revisit needs only the payload's.
  WarcDigests digests = WarcSha1Both(payload, task.capture->response_head, task.capture->body);
  exchange.payload_digest = std::move(digests.payload);
  const bool same = exchange.payload_digest == task.archived_payload_digest;
  exchange.kind = same ? WarcExchange::Kind::kIdenticalPayload : WarcExchange::Kind::kResponse;
  if (!same) exchange.block_digest = std::move(digests.block);
  BuiltExchange built = BuildExchange(exchange, *task.capture, payload);
  outcome->warc = std::move(built.bytes);
  outcome->warc_index = std::move(built.index);
  if (!same) outcome->archived_payload_digest = exchange.payload_digest;
}

}  // namespace

// Memory running out on this page (hashing, serializing) is this page's failure.
ExtractOutcome RunExtractTask(const ExtractTask& task, const Registry& registry) {
  try {
    ExtractOutcome outcome = Run(task, registry);
    if (task.capture != nullptr) BuildArchive(task, &outcome);
    return outcome;
  } catch (const std::bad_alloc&) {
    ExtractOutcome outcome;
    outcome.ticket = task.ticket;
    outcome.kind = ExtractOutcome::Kind::kFailed;
    outcome.reason = "out_of_memory";
    return outcome;
  }
}

}  // namespace medscrape

#include "crawl/extract_task.h"

#include "extract/sha256.h"
#include "output/jsonl_writer.h"

namespace medscrape {

ExtractOutcome RunExtractTask(const ExtractTask& task, const Registry& registry) {
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
    const bool binary = page.status().message().rfind("not HTML", 0) == 0;
    outcome.kind = ExtractOutcome::Kind::kRefused;
    outcome.refused = binary ? "binary" : "empty";
    return outcome;
  }
  outcome.kind = ExtractOutcome::Kind::kExtracted;
  if (task.wants_record) {
    outcome.record = std::move(page.value().record);
    outcome.line = SerializeLine(outcome.record);
  }
  return outcome;
}

}  // namespace medscrape

#include "cli/extract_command.h"

#include <chrono>
#include <cstdio>
#include <new>
#include <thread>

#include "cli/inputs.h"
#include "cli/ordered_pool.h"
#include "extract/page.h"
#include "output/jsonl_writer.h"

namespace medscrape {
namespace {

struct Outcome {
  std::string line;     // The record's JSON line; empty when the input failed.
  std::string error;    // Why the input failed.
  std::string notice;   // A stderr warning line's text (generic record).
  bool has_warnings = false;
};

Outcome Extract(const InputSpec& input, const ExtractOptions& options) {
  Outcome outcome;
  if (!input.error.empty()) {
    outcome.error = input.error;
    return outcome;
  }
  PageRequest request;
  Result<RawInput> raw = ReadInput(input.path, request.limits.max_input_bytes);
  if (!raw.ok()) {
    outcome.error = raw.status().message();
    return outcome;
  }
  request.raw = raw.value().bytes;
  request.content_sha256 = raw.value().sha256;
  request.url = options.url;
  request.fallback_url = raw.value().fallback_url;
  request.site = options.site;
  request.decode.forced_charset = options.charset;
  request.input_warnings = raw.value().warnings;
  Result<PageResult> page = ExtractPage(request, BuiltinRegistry());
  if (!page.ok()) {
    outcome.error = page.status().message();
    return outcome;
  }
  const Json& record = page.value().record;
  outcome.has_warnings = !record["warnings"].empty();
  if (page.value().generic) {
    const Json& url = record["url"];
    outcome.notice = "no extractor for URL " + (url.is_string() ? url.get<std::string>() : "(none)") +
                     "; wrote a generic record";
  }
  outcome.line = SerializeLine(record);
  return outcome;
}

// Memory running out on one input (reading it, serializing its record) fails
// that input only.
Outcome ExtractOne(const InputSpec& input, const ExtractOptions& options) {
  try {
    return Extract(input, options);
  } catch (const std::bad_alloc&) {
    Outcome outcome;
    outcome.error = "out of memory";
    return outcome;
  }
}

// A path as it may be shown on one stderr line: control characters escaped.
std::string Printable(const std::string& path) {
  std::string out;
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

int WorkerCount(const ExtractOptions& options, size_t inputs) {
  int jobs = options.jobs;
  if (jobs <= 0) jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return static_cast<int>(std::min<size_t>(static_cast<size_t>(jobs), std::max<size_t>(inputs, 1)));
}

}  // namespace

int RunExtract(const ExtractOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<InputSpec> inputs = ExpandInputs(options.paths);
  if (!options.url.empty() && inputs.size() != 1) {
    std::fprintf(stderr, "medscrape: error: --url names one page, but %s holds %zu pages\n",
                 options.paths.front().c_str(), inputs.size());
    return kExitUsage;
  }
  std::unique_ptr<JsonLinesWriter> writer = options.output.empty()
                                                ? std::make_unique<JsonLinesWriter>()
                                                : std::make_unique<JsonLinesWriter>(options.output);
  if (!writer->status().ok()) {
    std::fprintf(stderr, "medscrape: error: %s\n", writer->status().message().c_str());
    return kExitAborted;
  }
  size_t records = 0, failed = 0, with_warnings = 0;
  Status write_status;
  RunOrdered<Outcome>(
      inputs.size(), WorkerCount(options, inputs.size()),
      [&](size_t i) { return ExtractOne(inputs[i], options); },
      [&](size_t i, Outcome& outcome) {
        const std::string printable = Printable(inputs[i].path);
        const char* path = printable.c_str();
        if (!outcome.error.empty()) {
          ++failed;
          std::fprintf(stderr, "medscrape: error: %s: %s\n", path, outcome.error.c_str());
          return true;
        }
        if (!outcome.notice.empty()) {
          std::fprintf(stderr, "medscrape: warning: %s: %s\n", path, outcome.notice.c_str());
        }
        write_status = writer->WriteLine(outcome.line);
        if (!write_status.ok()) return false;
        ++records;
        with_warnings += outcome.has_warnings ? 1 : 0;
        return true;
      });
  if (write_status.ok()) write_status = writer->Close();
  if (!write_status.ok()) {
    std::fprintf(stderr, "medscrape: error: %s\n", write_status.message().c_str());
    return kExitAborted;
  }
  if (!options.quiet) {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "medscrape: %zu inputs, %zu records, %zu failed, %zu with warnings (%.2f s)\n",
                 inputs.size(), records, failed, with_warnings, seconds);
  }
  return failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace medscrape

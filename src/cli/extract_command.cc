#include "cli/extract_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <new>
#include <optional>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "cli/metrics.h"
#include "cli/ordered_pool.h"
#include "cli/warc_input.h"
#include "crawl/crawl_stats.h"
#include "crawl/response_rules.h"
#include "encoding/charset.h"
#include "extract/fill_stats.h"
#include "extract/page.h"
#include "output/jsonl_writer.h"
#include "url/url.h"

namespace medscrape {
namespace {

// One input file, or one record of a WARC input.
struct Job {
  size_t input = 0;   // Index in the inputs.
  std::string error;  // The WARC file cannot be read.
  bool warc = false;  // `record` is a record of it.
  WarcJob record;
};

struct Outcome {
  size_t input = 0;
  std::string where;   // "@OFFSET" of a WARC record, after the path.
  std::string skip;    // Why a WARC record gives no record (counted, not an error).
  std::string line;    // The record's JSON line; empty when the input failed.
  std::string error;   // Why the input failed.
  std::string notice;  // A stderr warning line's text (generic record).
  bool has_warnings = false;
  Json record;  // Kept only when fill rates are wanted (--stats, --baseline, --metrics).
};

Outcome Extract(const InputSpec& input, const ExtractOptions& options, const Registry& registry) {
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
  Result<PageResult> page = ExtractPage(request, registry);
  if (!page.ok()) {
    outcome.error = page.status().message();
    return outcome;
  }
  const Json& record = page.value().record;
  outcome.has_warnings = !record["warnings"].empty();
  if (page.value().generic) {
    const Json& url = record["url"];
    outcome.notice = "no extractor for URL " +
                     (url.is_string() ? url.get<std::string>() : "(none)") +
                     "; wrote a generic record";
  }
  outcome.line = SerializeLine(record);
  if (!options.stats_path.empty() || !options.baseline_path.empty() ||
      !options.metrics_path.empty()) {
    outcome.record = std::move(record);
  }
  return outcome;
}

// A WARC response (or resolved revisit) becomes the record a crawl would have written for
// it, without "change".
Outcome ExtractWarc(const WarcJob& job, const ExtractOptions& options, const Registry& registry) {
  Outcome outcome;
  outcome.where = "@" + std::to_string(job.offset);
  outcome.error = job.error;
  outcome.skip = job.skip;
  if (!outcome.error.empty() || !outcome.skip.empty()) return outcome;
  const std::optional<std::string> url = ResolveHttpUrl("", job.url);
  if (!url) {
    outcome.skip = "not_http";
    return outcome;
  }
  WarcPage page = ReadWarcPage(job);
  outcome.error = page.error;
  outcome.skip = page.skip;
  if (!outcome.error.empty() || !outcome.skip.empty()) return outcome;
  PageRequest request;
  request.raw = page.body;
  request.url = *url;
  request.site = options.site;
  request.decode.forced_charset = options.charset;
  request.decode.header_charset = CharsetOf(page.content_type);
  request.input_warnings = std::move(page.warnings);
  request.fetched_at = NormalizeWarcDate(job.date);
  if (!request.fetched_at) request.input_warnings.push_back("fetched_at: WARC-Date not a date");
  request.http = {
      {"status", 200},
      {"final_url", *url},
      {"content_type", page.content_type.empty() ? Json(nullptr) : Json(page.content_type)}};
  Result<PageResult> result = ExtractPage(request, registry);
  if (!result.ok() && (result.status().code() == StatusCode::kNotHtml ||
                       result.status().code() == StatusCode::kEmpty)) {
    outcome.skip = result.status().code() == StatusCode::kNotHtml ? "not_html" : "empty";
    return outcome;
  }
  if (!result.ok()) {
    outcome.error = result.status().message();
    return outcome;
  }
  const Json& record = result.value().record;
  outcome.has_warnings = !record["warnings"].empty();
  outcome.line = SerializeLine(record);
  if (!options.stats_path.empty() || !options.baseline_path.empty() ||
      !options.metrics_path.empty()) {
    outcome.record = std::move(result.value().record);
  }
  return outcome;
}

// The fill rates of a stats file written by `extract --stats` or by a crawl.
Result<Json> ReadBaseline(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error(path + ": cannot read the baseline stats file");
  const Json stats = Json::parse(in, nullptr, /*allow_exceptions=*/false);
  for (const char* section : {"extract", "run"}) {
    if (stats.is_object() && stats.contains(section) && stats[section].is_object() &&
        stats[section].contains("sites")) {
      return stats[section]["sites"];
    }
  }
  return Status::Error(path + ": not a medscrape stats file (no extract.sites or run.sites)");
}

// Memory running out on one input (reading it, serializing its record) fails
// that input only.
Outcome ExtractOne(const Job& job, const std::vector<InputSpec>& inputs,
                   const ExtractOptions& options, const Registry& registry) {
  Outcome outcome;
  try {
    if (job.warc) {
      outcome = ExtractWarc(job.record, options, registry);
    } else if (!job.error.empty()) {
      outcome.error = job.error;
    } else {
      outcome = Extract(inputs[job.input], options, registry);
    }
  } catch (const std::bad_alloc&) {
    outcome = Outcome();
    outcome.error = "out of memory";
  }
  outcome.input = job.input;
  return outcome;
}

// The jobs of the inputs in order: a file is one, a WARC file one per record.
class JobSource {
 public:
  explicit JobSource(const std::vector<InputSpec>& inputs) : inputs_(inputs) {}
  bool Next(Job* job) {
    *job = Job();
    while (true) {
      if (in_warc_ && warc_.Next(&job->record)) {
        job->input = next_ - 1;
        job->warc = true;
        return true;
      }
      in_warc_ = false;
      if (next_ >= inputs_.size()) return false;
      job->input = next_++;
      const InputSpec& input = inputs_[job->input];
      if (!input.warc || !input.error.empty()) return true;
      if (Status opened = warc_.Open(input.path); !opened.ok()) {
        job->error = opened.message();
        return true;
      }
      in_warc_ = true;
    }
  }

 private:
  const std::vector<InputSpec>& inputs_;
  size_t next_ = 0;
  bool in_warc_ = false;
  WarcJobs warc_;
};

// "3 request, 1 warcinfo": the most frequent reason first.
std::string DescribeSkips(const std::map<std::string, size_t>& skipped) {
  std::vector<std::pair<std::string, size_t>> reasons(skipped.begin(), skipped.end());
  std::stable_sort(reasons.begin(), reasons.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string text;
  for (const auto& [reason, count] : reasons) {
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + reason;
  }
  return text;
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

int WorkerCount(const ExtractOptions& options, const std::vector<InputSpec>& inputs) {
  const bool warc =
      std::any_of(inputs.begin(), inputs.end(), [](const InputSpec& input) { return input.warc; });
  const size_t most = warc ? SIZE_MAX : std::max<size_t>(inputs.size(), 1);
  return static_cast<int>(std::min<size_t>(static_cast<size_t>(ThreadsFor(options.jobs)), most));
}

constexpr int kMaxJobs = 256;

// Checks what the parser could not; a usage error's exit code, or -1.
int CheckOptions(ExtractOptions* options, const Registry& registry) {
  if (!options->url.empty() && options->paths.size() != 1) {
    return UsageError("--url names one page: give exactly one PATH with it", "extract");
  }
  if (!options->url.empty()) {
    const bool controls = std::any_of(options->url.begin(), options->url.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    std::optional<std::string> url = ResolveHttpUrl("", options->url);
    if (controls || !url) {
      return UsageError("--url needs an absolute http(s) URL of at most " +
                            std::to_string(kMaxUrlLength) +
                            " characters, without control characters",
                        "extract");
    }
    options->url = *url;  // As the record will hold it: non-ASCII bytes percent-encoded.
  }
  if (!options->site.empty() && registry.FindSite(options->site) == nullptr) {
    return UsageError("unknown site '" + options->site + "' (see 'medscrape sites')", "extract");
  }
  if (!options->charset.empty() && !CanonicalCharset(options->charset)) {
    return UsageError("unknown charset '" + options->charset + "'", "extract");
  }
  return -1;
}

}  // namespace

CommandRun AddExtractCommand(CLI::App* app) {
  auto options = std::make_shared<ExtractOptions>();
  CLI::App* command = app->add_subcommand(
      "extract", "saved pages -> JSON Lines records, in input order (files, folders, - for stdin)");
  command
      ->add_option("PATH", options->paths,
                   "a file, a WARC file (*.warc, *.warc.gz: its HTML responses), a folder (its "
                   "*.html, *.htm, *.shtml, *.warc, *.warc.gz, recursively, in path order), or - "
                   "for standard input")
      ->required()
      ->take_all();
  command->add_option("--url", options->url,
                      "the page's address (one PATH only); default: its <link rel=canonical>, "
                      "og:url, or file://PATH");
  command
      ->add_option("--site", options->site,
                   "use this site's extractor (see 'medscrape sites') instead of routing by URL")
      ->type_name("NAME");
  command
      ->add_option("--charset", options->charset,
                   "decode the input as NAME (e.g. GB18030) instead of detecting")
      ->type_name("NAME");
  command
      ->add_option("--stats", options->stats_path,
                   "write fill rates per site, page type and field to FILE (JSON)")
      ->type_name("FILE");
  command
      ->add_option("--baseline", options->baseline_path,
                   "compare the fill rates with an earlier stats file (extract's or a crawl's); "
                   "drift exits 4")
      ->type_name("FILE");
  command
      ->add_option("--drift-threshold", options->drift_threshold,
                   "drift: a field's fill rate fell by more than this")
      ->type_name("R")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--drift-min-records", options->drift_min_records,
                   "records of a site and page type both need before drift counts")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--metrics", options->metrics_path, "Prometheus text file, written atomically")
      ->type_name("FILE");
  command
      ->add_option("--config", options->config,
                   "YAML file of these long options; the command line overrides it")
      ->type_name("FILE");
  command->add_option("-o,--output", options->output, "write the records to FILE; default: stdout")
      ->type_name("FILE");
  command->add_option("-j,--jobs", options->jobs, "worker threads; default: one per core")
      ->type_name("N")
      ->check(CLI::Range(1, kMaxJobs));
  command->add_flag("-q,--quiet", options->quiet, "no summary line on standard error");
  AddSitesOption(command, &options->sites_dir);
  return [options] {
    int exit_code = kExitOk;
    std::unique_ptr<Registry> registry =
        LoadRegistryOrReport(options->sites_dir, "extract", &exit_code);
    if (registry == nullptr) return exit_code;
    if (const int usage = CheckOptions(options.get(), *registry); usage >= 0) return usage;
    return RunExtract(*options, *registry);
  };
}

int RunExtract(const ExtractOptions& options, const Registry& registry) {
  const auto start = std::chrono::steady_clock::now();
  const std::vector<InputSpec> inputs = ExpandInputs(options.paths);
  if (!options.url.empty() && inputs.size() != 1) {
    return UsageError("--url names one page, but " + options.paths.front() + " holds " +
                          std::to_string(inputs.size()) + " pages",
                      "extract");
  }
  if (!options.url.empty() && inputs.front().warc) {
    return UsageError("--url names one page, but a WARC file's records carry their own URLs",
                      "extract");
  }
  std::unique_ptr<JsonLinesWriter> writer = options.output.empty()
                                                ? std::make_unique<JsonLinesWriter>()
                                                : std::make_unique<JsonLinesWriter>(options.output);
  if (!writer->status().ok()) {
    std::fprintf(stderr, "medscrape: error: %s\n", writer->status().message().c_str());
    return writer->status().code() == StatusCode::kLocked ? kExitLocked : kExitAborted;
  }
  size_t records = 0, failed = 0, with_warnings = 0;
  std::map<std::string, size_t> skipped;  // WARC records by reason.
  FillStats fill;
  Status write_status;
  JobSource jobs(inputs);
  RunOrderedStream<Job, Outcome>(
      WorkerCount(options, inputs), [&jobs](Job* job) { return jobs.Next(job); },
      [&](Job& job) { return ExtractOne(job, inputs, options, registry); },
      [&](Outcome& outcome) {
        if (!outcome.skip.empty()) {
          ++skipped[outcome.skip];
          return true;
        }
        const std::string printable = Printable(inputs[outcome.input].path) + outcome.where;
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
        fill.Add(outcome.record);
        return true;
      });
  if (write_status.ok()) write_status = writer->Close();
  if (!write_status.ok()) {
    std::fprintf(stderr, "medscrape: error: %s\n", write_status.message().c_str());
    return kExitAborted;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!options.quiet) {
    std::fprintf(stderr,
                 "medscrape: %zu inputs, %zu records, %zu failed, %zu with warnings (%.2f s)\n",
                 inputs.size(), records, failed, with_warnings, seconds);
    size_t skipped_records = 0;
    for (const auto& [reason, count] : skipped) skipped_records += count;
    if (skipped_records > 0) {
      std::fprintf(stderr, "medscrape: %zu WARC records skipped (%s)\n", skipped_records,
                   DescribeSkips(skipped).c_str());
    }
  }
  int exit_code = failed > 0 ? kExitSomeFailed : kExitOk;
  Json run = {{"inputs", inputs.size()},        {"records", records}, {"failed", failed},
              {"with_warnings", with_warnings}, {"seconds", seconds}, {"sites", fill.ToJson()},
              {"drift", Json::array()}};
  if (!options.baseline_path.empty()) {
    Result<Json> baseline = ReadBaseline(options.baseline_path);
    if (!baseline.ok()) {
      std::fprintf(stderr, "medscrape: error: %s\n", baseline.status().message().c_str());
      return kExitAborted;
    }
    const std::vector<Drift> drift =
        FindDrift(run["sites"], baseline.value(),
                  DriftOptions{options.drift_threshold, options.drift_min_records},
                  "file " + options.baseline_path);
    for (const Drift& d : drift) {
      std::fprintf(stderr, "medscrape: drift: %s\n", DescribeDrift(d).c_str());
    }
    run["drift"] = DriftToJson(drift);
    if (!drift.empty()) exit_code = kExitDrift;
  }
  const Json stats = {{"stats_version", 1}, {"extract", run}};
  Status written = Status::Ok();
  if (!options.stats_path.empty()) written = CrawlStats::Write(options.stats_path, stats);
  if (written.ok() && !options.metrics_path.empty()) {
    written = WriteExtractMetrics(options.metrics_path, stats, exit_code);
  }
  if (!written.ok()) {
    std::fprintf(stderr, "medscrape: error: %s\n", written.message().c_str());
    return kExitAborted;
  }
  return exit_code;
}

}  // namespace medscrape

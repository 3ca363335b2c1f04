// `medscrape export`: JSON Lines records (from extract or crawl) as analyst tables, CSV or
// SQLite (cli/export_tables.h, output/record_tables.h). With --latest, one version per URL:
// the newest fetched_at, ties to the later line; found in a first pass that keeps only the
// URL -> (fetched_at, line) map, so memory grows with the distinct URLs, not the records.
// With --from postgresql://... --job NAME: a shared crawl job's records, appended to a JSON
// Lines file exactly once (crawl/pg_export.h), once or, with --watch, as they come; or as
// tables, rebuilt from all of them.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/export_tables.h"
#include "cli/jsonl_lines.h"
#include "crawl/pg_db.h"
#include "crawl/pg_export.h"
#include "output/record_tables.h"

namespace medscrape {
namespace {

struct ExportOptions {
  std::vector<std::string> inputs;
  std::string from, job;  // --from URL --job NAME: a shared job's records.
  bool watch = false;
  double interval_s = 1;
  std::string format;  // Default: csv, or jsonl with --from.
  std::string out;
  bool latest = false;
  std::vector<std::string> sites, page_types;
};

bool Wanted(const RecordReader& record, const ExportOptions& options) {
  const auto in = [](const std::vector<std::string>& list, std::string_view value) {
    return list.empty() || std::find(list.begin(), list.end(), value) != list.end();
  };
  return in(options.sites, record.String("site")) &&
         in(options.page_types, record.String("page_type"));
}

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

// --format jsonl: the records not in the file yet, appended; with --watch, until a signal.
// Sleeps `seconds` in short steps; false when SIGINT or SIGTERM came.
bool Pause(double seconds) {
  for (int64_t slept = 0; slept < seconds * 1000 && !g_stop.load(); slept += 50) usleep(50 * 1000);
  return !g_stop.load();
}

int AppendFrom(const ExportOptions& options) {
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::string warning;
  Result<std::unique_ptr<RecordExport>> out =
      RecordExport::Open(options.from, options.job, options.out, &warning);
  // --watch started before the job's first worker: wait for the job to appear.
  bool waiting = false;
  while (options.watch && !out.ok() && out.status().code() == StatusCode::kNotFound) {
    if (!waiting)
      std::fprintf(stderr, "medscrape: export: waiting for job %s\n", options.job.c_str());
    waiting = true;
    if (!Pause(options.interval_s)) return kExitOk;
    out = RecordExport::Open(options.from, options.job, options.out, &warning);
  }
  if (!warning.empty()) std::fprintf(stderr, "medscrape: export: warning: %s\n", warning.c_str());
  if (!out.ok()) {
    std::fprintf(stderr, "medscrape: export: %s\n", out.status().message().c_str());
    return out.status().code() == StatusCode::kLocked ? kExitLocked : kExitAborted;
  }
  int64_t total = 0;
  for (;;) {
    Result<int64_t> step = out.value()->Step();
    if (!step.ok()) {
      std::fprintf(stderr, "medscrape: export: %s\n", step.status().message().c_str());
      return kExitAborted;
    }
    total += step.value();
    if (!options.watch || g_stop.load() || !Pause(options.interval_s)) break;
  }
  std::fprintf(stderr, "medscrape: export: %lld new records -> %s (the job has %lld)\n",
               static_cast<long long>(total), options.out.c_str(),
               static_cast<long long>(out.value()->job_records()));
  return kExitOk;
}

int Run(ExportOptions options);

// --format csv|sqlite: every record of the job, through a temporary JSON Lines file.
int TablesFrom(ExportOptions options) {
  char spool[] = "/tmp/medscrape-export-XXXXXX";
  const int fd = mkstemp(spool);
  if (fd < 0) {
    std::fprintf(stderr, "medscrape: export: cannot make a temporary file\n");
    return kExitAborted;
  }
  close(fd);
  Status dumped = DumpRecords(options.from, options.job, spool);
  int code = kExitAborted;
  if (!dumped.ok()) {
    std::fprintf(stderr, "medscrape: export: %s\n", dumped.message().c_str());
  } else {
    options.from.clear();
    options.inputs = {spool};
    code = Run(options);
  }
  unlink(spool);
  return code;
}

int Run(ExportOptions options) {
  if (!options.from.empty()) {
    if (!IsPostgresUrl(options.from)) {
      return UsageError("--from takes a postgresql:// URL, not '" + options.from + "'", "export");
    }
    if (options.job.empty()) return UsageError("--from needs --job NAME", "export");
    if (!options.inputs.empty())
      return UsageError("INPUT files and --from exclude each other", "export");
    if (options.format.empty()) options.format = "jsonl";
    if (options.watch && options.format != "jsonl") {
      return UsageError("--watch appends to JSON Lines: it takes --format jsonl", "export");
    }
    if (options.format == "jsonl") return AppendFrom(options);
  } else if (options.inputs.empty()) {
    return UsageError("export needs INPUT files (or --from URL --job NAME)", "export");
  }
  if (options.format.empty()) options.format = "csv";
  if (options.format != "csv" && options.format != "sqlite") {
    return UsageError("--format must be csv or sqlite" +
                          std::string(options.from.empty() ? "" : " (or jsonl)") + ", not '" +
                          options.format + "'",
                      "export");
  }
  if (!options.from.empty()) return TablesFrom(options);
  JsonLines lines("export", options.inputs);
  if (options.latest && !lines.SpoolStdin()) {
    std::fprintf(stderr, "medscrape: export: cannot copy standard input to a temporary file\n");
    return kExitAborted;
  }
  int unreadable = 0;
  // Pass 1 (--latest): the line holding each URL's newest version.
  std::unordered_map<std::string, std::pair<std::string, uint64_t>> newest;
  RecordReader record;
  std::string error;
  if (options.latest) {
    int ignored = 0;
    lines.ForEach(
        [&](const std::string&, uint64_t, const std::string& text, uint64_t ordinal) {
          if (!record.Parse(text, &error) || !Wanted(record, options)) return;
          const std::string_view url = record.String("url");
          if (url.empty()) return;
          std::string fetched_at(record.String("fetched_at"));
          auto [it, inserted] = newest.try_emplace(std::string(url), fetched_at, ordinal);
          if (!inserted && fetched_at >= it->second.first) it->second = {fetched_at, ordinal};
        },
        &ignored);
  }
  Result<std::unique_ptr<TableSink>> sink =
      options.format == "csv" ? OpenCsvTables(options.out) : OpenSqliteTables(options.out);
  if (!sink.ok()) {
    std::fprintf(stderr, "medscrape: export: %s\n", sink.status().message().c_str());
    return kExitAborted;
  }
  int64_t records = 0, answers = 0, items = 0, bad = 0;
  Status written = Status::Ok();
  RecordRows rows;
  lines.ForEach(
      [&](const std::string& name, uint64_t number, const std::string& text, uint64_t ordinal) {
        if (!written.ok()) return;
        error.clear();
        if (!record.Parse(text, &error)) {
          // Said below.
        } else if (!Wanted(record, options)) {
          return;
        } else if (options.latest) {
          const auto it = newest.find(std::string(record.String("url")));
          if (it != newest.end() && it->second.second != ordinal) return;  // An older version.
        }
        if (error.empty() && record.Flatten(records + 1, &rows, &error)) {
          written = sink.value()->Add(rows);
          ++records;
          answers += static_cast<int64_t>(rows.answers.size());
          items += static_cast<int64_t>(rows.items.size());
          return;
        }
        ++bad;
        std::fprintf(stderr, "medscrape: export: %s:%llu: %s\n", name.c_str(),
                     static_cast<unsigned long long>(number), error.c_str());
      },
      &unreadable);
  if (written.ok()) written = sink.value()->Finish();
  if (!written.ok()) {
    std::fprintf(stderr, "medscrape: export: %s\n", written.message().c_str());
    return kExitAborted;
  }
  std::fprintf(stderr, "medscrape: export: %lld records, %lld answers, %lld items -> %s (%s)%s\n",
               static_cast<long long>(records), static_cast<long long>(answers),
               static_cast<long long>(items), options.out.c_str(), options.format.c_str(),
               bad + unreadable > 0 ? "; some input was not exported" : "");
  return bad + unreadable > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace

CommandRun AddExportCommand(CLI::App* app) {
  auto options = std::make_shared<ExportOptions>();
  CLI::App* command = app->add_subcommand(
      "export",
      "records (JSON Lines from extract or crawl) as tables: pages, answers, items, in CSV "
      "files or one SQLite file (docs/record-schema.md)");
  command->add_option("INPUT", options->inputs, "JSON Lines files; - reads standard input")
      ->take_all();
  command
      ->add_option("--from", options->from,
                   "a shared crawl job's database (postgresql://USER@HOST/DB) instead of files")
      ->type_name("URL");
  command->add_option("--job", options->job, "the job of --from")->type_name("NAME");
  command->add_flag("--watch", options->watch,
                    "with --from: keep appending records as the crawl commits them, until "
                    "SIGINT or SIGTERM");
  command
      ->add_option("--format", options->format,
                   "csv (a folder of three files) or sqlite; with --from also jsonl (the "
                   "default there: appends the records not in the file yet)")
      ->type_name("csv|sqlite|jsonl");
  command->add_option("-o,--out", options->out, "the folder (csv) or the file (sqlite)")
      ->required()
      ->type_name("PATH");
  command->add_flag("--latest", options->latest,
                    "one version per URL: the newest fetched_at (ties: the later line)");
  command->add_option("--site", options->sites, "only records of this site (repeatable)")
      ->type_name("NAME")
      ->take_all()
      ->expected(1)
      ->allow_extra_args(false);
  command->add_option("--page-type", options->page_types, "only this page type (repeatable)")
      ->type_name("TYPE")
      ->take_all()
      ->expected(1)
      ->allow_extra_args(false);
  return [options] { return Run(*options); };
}

}  // namespace medscrape

// `medscrape export`: JSON Lines records (from extract or crawl) as analyst tables, CSV or
// SQLite (cli/export_tables.h, output/record_tables.h). With --latest, one version per URL:
// the newest fetched_at, ties to the later line; found in a first pass that keeps only the
// URL -> (fetched_at, line) map, so memory grows with the distinct URLs, not the records.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
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
#include "output/record_tables.h"

namespace medscrape {
namespace {

struct ExportOptions {
  std::vector<std::string> inputs;
  std::string format = "csv";
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

int Run(const ExportOptions& options) {
  if (options.format != "csv" && options.format != "sqlite") {
    return UsageError("--format must be csv or sqlite, not '" + options.format + "'", "export");
  }
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
      ->required()
      ->take_all();
  command->add_option("--format", options->format, "csv (a folder of three files) or sqlite")
      ->type_name("csv|sqlite");
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

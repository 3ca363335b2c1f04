// `medscrape stats`: counts per site and page type and the fill rate of every field, nested
// ones too (extract/fill_stats.h: the computation behind the crawl's stats file and its
// drift alarm), from any JSON Lines, so an analyst can check a dataset before using it.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/jsonl_lines.h"
#include "extract/fill_stats.h"

namespace medscrape {
namespace {

struct StatsOptions {
  std::vector<std::string> inputs;
  std::string format = "text";
};

// One block per site and page type: records, then each field's rate and the warnings.
void PrintText(const Json& sites, int64_t records, int64_t bad) {
  std::printf("%lld records", static_cast<long long>(records));
  if (bad > 0) std::printf(" (%lld lines not read)", static_cast<long long>(bad));
  std::printf("\n");
  for (const auto& [site, types] : sites.items()) {
    for (const auto& [type, group] : types.items()) {
      std::printf("\n%s %s: %lld records\n", site.c_str(), type.c_str(),
                  static_cast<long long>(group.value("records", int64_t{0})));
      for (const auto& [field, fill] : group["fields"].items()) {
        std::printf("  %-40s %6.1f %%  (%lld of %lld)\n", field.c_str(),
                    100.0 * fill.value("rate", 0.0),
                    static_cast<long long>(fill.value("filled", int64_t{0})),
                    static_cast<long long>(fill.value("of", int64_t{0})));
      }
      if (group.contains("warnings") && !group["warnings"].empty()) {
        std::printf("  warnings:\n");
        for (const auto& [field, count] : group["warnings"].items()) {
          std::printf("    %-38s %lld\n", field.c_str(),
                      static_cast<long long>(count.get<int64_t>()));
        }
      }
    }
  }
}

int Run(const StatsOptions& options) {
  if (options.format != "text" && options.format != "json") {
    return UsageError("--format must be text or json, not '" + options.format + "'", "stats");
  }
  FillStats stats;
  int64_t bad = 0;
  int unreadable = 0;
  JsonLines lines("stats", options.inputs);
  lines.ForEach(
      [&](const std::string& name, uint64_t number, const std::string& text, uint64_t) {
        const Json record = Json::parse(text, nullptr, false);
        const char* error = nullptr;
        if (record.is_discarded()) {
          error = "not JSON";
        } else if (!record.is_object() || !record.contains("url") || !record["url"].is_string()) {
          error = "not a record (no \"url\" string)";
        }
        if (error == nullptr) {
          stats.Add(record);
          return;
        }
        ++bad;
        std::fprintf(stderr, "medscrape: stats: %s:%llu: %s\n", name.c_str(),
                     static_cast<unsigned long long>(number), error);
      },
      &unreadable);
  const Json sites = stats.ToJson();
  if (options.format == "json") {
    const Json out = {{"records", stats.records()}, {"bad_lines", bad}, {"sites", sites}};
    std::printf("%s\n", out.dump(2, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    PrintText(sites, stats.records(), bad);
  }
  return bad + unreadable > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace

CommandRun AddStatsCommand(CLI::App* app) {
  auto options = std::make_shared<StatsOptions>();
  CLI::App* command = app->add_subcommand(
      "stats",
      "records per site and page type and the fill rate of every field (nested ones too) of "
      "JSON Lines records, as the crawl's stats file and drift alarm compute them");
  command->add_option("INPUT", options->inputs, "JSON Lines files; - reads standard input")
      ->required()
      ->take_all();
  command->add_option("--format", options->format, "text (default) or json, for scripts")
      ->type_name("text|json");
  return [options] { return Run(*options); };
}

}  // namespace medscrape

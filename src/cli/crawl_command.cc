// `medscrape crawl`: seeds in, records out; resumable, polite, exactly once.
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "cli/commands.h"
#include "cli/extract_command.h"
#include "crawl/crawler.h"
#include "extract/registry.h"
#include "fetch/fetcher.h"

#ifndef MEDSCRAPE_VERSION
#define MEDSCRAPE_VERSION "0.0.0"
#endif

namespace medscrape {
namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop.store(true); }

bool ParseNumber(const std::string& text, double* value) {
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return !text.empty() && end != nullptr && *end == '\0' && *value >= 0 && *value < 1e12;
}

// "90", "90s", "30m", "12h", "7d" -> seconds.
bool ParseDuration(std::string text, double* seconds) {
  double unit = 1;
  if (!text.empty() && std::string("smhd").find(text.back()) != std::string::npos) {
    const char suffix = text.back();
    unit = suffix == 's' ? 1 : suffix == 'm' ? 60 : suffix == 'h' ? 3600 : 86400;
    text.pop_back();
  }
  if (!ParseNumber(text, seconds)) return false;
  *seconds *= unit;
  return true;
}

bool ReadSeedFile(const std::string& path, std::vector<std::string>* seeds) {
  std::ifstream in(path);
  if (!in) return false;
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (!line.empty() && line[0] != '#') seeds->push_back(line);
  }
  return true;
}

struct CrawlArgs {
  CrawlOptions crawl;
  FetchOptions fetch;
  std::string job = "crawl";
};

int ApplyOption(const std::string& name, const std::string& value, CrawlArgs* args) {
  double number = 0;
  CrawlOptions& c = args->crawl;
  if (name == "--out") {
    c.out_path = value;
  } else if (name == "--state") {
    c.state_path = value;
  } else if (name == "--job") {
    args->job = value;
  } else if (name == "--site") {
    c.site = value;
  } else if (name == "--seeds") {
    if (!ReadSeedFile(value, &c.seeds)) return UsageError("cannot read seed file " + value);
  } else if (name == "--user-agent") {
    args->fetch.user_agent = value;
  } else if (name == "--proxy") {
    args->fetch.proxy = value;
  } else if (name == "--include") {
    c.include.push_back(value);
  } else if (name == "--exclude") {
    c.exclude.push_back(value);
  } else if (name == "--log-format") {
    if (value != "text" && value != "json") {
      return UsageError("--log-format is text or json, not '" + value + "'");
    }
    c.log_json = value == "json";
  } else if (name == "--recrawl-after" || name == "--max-time") {
    if (!ParseDuration(value, &number)) return UsageError(name + " takes a duration like 12h");
    (name == "--max-time" ? c.max_time_s : c.recrawl_after_s) = number;
  } else if (!ParseNumber(value, &number)) {
    return UsageError(name + " takes a number, not '" + value + "'");
  } else if (name == "--delay") {
    c.politeness.delay_s = number;
  } else if (name == "--concurrency" || name == "--per-host") {
    if (number < 1 || number > 1024) return UsageError(name + " takes 1 to 1024");
    (name == "--concurrency" ? c.concurrency : c.politeness.per_host) = static_cast<int>(number);
  } else if (name == "--max-pages") {
    c.max_pages = static_cast<int64_t>(number);
  } else if (name == "--max-urls-per-host") {
    c.max_urls_per_host = static_cast<int64_t>(number);
  } else if (name == "--max-depth") {
    c.max_depth = static_cast<int>(number);
  } else if (name == "--retries") {
    c.politeness.max_retries = static_cast<int>(number);
  } else {
    return UsageError("unknown option '" + name + "'");
  }
  return -1;
}

int ParseCrawlArgs(const std::vector<std::string>& argv, CrawlArgs* args) {
  for (size_t i = 0; i < argv.size(); ++i) {
    std::string name = argv[i], value;
    if (name == "--fresh") {
      args->crawl.fresh = true;
    } else if (name == "--sitemaps") {
      args->crawl.sitemaps = true;
    } else if (name == "--allow-private") {
      args->fetch.allow_private = true;
    } else if (name == "--no-progress") {
      args->crawl.progress = false;
    } else if (name.rfind("--", 0) == 0) {
      const size_t eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (i + 1 < argv.size()) {
        value = argv[++i];
      } else {
        return UsageError(name + " needs a value");
      }
      const int usage = ApplyOption(name, value, args);
      if (usage >= 0) return usage;
    } else {
      args->crawl.seeds.push_back(name);
    }
  }
  if (args->crawl.seeds.empty()) return UsageError("crawl needs at least one SEED URL (or --seeds FILE)");
  if (!args->crawl.site.empty() && BuiltinRegistry().FindSite(args->crawl.site) == nullptr) {
    return UsageError("unknown site '" + args->crawl.site + "' (see 'medscrape sites')");
  }
  if (args->crawl.out_path.empty()) args->crawl.out_path = "out/" + args->job + ".jsonl";
  if (args->crawl.state_path.empty()) args->crawl.state_path = "out/" + args->job + ".db";
  return -1;
}

void PrintSummary(const CrawlSummary& s, const std::string& out, bool json) {
  if (json) {
    // One object, as every other line of --log-format json: the run's counts,
    // named as in the stats file.
    const Json line = {{"event", "summary"},
                       {"status", s.stopped_early ? "stopped" : "finished"},
                       {"out", out},
                       {"fetched", s.fetched},
                       {"records", s.records},
                       {"unchanged", s.unchanged},
                       {"bytes", s.bytes},
                       {"done", s.done},
                       {"failed", s.failed},
                       {"skipped", s.skipped},
                       {"pending", s.pending},
                       {"reasons", s.by_reason},
                       {"seconds", s.seconds}};
    std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
    return;
  }
  std::fprintf(stderr,
               "medscrape: crawl %s: %lld fetched, %lld records (%lld unchanged) -> %s; "
               "%lld done, %lld failed, %lld skipped, %lld pending (%.1f s)\n",
               s.stopped_early ? "stopped" : "finished", static_cast<long long>(s.fetched),
               static_cast<long long>(s.records), static_cast<long long>(s.unchanged), out.c_str(),
               static_cast<long long>(s.done), static_cast<long long>(s.failed),
               static_cast<long long>(s.skipped), static_cast<long long>(s.pending), s.seconds);
  for (const auto& [reason, count] : s.by_reason) {
    std::fprintf(stderr, "medscrape:   %s: %lld\n", reason.c_str(), static_cast<long long>(count));
  }
}

// The run's fatal error: a line of its own (a progress line may be showing),
// an object with --log-format json.
void PrintError(const std::string& message, const CrawlOptions& options) {
  if (options.progress) std::fputs("\r\033[K", stderr);
  if (options.log_json) {
    const Json line = {{"event", "error"}, {"message", message}};
    std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    std::fprintf(stderr, "medscrape: error: %s\n", message.c_str());
  }
}

}  // namespace

int RunCrawl(const std::vector<std::string>& argv) {
  CrawlArgs args;
  args.crawl.progress = isatty(STDERR_FILENO) != 0;
  args.fetch.user_agent = std::string("medscrape/") + MEDSCRAPE_VERSION +
                          " (+https://github.com/medscrape/medscrape; polite crawler)";
  const int usage = ParseCrawlArgs(argv, &args);
  if (usage >= 0) return usage;
  // JSON logs are for machines: no progress line between the objects.
  if (args.crawl.log_json) args.crawl.progress = false;
  args.fetch.max_connections = args.crawl.concurrency;
  const std::string& out = args.crawl.out_path;
  args.crawl.stats_path = out.substr(0, out.rfind(".jsonl") == std::string::npos
                                            ? out.size()
                                            : out.rfind(".jsonl")) + ".stats.json";
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::unique_ptr<Fetcher> fetcher = MakeCurlFetcher(args.fetch);
  SystemClock clock;
  Crawler crawler(args.crawl, *fetcher, clock, BuiltinRegistry());
  Result<CrawlSummary> summary = crawler.Run(g_stop);
  if (!summary.ok()) {
    PrintError(summary.status().message(), args.crawl);
    return kExitAborted;
  }
  PrintSummary(summary.value(), out, args.crawl.log_json);
  if (summary.value().stopped_early) return kExitAborted;
  return summary.value().failed > 0 ? kExitSomeFailed : kExitOk;
}

}  // namespace medscrape

// `medscrape crawl`: seeds in, records out; resumable, polite, exactly once.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/crawl_args.h"
#include "cli/crawl_report.h"
#include "cli/metrics.h"
#include "crawl/crawler.h"
#include "crawl/link_scope.h"
#include "crawl/pg_db.h"
#include "fetch/fetcher.h"
#include "url/canonical.h"

#ifndef MEDSCRAPE_VERSION
#define MEDSCRAPE_VERSION "0.0.0"
#endif

namespace medscrape {
namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};
void OnSignal(int signal) {
  g_signal.store(signal);
  g_stop.store(true);
}

constexpr const char* kCommand = "crawl";

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

// "out/mfk-%Y%m%d.jsonl" -> "out/mfk-20261204.jsonl" (local time); a name without % as is.
std::string ExpandTime(const std::string& pattern) {
  if (pattern.find('%') == std::string::npos) return pattern;
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char name[4096];
  const size_t n = std::strftime(name, sizeof(name), pattern.c_str(), &tm);
  return n == 0 ? pattern : std::string(name, n);
}

// The stats file beside the records ("out/job.jsonl" -> "out/job.stats.json"), or beside
// the state when the records go to a new file each run.
std::string StatsPathFor(const std::string& out, const std::string& state) {
  const bool per_run = out.find('%') != std::string::npos;
  const std::string& base = per_run ? state : out;
  const size_t dot = base.rfind(per_run ? "." : ".jsonl");
  const size_t slash = base.rfind('/');
  const bool suffix = dot != std::string::npos && (slash == std::string::npos || dot > slash);
  return (suffix ? base.substr(0, dot) : base) + ".stats.json";
}

// The job's name in metrics: the state file's name without its folder and suffix.
std::string JobName(const CrawlArgs& args) {
  return std::filesystem::path(args.crawl.state_path).stem().string();
}

// A job shared through PostgreSQL: its name, this worker's, no output file (the records go
// to the job's tables), and each worker's archive under a name of its own.
Status CheckShared(CrawlArgs* a) {
  CrawlOptions& c = a->crawl;
  if (!c.out_path.empty()) {
    return Status::Error("--out: a shared job's records go to its tables in " + c.state_path +
                         "; write files with 'medscrape export --from " + c.state_path + " --job " +
                         a->job + "'");
  }
  c.job = a->job;
  if (c.worker.empty()) c.worker = MachineName();
  if (c.worker.empty())
    return Status::Error("cannot tell this machine's host name: give --worker NAME");
  if (c.lease_s < 1) return Status::Error("--lease must be at least 1s");
  return Status::Ok();
}

// --warc NAME (time fields expanded; a .warc.gz given with it dropped) and its size.
Status CheckArchive(CrawlArgs* a) {
  ArchiveOptions& archive = a->crawl.archive;
  if (!a->warc_max_size.empty()) {
    if (archive.name.empty()) return Status::Error("--warc-max-size needs --warc NAME");
    if (!ParseSize(a->warc_max_size, &archive.max_size) || archive.max_size < 1024) {
      return Status::Error("--warc-max-size takes a size of at least 1k like 1G or 500M, not '" +
                           a->warc_max_size + "'");
    }
  }
  if (archive.name.empty()) return Status::Ok();
  for (const char* suffix : {".warc.gz", ".warc"}) {
    const std::string tail(suffix);
    if (archive.name.size() > tail.size() &&
        archive.name.compare(archive.name.size() - tail.size(), tail.size(), tail) == 0) {
      archive.name.resize(archive.name.size() - tail.size());
      break;
    }
  }
  archive.name = ExpandTime(archive.name);
  if (IsPostgresUrl(a->crawl.state_path)) archive.name += "-" + a->crawl.worker;  // Its own.
  archive.software = std::string("medscrape/") + MEDSCRAPE_VERSION;
  archive.info = {{"job", JobName(*a)},
                  {"isPartOf", JobName(*a)},
                  {"http-header-user-agent", a->fetch.user_agent},
                  {"robots", "classic"}};
  std::string seeds;
  for (const std::string& seed : a->crawl.seeds) seeds += (seeds.empty() ? "" : " ") + seed;
  archive.info.emplace_back("seeds", seeds);
  return Status::Ok();
}

// Everything checked before any file is touched; a usage error's exit code, or -1.
int Check(CrawlArgs* a, const Registry& registry) {
  CrawlOptions& c = a->crawl;
  if (!a->seeds_file.empty() && !ReadSeedFile(a->seeds_file, &c.seeds)) {
    return UsageError("cannot read seed file " + a->seeds_file, kCommand);
  }
  const bool shared = IsPostgresUrl(c.state_path);
  if (c.seeds.empty() && !shared)
    return UsageError("crawl needs at least one SEED URL (or --seeds FILE)", kCommand);
  std::vector<std::string> canonical;
  for (const std::string& seed : c.seeds) {
    std::optional<std::string> url = CanonicalizeUrl(seed);
    if (!url) return UsageError("seed '" + seed + "' is not an absolute http(s) URL", kCommand);
    canonical.push_back(*url);
  }
  struct Duration {
    const char* name;
    const std::string& text;
    double* seconds;
  };
  if (a->refresh_hubs == "never") {
    a->refresh_hubs.clear();
    c.refresh_hubs_s = -1;
  }
  for (const Duration& d :
       {Duration{"--delay", a->delay, &c.politeness.delay_s},
        Duration{"--max-time", a->max_time, &c.max_time_s},
        Duration{"--recrawl-after", a->recrawl_after, &c.recrawl_after_s},
        Duration{"--refresh-hubs", a->refresh_hubs, &c.refresh_hubs_s},
        Duration{"--retry-failed-after", a->retry_failed_after, &c.retry_failed_after_s},
        Duration{"--progress-interval", a->progress_interval, &a->progress_every_s},
        Duration{"--lease", a->lease, &c.lease_s},
        Duration{"--breaker-cooldown", a->breaker_cooldown, &c.politeness.breaker_cooldown_s}}) {
    if (!d.text.empty() && !ParseDuration(d.text, d.seconds)) {
      return UsageError(std::string(d.name) +
                            " takes a duration like 90, 1.5s, 500ms, 2m or 12h, "
                            "not '" +
                            d.text + "'",
                        kCommand);
    }
  }
  if (shared) {
    if (Status usage = CheckShared(a); !usage.ok()) return UsageError(usage.message(), kCommand);
  }
  // The link rules: every pattern compiles, --site exists, and each seed's host is
  // covered by a site file, --site or --follow (otherwise nothing would be extracted).
  LinkScopeOptions rules;
  rules.site = c.site;
  rules.follow = c.follow;
  rules.include = c.include;
  rules.exclude = c.exclude;
  Result<std::unique_ptr<LinkScope>> scope = LinkScope::Create(registry, rules);
  if (!scope.ok()) return UsageError(scope.status().message(), kCommand);
  if (c.site.empty() && c.follow.empty()) {
    for (const std::string& url : canonical) {
      if (scope.value()->SiteOf(HostPortOf(url)) == nullptr) {
        return UsageError("no site file covers " + HostOf(url) + " (seed " + url +
                              "): give --site NAME to treat it as one of 'medscrape sites', "
                              "--sites DIR with a site file for it, or --follow RE",
                          kCommand);
      }
    }
  }
  if (!shared && c.out_path == "-") {
    return UsageError(
        "--out - : the crawl writes a file it can cut back to its last committed "
        "record after a crash; name a file",
        kCommand);
  }
  // Paths: the default folder is made; a folder the user named must exist.
  const bool default_paths = c.out_path.empty() || c.state_path.empty();
  if (c.out_path.empty() && !shared) c.out_path = "out/" + a->job + ".jsonl";
  if (c.state_path.empty()) c.state_path = "out/" + a->job + ".db";
  c.drift_check = !a->no_drift_check;
  if (a->stats_path.empty() && shared)
    a->stats_path = "out/" + c.job + "-" + c.worker + ".stats.json";
  if (a->stats_path.empty()) a->stats_path = StatsPathFor(c.out_path, c.state_path);
  c.out_path = ExpandTime(c.out_path);
  c.stats_path = a->stats_path;
  if (Status warc = CheckArchive(a); !warc.ok()) return UsageError(warc.message(), kCommand);
  for (const std::string* path :
       {&c.out_path, &c.state_path, &c.stats_path, &a->metrics_path, &c.archive.name}) {
    if (path->empty() || (path == &c.state_path && shared)) continue;
    const std::filesystem::path folder = std::filesystem::path(*path).parent_path();
    if (folder.empty() || std::filesystem::is_directory(folder)) continue;
    if (default_paths && folder == "out") continue;  // Made below.
    return UsageError("folder " + folder.string() + " (of " + *path + ") does not exist", kCommand);
  }
  std::error_code error;
  if (default_paths) std::filesystem::create_directories("out", error);
  if (error) return UsageError("cannot make the output folder out/: " + error.message(), kCommand);
  return -1;
}

// Exit codes by precedence: an error (3, or 5 for a lock) > a signal (128 + N) > drift
// (4) > more failures than --max-failed-ratio (1) > 0.
int ExitCodeOf(const CrawlSummary& summary, double max_failed_ratio) {
  if (summary.stopped_early) return kExitSignalBase + std::max(1, g_signal.load());
  if (!summary.drift.empty()) return kExitDrift;
  const double allowed = max_failed_ratio * static_cast<double>(summary.fetched);
  return static_cast<double>(summary.run_failed) > allowed ? kExitSomeFailed : kExitOk;
}

int Run(CrawlArgs& args) {
  int exit_code = kExitOk;
  std::unique_ptr<Registry> registry = LoadRegistryOrReport(args.sites_dir, kCommand, &exit_code);
  if (registry == nullptr) return exit_code;
  if (const int usage = Check(&args, *registry); usage >= 0) return usage;
  CrawlOptions& crawl = args.crawl;
  const bool json = args.log_format == "json";
  const bool terminal = isatty(STDERR_FILENO) != 0;
  // JSON logs are for machines: no progress line between the objects.
  CrawlReport report(terminal && !args.no_progress && !json,
                     terminal && !json ? 0 : args.progress_every_s, json);
  args.fetch.max_connections = crawl.concurrency;
  const std::string out = IsPostgresUrl(crawl.state_path)
                              ? "job " + crawl.job + " (worker " + crawl.worker + ")"
                              : crawl.out_path;
  std::signal(SIGINT, OnSignal);
  std::signal(SIGTERM, OnSignal);
  std::unique_ptr<Fetcher> fetcher = MakeCurlFetcher(args.fetch);
  SystemClock clock;
  Crawler crawler(crawl, *fetcher, clock, *registry, &report);
  Result<CrawlSummary> summary = crawler.Run(g_stop);
  if (!summary.ok()) {
    report.Error(summary.status().message());
    return summary.status().code() == StatusCode::kLocked ? kExitLocked : kExitAborted;
  }
  report.Summary(summary.value(), out);
  exit_code = ExitCodeOf(summary.value(), args.max_failed_ratio);
  if (!args.metrics_path.empty()) {
    Status written =
        WriteCrawlMetrics(args.metrics_path, JobName(args), summary.value(), exit_code);
    if (!written.ok()) {
      report.Error(written.message());
      return kExitAborted;
    }
  }
  return exit_code;
}

}  // namespace

CommandRun AddCrawlCommand(CLI::App* app) {
  auto args = std::make_shared<CrawlArgs>();
  args->fetch.user_agent = std::string("medscrape/") + MEDSCRAPE_VERSION +
                           " (+https://github.com/medscrape/medscrape; polite crawler)";
  CLI::App* command = app->add_subcommand(
      kCommand, "crawl the seeds' hosts -> JSON Lines records (polite, resumable, exactly once)");
  AddCrawlOptions(command, args.get());
  return [args] { return Run(*args); };
}

}  // namespace medscrape

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
#include "cli/crawl_report.h"
#include "cli/metrics.h"
#include "crawl/crawler.h"
#include "crawl/link_scope.h"
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

// The command line as typed; Check turns it into CrawlOptions and FetchOptions.
struct CrawlArgs {
  CrawlOptions crawl;
  FetchOptions fetch;
  std::string job = "crawl";
  std::string seeds_file;
  std::string delay = "1s", max_time, recrawl_after;
  std::string refresh_hubs = "24h", retry_failed_after = "1h", progress_interval = "60s";
  std::string log_format = "text";
  bool no_progress = false;
  bool no_drift_check = false;
  double progress_every_s = 60;
  double max_failed_ratio = 0.05;
  std::string stats_path, metrics_path, config;
  std::string sites_dir;
};

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

void AddOptions(CLI::App* command, CrawlArgs* a) {
  CrawlOptions& c = a->crawl;
  command
      ->add_option("SEED", c.seeds,
                   "start URLs: their hosts are the crawl's scope; a seed that is no page is "
                   "a list page, and links of its shape are followed")
      ->take_all();
  command->add_option("--job", a->job, "job name: out/NAME.jsonl, out/NAME.db, out/NAME.stats.json")
      ->type_name("NAME")
      ->capture_default_str();
  command
      ->add_option("--out", c.out_path,
                   "records file (JSON Lines); strftime fields (%Y%m%d-%H%M%S, local time) "
                   "make one file per run; default out/JOB.jsonl")
      ->type_name("FILE");
  command
      ->add_option("--stats", a->stats_path,
                   "stats file of the run; default: --out's name with .stats.json (with "
                   "strftime fields: --state's)")
      ->type_name("FILE");
  command
      ->add_option("--metrics", a->metrics_path,
                   "Prometheus text file (node_exporter textfile collector), written atomically")
      ->type_name("FILE");
  command->add_option("--state", c.state_path, "job state (SQLite); default out/JOB.db")
      ->type_name("FILE");
  command->add_flag("--fresh", c.fresh, "start the job over (its state and output are dropped)");
  command->add_option("--seeds", a->seeds_file, "more seeds, one URL a line (# comments)")
      ->type_name("FILE");
  command
      ->add_option("--site", c.site, "treat the seeds' hosts as this site (see 'medscrape sites')")
      ->type_name("NAME");
  command
      ->add_option("--follow", c.follow,
                   "also follow links whose path and query match RE from the start (list "
                   "pages; repeatable)")
      ->type_name("RE")
      ->take_all()
      ->expected(1)
      ->allow_extra_args(false);  // One value each time: repeat the option for more.
  command->add_option("--include", c.include, "follow only links whose URL matches RE (repeatable)")
      ->type_name("RE")
      ->take_all()
      ->expected(1)
      ->allow_extra_args(false);  // One value each time: repeat the option for more.
  command
      ->add_option("--exclude", c.exclude, "never follow links whose URL matches RE (repeatable)")
      ->type_name("RE")
      ->take_all()
      ->expected(1)
      ->allow_extra_args(false);  // One value each time: repeat the option for more.
  command->add_option("--concurrency", c.concurrency, "transfers in flight in all")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command->add_option("--per-host", c.politeness.per_host, "requests in flight per host")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  command
      ->add_option("--delay", a->delay,
                   "pause between two requests to one host (90, 1.5s, 500ms, 2m)")
      ->type_name("DUR")
      ->capture_default_str();
  command
      ->add_option("--retries", c.politeness.max_retries,
                   "retries of a timeout, reset or 5xx, with backoff")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(0, 100));
  command->add_option("--max-pages", c.max_pages, "stop after this many records; 0: no limit")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command->add_option("--max-depth", c.max_depth, "links followed from the seeds; -1: no limit")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(-1, 1000000));
  command->add_option("--max-time", a->max_time, "stop starting fetches after DUR; default none")
      ->type_name("DUR");
  command
      ->add_option("--max-urls-per-host", c.max_urls_per_host,
                   "new URLs one host may add per run (crawler traps)")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command
      ->add_option("--recrawl-after", a->recrawl_after,
                   "fetch pages done longer ago than DUR again (conditionally)")
      ->type_name("DUR");
  command
      ->add_option("--refresh-hubs", a->refresh_hubs,
                   "fetch list pages done longer ago than DUR again (seeds: every run); "
                   "'never' to stop")
      ->type_name("DUR")
      ->capture_default_str();
  command
      ->add_option("--retry-failed-after", a->retry_failed_after,
                   "give URLs that failed for a transient reason (connect, timeout, 5xx, ...) "
                   "another chance after DUR")
      ->type_name("DUR")
      ->capture_default_str();
  command
      ->add_option("--max-attempts", c.max_attempts,
                   "runs that may try a transiently failing URL, the first included")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  command->add_flag("--retry-failed", c.retry_failed,
                    "give every failed URL another chance now, whatever its reason");
  command
      ->add_option("--max-failed-ratio", a->max_failed_ratio,
                   "exit 1 when more than this share of the run's fetches failed")
      ->type_name("R")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--drift-threshold", c.drift_threshold,
                   "drift (exit 4): a field's fill rate fell by more than this since the "
                   "previous run")
      ->type_name("R")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command
      ->add_option("--drift-min-records", c.drift_min_records,
                   "records of a site and page type both runs need before drift counts")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_flag("--no-drift-check", a->no_drift_check, "no drift alarm");
  command->add_option("--user-agent", a->fetch.user_agent, "User-Agent; put your contact in it")
      ->type_name("UA")
      ->capture_default_str();
  command
      ->add_option("--proxy", a->fetch.proxy,
                   "HTTP(S) proxy; default: http_proxy, https_proxy... of the environment")
      ->type_name("URL");
  command->add_flag("--allow-private", a->fetch.allow_private,
                    "allow loopback and private addresses (local mirrors); metadata ones never");
  command->add_flag("--sitemaps", c.sitemaps,
                    "also queue the URLs of the sitemaps robots.txt lists");
  command
      ->add_option("--log-format", a->log_format,
                   "stderr lines as text, or json: one object a line")
      ->type_name("FORMAT")
      ->capture_default_str()
      ->check([](const std::string& value) -> std::string {
        return value == "text" || value == "json" ? "" : "text or json, not '" + value + "'";
      });
  command->add_flag("--no-progress", a->no_progress, "no live progress line on a terminal");
  command
      ->add_option("--progress-interval", a->progress_interval,
                   "off a terminal, a progress line (or JSON event) every DUR; 0: none")
      ->type_name("DUR")
      ->capture_default_str();
  AddSitesOption(command, &a->sites_dir);
  command
      ->add_option("--config", a->config,
                   "YAML job file: keys are these long options, seed: the seed URLs; the "
                   "command line overrides it")
      ->type_name("FILE");
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

// Everything checked before any file is touched; a usage error's exit code, or -1.
int Check(CrawlArgs* a, const Registry& registry) {
  CrawlOptions& c = a->crawl;
  if (!a->seeds_file.empty() && !ReadSeedFile(a->seeds_file, &c.seeds)) {
    return UsageError("cannot read seed file " + a->seeds_file, kCommand);
  }
  if (c.seeds.empty())
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
        Duration{"--progress-interval", a->progress_interval, &a->progress_every_s}}) {
    if (!d.text.empty() && !ParseDuration(d.text, d.seconds)) {
      return UsageError(std::string(d.name) +
                            " takes a duration like 90, 1.5s, 500ms, 2m or 12h, "
                            "not '" +
                            d.text + "'",
                        kCommand);
    }
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
  if (c.out_path == "-") {
    return UsageError(
        "--out - : the crawl writes a file it can cut back to its last committed "
        "record after a crash; name a file",
        kCommand);
  }
  // Paths: the default folder is made; a folder the user named must exist.
  const bool default_paths = c.out_path.empty() || c.state_path.empty();
  if (c.out_path.empty()) c.out_path = "out/" + a->job + ".jsonl";
  if (c.state_path.empty()) c.state_path = "out/" + a->job + ".db";
  c.drift_check = !a->no_drift_check;
  if (a->stats_path.empty()) a->stats_path = StatsPathFor(c.out_path, c.state_path);
  c.out_path = ExpandTime(c.out_path);
  c.stats_path = a->stats_path;
  for (const std::string* path : {&c.out_path, &c.state_path, &c.stats_path, &a->metrics_path}) {
    if (path->empty()) continue;
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

// The job's name in metrics: the state file's name without its folder and suffix.
std::string JobName(const CrawlArgs& args) {
  return std::filesystem::path(args.crawl.state_path).stem().string();
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
  const std::string& out = crawl.out_path;
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
  AddOptions(command, args.get());
  return [args] { return Run(*args); };
}

}  // namespace medscrape

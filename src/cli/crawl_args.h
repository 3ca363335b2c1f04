// The command line of `medscrape crawl` as typed (crawl_options.cc declares it); the crawl
// command checks it and turns it into CrawlOptions and FetchOptions. Internal to src/cli.
#ifndef MEDSCRAPE_CLI_CRAWL_ARGS_H_
#define MEDSCRAPE_CLI_CRAWL_ARGS_H_

#include <CLI/CLI.hpp>
#include <cstdint>
#include <string>

#include "crawl/crawler.h"
#include "fetch/fetcher.h"

namespace medscrape {

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
  std::string warc_max_size;             // --warc-max-size SIZE (ParseSize).
  std::string lease = "30s";             // --lease DUR (a shared job's claims).
  std::string breaker_cooldown = "60s";  // --breaker-cooldown DUR.
};

// Declares every crawl option on `command`, writing into `args`.
void AddCrawlOptions(CLI::App* command, CrawlArgs* args);

// "1G", "500M", "64k", "1048576" (binary units, optional "B"/"iB") -> bytes; false if not.
bool ParseSize(const std::string& text, int64_t* bytes);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_CRAWL_ARGS_H_

// The options of `medscrape crawl`: every one is also a key of a --config job file.
#include <cctype>
#include <cstdlib>

#include "cli/cli.h"
#include "cli/crawl_args.h"

namespace medscrape {

void AddCrawlOptions(CLI::App* command, CrawlArgs* a) {
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
  command
      ->add_option("--state", c.state_path,
                   "job state: a SQLite file (default out/JOB.db), or postgresql://USER@HOST/DB "
                   "to share job --job among workers on many machines (records go to its "
                   "tables: medscrape export --from)")
      ->type_name("FILE|URL");
  command
      ->add_option("--worker", c.worker,
                   "this worker's name in a shared job (unique among its running workers); "
                   "default: the machine's host name")
      ->type_name("NAME");
  command
      ->add_option("--lease", a->lease,
                   "a shared job's claims outlive their worker's last sign of life by this")
      ->type_name("DUR")
      ->capture_default_str();
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
  command
      ->add_option("--breaker-failures", c.politeness.breaker_failures,
                   "failed responses in a row that pause a host (its circuit breaker opens)")
      ->type_name("N")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  command
      ->add_option("--breaker-cooldown", a->breaker_cooldown,
                   "how long an open breaker pauses its host before one probe request")
      ->type_name("DUR")
      ->capture_default_str();
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
      ->add_option("--warc", c.archive.name,
                   "archive every HTTP exchange as WARC into NAME.warc.gz (with a CDXJ index "
                   "NAME.cdxj); strftime fields as for --out")
      ->type_name("NAME");
  command
      ->add_option("--warc-max-size", a->warc_max_size,
                   "start a new WARC file before one grows past SIZE (1G, 500M): "
                   "NAME-00000.warc.gz, NAME-00001.warc.gz, ...")
      ->type_name("SIZE");
  command
      ->add_option("--config", a->config,
                   "YAML job file: keys are these long options, seed: the seed URLs; the "
                   "command line overrides it")
      ->type_name("FILE");
}

bool ParseSize(const std::string& text, int64_t* bytes) {
  char* end = nullptr;
  const double number = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !(number >= 0)) return false;
  std::string unit(end);
  for (char& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (unit.size() > 1 && unit.back() == 'b') unit.pop_back();
  if (unit.size() > 1 && unit.back() == 'i') unit.pop_back();
  double scale = 1;
  if (unit == "k") {
    scale = 1024.0;
  } else if (unit == "m") {
    scale = 1024.0 * 1024;
  } else if (unit == "g") {
    scale = 1024.0 * 1024 * 1024;
  } else if (!unit.empty() && unit != "b") {
    return false;
  }
  const double value = number * scale;
  if (value > 9.0e18) return false;
  *bytes = static_cast<int64_t>(value);
  return true;
}

}  // namespace medscrape

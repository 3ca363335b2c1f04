// `medscrape jobs --state postgresql://...`: the shared crawl jobs a database holds, with
// their URL counts, records and workers (live: a heartbeat within its lease).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/cli.h"
#include "cli/commands.h"
#include "crawl/pg_db.h"
#include "crawl/pg_export.h"

namespace medscrape {
namespace {

struct JobsOptions {
  std::string state;
  std::string format = "text";
};

Json ToJson(const JobSummary& job) {
  Json workers = Json::array();
  for (const JobSummary::Worker& w : job.workers) {
    workers.push_back({{"name", w.name},
                       {"machine", w.machine},
                       {"pid", w.pid},
                       {"heartbeat_at", w.heartbeat_at},
                       {"live", w.live}});
  }
  return {{"job", job.name},      {"created_at", job.created_at}, {"pending", job.pending},
          {"done", job.done},     {"failed", job.failed},         {"skipped", job.skipped},
          {"leased", job.leased}, {"records", job.records},       {"workers", workers}};
}

int Run(const JobsOptions& options) {
  if (!IsPostgresUrl(options.state)) {
    return UsageError(
        "--state takes a postgresql:// URL (a SQLite job is one file: see its "
        "stats file), not '" +
            options.state + "'",
        "jobs");
  }
  if (options.format != "text" && options.format != "json") {
    return UsageError("--format must be text or json, not '" + options.format + "'", "jobs");
  }
  Result<std::vector<JobSummary>> jobs = ListJobs(options.state);
  if (!jobs.ok()) {
    std::fprintf(stderr, "medscrape: jobs: %s\n", jobs.status().message().c_str());
    return kExitAborted;
  }
  if (options.format == "json") {
    for (const JobSummary& job : jobs.value()) std::printf("%s\n", ToJson(job).dump().c_str());
    return kExitOk;
  }
  for (const JobSummary& job : jobs.value()) {
    int live = 0;
    for (const JobSummary::Worker& w : job.workers) live += w.live ? 1 : 0;
    std::printf(
        "%s (since %s): %lld pending (%lld leased), %lld done, %lld failed, %lld skipped; "
        "%lld records; %d of %zu workers live\n",
        job.name.c_str(), job.created_at.c_str(), static_cast<long long>(job.pending),
        static_cast<long long>(job.leased), static_cast<long long>(job.done),
        static_cast<long long>(job.failed), static_cast<long long>(job.skipped),
        static_cast<long long>(job.records), live, job.workers.size());
    for (const JobSummary::Worker& w : job.workers) {
      std::printf("  %-20s %s pid %lld on %s, last heartbeat %s\n", w.name.c_str(),
                  w.live ? "live " : "gone ", static_cast<long long>(w.pid), w.machine.c_str(),
                  w.heartbeat_at.c_str());
    }
  }
  return kExitOk;
}

}  // namespace

CommandRun AddJobsCommand(CLI::App* app) {
  auto options = std::make_shared<JobsOptions>();
  CLI::App* command = app->add_subcommand(
      "jobs", "the shared crawl jobs of a PostgreSQL database: counts, records, workers");
  command->add_option("--state", options->state, "the database (postgresql://USER@HOST/DB)")
      ->required()
      ->type_name("URL");
  command->add_option("--format", options->format, "text or json (one object a job)")
      ->type_name("text|json");
  return [options] { return Run(*options); };
}

}  // namespace medscrape

// The cost of the crawl engine's per-page work against the size of the frontier:
// a job whose one host has N pending URLs (10^4, 10^5, 10^6 by default) is crawled
// by the real engine through a scripted fetcher on a fake clock (every page answers
// 200 image/png after 10 ms of fake time: no sockets, no parsing, no waiting), with the
// default politeness (one request in flight per host). Prints, per N, the CPU time
// per page over pages 100..100+K (the loop: picking the next URL, starting it,
// settling it in SQLite), the time to open the job, and peak RSS.
//
//   build/frontier_bench [K] [N...]
#include <sys/resource.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "crawl/crawler.h"
#include "crawl/state_store.h"
#include "extract/registry.h"
#include "extractors/builtin.h"
#include "fake_fetcher.h"

namespace medscrape {
namespace {

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

long PeakRssKiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

std::string PageUrl(int64_t n) {
  return "http://frontier.example/ask/" + std::to_string(n) + ".shtml";
}

bool Fill(const std::string& state, int64_t pending) {
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(state, true);
  if (!store.ok()) return false;
  for (int64_t done = 0; done < pending;) {
    std::vector<NewUrl> batch;
    for (int i = 0; i < 10000 && done < pending; ++i, ++done) {
      batch.push_back(NewUrl{PageUrl(done), "frontier.example", "page", 1, 0});
    }
    if (!store.value()->AddUrls(batch).ok()) return false;
  }
  return true;
}

int Run(const std::string& dir, int64_t pending, int64_t pages) {
  const std::string state = dir + "/job.db";
  if (!Fill(state, pending)) {
    std::fprintf(stderr, "frontier_bench: cannot fill %s\n", state.c_str());
    return 1;
  }
  constexpr int64_t kWarmup = 100;
  FakeClock clock(1'700'000'000'000);
  std::atomic<bool> stop{false};
  int64_t started = 0;
  double cpu_from = 0, cpu_to = 0, open_cpu = 0;
  const double cpu_before = CpuSeconds();
  testing::FakeFetcher fetcher(clock, [&](const FetchRequest&) {
    ++started;
    if (started == 1) open_cpu = CpuSeconds() - cpu_before;
    if (started == kWarmup) cpu_from = CpuSeconds();
    if (started == kWarmup + pages) {
      cpu_to = CpuSeconds();
      stop = true;
    }
    FetchResponse response;  // Not HTML: settled as skipped:not_html, without a parse.
    response.status = 200;
    response.content_type = "image/png";
    response.body = "x";
    return testing::FakeFetcher::Reply{response, 10};
  });
  CrawlOptions options;
  options.seeds = {PageUrl(0)};
  options.out_path = dir + "/out.jsonl";
  options.state_path = state;
  options.site = "mfk.com";
  options.politeness.delay_s = 0;
  Crawler crawler(options, fetcher, clock, BuiltinRegistry());
  Result<CrawlSummary> summary = crawler.Run(stop);
  if (!summary.ok() || cpu_to == 0) {
    std::fprintf(stderr, "frontier_bench: %s\n",
                 summary.ok() ? "the crawl ended early" : summary.status().message().c_str());
    return 1;
  }
  std::printf("%9lld pending  %7.1f us/page  open %6.3f s  peak RSS %6.1f MiB\n",
              static_cast<long long>(pending), (cpu_to - cpu_from) / pages * 1e6, open_cpu,
              PeakRssKiB() / 1024.0);
  return 0;
}

}  // namespace
}  // namespace medscrape

int main(int argc, char** argv) {
  const int64_t pages = argc > 1 ? std::atoll(argv[1]) : 2000;
  std::vector<int64_t> sizes;
  for (int i = 2; i < argc; ++i) sizes.push_back(std::atoll(argv[i]));
  if (sizes.empty()) sizes = {10000, 100000, 1000000};
  const char* tmp = std::getenv("TMPDIR");
  std::string dir = std::string(tmp ? tmp : "/tmp") + "/frontier_bench_XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) return 1;
  int status = 0;
  for (int64_t size : sizes) status |= medscrape::Run(dir, size, pages);
  std::filesystem::remove_all(dir);
  return status;
}

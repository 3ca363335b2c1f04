// The cost of a shared job's two hot transactions on PostgreSQL, and how they contend:
// W worker processes (fork), each with its own PgStateStore (one connection), claim a URL
// of a host (NextPending: the host row FOR UPDATE SKIP LOCKED, one URL leased, next_at
// moved on) and complete it (MarkDone: lease token checked, a ~2 KB record inserted, two
// outlinks added ON CONFLICT DO NOTHING) as fast as they can for S seconds, over H hosts
// with delay 0 and one lease per host. No fetching, no parsing: the store alone.
// A claim that finds its host busy (another worker holds it) counts as a miss.
//
//   build/pg_claim_bench URL WORKERS SECONDS HOSTS URLS
//
// Prints one line: workers, claims/s, completes/s, transactions/s (claims, misses and
// completes), p50/p99 of the claim and of the complete in ms, miss ratio.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "crawl/state_store.h"

namespace medscrape {
namespace {

using Micros = std::vector<int64_t>;

int64_t NowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string HostName(int64_t h) { return "h" + std::to_string(h) + ".bench.example"; }

std::string PageUrl(int64_t host, int64_t n) {
  return "http://" + HostName(host) + "/ask/" + std::to_string(n) + ".shtml";
}

StateStoreOptions Options(const std::string& url, const std::string& worker, bool fresh) {
  StateStoreOptions options;
  options.location = url;
  options.job = "claim-bench";
  options.worker = worker;
  options.fresh = fresh;
  options.lease_ms = 30000;
  options.per_host = 1;
  return options;
}

bool Fill(const std::string& url, int64_t hosts, int64_t urls) {
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(Options(url, "fill", true));
  if (!store.ok()) {
    std::fprintf(stderr, "pg_claim_bench: %s\n", store.status().message().c_str());
    return false;
  }
  for (int64_t n = 0; n < urls;) {
    std::vector<NewUrl> batch;
    for (int i = 0; i < 10000 && n < urls; ++i, ++n) {
      batch.push_back(NewUrl{PageUrl(n % hosts, n), HostName(n % hosts), "page", 1, 0});
    }
    if (!store.value()->AddUrls(batch).ok()) return false;
  }
  return true;
}

// One worker process: claims and completes until `until_us`; writes its latencies
// (claim, complete, one per line, "c N" / "d N" / "m N") to `out`.
int Work(const std::string& url, int index, int64_t hosts, int64_t start_us, int64_t until_us,
         const std::string& out) {
  Result<std::unique_ptr<StateStore>> opened =
      OpenStateStore(Options(url, "w" + std::to_string(index), false));
  if (!opened.ok()) {
    std::fprintf(stderr, "pg_claim_bench: %s\n", opened.status().message().c_str());
    return 1;
  }
  StateStore& store = *opened.value();
  std::mt19937_64 rng(static_cast<uint64_t>(index) * 7919 + 1);
  const std::string record(2000, 'x');
  std::ofstream log(out);
  int64_t next = static_cast<int64_t>(rng() % static_cast<uint64_t>(hosts));
  int64_t outlink = 1'000'000'000LL * (index + 1);
  while (NowUs() < start_us) ::usleep(1000);
  while (NowUs() < until_us) {
    const std::string host = HostName(next);
    next = (next + 1) % hosts;
    const int64_t t0 = NowUs();
    Result<std::vector<UrlEntry>> claimed = store.NextPending(host, 0, 1);
    const int64_t t1 = NowUs();
    if (!claimed.ok()) {
      std::fprintf(stderr, "pg_claim_bench: %s\n", claimed.status().message().c_str());
      return 1;
    }
    if (claimed.value().empty()) {
      log << "m " << (t1 - t0) << "\n";
      continue;
    }
    const UrlEntry& entry = claimed.value().front();
    if (!store.Starting(entry.id)) continue;
    DoneInfo info;
    info.status = 200;
    info.fetched_at_ms = t1 / 1000;
    info.content_sha256 = std::string(64, 'a');
    info.fields_sha256 = std::string(64, 'b');
    info.record = record;
    std::vector<NewUrl> outlinks;
    for (int i = 0; i < 2; ++i) {
      const int64_t h = static_cast<int64_t>(rng() % static_cast<uint64_t>(hosts));
      outlinks.push_back(NewUrl{PageUrl(h, outlink++), HostName(h), "page", 2, entry.id});
    }
    Result<int> done = store.MarkDone(entry.id, info, 0, outlinks);
    const int64_t t2 = NowUs();
    if (!done.ok()) {
      std::fprintf(stderr, "pg_claim_bench: %s\n", done.status().message().c_str());
      return 1;
    }
    log << "c " << (t1 - t0) << "\nd " << (t2 - t1) << "\n";
    Status kept = store.Maintain();
    if (!kept.ok()) return 1;
  }
  return 0;
}

double Percentile(Micros& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())));
  return static_cast<double>(v[i]) / 1000.0;
}

int Run(const std::string& url, int workers, double seconds, int64_t hosts, int64_t urls) {
  if (!Fill(url, hosts, urls)) return 1;
  char dir[] = "/tmp/pg_claim_bench_XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  const int64_t start_us = NowUs() + 2'000'000;  // Every worker connected before the clock runs.
  const int64_t until_us = start_us + static_cast<int64_t>(seconds * 1e6);
  std::vector<pid_t> children;
  for (int i = 0; i < workers; ++i) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::_Exit(
          Work(url, i, hosts, start_us, until_us, std::string(dir) + "/w" + std::to_string(i)));
    }
    children.push_back(pid);
  }
  int failed = 0;
  for (const pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) ++failed;
  }
  Micros claims, completes, misses;
  for (int i = 0; i < workers; ++i) {
    const std::string path = std::string(dir) + "/w" + std::to_string(i);
    std::ifstream in(path);
    char kind = 0;
    int64_t us = 0;
    while (in >> kind >> us)
      (kind == 'c' ? claims : kind == 'd' ? completes : misses).push_back(us);
    std::remove(path.c_str());
  }
  ::rmdir(dir);
  if (failed > 0) {
    std::fprintf(stderr, "pg_claim_bench: %d of %d workers failed\n", failed, workers);
    return 1;
  }
  // The first half second (connecting) is outside the window: workers start at start_us.
  const double window = static_cast<double>(until_us - start_us) / 1e6;
  const double tx = static_cast<double>(claims.size() + completes.size() + misses.size());
  const double miss_ratio = static_cast<double>(misses.size()) /
                            std::max<double>(1, static_cast<double>(claims.size() + misses.size()));
  std::printf(
      "%3d workers  %8.0f claims/s  %8.0f completes/s  %8.0f tx/s  claim p50 %6.2f p99 %7.2f ms"
      "  complete p50 %6.2f p99 %7.2f ms  misses %4.1f%%\n",
      workers, static_cast<double>(claims.size()) / window,
      static_cast<double>(completes.size()) / window, tx / window, Percentile(claims, 0.5),
      Percentile(claims, 0.99), Percentile(completes, 0.5), Percentile(completes, 0.99),
      100 * miss_ratio);
  return 0;
}

}  // namespace
}  // namespace medscrape

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: pg_claim_bench URL WORKERS SECONDS HOSTS URLS\n");
    return 2;
  }
  return medscrape::Run(argv[1], std::atoi(argv[2]), std::atof(argv[3]), std::atoll(argv[4]),
                        std::atoll(argv[5]));
}

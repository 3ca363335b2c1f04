// Extraction off the crawl engine's loop thread: RunExtractTask's outcomes, the
// ExtractPool's bound and ordering, and end-to-end crawls of fixtures/site/ with
// different worker counts, a page limit, and a stop in mid-crawl (no crash
// marker may survive a clean stop).
#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "crawl/crawler.h"
#include "crawl/extract_pool.h"
#include "crawl/extract_task.h"
#include "crawl/extraction_stage.h"
#include "crawl/state_store.h"
#include "extract/sha256.h"
#include "extractors/builtin.h"
#include "fetch/fetcher.h"
#include "fetch_test_server.h"
#include "fetch_test_util.h"

namespace medscrape {
namespace {

using testing::TempDir;
using testing::TestServer;

constexpr int kMirrorPages = 37;  // fixtures/site/: 18 articles + 19 Q&A pages, 3 hubs.
const char kFixtureSite[] = MEDSCRAPE_SOURCE_DIR "/fixtures/site";
const char kPage[] =
    "<html><head><title>Headache</title></head>"
    "<body><a href=\"/ask/1.shtml\">one</a> <a href=\"/ask/2.shtml\">two</a></body></html>";

ExtractTask PageTask(uint64_t ticket, std::string body, bool wants_record = true) {
  ExtractTask task;
  task.ticket = ticket;
  task.body = std::move(body);
  task.request.url = "https://example.com/" + std::to_string(ticket) + ".html";  // Generic.
  task.wants_record = wants_record;
  return task;
}

TEST_CASE("extract task: a page gives its record line and links", "[extract-pool]") {
  const ExtractOutcome outcome = RunExtractTask(PageTask(7, kPage), BuiltinRegistry());
  CHECK(outcome.ticket == 7);
  REQUIRE(outcome.kind == ExtractOutcome::Kind::kExtracted);
  CHECK(outcome.sha256 == Sha256Hex(kPage));
  CHECK(outcome.record["content_sha256"] == outcome.sha256);
  CHECK(outcome.record["title"] == "Headache");
  REQUIRE_FALSE(outcome.line.empty());
  CHECK(outcome.line.back() == '\n');
  CHECK(Json::parse(outcome.line) == outcome.record);
  CHECK(outcome.links.ToStrings() == std::vector<std::string>{"https://example.com/ask/1.shtml",
                                                              "https://example.com/ask/2.shtml"});
}

TEST_CASE("extract task: a hub gives links only", "[extract-pool]") {
  const ExtractOutcome outcome = RunExtractTask(PageTask(1, kPage, false), BuiltinRegistry());
  REQUIRE(outcome.kind == ExtractOutcome::Kind::kExtracted);
  CHECK(outcome.line.empty());
  CHECK(outcome.record.is_null());
  CHECK(outcome.links.size() == 2);
}

TEST_CASE("extract task: an unchanged page is hashed, not parsed", "[extract-pool]") {
  ExtractTask task = PageTask(1, kPage);
  task.unchanged_sha256 = Sha256Hex(kPage);
  const ExtractOutcome outcome = RunExtractTask(task, BuiltinRegistry());
  CHECK(outcome.kind == ExtractOutcome::Kind::kUnchanged);
  CHECK(outcome.sha256 == task.unchanged_sha256);
  CHECK(outcome.line.empty());
  CHECK(outcome.links.empty());
}

TEST_CASE("extract task: binary and blank bodies are refused with a reason", "[extract-pool]") {
  const ExtractOutcome png = RunExtractTask(
      PageTask(1, std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16)), BuiltinRegistry());
  CHECK(png.kind == ExtractOutcome::Kind::kRefused);
  CHECK(png.reason == "binary");
  const ExtractOutcome blank = RunExtractTask(PageTask(2, " \n\t "), BuiltinRegistry());
  CHECK(blank.kind == ExtractOutcome::Kind::kRefused);
  CHECK(blank.reason == "empty");
}

TEST_CASE("extract task: a page whose tree passes its budget fails too_large", "[extract-pool]") {
  std::string body = "<html><body>";
  for (int i = 0; i < 100000; ++i) body += "a<!---->";
  ExtractTask task = PageTask(1, body);
  task.request.limits.max_nodes = 10'000'000;
  task.request.limits.max_tree_bytes = 1 << 20;
  const ExtractOutcome outcome = RunExtractTask(task, BuiltinRegistry());
  CHECK(outcome.kind == ExtractOutcome::Kind::kFailed);
  CHECK(outcome.reason == "too_large");
  CHECK(outcome.line.empty());
}

// Takes outcomes until `count` have come back or 10 s pass.
std::vector<ExtractOutcome> TakeAll(ExtractPool& pool, size_t count) {
  std::vector<ExtractOutcome> all;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (all.size() < count && std::chrono::steady_clock::now() < deadline) {
    pool.WaitDone(100);
    for (ExtractOutcome& outcome : pool.TakeDone()) all.push_back(std::move(outcome));
  }
  return all;
}

TEST_CASE("extract pool: every outcome comes back once, in any order", "[extract-pool]") {
  ExtractPool pool(3, BuiltinRegistry());
  std::multiset<uint64_t> tickets;
  for (uint64_t ticket = 1; ticket <= 30; ++ticket) {
    while (!pool.HasRoom(1)) {
      pool.WaitDone(100);
      for (const ExtractOutcome& outcome : pool.TakeDone()) tickets.insert(outcome.ticket);
    }
    pool.Submit(PageTask(ticket, kPage));
  }
  for (const ExtractOutcome& outcome : TakeAll(pool, 30 - tickets.size())) {
    tickets.insert(outcome.ticket);
  }
  CHECK(tickets.size() == 30);
  CHECK(std::set<uint64_t>(tickets.begin(), tickets.end()).size() == 30);
  CHECK(pool.Pending() == 0);
  CHECK(pool.HasRoom(1));
}

// A page that takes a worker a while: many links to parse and resolve.
std::string SlowPage(int links) {
  std::string big = "<html><body>";
  for (int i = 0; i < links; ++i) {
    big += "<p><a href=\"/ask/" + std::to_string(i) + ".shtml\">x</a></p>";
  }
  return big;
}

// How many of the job's URLs are marked processing, read through a connection of our own.
int MarkedProcessing(const std::string& path) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, "SELECT COUNT(*) FROM urls WHERE processing = 1", -1, &stmt,
                             nullptr) == SQLITE_OK);
  REQUIRE(sqlite3_step(stmt) == SQLITE_ROW);
  const int count = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return count;
}

TEST_CASE("extraction stage: a page is marked when a worker takes it or it is queued for one",
          "[extract-pool]") {
  TempDir dir;
  const std::string path = dir.path() + "/state.db";
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(path, true);
  REQUIRE(store.ok());
  ExtractionStage stage(2, BuiltinRegistry(), *store.value());
  const std::string big = SlowPage(40000);
  const int room = 2 * static_cast<int>(ExtractionStage::kTasksPerWorker);
  for (int i = 1; i <= room + 4; ++i) {
    const std::string url = "https://a.example/ask/" + std::to_string(i) + ".shtml";
    REQUIRE(store.value()->AddUrls({NewUrl{url, "a.example", "page", 1, 0}}).ok());
    Result<std::optional<UrlEntry>> row = store.value()->Find(url);
    REQUIRE(row.ok());
    REQUIRE(row.value().has_value());
    stage.Add(StagedPage{*row.value(), url, DoneInfo{}}, PageTask(static_cast<uint64_t>(i), big));
  }
  REQUIRE(stage.Dispatch().ok());
  // Two workers, each with the page it parses and those queued for it: those marked, the
  // others waiting unmarked. Every page handed out is marked and no other; a worker that
  // finished a page while Dispatch ran made room for one more, so more than `room` marked
  // pages must be matched by finished ones.
  CHECK(room == 8);
  const int marked = MarkedProcessing(path);
  CHECK(marked == static_cast<int>(stage.Running()));  // Handed out, none taken back yet.
  CHECK(stage.size() == static_cast<size_t>(room + 4));
  CHECK(marked >= room);
  const int finished = static_cast<int>(stage.TakeDone().size());
  CHECK(marked <= room + finished);
  stage.ClearMarkers();
  CHECK(MarkedProcessing(path) == 0);
  for (int waited = 0; stage.Running() > 0 && waited < 100; ++waited) {
    stage.WaitDone(100);
    stage.TakeDone();
  }
}

TEST_CASE("extract pool: no idle worker while each has a task", "[extract-pool]") {
  const std::string big = SlowPage(20000);
  ExtractPool pool(2, BuiltinRegistry());
  CHECK(pool.HasRoom(1));
  pool.Submit(PageTask(1, big));
  pool.Submit(PageTask(2, big));
  // Idle again only once a task has finished, and then its outcome is waiting.
  size_t taken = 0;
  if (pool.HasRoom(1)) {
    taken = pool.TakeDone().size();
    CHECK(taken > 0);
  }
  CHECK(TakeAll(pool, 2 - taken).size() == 2 - taken);
  CHECK(pool.Pending() == 0);
  CHECK(pool.HasRoom(1));
}

TEST_CASE("extract pool: destroyed with work out, it finishes without hanging", "[extract-pool]") {
  ExtractPool pool(1, BuiltinRegistry());
  pool.Submit(PageTask(1, kPage));
  pool.Submit(PageTask(2, kPage));  // Beyond the idle worker: dropped if not started.
  CHECK(pool.Pending() == 2);
}

TEST_CASE("extract pool: zero threads means one per core", "[extract-pool]") {
  CHECK(ThreadsFor(3) == 3);
  CHECK(ThreadsFor(0) >= 1);
  CHECK(ThreadsFor(0) == std::max(1, static_cast<int>(std::thread::hardware_concurrency())));
}

struct Job {
  TempDir dir;
  CrawlOptions options;

  explicit Job(const std::string& seed) {
    options.seeds = {seed};
    options.out_path = dir.path() + "/out.jsonl";
    options.state_path = dir.path() + "/state.db";
    options.site = "mfk.com";
    options.concurrency = 8;
    options.politeness.per_host = 8;
    options.politeness.delay_s = 0;
    options.politeness.auto_throttle = false;
  }

  CrawlSummary Run(const std::atomic<bool>& stop) {
    FetchOptions fetch = testing::LoopbackOptions();
    std::unique_ptr<Fetcher> fetcher = MakeCurlFetcher(fetch);
    SystemClock clock;
    Crawler crawler(options, *fetcher, clock, BuiltinRegistry());
    Result<CrawlSummary> summary = crawler.Run(stop);
    INFO(summary.status().message());
    REQUIRE(summary.ok());
    return summary.value();
  }
  CrawlSummary Run() { return Run(std::atomic<bool>{false}); }

  // url -> record without fetched_at; fails on a URL written twice.
  std::map<std::string, Json> Records() const {
    std::map<std::string, Json> records;
    std::ifstream in(options.out_path);
    for (std::string line; std::getline(in, line);) {
      Json record = Json::parse(line);
      record.erase("fetched_at");
      const std::string url = record["url"].get<std::string>();
      INFO(url);
      CHECK(records.count(url) == 0);
      records[url] = std::move(record);
    }
    return records;
  }

  size_t Lines() const {
    std::ifstream in(options.out_path);
    size_t lines = 0;
    for (std::string line; std::getline(in, line);) ++lines;
    return lines;
  }
};

TEST_CASE("engine: one or many extraction threads give the same records", "[engine]") {
  TestServer server(kFixtureSite);
  INFO(server.error());
  REQUIRE(server.ok());
  Job one(server.url("/jingxuan/index.shtml"));
  one.options.extract_threads = 1;
  CHECK(one.Run().records == kMirrorPages);
  Job many(server.url("/jingxuan/index.shtml"));
  many.options.extract_threads = 4;
  CHECK(many.Run().records == kMirrorPages);
  const std::map<std::string, Json> want = one.Records();
  CHECK(want.size() == kMirrorPages);
  CHECK(many.Records() == want);
}

TEST_CASE("engine: pages being extracted count toward max_pages", "[engine]") {
  TestServer server(kFixtureSite);
  INFO(server.error());
  REQUIRE(server.ok());
  for (int threads : {1, 4}) {
    Job job(server.url("/jingxuan/index.shtml"));
    job.options.concurrency = 16;
    job.options.politeness.per_host = 16;
    job.options.extract_threads = threads;
    job.options.max_pages = 5;
    INFO("threads " << threads);
    CHECK(job.Run().records == 5);
    CHECK(job.Lines() == 5);
  }
}

// Every URL of the job, read back through a fresh StateStore, whose Open counts a
// crash for every URL still marked processing.
std::vector<UrlEntry> ReopenedState(const std::string& path) {
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(path, false);
  REQUIRE(store.ok());
  std::vector<UrlEntry> entries;
  for (int64_t id = 1;; ++id) {
    Result<UrlEntry> entry = store.value()->Get(id);
    if (!entry.ok()) break;
    entries.push_back(entry.value());
  }
  return entries;
}

TEST_CASE("engine: a stop mid-crawl commits or drops extractions, never marks a crash",
          "[engine]") {
  TestServer server(kFixtureSite);
  INFO(server.error());
  REQUIRE(server.ok());
  Job job(server.url("/jingxuan/index.shtml"));
  // 20 ms between requests: the crawl is still running when the stop comes.
  job.options.politeness.per_host = 2;
  job.options.politeness.delay_s = 0.02;
  job.options.extract_threads = 2;
  std::atomic<bool> stop{false};
  std::thread stopper([&] {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (job.Lines() < 3 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    stop.store(true);
  });
  const CrawlSummary stopped = job.Run(stop);
  stopper.join();
  CHECK(stopped.stopped_early);
  CHECK(stopped.records < kMirrorPages);
  CHECK(job.Lines() == static_cast<size_t>(stopped.records));
  for (const UrlEntry& entry : ReopenedState(job.options.state_path)) {
    INFO(entry.url);
    CHECK(entry.crashes == 0);
  }
  const CrawlSummary resumed = job.Run();
  CHECK(stopped.records + resumed.records == kMirrorPages);
  CHECK(job.Records().size() == kMirrorPages);
}

TEST_CASE("engine: a page that was on a worker when a run died is crawled last, alone",
          "[engine]") {
  TestServer server(kFixtureSite);
  INFO(server.error());
  REQUIRE(server.ok());
  Job job(server.url("/jingxuan/index.shtml"));
  job.options.extract_threads = 4;
  const std::string suspect = server.url("/jingxuan/8172215.shtml");
  {
    // A run that died while the page was on a worker left its marker set.
    Result<std::unique_ptr<StateStore>> store = OpenStateStore(job.options.state_path, false);
    REQUIRE(store.ok());
    const std::string host = "127.0.0.1:" + std::to_string(server.port());
    REQUIRE(store.value()->AddUrls({NewUrl{suspect, host, "page", 1, 0}}).ok());
    REQUIRE(store.value()->SetProcessing(1, true).ok());
  }
  CHECK(job.Run().records == kMirrorPages);
  std::ifstream out(job.options.out_path);
  std::string line, last;
  while (std::getline(out, line)) last = line;
  CHECK(Json::parse(last)["url"] == suspect);
  for (const UrlEntry& entry : ReopenedState(job.options.state_path)) {
    INFO(entry.url);
    CHECK(entry.state == "done");
    CHECK(entry.crashes == (entry.url == suspect ? 1 : 0));
  }
}

}  // namespace
}  // namespace medscrape

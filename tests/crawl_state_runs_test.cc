// The state store's version 3 parts: healing (RequeueFailed), the seeds and kinds of
// RequeueStale/RequeueDone, the fields hash, offsets per output file and the runs history.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "crawl/crawl_stats.h"
#include "crawl/response_rules.h"
#include "crawl/state_store.h"

namespace medscrape {
namespace {

class Dir {
 public:
  Dir() {
    path_ = std::filesystem::temp_directory_path() /
            ("medscrape-runs-" + std::to_string(::getpid()) + "-" + std::to_string(++count_));
    std::filesystem::create_directories(path_);
  }
  ~Dir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  static inline int count_ = 0;
  std::filesystem::path path_;
};

std::unique_ptr<StateStore> Open(const std::string& path) {
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(path, false);
  INFO(store.status().message());
  REQUIRE(store.ok());
  return std::move(store).value();
}

NewUrl Page(const std::string& path, const std::string& host = "a.example",
            const std::string& kind = "page") {
  return NewUrl{"https://" + host + path, host, kind, 0, 0};
}

std::string StateOf(StateStore& store, int64_t id) {
  Result<UrlEntry> entry = store.Get(id);
  REQUIRE(entry.ok());
  return entry.value().state + (entry.value().reason.empty() ? "" : ":" + entry.value().reason);
}

TEST_CASE("RequeueFailed heals transient failures once due, at most max_heals times",
          "[state][heal]") {
  Dir dir;
  auto store = Open(dir.File("job.db"));
  REQUIRE(store
              ->AddUrls({Page("/connect"), Page("/503"), Page("/404"), Page("/late"),
                         Page("/other", "b.example")})
              .ok());
  REQUIRE(store->MarkFailed(1, "connect", 0, 1000).ok());
  REQUIRE(store->MarkFailed(2, "http_503", 503, 1000).ok());
  REQUIRE(store->MarkFailed(3, "http_404", 404, 1000).ok());
  REQUIRE(store->MarkFailed(4, "timeout", 0, 5000).ok());
  REQUIRE(store->MarkFailed(5, "connect", 0, 1000).ok());
  HealFilter filter{TransientFailureReasons(), 2000, 2};
  CHECK(store->RequeueFailed(filter, {"a.example"}).value() == 2);  // /connect, /503
  CHECK(StateOf(*store, 1) == "pending:connect");  // The reason says why it is retried.
  CHECK(StateOf(*store, 2) == "pending:http_503");
  CHECK(StateOf(*store, 3) == "failed:http_404");  // Permanent.
  CHECK(StateOf(*store, 4) == "failed:timeout");   // Not due yet.
  CHECK(StateOf(*store, 5) == "failed:connect");   // Another host.
  CHECK(store->Get(1).value().heals == 1);
  // Failing again, healed again, then the cap.
  REQUIRE(store->MarkFailed(1, "connect", 0, 1500).ok());
  CHECK(store->RequeueFailed(filter, {"a.example"}).value() == 1);
  REQUIRE(store->MarkFailed(1, "connect", 0, 1500).ok());
  CHECK(store->RequeueFailed(filter, {"a.example"}).value() == 0);
  CHECK(store->Get(1).value().heals == 2);
  // No reasons and no cap: everything failed before the time (--retry-failed).
  CHECK(store->RequeueFailed(HealFilter{{}, INT64_MAX, -1}, {"a.example"}).value() == 3);
  CHECK(StateOf(*store, 3) == "pending:http_404");
}

TEST_CASE("RequeueStale by kind, RequeueDone by URL, the fields hash is kept", "[state]") {
  Dir dir;
  auto store = Open(dir.File("job.db"));
  REQUIRE(store
              ->AddUrls(
                  {Page("/p"), Page("/hub", "a.example", "hub"), Page("/seed", "a.example", "hub")})
              .ok());
  DoneInfo info{200, "", "", "sha", 100, "fields1"};
  REQUIRE(store->MarkDone(1, info, 10, {}).ok());
  REQUIRE(store->MarkHubDone(2, DoneInfo{200, "", "", "h", 100}, {}).ok());
  REQUIRE(store->MarkHubDone(3, DoneInfo{200, "", "", "h", 100}, {}).ok());
  CHECK(store->RequeueStale(500, {"a.example"}, "hub").value() == 2);
  CHECK(StateOf(*store, 1) == "done");
  REQUIRE(store->MarkHubDone(2, DoneInfo{200, "", "", "h", 900}, {}).ok());
  REQUIRE(store->MarkHubDone(3, DoneInfo{200, "", "", "h", 900}, {}).ok());
  CHECK(store->RequeueDone({"https://a.example/seed", "https://a.example/nope"}).value() == 1);
  CHECK(StateOf(*store, 3) == "pending");
  CHECK(StateOf(*store, 2) == "done");
  CHECK(store->RequeueStale(500, {"a.example"}, "page").value() == 1);
  CHECK(store->Get(1).value().fields_sha256 == "fields1");
  // Unchanged with no fields hash keeps the stored one; a new one replaces it.
  REQUIRE(store->MarkUnchanged(1, DoneInfo{304, "", "", "", 1000}).ok());
  CHECK(store->Get(1).value().fields_sha256 == "fields1");
}

TEST_CASE("Offsets per output file, a rotated file is rewound", "[state][outputs]") {
  Dir dir;
  auto store = Open(dir.File("job.db"));
  REQUIRE(store->AddUrls({Page("/1"), Page("/2"), Page("/3")}).ok());
  CHECK(store->UseOutput("a.jsonl").value() == 0);
  REQUIRE(store->MarkDone(1, DoneInfo{200, "", "", "s", 1}, 100, {}).ok());
  CHECK(store->UseOutput("b.jsonl").value() == 0);
  REQUIRE(store->MarkDone(2, DoneInfo{200, "", "", "s", 1}, 40, {}).ok());  // b's own offset.
  CHECK(store->OutputOffset().value() == 40);
  CHECK_FALSE(store->MarkDone(3, DoneInfo{200, "", "", "s", 1}, 39, {}).ok());  // Behind.
  REQUIRE(store->RewindOutput(0).ok());
  REQUIRE(store->MarkDone(3, DoneInfo{200, "", "", "s", 1}, 30, {}).ok());
  const std::vector<OutputFile> files = store->Outputs().value();
  REQUIRE(files.size() == 2);
  CHECK((files[0].path == "a.jsonl" && files[0].offset == 100));
  CHECK((files[1].path == "b.jsonl" && files[1].offset == 30));
  CHECK(store->UseOutput("a.jsonl").value() == 100);
}

TEST_CASE("Runs: begun, ended with their stats, newest first", "[state][runs]") {
  Dir dir;
  const std::string path = dir.File("job.db");
  {
    auto store = Open(path);
    const int64_t first = store->BeginRun(1000).value();
    REQUIRE(store->EndRun(first, 2000, "finished", "{\"run\":{}}").ok());
    const int64_t second = store->BeginRun(3000).value();  // Dies without ending.
    CHECK(second == first + 1);
    CHECK_FALSE(store->EndRun(99, 1, "finished", "").ok());
  }
  auto store = Open(path);
  const std::vector<RunRecord> runs = store->Runs(10).value();
  REQUIRE(runs.size() == 2);
  CHECK((runs[0].started_at_ms == 3000 && runs[0].ended_at_ms == 0 && runs[0].stats.empty()));
  CHECK((runs[1].finish_reason == "finished" && runs[1].stats == "{\"run\":{}}"));
  CHECK(store->Runs(1).value().size() == 1);
}

}  // namespace
}  // namespace medscrape

namespace medscrape {
namespace {

// A run's stats as the store keeps them, with `records` article records filling `summary`
// at `rate`; 0 records: the run wrote none of that type.
RunRecord RunWith(int64_t id, int64_t started_at_ms, int64_t records, double rate) {
  Json stats;
  stats["run"]["sites"] = Json::object();
  if (records > 0) {
    stats["run"]["sites"]["mfk.com"]["article"] = {
        {"records", records},
        {"fields", {{"summary", {{"filled", 0}, {"of", records}, {"rate", rate}}}}}};
  }
  return RunRecord{id, started_at_ms, started_at_ms + 1000, "finished", stats.dump()};
}

TEST_CASE("FindRunDrift compares with the newest run that wrote records of the type",
          "[state][drift]") {
  const Json now = Json::parse(RunWith(9, 0, 50, 0.0).stats)["run"]["sites"];
  const DriftOptions options{0.25, 20};
  // The newest earlier run wrote no articles: it is skipped, the one before is the baseline.
  const std::vector<RunRecord> history = {RunWith(8, 1764900000000, 0, 0),
                                          RunWith(7, 1764813600000, 40, 0.95),
                                          RunWith(6, 1764727200000, 40, 0.0)};
  const std::vector<Drift> drift = FindRunDrift(now, history, options);
  REQUIRE(drift.size() == 1);
  CHECK(DescribeDrift(drift[0]) ==
        "mfk.com article summary 0.95 -> 0.00 (50 records; baseline run 2025-12-04T02:00:00Z)");
  // A baseline that had fallen already: no new alarm.
  CHECK(FindRunDrift(now, {history[0], history[2]}, options).empty());
  CHECK(FindRunDrift(now, {}, options).empty());
  // A run with a stats text that does not parse (ended badly) is no baseline.
  CHECK(FindRunDrift(now, {RunRecord{5, 1, 2, "error", "{bad"}, history[1]}, options).size() == 1);
}

}  // namespace
}  // namespace medscrape

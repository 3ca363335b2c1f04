// The crawl state store on real SQLite files in a temporary directory. Crashes and the job
// lock are properties of a process, so those tests run the store in forked children.
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "crawl/state_store.h"
#include "resident_memory.h"

namespace medscrape {
namespace {

class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base ? base : "/tmp") + "/medscrape_state_XXXXXX";
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

NewUrl Url(const std::string& path, const std::string& host = "a.example", int depth = 0,
           const std::string& kind = "page") {
  return NewUrl{"https://" + host + path, host, kind, depth, 0};
}

DoneInfo Fetched(int64_t at_ms, const std::string& etag = "", const std::string& sha = "") {
  return DoneInfo{200, etag, "", sha, at_ms};
}

std::unique_ptr<StateStore> OpenStore(const std::string& path, bool fresh = false) {
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(path, fresh);
  INFO(store.status().message());
  REQUIRE(store.ok());
  return std::move(store).value();
}

std::vector<int64_t> Ids(const Result<std::vector<UrlEntry>>& entries) {
  REQUIRE(entries.ok());
  std::vector<int64_t> ids;
  for (const UrlEntry& entry : entries.value()) ids.push_back(entry.id);
  return ids;
}

UrlEntry GetOk(StateStore& store, int64_t id) {
  Result<UrlEntry> entry = store.Get(id);
  REQUIRE(entry.ok());
  return entry.value();
}

// Runs `body` in a forked child; returns its exit code, or 128 + the signal that ended it.
// The child leaves with _exit, so no destructor or Catch2 handler of the parent runs twice.
int InChild(const std::function<int()>& body) {
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) ::_exit(body());
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The first column of the first row of `sql`, through a connection of our own.
std::string QueryText(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
  std::string text;
  if (sqlite3_step(stmt) == SQLITE_ROW && sqlite3_column_text(stmt, 0) != nullptr) {
    text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return text;
}

TEST_CASE("AddUrls inserts new URLs once", "[state]") {
  TempDir dir;
  auto store = OpenStore(dir.File("job.db"));
  Result<int> added = store->AddUrls({Url("/q/1"), Url("/q/2", "b.example", 1), Url("/q/1")});
  REQUIRE(added.ok());
  CHECK(added.value() == 2);
  CHECK(store->AddUrls({Url("/q/2", "b.example"), Url("/hub", "a.example", 0, "hub")}).value() ==
        1);
  const UrlEntry second = GetOk(*store, 2);
  CHECK(second.url == "https://b.example/q/2");
  CHECK(second.host == "b.example");
  CHECK(second.kind == "page");
  CHECK(second.depth == 1);
  CHECK(second.state == "pending");
  CHECK(second.attempts == 0);
  CHECK(GetOk(*store, 3).kind == "hub");

  Result<int> bad = store->AddUrls({Url("/q/9"), Url("/q/10", "a.example", 0, "feed")});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("neither page nor hub"));
  CHECK(store->CountStates().value().pending == 3);  // The whole batch was refused.
  CHECK(store->AddUrls({}).value() == 0);
}

TEST_CASE("NextPending gives one host's due URLs by depth then id, within the limit", "[state]") {
  TempDir dir;
  auto store = OpenStore(dir.File("job.db"));
  const std::vector<NewUrl> urls = {Url("/1", "x.example", 2), Url("/2", "y.example", 0),
                                    Url("/3", "x.example", 1), Url("/4", "we\"ird\\host", 0),
                                    Url("/5", "y.example", 1), Url("/6", "x.example", 1)};
  REQUIRE(store->AddUrls(urls).ok());
  CHECK(Ids(store->NextPending("x.example", 1000, 10)) == std::vector<int64_t>{3, 6, 1});
  CHECK(Ids(store->NextPending("x.example", 1000, 2)) == std::vector<int64_t>{3, 6});
  CHECK(Ids(store->NextPending("x.example", 1000, 0)).empty());
  CHECK(Ids(store->NextPending("y.example", 1000, 10)) == std::vector<int64_t>{2, 5});
  CHECK(Ids(store->NextPending("we\"ird\\host", 1000, 10)) == std::vector<int64_t>{4});
  CHECK(Ids(store->NextPending("z.example", 1000, 10)).empty());
  CHECK(store->HostDueTime("x.example").value() == std::optional<int64_t>(0));
  CHECK_FALSE(store->HostDueTime("z.example").value().has_value());

  REQUIRE(store->ScheduleRetry(3, 1, 3000, "timeout").ok());
  REQUIRE(store->Postpone(6, 5000).ok());
  REQUIRE(store->Postpone(1, 4000).ok());
  CHECK(Ids(store->NextPending("x.example", 1000, 10)).empty());
  CHECK(store->HostDueTime("x.example").value() == std::optional<int64_t>(3000));
  CHECK(Ids(store->NextPending("x.example", 3000, 10)) == std::vector<int64_t>{3});
  CHECK(Ids(store->NextPending("x.example", 5000, 10)) == std::vector<int64_t>{3, 6, 1});
  CHECK(GetOk(*store, 3).attempts == 1);
  CHECK(GetOk(*store, 3).reason == "timeout");
  CHECK(GetOk(*store, 6).attempts == 0);
  CHECK(GetOk(*store, 6).not_before_ms == 5000);
  REQUIRE(store->MarkSkipped(3, "robots").ok());
  CHECK(store->HostDueTime("x.example").value() == std::optional<int64_t>(4000));

  // Re-seeding with other hosts settles the URLs of the rest.
  CHECK(store->SkipPendingOutside({"x.example", "we\"ird\\host"}).value() == 2);
  CHECK(GetOk(*store, 2).state == "skipped");
  CHECK(GetOk(*store, 2).reason == "out_of_scope");
  CHECK(GetOk(*store, 4).state == "pending");
  CHECK(GetOk(*store, 6).state == "pending");
}

TEST_CASE("EarliestPendingTime looks at every pending URL", "[state]") {
  TempDir dir;
  auto store = OpenStore(dir.File("job.db"));
  const std::vector<NewUrl> urls = {Url("/1", "x.example", 2), Url("/2", "y.example", 0),
                                    Url("/3", "x.example", 1), Url("/4", "y.example", 0),
                                    Url("/5", "y.example", 1)};
  REQUIRE(store->AddUrls(urls).ok());
  REQUIRE(store->ScheduleRetry(4, 1, 3000, "timeout").ok());
  REQUIRE(store->Postpone(2, 5000).ok());
  CHECK(store->EarliestPendingTime().value() == std::optional<int64_t>(0));
  for (int64_t id : {1, 3, 5}) REQUIRE(store->MarkSkipped(id, "robots").ok());
  CHECK(store->EarliestPendingTime().value() == std::optional<int64_t>(3000));
  REQUIRE(store->MarkFailed(2, "http_500", 500, 0).ok());
  REQUIRE(store->MarkFailed(4, "timeout", 0, 0).ok());
  CHECK_FALSE(store->EarliestPendingTime().value().has_value());
}

TEST_CASE("Each URL is recorded once, counts by state, reason and host", "[state]") {
  TempDir dir;
  auto store = OpenStore(dir.File("job.db"));
  const std::vector<NewUrl> urls = {Url("/1"),
                                    Url("/2", "a.example", 0, "hub"),
                                    Url("/3"),
                                    Url("/4", "b.example"),
                                    Url("/5", "b.example"),
                                    Url("/6", "b.example")};
  REQUIRE(store->AddUrls(urls).ok());
  REQUIRE(store->MarkDone(1, DoneInfo{200, "\"e1\"", "Tue, 01 Oct 2024", "abc", 777}, 42, {}).ok());
  REQUIRE(store->MarkHubDone(2, Fetched(778), {}).ok());
  REQUIRE(store->MarkFailed(3, "http_404", 404, 0).ok());
  REQUIRE(store->MarkFailed(4, "timeout", 0, 0).ok());
  REQUIRE(store->MarkSkipped(5, "robots").ok());

  const UrlEntry done = GetOk(*store, 1);
  CHECK(done.state == "done");
  CHECK(done.etag == "\"e1\"");
  CHECK(done.last_modified == "Tue, 01 Oct 2024");
  CHECK(done.content_sha256 == "abc");
  CHECK(done.fetched_at_ms == 777);
  CHECK(done.last_status == 200);
  CHECK(GetOk(*store, 3).last_status == 404);

  Result<StateStore::Counts> counts = store->CountStates();
  REQUIRE(counts.ok());
  CHECK(counts.value().pending == 1);
  CHECK(counts.value().done == 2);
  CHECK(counts.value().failed == 2);
  CHECK(counts.value().skipped == 1);
  CHECK(counts.value().by_reason == std::map<std::string, int64_t>{{"failed:http_404", 1},
                                                                   {"failed:timeout", 1},
                                                                   {"skipped:robots", 1}});
  using HostStates = std::map<std::string, std::map<std::string, int64_t>>;
  CHECK(counts.value().by_host_state ==
        HostStates{{"a.example", {{"done", 2}, {"failed", 1}}},
                   {"b.example", {{"failed", 1}, {"skipped", 1}, {"pending", 1}}}});

  Status again = store->MarkFailed(1, "timeout", 0, 0);
  CHECK_THAT(again.message(), Catch::Contains("https://a.example/1 is not pending but done"));
  Result<int> redone = store->MarkDone(3, Fetched(1), 50, {});
  CHECK_THAT(redone.status().message(), Catch::Contains("not pending but failed:http_404"));
  CHECK_FALSE(store->MarkSkipped(5, "binary").ok());
  CHECK_FALSE(store->SetProcessing(1, true).ok());
  CHECK_FALSE(store->MarkFailed(6, "", 0, 0).ok());
  CHECK_THAT(store->Get(99).status().message(), Catch::Contains("no URL with id 99"));
  CHECK_FALSE(store->Postpone(99, 5).ok());
  CHECK(store->OutputOffset().value() == 42);
  CHECK(store->CountStates().value().done == 2);
}

TEST_CASE("MarkDone commits state, output offset and outlinks together", "[state]") {
  TempDir dir;
  auto store = OpenStore(dir.File("job.db"));
  REQUIRE(store->AddUrls({Url("/seed", "a.example", 0, "hub")}).ok());
  CHECK(store->OutputOffset().value() == 0);
  Result<int> links =
      store->MarkHubDone(1, Fetched(1), {Url("/q/1", "a.example", 1), Url("/q/2", "a.example", 1)});
  REQUIRE(links.ok());
  CHECK(links.value() == 2);
  CHECK(store->OutputOffset().value() == 0);

  links = store->MarkDone(2, Fetched(2), 120, {Url("/q/2"), Url("/q/3", "a.example", 2)});
  REQUIRE(links.ok());
  CHECK(links.value() == 1);
  CHECK(store->OutputOffset().value() == 120);

  // An offset behind the committed one: nothing of the call survives.
  links = store->MarkDone(3, Fetched(3), 100, {Url("/q/4")});
  CHECK_THAT(links.status().message(), Catch::Contains("behind the committed 120"));
  // A bad outlink fails after the done update and the offset were written: both roll back.
  links = store->MarkDone(3, Fetched(3), 200, {Url("/q/5", "a.example", 2, "bogus")});
  REQUIRE_FALSE(links.ok());
  CHECK(GetOk(*store, 3).state == "pending");
  CHECK(store->OutputOffset().value() == 120);
  CHECK(store->CountStates().value().pending == 2);  // /q/2 and /q/3; no /q/4 or /q/5.

  REQUIRE(store->MarkDone(3, Fetched(3), 200, {}).ok());
  CHECK(store->OutputOffset().value() == 200);
}

TEST_CASE("A reopened job keeps every URL, state and setting", "[state]") {
  TempDir dir;
  const std::string path = dir.File("job.db");
  {
    auto store = OpenStore(path);
    REQUIRE(store->AddUrls({Url("/1"), Url("/2"), Url("/3")}).ok());
    REQUIRE(store->MarkDone(1, Fetched(10, "e"), 64, {Url("/4", "a.example", 1)}).ok());
    REQUIRE(store->ScheduleRetry(2, 3, 9000, "http_503").ok());
    REQUIRE(store->SetJobValue("seeds", "https://a.example/").ok());
  }
  auto store = OpenStore(path);
  CHECK(GetOk(*store, 1).etag == "e");
  CHECK(GetOk(*store, 1).state == "done");
  CHECK(GetOk(*store, 2).attempts == 3);
  CHECK(GetOk(*store, 2).not_before_ms == 9000);
  CHECK(GetOk(*store, 4).url == "https://a.example/4");
  CHECK(store->OutputOffset().value() == 64);
  CHECK(store->GetJobValue("seeds").value() == std::optional<std::string>("https://a.example/"));
  CHECK_FALSE(store->GetJobValue("missing").value().has_value());
  CHECK(store->CountStates().value().pending == 3);
}

TEST_CASE("A page that crashes the process twice ends failed:crashed", "[state]") {
  TempDir dir;
  const std::string path = dir.File("job.db");
  REQUIRE(OpenStore(path)->AddUrls({Url("/bomb"), Url("/fine")}).ok());
  auto crash_while_processing = [&](int64_t id, bool sigkill) {
    return InChild([&] {
      Result<std::unique_ptr<StateStore>> store = OpenStateStore(path, false);
      if (!store.ok() || !store.value()->SetProcessing(id, true).ok()) return 1;
      if (sigkill) ::raise(SIGKILL);
      ::_exit(0);  // Without closing the store.
    });
  };
  REQUIRE(crash_while_processing(1, false) == 0);
  {
    auto store = OpenStore(path);
    CHECK(GetOk(*store, 1).crashes == 1);
    CHECK(GetOk(*store, 1).state == "pending");
    CHECK(Ids(store->NextPending("a.example", 0, 10)) == std::vector<int64_t>{1, 2});
    // A marker cleared by the caller, or by a transition, is no crash.
    REQUIRE(store->SetProcessing(2, true).ok());
    REQUIRE(store->SetProcessing(2, false).ok());
  }
  REQUIRE(crash_while_processing(1, true) == 128 + SIGKILL);
  auto store = OpenStore(path);
  const UrlEntry bomb = GetOk(*store, 1);
  CHECK(bomb.crashes == 2);
  CHECK(bomb.state == "failed");
  CHECK(bomb.reason == "crashed");
  CHECK(GetOk(*store, 2).crashes == 0);
  CHECK(store->CountStates().value().by_reason ==
        std::map<std::string, int64_t>{{"failed:crashed", 1}});
  CHECK(Ids(store->NextPending("a.example", 0, 10)) == std::vector<int64_t>{2});
}

TEST_CASE("A job of schema version 1 is upgraded in place", "[state]") {
  TempDir dir;
  const std::string path = dir.File("job.db");
  {
    // The version 1 schema as the first crawl releases wrote it, with one pending URL.
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    const char* v1 = R"sql(
      CREATE TABLE urls(id INTEGER PRIMARY KEY, url TEXT UNIQUE NOT NULL, host TEXT NOT NULL,
        depth INT NOT NULL DEFAULT 0, parent_id INT,
        state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done', 'failed', 'skipped')),
        reason TEXT, attempts INT NOT NULL DEFAULT 0, not_before_ms INT NOT NULL DEFAULT 0,
        last_status INT, etag TEXT, last_modified TEXT, content_sha256 TEXT, fetched_at_ms INT,
        processing INT NOT NULL DEFAULT 0, crashes INT NOT NULL DEFAULT 0,
        kind TEXT NOT NULL CHECK (kind IN ('page', 'hub')));
      CREATE INDEX urls_state_time ON urls(state, not_before_ms);
      CREATE INDEX urls_host ON urls(host, state, reason);
      CREATE INDEX urls_frontier ON urls(depth, id, not_before_ms, host) WHERE state = 'pending';
      CREATE INDEX urls_processing ON urls(processing) WHERE processing = 1;
      CREATE TABLE job(key TEXT PRIMARY KEY, value TEXT);
      INSERT INTO urls(url, host, kind) VALUES('https://a.example/q/1', 'a.example', 'page');
      INSERT INTO job VALUES('output_offset', '42');
      PRAGMA user_version = 1;)sql";
    REQUIRE(sqlite3_exec(db, v1, nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  {
    auto store = OpenStore(path);
    CHECK(Ids(store->NextPending("a.example", 0, 10)) == std::vector<int64_t>{1});
    CHECK(store->OutputOffset().value() == 42);
    // The one offset of the old job goes to the first output file named, only to it.
    CHECK(store->UseOutput("out.jsonl").value() == 42);
    CHECK(store->UseOutput("out-2.jsonl").value() == 0);
    CHECK(store->UseOutput("out.jsonl").value() == 42);
  }
  CHECK(QueryText(path, "PRAGMA user_version") == "4");
  CHECK(QueryText(path, "SELECT count(*) FROM job WHERE key = 'output_offset'") == "0");
  CHECK(QueryText(path, "SELECT heals || '/' || (fields_sha256 IS NULL) FROM urls") == "0/1");
  CHECK(QueryText(path, "SELECT count(*) FROM sqlite_master WHERE name = 'urls_frontier'") == "0");
  CHECK(QueryText(path, "SELECT count(*) FROM sqlite_master WHERE name = 'urls_host_frontier'") ==
        "1");
  // A version this build does not know is refused, not rewritten.
  {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, "PRAGMA user_version = 9", nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
  }
  Result<std::unique_ptr<StateStore>> newer = OpenStateStore(path, false);
  REQUIRE_FALSE(newer.ok());
  CHECK_THAT(newer.status().message(), Catch::Contains("schema version 9"));
}

TEST_CASE("A second run of a locked job fails fast", "[state]") {
  TempDir dir;
  const std::string path = dir.File("job.db");
  auto store = OpenStore(path);
  REQUIRE(store->AddUrls({Url("/1")}).ok());
  const std::string held_by = "job is locked by another run (pid " + std::to_string(::getpid());
  auto open_in_child = [&](bool fresh, const std::string& expected_error) {
    return InChild([&] {
      Result<std::unique_ptr<StateStore>> other = OpenStateStore(path, fresh);
      if (expected_error.empty()) return other.ok() ? 0 : 1;
      const bool refused =
          !other.ok() && other.status().message().find(expected_error) != std::string::npos;
      return refused ? 0 : 1;
    });
  };
  CHECK(open_in_child(false, held_by) == 0);
  CHECK(open_in_child(true, held_by) == 0);  // fresh must not wipe a job in use.
  Result<std::unique_ptr<StateStore>> same_process = OpenStateStore(path, false);
  CHECK_THAT(same_process.status().message(), Catch::Contains(held_by));
  CHECK(store->CountStates().value().pending == 1);
  store.reset();
  CHECK(open_in_child(false, "") == 0);
  CHECK(OpenStore(path)->CountStates().value().pending == 1);
}

TEST_CASE("fresh=true starts the job over", "[state]") {
  TempDir dir;
  const std::string path = dir.File("job.db");
  {
    auto store = OpenStore(path);
    REQUIRE(store->AddUrls({Url("/1"), Url("/2")}).ok());
    REQUIRE(store->MarkDone(1, Fetched(1), 10, {}).ok());
    REQUIRE(store->SetJobValue("k", "v").ok());
  }
  auto store = OpenStore(path, /*fresh=*/true);
  const StateStore::Counts counts = store->CountStates().value();
  CHECK(counts.pending + counts.done + counts.failed + counts.skipped == 0);
  CHECK(store->OutputOffset().value() == 0);
  CHECK_FALSE(store->GetJobValue("k").value().has_value());
  CHECK(store->AddUrls({Url("/1")}).value() == 1);
}

TEST_CASE("MergeJobList appends what the stored list lacks, in order", "[state]") {
  TempDir dir;
  auto store = OpenStore(dir.File("job.db"));
  CHECK(store->MergeJobList("seeds", R"(["a","b"])").value() == R"(["a","b"])");
  CHECK(store->MergeJobList("seeds", R"(["c","b","d"])").value() == R"(["a","b","c","d"])");
  CHECK(store->GetJobValue("seeds").value().value() == R"(["a","b","c","d"])");
  REQUIRE(store->SetJobValue("other", "not json").ok());
  const Result<std::string> bad = store->MergeJobList("other", R"(["a"])");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("other") != std::string::npos);
}

TEST_CASE("RequeueStale sends old done URLs back with their validators", "[state]") {
  TempDir dir;
  auto store = OpenStore(dir.File("job.db"));
  const std::vector<NewUrl> urls = {Url("/old"), Url("/hub", "a.example", 0, "hub"), Url("/new"),
                                    Url("/gone")};
  REQUIRE(store->AddUrls(urls).ok());
  REQUIRE(store->MarkDone(1, Fetched(100, "e1", "h1"), 10, {}).ok());
  REQUIRE(store->MarkHubDone(2, Fetched(500), {}).ok());
  REQUIRE(store->MarkDone(3, Fetched(900), 20, {}).ok());
  REQUIRE(store->MarkFailed(4, "http_404", 404, 0).ok());

  REQUIRE(store->AddUrls({Url("/elsewhere", "b.example", 0, "hub")}).ok());
  REQUIRE(store->MarkHubDone(5, Fetched(100), {}).ok());
  Result<int> requeued = store->RequeueStale(600, {"a.example"});
  REQUIRE(requeued.ok());
  CHECK(requeued.value() == 2);
  const UrlEntry old = GetOk(*store, 1);
  CHECK(old.state == "pending");
  CHECK(old.etag == "e1");
  CHECK(old.content_sha256 == "h1");
  CHECK(old.fetched_at_ms == 100);
  CHECK(GetOk(*store, 2).state == "pending");
  CHECK(GetOk(*store, 3).state == "done");
  CHECK(GetOk(*store, 4).state == "failed");
  CHECK(GetOk(*store, 5).state == "done");  // Not a host of this run.

  REQUIRE(store->MarkUnchanged(1, DoneInfo{304, "", "", "", 1000}).ok());
  CHECK(GetOk(*store, 1).state == "done");
  CHECK(GetOk(*store, 1).etag == "e1");
  CHECK(GetOk(*store, 1).content_sha256 == "h1");
  CHECK(GetOk(*store, 1).last_status == 304);
  CHECK(GetOk(*store, 1).fetched_at_ms == 1000);
  REQUIRE(store->MarkUnchanged(2, Fetched(1001, "e2", "h2")).ok());
  CHECK(GetOk(*store, 2).etag == "e2");
  CHECK(store->OutputOffset().value() == 20);
  CHECK_FALSE(store->MarkUnchanged(2, Fetched(1002)).ok());
}

using testing::kAddressSanitizer;
using testing::ResidentKiB;

TEST_CASE("A million URLs keep memory flat", "[state]") {
  TempDir dir;
  auto store = OpenStore(dir.File("job.db"));
  const int64_t before_kib = ResidentKiB();
  constexpr int kBatches = 100, kBatch = 10000;
  for (int b = 0; b < kBatches; ++b) {
    std::vector<NewUrl> batch;
    for (int i = 0; i < kBatch; ++i) {
      const int n = b * kBatch + i;
      batch.push_back(
          Url("/q/" + std::to_string(n), "h" + std::to_string(n % 50) + ".example", 4 - n % 5));
    }
    REQUIRE(store->AddUrls(batch).value() == kBatch);
  }
  const int64_t growth_kib = ResidentKiB() - before_kib;
  WARN("RSS growth after 1,000,000 URLs: " << growth_kib / 1024 << " MiB");
  if (!kAddressSanitizer) CHECK(growth_kib < 30 * 1024);

  Result<std::vector<UrlEntry>> next = store->NextPending("h4.example", 0, 100);
  REQUIRE(next.ok());
  REQUIRE(next.value().size() == 100);
  CHECK(next.value().front().id == 5);  // n = 4: depth 0, host h4.
  for (const UrlEntry& entry : next.value()) CHECK(entry.depth == 0);
  CHECK(store->CountStates().value().pending == kBatches * kBatch);
  CHECK(store->EarliestPendingTime().value() == std::optional<int64_t>(0));
}

// The child crawls forever by the exactly-once protocol: truncate the output to the
// committed offset, then for each page append a line and MarkDone with the new end.
// Each page's end offset is also kept as its etag and fetched_at_ms for the parent to check.
[[noreturn]] void TortureChild(const std::string& db_path, const std::string& out_path) {
  Result<std::unique_ptr<StateStore>> opened = OpenStateStore(db_path, false);
  if (!opened.ok()) ::_exit(2);
  StateStore& store = *opened.value();
  const int64_t committed = store.OutputOffset().value();
  const int fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT, 0644);
  if (fd < 0 || ::lseek(fd, 0, SEEK_END) < committed || ::ftruncate(fd, committed) != 0) ::_exit(3);
  int64_t offset = committed;
  ::lseek(fd, offset, SEEK_SET);
  if (!store.AddUrls({Url("/seed", "t.example", 0, "hub")}).ok()) ::_exit(4);
  for (;;) {
    Result<std::vector<UrlEntry>> batch = store.NextPending("t.example", INT64_MAX, 20);
    if (!batch.ok() || batch.value().empty()) ::_exit(5);
    for (const UrlEntry& e : batch.value()) {
      std::vector<NewUrl> links;
      for (int k = 0; k < 3; ++k) {
        const std::string path = "/p/" + std::to_string(e.id) + "-" + std::to_string(k);
        links.push_back(Url(path, "t.example", e.depth + 1, k == 0 ? "hub" : "page"));
      }
      if (!store.SetProcessing(e.id, true).ok()) ::_exit(6);
      if (e.kind == "hub") {
        if (!store.MarkHubDone(e.id, Fetched(offset), links).ok()) ::_exit(7);
        continue;
      }
      const std::string line = "id=" + std::to_string(e.id) + " " + e.url + "\n";
      if (::write(fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) ::_exit(8);
      offset += static_cast<int64_t>(line.size());
      if (!store.MarkDone(e.id, Fetched(offset, std::to_string(offset)), offset, links).ok()) {
        ::_exit(9);
      }
    }
  }
}

TEST_CASE("SIGKILL at random moments leaves a consistent job", "[state]") {
  TempDir dir;
  const std::string db_path = dir.File("job.db"), out_path = dir.File("out.jsonl");
  std::mt19937 random(20240601);
  for (int round = 0; round < 10; ++round) {
    const pid_t pid = ::fork();
    REQUIRE(pid >= 0);
    if (pid == 0) TortureChild(db_path, out_path);
    ::usleep(std::uniform_int_distribution<int>(5000, 150000)(random));
    ::kill(pid, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    INFO("round " << round << ", child exit " << (WIFEXITED(status) ? WEXITSTATUS(status) : 0));
    REQUIRE(WIFSIGNALED(status));
    REQUIRE(QueryText(db_path, "PRAGMA integrity_check") == "ok");
  }
  auto store = OpenStore(db_path);
  const int64_t offset = store->OutputOffset().value();
  std::filesystem::resize_file(out_path, static_cast<uintmax_t>(offset));
  std::stringstream buffer;
  buffer << std::ifstream(out_path).rdbuf();
  const std::string text = buffer.str();
  // Each done page owns the line that ends at its committed offset; no line is left over.
  int64_t last_end = 0, pages = 0;
  for (int64_t id = 1;; ++id) {
    Result<UrlEntry> entry = store->Get(id);
    if (!entry.ok()) break;
    if (entry.value().kind != "page" || entry.value().state != "done") continue;
    const int64_t end = std::stoll(entry.value().etag);
    const std::string line = "id=" + std::to_string(id) + " " + entry.value().url + "\n";
    REQUIRE(end <= offset);
    CHECK(text.compare(end - line.size(), line.size(), line) == 0);
    last_end = std::max(last_end, end);
    ++pages;
  }
  CHECK(last_end == offset);
  CHECK(std::count(text.begin(), text.end(), '\n') == pages);
  CHECK(pages > 20);
}

}  // namespace
}  // namespace medscrape

// The real `medscrape crawl` binary as a subprocess against a generated ~300-page
// mirror: a clean run, then a job killed with SIGKILL at random moments and resumed
// (docs/reliability.md P1: exactly the clean run's records, each once), SIGTERM (P2), a
// second run of a locked job (P4), and usage errors.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "extract/site_spec.h"
#include "fetch_test_server.h"

extern char** environ;

namespace medscrape {
namespace {

using testing::TempDir;
using testing::TestServer;

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;
constexpr int kExitLocked = 5;
constexpr int kExitSigterm = 128 + SIGTERM;

bool Sanitized() { return std::getenv("MEDSCRAPE_SANITIZED") != nullptr; }

// A running `medscrape` with stdout and stderr in files.
class Process {
 public:
  Process(const std::vector<std::string>& args, const std::string& stderr_path) {
    for (const char* name :
         {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
      unsetenv(name);
    }
    std::vector<std::string> argv = {MEDSCRAPE_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> raw;
    for (std::string& arg : argv) raw.push_back(arg.data());
    raw.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ) != 0) pid_ = 0;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~Process() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  bool ok() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  void Signal(int signal) { kill(pid_, signal); }
  // The exit code, 128 + signal for a signal, -1 on timeout.
  int Wait(double limit_s = 60) {
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long>(limit_s * 1000));
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = 0;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return -1;
  }

 private:
  pid_t pid_ = 0;
};

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Mirror {
  TempDir dir;
  bool ok = false;
  Mirror() {
    const std::string command = "cd " MEDSCRAPE_SOURCE_DIR
                                " && /usr/bin/python3 bench/make_mirror.py --pages 300 --out " +
                                dir.path() + "/site > /dev/null";
    ok = std::system(command.c_str()) == 0;
  }
  std::string root() const { return dir.path() + "/site"; }
};

// One crawl job of the mirror: its files in their own directory.
struct Job {
  TempDir dir;
  std::string seed;
  std::string out() const { return dir.path() + "/out.jsonl"; }
  std::string state() const { return dir.path() + "/state.db"; }
  std::string log() const { return dir.path() + "/stderr.txt"; }
  std::vector<std::string> Args(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {
        "crawl", "--site",        "mfk.com", "--allow-private", "--out", out(),       "--state",
        state(), "--concurrency", "4",       "--per-host",      "2",     "--retries", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(seed);
    return args;
  }
  int Run(const std::vector<std::string>& extra = {}) {
    Process process(Args(extra), log());
    REQUIRE(process.ok());
    const int code = process.Wait();
    INFO(ReadFile(log()));
    return code;
  }
};

// url -> record without fetched_at; fails the test on an invalid line or a URL twice.
std::map<std::string, Json> Records(const std::string& path) {
  std::map<std::string, Json> records;
  std::ifstream in(path);
  int line_number = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_number;
    INFO(path << ":" << line_number);
    Json record = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    REQUIRE(record.is_object());
    REQUIRE(record["url"].is_string());
    REQUIRE(record["fetched_at"].is_string());
    record.erase("fetched_at");
    const std::string url = record["url"].get<std::string>();
    INFO(url);
    REQUIRE(records.count(url) == 0);
    records.emplace(url, std::move(record));
  }
  return records;
}

void CheckSameRecords(const std::map<std::string, Json>& got,
                      const std::map<std::string, Json>& want) {
  CHECK(got.size() == want.size());
  for (const auto& [url, record] : want) {
    INFO(url);
    auto it = got.find(url);
    REQUIRE(it != got.end());
    CHECK(it->second == record);
  }
}

TEST_CASE("process: kill -9 at random moments, then resume: exactly the clean run's records",
          "[process]") {
  Mirror mirror;
  REQUIRE(mirror.ok);
  TestServer server(mirror.root());
  INFO(server.error());
  REQUIRE(server.ok());
  const std::string seed = server.url("/jingxuan/index.shtml");

  Job clean;
  clean.seed = seed;
  REQUIRE(clean.Run({"--delay", "0"}) == kExitOk);
  const std::map<std::string, Json> want = Records(clean.out());
  REQUIRE(want.size() > 250);

  Job killed;
  killed.seed = seed;
  // MEDSCRAPE_TEST_SEED replays a run's kill moments; the seed is printed on failure.
  const char* given = std::getenv("MEDSCRAPE_TEST_SEED");
  const unsigned seed_value = given != nullptr
                                  ? static_cast<unsigned>(std::strtoul(given, nullptr, 10))
                                  : std::random_device{}();
  INFO("MEDSCRAPE_TEST_SEED=" << seed_value);
  std::mt19937 rng(seed_value);
  std::uniform_int_distribution<int> moment_ms(50, 800);
  int killed_runs = 0, finished_early = 0;
  // One host, one request at a time, 40 ms apart: a run takes about 12 s, so each
  // of the 11 kills lands mid-run (at most 8.8 s of progress in all).
  const std::vector<std::string> slow = {"--delay", "0.04", "--per-host", "1"};
  for (int run = 0; run < 11; ++run) {
    Process process(killed.Args(slow), killed.log());
    REQUIRE(process.ok());
    const int after_ms = moment_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(after_ms));
    process.Signal(SIGKILL);
    const int code = process.Wait();
    if (code == 128 + SIGKILL) {
      ++killed_runs;
    } else {
      INFO(ReadFile(killed.log()));
      CHECK(code == kExitOk);
      ++finished_early;
      break;
    }
  }
  INFO("killed " << killed_runs << ", finished before the kill " << finished_early);
  CHECK(killed_runs >= 10);
  REQUIRE(killed.Run({"--delay", "0"}) == kExitOk);
  CheckSameRecords(Records(killed.out()), want);
  // Nothing after the last line: every line ends with a newline.
  const std::string text = ReadFile(killed.out());
  REQUIRE_FALSE(text.empty());
  CHECK(text.back() == '\n');
}

TEST_CASE(
    "process: SIGTERM stops a run resumably (exit 143), a second run of a locked job fails fast "
    "(exit 5)",
    "[process]") {
  Mirror mirror;
  REQUIRE(mirror.ok);
  TestServer server(mirror.root());
  INFO(server.error());
  REQUIRE(server.ok());

  Job job;
  job.seed = server.url("/jingxuan/index.shtml");
  Process first(job.Args({"--delay", "0.05"}), job.log());
  REQUIRE(first.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(Sanitized() ? 1500 : 700));

  {
    const std::string second_log = job.dir.path() + "/second.txt";
    Process second(job.Args(), second_log);
    REQUIRE(second.ok());
    CHECK(second.Wait(20) == kExitLocked);
    const std::string message = ReadFile(second_log);
    INFO(message);
    CHECK(message.find("locked") != std::string::npos);
  }

  {
    // Another job (its own state) naming the same output is refused before it cuts
    // the file, naming the holder; so is `extract -o` onto it.
    const std::string other_state = job.dir.path() + "/other.db";
    const std::string other_log = job.dir.path() + "/other.txt";
    const std::vector<std::string> other = {"crawl",           "--site",    "mfk.com",
                                            "--allow-private", "--out",     job.out(),
                                            "--state",         other_state, job.seed};
    const size_t size_before = ReadFile(job.out()).size();
    Process second(other, other_log);
    REQUIRE(second.ok());
    CHECK(second.Wait(20) == kExitLocked);
    const std::string message = ReadFile(other_log);
    INFO(message);
    CHECK(message.find(job.out() + ": the output file is in use by another run (pid " +
                       std::to_string(first.pid()) + ")") != std::string::npos);
    Process extract({"extract", "-o", job.out(), MEDSCRAPE_SOURCE_DIR "/fixtures/mfk"}, other_log);
    REQUIRE(extract.ok());
    CHECK(extract.Wait(20) == kExitLocked);
    CHECK(ReadFile(other_log).find("in use by another run") != std::string::npos);
    CHECK(ReadFile(job.out()).size() >= size_before);  // Not cut: still growing.
  }

  first.Signal(SIGTERM);
  CHECK(first.Wait(20) == kExitSigterm);
  const std::string message = ReadFile(job.log());
  INFO(message);
  CHECK(message.find("crawl stopped") != std::string::npos);
  const size_t before = Records(job.out()).size();
  CHECK(before > 0);

  REQUIRE(job.Run({"--delay", "0"}) == kExitOk);
  Job clean;
  clean.seed = job.seed;
  REQUIRE(clean.Run({"--delay", "0"}) == kExitOk);
  CheckSameRecords(Records(job.out()), Records(clean.out()));
}

TEST_CASE("process: usage errors exit 2", "[process]") {
  TempDir dir;
  const std::string log = dir.path() + "/stderr.txt";
  const std::string out = dir.path() + "/out.jsonl";
  const std::vector<std::vector<std::string>> cases = {
      {"crawl", "--out", out},                                          // No seed.
      {"crawl", "--out", out, "--concurrency", "0", "http://a.test/"},  // Out of range.
      {"crawl", "--out", out, "--delay", "soon", "http://a.test/"},     // Not a number.
      {"crawl", "--out", out, "--bogus", "1", "http://a.test/"},        // Unknown option.
      {"crawl", "--out", out, "--site", "nosuch.example", "http://a.test/"},
      {"crawl", "--out", out, "--log-format", "xml", "http://a.test/"},
      {"crawl", "--out", out, "--max-time", "12x", "http://a.test/"},
      {"crawl", "--out", out, "http://a.test/", "--retries"},  // Missing value.
  };
  for (const std::vector<std::string>& args : cases) {
    Process process(args, log);
    REQUIRE(process.ok());
    const int code = process.Wait(20);
    const std::string message = ReadFile(log);
    INFO(args.back() << ": " << message);
    CHECK(code == kExitUsage);
    CHECK(message.find("error") != std::string::npos);
  }
  CHECK_FALSE(std::filesystem::exists(out));
}

}  // namespace
}  // namespace medscrape

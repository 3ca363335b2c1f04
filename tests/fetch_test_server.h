// Test helpers for anything that talks HTTP: a temporary directory and the shared
// misbehaving server tests/http_test_server.py (see its docstring for the fault
// endpoints and the log format) running as a child process on 127.0.0.1.
// Thread-safety: none; create and destroy on the test's thread.
#ifndef MEDSCRAPE_TESTS_FETCH_TEST_SERVER_H_
#define MEDSCRAPE_TESTS_FETCH_TEST_SERVER_H_

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

extern char** environ;

namespace medscrape {
namespace testing {

// A fresh directory under $TMPDIR (or /tmp), removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/medscrape_test_XXXXXX";
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }  // Empty if mkdtemp failed.

  // Writes `content` to path()/relative_path, creating parent directories.
  bool Write(const std::string& relative_path, std::string_view content) const {
    const std::filesystem::path file = std::filesystem::path(path_) / relative_path;
    std::error_code error;
    std::filesystem::create_directories(file.parent_path(), error);
    std::ofstream out(file, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    return static_cast<bool>(out);
  }

 private:
  std::string path_;
};

// A child process that prints `PORT <n>` (and optionally more `NAME <n>` lines)
// on stdout once it listens, and exits when its stdin closes. Validate with
// ok()/error() once after construction. The destructor closes its stdin, sends
// SIGTERM and reaps it (SIGKILL after 5 s).
class ServerProcess {
 public:
  explicit ServerProcess(const std::vector<std::string>& argv) {
    if (Spawn(argv)) port_ = ReadNumberLine("PORT ");
  }
  ~ServerProcess() {
    if (stdin_fd_ >= 0) close(stdin_fd_);
    if (stdout_fd_ >= 0) close(stdout_fd_);
    if (pid_ > 0) Stop();
  }
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  int port() const { return port_; }

  // Reads the next stdout line, which must start with `prefix` ("BLACKHOLE "),
  // and returns the number after it; 0 (and !ok()) on failure.
  int ReadNumberLine(const std::string& prefix) {
    if (!ok()) return 0;
    std::string line;
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(kStartupTimeoutMs);
    while (line.empty() || line.back() != '\n') {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      pollfd ready = {stdout_fd_, POLLIN, 0};
      char c;
      if (left <= 0 || poll(&ready, 1, static_cast<int>(left)) <= 0) {
        return Fail("no '" + prefix + "' line from the server");
      }
      if (read(stdout_fd_, &c, 1) != 1) return Fail("server exited before '" + prefix + "'");
      line += c;
    }
    if (line.compare(0, prefix.size(), prefix) != 0) return Fail("unexpected line: " + line);
    return std::atoi(line.c_str() + prefix.size());
  }

 private:
  static constexpr int kStartupTimeoutMs = 20000;

  bool Spawn(const std::vector<std::string>& argv) {
    int to_child[2], from_child[2];
    if (pipe2(to_child, O_CLOEXEC) != 0) {
      Fail("pipe2 failed");
      return false;
    }
    if (pipe2(from_child, O_CLOEXEC) != 0) {
      close(to_child[0]);
      close(to_child[1]);
      Fail("pipe2 failed");
      return false;
    }
    // The dup2'd copies lose O_CLOEXEC; every other end closes at exec.
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, to_child[0], STDIN_FILENO);
    posix_spawn_file_actions_adddup2(&actions, from_child[1], STDOUT_FILENO);
    std::vector<char*> raw;
    for (const std::string& arg : argv) raw.push_back(const_cast<char*>(arg.c_str()));
    raw.push_back(nullptr);
    const int spawned = posix_spawn(&pid_, raw[0], &actions, nullptr, raw.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(to_child[0]);
    close(from_child[1]);
    stdin_fd_ = to_child[1];
    stdout_fd_ = from_child[0];
    if (spawned == 0) return true;
    pid_ = 0;
    Fail("posix_spawn " + argv[0] + " failed: " + std::to_string(spawned));
    return false;
  }

  void Stop() {
    kill(pid_, SIGTERM);
    for (int waited_ms = 0; waited_ms < 5000; waited_ms += 10) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }

  // Records the first failure; returns 0 so ReadNumberLine can `return Fail(...)`.
  int Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return 0;
  }

  std::string error_;
  pid_t pid_ = 0;
  int stdin_fd_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
};

// tests/http_test_server.py serving `root_dir` on 127.0.0.1 with a request log:
// `/usr/bin/python3 tests/http_test_server.py --root DIR --port 0 --log FILE`
// plus `extra_args` (e.g. {"--blackhole-port", "0"}, {"--max-hold", "5"}).
class TestServer {
 public:
  explicit TestServer(const std::string& root_dir, const std::vector<std::string>& extra_args = {})
      : log_path_(log_dir_.path() + "/requests.jsonl"), process_(Argv(root_dir, extra_args)) {
    const bool wants_blackhole =
        std::find(extra_args.begin(), extra_args.end(), "--blackhole-port") != extra_args.end();
    if (wants_blackhole) blackhole_port_ = process_.ReadNumberLine("BLACKHOLE ");
  }

  bool ok() const { return !log_dir_.path().empty() && process_.ok(); }
  const std::string& error() const { return process_.error(); }
  int port() const { return process_.port(); }
  int blackhole_port() const { return blackhole_port_; }  // 0 unless --blackhole-port was given.
  std::string url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port()) + std::string(path);
  }
  const std::string& log_path() const { return log_path_; }

  // One JSON object per request the server read, oldest first (keys in the
  // server's docstring: conn, seq, path, query, user_agent, if_none_match, ...).
  std::vector<std::string> LogLines() const {
    std::vector<std::string> lines;
    std::ifstream in(log_path_);
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(line);
    }
    return lines;
  }

 private:
  std::vector<std::string> Argv(const std::string& root_dir,
                                const std::vector<std::string>& extra_args) const {
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     MEDSCRAPE_SOURCE_DIR "/tests/http_test_server.py",
                                     "--root",
                                     root_dir,
                                     "--port",
                                     "0",
                                     "--log",
                                     log_path_};
    argv.insert(argv.end(), extra_args.begin(), extra_args.end());
    return argv;
  }

  TempDir log_dir_;
  std::string log_path_;
  ServerProcess process_;
  int blackhole_port_ = 0;
};

}  // namespace testing
}  // namespace medscrape

#endif  // MEDSCRAPE_TESTS_FETCH_TEST_SERVER_H_

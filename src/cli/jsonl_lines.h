// The lines of JSON Lines inputs (`export`, `stats`): files or "-" (standard input), in
// order, numbered per input and across all of them.
#ifndef MEDSCRAPE_CLI_JSONL_LINES_H_
#define MEDSCRAPE_CLI_JSONL_LINES_H_

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

namespace medscrape {

// "-" is standard input; a caller that reads the inputs twice copies it to a temporary file
// first (SpoolStdin).
class JsonLines {
 public:
  JsonLines(const char* command, std::vector<std::string> inputs)
      : command_(command), inputs_(std::move(inputs)) {}
  ~JsonLines() {
    if (!spooled_.empty()) std::remove(spooled_.c_str());
  }
  JsonLines(const JsonLines&) = delete;
  JsonLines& operator=(const JsonLines&) = delete;

  bool SpoolStdin() {
    for (std::string& input : inputs_) {
      if (input != "-") continue;
      if (spooled_.empty()) {
        char name[] = "/tmp/medscrape-input-XXXXXX";
        const int fd = ::mkstemp(name);
        if (fd < 0) return false;
        ::close(fd);
        spooled_ = name;
        std::ofstream copy(spooled_, std::ios::binary);
        copy << std::cin.rdbuf();
        if (!copy) return false;
      }
      input = spooled_;
    }
    return true;
  }

  // Calls visit(input name, line number, text, ordinal) for every line that is not blank (a
  // blank one still counts in the numbering). An input that cannot be read is said on stderr
  // and counted in *unreadable.
  template <typename Visit>
  void ForEach(Visit visit, int* unreadable) const {
    uint64_t ordinal = 0;
    for (const std::string& input : inputs_) {
      std::ifstream file;
      std::istream* in = &std::cin;
      const std::string name = input == "-" ? "<stdin>" : input;
      if (input != "-") {
        std::error_code error;
        if (!std::filesystem::is_directory(input, error)) file.open(input, std::ios::binary);
        if (!file.is_open()) {
          std::fprintf(stderr, "medscrape: %s: %s: cannot read\n", command_, input.c_str());
          ++*unreadable;
          continue;
        }
        in = &file;
      }
      std::string line;
      for (uint64_t number = 1; std::getline(*in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        visit(name, number, line, ordinal++);
      }
    }
  }

 private:
  const char* command_;  // For messages.
  std::vector<std::string> inputs_;
  std::string spooled_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_JSONL_LINES_H_

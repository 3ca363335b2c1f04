// Turning PATH arguments into inputs and reading them with bounded memory.
#ifndef MEDSCRAPE_CLI_INPUTS_H_
#define MEDSCRAPE_CLI_INPUTS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "base/status.h"

namespace medscrape {

struct InputSpec {
  std::string path;   // As the user named it ("-" for standard input).
  std::string error;  // Set when expansion already failed (empty folder).
  bool warc = false;  // Named *.warc or *.warc.gz (any case): read as WARC (cli/warc_input.h).
};

// Expands each argument in order: "-" stays; a folder becomes its *.html,
// *.htm, *.shtml, *.warc and *.warc.gz files (any case), recursively, sorted by
// path, without following symlinked folders; anything else is taken as a file.
std::vector<InputSpec> ExpandInputs(const std::vector<std::string>& arguments);

struct RawInput {
  std::string bytes;   // At most `max_bytes` of the input.
  std::string sha256;  // Of the whole input, including bytes beyond max_bytes.
  size_t total_bytes = 0;
  std::string fallback_url;           // file:// URL of the absolute path; empty for stdin.
  std::vector<std::string> warnings;  // "input cut at N of M bytes".
};

// Reads a file (or standard input for "-"), keeping at most `max_bytes` in
// memory while hashing all of it. Fails early for binary content (decided on the
// first chunk) and for inputs over 128 MiB. Errors name no path: the caller adds it.
Result<RawInput> ReadInput(const std::string& path, size_t max_bytes);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_INPUTS_H_

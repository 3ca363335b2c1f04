// `medscrape extract`: saved pages in, JSON Lines out, in input order.
#ifndef MEDSCRAPE_CLI_EXTRACT_COMMAND_H_
#define MEDSCRAPE_CLI_EXTRACT_COMMAND_H_

#include <string>
#include <vector>

namespace medscrape {

// Exit codes (documented in --help and README).
enum ExitCode : int {
  kExitOk = 0,        // Every input made a record.
  kExitSomeFailed = 1,  // At least one input failed; the others were written.
  kExitUsage = 2,     // Bad command line.
  kExitAborted = 3,   // Output could not be written (disk full, bad -o path).
};

struct ExtractOptions {
  std::vector<std::string> paths;
  std::string url;      // --url: only with exactly one input.
  std::string site;     // --site: force an extractor.
  std::string charset;  // --charset: force the input encoding.
  std::string output;   // -o: file; empty = standard output.
  int jobs = 0;         // -j: worker threads; 0 = all cores.
  bool quiet = false;   // -q: no summary line.
};

// Prints "medscrape: error: <message>" and a hint to stderr; returns kExitUsage.
int UsageError(const std::string& message);

// Parses the arguments after "extract". On a usage error returns kExitUsage
// after printing "medscrape: error: <what>" to stderr; otherwise -1.
int ParseExtractOptions(const std::vector<std::string>& args, ExtractOptions* options);

int RunExtract(const ExtractOptions& options);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_EXTRACT_COMMAND_H_

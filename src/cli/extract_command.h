// `medscrape extract`: saved pages in, JSON Lines out, in input order.
#ifndef MEDSCRAPE_CLI_EXTRACT_COMMAND_H_
#define MEDSCRAPE_CLI_EXTRACT_COMMAND_H_

#include <string>
#include <vector>

#include "extract/registry.h"

namespace medscrape {

struct ExtractOptions {
  std::vector<std::string> paths;
  std::string url;        // --url: only with exactly one input.
  std::string site;       // --site: force an extractor.
  std::string charset;    // --charset: force the input encoding.
  std::string output;     // -o: file; empty = standard output.
  int jobs = 0;           // -j: worker threads; 0 = all cores.
  bool quiet = false;     // -q: no summary line.
  std::string sites_dir;  // --sites.
};

// Runs the command with options already checked; returns its exit code.
int RunExtract(const ExtractOptions& options, const Registry& registry);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_EXTRACT_COMMAND_H_

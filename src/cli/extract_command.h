// `medscrape extract`: saved pages in, JSON Lines out, in input order.
#ifndef MEDSCRAPE_CLI_EXTRACT_COMMAND_H_
#define MEDSCRAPE_CLI_EXTRACT_COMMAND_H_

#include <cstdint>
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
  // --stats FILE: fill rates per site and page type (as a crawl's); --baseline FILE: an
  // earlier stats file (extract's or a crawl's) to compare with: drift exits 4;
  // --metrics FILE: Prometheus text.
  std::string stats_path, baseline_path, metrics_path;
  std::string config;  // --config: read before parsing (config_file.h).
  double drift_threshold = 0.25;
  int64_t drift_min_records = 20;
};

// Runs the command with options already checked; returns its exit code.
int RunExtract(const ExtractOptions& options, const Registry& registry);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_EXTRACT_COMMAND_H_

#include <cstdio>

#include "cli/commands.h"
#include "cli/extract_command.h"

#ifndef MEDSCRAPE_VERSION
#define MEDSCRAPE_VERSION "0.0.0"
#endif

namespace medscrape {
namespace {

constexpr const char* kHelp = R"(medscrape - structured records from medical Q&A pages

Usage:
  medscrape extract [options] PATH...   saved pages -> JSON Lines
  medscrape crawl [options] SEED...     crawl the seeds' hosts -> JSON Lines (resumable)
  medscrape sites                       list the extractors and their URL patterns
  medscrape --version | --help

PATH is a file, a folder (its *.html, *.htm and *.shtml files, recursively,
in path order) or - for standard input. One JSON object per page, one per line,
in input order (docs/record-schema.md).

extract options:
  --url URL        the page's original address (one PATH only). Default: the
                   page's <link rel=canonical>, then og:url, then file://PATH
  --site NAME      use this site's extractor (see 'medscrape sites') instead of
                   routing by URL
  --charset NAME   decode the input as NAME (e.g. GB18030) instead of detecting
  -o, --output FILE  write records to FILE instead of standard output
  -j, --jobs N     worker threads (default: all cores); output order is kept
  -q, --quiet      no summary line on standard error

A page no extractor matches still gives a generic record (title, description,
published) and a warning. A failing input prints
  medscrape: error: PATH: reason
and the others go on.

crawl options (see README): --job NAME, --out FILE, --state FILE, --fresh,
  --seeds FILE, --site NAME, --concurrency N, --per-host N, --delay S, --retries N,
  --max-pages N, --max-depth N, --max-time DUR, --max-urls-per-host N, --include RE, --exclude RE,
  --recrawl-after DUR, --user-agent UA, --proxy URL, --allow-private, --sitemaps,
  --log-format text|json, --no-progress
crawl exit codes: 0 finished, 1 finished with failed URLs, 2 usage error,
  3 aborted (signal, job locked by another run, output or state error)

extract exit codes:
  0  every input made a record
  1  some inputs failed (missing, unreadable, binary, empty); the rest were written
  2  usage error
  3  aborted: the output could not be written (bad -o path, disk full)
)";

}  // namespace

int RunCommandLine(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::fputs(kHelp, stderr);
    return kExitUsage;
  }
  const std::string& command = args.front();
  if (command == "--help" || command == "-h" || command == "help") {
    std::fputs(kHelp, stdout);
    return kExitOk;
  }
  if (command == "--version" || command == "version") {
    std::printf("medscrape %s\n", MEDSCRAPE_VERSION);
    return kExitOk;
  }
  if (command == "sites") return RunSites();
  if (command == "crawl") {
    for (size_t i = 1; i < args.size(); ++i) {
      if (args[i] == "--help" || args[i] == "-h") {
        std::fputs(kHelp, stdout);
        return kExitOk;
      }
    }
    return RunCrawl({args.begin() + 1, args.end()});
  }
  if (command == "extract") {
    ExtractOptions options;
    const int usage = ParseExtractOptions({args.begin() + 1, args.end()}, &options);
    if (usage >= 0) return usage;
    return RunExtract(options);
  }
  std::fprintf(stderr, "medscrape: error: unknown command '%s'\nTry 'medscrape --help'.\n",
               command.c_str());
  return kExitUsage;
}

}  // namespace medscrape

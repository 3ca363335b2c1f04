// The exit codes of every command, documented in --help, README and docs/operations.md.
// When several apply, the highest-ranked wins: aborted (3) > drift (4) > some failed (1) > ok.
#ifndef MEDSCRAPE_CLI_EXIT_CODES_H_
#define MEDSCRAPE_CLI_EXIT_CODES_H_

namespace medscrape {

enum ExitCode : int {
  kExitOk = 0,            // Everything worked (crawl: failures within --max-failed-ratio).
  kExitSomeFailed = 1,    // Some inputs or URLs failed (crawl: more than --max-failed-ratio).
  kExitUsage = 2,         // Bad command line or site file: nothing was done, no file created.
  kExitAborted = 3,       // Stopped: output or state could not be written.
  kExitDrift = 4,         // Fields stopped being found: a site's layout probably changed.
  kExitLocked = 5,        // Another run holds the job or the output file: a harmless overlap.
  kExitSignalBase = 128,  // 128 + N: stopped cleanly by signal N (130 SIGINT, 143 SIGTERM).
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_EXIT_CODES_H_

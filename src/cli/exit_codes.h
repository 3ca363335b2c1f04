// The exit codes of every command, documented in --help and README.
#ifndef MEDSCRAPE_CLI_EXIT_CODES_H_
#define MEDSCRAPE_CLI_EXIT_CODES_H_

namespace medscrape {

enum ExitCode : int {
  kExitOk = 0,          // Everything worked (extract: every input made a record; check: all match).
  kExitSomeFailed = 1,  // Some inputs or URLs failed, or check found differences; the rest is done.
  kExitUsage = 2,       // Bad command line or site file: nothing was done, no file created.
  kExitAborted = 3,     // Stopped: output or state could not be written, a lock, a signal.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_EXIT_CODES_H_

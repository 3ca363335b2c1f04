// What the commands share: the exit codes, usage errors, the --sites option and
// the registry it loads, durations. Only src/cli talks to the terminal.
#ifndef MEDSCRAPE_CLI_CLI_H_
#define MEDSCRAPE_CLI_CLI_H_

#include <memory>
#include <string>

#include "cli/exit_codes.h"
#include "extract/registry.h"

namespace CLI {
class App;
}  // namespace CLI

namespace medscrape {

// Usage errors become JSON objects ({"event":"error","kind":"usage",...}) instead
// of "medscrape: error: ..." lines (crawl --log-format json).
void SetJsonErrors(bool json);
bool JsonErrors();

// Prints the usage error (and "Try 'medscrape COMMAND --help'." in text); returns kExitUsage.
int UsageError(const std::string& message, const std::string& command = "");

// --sites DIR on `command`: site files that add to or replace the shipped ones;
// default from MEDSCRAPE_SITES.
void AddSitesOption(CLI::App* command, std::string* dir);

// The shipped sites plus those in `dir`; on a bad site file prints it as a usage
// error (file:line:col: key ...: what), sets *exit_code to kExitUsage and
// returns null.
std::unique_ptr<Registry> LoadRegistryOrReport(const std::string& dir, const std::string& command,
                                               int* exit_code);

// "2026-12-04T19:05:51.123Z": now, UTC, milliseconds (the "ts" of JSON log lines).
std::string NowIsoMs();

// "90" (seconds), "1.5s", "500ms", "2m", "12h", "7d" -> seconds; false otherwise.
bool ParseDuration(const std::string& text, double* seconds);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_CLI_H_

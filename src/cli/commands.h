// The commands main() dispatches to. Each Add* defines a subcommand's options on
// the CLI11 app and returns what runs it once the command line parsed: an
// exit code (exit_codes.h).
#ifndef MEDSCRAPE_CLI_COMMANDS_H_
#define MEDSCRAPE_CLI_COMMANDS_H_

#include <functional>
#include <string>
#include <vector>

namespace CLI {
class App;
}  // namespace CLI

namespace medscrape {

using CommandRun = std::function<int()>;

CommandRun AddExtractCommand(CLI::App* app);
CommandRun AddCrawlCommand(CLI::App* app);
CommandRun AddSitesCommand(CLI::App* app);
CommandRun AddCheckCommand(CLI::App* app);
CommandRun AddSelectCommand(CLI::App* app);
CommandRun AddRouteCommand(CLI::App* app);
CommandRun AddExportCommand(CLI::App* app);
CommandRun AddStatsCommand(CLI::App* app);
CommandRun AddJobsCommand(CLI::App* app);

// Parses argv (without the program name) and runs the command; returns the exit code.
int RunCommandLine(const std::vector<std::string>& args);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_COMMANDS_H_

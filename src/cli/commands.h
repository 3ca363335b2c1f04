// The subcommands main() dispatches to.
#ifndef MEDSCRAPE_CLI_COMMANDS_H_
#define MEDSCRAPE_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace medscrape {

int RunSites();
int RunCrawl(const std::vector<std::string>& args);  // After "crawl".
// Dispatches argv (without the program name); returns the exit code.
int RunCommandLine(const std::vector<std::string>& args);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_COMMANDS_H_

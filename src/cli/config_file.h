// `--config FILE`: a YAML job file whose keys are the command's long option names (`seed:`
// for the seed URLs), so a scheduled job is one file in version control. Options given on
// the command line override the file's (a list given there replaces the file's list);
// `seed:` URLs join the command line's. Booleans turn flags on or off; lists repeat
// an option that may be repeated; anything else is a usage error naming FILE:LINE and the
// key.
#ifndef MEDSCRAPE_CLI_CONFIG_FILE_H_
#define MEDSCRAPE_CLI_CONFIG_FILE_H_

#include <string>
#include <vector>

#include "base/status.h"

namespace CLI {
class App;
}  // namespace CLI

namespace medscrape {

// `args` (the command line without the program name) with the tokens of the --config file
// of its command inserted after the command's name; `args` unchanged without --config.
Result<std::vector<std::string>> ExpandConfigFile(const std::vector<std::string>& args,
                                                  CLI::App& app);

}  // namespace medscrape

#endif  // MEDSCRAPE_CLI_CONFIG_FILE_H_

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/config_file.h"

#ifndef MEDSCRAPE_VERSION
#define MEDSCRAPE_VERSION "0.0.0"
#endif

namespace medscrape {
namespace {

constexpr const char* kDescription =
    "medscrape - structured records from medical Q&A pages (docs: README.md)";

constexpr const char* kFooter = R"(
Exit codes: 0 done (crawl: failed URLs within --max-failed-ratio of its fetches);
1 some inputs or URLs failed (check: records differ), the rest was done; 2 usage
error or bad site file (nothing done, no file created); 3 aborted (output or state
not writable); 4 drift: fields stopped being found (a site changed its layout);
5 another run holds the job or output (a harmless overlap); 128+N stopped by
signal N (130 SIGINT, 143 SIGTERM), resumable. Precedence: 3 > 128+N > 4 > 1 > 0.
Run 'medscrape COMMAND --help' for a command's options.)";

// --log-format json asks for JSON errors; it must count before the parse that may fail.
bool WantsJsonErrors(const std::vector<std::string>& args) {
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--log-format=json") return true;
    if (args[i] == "--log-format" && i + 1 < args.size() && args[i + 1] == "json") return true;
  }
  return false;
}

}  // namespace

int RunCommandLine(const std::vector<std::string>& args) {
  SetJsonErrors(WantsJsonErrors(args));
  CLI::App app(kDescription, "medscrape");
  app.set_version_flag("--version", std::string("medscrape ") + MEDSCRAPE_VERSION);
  app.require_subcommand(1);
  app.footer(kFooter);
  app.get_formatter()->column_width(34);
  // An option given twice keeps its last value (as curl does); lists collect them all.
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  std::map<CLI::App*, CommandRun> runs;
  for (auto add :
       {AddExtractCommand, AddCrawlCommand, AddSitesCommand, AddCheckCommand, AddSelectCommand,
        AddRouteCommand, AddExportCommand, AddStatsCommand, AddJobsCommand}) {
    const size_t before = app.get_subcommands({}).size();
    CommandRun run = add(&app);
    runs[app.get_subcommands({})[before]] = std::move(run);
  }
  if (args.empty()) {
    std::fputs(app.help().c_str(), stderr);
    return kExitUsage;
  }
  Result<std::vector<std::string>> expanded = ExpandConfigFile(args, app);
  if (!expanded.ok()) {
    return UsageError(expanded.status().message(), args.empty() ? "" : args.front());
  }
  const std::vector<std::string>& all = expanded.value();
  std::vector<std::string> reversed(all.rbegin(), all.rend());  // CLI11 takes them backwards.
  try {
    app.parse(reversed);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::vector<CLI::App*> chosen = app.get_subcommands();
    return UsageError(e.what(), chosen.empty() ? "" : chosen.front()->get_name());
  }
  CLI::App* command = app.get_subcommands().front();
  return runs.at(command)();
}

}  // namespace medscrape

#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

#include "extract/site_spec.h"
#include "extractors/builtin.h"

namespace medscrape {
namespace {

bool g_json_errors = false;

}  // namespace

void SetJsonErrors(bool json) { g_json_errors = json; }
bool JsonErrors() { return g_json_errors; }

int UsageError(const std::string& message, const std::string& command) {
  if (g_json_errors) {
    const Json line = {{"ts", NowIsoMs()},
                       {"level", "error"},
                       {"event", "error"},
                       {"kind", "usage"},
                       {"message", message}};
    std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  } else {
    std::fprintf(stderr, "medscrape: error: %s\nTry 'medscrape %s--help'.\n", message.c_str(),
                 command.empty() ? "" : (command + " ").c_str());
  }
  return kExitUsage;
}

void AddSitesOption(CLI::App* command, std::string* dir) {
  command
      ->add_option("--sites", *dir,
                   "also load the site files (*.yaml) in DIR; one naming a "
                   "shipped site replaces it")
      ->type_name("DIR")
      ->envname("MEDSCRAPE_SITES");
}

std::unique_ptr<Registry> LoadRegistryOrReport(const std::string& dir, const std::string& command,
                                               int* exit_code) {
  Result<std::unique_ptr<Registry>> registry = LoadRegistry(dir);
  if (!registry.ok()) {
    *exit_code = UsageError(registry.status().message(), command);
    return nullptr;
  }
  return std::move(registry).value();
}

std::string NowIsoMs() {
  const auto now = std::chrono::system_clock::now();
  const int64_t ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[40];
  const size_t n = std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(text + n, sizeof(text) - n, ".%03dZ", static_cast<int>(ms % 1000));
  return text;
}

bool ParseDuration(const std::string& text, double* seconds) {
  static const std::pair<const char*, double> kUnits[] = {
      {"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
  std::string number = text;
  double unit = 1;
  for (const auto& [suffix, scale] : kUnits) {
    const std::string s = suffix;
    if (number.size() > s.size() && number.compare(number.size() - s.size(), s.size(), s) == 0) {
      number.resize(number.size() - s.size());
      unit = scale;
      break;
    }
  }
  if (number.empty() || number.find_first_not_of("0123456789.") != std::string::npos) return false;
  char* end = nullptr;
  const double value = std::strtod(number.c_str(), &end);
  if (end == nullptr || *end != '\0' || !std::isfinite(value) || value > 1e10) return false;
  *seconds = value * unit;
  return true;
}

}  // namespace medscrape

// `medscrape check`: offline extractor tests, what Scrapy's contracts do against
// the live web done against saved pages. Each page with a <name>.url and a
// <name>.expected.json beside it is extracted and compared field by field
// (extract/record_diff.h); the golden ctest runs this command on fixtures/.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "extract/page.h"
#include "extract/record_diff.h"

namespace medscrape {
namespace {

namespace fs = std::filesystem;

struct CheckOptions {
  std::vector<std::string> paths;
  std::string sites_dir;
};

bool IsPage(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(), ::tolower);
  return extension == ".html" || extension == ".htm" || extension == ".shtml";
}

fs::path Beside(const fs::path& page, const char* suffix) {
  return fs::path(page).replace_extension(suffix);
}

// Saved pages with an expectation: a file as named, a folder's recursively.
std::vector<fs::path> Pages(const std::vector<std::string>& arguments) {
  std::vector<fs::path> pages;
  for (const std::string& argument : arguments) {
    if (!fs::is_directory(argument)) {
      pages.emplace_back(argument);
      continue;
    }
    std::vector<fs::path> found;
    std::error_code error;
    for (auto it = fs::recursive_directory_iterator(argument, error);
         !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
      const fs::path& path = it->path();
      if (IsPage(path) && fs::exists(Beside(path, ".expected.json"))) found.push_back(path);
    }
    std::sort(found.begin(), found.end());
    pages.insert(pages.end(), found.begin(), found.end());
  }
  return pages;
}

std::string ReadText(const fs::path& path, bool* ok) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  *ok = static_cast<bool>(in) || in.eof();
  return out.str();
}

std::string TrimLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// The differences of one page, or why it could not be checked.
std::vector<std::string> CheckPage(const fs::path& page, const Registry& registry) {
  bool ok = fs::exists(Beside(page, ".expected.json"));
  if (!ok) return {"no " + Beside(page, ".expected.json").string() + " beside it"};
  const std::string expected_text = ReadText(Beside(page, ".expected.json"), &ok);
  const Json expected = Json::parse(expected_text, nullptr, false);
  if (!ok || expected.is_discarded()) {
    return {Beside(page, ".expected.json").string() + ": not valid JSON"};
  }
  PageRequest request;
  Result<RawInput> raw = ReadInput(page.string(), request.limits.max_input_bytes);
  if (!raw.ok()) return {raw.status().message()};
  request.raw = raw.value().bytes;
  request.content_sha256 = raw.value().sha256;
  request.fallback_url = raw.value().fallback_url;
  request.input_warnings = raw.value().warnings;
  if (fs::exists(Beside(page, ".url"))) request.url = TrimLine(ReadText(Beside(page, ".url"), &ok));
  Result<PageResult> result = ExtractPage(request, registry);
  if (!result.ok()) return {"no record: " + result.status().message()};
  return DiffRecord(expected, result.value().record);
}

int Run(const CheckOptions& options) {
  int exit_code = kExitOk;
  std::unique_ptr<Registry> registry = LoadRegistryOrReport(options.sites_dir, "check", &exit_code);
  if (registry == nullptr) return exit_code;
  const std::vector<fs::path> pages = Pages(options.paths);
  size_t differ = 0;
  for (const fs::path& page : pages) {
    const std::vector<std::string> diffs = CheckPage(page, *registry);
    std::printf("%s %s\n", diffs.empty() ? "ok  " : "FAIL", page.string().c_str());
    for (const std::string& diff : diffs) std::printf("       %s\n", diff.c_str());
    differ += diffs.empty() ? 0 : 1;
  }
  if (pages.empty()) {
    std::fprintf(stderr, "medscrape: check: no saved page with an .expected.json beside it\n");
    return kExitSomeFailed;
  }
  std::fprintf(stderr, "medscrape: check: %zu pages, %zu match, %zu differ\n", pages.size(),
               pages.size() - differ, differ);
  return differ == 0 ? kExitOk : kExitSomeFailed;
}

}  // namespace

CommandRun AddCheckCommand(CLI::App* app) {
  auto options = std::make_shared<CheckOptions>();
  CLI::App* command = app->add_subcommand(
      "check", "extract saved pages and compare each with its .expected.json, field by field");
  command
      ->add_option("PATH", options->paths,
                   "a saved page (with PAGE.url and PAGE.expected.json beside it), or a "
                   "folder of them (recursively)")
      ->required()
      ->take_all();
  AddSitesOption(command, &options->sites_dir);
  return [options] { return Run(*options); };
}

}  // namespace medscrape

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <optional>

#include "cli/extract_command.h"
#include "encoding/charset.h"
#include "extract/registry.h"
#include "url/url.h"

namespace medscrape {
namespace {

constexpr int kMaxJobs = 256;

bool ParseJobs(const std::string& text, int* jobs) {
  if (text.empty() || text.size() > 4) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  *jobs = std::atoi(text.c_str());
  return *jobs >= 1 && *jobs <= kMaxJobs;
}

// Splits "--name=value" into name and value; returns false when there is no '='.
bool SplitInline(const std::string& arg, std::string* name, std::string* value) {
  const size_t eq = arg.find('=');
  if (arg.rfind("--", 0) != 0 || eq == std::string::npos) return false;
  *name = arg.substr(0, eq);
  *value = arg.substr(eq + 1);
  return true;
}

}  // namespace

int UsageError(const std::string& message) {
  std::fprintf(stderr, "medscrape: error: %s\nTry 'medscrape --help'.\n", message.c_str());
  return kExitUsage;
}

int ParseExtractOptions(const std::vector<std::string>& args, ExtractOptions* options) {
  for (size_t i = 0; i < args.size(); ++i) {
    std::string name = args[i], value;
    const bool is_inline = SplitInline(args[i], &name, &value);
    const bool takes_value = name == "--url" || name == "--site" || name == "--charset" ||
                             name == "-o" || name == "--output" || name == "-j" ||
                             name == "--jobs";
    if (takes_value && !is_inline) {
      if (i + 1 >= args.size()) return UsageError(name + " needs a value");
      value = args[++i];
    }
    if (name == "--url") {
      options->url = value;
    } else if (name == "--site") {
      options->site = value;
    } else if (name == "--charset") {
      options->charset = value;
    } else if (name == "-o" || name == "--output") {
      options->output = value;
    } else if (name == "-j" || name == "--jobs") {
      if (!ParseJobs(value, &options->jobs)) {
        return UsageError("-j takes a whole number from 1 to " + std::to_string(kMaxJobs) +
                          ", not '" + value + "'");
      }
    } else if (name == "-q" || name == "--quiet") {
      options->quiet = true;
    } else if (name == "--") {
      options->paths.insert(options->paths.end(), args.begin() + i + 1, args.end());
      break;
    } else if (name.size() > 1 && name[0] == '-') {
      return UsageError("unknown option '" + args[i] + "'");
    } else {
      options->paths.push_back(args[i]);
    }
  }
  if (options->paths.empty()) return UsageError("extract needs at least one PATH (a file, a folder or -)");
  if (!options->url.empty() && options->paths.size() != 1) {
    return UsageError("--url names one page: give exactly one PATH with it");
  }
  if (!options->url.empty()) {
    const bool controls = std::any_of(options->url.begin(), options->url.end(), [](char c) {
      return static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
    });
    std::optional<std::string> url = ResolveHttpUrl("", options->url);
    if (controls || !url) {
      return UsageError("--url needs an absolute http(s) URL of at most " +
                        std::to_string(kMaxUrlLength) + " characters, without control characters");
    }
    options->url = *url;  // As the record will hold it: non-ASCII bytes percent-encoded.
  }
  if (!options->site.empty() && BuiltinRegistry().FindSite(options->site) == nullptr) {
    return UsageError("unknown site '" + options->site + "' (see 'medscrape sites')");
  }
  if (!options->charset.empty() && !CanonicalCharset(options->charset)) {
    return UsageError("unknown charset '" + options->charset + "'");
  }
  return -1;
}

}  // namespace medscrape

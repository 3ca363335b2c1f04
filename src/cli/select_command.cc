// `medscrape select`: what a CSS selector matches on a saved page, for writing
// and fixing site files: each match's text, then its markup cut short.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>

#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/inputs.h"
#include "cli/warc_input.h"
#include "crawl/response_rules.h"
#include "encoding/charset.h"
#include "html/document.h"
#include "html/selector.h"
#include "url/url.h"

namespace medscrape {
namespace {

constexpr size_t kMarkupShown = 240;  // Bytes of each match's markup printed.

struct SelectOptions {
  std::string css, file, site, charset, sites_dir, url;
};

std::string Shorten(std::string_view text, size_t bytes) {
  if (text.size() <= bytes) return std::string(text);
  size_t end = bytes;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + " …";
}

std::string OneLine(std::string text) {
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return text;
}

int Run(const SelectOptions& options) {
  int exit_code = kExitOk;
  std::unique_ptr<Registry> registry =
      LoadRegistryOrReport(options.sites_dir, "select", &exit_code);
  if (registry == nullptr) return exit_code;
  const Selector selector(options.css);
  if (!selector.ok()) {
    return UsageError("bad selector '" + options.css + "': " + selector.error(), "select");
  }
  const CompiledSite* site = nullptr;
  if (!options.site.empty() && (site = registry->FindSite(options.site)) == nullptr) {
    return UsageError("unknown site '" + options.site + "' (see 'medscrape sites')", "select");
  }
  ParseLimits limits;
  DecodeOptions decode;
  decode.forced_charset = options.charset;
  std::string bytes;
  if (IsWarcName(options.file)) {
    Result<WarcPage> page = FindWarcPage(options.file, options.url);
    if (!page.ok()) {
      std::fprintf(stderr, "medscrape: error: %s\n", page.status().message().c_str());
      return kExitSomeFailed;
    }
    decode.header_charset = CharsetOf(page.value().content_type);
    bytes = std::move(page.value().body);
  } else {
    if (!options.url.empty()) return UsageError("--url needs a WARC file", "select");
    Result<RawInput> raw = ReadInput(options.file, limits.max_input_bytes);
    if (!raw.ok()) {
      std::fprintf(stderr, "medscrape: error: %s: %s\n", options.file.c_str(),
                   raw.status().message().c_str());
      return kExitSomeFailed;
    }
    bytes = std::move(raw.value().bytes);
  }
  Result<DecodedText> decoded = DecodeToUtf8(bytes, decode);
  if (!decoded.ok()) {
    std::fprintf(stderr, "medscrape: error: %s: %s\n", options.file.c_str(),
                 decoded.status().message().c_str());
    return kExitSomeFailed;
  }
  const Document document = Document::Parse(decoded.value().utf8, limits);
  if (!document.ok()) {
    std::fprintf(stderr, "medscrape: error: %s: %s\n", options.file.c_str(),
                 document.status().message().c_str());
    return kExitSomeFailed;
  }
  if (site != nullptr) {
    for (const CompiledPageType& page : site->page_types) {
      const bool detected =
          page.detect_selector && page.detect_selector->SelectFirst(document.root()).valid();
      std::printf("%s %s: detect '%s' %s\n", site->spec->name.c_str(), page.spec->name.c_str(),
                  page.spec->detect_selector.c_str(), detected ? "matches" : "does not match");
    }
  }
  const std::vector<Node> matches = selector.Select(document.root());
  std::printf("%zu match%s of '%s' in %s\n", matches.size(), matches.size() == 1 ? "" : "es",
              options.css.c_str(), options.file.c_str());
  for (size_t i = 0; i < matches.size(); ++i) {
    std::printf("[%zu] %s\n", i, matches[i].Text().c_str());
    const std::string_view markup = matches[i].SourceHtml();
    if (!markup.empty()) std::printf("    %s\n", OneLine(Shorten(markup, kMarkupShown)).c_str());
  }
  return matches.empty() ? kExitSomeFailed : kExitOk;
}

}  // namespace

CommandRun AddSelectCommand(CLI::App* app) {
  auto options = std::make_shared<SelectOptions>();
  CLI::App* command = app->add_subcommand(
      "select", "what a CSS selector matches on a saved page (its text, then its markup)");
  command->add_option("CSS", options->css, "the selector (the subset site files use)")->required();
  command
      ->add_option("FILE", options->file,
                   "a saved page, a WARC file (.warc, .warc.gz), or - for standard input")
      ->required();
  command
      ->add_option("--url", options->url,
                   "in a WARC file, the page captured last for URL (default: its first page)")
      ->type_name("URL");
  command
      ->add_option("--site", options->site,
                   "also say which of this site's page types the page is detected as")
      ->type_name("NAME");
  command->add_option("--charset", options->charset, "decode the page as NAME instead of detecting")
      ->type_name("NAME");
  AddSitesOption(command, &options->sites_dir);
  return [options] { return Run(*options); };
}

}  // namespace medscrape

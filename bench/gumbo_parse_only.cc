// gumbo_parse_only: the ceiling for `medscrape extract` throughput.
//
//   gumbo_parse_only FILE...
//   gumbo_parse_only --list LISTFILE     (one path per line)
//
// Reads each file, parses it with Gumbo using the options medscrape uses
// (kGumboDefaultOptions, max_errors = 16, explicit length) and destroys the
// tree. Nothing else: no decoding, no guard scan, no extraction, no output.
// Prints "pages=N bytes=B seconds=S" (S = wall time of the whole read+parse loop).
//
// Pages are parsed as-is. medscrape transcodes GBK pages (xywy) to UTF-8 before
// parsing; here they go to Gumbo in their original bytes, so the ceiling skips
// the transcoding cost. The second output line says how many pages that was.
#include <gumbo.h>
#include <strings.h>  // strncasecmp

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

namespace {

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

// True when the first KB declares a GB charset (gb2312, gbk, gb18030). Only
// scans 1 KB so it stays negligible next to the parse.
bool DeclaresGbCharset(const std::string& page) {
  const size_t n = std::min<size_t>(page.size(), 1024);
  for (size_t i = 0; i + 10 <= n; ++i) {
    if (strncasecmp(page.data() + i, "charset=gb", 10) == 0) return true;
  }
  return false;
}

int Usage() {
  std::fprintf(stderr, "usage: gumbo_parse_only FILE... | gumbo_parse_only --list LISTFILE\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--list") == 0) {
      if (++i == argc) return Usage();
      std::ifstream list(argv[i]);
      if (!list) {
        std::fprintf(stderr, "gumbo_parse_only: cannot open list %s\n", argv[i]);
        return 1;
      }
      for (std::string line; std::getline(list, line);) {
        if (!line.empty()) paths.push_back(line);
      }
    } else {
      paths.emplace_back(argv[i]);
    }
  }
  if (paths.empty()) return Usage();

  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 16;  // Same bound as medscrape's ParseLimits::max_errors.

  size_t pages = 0, bytes = 0, gb_pages = 0;
  std::string page;
  const auto start = std::chrono::steady_clock::now();
  for (const std::string& path : paths) {
    if (!ReadFile(path, &page)) {
      std::fprintf(stderr, "gumbo_parse_only: cannot read %s\n", path.c_str());
      return 1;
    }
    GumboOutput* output = gumbo_parse_with_options(&options, page.data(), page.size());
    gumbo_destroy_output(&options, output);
    ++pages;
    bytes += page.size();
    if (DeclaresGbCharset(page)) ++gb_pages;
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::printf("pages=%zu bytes=%zu seconds=%.3f\n", pages, bytes, seconds);
  std::printf("note: %zu GBK-declared pages parsed as-is (not transcoded)\n", gb_pages);
  return 0;
}

// The golden driver: every fixtures/<site>/<name>.html with a <name>.expected.json
// goes through the real pipeline (decode, parse, route, extract) with the URL
// from <name>.url, and the record must match the expectation field by field.
//
// Comparison rules (fixtures/README.md): only keys present in the expectation
// are checked, recursively; strings compare with all white space removed (the
// reference records join paragraphs without it); lists must have equal length;
// "warnings": each expected entry must prefix one actual warning, [] means none.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "extract/page.h"
#include "extract/registry.h"

namespace medscrape {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

std::string StripSpace(const std::string& text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') continue;
    if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xA0) {
      ++i;
      continue;
    }
    if (text.compare(i, 3, "\u3000") == 0) {
      i += 2;
      continue;
    }
    out.push_back(text[i]);
  }
  return out;
}

void CompareWarnings(const Json& expected, const Json& actual, std::vector<std::string>& diffs) {
  if (expected.empty() && !actual.empty()) {
    diffs.push_back("warnings: expected none, got " + actual.dump());
    return;
  }
  for (const Json& want : expected) {
    bool found = false;
    for (const Json& got : actual) {
      found = found || got.get<std::string>().rfind(want.get<std::string>(), 0) == 0;
    }
    if (!found) diffs.push_back("warnings: no warning starts with " + want.dump() + "; got " + actual.dump());
  }
}

void Compare(const std::string& path, const Json& expected, const Json& actual,
             std::vector<std::string>& diffs) {
  if (expected.is_object()) {
    if (!actual.is_object()) {
      diffs.push_back(path + ": expected an object, got " + actual.dump());
      return;
    }
    for (const auto& [key, value] : expected.items()) {
      const std::string child = path.empty() ? key : path + "." + key;
      if (!actual.contains(key)) {
        diffs.push_back(child + ": missing");
      } else if (key == "warnings" && path.empty()) {
        CompareWarnings(value, actual[key], diffs);
      } else {
        Compare(child, value, actual[key], diffs);
      }
    }
  } else if (expected.is_array()) {
    if (!actual.is_array() || actual.size() != expected.size()) {
      diffs.push_back(path + ": expected " + std::to_string(expected.size()) + " items, got " +
                      (actual.is_array() ? std::to_string(actual.size()) : actual.dump()));
      return;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      Compare(path + "[" + std::to_string(i) + "]", expected[i], actual[i], diffs);
    }
  } else if (expected.is_string() && actual.is_string()) {
    if (StripSpace(expected.get<std::string>()) != StripSpace(actual.get<std::string>())) {
      diffs.push_back(path + ": expected " + expected.dump() + ", got " + actual.dump());
    }
  } else if (expected != actual) {
    diffs.push_back(path + ": expected " + expected.dump() + ", got " + actual.dump());
  }
}

std::vector<fs::path> GoldenPages() {
  std::vector<fs::path> pages;
  for (const auto& entry : fs::recursive_directory_iterator(fs::path(MEDSCRAPE_SOURCE_DIR) / "fixtures")) {
    const fs::path& path = entry.path();
    if (path.extension() == ".html" && fs::exists(fs::path(path).replace_extension(".expected.json"))) {
      pages.push_back(path);
    }
  }
  std::sort(pages.begin(), pages.end());
  return pages;
}

std::string TrimLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

TEST_CASE("every golden fixture reproduces its expected record") {
  const std::vector<fs::path> pages = GoldenPages();
  // The four reference pages plus at least three variants per page type.
  REQUIRE(pages.size() >= 16);
  for (const fs::path& page : pages) {
    const std::string raw = ReadFile(page);
    const Json expected = Json::parse(ReadFile(fs::path(page).replace_extension(".expected.json")));
    PageRequest request;
    request.raw = raw;
    const fs::path url_file = fs::path(page).replace_extension(".url");
    if (fs::exists(url_file)) request.url = TrimLine(ReadFile(url_file));
    Result<PageResult> result = ExtractPage(request, BuiltinRegistry());
    INFO("fixture " << page.string());
    REQUIRE(result.ok());
    std::vector<std::string> diffs;
    Compare("", expected, result.value().record, diffs);
    std::string report;
    for (const std::string& diff : diffs) report += "\n  " + diff;
    INFO("differences:" << report);
    CHECK(diffs.empty());
  }
}

}  // namespace
}  // namespace medscrape

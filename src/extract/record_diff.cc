#include "extract/record_diff.h"

#include <string_view>

#include "base/space.h"

namespace medscrape {
namespace {

// The text without any white space (base/space.h): the text normalisation
// (docs/sites.md) folds it, so only the visible characters are compared.
std::string StripSpace(const std::string& text) {
  std::string out;
  const std::string_view view(text);
  for (size_t i = 0; i < view.size();) {
    if (const size_t n = SpaceLength(view.substr(i))) {
      i += n;
    } else {
      out.push_back(view[i++]);
    }
  }
  return out;
}

std::string Show(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

void CompareWarnings(const Json& expected, const Json& actual, std::vector<std::string>& diffs) {
  if (!actual.is_array()) {
    diffs.push_back("warnings: expected a list, got " + Show(actual));
    return;
  }
  if (expected.empty() && !actual.empty()) {
    diffs.push_back("warnings: expected none, got " + Show(actual));
    return;
  }
  for (const Json& want : expected) {
    bool found = false;
    for (const Json& got : actual) {
      found = found || (got.is_string() && want.is_string() &&
                        got.get<std::string>().rfind(want.get<std::string>(), 0) == 0);
    }
    if (!found)
      diffs.push_back("warnings: none starts with " + Show(want) + "; got " + Show(actual));
  }
}

void Compare(const std::string& path, const Json& expected, const Json& actual,
             std::vector<std::string>& diffs) {
  if (expected.is_object()) {
    if (!actual.is_object()) {
      diffs.push_back(path + ": expected an object, got " + Show(actual));
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
                      (actual.is_array() ? std::to_string(actual.size()) : Show(actual)));
      return;
    }
    for (size_t i = 0; i < expected.size(); ++i) {
      Compare(path + "[" + std::to_string(i) + "]", expected[i], actual[i], diffs);
    }
  } else if (expected.is_string() && actual.is_string()) {
    if (StripSpace(expected.get<std::string>()) != StripSpace(actual.get<std::string>())) {
      diffs.push_back(path + ": expected " + Show(expected) + ", got " + Show(actual));
    }
  } else if (expected != actual) {
    diffs.push_back(path + ": expected " + Show(expected) + ", got " + Show(actual));
  }
}

}  // namespace

std::vector<std::string> DiffRecord(const Json& expected, const Json& actual) {
  std::vector<std::string> diffs;
  Compare("", expected, actual, diffs);
  return diffs;
}

}  // namespace medscrape

// A fixture file's bytes, by its path from the source tree's root. Test helper.
#ifndef MEDSCRAPE_TESTS_FIXTURE_UTIL_H_
#define MEDSCRAPE_TESTS_FIXTURE_UTIL_H_

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace medscrape::testing {

inline std::string ReadFixture(const std::string& relative) {
  std::ifstream file(std::string(MEDSCRAPE_SOURCE_DIR) + "/" + relative, std::ios::binary);
  if (!file) throw std::runtime_error("missing fixture " + relative);
  std::ostringstream bytes;
  bytes << file.rdbuf();
  return bytes.str();
}

}  // namespace medscrape::testing

#endif  // MEDSCRAPE_TESTS_FIXTURE_UTIL_H_

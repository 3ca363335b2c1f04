// Test helpers for WARC files: a temporary file, and every record and error a WarcReader
// gives for some bytes.
#ifndef MEDSCRAPE_TESTS_WARC_TEST_UTIL_H_
#define MEDSCRAPE_TESTS_WARC_TEST_UTIL_H_

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "warc/warc_reader.h"

namespace medscrape {
namespace testing {

// A file in the test's temporary folder, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& bytes) {
    char name[] = "/tmp/warc_reader_test_XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    close(fd);
    path_ = name;
    std::ofstream(path_, std::ios::binary) << bytes;
  }
  ~TempFile() { unlink(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

struct ReadAll {
  std::vector<WarcRecord> records;
  std::vector<WarcError> errors;
};

inline ReadAll Read(const std::string& bytes, const WarcReaderOptions& options = {}) {
  TempFile file(bytes);
  Result<std::unique_ptr<WarcReader>> reader = WarcReader::Open(file.path(), options);
  REQUIRE(reader.ok());
  ReadAll all;
  WarcRecord record;
  WarcError error;
  for (int i = 0; i < 100; ++i) {
    const WarcReader::Item item = reader.value()->Next(&record, &error);
    if (item == WarcReader::Item::kEnd) return all;
    if (item == WarcReader::Item::kRecord) all.records.push_back(record);
    if (item == WarcReader::Item::kError) {
      UNSCOPED_INFO(error.Describe());
      all.errors.push_back(error);
    }
  }
  FAIL("the reader never ended");
  return all;
}

}  // namespace testing
}  // namespace medscrape

#endif  // MEDSCRAPE_TESTS_WARC_TEST_UTIL_H_

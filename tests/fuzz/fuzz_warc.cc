// libFuzzer target over the WARC reader: hostile bytes as a .warc or .warc.gz file, every
// record read (broken ones resynchronised), every response's HTTP message decoded. Any crash,
// sanitizer report, or a reader that does not end fails the run.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include "warc/http_message.h"
#include "warc/warc_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/fuzz_warc_" + std::to_string(::getpid()) + ".warc";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  medscrape::WarcReaderOptions options;
  options.max_block_bytes = 1 << 20;
  options.max_header_bytes = 64 << 10;
  medscrape::Result<std::unique_ptr<medscrape::WarcReader>> reader =
      medscrape::WarcReader::Open(path, options);
  if (!reader.ok()) return 0;
  medscrape::WarcRecord record;
  medscrape::WarcError error;
  medscrape::HttpMessageOptions http;
  http.max_body_bytes = 1 << 20;
  // Each item moves past at least one byte of the file (or of an inflated member): a reader
  // giving more items than that never ends.
  for (size_t items = 0;; ++items) {
    if (items > size * 64 + 16) std::abort();
    const medscrape::WarcReader::Item item = reader.value()->Next(&record, &error);
    if (item == medscrape::WarcReader::Item::kEnd) break;
    if (item == medscrape::WarcReader::Item::kRecord && record.Type() == "response") {
      (void)medscrape::ParseHttpResponse(record.block, http);
    }
  }
  return 0;
}

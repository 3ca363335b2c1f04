// ContentDecoder: gzip, zlib-wrapped and raw deflate fed whole and one byte at a
// time, truncation, corruption and the size cap.
#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

#include "fetch/content_decoder.h"

namespace medscrape {
namespace {

using Result = ContentDecoder::Result;

std::string Expected() {
  std::string text = "<p>";
  for (int i = 0; i < 20; ++i) text += "medscrape content decoder ";
  return text + "</p>";
}

// zlib.compressobj(9, DEFLATED, wbits) of Expected() with wbits 31, 15, -15.
const std::string kGzip(
    "\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\x03\xb3\x29\xb0\xcb\x4d\x4d\x29\x4e\x2e\x4a\x2c\x48\x55"
    "\x48\xce\xcf\x2b\x49\xcd\x2b\x51\x48\x49\x4d\xce\x4f\x49\x2d\x52\x18\x95\x19\x49\x32\x36\xfa"
    "\x05\x76\x00\xfc\x7f\xfa\x43\x0f\x02\x00\x00",
    57);
const std::string kZlib(
    "\x78\xda\xb3\x29\xb0\xcb\x4d\x4d\x29\x4e\x2e\x4a\x2c\x48\x55\x48\xce\xcf\x2b\x49\xcd\x2b\x51"
    "\x48\x49\x4d\xce\x4f\x49\x2d\x52\x18\x95\x19\x49\x32\x36\xfa\x05\x76\x00\xb5\x72\xc7\xe8",
    45);
const std::string kRaw(
    "\xb3\x29\xb0\xcb\x4d\x4d\x29\x4e\x2e\x4a\x2c\x48\x55\x48\xce\xcf\x2b\x49\xcd\x2b\x51\x48\x49"
    "\x4d\xce\x4f\x49\x2d\x52\x18\x95\x19\x49\x32\x36\xfa\x05\x76\x00",
    39);

// Feeds `data` in pieces of `step` bytes; stops at the first non-kOk result.
Result FeedAll(ContentDecoder* decoder, const std::string& data, size_t step, size_t cap,
               std::string* out) {
  for (size_t at = 0; at < data.size(); at += step) {
    const Result result = decoder->Feed(data.data() + at, std::min(step, data.size() - at), cap, out);
    if (result != Result::kOk) return result;
  }
  return Result::kOk;
}

TEST_CASE("Content-Encoding values", "[fetch]") {
  CHECK(ParseContentEncoding("") == ContentCoding::kIdentity);
  CHECK(ParseContentEncoding("identity") == ContentCoding::kIdentity);
  CHECK(ParseContentEncoding("GZIP") == ContentCoding::kGzip);
  CHECK(ParseContentEncoding("x-gzip") == ContentCoding::kGzip);
  CHECK(ParseContentEncoding(" deflate , identity") == ContentCoding::kDeflate);
  CHECK(ParseContentEncoding("br") == ContentCoding::kUnsupported);
  CHECK(ParseContentEncoding("zstd") == ContentCoding::kUnsupported);
  CHECK(ParseContentEncoding("gzip, gzip") == ContentCoding::kUnsupported);
}

TEST_CASE("gzip, zlib and raw deflate decode whole or byte by byte", "[fetch]") {
  const struct {
    ContentCoding coding;
    const std::string& data;
  } cases[] = {{ContentCoding::kGzip, kGzip},
               {ContentCoding::kGzip, kZlib},  // 32 + MAX_WBITS detects either wrapper.
               {ContentCoding::kDeflate, kZlib},
               {ContentCoding::kDeflate, kGzip},
               {ContentCoding::kDeflate, kRaw}};
  for (const auto& c : cases) {
    for (size_t step : {size_t{1}, size_t{2}, size_t{7}, size_t{1000}}) {
      INFO("coding " << static_cast<int>(c.coding) << " size " << c.data.size() << " step " << step);
      ContentDecoder decoder(c.coding);
      std::string out;
      CHECK(FeedAll(&decoder, c.data, step, 1 << 20, &out) == Result::kOk);
      CHECK(decoder.Complete());
      CHECK(out == Expected());
      // Trailing bytes after the end of the stream are ignored.
      CHECK(decoder.Feed("junk", 4, 1 << 20, &out) == Result::kOk);
      CHECK(out == Expected());
    }
  }
}

TEST_CASE("Truncated, corrupt and oversized streams are reported", "[fetch]") {
  for (const std::string* data : {&kGzip, &kZlib, &kRaw}) {
    for (size_t keep : {size_t{1}, size_t{2}, data->size() / 2, data->size() - 1}) {
      INFO("size " << data->size() << " keep " << keep);
      ContentDecoder decoder(ContentCoding::kDeflate);
      std::string out;
      const Result result = FeedAll(&decoder, data->substr(0, keep), 1, 1 << 20, &out);
      CHECK((result != Result::kOk || !decoder.Complete()));
    }
  }
  ContentDecoder empty(ContentCoding::kGzip);
  CHECK(empty.Complete());  // No body at all (a 304, a HEAD): nothing to decode.

  ContentDecoder plain(ContentCoding::kGzip);  // A plain body under Content-Encoding: gzip.
  std::string out;
  CHECK(FeedAll(&plain, Expected(), 1000, 1 << 20, &out) == Result::kCorrupt);
  CHECK_FALSE(plain.error().empty());

  ContentDecoder small(ContentCoding::kGzip);
  out.clear();
  CHECK(FeedAll(&small, kGzip, 1000, 100, &out) == Result::kTooLarge);
  CHECK(out.size() <= 100);
  ContentDecoder exact(ContentCoding::kGzip);
  out.clear();
  CHECK(FeedAll(&exact, kGzip, 3, Expected().size(), &out) == Result::kOk);
  CHECK(exact.Complete());
}

}  // namespace
}  // namespace medscrape

// ContentDecoder: gzip, zlib-wrapped and raw deflate, and br, fed whole and one
// byte at a time, truncation, corruption and the size cap (bombs included). The
// br data is made here with libbrotlienc (linked into this test only).
#include <brotli/encode.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>
#include <string>

#include "fetch/content_decoder.h"
#include "fetch_test_util.h"

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

// A br stream of `size` bytes: `text` repeated, or zeros when `text` is empty.
// Compressed as a stream, 1 MiB at a time, so a 100 MB bomb costs no 100 MB here.
std::string Brotli(size_t size, const std::string& text = "", int quality = 5) {
  std::unique_ptr<BrotliEncoderState, void (*)(BrotliEncoderState*)> encoder(
      BrotliEncoderCreateInstance(nullptr, nullptr, nullptr), &BrotliEncoderDestroyInstance);
  REQUIRE(encoder != nullptr);
  REQUIRE(BrotliEncoderSetParameter(encoder.get(), BROTLI_PARAM_QUALITY, quality));
  std::string block;
  if (text.empty()) {
    block.assign(std::min<size_t>(size, 1 << 20), '\0');
  } else {
    while (block.size() < std::min<size_t>(size, 1 << 20)) block += text;
  }
  std::string out;
  uint8_t buffer[64 * 1024];
  size_t left = size;
  for (;;) {
    const size_t chunk = std::min(left, block.size());
    size_t available_in = chunk;
    const auto* next_in = reinterpret_cast<const uint8_t*>(block.data());
    const BrotliEncoderOperation op =
        chunk == left ? BROTLI_OPERATION_FINISH : BROTLI_OPERATION_PROCESS;
    while (available_in > 0 || BrotliEncoderHasMoreOutput(encoder.get()) ||
           (op == BROTLI_OPERATION_FINISH && !BrotliEncoderIsFinished(encoder.get()))) {
      size_t available_out = sizeof(buffer);
      uint8_t* next_out = buffer;
      REQUIRE(BrotliEncoderCompressStream(encoder.get(), op, &available_in, &next_in,
                                          &available_out, &next_out, nullptr));
      out.append(reinterpret_cast<const char*>(buffer), sizeof(buffer) - available_out);
    }
    left -= chunk;
    if (op == BROTLI_OPERATION_FINISH) return out;
  }
}

// Feeds `data` in pieces of `step` bytes; stops at the first non-kOk result.
Result FeedAll(ContentDecoder* decoder, const std::string& data, size_t step, size_t cap,
               std::string* out) {
  for (size_t at = 0; at < data.size(); at += step) {
    const Result result =
        decoder->Feed(data.data() + at, std::min(step, data.size() - at), cap, out);
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
  CHECK(ParseContentEncoding("br") == ContentCoding::kBrotli);
  CHECK(ParseContentEncoding("identity, BR ") == ContentCoding::kBrotli);
  CHECK(ParseContentEncoding("zstd") == ContentCoding::kUnsupported);
  CHECK(ParseContentEncoding("gzip, gzip") == ContentCoding::kUnsupported);
  CHECK(ParseContentEncoding("br, gzip") == ContentCoding::kUnsupported);
  CHECK(ParseContentEncoding("brotli") == ContentCoding::kUnsupported);
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
      INFO("coding " << static_cast<int>(c.coding) << " size " << c.data.size() << " step "
                     << step);
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

TEST_CASE("br decodes whole or byte by byte", "[fetch]") {
  // Expected() (shorter than one output chunk) and 300 KB of text (many 16 KiB
  // output chunks per input byte, so NEEDS_MORE_OUTPUT is exercised).
  std::string big;
  while (big.size() < 300000) big += Expected() + std::to_string(big.size());
  std::string small = Expected();
  for (const std::string* text : {&small, &big}) {
    const std::string& expected = *text;
    const std::string data = Brotli(expected.size(), expected, 9);
    REQUIRE(data.size() < expected.size());
    for (size_t step : {size_t{1}, size_t{2}, size_t{7}, size_t{1000}, data.size()}) {
      INFO("size " << data.size() << " step " << step);
      ContentDecoder decoder(ContentCoding::kBrotli);
      CHECK(decoder.Complete());  // Nothing fed yet.
      CHECK(std::string(decoder.name()) == "br");
      std::string out;
      CHECK(FeedAll(&decoder, data, step, 1 << 20, &out) == Result::kOk);
      CHECK(decoder.Complete());
      CHECK(out == expected);
      // Bytes after the end of the stream are ignored, as for gzip.
      CHECK(decoder.Feed("junk", 4, 1 << 20, &out) == Result::kOk);
      CHECK(decoder.Complete());
      CHECK(out == expected);
    }
  }
  // Trailing bytes in the same piece as the end of the stream: ignored as well.
  ContentDecoder decoder(ContentCoding::kBrotli);
  std::string out;
  const std::string with_junk = Brotli(Expected().size(), Expected()) + "\x1f\x8b garbage";
  CHECK(decoder.Feed(with_junk.data(), with_junk.size(), 1 << 20, &out) == Result::kOk);
  CHECK(decoder.Complete());
  CHECK(out == Expected());
  // An empty br body (one byte) is complete and decodes to nothing.
  ContentDecoder empty(ContentCoding::kBrotli);
  out.clear();
  const std::string nothing = Brotli(0);
  CHECK(empty.Feed(nothing.data(), nothing.size(), 1 << 20, &out) == Result::kOk);
  CHECK(empty.Complete());
  CHECK(out.empty());
}

TEST_CASE("Truncated and corrupt br streams are reported", "[fetch]") {
  const std::string data = Brotli(Expected().size(), Expected());
  for (size_t keep : {size_t{1}, size_t{2}, data.size() / 2, data.size() - 1}) {
    for (size_t step : {size_t{1}, keep}) {
      INFO("size " << data.size() << " keep " << keep << " step " << step);
      ContentDecoder decoder(ContentCoding::kBrotli);
      std::string out;
      // A cut stream is not corrupt as far as it goes: it just never ends.
      CHECK(FeedAll(&decoder, data.substr(0, keep), step, 1 << 20, &out) == Result::kOk);
      CHECK_FALSE(decoder.Complete());
      CHECK(out.size() < Expected().size());
    }
  }
  const std::string flipped = [&] {
    std::string bytes = data;  // Like /_fault/gzip-lie?kind=corrupt: bytes flipped after 2.
    for (size_t i = 2; i < std::min<size_t>(bytes.size(), 42); ++i) bytes[i] ^= '\xa5';
    return bytes;
  }();
  for (const std::string& garbage :
       {Expected(), std::string("\xff\xff\xff\xff\xff\xff", 6), kGzip, flipped}) {
    for (size_t step : {size_t{1}, garbage.size()}) {
      INFO("garbage size " << garbage.size() << " step " << step);
      ContentDecoder decoder(ContentCoding::kBrotli);
      std::string out;
      CHECK(FeedAll(&decoder, garbage, step, 1 << 20, &out) == Result::kCorrupt);
      CHECK_FALSE(decoder.error().empty());
      CHECK_FALSE(decoder.Complete());
    }
  }
}

TEST_CASE("A br bomb stops at the cap with bounded memory", "[fetch]") {
  const std::string bomb = Brotli(size_t{100} << 20);  // 100 MiB of zeros.
  REQUIRE(bomb.size() < 20000);  // A few hundred bytes to a few KB, depending on quality.
  const size_t cap = 1 << 20;
  for (size_t step : {size_t{1}, size_t{16}, bomb.size()}) {
    INFO("bomb " << bomb.size() << " bytes, step " << step);
    const size_t rss_before = testing::PeakRssBytes();
    ContentDecoder decoder(ContentCoding::kBrotli);
    std::string out;
    CHECK(FeedAll(&decoder, bomb, step, cap, &out) == Result::kTooLarge);
    CHECK(out.size() <= cap);
    CHECK(out.size() > cap - (64 << 10));  // Filled up to the cap first.
    CHECK(out.capacity() <= 2 * cap);
    CHECK_FALSE(decoder.Complete());
    CHECK(testing::PeakRssBytes() - rss_before < (48u << 20));
  }
  // Exactly at the cap is allowed; one byte less is not.
  const std::string data = Brotli(Expected().size(), Expected());
  ContentDecoder exact(ContentCoding::kBrotli);
  std::string out;
  CHECK(FeedAll(&exact, data, 3, Expected().size(), &out) == Result::kOk);
  CHECK(exact.Complete());
  CHECK(out == Expected());
  ContentDecoder over(ContentCoding::kBrotli);
  out.clear();
  CHECK(FeedAll(&over, data, 3, Expected().size() - 1, &out) == Result::kTooLarge);
  CHECK(out.size() < Expected().size());
}

}  // namespace
}  // namespace medscrape

#include <catch2/catch.hpp>
#include <random>

#include "encoding/charset.h"
#include "encoding_test_util.h"

namespace medscrape {
namespace {

using std::string_literals::operator""s;
using testing::Repeat;

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 generator(seed);
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(generator() & 0xFF);
  return bytes;
}

// A plausible page body of `size` bytes.
std::string Html(size_t size) {
  std::string html = "<!DOCTYPE html><html><head><title>t</title></head><body>\n";
  while (html.size() < size) html += "<p class=\"x\">Some text, 一些文字.</p>\n";
  html.resize(size);
  return html;
}

TEST_CASE("SniffBinary names formats by magic number", "[encoding][sniff]") {
  const std::string tail = RandomBytes(64, 1);
  const std::pair<std::string, const char*> cases[] = {
      {"\x89PNG\r\n\x1A\n"s, "PNG image"},
      {"GIF89a"s, "GIF image"},
      {"GIF87a"s, "GIF image"},
      {"\xFF\xD8\xFF\xE0"s, "JPEG image"},
      {"%PDF-1.7\n"s, "PDF document"},
      {"PK\x03\x04"s, "ZIP archive"},  // Also .docx, .xlsx, .jar.
      {"\x1F\x8B\x08"s, "gzip data"},
      {"BZh91AY&SY"s, "bzip2 data"},
      {"\xFD"
       "7zXZ\x00"s,
       "xz data"},
      {"7z\xBC\xAF\x27\x1C"s, "7z archive"},
      {"RIFF\x10\x00\x00\x00WEBPVP8 "s, "WebP image"},
      {"RIFF\x10\x00\x00\x00WAVEfmt "s, "WAV audio"},
      {"\x7F"
       "ELF\x02\x01\x01"s,
       "ELF executable"},
      {"\xCF\xFA\xED\xFE"s, "Mach-O executable"},
      {"wOFF"s, "WOFF font"},
      {"wOF2"s, "WOFF2 font"},
      {"\x00\x00\x00\x20"
       "ftypisom"s,
       "MP4 video"},
      {"OggS\x00\x02"s, "Ogg media"},
      {"\x00"
       "asm\x01\x00\x00\x00"s,
       "WebAssembly module"},
      {"SQLite format 3\x00"s, "SQLite database"},
  };
  for (const auto& [magic, name] : cases) {
    INFO("expected " << name);
    CHECK(SniffBinary(magic + tail) == std::optional<std::string>(name));
    CHECK(SniffBinary(magic) == std::optional<std::string>(name));
  }
}

TEST_CASE("SniffBinary calls random bytes binary data", "[encoding][sniff]") {
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    INFO("seed " << seed);
    std::string bytes = RandomBytes(8192, seed);
    bytes[0] = 'x';  // No magic number by chance.
    CHECK(SniffBinary(bytes) == std::optional<std::string>("binary data"));
  }
}

TEST_CASE("SniffBinary leaves text alone", "[encoding][sniff]") {
  CHECK_FALSE(SniffBinary(""));
  CHECK_FALSE(SniffBinary("<html></html>"));
  CHECK_FALSE(SniffBinary(Html(20000)));
  CHECK_FALSE(SniffBinary(testing::ReadFixture("fixtures/xywy/xywy-reference.html")));
  CHECK_FALSE(SniffBinary(testing::ReadFixture("fixtures/mfk/mfk-ask-reference.html")));
  CHECK_FALSE(SniffBinary(testing::Encode(Repeat("<p>一些文字.</p>\n", 300), "GB18030")));
  // ISO-2022-JP text is full of ESC; tabs, CR and form feeds are text too.
  CHECK_FALSE(
      SniffBinary(testing::Encode(Repeat("日本語のテキスト。\r\n\t\f", 200), "ISO-2022-JP")));
  // UTF-16 is half NUL bytes, but its BOM says it is text.
  const std::string page = Repeat("<p>Some text, 一些文字.</p>\n", 100);
  CHECK_FALSE(SniffBinary("\xFF\xFE"s + testing::Encode(page, "UTF-16LE")));
  CHECK_FALSE(SniffBinary("\xFE\xFF"s + testing::Encode(page, "UTF-16BE")));
}

TEST_CASE("SniffBinary tolerates a few stray NULs but not many", "[encoding][sniff]") {
  std::string html = Html(4096);
  html[0] = '\0';  // Even at the very start.
  html[100] = '\0';
  html[2000] = '\x01';
  CHECK_FALSE(SniffBinary(html));
  // 4% of the window: still text.
  std::string four_percent = Html(4096);
  for (size_t i = 0; i < 163; ++i) four_percent[i * 25] = '\0';
  CHECK_FALSE(SniffBinary(four_percent));
  // 6% of the window: binary.
  std::string six_percent = Html(4096);
  for (size_t i = 0; i < 246; ++i) six_percent[i * 16] = '\0';
  CHECK(SniffBinary(six_percent) == std::optional<std::string>("binary data"));
  // Only the first 4 KB count: NULs far into a page do not make it binary.
  std::string late_nuls = Html(100000);
  for (size_t i = 50000; i < 60000; ++i) late_nuls[i] = '\0';
  CHECK_FALSE(SniffBinary(late_nuls));
  // UTF-16 without a BOM is indistinguishable from binary here.
  CHECK(SniffBinary(testing::Encode(Repeat("<p>Some text.</p>\n", 100), "UTF-16LE")) ==
        std::optional<std::string>("binary data"));
}

}  // namespace
}  // namespace medscrape

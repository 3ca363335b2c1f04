// DecodeToUtf8 repairs what cannot be decoded: content faults C5 and C13 of
// docs/reliability.md, and the guarantee of clean UTF-8 output whatever the input.
#include <catch2/catch.hpp>
#include <random>

#include "encoding/charset.h"
#include "encoding_test_util.h"

namespace medscrape {
namespace {

using std::string_literals::operator""s;
using testing::Ask120;
using testing::ChinesePage;
using testing::Decode;
using testing::Encode;
using testing::HasWarning;
using testing::IsCleanUtf8;
using testing::Repeat;

TEST_CASE("Declared UTF-8 tolerates stray invalid bytes (C5)", "[encoding][decode]") {
  DecodeOptions header;
  header.header_charset = "UTF-8";
  std::string page = Ask120();
  // Inserted before a tag, so no existing character is split.
  auto insert_near = [&page](size_t at, const char* bytes) {
    page.insert(page.find('<', at), bytes);
  };
  insert_near(page.size() / 2, "\xFF");
  insert_near(page.size() / 3, "\xE4\xB8");
  const DecodedText few = Decode(page, header);
  CHECK(few.charset == "UTF-8");
  CHECK(few.source == CharsetSource::kHeader);
  CHECK(few.warnings == std::vector<std::string>{"charset: 2 invalid byte sequences replaced"});

  // Many bad bytes, but detection still reads UTF-8: the declaration stands.
  for (int i = 1; i <= 40; ++i) insert_near(page.size() * i / 41, "\xFF");
  const DecodedText many = Decode(page, header);
  CHECK(many.charset == "UTF-8");
  CHECK(many.source == CharsetSource::kHeader);
  CHECK(HasWarning(many, "charset: 42 invalid byte sequences replaced"));
  CHECK_FALSE(HasWarning(many, "charset: declared UTF-8 but bytes are not UTF-8"));
}

TEST_CASE("Invalid UTF-8 becomes U+FFFD per maximal subpart (C5)", "[encoding][decode]") {
  DecodeOptions utf8;
  utf8.forced_charset = "utf-8";
  const std::string fffd = "\xEF\xBF\xBD";
  // Unicode 3.9, Tables 3-8 to 3-11.
  const std::pair<std::string, std::string> cases[] = {
      {"a\x80"
       "b",
       "a" + fffd + "b"},
      {"\xC0\xAF", fffd + fffd},
      {"\xE0\x80\xBF", fffd + fffd + fffd},
      {"\xED\xA0\x80", fffd + fffd + fffd},   // Surrogate.
      {"\xF4\x90\x80\x80", Repeat(fffd, 4)},  // Above U+10FFFF.
      {"\xF0\x80\x80\x41", fffd + fffd + fffd + "A"},
      {"\xE1\x80\xE2\xF0\x91\x92\xF1\xBF\x41", Repeat(fffd, 4) + "A"},
      {"\x61\xF1\x80\x80\xE1\x80\xC2\x62\x80\x63\x80\xBF\x64",
       "a" + fffd + fffd + fffd + "b" + fffd + "c" + fffd + fffd + "d"},
      {"end\xE4\xB8", "end" + fffd},  // Cut mid-character.
      {"\xFE\xFF\xF5", Repeat(fffd, 3)},
  };
  for (const auto& [input, expected] : cases) {
    const DecodedText decoded = Decode(input, utf8);
    CHECK(decoded.utf8 == expected);
  }
  const DecodedText counted = Decode(
      "a\x80"
      "b\xE4\xB8"
      "c\xF0\x9F\x98",
      utf8);
  CHECK(counted.warnings == std::vector<std::string>{"charset: 3 invalid byte sequences replaced"});
}

TEST_CASE("NUL bytes are dropped with a warning, never U+FFFD (C13)", "[encoding][decode]") {
  const DecodedText utf8 = Decode("<p>a\0b</p>"s);
  CHECK(utf8.utf8 == "<p>ab</p>");
  CHECK(utf8.warnings == std::vector<std::string>{"input contains NUL bytes"});

  const std::string gbk = Encode("<meta charset=gbk><p>老人</p>", "GBK");
  const DecodedText legacy = Decode(gbk.substr(0, 20) + "\0"s + gbk.substr(20));
  CHECK(legacy.charset == "GB18030");
  CHECK(IsCleanUtf8(legacy.utf8));
  CHECK(legacy.warnings == std::vector<std::string>{"input contains NUL bytes"});

  const DecodedText utf16 = Decode("\xFF\xFE"s + Encode("a", "UTF-16LE") + "\0\0"s);
  CHECK(utf16.utf8 == "a");
  CHECK(HasWarning(utf16, "input contains NUL bytes"));
}

TEST_CASE("Legacy decoders replace bad sequences and never stall", "[encoding][decode]") {
  DecodeOptions gbk;
  gbk.forced_charset = "gbk";
  const std::string good = Encode("老人", "GBK");
  // A lead byte followed by an invalid trail, then a truncated character.
  const DecodedText decoded = Decode(good + "\x81\x20" + good + "\xB0"s, gbk);
  CHECK(decoded.utf8 == "老人\xEF\xBF\xBD 老人\xEF\xBF\xBD");
  CHECK(decoded.warnings == std::vector<std::string>{"charset: 2 invalid byte sequences replaced"});

  DecodeOptions jis;
  jis.forced_charset = "iso-2022-jp";
  const std::string japanese = "日本語のテキスト";
  CHECK(Decode(Encode(japanese, "ISO-2022-JP"), jis).utf8 == japanese);
  const DecodedText truncated = Decode(Encode(japanese, "ISO-2022-JP").substr(0, 7), jis);
  CHECK(IsCleanUtf8(truncated.utf8));
}

TEST_CASE("Output is always valid UTF-8 without NUL", "[encoding][decode]") {
  std::mt19937 generator(7);
  const char* const forced[] = {"",          "utf-8",       "gbk",          "big5",
                                "shift_jis", "euc-kr",      "euc-jp",       "utf-16le",
                                "utf-16be",  "iso-2022-jp", "windows-1252", "koi8-r"};
  for (int round = 0; round < 300; ++round) {
    std::string bytes(generator() % 3000, '\0');
    for (char& byte : bytes) byte = static_cast<char>(generator() & 0xFF);
    DecodeOptions options;
    options.forced_charset = forced[round % (sizeof(forced) / sizeof(forced[0]))];
    if (round % 5 == 0) options.header_charset = "utf-8";
    const DecodedText decoded = Decode(bytes, options);
    INFO("round " << round << " forced '" << options.forced_charset << "'");
    CHECK(IsCleanUtf8(decoded.utf8));
  }
}

TEST_CASE("Large pages decode on the hot path and by iconv", "[encoding][decode]") {
  const std::string utf8 = Repeat(ChinesePage("<meta charset=utf-8>"), 4000);  // ~4.8 MB
  const DecodedText fast = Decode(utf8);
  CHECK(fast.source == CharsetSource::kMeta);
  CHECK(fast.utf8 == utf8);
  const DecodedText legacy = Decode(Encode(utf8, "GB18030"), DecodeOptions{"gbk", ""});
  CHECK(legacy.utf8 == utf8);
}

}  // namespace
}  // namespace medscrape

// DecodeToUtf8: the order of evidence and the content faults C1-C4 and C6 of
// docs/reliability.md.
#include <catch2/catch.hpp>

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
using testing::kXywyMeta;
using testing::kXywyTitle;
using testing::Repeat;
using testing::Replace;
using testing::Xywy;

TEST_CASE("xywy reference decodes as GB18030 from its gb2312 meta", "[encoding][decode]") {
  const DecodedText decoded = Decode(Xywy());
  CHECK(decoded.charset == "GB18030");
  CHECK(decoded.source == CharsetSource::kMeta);
  CHECK(decoded.warnings.empty());
  CHECK(decoded.utf8.find(kXywyTitle) != std::string::npos);
  CHECK(IsCleanUtf8(decoded.utf8));
}

TEST_CASE("GBK page without a declaration is detected (C1)", "[encoding][decode]") {
  const std::string undeclared = Replace(Xywy(), kXywyMeta, "");
  const DecodedText decoded = Decode(undeclared);
  CHECK(decoded.charset == "GB18030");
  CHECK(decoded.source == CharsetSource::kDetected);
  CHECK(decoded.warnings.empty());
  CHECK(decoded.utf8 == Replace(Decode(Xywy()).utf8, kXywyMeta, ""));

  // Detection skips a long ASCII prefix such as inline CSS: 100 KB of it
  // would otherwise fill uchardet's whole window.
  const std::string padded =
      Replace(undeclared, "<style>", "<style>" + Repeat(".a{color:red}\n", 8000));
  const DecodedText padded_decoded = Decode(padded);
  CHECK(padded_decoded.charset == "GB18030");
  CHECK(padded_decoded.utf8.find(kXywyTitle) != std::string::npos);
}

TEST_CASE("Detection reads 64 KB when the first 16 KB hold little non-ASCII",
          "[encoding][decode]") {
  // One GBK character, 20 KB of ASCII markup, then the Chinese text: a 16 KB window would
  // see two non-ASCII bytes; the whole 64 KB one sees the text.
  const std::string text =
      Encode(Repeat("腰肌劳损和腰椎间盘突出怎么区分？母亲半年来总说耳朵里嗡嗡响。", 40), "GBK");
  const std::string page = "<html><head><title>" + Encode("病", "GBK") + "</title>" +
                           Repeat("<link rel=stylesheet href=/a.css>\n", 600) + "</head><body><p>" +
                           text + "</p></body></html>";
  const DecodedText decoded = Decode(page);
  CHECK(decoded.charset == "GB18030");
  CHECK(decoded.source == CharsetSource::kDetected);
  CHECK(decoded.utf8.find("耳朵里嗡嗡响") != std::string::npos);
}

TEST_CASE("Header says UTF-8 but the body is GBK (C2)", "[encoding][decode]") {
  DecodeOptions options;
  options.header_charset = "utf-8";
  const DecodedText decoded = Decode(Xywy(), options);
  CHECK(decoded.charset == "GB18030");
  CHECK(decoded.source == CharsetSource::kDetected);
  CHECK(HasWarning(decoded, "charset: declared UTF-8 but bytes are not UTF-8"));
  CHECK(decoded.utf8.find(kXywyTitle) != std::string::npos);

  const std::string gbk_meta_utf8 = Encode(ChinesePage("<meta charset=\"utf-8\">"), "GBK");
  const DecodedText from_meta = Decode(gbk_meta_utf8);
  CHECK(from_meta.charset == "GB18030");
  CHECK(from_meta.source == CharsetSource::kDetected);
  CHECK(from_meta.utf8 == ChinesePage("<meta charset=\"utf-8\">"));
}

TEST_CASE("Meta says gb2312 but the body is UTF-8 (C2 reversed)", "[encoding][decode]") {
  const std::string page =
      Replace(Ask120(), "<meta charset=\"utf-8\">", "<meta charset=\"gb2312\">");
  const DecodedText decoded = Decode(page);
  CHECK(decoded.charset == "UTF-8");
  CHECK(decoded.source == CharsetSource::kDetected);
  CHECK(HasWarning(decoded, "charset: declared GB18030 but bytes are UTF-8"));
  CHECK(decoded.utf8 == page);

  DecodeOptions gbk_header;
  gbk_header.header_charset = "GBK";
  CHECK(Decode(Ask120(), gbk_header).charset == "UTF-8");

  // One character is enough when the GB18030 decoder chokes on it: as
  // GB18030, E4 B8 AD + '<' leaves AD 3C, which is invalid.
  const DecodedText short_page = Decode("<meta charset=gb2312><p>中</p>");
  CHECK(short_page.charset == "UTF-8");
  CHECK(short_page.utf8 == "<meta charset=gb2312><p>中</p>");

  // Two characters that also read as valid GB18030 are too little evidence:
  // the declaration stands.
  const DecodedText ambiguous = Decode("<meta charset=gb2312><p>中文</p>");
  CHECK(ambiguous.charset == "GB18030");
  CHECK(ambiguous.source == CharsetSource::kMeta);
}

TEST_CASE("gb2312 label with GBK-only characters decodes them (C3)", "[encoding][decode]") {
  const std::string text = "<p>朱镕基 啰嗦 瑄 老人经常腿抽筋</p>";
  const std::string bytes = Encode("<meta charset=\"gb2312\">" + text, "GBK");
  // The trap: glibc's GB2312 converter rejects these characters.
  CHECK_THROWS(Encode(text, "GB2312"));
  const DecodedText decoded = Decode(bytes);
  CHECK(decoded.charset == "GB18030");
  CHECK(decoded.source == CharsetSource::kMeta);
  CHECK(decoded.warnings.empty());
  CHECK(decoded.utf8 == "<meta charset=\"gb2312\">" + text);

  DecodeOptions header;
  header.header_charset = "gb2312";
  CHECK(Decode(Encode(text, "GBK"), header).utf8 == text);
}

TEST_CASE("Garbage and unknown labels (C4)", "[encoding][decode]") {
  const DecodedText gbk2312 = Decode(Encode(ChinesePage("<meta charset=gbk2312>"), "GBK"));
  CHECK(gbk2312.charset == "GB18030");
  CHECK(gbk2312.source == CharsetSource::kMeta);
  CHECK(gbk2312.warnings.empty());

  DecodeOptions utf8mb4;
  utf8mb4.header_charset = "utf8mb4";
  const DecodedText from_header = Decode(ChinesePage(""), utf8mb4);
  CHECK(from_header.charset == "UTF-8");
  CHECK(from_header.source == CharsetSource::kHeader);
  CHECK(from_header.warnings.empty());

  // Empty header: ignored silently, the meta decides.
  DecodeOptions empty;
  const DecodedText meta = Decode(Xywy(), empty);
  CHECK(meta.source == CharsetSource::kMeta);
  CHECK(meta.warnings.empty());

  DecodeOptions bogus;
  bogus.header_charset = "bogus";
  const DecodedText after_bogus = Decode(Xywy(), bogus);
  CHECK(after_bogus.charset == "GB18030");
  CHECK(after_bogus.source == CharsetSource::kMeta);
  CHECK(after_bogus.warnings == std::vector<std::string>{"charset: unknown label 'bogus' ignored"});

  const DecodedText bogus_meta = Decode("<meta charset=\"x-bogus\"><p>plain</p>");
  CHECK(bogus_meta.charset == "UTF-8");
  CHECK(bogus_meta.source == CharsetSource::kDefault);
  CHECK(HasWarning(bogus_meta, "charset: unknown label 'x-bogus' ignored"));

  // Labels are quoted in warnings as short printable ASCII.
  DecodeOptions hostile;
  hostile.header_charset = "\xE4\xB8\n\x01" + Repeat("x", 100);
  const DecodedText quoted = Decode("<p>plain</p>", hostile);
  REQUIRE(quoted.warnings.size() == 1);
  CHECK(quoted.warnings[0] == "charset: unknown label '????" + Repeat("x", 36) + "...' ignored");
}

TEST_CASE("A forced charset beats every other piece of evidence", "[encoding][decode]") {
  DecodeOptions options;
  options.forced_charset = "GBK";
  options.header_charset = "utf-8";
  const std::string page = "\xEF\xBB\xBF"s + Encode(ChinesePage("<meta charset=big5>"), "GBK");
  const DecodedText decoded = Decode(page, options);
  CHECK(decoded.charset == "GB18030");
  CHECK(decoded.source == CharsetSource::kForced);
  // The UTF-8 BOM bytes mean nothing in GB18030: they become one U+FFFD.
  CHECK(decoded.utf8.find(kXywyTitle) != std::string::npos);

  // Forced UTF-8 is never second-guessed, even on GBK bytes.
  DecodeOptions forced_utf8;
  forced_utf8.forced_charset = "utf8";
  const DecodedText mangled = Decode(Xywy(), forced_utf8);
  CHECK(mangled.charset == "UTF-8");
  CHECK(mangled.source == CharsetSource::kForced);
  CHECK(IsCleanUtf8(mangled.utf8));
  CHECK(mangled.warnings.size() == 1);

  DecodeOptions unknown;
  unknown.forced_charset = "xyz";
  const Result<DecodedText> failed = DecodeToUtf8("<p>x</p>", unknown);
  REQUIRE_FALSE(failed.ok());
  CHECK(failed.status().message() == "unknown charset 'xyz'");
}

TEST_CASE("A BOM beats header and meta, and is stripped (C6)", "[encoding][decode]") {
  DecodeOptions header;
  header.header_charset = "gbk";
  const std::string body = ChinesePage("<meta charset=\"gb2312\">");

  const DecodedText utf8 = Decode("\xEF\xBB\xBF"s + body, header);
  CHECK(utf8.charset == "UTF-8");
  CHECK(utf8.source == CharsetSource::kBom);
  CHECK(utf8.utf8 == body);

  const DecodedText le = Decode("\xFF\xFE"s + Encode(body, "UTF-16LE"), header);
  CHECK(le.charset == "UTF-16LE");
  CHECK(le.source == CharsetSource::kBom);
  CHECK(le.utf8 == body);
  CHECK(le.warnings.empty());

  const DecodedText be = Decode("\xFE\xFF"s + Encode(body, "UTF-16BE"));
  CHECK(be.charset == "UTF-16BE");
  CHECK(be.utf8 == body);

  // Odd length and a lone surrogate: replaced, never misaligned afterwards.
  const std::string broken =
      "\xFF\xFE"s + Encode("<p>", "UTF-16LE") + "\x00\xD8"s + Encode("中文</p>", "UTF-16LE") + "x";
  const DecodedText repaired = Decode(broken);
  CHECK(repaired.utf8 == "<p>\xEF\xBF\xBD中文</p>\xEF\xBF\xBD");
  CHECK(HasWarning(repaired, "charset: 2 invalid byte sequences replaced"));
}

TEST_CASE("Meta after byte 1024 or inside a comment is not seen (C6)", "[encoding][decode]") {
  const std::string late =
      "<html><head>" + Repeat("<!-- padding -->", 80) + "<meta charset=\"big5\"><p>plain</p>";
  const DecodedText decoded = Decode(late);
  CHECK(decoded.charset == "UTF-8");
  CHECK(decoded.source == CharsetSource::kDefault);

  const DecodedText commented = Decode("<!-- <meta charset=\"big5\"> --><p>plain</p>");
  CHECK(commented.source == CharsetSource::kDefault);

  // With the GBK page, a meta beyond 1024 bytes leaves the work to detection.
  const std::string gbk_late =
      Encode(ChinesePage(Repeat("<!-- padding -->", 80) + "<meta charset=\"big5\">"), "GBK");
  const DecodedText detected = Decode(gbk_late);
  CHECK(detected.charset == "GB18030");
  CHECK(detected.source == CharsetSource::kDetected);
}

TEST_CASE("Pure ASCII is UTF-8 by default, valid UTF-8 is detected", "[encoding][decode]") {
  const DecodedText ascii = Decode("<html><p>hello</p></html>");
  CHECK(ascii.charset == "UTF-8");
  CHECK(ascii.source == CharsetSource::kDefault);
  CHECK(ascii.warnings.empty());
  const DecodedText empty = Decode("");
  CHECK(empty.utf8.empty());
  CHECK(empty.source == CharsetSource::kDefault);
  const DecodedText utf8 = Decode(ChinesePage(""));
  CHECK(utf8.charset == "UTF-8");
  CHECK(utf8.source == CharsetSource::kDetected);
  CHECK(utf8.utf8 == ChinesePage(""));
}

}  // namespace
}  // namespace medscrape

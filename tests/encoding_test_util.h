// Helpers shared by the encoding tests. The UTF-8 validator is written
// independently of src/encoding/utf8.cc, by decoding code points.
#ifndef MEDSCRAPE_TESTS_ENCODING_TEST_UTIL_H_
#define MEDSCRAPE_TESTS_ENCODING_TEST_UTIL_H_

#include <errno.h>
#include <iconv.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "encoding/charset.h"
#include "fixture_util.h"

namespace medscrape::testing {

// Strict UTF-8: no overlongs, no surrogates, nothing above U+10FFFF.
inline bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    size_t length = 0;
    uint32_t code_point = 0;
    uint32_t minimum = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F, minimum = 0x80;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F, minimum = 0x800;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07, minimum = 0x10000;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    if (code_point < minimum || code_point > 0x10FFFF) return false;
    if (code_point >= 0xD800 && code_point <= 0xDFFF) return false;
    i += length;
  }
  return true;
}

// What every decode must produce, whatever the input.
inline bool IsCleanUtf8(std::string_view text) {
  return IsValidUtf8(text) && text.find('\0') == std::string_view::npos;
}

// Converts UTF-8 test text into `charset` with iconv; throws if it cannot.
inline std::string Encode(std::string_view utf8, const char* charset) {
  iconv_t cd = iconv_open(charset, "UTF-8");
  if (cd == reinterpret_cast<iconv_t>(-1)) throw std::runtime_error("no converter");
  std::string out(utf8.size() * 4 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t in_left = utf8.size();
  char* cursor = out.data();
  size_t out_left = out.size();
  const size_t rc = iconv(cd, &in, &in_left, &cursor, &out_left);
  iconv_close(cd);
  if (rc == static_cast<size_t>(-1)) throw std::runtime_error("cannot encode test text");
  out.resize(out.size() - out_left);
  return out;
}

// Decodes and fails the test (by throwing) on an error status.
inline DecodedText Decode(std::string_view raw, const DecodeOptions& options = {}) {
  Result<DecodedText> result = DecodeToUtf8(raw, options);
  if (!result.ok()) throw std::runtime_error(result.status().message());
  return std::move(result).value();
}

inline bool HasWarning(const DecodedText& decoded, std::string_view warning) {
  return std::find(decoded.warnings.begin(), decoded.warnings.end(), warning) !=
         decoded.warnings.end();
}

inline std::string Repeat(std::string_view text, size_t times) {
  std::string out;
  out.reserve(text.size() * times);
  for (size_t i = 0; i < times; ++i) out.append(text);
  return out;
}

inline std::string Replace(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("text to replace not found");
  return text.replace(at, from.size(), to);
}

// The reference pages: xywy is GBK declared gb2312, 120ask is UTF-8.
constexpr char kXywyMeta[] =
    "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\" />";
constexpr char kXywyTitle[] = "老人经常腿抽筋怎么办";

inline const std::string& Xywy() {
  static const std::string* const kBytes =
      new std::string(ReadFixture("fixtures/xywy/xywy-reference.html"));
  return *kBytes;
}

inline const std::string& Ask120() {
  static const std::string* const kBytes =
      new std::string(ReadFixture("fixtures/120ask/120ask-reference.html"));
  return *kBytes;
}

// A Chinese page of roughly `paragraphs` paragraphs, with `head` inside <head>.
inline std::string ChinesePage(const std::string& head, int paragraphs = 20) {
  std::string page =
      "<!DOCTYPE html><html><head>" + head + "<title>" + kXywyTitle + "</title></head><body>\n";
  for (int i = 0; i < paragraphs; ++i) {
    page +=
        "<p>医生您好，我父亲今年七十岁，最近晚上睡觉经常腿抽筋，疼得睡不着。请问应该怎么办？</p>\n";
  }
  return page + "</body></html>\n";
}

}  // namespace medscrape::testing

#endif  // MEDSCRAPE_TESTS_ENCODING_TEST_UTIL_H_

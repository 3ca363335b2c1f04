// Turns the raw bytes of a page into valid UTF-8.
//
// Order of evidence (first that applies wins):
//   forced (--charset) > BOM > header charset (Content-Type) > <meta> found by the
//   WHATWG prescan > detection (uchardet) > UTF-8 default.
// A declared UTF-8 that the bytes contradict is not trusted: detection decides.
// gb2312/gbk/x-gbk labels decode as GB18030 (glibc's GB2312 rejects GBK-only
// characters). Invalid sequences become U+FFFD and NUL bytes are dropped, so the
// output is always valid UTF-8 without NUL.
//
// Thread-safety: all functions are reentrant.
#ifndef MEDSCRAPE_ENCODING_CHARSET_H_
#define MEDSCRAPE_ENCODING_CHARSET_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace medscrape {

enum class CharsetSource { kBom, kHeader, kMeta, kDetected, kForced, kDefault };

// "bom", "header", "meta", "detected", "forced", "default".
const char* CharsetSourceName(CharsetSource source);

struct DecodeOptions {
  std::string forced_charset;  // --charset; empty: not forced.
  std::string header_charset;  // charset= of an HTTP Content-Type; empty: none.
};

struct DecodedText {
  std::string utf8;     // Valid UTF-8, no NUL bytes, BOM removed.
  std::string charset;  // Canonical name of the decoder used: "UTF-8", "GB18030", "UTF-16LE", ...
  CharsetSource source = CharsetSource::kDefault;
  // Human-readable notes for the record's warnings, e.g.
  // "charset: declared UTF-8 but bytes are not UTF-8", "charset: 3 invalid byte sequences
  // replaced", "input contains NUL bytes".
  std::vector<std::string> warnings;
};

// Fails only for an unknown forced charset ("unknown charset 'xyz'").
// Unknown declared labels (header or meta) are ignored with a warning.
Result<DecodedText> DecodeToUtf8(std::string_view raw, const DecodeOptions& options);

// Canonical decoder name for an encoding label ("gb2312" -> "GB18030",
// "utf8" -> "UTF-8", "latin1" -> "windows-1252"), or nullopt when unknown.
// Labels follow the WHATWG Encoding Standard, plus common garbage such as
// "utf8mb4" and "gbk2312".
std::optional<std::string> CanonicalCharset(std::string_view label);

// WHATWG "prescan a byte stream to determine its encoding" over the first 1024
// bytes: <meta charset> and <meta http-equiv content="...charset=">, skipping
// comments. Returns the label as written (not canonicalised), or nullopt.
std::optional<std::string> PrescanMetaCharset(std::string_view raw);

// Returns a short description ("PNG image", "ZIP archive", "binary data") when the
// bytes are clearly not text, so the HTML parser is never run on them.
std::optional<std::string> SniffBinary(std::string_view raw);

}  // namespace medscrape

#endif  // MEDSCRAPE_ENCODING_CHARSET_H_

// UTF-8 validation and repair: the hot path for most pages, so no iconv here.
// Internal to the encoding layer.
#ifndef MEDSCRAPE_ENCODING_UTF8_H_
#define MEDSCRAPE_ENCODING_UTF8_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace medscrape {

struct Utf8Scan {
  size_t invalid_sequences = 0;  // Each replaced by one U+FFFD (maximal-subpart rule).
  size_t nul_bytes = 0;          // Each dropped; not counted as invalid.
  size_t non_ascii_bytes = 0;    // Bytes >= 0x80, valid or not.
  size_t multibyte_chars = 0;    // Valid sequences of 2-4 bytes.
};

// Scans `in` in one pass. When `out` is non-null it receives `in` with every
// invalid sequence replaced by U+FFFD (EF BF BD) and every NUL dropped, so *out
// is valid UTF-8 without NUL, and U+FFFD in it only ever marks bytes that could
// not be decoded (a NUL is markup noise, never text); valid input is copied with
// a single append.
Utf8Scan ScanUtf8(std::string_view in, std::string* out);

}  // namespace medscrape

#endif  // MEDSCRAPE_ENCODING_UTF8_H_

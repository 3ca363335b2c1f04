#include "encoding/utf8.h"

#include <cstdint>
#include <cstring>

namespace medscrape {
namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ULL;
constexpr uint64_t kLowBits = 0x0101010101010101ULL;
constexpr char kReplacement[] = "\xEF\xBF\xBD";
constexpr size_t kReplacementSize = 3;

// True when all 8 bytes at p are ASCII and none is NUL: the common case that
// lets the scan skip a word at a time.
inline bool PlainAsciiWord(const unsigned char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof(word));
  const uint64_t has_zero = (word - kLowBits) & ~word & kHighBits;
  return ((word & kHighBits) | has_zero) == 0;
}

bool IsContinuation(unsigned char byte) { return (byte & 0xC0) == 0x80; }

// Validates the sequence whose lead byte (>= 0x80) is at p, with `available`
// bytes left. Returns its length (2-4) when valid; otherwise returns 0 and sets
// *subpart to the length of its maximal subpart (Unicode 3.9, Table 3-7): the
// lead plus the continuation bytes that were still acceptable, at least 1.
// Unrolled per length because CJK pages spend most of their time here.
inline size_t ValidSequenceLength(const unsigned char* p, size_t available, size_t* subpart) {
  const unsigned char lead = p[0];
  *subpart = 1;
  if (lead < 0xC2) return 0;  // Continuation byte or overlong 2-byte lead.
  if (lead < 0xE0) return available >= 2 && IsContinuation(p[1]) ? 2 : 0;
  if (lead < 0xF0) {
    // E0 would be overlong below A0; ED would be a surrogate from A0.
    const unsigned char low = lead == 0xE0 ? 0xA0 : 0x80;
    const unsigned char high = lead == 0xED ? 0x9F : 0xBF;
    if (available < 2 || p[1] < low || p[1] > high) return 0;
    *subpart = 2;
    return available >= 3 && IsContinuation(p[2]) ? 3 : 0;
  }
  if (lead < 0xF5) {
    // F0 would be overlong below 90; F4 would pass U+10FFFF from 90.
    const unsigned char low = lead == 0xF0 ? 0x90 : 0x80;
    const unsigned char high = lead == 0xF4 ? 0x8F : 0xBF;
    if (available < 2 || p[1] < low || p[1] > high) return 0;
    *subpart = 2;
    if (available < 3 || !IsContinuation(p[2])) return 0;
    *subpart = 3;
    return available >= 4 && IsContinuation(p[3]) ? 4 : 0;
  }
  return 0;
}

}  // namespace

Utf8Scan ScanUtf8(std::string_view in, std::string* out) {
  Utf8Scan scan;
  const auto* bytes = reinterpret_cast<const unsigned char*>(in.data());
  const size_t size = in.size();
  size_t i = 0;
  size_t pending = 0;  // Start of the valid bytes not yet appended to *out.
  // Skips `length` bytes at i, writing U+FFFD in their place or, for a NUL, nothing.
  auto replace = [&](size_t length, bool with_replacement = true) {
    if (out != nullptr) {
      out->append(in.data() + pending, i - pending);
      if (with_replacement) out->append(kReplacement, kReplacementSize);
    }
    i += length;
    pending = i;
  };
  if (out != nullptr) out->clear();

  while (i < size) {
    const unsigned char byte = bytes[i];
    if (byte < 0x80) {
      // An ASCII run: skip it a word at a time. CJK text rarely gets here,
      // so it does not pay for the word checks.
      while (i + 16 <= size && PlainAsciiWord(bytes + i) && PlainAsciiWord(bytes + i + 8)) i += 16;
      while (i < size && bytes[i] < 0x80) {
        if (bytes[i] == 0) {
          ++scan.nul_bytes;
          replace(1, /*with_replacement=*/false);
        } else {
          ++i;
        }
      }
      continue;
    }
    size_t subpart = 0;
    const size_t length = ValidSequenceLength(bytes + i, size - i, &subpart);
    if (length != 0) {
      scan.non_ascii_bytes += length;
      ++scan.multibyte_chars;
      i += length;
    } else {
      scan.non_ascii_bytes += subpart;  // A subpart holds only bytes >= 0x80.
      ++scan.invalid_sequences;
      replace(subpart);
    }
  }
  if (out != nullptr) out->append(in.data() + pending, size - pending);
  return scan;
}

}  // namespace medscrape

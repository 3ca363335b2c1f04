// The project's one definition of white space.
//
// ASCII white space is HTML's (and CSS's): TAB, LF, FF, CR and SPACE. VT is not
// (HTML leaves it out; the input cleaner removes it with the other control
// characters before any text is read). Protocols keep their own narrower rules
// where a standard says so: HTTP's OWS is SP and HTAB only (fetch/, retry_after.cc),
// robots.txt's is RFC 9309's (robots.cc).
//
// Unicode white space is Unicode's White_Space property as it can reach our text:
// the ASCII set above, U+00A0, U+1680, U+2000-U+200A, U+2028, U+2029, U+202F,
// U+205F and U+3000. Not VT or U+0085 (the input cleaner turns NEL into a line
// break), and not the zero-width characters (U+200B, U+FEFF: no White_Space, and
// the cleaner drops them).
#ifndef MEDSCRAPE_BASE_SPACE_H_
#define MEDSCRAPE_BASE_SPACE_H_

#include <cstddef>
#include <string_view>

namespace medscrape {

inline constexpr std::string_view kAsciiSpaces = " \t\n\f\r";

constexpr bool IsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

namespace space_internal {
// The multi-byte white space characters, by their UTF-8 bytes; a byte past the
// end of the text is passed as 0 (which no sequence continues with).
constexpr size_t WideSpaceLength(unsigned char b0, unsigned char b1, unsigned char b2) {
  switch (b0) {
    case 0xC2:
      return b1 == 0xA0 ? 2 : 0;  // U+00A0
    case 0xE1:
      return b1 == 0x9A && b2 == 0x80 ? 3 : 0;  // U+1680
    case 0xE2:
      if (b1 == 0x80) {  // U+2000-U+200A, U+2028, U+2029, U+202F
        return (b2 >= 0x80 && b2 <= 0x8A) || b2 == 0xA8 || b2 == 0xA9 || b2 == 0xAF ? 3 : 0;
      }
      return b1 == 0x81 && b2 == 0x9F ? 3 : 0;  // U+205F
    case 0xE3:
      return b1 == 0x80 && b2 == 0x80 ? 3 : 0;  // U+3000
    default:
      return 0;
  }
}
}  // namespace space_internal

// Bytes of the white space character that `text` starts with (1 to 3), or 0.
constexpr size_t SpaceLength(std::string_view text) {
  if (text.empty()) return 0;
  if (IsAsciiSpace(text[0])) return 1;
  const auto at = [&text](size_t i) {
    return i < text.size() ? static_cast<unsigned char>(text[i]) : static_cast<unsigned char>(0);
  };
  return space_internal::WideSpaceLength(at(0), at(1), at(2));
}

// The same for NUL-terminated text, reading no byte past the NUL.
inline size_t SpaceLength(const unsigned char* text) {
  if (IsAsciiSpace(static_cast<char>(text[0]))) return 1;
  if (text[0] == 0 || text[1] == 0) return space_internal::WideSpaceLength(text[0], 0, 0);
  return space_internal::WideSpaceLength(text[0], text[1], text[2]);
}

// The lead bytes of the multi-byte white space characters (a fast pre-check).
constexpr bool MaybeWideSpace(unsigned char lead) {
  return lead == 0xC2 || lead == 0xE1 || lead == 0xE2 || lead == 0xE3;
}

// `text` without the white space it starts and ends with.
constexpr std::string_view TrimSpace(std::string_view text) {
  while (size_t n = SpaceLength(text)) text.remove_prefix(n);
  while (!text.empty()) {
    // A white space character ends the text: try each possible length.
    size_t n = 0;
    for (size_t length = 1; length <= 3 && length <= text.size(); ++length) {
      if (SpaceLength(text.substr(text.size() - length)) == length) n = length;
    }
    if (n == 0) break;
    text.remove_suffix(n);
  }
  return text;
}

}  // namespace medscrape

#endif  // MEDSCRAPE_BASE_SPACE_H_

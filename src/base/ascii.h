// ASCII case folding, the one definition: HTTP field names, media types, schemes, hosts and
// WARC field names compare without regard to case, and only ASCII letters fold (a locale
// must never change what a header means).
#ifndef MEDSCRAPE_BASE_ASCII_H_
#define MEDSCRAPE_BASE_ASCII_H_

#include <string>
#include <string_view>

namespace medscrape {

inline char AsciiLower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

inline std::string AsciiLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = AsciiLower(c);
  return out;
}

inline bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (AsciiLower(a[i]) != AsciiLower(b[i])) return false;
  }
  return true;
}

}  // namespace medscrape

#endif  // MEDSCRAPE_BASE_ASCII_H_

#include "encoding/detect.h"

#include <uchardet/uchardet.h>

#include <algorithm>

namespace medscrape {

std::string DetectCharset(std::string_view raw) {
  // A long ASCII prefix (inline CSS and scripts) says nothing about the
  // charset, so the window starts at the first non-ASCII byte; that byte is a
  // lead byte in every ASCII-compatible charset, so no character is cut.
  const auto first_non_ascii = std::find_if(
      raw.begin(), raw.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  const size_t start = first_non_ascii == raw.end() ? 0 : first_non_ascii - raw.begin();
  std::string_view window = raw.substr(start, kDetectionWindow);
  const std::string_view dense = window.substr(0, kDenseDetectionWindow);
  const auto non_ascii = std::count_if(
      dense.begin(), dense.end(), [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
  if (static_cast<size_t>(non_ascii) >= kDenseNonAscii) window = dense;
  uchardet_t detector = uchardet_new();
  if (detector == nullptr) return "";
  std::string name;
  if (uchardet_handle_data(detector, window.data(), window.size()) == 0) {
    uchardet_data_end(detector);
    const char* charset = uchardet_get_charset(detector);
    if (charset != nullptr) name = charset;
  }
  uchardet_delete(detector);
  return name;
}

}  // namespace medscrape

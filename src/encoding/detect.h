// Charset detection with uchardet. Internal to the encoding layer.
#ifndef MEDSCRAPE_ENCODING_DETECT_H_
#define MEDSCRAPE_ENCODING_DETECT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace medscrape {

// uchardet reads at most this many leading bytes: enough for a confident answer
// on any real page while bounding the cost of a 10 MB one.
constexpr size_t kDetectionWindow = 64 * 1024;
// ... or only this many when they hold kDenseNonAscii non-ASCII bytes or more: a page
// of Chinese text says which charset it is long before 64 KB (uchardet runs every
// prober over every byte, about 5 ms for 64 KB).
constexpr size_t kDenseDetectionWindow = 16 * 1024;
constexpr size_t kDenseNonAscii = 2048;

// uchardet's answer for the window (see above) that starts at the first
// non-ASCII byte ("GB18030", "UTF-8", "WINDOWS-1252", "ASCII", ...), or "" when
// it has none. Reentrant.
std::string DetectCharset(std::string_view raw);

}  // namespace medscrape

#endif  // MEDSCRAPE_ENCODING_DETECT_H_

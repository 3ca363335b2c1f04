// Preparing the input buffer before the guard scan. Internal to the html layer.
#ifndef MEDSCRAPE_HTML_CLEAN_INPUT_H_
#define MEDSCRAPE_HTML_CLEAN_INPUT_H_

#include <cstddef>
#include <string_view>

namespace medscrape {

// The longest prefix of `input` of at most `max_bytes` that ends on a UTF-8
// character boundary.
size_t CapToCharBoundary(std::string_view input, size_t max_bytes);

// Copies `input` to `out` (room for input.size() bytes) without C0 controls
// other than white space, DEL and C1 controls (U+0080–U+009F); vertical tab and
// U+0085 become a space (docs/reliability.md C13). Gumbo would turn them into U+FFFD,
// which must keep meaning "the page had bytes the decoder could not read".
// Invisible format characters go too (a U+FEFF before a title, U+200B inside a
// word, direction marks; clean_input.cc lists them), so fields hold only text a
// reader sees. Returns the bytes written. UTF-8 sequences stay whole.
size_t CopyWithoutControls(std::string_view input, char* out);

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_CLEAN_INPUT_H_

// Legacy charsets -> UTF-8 through glibc iconv. Internal to the encoding layer.
#ifndef MEDSCRAPE_ENCODING_ICONV_DECODER_H_
#define MEDSCRAPE_ENCODING_ICONV_DECODER_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace medscrape {

struct IconvDecoded {
  std::string utf8;     // As iconv produced it; may still hold U+0000.
  size_t replaced = 0;  // Invalid or truncated sequences turned into U+FFFD.
};

// Decodes `in` from `charset`, a name returned by CanonicalCharset. Each
// invalid sequence becomes U+FFFD and decoding resumes one code unit later
// (one byte; two for UTF-16), so every error consumes input and the loop ends.
// Returns nullopt only when iconv has no converter for the charset.
// Reentrant: each call opens its own iconv_t.
std::optional<IconvDecoded> IconvDecode(std::string_view in, const std::string& charset);

}  // namespace medscrape

#endif  // MEDSCRAPE_ENCODING_ICONV_DECODER_H_

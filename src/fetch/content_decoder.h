// Streaming gzip/deflate/br Content-Encoding decoder with a size cap and an
// end-of-stream check. libcurl 7.88 does not notice a compressed stream cut
// short inside a correctly framed response (it returns the shortened body as a
// success), so the fetcher turns libcurl's decoding off and uses this instead.
// The crawl decodes gzip files (sitemap.xml.gz) with DecodeGzip: the one gunzip
// loop of the project.
#ifndef MEDSCRAPE_FETCH_CONTENT_DECODER_H_
#define MEDSCRAPE_FETCH_CONTENT_DECODER_H_

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

struct z_stream_s;                // zlib.h and
struct BrotliDecoderStateStruct;  // brotli/decode.h stay out of this header.

namespace medscrape {

enum class ContentCoding { kIdentity, kGzip, kDeflate, kBrotli, kUnsupported };

// A whole gzip file (or a body served without Content-Encoding) decoded, at most
// `max_bytes`: fails "gzip: decodes to more than 50 MiB", "gzip: truncated" or
// "gzip: <zlib's message>".
Result<std::string> DecodeGzip(std::string_view gzip, size_t max_bytes);

// The coding of a Content-Encoding value (several headers joined with ", ").
// "identity" tokens are ignored; gzip, x-gzip, deflate and br alone are
// supported; anything else, chains included, is kUnsupported.
ContentCoding ParseContentEncoding(const std::string& value);

// Decodes one gzip, deflate or br body. For kDeflate a stream without a zlib
// header is decoded as raw deflate (a common server bug that browsers accept).
// br uses libbrotlidec's streaming decoder (its window, at most 16 MiB, is the
// only memory beyond the output). Not copyable. Thread-safety: none.
class ContentDecoder {
 public:
  enum class Result { kOk, kTooLarge, kCorrupt };

  explicit ContentDecoder(ContentCoding coding);  // kGzip, kDeflate or kBrotli.
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  // Appends the decoded bytes of `data` to *out, never growing it beyond
  // max_size: past it, *out is filled to exactly max_size and the result is
  // kTooLarge. Bytes after the end of the stream are ignored. May throw
  // std::bad_alloc.
  Result Feed(const char* data, size_t size, size_t max_size, std::string* out);
  // True once the compressed stream has ended, or if no byte was ever fed.
  bool Complete() const;
  // "gzip", "deflate" or "br", for messages.
  const char* name() const;
  // zlib's or brotli's message after kCorrupt.
  const std::string& error() const { return error_; }

 private:
  Result Inflate(const unsigned char* data, size_t size, size_t max_size, std::string* out);
  Result Unbrotli(const unsigned char* data, size_t size, size_t max_size, std::string* out);

  const ContentCoding coding_;
  std::unique_ptr<z_stream_s> stream_;          // gzip and deflate.
  BrotliDecoderStateStruct* brotli_ = nullptr;  // br, owned.
  bool initialized_ =
      false;             // inflateInit2 done (needs the first two bytes), or br's first byte fed.
  bool done_ = false;    // Z_STREAM_END or BROTLI_DECODER_RESULT_SUCCESS seen.
  std::string pending_;  // Bytes held until the header can be checked.
  std::string error_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_CONTENT_DECODER_H_

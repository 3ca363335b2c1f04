// Streaming gzip/deflate Content-Encoding decoder with a size cap and an
// end-of-stream check. libcurl 7.88 does not notice a compressed stream cut
// short inside a correctly framed response (it returns the shortened body as a
// success), so the fetcher turns libcurl's decoding off and uses this instead.
// Internal to src/fetch.
#ifndef MEDSCRAPE_FETCH_CONTENT_DECODER_H_
#define MEDSCRAPE_FETCH_CONTENT_DECODER_H_

#include <cstddef>
#include <memory>
#include <string>

struct z_stream_s;  // zlib.h stays out of this header.

namespace medscrape {

enum class ContentCoding { kIdentity, kGzip, kDeflate, kUnsupported };

// The coding of a Content-Encoding value (several headers joined with ", ").
// "identity" tokens are ignored; gzip, x-gzip and deflate alone are supported;
// anything else, chains included, is kUnsupported.
ContentCoding ParseContentEncoding(const std::string& value);

// Inflates one gzip or deflate body. For kDeflate a stream without a zlib
// header is decoded as raw deflate (a common server bug that browsers accept).
// Not copyable. Thread-safety: none.
class ContentDecoder {
 public:
  enum class Result { kOk, kTooLarge, kCorrupt };

  explicit ContentDecoder(ContentCoding coding);  // kGzip or kDeflate.
  ~ContentDecoder();
  ContentDecoder(const ContentDecoder&) = delete;
  ContentDecoder& operator=(const ContentDecoder&) = delete;

  // Appends the decoded bytes of `data` to *out, never growing it beyond
  // max_size (kTooLarge instead). Bytes after the end of the stream are
  // ignored. May throw std::bad_alloc.
  Result Feed(const char* data, size_t size, size_t max_size, std::string* out);
  // True once the compressed stream has ended, or if no byte was ever fed.
  bool Complete() const;
  // "gzip" or "deflate", for messages.
  const char* name() const;
  // zlib's message after kCorrupt.
  const std::string& error() const { return error_; }

 private:
  Result Inflate(const unsigned char* data, size_t size, size_t max_size, std::string* out);

  const ContentCoding coding_;
  std::unique_ptr<z_stream_s> stream_;
  bool initialized_ = false;  // inflateInit2 done (needs the first two bytes).
  bool done_ = false;         // Z_STREAM_END seen.
  std::string pending_;       // Bytes held until the header can be checked.
  std::string error_;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_CONTENT_DECODER_H_

// Undoing Transfer-Encoding: chunked (RFC 9112 section 7.1), incrementally: for the
// fetcher when it keeps a response's body as received on the wire (a WARC capture), and
// for readers of stored HTTP messages. Chunk extensions are ignored and trailer fields
// skipped; bare LF line ends are accepted, as libcurl accepts them.
#ifndef MEDSCRAPE_FETCH_CHUNKED_H_
#define MEDSCRAPE_FETCH_CHUNKED_H_

#include <cstddef>
#include <cstdint>
#include <string>

namespace medscrape {

class Dechunker {
 public:
  enum class Result {
    kMore,     // All bytes taken; the message goes on.
    kDone,     // The last chunk and the trailer section ended; bytes after it are ignored.
    kCorrupt,  // Not chunked framing (error() says where); nothing more is taken.
  };
  // Appends the chunk data found in [data, data + size) to *out.
  Result Feed(const char* data, size_t size, std::string* out);
  bool done() const { return state_ == State::kDone; }
  const std::string& error() const { return error_; }
  // Framing bytes consumed so far (data and framing).
  uint64_t consumed() const { return consumed_; }

 private:
  enum class State {
    kSize,
    kExtension,
    kSizeLf,
    kData,
    kDataCr,
    kDataLf,
    kTrailerStart,
    kTrailerLine,
    kTrailerLf,
    kDone,
    kCorrupt
  };
  Result Corrupt(const std::string& what);

  State state_ = State::kSize;
  uint64_t remaining_ = 0;  // Data bytes left in the current chunk.
  int digits_ = 0;          // Hex digits of the current size line.
  uint64_t consumed_ = 0;
  std::string error_;
};

// The whole of a chunked body: false (and `error`) if its framing is broken or ends early.
bool Dechunk(const std::string& chunked, std::string* out, std::string* error);

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_CHUNKED_H_

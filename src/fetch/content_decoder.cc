#include "fetch/content_decoder.h"

#include <brotli/decode.h>
#include <strings.h>
#include <zlib.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <new>

namespace medscrape {
namespace {

constexpr size_t kOutChunk = 16 * 1024;

std::string Trim(const std::string& text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return text.substr(begin, text.find_last_not_of(" \t") + 1 - begin);
}

}  // namespace

Result<std::string> DecodeGzip(std::string_view gzip, size_t max_bytes) {
  ContentDecoder decoder(ContentCoding::kGzip);
  std::string out;
  switch (decoder.Feed(gzip.data(), gzip.size(), max_bytes, &out)) {
    case ContentDecoder::Result::kTooLarge:
      return Status::Error("gzip: decodes to more than " +
                           (max_bytes % (1 << 20) == 0 ? std::to_string(max_bytes >> 20) + " MiB"
                                                       : std::to_string(max_bytes) + " bytes"));
    case ContentDecoder::Result::kCorrupt:
      return Status::Error("gzip: " + decoder.error());
    case ContentDecoder::Result::kOk:
      break;
  }
  if (!decoder.Complete()) return Status::Error("gzip: truncated");
  return out;
}

ContentCoding ParseContentEncoding(const std::string& value) {
  ContentCoding coding = ContentCoding::kIdentity;
  size_t start = 0;
  while (start <= value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    const std::string token = Trim(value.substr(start, comma - start));
    start = comma + 1;
    if (token.empty() || strcasecmp(token.c_str(), "identity") == 0) continue;
    if (coding != ContentCoding::kIdentity) return ContentCoding::kUnsupported;  // A chain.
    if (strcasecmp(token.c_str(), "gzip") == 0 || strcasecmp(token.c_str(), "x-gzip") == 0) {
      coding = ContentCoding::kGzip;
    } else if (strcasecmp(token.c_str(), "deflate") == 0) {
      coding = ContentCoding::kDeflate;
    } else if (strcasecmp(token.c_str(), "br") == 0) {
      coding = ContentCoding::kBrotli;
    } else {
      return ContentCoding::kUnsupported;
    }
  }
  return coding;
}

ContentDecoder::ContentDecoder(ContentCoding coding)
    : coding_(coding), stream_(std::make_unique<z_stream_s>()) {}

ContentDecoder::~ContentDecoder() {
  if (brotli_ != nullptr) {
    BrotliDecoderDestroyInstance(brotli_);
  } else if (initialized_) {
    inflateEnd(stream_.get());
  }
}

const char* ContentDecoder::name() const {
  switch (coding_) {
    case ContentCoding::kDeflate:
      return "deflate";
    case ContentCoding::kBrotli:
      return "br";
    default:
      return "gzip";
  }
}

bool ContentDecoder::Complete() const { return done_ || (!initialized_ && pending_.empty()); }

ContentDecoder::Result ContentDecoder::Feed(const char* data, size_t size, size_t max_size,
                                            std::string* out) {
  if (done_) return Result::kOk;  // Trailing bytes after the stream: ignored, as libcurl does.
  const auto* bytes = reinterpret_cast<const unsigned char*>(data);
  if (coding_ == ContentCoding::kBrotli) {
    if (size == 0 && !initialized_) return Result::kOk;  // Complete() stays true until a byte.
    return Unbrotli(bytes, size, max_size, out);
  }
  if (initialized_) return Inflate(bytes, size, max_size, out);
  // The first two bytes decide between a wrapped stream (gzip magic or a valid
  // zlib header; 32 + MAX_WBITS detects which) and raw deflate.
  pending_.append(data, size);
  if (pending_.size() < 2) return Result::kOk;
  const unsigned b0 = static_cast<unsigned char>(pending_[0]);
  const unsigned b1 = static_cast<unsigned char>(pending_[1]);
  const bool gzip_magic = b0 == 0x1f && b1 == 0x8b;
  const bool zlib_header =
      (b0 & 0x0f) == Z_DEFLATED && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
  const bool raw = coding_ == ContentCoding::kDeflate && !gzip_magic && !zlib_header;
  if (inflateInit2(stream_.get(), raw ? -MAX_WBITS : 32 + MAX_WBITS) != Z_OK) {
    error_ = "inflateInit2 failed";
    return Result::kCorrupt;
  }
  initialized_ = true;
  const std::string held = std::move(pending_);
  pending_.clear();
  return Inflate(reinterpret_cast<const unsigned char*>(held.data()), held.size(), max_size, out);
}

ContentDecoder::Result ContentDecoder::Inflate(const unsigned char* data, size_t size,
                                               size_t max_size, std::string* out) {
  z_stream_s* stream = stream_.get();
  unsigned char buffer[kOutChunk];
  size_t offset = 0;
  stream->avail_in = 0;
  for (;;) {
    if (stream->avail_in == 0 && offset < size) {
      const size_t chunk = std::min<size_t>(size - offset, UINT_MAX);
      stream->next_in = const_cast<unsigned char*>(data + offset);
      stream->avail_in = static_cast<uInt>(chunk);
      offset += chunk;
    }
    stream->next_out = buffer;
    stream->avail_out = sizeof(buffer);
    const int code = inflate(stream, Z_NO_FLUSH);
    const size_t produced = sizeof(buffer) - stream->avail_out;
    const size_t room = max_size - std::min(max_size, out->size());
    out->append(reinterpret_cast<const char*>(buffer), std::min(produced, room));
    if (produced > room) return Result::kTooLarge;
    if (code == Z_STREAM_END) {
      done_ = true;
      return Result::kOk;
    }
    // Z_BUF_ERROR: no progress possible without more input (not an error).
    if (code != Z_OK && !(code == Z_BUF_ERROR && stream->avail_in == 0)) {
      error_ = stream->msg != nullptr ? stream->msg : "inflate error " + std::to_string(code);
      return Result::kCorrupt;
    }
    // Done with this input once it is all consumed and zlib had output room to spare.
    if (stream->avail_in == 0 && offset == size && stream->avail_out != 0) return Result::kOk;
  }
}

// Same shape as Inflate: decode into a fixed buffer, check the cap before
// every append, so a bomb costs at most max_size plus brotli's window.
ContentDecoder::Result ContentDecoder::Unbrotli(const unsigned char* data, size_t size,
                                                size_t max_size, std::string* out) {
  if (brotli_ == nullptr) {
    brotli_ = BrotliDecoderCreateInstance(nullptr, nullptr, nullptr);
    if (brotli_ == nullptr) throw std::bad_alloc();
    initialized_ = true;
  }
  uint8_t buffer[kOutChunk];
  size_t available_in = size;
  const uint8_t* next_in = data;
  for (;;) {
    size_t available_out = sizeof(buffer);
    uint8_t* next_out = buffer;
    const BrotliDecoderResult code = BrotliDecoderDecompressStream(
        brotli_, &available_in, &next_in, &available_out, &next_out, nullptr);
    const size_t produced = sizeof(buffer) - available_out;
    const size_t room = max_size - std::min(max_size, out->size());
    out->append(reinterpret_cast<const char*>(buffer), std::min(produced, room));
    if (produced > room) return Result::kTooLarge;
    switch (code) {
      case BROTLI_DECODER_RESULT_SUCCESS:
        done_ = true;  // Unconsumed input (available_in) after the end: ignored, like gzip.
        return Result::kOk;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_INPUT:  // All of `data` consumed.
        return Result::kOk;
      case BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT:
        continue;
      case BROTLI_DECODER_RESULT_ERROR:
        break;
    }
    // E.g. "RESERVED (brotli error -14)": libbrotlidec's names are terse.
    const BrotliDecoderErrorCode error = BrotliDecoderGetErrorCode(brotli_);
    error_ = std::string(BrotliDecoderErrorString(error)) + " (brotli error " +
             std::to_string(static_cast<int>(error)) + ")";
    return Result::kCorrupt;
  }
}

}  // namespace medscrape

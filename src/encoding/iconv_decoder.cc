#include "encoding/iconv_decoder.h"

#include <errno.h>
#include <iconv.h>

namespace medscrape {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";
constexpr size_t kReplacementSize = 3;

// The WHATWG decoders for these labels accept the Microsoft/HKSCS supersets
// that pages really use; glibc's plain converters reject those characters
// (the same trap as GB2312 vs GBK), so decode with the superset.
const char* IconvName(const std::string& charset) {
  if (charset == "SHIFT_JIS") return "CP932";
  if (charset == "EUC-KR") return "CP949";
  if (charset == "BIG5") return "BIG5-HKSCS";
  return charset.c_str();
}

size_t CodeUnitSize(const std::string& charset) {
  return charset == "UTF-16LE" || charset == "UTF-16BE" ? 2 : 1;
}

// Output buffer that iconv writes into directly and that grows on demand.
class Sink {
 public:
  explicit Sink(size_t initial) : buffer_(initial, '\0') {}
  Sink(const Sink&) = delete;  // cursor_ points into buffer_.
  Sink& operator=(const Sink&) = delete;
  char** cursor() { return &cursor_; }
  size_t* room() { return &room_; }
  void Grow(size_t at_least) {
    const size_t used = buffer_.size() - room_;
    buffer_.resize(buffer_.size() * 2 + at_least);
    room_ = buffer_.size() - used;
    cursor_ = buffer_.data() + used;
  }
  void AppendReplacement() {
    if (room_ < kReplacementSize) Grow(kReplacementSize);
    for (size_t i = 0; i < kReplacementSize; ++i) *cursor_++ = kReplacement[i];
    room_ -= kReplacementSize;
  }
  std::string Take() && {
    buffer_.resize(buffer_.size() - room_);
    return std::move(buffer_);
  }

 private:
  std::string buffer_;
  char* cursor_ = buffer_.data();
  size_t room_ = buffer_.size();
};

// Runs the conversion; `cd` is open and owned by the caller.
IconvDecoded Convert(iconv_t cd, std::string_view in, size_t unit) {
  IconvDecoded result;
  // Most legacy text grows by at most half (2-byte CJK -> 3-byte UTF-8).
  Sink sink(in.size() + in.size() / 2 + 16);
  char* input = const_cast<char*>(in.data());  // iconv's signature; it never writes.
  size_t left = in.size();
  while (left > 0) {
    if (iconv(cd, &input, &left, sink.cursor(), sink.room()) != static_cast<size_t>(-1)) break;
    const int error = errno;  // Before growing the buffer can change errno.
    if (error == E2BIG) {
      sink.Grow(16);
      continue;
    }
    sink.AppendReplacement();
    ++result.replaced;
    if (error == EINVAL) break;                     // Truncated sequence at the end of input.
    const size_t skip = left < unit ? left : unit;  // EILSEQ (or anything else).
    input += skip;
    left -= skip;
  }
  // Flush shift state (ISO-2022-JP); nothing to flush for stateless charsets.
  while (iconv(cd, nullptr, nullptr, sink.cursor(), sink.room()) == static_cast<size_t>(-1) &&
         errno == E2BIG) {
    sink.Grow(16);
  }
  result.utf8 = std::move(sink).Take();
  return result;
}

}  // namespace

std::optional<IconvDecoded> IconvDecode(std::string_view in, const std::string& charset) {
  iconv_t cd = iconv_open("UTF-8", IconvName(charset));
  if (cd == reinterpret_cast<iconv_t>(-1)) return std::nullopt;
  IconvDecoded result = Convert(cd, in, CodeUnitSize(charset));
  iconv_close(cd);
  return result;
}

}  // namespace medscrape

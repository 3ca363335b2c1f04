#include "fetch/chunked.h"

#include <algorithm>

namespace medscrape {
namespace {

constexpr int kMaxSizeDigits = 16;  // 64 bits of chunk size.

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Dechunker::Result Dechunker::Corrupt(const std::string& what) {
  state_ = State::kCorrupt;
  error_ = what + " at byte " + std::to_string(consumed_);
  return Result::kCorrupt;
}

Dechunker::Result Dechunker::Feed(const char* data, size_t size, std::string* out) {
  size_t i = 0;
  while (i < size) {
    const char c = data[i];
    switch (state_) {
      case State::kDone:
        return Result::kDone;
      case State::kCorrupt:
        return Result::kCorrupt;
      case State::kData: {
        const size_t take =
            static_cast<size_t>(std::min<uint64_t>(remaining_, static_cast<uint64_t>(size - i)));
        out->append(data + i, take);
        i += take;
        consumed_ += take;
        remaining_ -= take;
        if (remaining_ == 0) state_ = State::kDataCr;
        continue;
      }
      case State::kSize: {
        const int value = HexValue(c);
        if (value >= 0) {
          if (++digits_ > kMaxSizeDigits) return Corrupt("chunk size too long");
          remaining_ = remaining_ * 16 + static_cast<uint64_t>(value);
        } else if (digits_ == 0) {
          return Corrupt("no chunk size");
        } else if (c == ';' || c == ' ' || c == '\t') {
          state_ = State::kExtension;
        } else if (c == '\r') {
          state_ = State::kSizeLf;
        } else if (c == '\n') {
          state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
        } else {
          return Corrupt("bad chunk size");
        }
        break;
      }
      case State::kExtension:
        if (c == '\r') state_ = State::kSizeLf;
        if (c == '\n') state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
        break;
      case State::kSizeLf:
        if (c != '\n') return Corrupt("no LF after the chunk size");
        state_ = remaining_ == 0 ? State::kTrailerStart : State::kData;
        break;
      case State::kDataCr:
        if (c == '\r') {
          state_ = State::kDataLf;
        } else if (c == '\n') {
          state_ = State::kSize;
          digits_ = 0;
        } else {
          return Corrupt("no CRLF after chunk data");
        }
        break;
      case State::kDataLf:
        if (c != '\n') return Corrupt("no LF after chunk data");
        state_ = State::kSize;
        digits_ = 0;
        break;
      case State::kTrailerStart:  // An empty line ends the message; anything else is a field.
        if (c == '\r') {
          state_ = State::kTrailerLf;
        } else if (c == '\n') {
          ++consumed_;
          state_ = State::kDone;
          return Result::kDone;
        } else {
          state_ = State::kTrailerLine;
        }
        break;
      case State::kTrailerLine:
        if (c == '\n') state_ = State::kTrailerStart;
        break;
      case State::kTrailerLf:
        if (c != '\n') return Corrupt("no LF after the trailer section");
        ++consumed_;
        state_ = State::kDone;
        return Result::kDone;
    }
    ++i;
    ++consumed_;
  }
  if (state_ == State::kDone) return Result::kDone;
  if (state_ == State::kCorrupt) return Result::kCorrupt;
  return Result::kMore;
}

bool Dechunk(const std::string& chunked, std::string* out, std::string* error) {
  Dechunker dechunker;
  switch (dechunker.Feed(chunked.data(), chunked.size(), out)) {
    case Dechunker::Result::kDone:
      return true;
    case Dechunker::Result::kCorrupt:
      *error = dechunker.error();
      return false;
    case Dechunker::Result::kMore:
      break;
  }
  *error = "chunked body ends early at byte " + std::to_string(dechunker.consumed());
  return false;
}

}  // namespace medscrape

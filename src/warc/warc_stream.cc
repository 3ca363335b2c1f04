#include "warc/warc_stream.h"

#include <libdeflate.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <new>

namespace medscrape {
namespace {

constexpr size_t kReadSize = size_t{64} << 10;
// The whole-member path: a window of compressed bytes read at once, and the largest member it
// inflates (a bigger one, or a file gzipped as one stream, is streamed through zlib).
constexpr size_t kWholeWindow = size_t{512} << 10;
constexpr size_t kWholeMemberBytes = size_t{8} << 20;

// pread, retried on EINTR; -1 on error.
ssize_t ReadAt(int fd, char* out, size_t size, uint64_t offset) {
  while (true) {
    const ssize_t n = ::pread(fd, out, size, static_cast<off_t>(offset));
    if (n >= 0 || errno != EINTR) return n;
  }
}

}  // namespace

size_t FileSource::Read(char* out, size_t size) {
  const ssize_t n = ReadAt(fd_, out, size, offset_);
  if (n < 0) {
    error_ = true;
    return 0;
  }
  offset_ += static_cast<uint64_t>(n);
  return static_cast<size_t>(n);
}

GzipMemberSource::GzipMemberSource(int fd) : fd_(fd), stream_(std::make_unique<z_stream_s>()) {
  *stream_ = z_stream_s{};
  if (inflateInit2(stream_.get(), 16 + MAX_WBITS) != Z_OK) throw std::bad_alloc();
}

GzipMemberSource::~GzipMemberSource() {
  inflateEnd(stream_.get());
  if (whole_decompressor_ != nullptr) libdeflate_free_decompressor(whole_decompressor_);
}

// Inflates the member at `offset` at once when the compressed bytes at hand hold all of it.
// The window of compressed bytes is read again from `offset` when less than a quarter of it
// is left, or when the member did not fit in what was left.
bool GzipMemberSource::TryWhole(uint64_t offset) {
  if (whole_decompressor_ == nullptr) {
    whole_decompressor_ = libdeflate_alloc_decompressor();
    // Never zeroed: only the pages a member fills are ever touched.
    whole_buffer_.reset(new (std::nothrow) char[kWholeMemberBytes]);
    if (whole_decompressor_ == nullptr || whole_buffer_ == nullptr) return false;
  }
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool inside = offset >= input_offset_ && offset < input_offset_ + input_length_;
    const bool fresh = inside && input_offset_ == offset;
    if (!inside || input_offset_ + input_length_ - offset < kWholeWindow / 4 ||
        (attempt > 0 && !fresh)) {
      input_.resize(kWholeWindow);
      const ssize_t n = ReadAt(fd_, input_.data(), input_.size(), offset);
      if (n <= 0) {
        input_length_ = 0;
        return false;
      }
      input_offset_ = offset;
      input_length_ = static_cast<size_t>(n);
    }
    const size_t skip = static_cast<size_t>(offset - input_offset_);
    size_t in_used = 0;
    const libdeflate_result result = libdeflate_gzip_decompress_ex(
        whole_decompressor_, input_.data() + skip, input_length_ - skip, whole_buffer_.get(),
        kWholeMemberBytes, &in_used, &whole_size_);
    if (result == LIBDEFLATE_SUCCESS) {
      whole_position_ = 0;
      member_end_ = offset + in_used;
      return true;
    }
    // Broken, larger than kWholeMemberBytes, or cut by the window's end: if the window started
    // at the member and was full, reading more cannot help.
    if (result == LIBDEFLATE_INSUFFICIENT_SPACE || input_offset_ == offset ||
        input_length_ < input_.size()) {
      return false;
    }
  }
  return false;
}

void GzipMemberSource::Start(uint64_t offset, bool whole) {
  whole_active_ = false;
  error_.clear();
  if (whole && TryWhole(offset)) {
    whole_active_ = true;
    state_ = whole_size_ == 0 ? State::kEnd : State::kRunning;
    return;
  }
  inflateReset(stream_.get());
  if (offset >= input_offset_ && offset < input_offset_ + input_length_) {
    const size_t skip = static_cast<size_t>(offset - input_offset_);
    stream_->next_in = reinterpret_cast<Bytef*>(input_.data() + skip);
    stream_->avail_in = static_cast<uInt>(input_length_ - skip);
    next_read_ = input_offset_ + input_length_;
  } else {
    input_length_ = 0;
    stream_->avail_in = 0;
    next_read_ = offset;
  }
  member_end_ = 0;
  state_ = State::kRunning;
  error_.clear();
}

size_t GzipMemberSource::Read(char* out, size_t size) {
  if (whole_active_) {
    const size_t n = std::min(size, whole_size_ - whole_position_);
    std::copy_n(whole_buffer_.get() + whole_position_, n, out);
    whole_position_ += n;
    if (whole_position_ == whole_size_) state_ = State::kEnd;
    return n;
  }
  size_t produced = 0;
  while (produced < size && state_ == State::kRunning) {
    if (stream_->avail_in == 0) {
      input_.resize(kReadSize);
      const ssize_t n = ReadAt(fd_, input_.data(), input_.size(), next_read_);
      if (n <= 0) {
        input_length_ = 0;
        state_ = n == 0 ? State::kTruncated : State::kCorrupt;
        if (n < 0) error_ = "read failed";
        break;
      }
      input_offset_ = next_read_;
      input_length_ = static_cast<size_t>(n);
      next_read_ += static_cast<uint64_t>(n);
      stream_->next_in = reinterpret_cast<Bytef*>(input_.data());
      stream_->avail_in = static_cast<uInt>(n);
    }
    stream_->next_out = reinterpret_cast<Bytef*>(out + produced);
    stream_->avail_out = static_cast<uInt>(size - produced);
    const int status = inflate(stream_.get(), Z_NO_FLUSH);
    produced = size - stream_->avail_out;
    if (status == Z_STREAM_END) {
      state_ = State::kEnd;
      member_end_ = next_read_ - stream_->avail_in;
    } else if (status == Z_MEM_ERROR) {
      throw std::bad_alloc();
    } else if (status != Z_OK && status != Z_BUF_ERROR) {
      state_ = State::kCorrupt;
      error_ = stream_->msg != nullptr ? stream_->msg : "inflate failed";
    }
  }
  return produced;
}

void Lookahead::Reset(ByteSource* source) {
  source_ = source;
  buffer_.clear();
  position_ = 0;
  consumed_ = 0;
  ended_ = false;
}

size_t Lookahead::Fill(size_t size) {
  while (buffer_.size() - position_ < size && !ended_) {
    if (position_ > 0 && position_ >= buffer_.size() / 2) {
      buffer_.erase(0, position_);
      position_ = 0;
    }
    const size_t old = buffer_.size();
    buffer_.resize(old + kReadSize);
    const size_t n = source_->Read(buffer_.data() + old, kReadSize);
    buffer_.resize(old + n);
    if (n == 0) ended_ = true;
  }
  return buffer_.size() - position_;
}

std::string_view Lookahead::View() const { return std::string_view(buffer_).substr(position_); }

void Lookahead::Consume(size_t size) {
  size = std::min(size, buffer_.size() - position_);
  position_ += size;
  consumed_ += size;
}

size_t Lookahead::Take(size_t size, std::string* out) {
  size_t taken = 0;
  while (taken < size) {
    if (buffer_.size() == position_) {
      buffer_.clear();
      position_ = 0;
      if (Fill(1) == 0) break;
    }
    const size_t n = std::min(size - taken, buffer_.size() - position_);
    if (out != nullptr) out->append(buffer_, position_, n);
    Consume(n);
    taken += n;
  }
  return taken;
}

}  // namespace medscrape

// The byte streams WarcReader parses records from (internal to src/warc): a file read from
// any offset, the inflated bytes of one gzip member starting at any offset, and a lookahead
// buffer over either. Memory: one read buffer each, whatever the file's size.
#ifndef MEDSCRAPE_WARC_WARC_STREAM_H_
#define MEDSCRAPE_WARC_WARC_STREAM_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct z_stream_s;  // zlib.h and libdeflate.h stay out of this header.
struct libdeflate_decompressor;

namespace medscrape {

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Up to `size` bytes into `out`; 0 only at the end (of the file, or of the member).
  virtual size_t Read(char* out, size_t size) = 0;
  // After Read returned 0: true when the bytes ended early (end of file inside a gzip
  // member, a corrupt member, a read error) rather than at a clean end.
  virtual bool Broken() const = 0;
};

// Bytes of a file from a position on, read with pread (no shared file position).
class FileSource : public ByteSource {
 public:
  explicit FileSource(int fd) : fd_(fd) {}
  void Seek(uint64_t offset) { offset_ = offset; }
  uint64_t offset() const { return offset_; }
  size_t Read(char* out, size_t size) override;
  bool Broken() const override { return error_; }

 private:
  int fd_;
  uint64_t offset_ = 0;
  bool error_ = false;
};

// The inflated bytes of the gzip member that starts at a given file offset.
class GzipMemberSource : public ByteSource {
 public:
  enum class State { kRunning, kEnd, kTruncated, kCorrupt };

  explicit GzipMemberSource(int fd);
  ~GzipMemberSource() override;
  GzipMemberSource(const GzipMemberSource&) = delete;
  GzipMemberSource& operator=(const GzipMemberSource&) = delete;

  // Starts the member at `offset`. `whole`: a whole member that fits in kWholeMemberBytes is
  // inflated at once by libdeflate (about twice zlib's speed); one that does not, or that
  // libdeflate finds broken, is streamed through zlib, which decides what is wrong with it.
  void Start(uint64_t offset, bool whole = true);
  size_t Read(char* out, size_t size) override;
  bool Broken() const override { return state_ != State::kEnd; }
  State state() const { return state_; }
  // The file offset just after the member, once state() is kEnd.
  uint64_t member_end() const { return member_end_; }
  // zlib's message after kCorrupt.
  const std::string& error() const { return error_; }

 private:
  int fd_;
  std::unique_ptr<z_stream_s> stream_;
  // The last compressed bytes read: input_length_ of them, from file offset input_offset_.
  // A member starting inside them (the next one, usually) is inflated from there, so small
  // records cost no read of their own.
  std::string input_;
  uint64_t input_offset_ = 0;
  size_t input_length_ = 0;
  uint64_t next_read_ = 0;  // File offset of the next pread.
  uint64_t member_end_ = 0;
  bool TryWhole(uint64_t offset);
  libdeflate_decompressor* whole_decompressor_ = nullptr;
  std::unique_ptr<char[]> whole_buffer_;  // A member inflated at once: whole_size_ bytes.
  size_t whole_size_ = 0;
  size_t whole_position_ = 0;  // What Read has served of it.
  bool whole_active_ = false;
  State state_ = State::kRunning;
  std::string error_;
};

// A growing window on a ByteSource, so a parser can look ahead (for the end of a header
// section) and then take bytes.
class Lookahead {
 public:
  void Reset(ByteSource* source);
  // Buffers at least `size` bytes when the source has them; returns the bytes available.
  size_t Fill(size_t size);
  std::string_view View() const;
  void Consume(size_t size);
  // Appends up to `size` bytes to *out (or drops them when out is null); returns how many.
  size_t Take(size_t size, std::string* out);
  // Bytes consumed since Reset.
  uint64_t consumed() const { return consumed_; }
  bool ended() const { return ended_; }

 private:
  ByteSource* source_ = nullptr;
  std::string buffer_;
  size_t position_ = 0;
  uint64_t consumed_ = 0;
  bool ended_ = false;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_WARC_WARC_STREAM_H_

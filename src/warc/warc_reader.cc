#include "warc/warc_reader.h"

#include <fcntl.h>
#include <strings.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "base/ascii.h"
#include "warc/warc_stream.h"

namespace medscrape {
namespace {

constexpr size_t kScanSize = size_t{64} << 10;
constexpr std::string_view kLineStart = "WARC/1.";
constexpr std::string_view kTrailer = "\r\n\r\n";

std::string Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

// At most 40 bytes of `text`, control bytes escaped, for a message.
std::string Excerpt(std::string_view text) {
  std::string out;
  for (unsigned char c : text.substr(0, 40)) {
    if (c < 0x20 || c >= 0x7f) {
      char escaped[5];
      std::snprintf(escaped, sizeof(escaped), "\\x%02x", c);
      out += escaped;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// Where the header section ends (the index after its empty line), or npos.
size_t HeaderEnd(std::string_view text, size_t from) {
  for (size_t i = text.find('\n', from); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    if (i + 1 < text.size() && text[i + 1] == '\n') return i + 2;
    if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

// The version line and the fields of a header section; an error message or "".
std::string ParseHeader(std::string_view header, WarcRecord* record) {
  size_t line_end = header.find('\n');
  record->version = Trim(header.substr(0, line_end));
  if (record->version.compare(0, kLineStart.size(), kLineStart) != 0) {
    return "not a WARC record (starts \"" + Excerpt(header) + "\")";
  }
  while (line_end != std::string_view::npos && line_end + 1 < header.size()) {
    const size_t start = line_end + 1;
    line_end = header.find('\n', start);
    const std::string_view line = header.substr(start, line_end - start);
    if (Trim(line).empty()) break;
    if (line[0] == ' ' || line[0] == '\t') {  // A continuation line (LWS).
      if (record->fields.empty()) return "bad header line \"" + Excerpt(line) + "\"";
      record->fields.back().second += " " + Trim(line);
      continue;
    }
    const size_t colon = line.find(':');
    const std::string name = colon == std::string_view::npos ? "" : Trim(line.substr(0, colon));
    if (name.empty() || name.find_first_of(" \t") != std::string::npos) {
      return "bad header line \"" + Excerpt(line) + "\"";
    }
    record->fields.emplace_back(name, Trim(line.substr(colon + 1)));
  }
  return "";
}

bool ParseLength(const std::string& text, uint64_t* length) {
  if (text.empty() || text.size() > 18 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  *length = std::stoull(text);
  return true;
}

}  // namespace

const std::string* WarcRecord::Find(std::string_view name) const {
  for (const auto& [key, value] : fields) {
    if (EqualsIgnoreCase(key, name)) return &value;
  }
  return nullptr;
}

std::string WarcRecord::Get(std::string_view name) const {
  const std::string* value = Find(name);
  return value == nullptr ? "" : *value;
}

std::string WarcRecord::Type() const { return AsciiLower(Get("WARC-Type")); }

std::string WarcError::Describe() const {
  return file + "@" + std::to_string(offset) + ": " + message;
}

bool IsWarcName(std::string_view path) {
  const std::string lower = AsciiLower(std::string(path));
  auto ends = [&lower](std::string_view suffix) {
    return lower.size() > suffix.size() &&
           lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0;
  };
  return ends(".warc") || ends(".warc.gz");
}

class WarcReader::Impl {
 public:
  Impl(std::string path, int fd, bool gzip, const WarcReaderOptions& options)
      : path_(std::move(path)), fd_(fd), gzip_(gzip), options_(options), file_(fd), member_(fd) {
    lookahead_.Reset(&file_);
  }
  ~Impl() { ::close(fd_); }

  Item Next(WarcRecord* record, WarcError* error) {
    *record = WarcRecord();
    *error = WarcError{path_, 0, ""};
    return gzip_ ? NextGzip(record, error) : NextPlain(record, error);
  }

  void Seek(uint64_t offset, int member_index) {
    ended_ = false;
    in_member_ = false;
    next_ = offset;
    if (!gzip_) {
      file_.Seek(offset);
      lookahead_.Reset(&file_);
      base_ = offset;
    }
    WarcRecord skipped;
    WarcError error;
    for (int i = 0; i < member_index; ++i) Next(&skipped, &error);
  }

  bool gzip() const { return gzip_; }
  const std::string& path() const { return path_; }

 private:
  enum class Parse { kOk, kEnd, kBad, kTooLarge };

  // One record from lookahead_, up to and including its CRLF CRLF.
  Parse ParseRecord(WarcRecord* record, std::string* error) {
    // Blank lines between records are tolerated.
    while (lookahead_.Fill(1) > 0 && (lookahead_.View()[0] == '\r' || lookahead_.View()[0] == '\n'))
      lookahead_.Consume(1);
    record_start_ = lookahead_.consumed();
    if (lookahead_.Fill(1) == 0) return Parse::kEnd;
    size_t end = HeaderEnd(lookahead_.View(), 0), scanned = 0;
    while (end == std::string_view::npos) {
      const size_t had = lookahead_.View().size();
      if (had > options_.max_header_bytes) {
        *error = "bad header: header section longer than " +
                 std::to_string(options_.max_header_bytes) + " bytes";
        return Parse::kBad;
      }
      if (lookahead_.Fill(had + 1) == had) {
        *error = "truncated record: the header section does not end";
        if (lookahead_.View().compare(0, kLineStart.size(), kLineStart) != 0) {
          *error = "not a WARC record (starts \"" + Excerpt(lookahead_.View()) + "\")";
        }
        return Parse::kBad;
      }
      end = HeaderEnd(lookahead_.View(), scanned);
      scanned = had > 2 ? had - 2 : 0;
    }
    const std::string header(lookahead_.View().substr(0, end));
    if (std::string message = ParseHeader(header, record); !message.empty()) {
      *error = "bad header: " + message;
      return Parse::kBad;
    }
    lookahead_.Consume(end);
    uint64_t length = 0;
    const std::string* declared = record->Find("Content-Length");
    if (declared == nullptr || !ParseLength(*declared, &length)) {
      *error = "bad header: " + (declared == nullptr
                                     ? std::string("no Content-Length")
                                     : "bad Content-Length \"" + Excerpt(*declared) + "\"");
      return Parse::kBad;
    }
    const bool too_large = length > options_.max_block_bytes;
    const size_t got = lookahead_.Take(length, too_large ? nullptr : &record->block);
    if (got < length) {
      *error = (gzip_ && !member_.Broken() ? "Content-Length lies: " : "truncated record: ") +
               std::string("the block ends after ") + std::to_string(got) + " of " +
               std::to_string(length) + " bytes";
      return Parse::kBad;
    }
    lookahead_.Fill(kTrailer.size());
    if (lookahead_.View().compare(0, kTrailer.size(), kTrailer) != 0) {
      *error = lookahead_.View().size() < kTrailer.size() && lookahead_.ended() &&
                       (!gzip_ || member_.Broken())
                   ? "truncated record: no CRLF CRLF after the block"
                   : "Content-Length lies: the block of " + std::to_string(length) +
                         " bytes is not followed by CRLF CRLF";
      return Parse::kBad;
    }
    lookahead_.Consume(kTrailer.size());
    if (too_large) {
      *error = "block of " + std::to_string(length) + " bytes is over the limit of " +
               std::to_string(options_.max_block_bytes) + " bytes";
      record->block.clear();
      return Parse::kTooLarge;
    }
    return Parse::kOk;
  }

  Item NextPlain(WarcRecord* record, WarcError* error) {
    if (ended_) return Item::kEnd;
    const Parse parse = ParseRecord(record, &error->message);
    const uint64_t start = base_ + record_start_;
    error->offset = start;
    switch (parse) {
      case Parse::kEnd:
        ended_ = true;
        return Item::kEnd;
      case Parse::kOk:
        record->offset = start;
        record->length = base_ + lookahead_.consumed() - start;
        return Item::kRecord;
      case Parse::kTooLarge:
        return Item::kError;
      case Parse::kBad:
        ResyncPlain(start + 1);
        return Item::kError;
    }
    return Item::kEnd;
  }

  // Goes on at the next line starting "WARC/1." at or after `from`.
  void ResyncPlain(uint64_t from) {
    std::string chunk(kScanSize, '\0');
    char before = '\n';
    if (from > 0 && ::pread(fd_, &before, 1, static_cast<off_t>(from - 1)) != 1) before = 0;
    uint64_t at = from;
    while (true) {
      const ssize_t n = ::pread(fd_, chunk.data(), chunk.size(), static_cast<off_t>(at));
      if (n <= 0) break;
      const std::string_view view(chunk.data(), static_cast<size_t>(n));
      for (size_t i = view.find(kLineStart); i != std::string_view::npos;
           i = view.find(kLineStart, i + 1)) {
        if ((i == 0 ? before : view[i - 1]) == '\n') {
          base_ = at + i;
          file_.Seek(base_);
          lookahead_.Reset(&file_);
          return;
        }
      }
      if (static_cast<size_t>(n) <= kLineStart.size()) break;
      const size_t step = static_cast<size_t>(n) - kLineStart.size();
      before = view[step - 1];
      at += step;
    }
    ended_ = true;
  }

  Item NextGzip(WarcRecord* record, WarcError* error) {
    if (!in_member_) {
      if (ended_) return Item::kEnd;
      unsigned char magic[2];
      const ssize_t n = ::pread(fd_, magic, 2, static_cast<off_t>(next_));
      if (n <= 0) {
        ended_ = true;
        return Item::kEnd;
      }
      member_start_ = next_;
      member_index_ = 0;
      member_.Start(member_start_);
      lookahead_.Reset(&member_);
      in_member_ = true;
    }
    error->offset = member_start_;
    const Parse parse = ParseRecord(record, &error->message);
    if (parse == Parse::kEnd && member_index_ > 0 && !member_.Broken()) {
      in_member_ = false;
      next_ = member_.member_end();
      return NextGzip(record, error);
    }
    if (parse == Parse::kOk || parse == Parse::kTooLarge) {
      const bool more = lookahead_.Fill(1) > 0;
      if (!more && member_.Broken()) {
        error->message = MemberProblem();
        in_member_ = false;
        ResyncGzip(member_start_ + 1);
        return Item::kError;
      }
      record->offset = member_start_;
      record->member_index = member_index_++;
      record->length =
          !more && record->member_index == 0 ? member_.member_end() - member_start_ : 0;
      if (!more) {
        in_member_ = false;
        next_ = member_.member_end();
      }
      return parse == Parse::kOk ? Item::kRecord : Item::kError;
    }
    // A broken record: if the member itself is sound, the next one follows it.
    in_member_ = false;
    if (member_.state() == GzipMemberSource::State::kCorrupt ||
        member_.state() == GzipMemberSource::State::kTruncated) {
      error->message = MemberProblem();
    } else if (parse == Parse::kEnd) {
      error->message = "empty gzip member";
    }
    if (member_index_ > 0)
      error->message += " (record " + std::to_string(member_index_) + " of the gzip member)";
    lookahead_.Take(UINT64_MAX, nullptr);  // Drain the rest of the member.
    if (member_.state() == GzipMemberSource::State::kEnd) {
      next_ = member_.member_end();
    } else {
      ResyncGzip(member_start_ + 1);
    }
    return Item::kError;
  }

  std::string MemberProblem() const {
    if (member_.state() == GzipMemberSource::State::kCorrupt) {
      return "corrupt gzip member: " + member_.error();
    }
    return "truncated record: the gzip member ends early";
  }

  // Goes on at the next gzip member at or after `from` that inflates to "WARC/".
  void ResyncGzip(uint64_t from) {
    std::string chunk(kScanSize, '\0');
    uint64_t at = from;
    while (true) {
      const ssize_t n = ::pread(fd_, chunk.data(), chunk.size(), static_cast<off_t>(at));
      if (n < 3) break;
      const std::string_view view(chunk.data(), static_cast<size_t>(n));
      for (size_t i = view.find("\x1f\x8b\x08"); i != std::string_view::npos;
           i = view.find("\x1f\x8b\x08", i + 1)) {
        if (Inflates(at + i)) {
          next_ = at + i;
          return;
        }
      }
      at += static_cast<uint64_t>(n) - 2;
    }
    ended_ = true;
  }

  bool Inflates(uint64_t offset) {
    member_.Start(offset, /*whole=*/false);  // Five bytes tell: no need to inflate it all.
    char start[5];
    size_t got = 0;
    while (got < sizeof(start)) {
      const size_t n = member_.Read(start + got, sizeof(start) - got);
      if (n == 0) break;
      got += n;
    }
    return got == sizeof(start) && std::string_view(start, got) == "WARC/";
  }

  const std::string path_;
  const int fd_;
  const bool gzip_;
  const WarcReaderOptions options_;
  FileSource file_;
  GzipMemberSource member_;
  Lookahead lookahead_;
  bool ended_ = false;
  uint64_t record_start_ = 0;  // lookahead_.consumed() where the record began.
  uint64_t base_ = 0;          // Plain: the file offset of lookahead_'s first byte.
  uint64_t next_ = 0;          // Gzip: the offset of the next member.
  uint64_t member_start_ = 0;
  int member_index_ = 0;
  bool in_member_ = false;
};

Result<std::unique_ptr<WarcReader>> WarcReader::Open(const std::string& path,
                                                     const WarcReaderOptions& options) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status::Error(std::strerror(errno));
  unsigned char magic[2] = {0, 0};
  const bool gzip = ::pread(fd, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
  return std::unique_ptr<WarcReader>(
      new WarcReader(std::make_unique<Impl>(path, fd, gzip, options)));
}

WarcReader::WarcReader(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
WarcReader::~WarcReader() = default;

WarcReader::Item WarcReader::Next(WarcRecord* record, WarcError* error) {
  return impl_->Next(record, error);
}

void WarcReader::Seek(uint64_t offset, int member_index) { impl_->Seek(offset, member_index); }
bool WarcReader::gzip() const { return impl_->gzip(); }
const std::string& WarcReader::path() const { return impl_->path(); }

}  // namespace medscrape

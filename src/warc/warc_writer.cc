#include "warc/warc_writer.h"

#include <isa-l/igzip_lib.h>
#include <openssl/rand.h>

#include <cctype>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <memory>
#include <new>
#include <stdexcept>
#include <utility>
#include <vector>

#include "base/ascii.h"
#include "fetch/chunked.h"
#include "warc/digest.h"

namespace medscrape {
namespace {

constexpr char kProfileNotModified[] =
    "http://netpreserve.org/warc/1.1/revisit/server-not-modified";
constexpr char kProfileIdentical[] =
    "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest";

// Whether the head's Transfer-Encoding names chunked (its last coding, RFC 9112 6.1).
bool IsChunked(std::string_view head) {
  bool chunked = false;
  size_t start = head.find('\n');  // After the status line.
  while (start != std::string_view::npos && start + 1 < head.size()) {
    const size_t end = head.find('\n', start + 1);
    std::string_view line = head.substr(
        start + 1, end == std::string_view::npos ? std::string_view::npos : end - start - 1);
    start = end;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    if (!EqualsIgnoreCase(line.substr(0, colon), "transfer-encoding")) continue;
    std::string value = AsciiLower(line.substr(colon + 1));
    while (!value.empty() && std::isspace(static_cast<unsigned char>(value.back()))) {
      value.pop_back();
    }
    chunked = value.size() >= 7 && value.compare(value.size() - 7, 7, "chunked") == 0;
  }
  return chunked;
}

void AddField(WarcFields* fields, const char* name, const std::string& value) {
  if (!value.empty()) fields->emplace_back(name, value);
}

// Random bytes for record IDs, drawn from OpenSSL's generator a page at a time: one call
// costs about as much as hashing 3 KB, and a crawl asks for two IDs a page.
class RandomPool {
 public:
  template <size_t N>
  void Take(unsigned char (&bytes)[N]) {
    static_assert(N <= sizeof(pool_));
    if (used_ + N > sizeof(pool_)) {
      if (RAND_bytes(pool_, sizeof(pool_)) != 1) throw std::runtime_error("RAND_bytes failed");
      used_ = 0;
    }
    std::memcpy(bytes, pool_ + used_, N);
    used_ += N;
  }

 private:
  unsigned char pool_[4096];
  size_t used_ = sizeof(pool_);
};

}  // namespace

std::string NewWarcRecordId() {
  thread_local RandomPool pool;
  unsigned char bytes[16];
  pool.Take(bytes);
  bytes[6] = static_cast<unsigned char>((bytes[6] & 0x0f) | 0x40);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3f) | 0x80);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "<urn:uuid:";
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) id += '-';
    id += kHex[bytes[i] >> 4];
    id += kHex[bytes[i] & 15];
  }
  id += '>';
  return id;
}

namespace {

// Huffman tables learned from a thread's own records of one kind. igzip's level 1 builds a
// dynamic Huffman code for every member, a pass of its own; level 0 codes in a single pass,
// with its built-in tables (files 18 % larger on the mirror's pages) or with tables the
// caller made from a histogram of like data. So the first `learn_bytes` of records are
// compressed at level 1 while their histogram is taken; after that every record goes
// through level 0 with the tables made from it, and a record is sampled again each
// `sample_stride` bytes, the tables remade from each `learn_bytes` sampled, so they follow
// what the crawl fetches now (another site, another encoding). On the mirror's pages: a
// quarter less compression time than level 1 for about the same size (docs/performance.md).
// The tables give every literal, length and distance a code, so any input can be coded; a
// record that would grow goes out as stored blocks, as at any level.
class LearnedCode {
 public:
  LearnedCode(size_t learn_bytes, size_t sample_stride)
      : learn_bytes_(learn_bytes), sample_stride_(sample_stride) {}

  // The tables to code with at level 0; null while still learning (level 1).
  isal_hufftables* tables() { return learned_ ? tables_.get() : nullptr; }

  // Takes a record just compressed (`member_size` bytes) into the histogram when it is a
  // sample: every one until the first tables, then the one that crosses each
  // sample_stride_, so a record is sampled in proportion to its size. No record gives more
  // than an eighth of a table's bytes, and one that hardly compressed (a body stored gzip-
  // or br-encoded, an image) gives none: the code is for the text most records are.
  void Observe(std::string& record, size_t member_size) {
    since_sample_ += record.size();
    if (learned_ && since_sample_ < sample_stride_) return;
    if (member_size > record.size() / 10 * 9) return;  // Try the next record instead.
    since_sample_ = 0;
    const size_t most = learn_bytes_ / 8;
    const size_t take = record.size() < most ? record.size() : most;
    isal_update_histogram(reinterpret_cast<uint8_t*>(record.data()), static_cast<int>(take),
                          histogram_.get());
    sampled_ += take;
    if (sampled_ < learn_bytes_) return;
    // Made aside and swapped in, so a failed build leaves the tables in use as they were.
    if (isal_create_hufftables(spare_.get(), histogram_.get()) == 0) {
      std::swap(tables_, spare_);
      learned_ = true;
    }
    *histogram_ = isal_huff_histogram{};
    sampled_ = 0;
  }

 private:
  const size_t learn_bytes_, sample_stride_;
  std::unique_ptr<isal_huff_histogram> histogram_ = std::make_unique<isal_huff_histogram>();
  std::unique_ptr<isal_hufftables> tables_ = std::make_unique<isal_hufftables>();
  std::unique_ptr<isal_hufftables> spare_ = std::make_unique<isal_hufftables>();
  bool learned_ = false;     // tables_ hold a code made from this thread's records.
  size_t sampled_ = 0;       // Bytes in histogram_.
  size_t since_sample_ = 0;  // Bytes compressed since the last sample.
};

// One ISA-L igzip compressor per thread: its level buffer (the match finder's hash table) is
// allocated once, and the parts of a record are joined into one reused buffer, since a
// stateless call compresses one buffer. Small records (requests, revisits, redirects: WARC
// and HTTP heads) and the others (pages) each get a code of their own: a page's code made
// the small ones 2.6 % of the bench crawl's archive larger than level 1 did.
class Deflater {
 public:
  Deflater() : level_buf_(ISAL_DEF_LVL1_DEFAULT) {}
  Deflater(const Deflater&) = delete;
  Deflater& operator=(const Deflater&) = delete;

  // The parts, in order, as one gzip member appended to `*out`.
  void Append(std::initializer_list<std::string_view> parts, std::string* out) {
    size_t size = 0;
    for (std::string_view part : parts) size += part.size();
    if (size > UINT32_MAX / 2) throw std::runtime_error("igzip: a record over 2 GiB");
    input_.clear();
    for (std::string_view part : parts) input_.append(part);
    // Never larger than the input as stored blocks (5 bytes a block of up to 64 KiB) in a
    // gzip header and trailer; the header allowance covers the rest. Compressed into a
    // reused buffer, which only grows, and appended: `*out` is not zero-filled for it.
    const size_t bound = input_.size() + 5 * (input_.size() / 65535 + 1) + ISAL_DEF_MAX_HDR_SIZE;
    if (output_.size() < bound) output_.resize(bound);
    LearnedCode& code = input_.size() < kSmallRecord ? small_ : large_;
    isal_zstream& stream = *stream_;
    isal_deflate_stateless_init(&stream);
    stream.hist_bits = 0;  // The default window (libisal 2.30's init leaves it as it was).
    if (isal_hufftables* tables = code.tables()) {
      stream.level = 0;
      stream.hufftables = tables;
    } else {
      stream.level = kWarcGzipLevel;
      stream.level_buf = level_buf_.data();
      stream.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    }
    stream.gzip_flag = IGZIP_GZIP;
    stream.end_of_stream = 1;
    stream.flush = NO_FLUSH;
    stream.next_in = reinterpret_cast<uint8_t*>(input_.data());
    stream.avail_in = static_cast<uint32_t>(input_.size());
    stream.next_out = output_.data();
    stream.avail_out = static_cast<uint32_t>(bound);
    if (isal_deflate_stateless(&stream) != COMP_OK) {
      throw std::runtime_error("igzip: the gzip member did not fit its bound");
    }
    const size_t member_size = bound - stream.avail_out;
    out->append(reinterpret_cast<const char*>(output_.data()), member_size);
    code.Observe(input_, member_size);
    if (input_.capacity() > kKeptInput) {  // A huge record: let go.
      std::string().swap(input_);
      std::vector<uint8_t>().swap(output_);
    }
  }

 private:
  static constexpr size_t kKeptInput = size_t{1} << 20;
  static constexpr size_t kSmallRecord = size_t{4} << 10;

  std::vector<uint8_t> level_buf_;
  // About 80 KB: kept off the stack, zeroed once.
  std::unique_ptr<isal_zstream> stream_ = std::make_unique<isal_zstream>();
  std::string input_;            // The joined parts, reused.
  std::vector<uint8_t> output_;  // The member, before it is appended.
  LearnedCode small_{size_t{32} << 10, size_t{256} << 10};
  LearnedCode large_{size_t{256} << 10, size_t{2} << 20};
};

Deflater& ThreadDeflater() {
  thread_local Deflater deflater;
  return deflater;
}

}  // namespace

std::string GzipMember(std::string_view bytes) {
  std::string member;
  ThreadDeflater().Append({bytes}, &member);
  return member;
}

void AppendWarcRecord(std::string* out, const WarcFields& fields, std::string_view block,
                      std::string_view block_rest) {
  std::string head = "WARC/1.1\r\n";
  for (const auto& [name, value] : fields) head += name + ": " + value + "\r\n";
  head += "Content-Length: " + std::to_string(block.size() + block_rest.size()) + "\r\n\r\n";
  ThreadDeflater().Append({head, block, block_rest, "\r\n\r\n"}, out);
}

std::string BuildWarcRecord(const WarcFields& fields, std::string_view block,
                            std::string_view block_rest) {
  std::string record;
  AppendWarcRecord(&record, fields, block, block_rest);
  return record;
}

std::string BuildWarcinfo(const std::string& date, const std::string& filename,
                          const std::string& software, const WarcFields& info) {
  std::string block = "software: " + software + "\r\nformat: WARC File Format 1.1\r\n" +
                      "conformsTo: http://iipc.github.io/warc-specifications/specifications/"
                      "warc-format/warc-1.1/\r\n";
  for (const auto& [name, value] : info) block += name + ": " + value + "\r\n";
  WarcFields fields = {
      {"WARC-Type", "warcinfo"}, {"WARC-Record-ID", NewWarcRecordId()}, {"WARC-Date", date}};
  AddField(&fields, "WARC-Filename", filename);
  fields.emplace_back("Content-Type", "application/warc-fields");
  return BuildWarcRecord(fields, block);
}

std::string_view WirePayload(const WireCapture& capture, std::string* storage) {
  if (!IsChunked(capture.response_head)) return capture.body;
  std::string error;
  storage->clear();
  Dechunk(capture.body, storage, &error);  // Broken framing: what decoded.
  return *storage;
}

BuiltExchange BuildExchange(const WarcExchange& exchange, const WireCapture& capture,
                            std::string_view payload) {
  BuiltExchange built;
  if (capture.response_head.empty()) return built;
  const std::string response_id = NewWarcRecordId();
  if (!capture.request_head.empty()) {
    WarcFields fields = {{"WARC-Type", "request"},
                         {"WARC-Record-ID", NewWarcRecordId()},
                         {"WARC-Date", exchange.date},
                         {"WARC-Target-URI", exchange.target_uri},
                         {"WARC-Concurrent-To", response_id}};
    AddField(&fields, "WARC-IP-Address", exchange.ip);
    fields.emplace_back("WARC-Block-Digest", WarcSha1(capture.request_head));
    fields.emplace_back("Content-Type", "application/http;msgtype=request");
    AppendWarcRecord(&built.bytes, fields, capture.request_head);
  }
  const bool revisit = exchange.kind != WarcExchange::Kind::kResponse;
  WarcFields fields = {{"WARC-Type", revisit ? "revisit" : "response"},
                       {"WARC-Record-ID", response_id},
                       {"WARC-Date", exchange.date},
                       {"WARC-Target-URI", exchange.target_uri}};
  AddField(&fields, "WARC-IP-Address", exchange.ip);
  fields.insert(fields.end(), exchange.extra.begin(), exchange.extra.end());
  std::string block_digest;
  if (exchange.kind == WarcExchange::Kind::kResponse) {
    WarcDigests digests{exchange.payload_digest, exchange.block_digest};
    if (digests.payload.empty() || digests.block.empty()) {
      digests = WarcSha1Both(payload, capture.response_head, capture.body);
    }
    built.payload_digest = std::move(digests.payload);
    block_digest = std::move(digests.block);
  } else if (exchange.kind != WarcExchange::Kind::kNotModified) {
    built.payload_digest =
        exchange.payload_digest.empty() ? WarcSha1(payload) : exchange.payload_digest;
  }
  if (revisit) {
    fields.emplace_back("WARC-Profile", exchange.kind == WarcExchange::Kind::kNotModified
                                            ? kProfileNotModified
                                            : kProfileIdentical);
    AddField(&fields, "WARC-Refers-To-Target-URI", exchange.refers_to_uri);
    AddField(&fields, "WARC-Refers-To-Date", exchange.refers_to_date);
    AddField(&fields, "WARC-Payload-Digest", built.payload_digest);
    fields.emplace_back("WARC-Block-Digest", WarcSha1(capture.response_head));
    fields.emplace_back("Content-Type", "application/http;msgtype=response");
    const size_t start = built.bytes.size();
    AppendWarcRecord(&built.bytes, fields, capture.response_head);
    built.index.push_back(CdxjEntry{exchange.target_uri, exchange.date, true, capture.response_head,
                                    built.payload_digest, start, built.bytes.size() - start});
    return built;
  }
  fields.emplace_back("WARC-Payload-Digest", built.payload_digest);
  fields.emplace_back("WARC-Block-Digest", block_digest);
  AddField(&fields, "WARC-Truncated", capture.truncated);
  fields.emplace_back("Content-Type", "application/http;msgtype=response");
  const size_t start = built.bytes.size();
  AppendWarcRecord(&built.bytes, fields, capture.response_head, capture.body);
  built.index.push_back(CdxjEntry{exchange.target_uri, exchange.date, false, capture.response_head,
                                  built.payload_digest, start, built.bytes.size() - start});
  return built;
}

}  // namespace medscrape

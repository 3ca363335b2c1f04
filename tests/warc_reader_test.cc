// WarcReader on hand-built WARC files (plain, one gzip member per record, one gzip stream),
// broken ones included, and ParseHttpResponse on stored HTTP responses.
#include "warc/warc_reader.h"

#include <brotli/encode.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "gzip_test_util.h"
#include "warc/http_message.h"
#include "warc_test_util.h"

namespace medscrape {
namespace {

using testing::Gzip;
using testing::Read;
using testing::ReadAll;
using testing::TempFile;

std::string Record(const std::string& uri, const std::string& block,
                   const std::string& length = "") {
  return "WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: " + uri +
         "\r\nWARC-Date: 2026-12-05T03:22:12Z\r\n"
         "Content-Type: application/http; msgtype=response\r\nContent-Length: " +
         (length.empty() ? std::to_string(block.size()) : length) + "\r\n\r\n" + block + "\r\n\r\n";
}

const std::vector<std::string> kBlocks = {"HTTP/1.1 200 OK\r\n\r\nfirst",
                                          "HTTP/1.1 200 OK\r\n\r\nsecond block",
                                          "HTTP/1.1 200 OK\r\n\r\nthird"};

std::vector<std::string> ThreeRecords() {
  std::vector<std::string> records;
  for (size_t i = 0; i < kBlocks.size(); ++i) {
    records.push_back(Record("http://a.test/" + std::to_string(i), kBlocks[i]));
  }
  return records;
}

std::string Concat(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& part : parts) out += part;
  return out;
}

std::vector<std::string> Members(const std::vector<std::string>& records) {
  std::vector<std::string> members;
  for (const std::string& record : records) members.push_back(Gzip(record));
  return members;
}

TEST_CASE("a plain WARC gives each record with its offset and length and fields and block") {
  const std::vector<std::string> records = ThreeRecords();
  const ReadAll all = Read(Concat(records));
  REQUIRE(all.errors.empty());
  REQUIRE(all.records.size() == 3);
  uint64_t offset = 0;
  for (size_t i = 0; i < 3; ++i) {
    CHECK(all.records[i].offset == offset);
    CHECK(all.records[i].length == records[i].size());
    CHECK(all.records[i].block == kBlocks[i]);
    CHECK(all.records[i].version == "WARC/1.1");
    CHECK(all.records[i].Get("warc-target-uri") == "http://a.test/" + std::to_string(i));
    CHECK(all.records[i].Type() == "response");
    offset += records[i].size();
  }
  CHECK(all.records[0].fields.front().first == "WARC-Type");
  CHECK(all.records[0].Find("X-Absent") == nullptr);
}

TEST_CASE("a .warc.gz gives each member's offset and length") {
  const std::vector<std::string> members = Members(ThreeRecords());
  const ReadAll all = Read(Concat(members));
  REQUIRE(all.errors.empty());
  REQUIRE(all.records.size() == 3);
  CHECK(all.records[1].offset == members[0].size());
  CHECK(all.records[1].length == members[1].size());
  CHECK(all.records[2].offset == members[0].size() + members[1].size());
  CHECK(all.records[2].block == kBlocks[2]);
}

TEST_CASE("a whole file gzipped as one stream gives every record") {
  const ReadAll all = Read(Gzip(Concat(ThreeRecords())));
  REQUIRE(all.errors.empty());
  REQUIRE(all.records.size() == 3);
  CHECK(all.records[2].offset == 0);
  CHECK(all.records[2].member_index == 2);
  CHECK(all.records[1].block == kBlocks[1]);
}

TEST_CASE("a corrupt gzip member in the middle costs only its record") {
  std::vector<std::string> members = Members(ThreeRecords());
  for (size_t i = 12; i < members[1].size() - 12; ++i) members[1][i] ^= 0x55;
  const ReadAll all = Read(Concat(members));
  REQUIRE(all.records.size() == 2);
  CHECK(all.records[0].block == kBlocks[0]);
  CHECK(all.records[1].block == kBlocks[2]);
  CHECK(all.records[1].offset == members[0].size() + members[1].size());
  REQUIRE(all.errors.size() == 1);
  CHECK(all.errors[0].offset == members[0].size());
  CHECK_THAT(all.errors[0].Describe(), Catch::StartsWith(all.errors[0].file + "@" +
                                                         std::to_string(members[0].size()) + ": "));
}

TEST_CASE("a truncated last record is an error at its offset") {
  const std::vector<std::string> records = ThreeRecords();
  SECTION("plain") {
    const std::string bytes = Concat(records);
    const ReadAll all = Read(bytes.substr(0, bytes.size() - 10));
    CHECK(all.records.size() == 2);
    REQUIRE(all.errors.size() == 1);
    CHECK(all.errors[0].offset == records[0].size() + records[1].size());
    CHECK_THAT(all.errors[0].message, Catch::StartsWith("truncated record"));
  }
  SECTION("gzip") {
    const std::vector<std::string> members = Members(records);
    const std::string bytes = Concat(members);
    const ReadAll all = Read(bytes.substr(0, bytes.size() - members[2].size() / 2));
    CHECK(all.records.size() == 2);
    REQUIRE(all.errors.size() == 1);
    CHECK(all.errors[0].offset == members[0].size() + members[1].size());
    CHECK_THAT(all.errors[0].message, Catch::StartsWith("truncated record"));
  }
  SECTION("in the header") {
    const ReadAll all = Read(records[0] + records[1].substr(0, 30));
    CHECK(all.records.size() == 1);
    REQUIRE(all.errors.size() == 1);
    CHECK(all.errors[0].offset == records[0].size());
  }
}

TEST_CASE("a Content-Length that lies costs only its record") {
  std::vector<std::string> records = ThreeRecords();
  const std::string length = GENERATE(as<std::string>{}, "3", "40", "9999");
  records[1] = Record("http://a.test/1", kBlocks[1], length);
  SECTION("plain") {
    const ReadAll all = Read(Concat(records));
    REQUIRE(all.records.size() == 2);
    CHECK(all.records[1].block == kBlocks[2]);
    CHECK(all.records[1].offset == records[0].size() + records[1].size());
    REQUIRE(all.errors.size() == 1);
    CHECK(all.errors[0].offset == records[0].size());
  }
  SECTION("gzip") {
    const std::vector<std::string> members = Members(records);
    const ReadAll all = Read(Concat(members));
    REQUIRE(all.records.size() == 2);
    CHECK(all.records[1].block == kBlocks[2]);
    REQUIRE(all.errors.size() == 1);
    CHECK(all.errors[0].offset == members[0].size());
    CHECK_THAT(all.errors[0].message, Catch::StartsWith("Content-Length lies"));
  }
}

TEST_CASE("bad headers and oversized blocks are errors for their record only") {
  std::vector<std::string> records = ThreeRecords();
  SECTION("no Content-Length") {
    records[1] = "WARC/1.0\r\nWARC-Type: response\r\n\r\nbody\r\n\r\n";
  }
  SECTION("a bad header line") {
    records[1] = "WARC/1.0\r\nnot a field\r\nContent-Length: 4\r\n\r\nbody\r\n\r\n";
  }
  SECTION("not WARC at all") { records[1] = "GARBAGE\r\n\r\n"; }
  SECTION("a block over the limit") {
    records[1] = Record("http://a.test/1", std::string(80, 'x'));
  }
  WarcReaderOptions options;
  options.max_block_bytes = 64;
  for (const bool gzip : {false, true}) {
    const ReadAll all = Read(gzip ? Concat(Members(records)) : Concat(records), options);
    REQUIRE(all.records.size() == 2);
    CHECK(all.records[1].block == kBlocks[2]);
    REQUIRE(all.errors.size() == 1);
    CHECK(all.errors[0].offset == (gzip ? Gzip(records[0]).size() : records[0].size()));
  }
}

TEST_CASE("Seek goes back to a record read earlier") {
  const std::vector<std::string> members = Members(ThreeRecords());
  TempFile file(Concat(members));
  Result<std::unique_ptr<WarcReader>> reader = WarcReader::Open(file.path());
  REQUIRE(reader.ok());
  CHECK(reader.value()->gzip());
  WarcRecord record;
  WarcError error;
  while (reader.value()->Next(&record, &error) != WarcReader::Item::kEnd) {
  }
  reader.value()->Seek(members[0].size(), 0);
  REQUIRE(reader.value()->Next(&record, &error) == WarcReader::Item::kRecord);
  CHECK(record.block == kBlocks[1]);
  TempFile stream(Gzip(Concat(ThreeRecords())));
  reader = WarcReader::Open(stream.path());
  REQUIRE(reader.ok());
  reader.value()->Seek(0, 2);
  REQUIRE(reader.value()->Next(&record, &error) == WarcReader::Item::kRecord);
  CHECK(record.block == kBlocks[2]);
}

TEST_CASE("hostile bytes end the reader without a crash") {
  std::string noise;
  uint32_t state = 12345;
  for (int i = 0; i < 100000; ++i) {
    state = state * 1103515245 + 12345;
    noise.push_back(static_cast<char>(state >> 16));
  }
  const ReadAll plain = Read("WARC/1.0\r\n" + noise);
  CHECK(plain.records.empty());
  const ReadAll gzip = Read("\x1f\x8b\x08" + noise + Gzip(ThreeRecords()[0]));
  REQUIRE(gzip.records.size() == 1);
  CHECK(gzip.records[0].block == kBlocks[0]);
  CHECK(Read("").records.empty());
  CHECK(IsWarcName("a/B.WARC.GZ"));
  CHECK(IsWarcName("x.warc"));
  CHECK_FALSE(IsWarcName("x.warc.html"));
}

std::string Chunked(const std::string& body) {
  std::string out;
  for (size_t at = 0; at < body.size(); at += 7) {
    const std::string part = body.substr(at, 7);
    char size[16];
    std::snprintf(size, sizeof(size), "%zx", part.size());
    out += std::string(size) + "\r\n" + part + "\r\n";
  }
  return out + "0\r\n\r\n";
}

const std::string kPage = "<html><head><title>t</title></head><body>页面</body></html>";

TEST_CASE("a chunked and gzip-encoded body is decoded") {
  const std::string block =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n"
      "Content-Encoding: gzip\r\nContent-Type: text/html;\r\n charset=utf-8\r\n\r\n" +
      Chunked(Gzip(kPage));
  Result<HttpResponse> response = ParseHttpResponse(block);
  REQUIRE(response.ok());
  CHECK(response.value().status == 200);
  CHECK(response.value().version == "HTTP/1.1");
  CHECK(response.value().reason == "OK");
  CHECK(response.value().body == kPage);
  CHECK(response.value().Header("content-type") == "text/html; charset=utf-8");
  CHECK(response.value().warnings.empty());
}

TEST_CASE("broken chunking keeps what decoded with a warning") {
  const std::string chunked = Chunked(kPage);
  const std::string block =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.substr(0, 24) + "zz\r\n";
  Result<HttpResponse> response = ParseHttpResponse(block);
  REQUIRE(response.ok());
  CHECK(response.value().body == kPage.substr(0, 14));
  REQUIRE(response.value().warnings.size() == 1);
  CHECK_THAT(response.value().warnings[0], Catch::StartsWith("chunked framing broken"));
  Result<HttpResponse> cut = ParseHttpResponse(
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunked.substr(0, 12));
  REQUIRE(cut.ok());
  CHECK(cut.value().body == kPage.substr(0, 7));
  CHECK(cut.value().warnings.size() == 1);
}

TEST_CASE("a br body and an HTTP/2 status line") {
  std::string br(BrotliEncoderMaxCompressedSize(kPage.size()), '\0');
  size_t size = br.size();
  REQUIRE(BrotliEncoderCompress(BROTLI_DEFAULT_QUALITY, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT,
                                kPage.size(), reinterpret_cast<const uint8_t*>(kPage.data()), &size,
                                reinterpret_cast<uint8_t*>(br.data())));
  br.resize(size);
  Result<HttpResponse> response = ParseHttpResponse(
      "HTTP/2 200\r\ncontent-encoding: br\r\ncontent-type: text/html\r\n\r\n" + br);
  REQUIRE(response.ok());
  CHECK(response.value().version == "HTTP/2");
  CHECK(response.value().status == 200);
  CHECK(response.value().body == kPage);
}

TEST_CASE("what is no HTTP response or decodes too far is an error") {
  CHECK_FALSE(ParseHttpResponse("GET / HTTP/1.1\r\n\r\n").ok());
  CHECK_FALSE(ParseHttpResponse("HTTP/1.1 20x OK\r\n\r\n").ok());
  CHECK_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\nX: y").ok());
  CHECK_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\nnot gzip").ok());
  const std::string gzip = Gzip(kPage);
  CHECK_FALSE(ParseHttpResponse("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n\r\n" +
                                gzip.substr(0, gzip.size() / 2))
                  .ok());
  HttpMessageOptions options;
  options.max_body_bytes = 100;
  Result<HttpResponse> bomb = ParseHttpResponse(
      "HTTP/1.0 200 OK\r\nContent-Encoding: gzip\r\n\r\n" + Gzip(std::string(1000, ' ')), options);
  REQUIRE_FALSE(bomb.ok());
  CHECK(bomb.status().code() == StatusCode::kTooLarge);
  Result<HttpResponse> plain = ParseHttpResponse("HTTP/1.0 404 Not Found\n\nmissing");
  REQUIRE(plain.ok());
  CHECK(plain.value().status == 404);
  CHECK(plain.value().body == "missing");
}

}  // namespace
}  // namespace medscrape

// The records BuildExchange and BuildWarcinfo make, read back with WarcReader; SURT keys and
// the CDXJ index of a written file.
#include "warc/warc_writer.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "warc/cdxj.h"
#include "warc/digest.h"
#include "warc_test_util.h"

namespace medscrape {
namespace {

using testing::Read;
using testing::ReadAll;
using testing::TempFile;

const char kRequest[] = "GET /a HTTP/1.1\r\nHost: x.test\r\n\r\n";
const char kChunkedHead[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n";

WireCapture Chunked() {
  WireCapture capture;
  capture.request_head = kRequest;
  capture.response_head = kChunkedHead;
  capture.body = "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
  return capture;
}

WarcExchange Exchange(WarcExchange::Kind kind = WarcExchange::Kind::kResponse) {
  WarcExchange exchange;
  exchange.kind = kind;
  exchange.target_uri = "http://x.test/a";
  exchange.date = "2026-12-05T07:00:00Z";
  exchange.ip = "127.0.0.1";
  exchange.refers_to_uri = "http://x.test/a";
  exchange.refers_to_date = "2026-12-04T07:00:00Z";
  exchange.extra = {{"Medscrape-Kind", "page"}};
  return exchange;
}

TEST_CASE("a response keeps the wire bytes, its payload digest is over the dechunked body") {
  const WireCapture capture = Chunked();
  std::string dechunked;
  const std::string_view payload = WirePayload(capture, &dechunked);
  CHECK(payload == "hello world");
  const BuiltExchange built = BuildExchange(Exchange(), capture, payload);
  CHECK(built.payload_digest == WarcSha1("hello world"));
  const ReadAll all = Read(built.bytes);
  REQUIRE(all.errors.empty());
  REQUIRE(all.records.size() == 2);
  const WarcRecord& request = all.records[0];
  const WarcRecord& response = all.records[1];
  CHECK(request.version == "WARC/1.1");
  CHECK(request.Type() == "request");
  CHECK(request.block == kRequest);
  CHECK(request.Get("WARC-Concurrent-To") == response.Get("WARC-Record-ID"));
  CHECK(request.Get("Content-Type") == "application/http;msgtype=request");
  CHECK(response.Type() == "response");
  CHECK(response.block == std::string(kChunkedHead) + capture.body);
  CHECK(response.Get("WARC-Payload-Digest") == WarcSha1("hello world"));
  CHECK(response.Get("WARC-Block-Digest") == WarcSha1(response.block));
  CHECK(response.Get("WARC-Target-URI") == "http://x.test/a");
  CHECK(response.Get("WARC-Date") == "2026-12-05T07:00:00Z");
  CHECK(response.Get("WARC-IP-Address") == "127.0.0.1");
  CHECK(response.Get("Medscrape-Kind") == "page");
  CHECK(response.Get("WARC-Truncated").empty());
  CHECK(response.Get("WARC-Refers-To-Target-URI").empty());  // Only revisits refer.
  // One gzip member per record: the second starts where the first ends.
  CHECK(all.records[0].length > 0);
  CHECK(all.records[1].offset == all.records[0].length);
  CHECK(all.records[1].offset + all.records[1].length == built.bytes.size());
}

TEST_CASE("revisits hold the head only, with their profile and what they refer to") {
  WireCapture capture = Chunked();
  const BuiltExchange same =
      BuildExchange(Exchange(WarcExchange::Kind::kIdenticalPayload), capture, "hello world");
  ReadAll all = Read(same.bytes);
  REQUIRE(all.records.size() == 2);
  CHECK(all.records[1].Type() == "revisit");
  CHECK(all.records[1].Get("WARC-Profile") ==
        "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest");
  CHECK(all.records[1].Get("WARC-Payload-Digest") == WarcSha1("hello world"));
  CHECK(all.records[1].Get("WARC-Refers-To-Date") == "2026-12-04T07:00:00Z");
  CHECK(all.records[1].block == kChunkedHead);

  capture.response_head = "HTTP/1.1 304 Not Modified\r\nETag: \"v1\"\r\n\r\n";
  capture.body.clear();
  const BuiltExchange not_modified =
      BuildExchange(Exchange(WarcExchange::Kind::kNotModified), capture, "");
  CHECK(not_modified.payload_digest.empty());
  all = Read(not_modified.bytes);
  REQUIRE(all.records.size() == 2);
  CHECK(all.records[1].Get("WARC-Profile") ==
        "http://netpreserve.org/warc/1.1/revisit/server-not-modified");
  CHECK(all.records[1].Find("WARC-Payload-Digest") == nullptr);
  CHECK(all.records[1].Get("WARC-Refers-To-Target-URI") == "http://x.test/a");
  CHECK(all.records[1].block == capture.response_head);
}

TEST_CASE("a cut body is marked WARC-Truncated and no response means no records") {
  WireCapture capture;
  capture.request_head = kRequest;
  capture.response_head = "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n";
  capture.body = "only part";
  capture.truncated = "disconnect";
  std::string dechunked;
  ReadAll all = Read(BuildExchange(Exchange(), capture, WirePayload(capture, &dechunked)).bytes);
  REQUIRE(all.records.size() == 2);
  CHECK(all.records[1].Get("WARC-Truncated") == "disconnect");
  CHECK(all.records[1].Get("WARC-Payload-Digest") == WarcSha1("only part"));

  capture.response_head.clear();  // Connection refused: nothing came back.
  CHECK(BuildExchange(Exchange(), capture, "").bytes.empty());
}

TEST_CASE("records of any size and content read back whole, each its own gzip member") {
  // Incompressible bytes (stored blocks: the output bound is tight), a record larger than
  // 64 KiB blocks and than the reader's 8 MiB one-shot limit, and an empty block.
  std::mt19937 random(7);
  std::string noise(300 * 1024, '\0');
  for (char& byte : noise) byte = static_cast<char>(random());
  std::string text;
  while (text.size() < 9 * 1024 * 1024) text += "<p>鼻炎的治疗方法 " + std::to_string(text.size());
  const WarcFields fields = {{"WARC-Type", "resource"}, {"WARC-Record-ID", NewWarcRecordId()}};
  const std::vector<std::string> blocks = {noise, text, ""};
  std::string file;
  std::vector<size_t> starts;
  for (const std::string& block : blocks) {
    starts.push_back(file.size());
    file +=
        BuildWarcRecord(fields, block.substr(0, 100),
                        std::string_view(block).substr(100 < block.size() ? 100 : block.size()));
  }
  CHECK(file.size() - starts[2] < 200);            // The empty one.
  CHECK(starts[2] - starts[1] < text.size() / 3);  // Compressed.
  const ReadAll all = Read(file);
  REQUIRE(all.records.size() == blocks.size());
  for (size_t i = 0; i < blocks.size(); ++i) {
    CHECK(all.records[i].offset == starts[i]);
    CHECK(all.records[i].Get("Content-Length") == std::to_string(blocks[i].size()));
    CHECK(all.records[i].block == blocks[i]);
  }
  CHECK(all.errors.empty());
}

TEST_CASE("warcinfo holds application/warc-fields with the software and the job") {
  const std::string info =
      BuildWarcinfo("2026-12-05T07:00:00Z", "site.warc.gz", "medscrape/9", {{"job", "nightly"}});
  const ReadAll all = Read(info);
  REQUIRE(all.records.size() == 1);
  CHECK(all.records[0].Type() == "warcinfo");
  CHECK(all.records[0].Get("WARC-Filename") == "site.warc.gz");
  CHECK(all.records[0].Get("Content-Type") == "application/warc-fields");
  CHECK_THAT(all.records[0].block, Catch::StartsWith("software: medscrape/9\r\n"));
  CHECK_THAT(all.records[0].block, Catch::Contains("format: WARC File Format 1.1\r\n"));
  CHECK_THAT(all.records[0].block, Catch::EndsWith("job: nightly\r\n"));
  CHECK(NewWarcRecordId() != NewWarcRecordId());
  CHECK_THAT(NewWarcRecordId(),
             Catch::Matches("<urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-"
                            "[0-9a-f]{12}>"));
}

TEST_CASE("SURT keys reverse the host, drop www and default ports, keep IPs as they are") {
  CHECK(SurtKey("http://www.Example.com/A/b?x=1#frag") == "com,example)/a/b?x=1");
  CHECK(SurtKey("https://mfk.com:443") == "com,mfk)/");
  CHECK(SurtKey("http://m.mfk.com:8080/jingxuan/1.shtml") == "com,mfk,m:8080)/jingxuan/1.shtml");
  CHECK(SurtKey("http://127.0.0.1:8000/a") == "127.0.0.1:8000)/a");
  CHECK(CdxjPathFor("out/site-00001.warc.gz") == "out/site-00001.cdxj");
  CHECK(CdxjPathFor("a.WARC") == "a.cdxj");
}

TEST_CASE("the CDXJ index has a sorted line per response and revisit pointing at its member") {
  WireCapture capture = Chunked();
  WarcExchange b = Exchange();
  b.target_uri = "http://x.test/b";
  std::string bytes = BuildWarcinfo("2026-12-05T07:00:00Z", "f.warc.gz", "medscrape/9", {});
  std::string dechunked;
  bytes += BuildExchange(b, capture, WirePayload(capture, &dechunked)).bytes;
  bytes += BuildExchange(Exchange(WarcExchange::Kind::kIdenticalPayload), capture, "x").bytes;
  TempFile file(bytes);
  const std::string warc = file.path() + ".warc.gz";
  REQUIRE(std::rename(file.path().c_str(), warc.c_str()) == 0);
  Result<int64_t> lines = WriteCdxj(warc);
  REQUIRE(lines.ok());
  CHECK(lines.value() == 2);
  std::ifstream in(CdxjPathFor(warc));
  std::vector<std::string> got;
  for (std::string line; std::getline(in, line);) got.push_back(line);
  REQUIRE(got.size() == 2);
  CHECK_THAT(got[0], Catch::StartsWith("test,x)/a 20261205070000 {"));
  CHECK_THAT(got[1], Catch::StartsWith("test,x)/b 20261205070000 {"));
  const auto revisit = nlohmann::json::parse(got[0].substr(got[0].find('{')));
  CHECK(revisit["mime"] == "warc/revisit");
  const auto response = nlohmann::json::parse(got[1].substr(got[1].find('{')));
  CHECK(response["url"] == "http://x.test/b");
  CHECK(response["mime"] == "text/html");
  CHECK(response["status"] == "200");
  CHECK(response["digest"] == WarcSha1("hello world").substr(5));
  const ReadAll all = Read(bytes);
  REQUIRE(all.records.size() == 5);
  CHECK(response["offset"] == std::to_string(all.records[2].offset));
  CHECK(response["length"] == std::to_string(all.records[2].length));
  std::remove(warc.c_str());
  std::remove(CdxjPathFor(warc).c_str());
}

}  // namespace
}  // namespace medscrape

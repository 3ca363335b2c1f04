// The gzip members of WARC records (GzipMember): a thread's first records at igzip's level
// 1, its later ones at level 0 with Huffman tables learned from the earlier ones. Every
// member is inflated by zlib, an independent reader.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fixture_util.h"
#include "gzip_test_util.h"
#include "warc/warc_writer.h"

namespace medscrape {
namespace {

using testing::Gunzip;
using testing::ReadFixture;

constexpr size_t kGzipHeader = 10;  // RFC 1952, no optional fields.

std::vector<std::string> MfkPages() {
  std::vector<std::string> pages;
  for (const char* name : {"mfk-article-seed", "mfk-article-ads-wan", "mfk-ask-reference",
                           "mfk-article-bom-crlf-wrapped"}) {
    pages.push_back(ReadFixture(std::string("fixtures/mfk/") + name + ".html"));
    REQUIRE(pages.back().size() > 4096);  // Pages, not small records: the pages' code.
  }
  return pages;
}

// Compresses `pages` round after round until `bytes` of them went through.
void Feed(const std::vector<std::string>& pages, size_t bytes) {
  for (size_t fed = 0; fed < bytes;) {
    for (const std::string& page : pages) {
      GzipMember(page);
      fed += page.size();
    }
  }
}

// The first bytes of the deflate stream: a dynamic block's header, its code lengths.
std::string BlockHeader(const std::string& member) {
  REQUIRE(member.size() > kGzipHeader + 24);
  return member.substr(kGzipHeader, 24);
}

// Runs `body` on a thread of its own, so that it starts with a deflate state nothing else
// has used.
template <typename Body>
void OnFreshThread(Body body) {
  std::thread thread(body);
  thread.join();
}

TEST_CASE("a thread's later members use Huffman tables learned from its earlier ones") {
  const std::vector<std::string> pages = MfkPages();
  OnFreshThread([&] {
    // Level 1: each member has a code of its own.
    const std::string first = GzipMember(pages[0]);
    const std::string second = GzipMember(pages[1]);
    CHECK(BlockHeader(first) != BlockHeader(second));
    CHECK(Gunzip(first) == pages[0]);
    size_t fed = pages[0].size() + pages[1].size();
    for (int round = 0; fed < (size_t{512} << 10); ++round) {
      const std::string& page = pages[round % pages.size()];
      REQUIRE(Gunzip(GzipMember(page)) == page);
      fed += page.size();
    }
    // Level 0 with the learned tables: one code for all, so one header for all (the tables
    // are remade only after megabytes, so of three members in a row two share them).
    const std::string a = GzipMember(pages[0]), b = GzipMember(pages[1]), c = GzipMember(pages[2]);
    CHECK((BlockHeader(a) == BlockHeader(b) || BlockHeader(b) == BlockHeader(c)));
    CHECK(Gunzip(a) == pages[0]);
    CHECK(Gunzip(b) == pages[1]);
    CHECK(Gunzip(c) == pages[2]);
    // About level 1's size: the tables fit the pages.
    CHECK(a.size() <= first.size() * 103 / 100);
  });
}

TEST_CASE("the tables follow what the crawl fetches now: another site's pages remake them") {
  const std::vector<std::string> mfk = MfkPages();
  std::vector<std::string> others;  // xywy in GBK, 120ask in UTF-8.
  for (const char* path : {"xywy/xywy-reference", "120ask/120ask-reference"}) {
    others.push_back(ReadFixture(std::string("fixtures/") + path + ".html"));
    REQUIRE(others.back().size() > 4096);
  }
  OnFreshThread([&] {
    Feed(mfk, size_t{512} << 10);
    const std::string before = GzipMember(others[0]);
    // A sample each 2 MB, at most 32 KB of each, 256 KB a table: 16 MB of the other sites and
    // the tables are theirs.
    Feed(others, size_t{24} << 20);
    const std::string after = GzipMember(others[0]);
    CHECK(BlockHeader(after) != BlockHeader(before));
    CHECK(after.size() < before.size());
    CHECK(Gunzip(after) == others[0]);
  });
}

// A request record as the crawl writes one: the WARC head and the HTTP request head.
std::string RequestRecord(int n) {
  const std::string url =
      "https://www.mfk.com/ask/" + std::to_string(1000000 + n * 7919) + ".shtml";
  const std::string head = "GET /ask/" + std::to_string(1000000 + n * 7919) +
                           ".shtml HTTP/1.1\r\nHost: www.mfk.com\r\nUser-Agent: medscrape/0.1\r\n"
                           "Accept: */*\r\nAccept-Encoding: gzip, br\r\n\r\n";
  return "WARC/1.1\r\nWARC-Type: request\r\nWARC-Record-ID: <urn:uuid:" +
         std::to_string(n * 104729) +
         ">\r\nWARC-Date: 2026-12-06T23:" + std::to_string(10 + n % 50) +
         ":00Z\r\nWARC-Target-URI: " + url + "\r\nContent-Length: " + std::to_string(head.size()) +
         "\r\n\r\n" + head + "\r\n\r\n";
}

TEST_CASE("small records learn a code of their own beside the pages' one") {
  const std::vector<std::string> pages = MfkPages();
  OnFreshThread([&] {
    size_t fed = 0;
    for (int n = 0; fed < (size_t{64} << 10); ++n) {  // Requests only: the small code.
      const std::string record = RequestRecord(n);
      REQUIRE(Gunzip(GzipMember(record)) == record);
      fed += record.size();
    }
    const std::string x = RequestRecord(901), y = RequestRecord(902), z = RequestRecord(903);
    const std::string a = GzipMember(x), b = GzipMember(y), c = GzipMember(z);
    CHECK((BlockHeader(a) == BlockHeader(b) || BlockHeader(b) == BlockHeader(c)));
    CHECK(Gunzip(a) == x);
    CHECK(Gunzip(b) == y);
    // Small inputs the requests never had, coded with their tables.
    std::mt19937 random(5);
    std::string noise(3000, '\0');
    for (char& byte : noise) byte = static_cast<char>(random());
    for (const std::string& input :
         {noise, std::string(), std::string("x"), std::string(2000, '\0')}) {
      CHECK(Gunzip(GzipMember(input)) == input);
    }
    // The pages have learned nothing yet: level 1, a code of their own per member.
    const std::string p0 = GzipMember(pages[0]), p1 = GzipMember(pages[1]);
    CHECK(BlockHeader(p0) != BlockHeader(p1));
    CHECK(BlockHeader(p0) != BlockHeader(b));
    CHECK(Gunzip(p0) == pages[0]);
  });
}

TEST_CASE("the pages' learned tables code any large input whether noise or other bytes") {
  const std::vector<std::string> pages = MfkPages();
  OnFreshThread([&] {
    Feed(pages, size_t{512} << 10);
    std::mt19937 random(11);
    std::string noise(200 * 1024, '\0');
    for (char& byte : noise) byte = static_cast<char>(random());
    std::string bytes;  // Every byte value, runs and repeats the pages never had.
    for (int i = 0; i < 70000; ++i) bytes += static_cast<char>((i * 7919) % 256);
    bytes += std::string(5000, '\xff') + std::string(300, '\0');
    // (Empty and one-byte inputs are small records: their own code, tested above.)
    for (const std::string& input : {noise, bytes}) {
      const std::string member = GzipMember(input);
      CHECK(Gunzip(member) == input);
      CHECK(member.size() <= input.size() + 5 * (input.size() / 65535 + 1) + 40);
    }
    CHECK(GzipMember(bytes).size() < bytes.size() / 4);  // Still compressed.
  });
}

}  // namespace
}  // namespace medscrape

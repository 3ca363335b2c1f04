// The archive's exactly-once bookkeeping on a real SQLite job and real files: staged ends
// commit with the next URL transition only, a resume cuts a file back to its committed end,
// and --warc-max-size rotates to numbered files.
#include "crawl/crawl_archive.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fetch_test_server.h"
#include "warc/cdxj.h"
#include "warc/warc_reader.h"

namespace medscrape {
namespace {

using testing::TempDir;

int64_t SizeOf(const std::string& path) {
  struct stat info;
  return ::stat(path.c_str(), &info) == 0 ? static_cast<int64_t>(info.st_size) : -1;
}

std::unique_ptr<StateStore> Store(const TempDir& dir) {
  Result<std::unique_ptr<StateStore>> store = OpenStateStore(dir.path() + "/job.db", false);
  REQUIRE(store.ok());
  return std::move(store).value();
}

int64_t Committed(StateStore& store, const std::string& path) {
  Result<std::vector<OutputFile>> files = store.Archives();
  REQUIRE(files.ok());
  for (const OutputFile& file : files.value()) {
    if (file.path == path) return file.offset;
  }
  return -1;
}

// A record to append: one gzip member (what BuildExchange makes).
std::string Member(const std::string& uri) {
  WireCapture capture;
  capture.response_head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n";
  uint32_t seed = 12345;  // Bytes gzip cannot shrink much, so sizes are predictable.
  for (int i = 0; i < 600; ++i) {
    seed = seed * 1103515245 + 12345;
    capture.body += static_cast<char>('a' + (seed >> 16) % 26);
  }
  WarcExchange exchange;
  exchange.target_uri = uri;
  exchange.date = "2026-12-05T07:00:00Z";
  return BuildExchange(exchange, capture, capture.body).bytes;
}

int CountRecords(const std::string& path) {
  Result<std::unique_ptr<WarcReader>> reader = WarcReader::Open(path);
  REQUIRE(reader.ok());
  WarcRecord record;
  WarcError error;
  int records = 0;
  for (;;) {
    const WarcReader::Item item = reader.value()->Next(&record, &error);
    REQUIRE(item != WarcReader::Item::kError);
    if (item == WarcReader::Item::kEnd) return records;
    ++records;
  }
}

TEST_CASE("archive ends commit with the next URL transition, and a resume cuts the rest") {
  TempDir dir;
  ArchiveOptions options;
  options.name = dir.path() + "/site";
  options.software = "medscrape/test";
  const std::string path = dir.path() + "/site.warc.gz";
  int64_t first_end = 0;
  {
    auto store = Store(dir);
    REQUIRE(store
                ->AddUrls({NewUrl{"http://a.test/1", "a.test", "page", 0, 0},
                           NewUrl{"http://a.test/2", "a.test", "page", 0, 0}})
                .ok());
    std::vector<std::string> warnings;
    Result<std::unique_ptr<CrawlArchive>> archive = CrawlArchive::Open(options, *store, &warnings);
    REQUIRE(archive.ok());
    CHECK(warnings.empty());
    CHECK(Committed(*store, path) == 0);
    REQUIRE(archive.value()->Write(Member("http://a.test/1"), "2026-12-05T07:00:00Z").ok());
    first_end = SizeOf(path);
    CHECK(Committed(*store, path) == 0);  // Staged only.
    REQUIRE(store->MarkSkipped(1, "robots").ok());
    CHECK(Committed(*store, path) == first_end);
    // Written, never committed: as if killed before the URL's transition.
    REQUIRE(archive.value()->Write(Member("http://a.test/2"), "2026-12-05T07:00:00Z").ok());
    CHECK(SizeOf(path) > first_end);
  }
  auto store = Store(dir);
  CHECK(Committed(*store, path) == first_end);
  std::vector<std::string> warnings;
  Result<std::unique_ptr<CrawlArchive>> archive = CrawlArchive::Open(options, *store, &warnings);
  REQUIRE(archive.ok());
  CHECK(SizeOf(path) == first_end);
  REQUIRE(warnings.size() == 1);
  CHECK_THAT(warnings[0], Catch::Contains("cut back to its last committed record"));
  CHECK(CountRecords(path) == 2);  // warcinfo and the first response.
  // This run's own warcinfo opens its part of the file; CommitArchives needs no transition.
  REQUIRE(archive.value()->Write(Member("http://a.test/2"), "2026-12-05T08:00:00Z").ok());
  Result<int> indexed = archive.value()->Finish(&warnings);
  REQUIRE(indexed.ok());
  CHECK(indexed.value() == 1);
  CHECK(Committed(*store, path) == SizeOf(path));
  CHECK(CountRecords(path) == 4);
  CHECK(SizeOf(dir.path() + "/site.cdxj") > 0);
}

TEST_CASE("with a size limit, files are numbered and a new one starts before the limit") {
  TempDir dir;
  ArchiveOptions options;
  options.name = dir.path() + "/part";
  options.max_size = 1500;
  const std::string member = Member("http://a.test/1");
  REQUIRE(member.size() < 1500);
  CHECK(CrawlArchive::PathFor(options, 7) == dir.path() + "/part-00007.warc.gz");
  {
    auto store = Store(dir);
    std::vector<std::string> warnings;
    Result<std::unique_ptr<CrawlArchive>> archive = CrawlArchive::Open(options, *store, &warnings);
    REQUIRE(archive.ok());
    for (int i = 0; i < 5; ++i) REQUIRE(archive.value()->Write(member, "2026-12-05Z").ok());
    REQUIRE(store->CommitArchives().ok());
  }
  std::vector<int64_t> sizes;
  for (int i = 0; i < 10; ++i) {
    const int64_t size = SizeOf(CrawlArchive::PathFor(options, i));
    if (size < 0) break;
    CHECK(size <= 1500 + 400);  // One record (and its warcinfo) may stand alone.
    sizes.push_back(size);
  }
  CHECK(sizes.size() >= 3);
  // A later run goes on in the highest-numbered file.
  auto store = Store(dir);
  std::vector<std::string> warnings;
  Result<std::unique_ptr<CrawlArchive>> archive = CrawlArchive::Open(options, *store, &warnings);
  REQUIRE(archive.ok());
  REQUIRE(archive.value()->Write(member, "2026-12-05Z").ok());
  REQUIRE(store->CommitArchives().ok());
  const std::string last = CrawlArchive::PathFor(options, static_cast<int>(sizes.size()) - 1);
  const std::string next = CrawlArchive::PathFor(options, static_cast<int>(sizes.size()));
  CHECK((SizeOf(last) > sizes.back() || SizeOf(next) > 0));
  CHECK(SizeOf(CrawlArchive::PathFor(options, 0)) == sizes[0]);
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One run of a job writing `records` exchanges into `options`' archive, then Finish.
void ArchiveRun(const TempDir& dir, const ArchiveOptions& options, int first, int records) {
  auto store = Store(dir);
  std::vector<std::string> warnings;
  Result<std::unique_ptr<CrawlArchive>> archive = CrawlArchive::Open(options, *store, &warnings);
  REQUIRE(archive.ok());
  for (int i = first; i < first + records; ++i) {
    WireCapture capture;
    capture.request_head = "GET /" + std::to_string(i) + " HTTP/1.1\r\n\r\n";
    capture.response_head = "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n";
    capture.body = "<html>" + std::to_string(i * 7919) + "</html>";
    WarcExchange exchange;
    exchange.target_uri = "http://a.test/" + std::to_string(i % 5) + "/" + std::to_string(i);
    exchange.date = "2026-12-05T07:00:" + std::to_string(10 + i % 50) + "Z";
    exchange.kind =
        i % 4 == 3 ? WarcExchange::Kind::kIdenticalPayload : WarcExchange::Kind::kResponse;
    const BuiltExchange built = BuildExchange(exchange, capture, capture.body);
    REQUIRE(archive.value()->Write(built.bytes, exchange.date, built.index).ok());
  }
  Result<int> indexed = archive.value()->Finish(&warnings);
  REQUIRE(indexed.ok());
  CHECK(indexed.value() >= 1);
}

TEST_CASE("the index a run merges its lines into equals the one read from the whole file") {
  TempDir dir;
  ArchiveOptions options;
  options.name = dir.path() + "/site";
  const std::string warc = dir.path() + "/site.warc.gz";
  const std::string cdxj = dir.path() + "/site.cdxj";
  // A stale index from another job must not leak into a file the job starts empty.
  REQUIRE(dir.Write("site.cdxj", "com,stale)/ 20200101000000 {}\n"));
  ArchiveRun(dir, options, 0, 30);
  const std::string merged_once = ReadText(cdxj);
  CHECK(merged_once.find("stale") == std::string::npos);
  REQUIRE(WriteCdxj(warc).ok());
  CHECK(ReadText(cdxj) == merged_once);
  ArchiveRun(dir, options, 30, 25);  // The index covers the file: this run's lines merged in.
  const std::string merged_twice = ReadText(cdxj);
  REQUIRE(WriteCdxj(warc).ok());
  CHECK(ReadText(cdxj) == merged_twice);
  int lines = 0;
  for (char c : merged_twice) lines += c == '\n';
  CHECK(lines == 55);
}

}  // namespace
}  // namespace medscrape

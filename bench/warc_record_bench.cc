// What the archive's work costs per page, part by part, on one thread (bench/README.md):
// the two SHA-1 digests of a response one after the other (OpenSSL) and together
// (WarcSha1Both), the gzip member of the response record (igzip), and BuildExchange whole
// (request and response records). The pages are files given on stdin, one path a line
// (e.g. the bench mirror's), each stored as a 200 response with a plain head.
//
//   find bench/work/mirror -name '*.shtml' | head -2000 | build/warc_record_bench [ROUNDS]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "warc/digest.h"
#include "warc/warc_writer.h"

namespace {

double MicrosPerPage(size_t pages, const std::function<void()>& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
  return took.count() / static_cast<double>(pages);
}

}  // namespace

int main(int argc, char** argv) {
  using namespace medscrape;
  const int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  std::vector<WireCapture> captures;
  size_t bytes = 0;
  for (std::string path; std::getline(std::cin, path);) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::cerr << "warc_record_bench: cannot read " << path << "\n";
      return 1;
    }
    std::ostringstream body;
    body << in.rdbuf();
    WireCapture capture;
    capture.request_head = "GET /" + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n";
    capture.body = body.str();
    capture.response_head = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: " +
                            std::to_string(capture.body.size()) + "\r\n\r\n";
    bytes += capture.body.size();
    captures.push_back(std::move(capture));
  }
  if (captures.empty()) {
    std::cerr << "warc_record_bench: no pages on stdin\n";
    return 2;
  }
  const size_t pages = captures.size();
  std::printf("%zu pages, %.1f MB; microseconds per page, one thread\n", pages, bytes / 1e6);
  std::printf("round  sha1 x2 (OpenSSL)  WarcSha1Both  gzip member  BuildExchange  (MB)\n");
  for (int round = 1; round <= rounds; ++round) {
    size_t sink = 0;
    const double apart = MicrosPerPage(pages, [&] {
      for (const WireCapture& c : captures) {
        Sha1 block;
        block.Update(c.response_head);
        block.Update(c.body);
        sink += WarcSha1(c.body).size() + block.FinishWarc().size();
      }
    });
    const double both = MicrosPerPage(pages, [&] {
      for (const WireCapture& c : captures) {
        const WarcDigests digests = WarcSha1Both(c.body, c.response_head, c.body);
        sink += digests.payload.size() + digests.block.size();
      }
    });
    const double gzip = MicrosPerPage(pages, [&] {
      for (const WireCapture& c : captures) sink += GzipMember(c.body).size();
    });
    size_t archive = 0;
    const double whole = MicrosPerPage(pages, [&] {
      for (const WireCapture& c : captures) {
        WarcExchange exchange;
        exchange.target_uri = "http://127.0.0.1/page";
        exchange.date = "2026-12-06T00:00:00Z";
        archive += BuildExchange(exchange, c, c.body).bytes.size();
      }
    });
    std::printf("%5d  %17.1f  %12.1f  %11.1f  %13.1f  (%.1f)%s\n", round, apart, both, gzip, whole,
                archive / 1e6, sink == 0 ? " (nothing computed?)" : "");
  }
  return 0;
}

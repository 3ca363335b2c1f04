// The UTF-8 hot path (ScanUtf8), concurrency, and a throughput benchmark that
// runs only when asked for: encoding_test "[.bench]".
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "encoding/charset.h"
#include "encoding/utf8.h"
#include "encoding_test_util.h"

namespace medscrape {
namespace {

using std::string_literals::operator""s;
using testing::IsCleanUtf8;
using testing::IsValidUtf8;
using testing::Repeat;

TEST_CASE("ScanUtf8 counts what it sees", "[encoding][utf8]") {
  std::string out;
  const Utf8Scan ascii = ScanUtf8("<p>plain text that is longer than sixteen bytes</p>", &out);
  CHECK(ascii.invalid_sequences == 0);
  CHECK(ascii.non_ascii_bytes == 0);
  CHECK(ascii.multibyte_chars == 0);

  const Utf8Scan mixed = ScanUtf8("a中b\xC3\xA9\xF0\x9F\x98\x80\x80\0"s, &out);
  CHECK(mixed.multibyte_chars == 3);
  CHECK(mixed.non_ascii_bytes == 3 + 2 + 4 + 1);
  CHECK(mixed.invalid_sequences == 1);
  CHECK(mixed.nul_bytes == 1);
  CHECK(out == "a中b\xC3\xA9\xF0\x9F\x98\x80\xEF\xBF\xBD");  // The NUL is dropped.

  // Statistics do not depend on whether output is wanted.
  const Utf8Scan counted = ScanUtf8("a中b\xC3\xA9\xF0\x9F\x98\x80\x80\0"s, nullptr);
  CHECK(counted.invalid_sequences == mixed.invalid_sequences);
  CHECK(counted.non_ascii_bytes == mixed.non_ascii_bytes);
}

TEST_CASE("ScanUtf8 handles NULs and bad bytes inside long ASCII runs", "[encoding][utf8]") {
  for (size_t at = 0; at < 40; ++at) {
    for (const char bad : {'\0', '\x80', '\xFF'}) {
      std::string text = Repeat("a", 40);
      text[at] = bad;
      std::string out;
      const Utf8Scan scan = ScanUtf8(text, &out);
      CHECK(scan.invalid_sequences + scan.nul_bytes == 1);
      CHECK(out == Repeat("a", at) + (bad == '\0' ? "" : "\xEF\xBF\xBD") + Repeat("a", 39 - at));
    }
  }
}

// Every 1- and 2-byte input, and every 3-byte input with a multi-byte lead:
// valid input is copied unchanged, anything else comes out clean.
TEST_CASE("ScanUtf8 agrees with an independent validator", "[encoding][utf8]") {
  std::string input;
  std::string out;
  auto check = [&]() {
    const Utf8Scan scan = ScanUtf8(input, &out);
    const bool valid = IsValidUtf8(input) && input.find('\0') == std::string::npos;
    if (valid != (scan.invalid_sequences == 0 && scan.nul_bytes == 0) || (valid && out != input) ||
        !IsCleanUtf8(out)) {
      FAIL("mishandled input of " << input.size() << " bytes");
    }
  };
  for (int a = 0; a < 256; ++a) {
    input = std::string(1, static_cast<char>(a));
    check();
    for (int b = 0; b < 256; ++b) {
      input = {static_cast<char>(a), static_cast<char>(b)};
      check();
      if (a < 0xE0 || a > 0xF4) continue;
      for (int c = 0; c < 256; ++c) {
        input = {static_cast<char>(a), static_cast<char>(b), static_cast<char>(c)};
        check();
      }
    }
  }
  SUCCEED();
}

TEST_CASE("DecodeToUtf8 is reentrant", "[encoding][utf8]") {
  const std::string gbk = testing::ReadFixture("fixtures/xywy/xywy-reference.html");
  const std::string utf8 = testing::ReadFixture("fixtures/120ask/120ask-reference.html");
  const std::string expected_gbk = testing::Decode(gbk).utf8;
  const std::string undeclared = testing::Replace(gbk, "charset=gb2312", "");
  std::vector<std::thread> threads;
  std::vector<int> failures(8, 0);
  for (size_t t = 0; t < failures.size(); ++t) {
    threads.emplace_back([&, t]() {
      for (int i = 0; i < 20; ++i) {
        failures[t] += testing::Decode(gbk).utf8 != expected_gbk;
        failures[t] += testing::Decode(undeclared).charset != "GB18030";
        failures[t] += testing::Decode(utf8).utf8 != utf8;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(failures == std::vector<int>(8, 0));
}

double MegabytesPerSecond(size_t bytes, std::chrono::steady_clock::duration elapsed) {
  return static_cast<double>(bytes) / 1e6 / std::chrono::duration<double>(elapsed).count();
}

// Decodes `page` (declared UTF-8) and validates it until ~256 MB have passed.
void Benchmark(const char* name, const std::string& page) {
  const int rounds = static_cast<int>(256 * 1000 * 1000 / page.size()) + 1;
  DecodeOptions options;
  options.header_charset = "utf-8";
  size_t checksum = 0;
  auto start = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) {
    checksum += testing::Decode(page, options).utf8.size();
  }
  const double decode =
      MegabytesPerSecond(page.size() * rounds, std::chrono::steady_clock::now() - start);
  start = std::chrono::steady_clock::now();
  for (int round = 0; round < rounds; ++round) checksum += ScanUtf8(page, nullptr).multibyte_chars;
  const double scan =
      MegabytesPerSecond(page.size() * rounds, std::chrono::steady_clock::now() - start);
  std::cout << name << " (" << page.size() / 1000 << " KB): DecodeToUtf8 " << decode
            << " MB/s, validation alone " << scan << " MB/s (" << checksum % 10 << ")\n";
}

TEST_CASE("Throughput of the UTF-8 hot path", "[.bench]") {
  const std::string page = testing::ReadFixture("fixtures/120ask/120ask-reference.html");
  const std::string chinese = Repeat("医生您好，我父亲今年七十岁，最近晚上睡觉经常腿抽筋。", 640);
  Benchmark("120ask page", page);
  Benchmark("pure Chinese", chinese);
  Benchmark("120ask page x170", Repeat(page, 170));
  Benchmark("pure Chinese x170", Repeat(chinese, 170));
}

}  // namespace
}  // namespace medscrape

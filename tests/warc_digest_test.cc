// WarcSha1Both (two messages hashed in one interleaved pass where the CPU has the SHA
// extensions) against the FIPS 180 examples and against OpenSSL one message at a time, over
// lengths around every block and padding boundary and pieces split anywhere.
#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>

#include "warc/digest.h"
#include "warc/sha1_lanes.h"

namespace medscrape {
namespace {

std::string RandomBytes(std::mt19937& random, size_t size) {
  std::string bytes(size, '\0');
  for (char& byte : bytes) byte = static_cast<char>(random());
  return bytes;
}

TEST_CASE("WarcSha1Both gives the FIPS 180 digests of both messages") {
  const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
  WarcDigests digests = WarcSha1Both("abc", "", "");
  CHECK(digests.payload == "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
  CHECK(digests.block == "sha1:3I42H3S6NNFQ2MSVX7XZKYAYSCX5QBYJ");
  digests = WarcSha1Both(two_blocks, "ab", "c");
  CHECK(digests.payload == "sha1:QSMD4RA4HPJG5OVOJKQ7SUJJ4XSUM4HR");
  CHECK(digests.block == "sha1:VGMT4NSHA2AWVOR6EVYXQUGCNSONBWE5");
  const std::string million(1000000, 'a');
  digests = WarcSha1Both(million, two_blocks.substr(0, 20), two_blocks.substr(20));
  CHECK(digests.payload == "sha1:GSVJOPGUYTNKJ5Q65MV5XLJHGFSTIALP");
  CHECK(digests.block == "sha1:QSMD4RA4HPJG5OVOJKQ7SUJJ4XSUM4HR");
}

TEST_CASE("WarcSha1Both agrees with OpenSSL at every boundary and split") {
  std::mt19937 random(20261206);
  const size_t sizes[] = {0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 127, 128, 129, 1000, 4096, 40000};
  int compared = 0;
  for (size_t payload_size : sizes) {
    for (size_t head_size : {size_t{0}, size_t{1}, size_t{63}, size_t{64}, size_t{200}}) {
      for (size_t rest_size : {size_t{0}, size_t{7}, size_t{64}, payload_size}) {
        const std::string payload = RandomBytes(random, payload_size);
        const std::string head = RandomBytes(random, head_size);
        const std::string rest = RandomBytes(random, rest_size);
        const WarcDigests digests = WarcSha1Both(payload, head, rest);
        INFO("payload " << payload_size << ", head " << head_size << ", rest " << rest_size);
        REQUIRE(digests.payload == WarcSha1(payload));
        REQUIRE(digests.block == WarcSha1(head + rest));
        ++compared;
      }
    }
  }
  CHECK(compared == 16 * 5 * 4);
}

TEST_CASE("the two lanes agree with OpenSSL when this CPU has the SHA extensions") {
  if (!sha1_lanes::Usable()) {
    WARN("no SHA extensions on this CPU: WarcSha1Both hashes with OpenSSL alone");
    return;
  }
  std::mt19937 random(7);
  for (int round = 0; round < 300; ++round) {
    const std::string first = RandomBytes(random, random() % 5000);
    const std::string second = RandomBytes(random, random() % 5000);
    const size_t split = second.empty() ? 0 : random() % second.size();
    uint8_t first_digest[20];
    uint8_t second_digest[20];
    sha1_lanes::TwoDigests(
        {first, {}},
        {std::string_view(second).substr(0, split), std::string_view(second).substr(split)},
        first_digest, second_digest);
    auto warc = [](const uint8_t* digest) {
      return "sha1:" + Base32(std::string(reinterpret_cast<const char*>(digest), 20));
    };
    INFO("round " << round << ": " << first.size() << " and " << second.size() << " bytes");
    REQUIRE(warc(first_digest) == WarcSha1(first));
    REQUIRE(warc(second_digest) == WarcSha1(second));
  }
}

}  // namespace
}  // namespace medscrape

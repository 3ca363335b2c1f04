// SHA-1 of two messages at once with the x86 SHA extensions. One message's rounds are a
// chain of dependent instructions, so a core that interleaves two messages does nearly
// twice the work in the same time: a WARC response needs two digests of nearly the same
// bytes (the payload, and the HTTP head with the body), and gets both for little more than
// the cost of one. OpenSSL's SHA-1 uses the same instructions but hashes one message at a
// time and has no API for two (docs/performance.md). Internal to src/warc (digest.cc).
#ifndef MEDSCRAPE_WARC_SHA1_LANES_H_
#define MEDSCRAPE_WARC_SHA1_LANES_H_

#include <cstdint>
#include <string_view>

namespace medscrape {
namespace sha1_lanes {

// A message given as two pieces, hashed as their concatenation.
struct Message {
  std::string_view head;
  std::string_view rest;
};

// Whether this CPU has the SHA extensions (with SSSE3 and SSE4.1); false off x86-64.
bool Usable();

// The SHA-1 digests (20 bytes each) of `first` and `second`. Only when Usable().
void TwoDigests(const Message& first, const Message& second, uint8_t first_digest[20],
                uint8_t second_digest[20]);

}  // namespace sha1_lanes
}  // namespace medscrape

#endif  // MEDSCRAPE_WARC_SHA1_LANES_H_

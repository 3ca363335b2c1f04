#include "warc/sha1_lanes.h"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <utility>  // std::integer_sequence

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace medscrape {
namespace sha1_lanes {

#if defined(__x86_64__)
namespace {

#define MEDSCRAPE_SHA_TARGET __attribute__((target("sha,ssse3,sse4.1")))

// One message's state: A..D in one register, E riding in the top lane of another (the SHA
// extensions' layout), and the four message words being scheduled.
struct Lane {
  __m128i abcd, e, e_next, w[4];
};

MEDSCRAPE_SHA_TARGET inline __m128i LoadBigEndian(const uint8_t* p) {
  const __m128i reverse = _mm_set_epi64x(0x0001020304050607LL, 0x08090a0b0c0d0e0fLL);
  return _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)), reverse);
}

// Rounds 4G..4G+3 of a block: the message words W[4G..4G+3] (loaded for G < 4, else
// scheduled from the four before), E for these rounds, then four rounds of function G / 5.
template <int G>
MEDSCRAPE_SHA_TARGET inline void Rounds(Lane& lane, const uint8_t* block) {
  constexpr int k = G % 4;
  if constexpr (G < 4) {
    lane.w[k] = LoadBigEndian(block + 16 * G);
  } else {
    const __m128i mixed =
        _mm_xor_si128(_mm_sha1msg1_epu32(lane.w[k], lane.w[(G + 1) % 4]), lane.w[(G + 2) % 4]);
    lane.w[k] = _mm_sha1msg2_epu32(mixed, lane.w[(G + 3) % 4]);
  }
  __m128i e;
  if constexpr (G == 0) {
    e = _mm_add_epi32(lane.e, lane.w[0]);
  } else {
    e = _mm_sha1nexte_epu32(lane.e_next, lane.w[k]);
  }
  lane.e_next = lane.abcd;
  lane.abcd = _mm_sha1rnds4_epu32(lane.abcd, e, G / 5);
}

// A block's rounds done: its result added to the state `start` held before it.
MEDSCRAPE_SHA_TARGET inline void EndBlock(Lane& lane, const Lane& start) {
  lane.e = _mm_sha1nexte_epu32(lane.e_next, start.e);
  lane.abcd = _mm_add_epi32(lane.abcd, start.abcd);
}

template <int... G>
MEDSCRAPE_SHA_TARGET inline void OneBlock(Lane& lane, const uint8_t* block,
                                          std::integer_sequence<int, G...>) {
  (Rounds<G>(lane, block), ...);
}

// Both lanes' rounds interleaved, group by group: the two chains overlap in the core.
template <int... G>
MEDSCRAPE_SHA_TARGET inline void TwoBlocks(Lane& a, const uint8_t* block_a, Lane& b,
                                           const uint8_t* block_b,
                                           std::integer_sequence<int, G...>) {
  ((Rounds<G>(a, block_a), Rounds<G>(b, block_b)), ...);
}

// The lanes are copied in and out so that they live in registers: the blocks are bytes,
// which may alias anything, so state reached through a reference would be stored and
// loaded again around every load of the input.
MEDSCRAPE_SHA_TARGET void HashBlocks(Lane& lane_ref, const uint8_t* blocks, size_t count) {
  Lane lane = lane_ref;
  for (size_t i = 0; i < count; ++i, blocks += 64) {
    const Lane start = lane;
    OneBlock(lane, blocks, std::make_integer_sequence<int, 20>());
    EndBlock(lane, start);
  }
  lane_ref = lane;
}

MEDSCRAPE_SHA_TARGET void HashBlockPairs(Lane& a_ref, const uint8_t* blocks_a, Lane& b_ref,
                                         const uint8_t* blocks_b, size_t count) {
  Lane a = a_ref;
  Lane b = b_ref;
  for (size_t i = 0; i < count; ++i, blocks_a += 64, blocks_b += 64) {
    const Lane start_a = a;
    const Lane start_b = b;
    TwoBlocks(a, blocks_a, b, blocks_b, std::make_integer_sequence<int, 20>());
    EndBlock(a, start_a);
    EndBlock(b, start_b);
  }
  a_ref = a;
  b_ref = b;
}

MEDSCRAPE_SHA_TARGET Lane StartLane() {
  Lane lane{};
  lane.abcd = _mm_set_epi32(0x67452301, static_cast<int>(0xEFCDAB89), static_cast<int>(0x98BADCFE),
                            0x10325476);
  lane.e = _mm_set_epi32(static_cast<int>(0xC3D2E1F0), 0, 0, 0);
  return lane;
}

MEDSCRAPE_SHA_TARGET void StoreDigest(const Lane& lane, uint8_t digest[20]) {
  uint32_t abcd[4];
  _mm_storeu_si128(reinterpret_cast<__m128i*>(abcd), lane.abcd);
  const uint32_t words[5] = {abcd[3], abcd[2], abcd[1], abcd[0],
                             static_cast<uint32_t>(_mm_extract_epi32(lane.e, 3))};
  for (int i = 0; i < 5; ++i) {
    for (int j = 0; j < 4; ++j) digest[4 * i + j] = static_cast<uint8_t>(words[i] >> (24 - 8 * j));
  }
}

// A message's 64-byte blocks in order, padding included: runs of whole blocks straight from
// its pieces, a block that straddles the two pieces and the padded end copied into `copy_`.
// A run stays valid until the next call.
class Blocks {
 public:
  explicit Blocks(const Message& message)
      : pieces_{message.head, message.rest},
        bits_((message.head.size() + message.rest.size()) * 8) {}

  // The next run: its start and its length in blocks (0 when the message is done).
  size_t Next(const uint8_t** run) {
    if (done_) return 0;
    while (piece_ < 2 && offset_ == pieces_[piece_].size()) NextPiece();
    if (piece_ < 2 && pieces_[piece_].size() - offset_ >= 64) {
      const size_t count = (pieces_[piece_].size() - offset_) / 64;
      *run = reinterpret_cast<const uint8_t*>(pieces_[piece_].data()) + offset_;
      offset_ += count * 64;
      return count;
    }
    size_t filled = 0;
    while (piece_ < 2 && filled < 64) {
      const size_t take = std::min(64 - filled, pieces_[piece_].size() - offset_);
      if (take > 0) std::memcpy(copy_ + filled, pieces_[piece_].data() + offset_, take);
      filled += take;
      offset_ += take;
      if (offset_ == pieces_[piece_].size()) NextPiece();
    }
    *run = copy_;
    if (filled == 64) return 1;
    done_ = true;
    return Pad(filled);
  }

 private:
  void NextPiece() {
    ++piece_;
    offset_ = 0;
  }

  // The last `filled` bytes (in copy_), 0x80, zeros and the length in bits: one or two blocks.
  size_t Pad(size_t filled) {
    const size_t blocks = filled < 56 ? 1 : 2;
    copy_[filled] = 0x80;
    std::memset(copy_ + filled + 1, 0, blocks * 64 - filled - 1);
    for (int i = 0; i < 8; ++i) copy_[blocks * 64 - 1 - i] = static_cast<uint8_t>(bits_ >> (8 * i));
    return blocks;
  }

  std::string_view pieces_[2];
  uint64_t bits_;
  size_t piece_ = 0;
  size_t offset_ = 0;
  bool done_ = false;
  uint8_t copy_[128];
};

}  // namespace

bool Usable() {
  static const bool usable = [] {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
    const bool ssse3 = (ecx & bit_SSSE3) != 0;
    const bool sse41 = (ecx & bit_SSE4_1) != 0;
    if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0) return false;
    return ssse3 && sse41 && (ebx & bit_SHA) != 0;
  }();
  return usable;
}

void TwoDigests(const Message& first, const Message& second, uint8_t first_digest[20],
                uint8_t second_digest[20]) {
  Lane a = StartLane();
  Lane b = StartLane();
  Blocks blocks_a(first);
  Blocks blocks_b(second);
  const uint8_t* run_a = nullptr;
  const uint8_t* run_b = nullptr;
  size_t left_a = blocks_a.Next(&run_a);
  size_t left_b = blocks_b.Next(&run_b);
  while (left_a > 0 && left_b > 0) {
    const size_t count = std::min(left_a, left_b);
    HashBlockPairs(a, run_a, b, run_b, count);
    run_a += 64 * count;
    run_b += 64 * count;
    left_a -= count;
    left_b -= count;
    if (left_a == 0) left_a = blocks_a.Next(&run_a);
    if (left_b == 0) left_b = blocks_b.Next(&run_b);
  }
  for (; left_a > 0; left_a = blocks_a.Next(&run_a)) HashBlocks(a, run_a, left_a);
  for (; left_b > 0; left_b = blocks_b.Next(&run_b)) HashBlocks(b, run_b, left_b);
  StoreDigest(a, first_digest);
  StoreDigest(b, second_digest);
}

#else  // Not x86-64: digest.cc hashes one message at a time with OpenSSL.

bool Usable() { return false; }

void TwoDigests(const Message&, const Message&, uint8_t[20], uint8_t[20]) {}

#endif

}  // namespace sha1_lanes
}  // namespace medscrape

// A compact in-memory set of URL fingerprints, each carrying a small tag: the crawl's
// memory of the links it has judged, in front of the state store (which stays the truth).
//
// A fingerprint is a 64-bit hash of the canonical URL (FingerprintOf); the table keeps its
// upper 61 bits and a 3-bit tag (1..7) in one 8-byte slot, open addressing with linear
// probing, at most 3/4 full, grown by half when that is reached: 8 / 0.75 .. 8 / 0.5
// bytes a URL, about 13 B at 10^6 URLs (tests/crawl_fingerprint_test.cc measures it).
// Two URLs whose fingerprints agree in those 61 bits are taken for one: with n URLs known,
// a new URL is mistaken for a known one with probability n / 2^61 (4e-13 at 10^6).
//
// Thread-safety: none.
#ifndef MEDSCRAPE_CRAWL_FINGERPRINT_TABLE_H_
#define MEDSCRAPE_CRAWL_FINGERPRINT_TABLE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace medscrape {

// The 64-bit fingerprint of a URL's bytes.
uint64_t FingerprintOf(std::string_view url);

class FingerprintTable {
 public:
  static constexpr int kMaxTag = 7;

  FingerprintTable() = default;
  ~FingerprintTable();
  FingerprintTable(const FingerprintTable&) = delete;
  FingerprintTable& operator=(const FingerprintTable&) = delete;

  // The tag stored with `fingerprint`, or 0 if it is not in the table.
  int Find(uint64_t fingerprint) const;
  // Adds `fingerprint` with `tag` (1..kMaxTag). Returns false, keeping the stored tag, if
  // it was there already (or `tag` is out of range).
  bool Insert(uint64_t fingerprint, int tag);

  size_t size() const { return size_; }
  // Bytes the table holds (its slots). They are mapped from the kernel and given back whole
  // when it grows, so this is what the process's RSS grows by, not a lower bound.
  size_t MemoryBytes() const { return capacity_ * sizeof(uint64_t); }

 private:
  static constexpr uint64_t kTagMask = kMaxTag;
  // The slot a key's probe starts at: the key scaled to the table (no power-of-two size).
  size_t Home(uint64_t key) const;
  void Grow();

  uint64_t* slots_ = nullptr;  // capacity_ slots, mmap'ed: 0 empty; else key bits | tag.
  size_t capacity_ = 0;
  size_t size_ = 0;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_FINGERPRINT_TABLE_H_

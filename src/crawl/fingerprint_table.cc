#include "crawl/fingerprint_table.h"

#include <sys/mman.h>

#include <functional>
#include <new>

namespace medscrape {
namespace {

// splitmix64's finaliser: every input bit moves the upper bits, which pick the slot.
uint64_t Mix(uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Zeroed slots straight from the kernel: pages count in RSS once touched, and all of them
// go back on release (malloc may keep a freed block of this size).
uint64_t* MapSlots(size_t count) {
  void* memory = ::mmap(nullptr, count * sizeof(uint64_t), PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  return static_cast<uint64_t*>(memory);
}

void UnmapSlots(uint64_t* slots, size_t count) {
  if (slots != nullptr) ::munmap(slots, count * sizeof(uint64_t));
}

}  // namespace

FingerprintTable::~FingerprintTable() { UnmapSlots(slots_, capacity_); }

uint64_t FingerprintOf(std::string_view url) { return Mix(std::hash<std::string_view>()(url)); }

size_t FingerprintTable::Home(uint64_t key) const {
  return static_cast<size_t>((static_cast<unsigned __int128>(key) * capacity_) >> 64);
}

int FingerprintTable::Find(uint64_t fingerprint) const {
  if (capacity_ == 0) return 0;
  const uint64_t key = fingerprint & ~kTagMask;
  for (size_t i = Home(key);;) {
    const uint64_t slot = slots_[i];
    if (slot == 0) return 0;
    if ((slot & ~kTagMask) == key) return static_cast<int>(slot & kTagMask);
    if (++i == capacity_) i = 0;
  }
}

bool FingerprintTable::Insert(uint64_t fingerprint, int tag) {
  if (tag < 1 || tag > kMaxTag) return false;
  if ((size_ + 1) * 4 > capacity_ * 3) Grow();
  const uint64_t key = fingerprint & ~kTagMask;
  for (size_t i = Home(key);;) {
    uint64_t& slot = slots_[i];
    if (slot == 0) {
      slot = key | (static_cast<uint64_t>(tag) & kTagMask);
      ++size_;
      return true;
    }
    if ((slot & ~kTagMask) == key) return false;
    if (++i == capacity_) i = 0;
  }
}

void FingerprintTable::Grow() {
  uint64_t* const old = slots_;
  const size_t old_capacity = capacity_;
  capacity_ = old_capacity == 0 ? 512 : old_capacity + old_capacity / 2;
  slots_ = MapSlots(capacity_);
  for (size_t j = 0; j < old_capacity; ++j) {
    const uint64_t slot = old[j];
    if (slot == 0) continue;
    size_t i = Home(slot & ~kTagMask);
    while (slots_[i] != 0) i = i + 1 == capacity_ ? 0 : i + 1;
    slots_[i] = slot;
  }
  UnmapSlots(old, old_capacity);
}

}  // namespace medscrape

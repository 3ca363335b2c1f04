#include "html/arena.h"

#include <csetjmp>
#include <cstdio>
#include <cstdlib>

namespace medscrape {
namespace {

// A 45 KB page builds a tree of a few hundred KB: a few blocks each.
constexpr size_t kBlockSize = 256 << 10;
constexpr size_t kLargeThreshold = kBlockSize / 4;
constexpr size_t kCachedBlocksPerThread = 16;  // At most 4 MiB kept per thread.
constexpr size_t kAlign = 16;

// Freed blocks of kBlockSize, reused by the next Arena on this thread.
struct BlockCache {
  std::vector<char*> blocks;
  ~BlockCache() {
    for (char* block : blocks) std::free(block);
  }
};
thread_local BlockCache cache;

char* TakeBlock() {
  if (cache.blocks.empty()) return static_cast<char*>(std::malloc(kBlockSize));
  char* block = cache.blocks.back();
  cache.blocks.pop_back();
  return block;
}

void* ArenaAllocate(void* arena, size_t size) { return static_cast<Arena*>(arena)->Allocate(size); }
void ArenaFree(void* /*arena*/, void* /*pointer*/) {}

}  // namespace

Arena::Arena(size_t max_bytes) : max_bytes_(max_bytes) {}

Arena::~Arena() { Reset(); }

void* Arena::Allocate(size_t size) {
  if (size > max_bytes_) Exhausted();
  size = (size + kAlign - 1) & ~(kAlign - 1);
  if (size >= kLargeThreshold) {
    if (size > max_bytes_ - allocated_) Exhausted();
    char* memory = static_cast<char*>(std::malloc(size));
    if (!Keep(large_, memory)) Exhausted(false);
    allocated_ += size;
    return memory;
  }
  if (static_cast<size_t>(end_ - next_) < size) {
    if (kBlockSize > max_bytes_ - allocated_) Exhausted();
    char* block = TakeBlock();
    if (!Keep(blocks_, block)) Exhausted(false);
    allocated_ += kBlockSize;
    next_ = block;
    end_ = next_ + kBlockSize;
  }
  void* result = next_;
  next_ += size;
  return result;
}

// No exception may cross Gumbo's C frames: a failed push_back is running out too.
bool Arena::Keep(std::vector<char*>& list, char* memory) noexcept {
  if (memory == nullptr) return false;
  try {
    list.push_back(memory);
    return true;
  } catch (...) {
    std::free(memory);
    return false;
  }
}

void Arena::Exhausted(bool over_budget) {
  over_budget_ = over_budget;
  if (exhausted_jump_ != nullptr) std::longjmp(*exhausted_jump_, 1);
  std::fputs("medscrape: fatal: out of memory building an HTML tree\n", stderr);
  std::abort();
}

void Arena::Reset() {
  for (char* block : blocks_) {
    if (cache.blocks.size() < kCachedBlocksPerThread) {
      cache.blocks.push_back(block);
    } else {
      std::free(block);
    }
  }
  for (char* block : large_) std::free(block);
  blocks_.clear();
  large_.clear();
  allocated_ = 0;
  next_ = end_ = nullptr;
}

GumboOptions Arena::Options(int max_errors) {
  GumboOptions options = kGumboDefaultOptions;
  options.allocator = ArenaAllocate;
  options.deallocator = ArenaFree;
  options.userdata = this;
  options.max_errors = max_errors;
  return options;
}

}  // namespace medscrape

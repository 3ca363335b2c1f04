#include "html/arena.h"

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

char* NewMemory(size_t size) {
  char* memory = static_cast<char*>(std::malloc(size));
  if (memory == nullptr) {
    std::fputs("medscrape: fatal: out of memory building an HTML tree\n", stderr);
    std::abort();
  }
  return memory;
}

char* TakeBlock() {
  if (cache.blocks.empty()) return NewMemory(kBlockSize);
  char* block = cache.blocks.back();
  cache.blocks.pop_back();
  return block;
}

void* ArenaAllocate(void* arena, size_t size) { return static_cast<Arena*>(arena)->Allocate(size); }
void ArenaFree(void* /*arena*/, void* /*pointer*/) {}

}  // namespace

Arena::~Arena() { Reset(); }

void* Arena::Allocate(size_t size) {
  size = (size + kAlign - 1) & ~(kAlign - 1);
  if (size >= kLargeThreshold) {
    large_.push_back(NewMemory(size));
    return large_.back();
  }
  if (static_cast<size_t>(end_ - next_) < size) {
    blocks_.push_back(TakeBlock());
    next_ = blocks_.back();
    end_ = next_ + kBlockSize;
  }
  void* result = next_;
  next_ += size;
  return result;
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

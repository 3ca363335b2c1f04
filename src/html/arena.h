// A bump allocator for one Gumbo tree. Gumbo 0.10.1 makes many small mallocs
// and frees its tree recursively; with an arena, parsing skips most of malloc's
// work and a tree of any depth is freed in one step, without recursion.
// Internal to the html layer. Not thread-safe: one Document owns one Arena.
#ifndef MEDSCRAPE_HTML_ARENA_H_
#define MEDSCRAPE_HTML_ARENA_H_

#include <gumbo.h>

#include <cstddef>
#include <vector>

namespace medscrape {

class Arena {
 public:
  Arena() = default;
  ~Arena();  // Gives its blocks back (see Reset).
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // 16-byte aligned; aborts when memory runs out (Gumbo cannot recover either).
  void* Allocate(size_t size);
  // Frees everything allocated so far. Standard-size blocks go to a small
  // per-thread cache so the next page reuses them: RSS stays flat.
  void Reset();

  // Gumbo options allocating from this arena; frees are no-ops until Reset.
  GumboOptions Options(int max_errors);

 private:
  std::vector<char*> blocks_;
  std::vector<char*> large_;  // Oversized single allocations, never cached.
  char* next_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_ARENA_H_

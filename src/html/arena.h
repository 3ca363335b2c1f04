// A bump allocator for one Gumbo tree. Gumbo 0.10.1 makes many small mallocs
// and frees its tree recursively; with an arena, parsing skips most of malloc's
// work and a tree of any depth is freed in one step, without recursion.
// Internal to the html layer. Not thread-safe: one Document owns one Arena.
#ifndef MEDSCRAPE_HTML_ARENA_H_
#define MEDSCRAPE_HTML_ARENA_H_

#include <gumbo.h>

#include <csetjmp>
#include <cstddef>
#include <vector>

namespace medscrape {

class Arena {
 public:
  // At most `max_bytes` (blocks and large allocations) between Resets.
  explicit Arena(size_t max_bytes);
  ~Arena();  // Gives its blocks back (see Reset).
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // 16-byte aligned. Gumbo cannot recover from a failed allocation, so when the
  // arena is over max_bytes or malloc fails, Allocate does not return: it
  // longjmps to the jump set by SetExhaustedJump (Gumbo is C and keeps every byte
  // it owns here, so nothing leaks; Reset then frees the half-built tree), or
  // aborts if none is set.
  void* Allocate(size_t size);
  void SetExhaustedJump(std::jmp_buf* jump) { exhausted_jump_ = jump; }
  // After a jump: true if max_bytes was the reason, false if malloc failed.
  bool over_budget() const { return over_budget_; }
  // Frees everything allocated so far. Standard-size blocks go to a small
  // per-thread cache so the next page reuses them: RSS stays flat.
  void Reset();

  // Gumbo options allocating from this arena; frees are no-ops until Reset.
  GumboOptions Options(int max_errors);

 private:
  static bool Keep(std::vector<char*>& list, char* memory) noexcept;
  [[noreturn]] void Exhausted(bool over_budget = true);

  const size_t max_bytes_;
  size_t allocated_ = 0;
  std::jmp_buf* exhausted_jump_ = nullptr;
  bool over_budget_ = false;
  std::vector<char*> blocks_;
  std::vector<char*> large_;  // Oversized single allocations, never cached.
  char* next_ = nullptr;
  char* end_ = nullptr;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_ARENA_H_

#include "html/document.h"

#include <gumbo.h>

#include <csetjmp>
#include <string>
#include <utility>

#include "html/arena.h"
#include "html/clean_input.h"
#include "html/guard.h"
#include "html/tree_depth.h"

namespace medscrape {
namespace {

// How much deeper than max_depth the built tree may be: Gumbo adds <html> and
// <body>, and the guard's model is allowed small slips (<isindex> expands to three
// levels, for one). Past this the input is cut again at the offending node.
constexpr int kDepthSlack = 8;
// Each retry cuts the input strictly shorter; this bounds the retries anyway.
constexpr int kMaxParses = 4;

// Runs Gumbo; false when the arena ran out and longjmp'd back here. Nothing in
// this frame or Gumbo's needs destroying: every byte Gumbo took is the arena's.
bool RunGumbo(Arena* arena, const GumboOptions* options, const char* input, size_t size,
              GumboOutput** output) {
  std::jmp_buf jump;
  if (setjmp(jump) != 0) {
    arena->SetExhaustedJump(nullptr);
    return false;
  }
  arena->SetExhaustedJump(&jump);
  *output = gumbo_parse_with_options(options, input, size);
  arena->SetExhaustedJump(nullptr);
  return true;
}

}  // namespace

Document Document::Parse(std::string_view utf8, const ParseLimits& limits) {
  Document doc;
  const size_t capped = CapToCharBoundary(utf8, limits.max_input_bytes);
  doc.input_.reset(new char[capped > 0 ? capped : 1]);
  const size_t size = CopyWithoutControls(utf8.substr(0, capped), doc.input_.get());
  GuardResult guard = GuardScan(doc.input_.get(), size, capped < utf8.size(), limits);
  doc.truncated_ = guard.truncated;
  doc.warnings_ = std::move(guard.warnings);

  // Should the guard's model of Gumbo ever fall short, the tree is still
  // measured and the input cut where it went too deep: callers never see a
  // deeper tree. (The arena frees trees without recursion, however deep.)
  doc.arena_ = std::make_unique<Arena>(limits.max_tree_bytes);
  const GumboOptions options = doc.arena_->Options(limits.max_errors);
  const int max_tree_depth = limits.max_depth + kDepthSlack;
  size_t keep = guard.keep;
  bool cut_again = false;
  for (int parse = 1;; ++parse) {
    if (!RunGumbo(doc.arena_.get(), &options, doc.input_.get(), keep, &doc.output_)) {
      doc.output_ = nullptr;
      doc.arena_->Reset();
      doc.status_ =
          doc.arena_->over_budget()
              ? Status::Error(StatusCode::kTooLarge,
                              "html tree over " + std::to_string(limits.max_tree_bytes >> 20) +
                                  " MiB: not parsed")
              : Status::Error(StatusCode::kOutOfMemory,
                              "out of memory building the html tree: not parsed");
      return doc;
    }
    const GumboNode* deep = FindTooDeep(doc.output_->document, max_tree_depth);
    if (deep == nullptr) break;
    const size_t cut = parse < kMaxParses ? SourceOffset(deep) : 0;
    doc.output_ = nullptr;
    doc.arena_->Reset();
    keep = cut < keep ? cut : 0;
    cut_again = true;
  }
  if (cut_again) {
    doc.truncated_ = true;
    // Worded apart from the guard's cut: this one means the guard's model slipped.
    doc.warnings_.push_back("html tree deeper than " + std::to_string(max_tree_depth) +
                            " levels: cut");
  }
  return doc;
}

Document::Document(Document&& other) noexcept
    : input_(std::move(other.input_)),
      arena_(std::move(other.arena_)),
      output_(std::exchange(other.output_, nullptr)),
      warnings_(std::move(other.warnings_)),
      status_(std::move(other.status_)),
      truncated_(other.truncated_) {}

Document& Document::operator=(Document&& other) noexcept {
  if (this != &other) {
    input_ = std::move(other.input_);
    arena_ = std::move(other.arena_);
    output_ = std::exchange(other.output_, nullptr);
    warnings_ = std::move(other.warnings_);
    status_ = std::move(other.status_);
    truncated_ = other.truncated_;
  }
  return *this;
}

Document::~Document() = default;  // The arena holds the whole tree.

Node Document::root() const { return Node(output_ != nullptr ? output_->document : nullptr); }

}  // namespace medscrape

// Gumbo's list of active formatting elements (<b>, <a>, <font> …), reduced to
// what decides tree depth. Internal to the guard scan (guard.cc).
//
// A formatting element that a block end tag pops stays on this list, and Gumbo
// re-creates it ("reconstructs" it) inside the next text or inline element: a
// page can grow the tree this way without nesting any tags. So the guard counts
// every entry that is off the stack of open elements as depth it may get back.
#ifndef MEDSCRAPE_HTML_FORMATTING_LIST_H_
#define MEDSCRAPE_HTML_FORMATTING_LIST_H_

#include <gumbo.h>

#include <array>
#include <cstdint>
#include <vector>

namespace medscrape {

class FormattingList {
 public:
  // Appends an element open at `stack_index` with `attributes` attributes, first
  // dropping the earliest of three identical entries after the last marker (the
  // spec's Noah's Ark clause).
  void Push(GumboTag tag, uint64_t attr_hash, int attributes, int stack_index);
  // Markers (pushed by <td>, <th>, <caption>, <object> …) hide older entries.
  void PushMarker();
  void ClearToLastMarker();

  // The last entry for `tag` after the last marker, or -1. Remove() takes only
  // entries after the last marker.
  int FindLast(GumboTag tag) const;
  // Where entry `entry` is open on the stack of open elements, or -1.
  int StackIndex(int entry) const { return entries_[entry].stack_index; }
  void Remove(int entry);
  // The element open at `stack_index` was popped; its entry (if any) stays.
  void Popped(int stack_index);

  // Reconstruction re-opens entries [ReopenStart(), size()) in order: those after
  // the last marker or open element. Reopened() records where one went.
  int ReopenStart() const;
  int size() const { return static_cast<int>(entries_.size()); }
  GumboTag Tag(int entry) const { return entries_[entry].tag; }
  // A clone copies its original's attributes.
  int Attributes(int entry) const { return entries_[entry].attributes; }
  void Reopened(int entry, int stack_index);

  // Entries that reconstruction would re-open.
  int off_stack() const { return off_stack_; }

 private:
  static constexpr int kKinds = 14;  // formatting tags
  struct Entry {
    GumboTag tag;  // GUMBO_TAG_LAST for a marker
    uint64_t attr_hash;
    int attributes;
    int stack_index;
  };
  using Counts = std::array<uint32_t, kKinds>;

  static int Kind(GumboTag tag);
  void ApplyNoahsArk(GumboTag tag, uint64_t attr_hash);

  std::vector<Entry> entries_;
  Counts counts_{};                   // entries per formatting tag after the last marker
  std::vector<Counts> saved_counts_;  // counts_ hidden by each marker
  int off_stack_ = 0;
};

}  // namespace medscrape

#endif  // MEDSCRAPE_HTML_FORMATTING_LIST_H_

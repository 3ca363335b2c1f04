#include "html/formatting_list.h"

namespace medscrape {

int FormattingList::Kind(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_A:
      return 0;
    case GUMBO_TAG_B:
      return 1;
    case GUMBO_TAG_BIG:
      return 2;
    case GUMBO_TAG_CODE:
      return 3;
    case GUMBO_TAG_EM:
      return 4;
    case GUMBO_TAG_FONT:
      return 5;
    case GUMBO_TAG_I:
      return 6;
    case GUMBO_TAG_NOBR:
      return 7;
    case GUMBO_TAG_S:
      return 8;
    case GUMBO_TAG_SMALL:
      return 9;
    case GUMBO_TAG_STRIKE:
      return 10;
    case GUMBO_TAG_STRONG:
      return 11;
    case GUMBO_TAG_TT:
      return 12;
    case GUMBO_TAG_U:
      return 13;
    default:
      return -1;
  }
}

void FormattingList::Push(GumboTag tag, uint64_t attr_hash, int attributes, int stack_index) {
  const int kind = Kind(tag);
  if (kind < 0) return;
  if (counts_[kind] >= 3) ApplyNoahsArk(tag, attr_hash);
  entries_.push_back({tag, attr_hash, attributes, stack_index});
  ++counts_[kind];
}

// Only runs when three entries with this tag exist, so the scan is rare; it is
// bounded by the list length, which the guard keeps under twice max_depth.
void FormattingList::ApplyNoahsArk(GumboTag tag, uint64_t attr_hash) {
  int identical = 0;
  int earliest = -1;
  for (int i = static_cast<int>(entries_.size()) - 1; i >= 0; --i) {
    const Entry& entry = entries_[i];
    if (entry.tag == GUMBO_TAG_LAST) break;
    if (entry.tag == tag && entry.attr_hash == attr_hash) {
      ++identical;
      earliest = i;
    }
  }
  if (identical >= 3) Remove(earliest);
}

void FormattingList::PushMarker() {
  entries_.push_back({GUMBO_TAG_LAST, 0, 0, -1});
  saved_counts_.push_back(counts_);
  counts_ = Counts{};
}

void FormattingList::ClearToLastMarker() {
  while (!entries_.empty()) {
    const Entry entry = entries_.back();
    entries_.pop_back();
    if (entry.tag == GUMBO_TAG_LAST) break;
    if (entry.stack_index < 0) --off_stack_;
  }
  if (saved_counts_.empty()) {
    counts_ = Counts{};
  } else {
    counts_ = saved_counts_.back();
    saved_counts_.pop_back();
  }
}

int FormattingList::FindLast(GumboTag tag) const {
  const int kind = Kind(tag);
  if (kind < 0 || counts_[kind] == 0) return -1;
  for (int i = static_cast<int>(entries_.size()) - 1; i >= 0; --i) {
    if (entries_[i].tag == tag) return i;
  }
  return -1;
}

void FormattingList::Remove(int entry) {
  if (entries_[entry].stack_index < 0) --off_stack_;
  --counts_[Kind(entries_[entry].tag)];
  entries_.erase(entries_.begin() + entry);
}

void FormattingList::Popped(int stack_index) {
  for (int i = static_cast<int>(entries_.size()) - 1; i >= 0; --i) {
    if (entries_[i].stack_index == stack_index) {
      entries_[i].stack_index = -1;
      ++off_stack_;
      return;
    }
  }
}

int FormattingList::ReopenStart() const {
  int start = size();
  while (start > 0 && entries_[start - 1].tag != GUMBO_TAG_LAST &&
         entries_[start - 1].stack_index < 0) {
    --start;
  }
  return start;
}

void FormattingList::Reopened(int entry, int stack_index) {
  entries_[entry].stack_index = stack_index;
  --off_stack_;
}

}  // namespace medscrape

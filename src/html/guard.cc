#include "html/guard.h"

#include <gumbo.h>

#include <array>
#include <cstring>
#include <string>
#include <string_view>

#include "base/space.h"
#include "html/open_elements.h"
#include "html/tag_traits.h"

namespace medscrape {
namespace {

constexpr size_t kStop = static_cast<size_t>(-1);

enum CharClass : uint8_t {
  kWs = 1,           // HTML white space
  kTagNameEnd = 2,   // white space, '/', '>'
  kAttrNameEnd = 4,  // white space, '/', '>', '='
  kUnquotedEnd = 8,  // white space, '>'
};

constexpr std::array<uint8_t, 256> BuildCharClasses() {
  std::array<uint8_t, 256> table{};
  for (unsigned char c : kAsciiSpaces) {
    table[c] = kWs | kTagNameEnd | kAttrNameEnd | kUnquotedEnd;
  }
  table['/'] = kTagNameEnd | kAttrNameEnd;
  table['>'] = kTagNameEnd | kAttrNameEnd | kUnquotedEnd;
  table['='] = kAttrNameEnd;
  return table;
}
constexpr std::array<uint8_t, 256> kCharClasses = BuildCharClasses();

bool Is(char c, CharClass cls) { return kCharClasses[static_cast<unsigned char>(c)] & cls; }
bool IsAsciiAlpha(char c) { return static_cast<unsigned char>((c | 0x20) - 'a') < 26; }

constexpr uint64_t kFnvOffset = 14695981039346656037ull;
constexpr uint64_t kFnvPrime = 1099511628211ull;

uint64_t Hash(const char* begin, const char* end) {
  uint64_t hash = kFnvOffset;
  for (const char* p = begin; p < end; ++p) {
    hash = (hash ^ static_cast<unsigned char>(*p)) * kFnvPrime;
  }
  return hash;
}

// `lower` holds lower-case ASCII letters only, for which folding with 0x20 is exact.
bool EqualsLower(const char* text, size_t size, std::string_view lower) {
  if (lower.size() != size) return false;
  for (size_t i = 0; i < size; ++i) {
    if ((text[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

struct RawTag {
  TagToken token;
  size_t name_begin = 0;
  size_t name_end = 0;
  size_t end = 0;  // just past the closing '>'
};

enum class ReadStatus { kOk, kEof, kTooManyAttributes };

class Scanner {
 public:
  Scanner(char* data, size_t size, bool capped, const ParseLimits& limits)
      : data_(data), size_(size), capped_(capped), limits_(limits), model_(limits.max_depth) {}

  GuardResult Run();

 private:
  // These return the offset to scan on from, or kStop once result_ is final.
  size_t Markup(size_t at);
  size_t StartTag(size_t at);
  size_t EndTag(size_t at);
  size_t Comment(size_t at);
  size_t BogusComment(size_t keep_if_capped, size_t from, const char* inside);
  size_t RawText(const RawTag& tag);
  // Input ends inside something. When our own size cap did that, only the partial
  // tag (if any: keep_if_capped) is dropped and nothing more is said.
  size_t Truncated(size_t keep_if_capped, const std::string& inside);
  size_t Cut(size_t at, std::string warning);
  size_t Unread(size_t at, ReadStatus status);  // a tag at `at` that ReadTag() gave up on
  // Counts `nodes` new nodes and `attributes` new attributes (plus the model's
  // clones); true, with the input cut at `at`, once either budget is passed.
  bool OverBudget(size_t at, size_t nodes, size_t attributes);

  ReadStatus ReadTag(size_t name_begin, RawTag* tag);
  ReadStatus ReadAttributes(size_t from, RawTag* tag);
  size_t SkipWs(size_t i) const {
    while (i < size_ && Is(data_[i], kWs)) ++i;
    return i;
  }

  char* const data_;
  const size_t size_;
  const bool capped_;
  const ParseLimits& limits_;
  OpenElements model_;
  size_t nodes_ = 0;                                  // start tags, text runs, comments
  size_t attributes_ = 0;                             // on start tags
  size_t html_attributes_ = 0, body_attributes_ = 0;  // on all <html>, all <body> tags
  bool saw_html_start_ = false;
  bool saw_html_end_ = false;
  GuardResult result_;
};

GuardResult Scanner::Run() {
  result_.keep = size_;
  if (capped_) {
    result_.truncated = true;
    result_.warnings.push_back("html cut at " + std::to_string(limits_.max_input_bytes) + " bytes");
  }
  size_t pos = 0;
  while (pos != kStop) {
    const void* lt = std::memchr(data_ + pos, '<', size_ - pos);
    if (lt == nullptr) break;
    const size_t at = static_cast<const char*>(lt) - data_;
    if (at > pos) {
      model_.Text(std::string_view(data_ + pos, at - pos));
      if (OverBudget(pos, 1, 0)) return std::move(result_);
    }
    pos = Markup(at);
  }
  if (pos != kStop && saw_html_start_ && !saw_html_end_ && !capped_) {
    result_.truncated = true;
    result_.warnings.push_back("html truncated: no </html>");
  }
  return std::move(result_);
}

size_t Scanner::Markup(size_t at) {
  const size_t next = at + 1;
  if (next >= size_) return Truncated(at, "a tag");
  const char c = data_[next];
  if (IsAsciiAlpha(c)) return StartTag(at);
  if (c == '/') {
    if (next + 1 >= size_) return Truncated(at, "a tag");
    if (IsAsciiAlpha(data_[next + 1])) return EndTag(at);
    if (data_[next + 1] == '>') return next + 2;  // "</>" is dropped
    return BogusComment(at, next + 1, "a tag");   // "</ x>" and the like
  }
  if (c == '!') {
    if (size_ - next >= 3 && std::memcmp(data_ + next, "!--", 3) == 0) return Comment(at);
    return BogusComment(size_, next + 1, "a comment");  // doctype, CDATA, bogus comment
  }
  if (c == '?') return BogusComment(size_, next + 1, "a comment");
  return next;  // a '<' that starts no markup is text
}

size_t Scanner::StartTag(size_t at) {
  RawTag tag;
  const ReadStatus status = ReadTag(at + 1, &tag);
  if (status != ReadStatus::kOk) return Unread(at, status);
  if (tag.token.tag == GUMBO_TAG_HTML) saw_html_start_ = true;
  // Every <html> and <body> start tag adds its new attributes to the one html or
  // body element, each checked against those it has: quadratic in their number.
  const bool merges = tag.token.tag == GUMBO_TAG_HTML || tag.token.tag == GUMBO_TAG_BODY;
  size_t& merged = tag.token.tag == GUMBO_TAG_HTML ? html_attributes_ : body_attributes_;
  if (merges && (merged += static_cast<size_t>(tag.token.attributes)) >
                    static_cast<size_t>(limits_.max_attributes)) {
    return Cut(at, "html has over " + std::to_string(limits_.max_attributes) +
                       " attributes on one tag: cut");
  }
  const StartResult started = model_.StartTag(tag.token);
  if (OverBudget(at, 1, static_cast<size_t>(tag.token.attributes))) return kStop;
  switch (started) {
    case StartResult::kTooDeep:
      return Cut(at, "html nesting deeper than " + std::to_string(limits_.max_depth) + ": cut");
    case StartResult::kRawText:
      return RawText(tag);
    case StartResult::kOk:
      break;
  }
  return tag.end;
}

size_t Scanner::EndTag(size_t at) {
  RawTag tag;
  // Gumbo reads (and then drops) attributes on end tags too, at the same cost.
  const ReadStatus status = ReadTag(at + 2, &tag);
  if (status != ReadStatus::kOk) return Unread(at, status);
  if (tag.token.tag == GUMBO_TAG_HTML) saw_html_end_ = true;
  model_.EndTag(tag.token);
  return tag.end;
}

// "<!--" up to "-->" or "--!>"; "<!-->" and "<!--->" are empty comments.
size_t Scanner::Comment(size_t at) {
  if (OverBudget(at, 1, 0)) return kStop;
  const size_t body = at + 4;
  if (body < size_ && data_[body] == '>') return body + 1;
  if (body + 1 < size_ && data_[body] == '-' && data_[body + 1] == '>') return body + 2;
  size_t i = body;
  while (true) {
    const void* gt = std::memchr(data_ + i, '>', size_ - i);
    if (gt == nullptr) return Truncated(size_, "a comment");
    const size_t g = static_cast<const char*>(gt) - data_;
    if (g >= body + 2 && data_[g - 1] == '-' && data_[g - 2] == '-') return g + 1;
    if (g >= body + 3 && data_[g - 1] == '!' && data_[g - 2] == '-' && data_[g - 3] == '-') {
      return g + 1;
    }
    i = g + 1;
  }
}

size_t Scanner::BogusComment(size_t keep_if_capped, size_t from, const char* inside) {
  if (OverBudget(from - 2, 1, 0)) return kStop;  // A doctype or bogus comment is a node too.
  const void* gt = std::memchr(data_ + from, '>', size_ - from);
  if (gt == nullptr) return Truncated(keep_if_capped, inside);
  return static_cast<const char*>(gt) - data_ + 1;
}

// Text up to "</name" followed by white space, '/', '>' or the end; the end tag
// itself is then read as markup. (Gumbo's script "double escape" can run further
// than this; the tags this scan then reads only make the model deeper.)
size_t Scanner::RawText(const RawTag& tag) {
  const char* name = data_ + tag.name_begin;
  const size_t length = tag.name_end - tag.name_begin;
  size_t i = tag.end;
  while (true) {
    const void* lt = std::memchr(data_ + i, '<', size_ - i);
    if (lt == nullptr) return Truncated(size_, "<" + std::string(name, length) + ">");
    const size_t j = static_cast<const char*>(lt) - data_;
    const size_t after = j + 2 + length;
    if (after <= size_ && data_[j + 1] == '/' &&
        EqualsLower(data_ + j + 2, length, std::string_view(name, length)) &&
        (after == size_ || Is(data_[after], kTagNameEnd))) {
      return j;
    }
    i = j + 1;
  }
}

size_t Scanner::Unread(size_t at, ReadStatus status) {
  if (status == ReadStatus::kEof) return Truncated(at, "a tag");
  return Cut(at, "html has over " + std::to_string(limits_.max_attributes) +
                     " attributes on one tag: cut");
}

size_t Scanner::Truncated(size_t keep_if_capped, const std::string& inside) {
  if (capped_) {
    result_.keep = keep_if_capped;
  } else {
    result_.truncated = true;
    result_.warnings.push_back("html truncated: ends inside " + inside);
  }
  return kStop;
}

bool Scanner::OverBudget(size_t at, size_t nodes, size_t attributes) {
  nodes_ += nodes;
  attributes_ += attributes;
  if (nodes_ + model_.clones() > limits_.max_nodes) {
    Cut(at, "html over " + std::to_string(limits_.max_nodes) + " nodes: cut");
    return true;
  }
  if (attributes_ + model_.clone_attributes() > limits_.max_document_attributes) {
    Cut(at, "html over " + std::to_string(limits_.max_document_attributes) + " attributes: cut");
    return true;
  }
  return false;
}

size_t Scanner::Cut(size_t at, std::string warning) {
  result_.keep = at;
  result_.truncated = true;
  result_.warnings.push_back(std::move(warning));
  return kStop;
}

ReadStatus Scanner::ReadTag(size_t name_begin, RawTag* tag) {
  uint64_t hash = kFnvOffset;
  size_t i = name_begin;
  for (; i < size_ && !Is(data_[i], kTagNameEnd); ++i) {
    char c = data_[i];
    if (c >= 'A' && c <= 'Z') data_[i] = c = static_cast<char>(c + ('a' - 'A'));
    hash = (hash ^ static_cast<unsigned char>(c)) * kFnvPrime;
  }
  tag->name_begin = name_begin;
  tag->name_end = i;
  tag->token.name_hash = hash;
  tag->token.tag = gumbo_tagn_enum(data_ + name_begin, static_cast<unsigned>(i - name_begin));
  const ReadStatus status = ReadAttributes(i, tag);
  if (status == ReadStatus::kOk && (HtmlTagTraits(tag->token.tag) & kFormatting)) {
    tag->token.attr_hash = Hash(data_ + tag->name_end, data_ + tag->end);
  }
  return status;
}

// The tokenizer's attribute states: names run to white space, '/', '>' or '='
// (a leading '=' belongs to the name); values are quoted or run to white space
// or '>'; a '/' right before '>' makes the tag self-closing.
ReadStatus Scanner::ReadAttributes(size_t i, RawTag* tag) {
  TagToken& token = tag->token;
  const bool note_names = token.tag == GUMBO_TAG_FONT || token.tag == GUMBO_TAG_ANNOTATION_XML;
  int attributes = 0;
  while (true) {
    i = SkipWs(i);
    if (i >= size_) return ReadStatus::kEof;
    if (data_[i] == '>') break;
    if (data_[i] == '/') {
      if (i + 1 < size_ && data_[i + 1] == '>') {
        token.self_closing = true;
        ++i;
        break;
      }
      ++i;
      continue;
    }
    const size_t name = i++;
    while (i < size_ && !Is(data_[i], kAttrNameEnd)) ++i;
    if (++attributes > limits_.max_attributes) return ReadStatus::kTooManyAttributes;
    token.attributes = attributes;
    if (note_names) {
      const char* n = data_ + name;
      const size_t len = i - name;
      token.font_breakout |= EqualsLower(n, len, "color") || EqualsLower(n, len, "face") ||
                             EqualsLower(n, len, "size");
      token.has_encoding |= EqualsLower(n, len, "encoding");
    }
    i = SkipWs(i);
    if (i >= size_) return ReadStatus::kEof;
    if (data_[i] != '=') continue;
    i = SkipWs(i + 1);
    if (i >= size_) return ReadStatus::kEof;
    const char quote = data_[i];
    if (quote == '"' || quote == '\'') {
      const void* close = std::memchr(data_ + i + 1, quote, size_ - i - 1);
      if (close == nullptr) return ReadStatus::kEof;
      i = static_cast<const char*>(close) - data_ + 1;
    } else {
      while (i < size_ && !Is(data_[i], kUnquotedEnd)) ++i;
    }
  }
  tag->end = i + 1;
  return ReadStatus::kOk;
}

}  // namespace

GuardResult GuardScan(char* data, size_t size, bool capped, const ParseLimits& limits) {
  return Scanner(data, size, capped, limits).Run();
}

}  // namespace medscrape

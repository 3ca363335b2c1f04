// WHATWG HTML "prescan a byte stream to determine its encoding" (13.2.3.2),
// minus the UTF-16 XML-declaration sniff. Attribute names are lowercased as
// the standard says; values keep their case so labels come back as written.
#include "encoding/prescan.h"

#include <algorithm>

#include "base/space.h"
#include "encoding/charset.h"

namespace medscrape {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

char ToLower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// True when `text` holds `lower_word` at `pos`, ignoring ASCII case.
bool MatchesAt(std::string_view text, size_t pos, std::string_view lower_word) {
  if (pos > text.size() || text.size() - pos < lower_word.size()) return false;
  for (size_t i = 0; i < lower_word.size(); ++i) {
    if (ToLower(text[pos + i]) != lower_word[i]) return false;
  }
  return true;
}

bool EqualsIgnoringCase(std::string_view text, std::string_view lower_word) {
  return text.size() == lower_word.size() && MatchesAt(text, 0, lower_word);
}

size_t SkipSpaces(std::string_view text, size_t pos) {
  while (pos < text.size() && IsAsciiSpace(text[pos])) ++pos;
  return pos;
}

// "Extracting a character encoding from a meta element": the charset= inside a
// content attribute such as "text/html; charset=gb2312". nullopt: none.
std::optional<std::string> CharsetFromContent(std::string_view content) {
  size_t pos = 0;
  while (true) {
    while (pos < content.size() && !MatchesAt(content, pos, "charset")) ++pos;
    if (pos >= content.size()) return std::nullopt;
    pos = SkipSpaces(content, pos + 7);
    if (pos >= content.size() || content[pos] != '=') continue;
    pos = SkipSpaces(content, pos + 1);
    if (pos >= content.size()) return std::nullopt;
    const char first = content[pos];
    if (first == '"' || first == '\'') {
      const size_t close = content.find(first, pos + 1);
      if (close == std::string_view::npos) return std::nullopt;
      return std::string(content.substr(pos + 1, close - pos - 1));
    }
    size_t end = pos;
    while (end < content.size() && !IsAsciiSpace(content[end]) && content[end] != ';') ++end;
    return std::string(content.substr(pos, end - pos));
  }
}

struct Attribute {
  std::string name;  // Lowercased.
  std::string value;
};

class Prescanner {
 public:
  explicit Prescanner(std::string_view raw) : in_(raw.substr(0, kPrescanBytes)) {}

  MetaPrescan Run();

 private:
  bool AtEnd() const { return pos_ >= in_.size(); }
  std::optional<Attribute> NextAttribute();
  bool ReadAttributeValue(Attribute* attribute);
  std::optional<std::string> MetaLabel();
  void SkipTag();

  std::string_view in_;
  size_t pos_ = 0;
  MetaPrescan result_;
};

MetaPrescan Prescanner::Run() {
  while (!AtEnd()) {
    if (MatchesAt(in_, pos_, "<!--")) {
      // "<!-->" closes too: the dashes of the opener count.
      const size_t close = in_.find("-->", pos_ + 2);
      if (close == std::string_view::npos) break;
      pos_ = close + 3;
    } else if (MatchesAt(in_, pos_, "<meta") && pos_ + 5 < in_.size() &&
               (IsAsciiSpace(in_[pos_ + 5]) || in_[pos_ + 5] == '/')) {
      pos_ += 5;
      if (std::optional<std::string> label = MetaLabel()) {
        result_.label = std::move(label);
        break;
      }
    } else if (in_[pos_] == '<' && pos_ + 1 < in_.size()) {
      SkipTag();
    } else {
      ++pos_;
    }
  }
  return std::move(result_);
}

// At a '<' that does not start a comment or a <meta>: skips an element's
// attributes (so "<div title='<meta charset=x>'>" declares nothing) or a
// "<!...>", "</...>", "<?...>" up to its '>'.
void Prescanner::SkipTag() {
  const size_t name = in_[pos_ + 1] == '/' ? pos_ + 2 : pos_ + 1;
  if (name < in_.size() && IsAsciiAlpha(in_[name])) {
    pos_ = name;
    while (!AtEnd() && !IsAsciiSpace(in_[pos_]) && in_[pos_] != '>') ++pos_;
    while (NextAttribute()) {
    }
    return;
  }
  const char second = in_[pos_ + 1];
  if (second == '!' || second == '/' || second == '?') {
    const size_t close = in_.find('>', pos_ + 1);
    pos_ = close == std::string_view::npos ? in_.size() : close + 1;
    return;
  }
  ++pos_;
}

// "Get an attribute". nullopt at '>' or when the input ends inside the tag.
std::optional<Attribute> Prescanner::NextAttribute() {
  while (!AtEnd() && (IsAsciiSpace(in_[pos_]) || in_[pos_] == '/')) ++pos_;
  if (AtEnd() || in_[pos_] == '>') return std::nullopt;
  Attribute attribute;
  for (; !AtEnd(); ++pos_) {
    const char c = in_[pos_];
    if (c == '=' && !attribute.name.empty()) {
      ++pos_;
      break;
    }
    if (IsAsciiSpace(c)) {
      pos_ = SkipSpaces(in_, pos_);
      if (AtEnd()) return std::nullopt;
      if (in_[pos_] != '=') return attribute;
      ++pos_;
      break;
    }
    if (c == '/' || c == '>') return attribute;
    attribute.name += ToLower(c);
  }
  if (AtEnd() || !ReadAttributeValue(&attribute)) return std::nullopt;
  return attribute;
}

// The value after '='; false when the input ends first.
bool Prescanner::ReadAttributeValue(Attribute* attribute) {
  pos_ = SkipSpaces(in_, pos_);
  if (AtEnd()) return false;
  const char first = in_[pos_];
  if (first == '"' || first == '\'') {
    const size_t close = in_.find(first, pos_ + 1);
    if (close == std::string_view::npos) return false;
    attribute->value = std::string(in_.substr(pos_ + 1, close - pos_ - 1));
    pos_ = close + 1;
    return true;
  }
  const size_t start = pos_;
  while (!AtEnd() && !IsAsciiSpace(in_[pos_]) && in_[pos_] != '>') ++pos_;
  attribute->value = std::string(in_.substr(start, pos_ - start));
  return !AtEnd();
}

// The attributes of one <meta>: returns its label when it declares a known one;
// records an unknown one in result_.
std::optional<std::string> Prescanner::MetaLabel() {
  enum class NeedPragma { kUnset, kYes, kNo };
  NeedPragma need_pragma = NeedPragma::kUnset;
  bool got_pragma = false;
  std::optional<std::string> charset;  // The label that decides, known or not.
  std::optional<std::string> unknown_content;
  std::vector<std::string> seen;
  while (std::optional<Attribute> attribute = NextAttribute()) {
    if (std::find(seen.begin(), seen.end(), attribute->name) != seen.end()) continue;
    seen.push_back(attribute->name);
    if (attribute->name == "http-equiv") {
      got_pragma = got_pragma || EqualsIgnoringCase(attribute->value, "content-type");
    } else if (attribute->name == "content" && !charset) {
      std::optional<std::string> label = CharsetFromContent(attribute->value);
      if (label && CanonicalCharset(*label)) {
        charset = std::move(label);
        need_pragma = NeedPragma::kYes;
      } else if (label && !unknown_content) {
        unknown_content = std::move(label);
      }
    } else if (attribute->name == "charset" && !charset) {
      charset = attribute->value;
      need_pragma = NeedPragma::kNo;
    }
  }
  if (AtEnd()) return std::nullopt;  // The tag's '>' lies beyond the window.
  if (need_pragma == NeedPragma::kUnset && got_pragma && unknown_content) charset = unknown_content;
  if (!charset || (need_pragma == NeedPragma::kYes && !got_pragma)) return std::nullopt;
  if (CanonicalCharset(*charset)) return charset;
  if (!charset->empty()) result_.unknown_labels.push_back(std::move(*charset));
  return std::nullopt;
}

}  // namespace

MetaPrescan PrescanMeta(std::string_view raw) { return Prescanner(raw).Run(); }

std::optional<std::string> PrescanMetaCharset(std::string_view raw) {
  return PrescanMeta(raw).label;
}

}  // namespace medscrape

// The selector grammar of selector.h, by recursive descent. Anything outside it
// is an error naming the construct and its offset, never a silent mismatch.
#include <gumbo.h>

#include <algorithm>
#include <string>

#include "base/ascii.h"
#include "base/space.h"
#include "html/selector_compiled.h"

namespace medscrape {
namespace {

bool IsAsciiAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
bool IsNameChar(char c) {
  return IsAsciiAlpha(c) || IsDigit(c) || c == '-' || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

void AppendUtf8(uint32_t code_point, std::string* out) {
  if (code_point == 0 || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
    code_point = 0xFFFD;
  }
  if (code_point < 0x80) {
    out->push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

class Parser {
 public:
  Parser(std::string_view css, std::string* error) : in_(css), error_(*error) {}

  bool ParseList(Selector::Compiled* out) {
    SkipSpace();
    if (AtEnd()) return Fail("empty selector");
    while (true) {
      ComplexSelector complex;
      if (!ParseComplex(&complex)) return false;
      out->alternatives.push_back(std::move(complex));
      if (AtEnd()) return true;
      ++pos_;  // ParseComplex stops only at the end or a ','
      SkipSpace();
    }
  }

 private:
  bool ParseComplex(ComplexSelector* out) {
    Combinator left = Combinator::kNone;
    while (true) {
      CompoundSelector compound;
      compound.left = left;
      if (!ParseCompound(&compound)) return false;
      out->compounds.push_back(std::move(compound));
      const bool spaced = SkipSpace();
      if (AtEnd() || Peek() == ',') return true;
      const char c = Peek();
      if (c == '>') {
        ++pos_;
        SkipSpace();
        left = Combinator::kChild;
      } else if (c == '+' || c == '~') {
        return Fail(std::string("unsupported combinator '") + c + "'");
      } else if (spaced) {
        left = Combinator::kDescendant;
      } else {
        return Fail(std::string("unexpected '") + c + "'");
      }
    }
  }

  bool ParseCompound(CompoundSelector* out) {
    const size_t start = pos_;
    if (!AtEnd() && Peek() == '*') {
      ++pos_;  // matches any element: nothing to test
    } else if (!AtEnd() && (IsAsciiAlpha(Peek()) || Peek() == '_' || Peek() == '\\' ||
                            static_cast<unsigned char>(Peek()) >= 0x80)) {
      SimpleSelector type;
      if (!ParseTypeName(&type)) return false;
      out->simples.push_back(std::move(type));
    }
    while (!AtEnd() && (Peek() == '#' || Peek() == '.' || Peek() == '[' || Peek() == ':')) {
      SimpleSelector simple;
      if (!ParseSubclass(&simple, /*inside_not=*/false)) return false;
      out->simples.push_back(std::move(simple));
    }
    if (pos_ == start) {
      if (AtEnd()) return Fail("expected a selector");
      return Fail(std::string("unexpected '") + Peek() + "'");
    }
    std::stable_sort(
        out->simples.begin(), out->simples.end(),
        [](const SimpleSelector& a, const SimpleSelector& b) { return a.kind < b.kind; });
    return true;
  }

  bool ParseTypeName(SimpleSelector* out) {
    std::string name;
    if (!ParseName(&name)) return false;
    out->kind = SimpleSelector::Kind::kType;
    out->name = AsciiLower(std::move(name));
    out->tag = gumbo_tagn_enum(out->name.data(), static_cast<unsigned>(out->name.size()));
    return true;
  }

  // #id, .class, [attr…] or a pseudo-class.
  bool ParseSubclass(SimpleSelector* out, bool inside_not) {
    const char c = Peek();
    ++pos_;
    switch (c) {
      case '#':
        out->kind = SimpleSelector::Kind::kId;
        return ParseName(&out->value);
      case '.':
        out->kind = SimpleSelector::Kind::kClass;
        return ParseName(&out->value);
      case '[':
        return ParseAttribute(out);
      default:
        return ParsePseudo(out, inside_not);
    }
  }

  bool ParseAttribute(SimpleSelector* out) {
    const size_t open = pos_ - 1;
    SkipSpace();
    if (!ParseName(&out->name)) return false;
    out->name = AsciiLower(std::move(out->name));
    SkipSpace();
    if (AtEnd()) return FailAt(open, "unclosed '['");
    out->kind = SimpleSelector::Kind::kAttrExists;
    if (Peek() == ']') {
      ++pos_;
      return true;
    }
    if (Peek() == '=') {
      out->kind = SimpleSelector::Kind::kAttrEquals;
      ++pos_;
    } else if (Peek() == '~' && Next() == '=') {
      out->kind = SimpleSelector::Kind::kAttrIncludes;
      pos_ += 2;
    } else if (std::string_view("^$*|").find(Peek()) != std::string_view::npos && Next() == '=') {
      return Fail(std::string("unsupported attribute operator '") + Peek() + "='");
    } else {
      return Fail(std::string("unexpected '") + Peek() + "' in attribute selector");
    }
    SkipSpace();
    if (AtEnd()) return FailAt(open, "unclosed '['");
    const bool quoted = Peek() == '"' || Peek() == '\'';
    if (!(quoted ? ParseString(&out->value) : ParseName(&out->value))) return false;
    SkipSpace();
    if (AtEnd()) return FailAt(open, "unclosed '['");
    if (Peek() != ']')
      return Fail(std::string("unexpected '") + Peek() + "' in attribute selector");
    ++pos_;
    return true;
  }

  bool ParsePseudo(SimpleSelector* out, bool inside_not) {
    const size_t colon = pos_ - 1;
    if (!AtEnd() && Peek() == ':') return FailAt(colon, "unsupported pseudo-element");
    std::string name;
    if (!ParseName(&name)) return false;
    name = AsciiLower(std::move(name));
    if (name == "first-child") {
      out->kind = SimpleSelector::Kind::kFirstChild;
      return true;
    }
    if (name == "nth-child") return ParseNthChild(out);
    if (name == "not") return inside_not ? FailAt(colon, "nested :not()") : ParseNot(out);
    return FailAt(colon, "unsupported pseudo-class ':" + name + "'");
  }

  // Only a plain positive number: the An+B forms are outside the subset.
  bool ParseNthChild(SimpleSelector* out) {
    if (!Consume('(')) return Fail("expected '(' after :nth-child");
    SkipSpace();
    const size_t start = pos_;
    int index = 0;
    while (!AtEnd() && IsDigit(Peek()) && index < 100000000)
      index = index * 10 + (in_[pos_++] - '0');
    SkipSpace();
    if (pos_ == start || index == 0 || !Consume(')')) {
      return FailAt(start, "unsupported :nth-child argument (only a positive number)");
    }
    out->kind = SimpleSelector::Kind::kNthChild;
    out->index = index;
    return true;
  }

  bool ParseNot(SimpleSelector* out) {
    if (!Consume('(')) return Fail("expected '(' after :not");
    SkipSpace();
    if (AtEnd()) return Fail("expected a selector in :not()");
    if (Peek() == '*') {
      ++pos_;
      out->kind = SimpleSelector::Kind::kUniversal;
    } else if (Peek() == '#' || Peek() == '.' || Peek() == '[' || Peek() == ':') {
      if (!ParseSubclass(out, /*inside_not=*/true)) return false;
    } else if (!ParseTypeName(out)) {
      return false;
    }
    out->negated = true;
    SkipSpace();
    if (!Consume(')')) return Fail(":not() takes one simple selector; expected ')'");
    return true;
  }

  // A CSS identifier (digits may lead: ids and classes like "123" are common).
  bool ParseName(std::string* out) {
    const size_t start = pos_;
    while (!AtEnd()) {
      if (IsNameChar(Peek())) {
        out->push_back(in_[pos_++]);
      } else if (Peek() == '\\') {
        if (!ParseEscape(out)) return false;
      } else {
        break;
      }
    }
    if (pos_ != start) return true;
    return Fail(AtEnd() ? std::string("expected a name")
                        : std::string("expected a name, got '") + Peek() + "'");
  }

  bool ParseString(std::string* out) {
    const size_t open = pos_;
    const char quote = in_[pos_++];
    while (!AtEnd() && Peek() != quote) {
      if (Peek() == '\\') {
        if (Next() == '\n') {
          pos_ += 2;  // an escaped newline continues the string
        } else if (!ParseEscape(out)) {
          return false;
        }
      } else {
        out->push_back(in_[pos_++]);
      }
    }
    if (AtEnd()) return FailAt(open, "unclosed string");
    ++pos_;
    return true;
  }

  // "\" then 1–6 hex digits and an optional space, or any other character itself.
  bool ParseEscape(std::string* out) {
    ++pos_;
    if (AtEnd() || Peek() == '\n') return FailAt(pos_ - 1, "bad escape");
    if (!IsHex(Peek())) {
      out->push_back(in_[pos_++]);
      return true;
    }
    uint32_t code_point = 0;
    for (int digits = 0; digits < 6 && !AtEnd() && IsHex(Peek()); ++digits) {
      const char c = in_[pos_++];
      code_point = code_point * 16 + (IsDigit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    }
    if (!AtEnd() && IsAsciiSpace(Peek())) ++pos_;
    AppendUtf8(code_point, out);
    return true;
  }

  bool AtEnd() const { return pos_ >= in_.size(); }
  char Peek() const { return in_[pos_]; }
  char Next() const { return pos_ + 1 < in_.size() ? in_[pos_ + 1] : '\0'; }
  bool Consume(char c) {
    if (AtEnd() || Peek() != c) return false;
    ++pos_;
    return true;
  }
  bool SkipSpace() {
    const size_t start = pos_;
    while (!AtEnd() && IsAsciiSpace(Peek())) ++pos_;
    return pos_ != start;
  }
  bool Fail(const std::string& message) { return FailAt(pos_, message); }
  bool FailAt(size_t offset, const std::string& message) {
    error_ = message + " at offset " + std::to_string(offset);
    return false;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string& error_;
};

}  // namespace

bool ParseSelector(std::string_view css, Selector::Compiled* compiled, std::string* error) {
  return Parser(css, error).ParseList(compiled);
}

}  // namespace medscrape

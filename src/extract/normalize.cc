// Hand-written scanners rather than RE2: the rules that matter here are positional (a year
// must not continue a longer digit run, a day stops after two digits, a date's digits are never
// part of a count, a rejected candidate resumes one byte later), which RE2 cannot say without
// lookbehind. Every literal compared is ASCII or a whole UTF-8 sequence, so matches always fall
// on character boundaries.
#include "extract/normalize.h"

#include <algorithm>

#include "base/space.h"

namespace medscrape {
namespace {

constexpr std::string_view kFullWidthColon = "\uFF1A";
// Outside this range four digits are more likely an id or part of a phone number.
constexpr int kMinYear = 1900;
constexpr int kMaxYear = 2100;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Maps full-width digits U+FF10..U+FF19 (EF BC 90..99) to ASCII so one scanner serves both.
std::string AsciiDigits(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char last = i + 2 < text.size() ? text[i + 2] : 0;
    if (last >= 0x90 && last <= 0x99 && text[i] == '\xEF' && text[i + 1] == '\xBC') {
      out += static_cast<char>('0' + (last - 0x90));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A read position in normalised text. Read/Consume advance only on success; compound readers
// work on a copy and commit it when the whole form matched.
struct Scanner {
  std::string_view s;
  size_t pos = 0;

  bool AtDigit() const { return pos < s.size() && IsDigit(s[pos]); }

  bool Consume(std::string_view literal) {
    if (!StartsWith(s.substr(pos), literal)) return false;
    pos += literal.size();
    return true;
  }

  size_t SkipSpaces() {
    const size_t start = pos;
    while (size_t n = SpaceLength(s.substr(pos))) pos += n;
    return pos - start;
  }

  // Reads min_len..max_len digits; stops after max_len even when more digits follow.
  bool ReadInt(size_t min_len, size_t max_len, int* value) {
    size_t end = pos;
    int v = 0;
    while (end < s.size() && end - pos < max_len && IsDigit(s[end])) v = v * 10 + (s[end++] - '0');
    if (end - pos < min_len) return false;
    pos = end;
    *value = v;
    return true;
  }

  bool ConsumeAfterSpaces(std::string_view literal) {
    SkipSpaces();
    return Consume(literal);
  }

  bool ReadIntAfterSpaces(int* value) {
    SkipSpaces();
    return ReadInt(1, 2, value);
  }
};

struct DateTime {
  int year = 0, month = 0, day = 0;
  bool has_time = false;
  int hour = 0, minute = 0, second = 0;
};

// "YYYY-M-D", "YYYY/MM/DD", "YYYY.MM.DD": the same separator twice.
bool ReadNumericDate(Scanner* sc, DateTime* dt) {
  Scanner t = *sc;
  if (!t.ReadInt(4, 4, &dt->year) || t.pos >= t.s.size()) return false;
  const std::string_view sep = t.s.substr(t.pos, 1);
  if (sep != "-" && sep != "/" && sep != ".") return false;
  if (!t.Consume(sep) || !t.ReadInt(1, 2, &dt->month) || !t.Consume(sep) ||
      !t.ReadInt(1, 2, &dt->day)) {
    return false;
  }
  *sc = t;
  return true;
}

// "YYYY年M月D日" (or 号), spaces allowed between the parts.
bool ReadCjkDate(Scanner* sc, DateTime* dt) {
  Scanner t = *sc;
  if (!t.ReadInt(4, 4, &dt->year) || !t.ConsumeAfterSpaces("年") ||
      !t.ReadIntAfterSpaces(&dt->month) || !t.ConsumeAfterSpaces("月") ||
      !t.ReadIntAfterSpaces(&dt->day) ||
      !(t.ConsumeAfterSpaces("日") || t.ConsumeAfterSpaces("号"))) {
    return false;
  }
  *sc = t;
  return true;
}

// "H:MM" or "H:MM:SS"; seconds default to 0.
bool ReadTime(Scanner* sc, DateTime* dt) {
  Scanner t = *sc;
  int hour = 0, minute = 0, second = 0;
  if (!t.ReadInt(1, 2, &hour) || !t.Consume(":") || !t.ReadInt(2, 2, &minute)) return false;
  Scanner with_seconds = t;
  if (with_seconds.Consume(":") && with_seconds.ReadInt(2, 2, &second)) t = with_seconds;
  *sc = t;
  dt->has_time = true;
  dt->hour = hour;
  dt->minute = minute;
  dt->second = second;
  return true;
}

// A date and, when one follows in an accepted form, its time. Shape only; see IsValid.
bool ReadDateTime(Scanner* sc, DateTime* dt) {
  const bool numeric = ReadNumericDate(sc, dt);
  if (!numeric && !ReadCjkDate(sc, dt)) return false;
  // After digits a separator is needed ("28 10:21", "28T10:21"); after 日 none is.
  Scanner t = *sc;
  const bool separated = t.Consume("T") || t.SkipSpaces() > 0 || !numeric;
  if (separated && ReadTime(&t, dt)) *sc = t;
  return true;
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

bool IsValid(const DateTime& dt) {
  if (dt.year < kMinYear || dt.year > kMaxYear || dt.month < 1 || dt.month > 12) return false;
  if (dt.day < 1 || dt.day > DaysInMonth(dt.year, dt.month)) return false;
  return !dt.has_time || (dt.hour < 24 && dt.minute < 60 && dt.second < 60);
}

// Zero-pads a validated field, so `value` never has more than `width` digits.
void AppendField(std::string* out, std::string_view separator, int value, size_t width) {
  const std::string digits = std::to_string(value);
  out->append(separator).append(width - std::min(width, digits.size()), '0').append(digits);
}

std::string FormatIso(const DateTime& dt, std::string_view utc_offset) {
  std::string out;
  AppendField(&out, "", dt.year, 4);
  AppendField(&out, "-", dt.month, 2);
  AppendField(&out, "-", dt.day, 2);
  if (!dt.has_time) return out;
  AppendField(&out, "T", dt.hour, 2);
  AppendField(&out, ":", dt.minute, 2);
  AppendField(&out, ":", dt.second, 2);
  return out.append(utc_offset);
}

// A number as written: digits, optional thousands commas, optional fraction, optional 万/亿.
struct Number {
  int64_t integer = 0;
  bool overflow = false;
  bool negative = false;
  std::string_view fraction;  // Digits after '.'.
  int exponent = 0;           // 4 for 万, 8 for 亿.
};

// A comma counts only before exactly three digits, so "3,4" stays two numbers.
bool IsThousandsComma(std::string_view s, size_t pos) {
  const std::string_view group = s.substr(pos, 5);
  return group.size() >= 4 && group[0] == ',' && IsDigit(group[1]) && IsDigit(group[2]) &&
         IsDigit(group[3]) && (group.size() == 4 || !IsDigit(group[4]));
}

void AppendDigit(Number* n, char c) {
  n->overflow = n->overflow || __builtin_mul_overflow(n->integer, 10, &n->integer) ||
                __builtin_add_overflow(n->integer, c - '0', &n->integer);
}

// Reads the number at sc->pos, which must be a digit. A '-' right before it is a minus sign
// unless a digit precedes the '-' ("3-5次" is a range).
Number ReadNumber(Scanner* sc) {
  const std::string_view s = sc->s;
  Number n;
  n.negative = sc->pos > 0 && s[sc->pos - 1] == '-' && (sc->pos < 2 || !IsDigit(s[sc->pos - 2]));
  do {
    while (sc->AtDigit()) AppendDigit(&n, s[sc->pos++]);
  } while (IsThousandsComma(s, sc->pos) && sc->Consume(","));
  if (sc->pos + 1 < s.size() && s[sc->pos] == '.' && IsDigit(s[sc->pos + 1])) {
    const size_t start = ++sc->pos;
    while (sc->AtDigit()) ++sc->pos;
    n.fraction = s.substr(start, sc->pos - start);
  }
  if (sc->Consume("万")) {
    n.exponent = 4;
  } else if (sc->Consume("亿")) {
    n.exponent = 8;
  }
  return n;
}

int64_t Pow10(int exponent) {
  int64_t p = 1;
  while (exponent-- > 0) p *= 10;
  return p;
}

// Exact decimal scaling ("1.25万" = 1 * 10^4 + 25 * 10^2), no floating point. Negative,
// overflowing or fractional results ("1.5" without a unit) are not counts.
std::optional<int64_t> ToCount(const Number& n) {
  std::string_view fraction = n.fraction;
  while (EndsWith(fraction, "0")) fraction.remove_suffix(1);
  if (n.negative || n.overflow || static_cast<int>(fraction.size()) > n.exponent) {
    return std::nullopt;
  }
  int64_t fraction_value = 0;
  for (char c : fraction) fraction_value = fraction_value * 10 + (c - '0');
  fraction_value *= Pow10(n.exponent - static_cast<int>(fraction.size()));
  int64_t result = 0;
  if (__builtin_mul_overflow(n.integer, Pow10(n.exponent), &result) ||
      __builtin_add_overflow(result, fraction_value, &result)) {
    return std::nullopt;
  }
  return result;
}

}  // namespace

// A candidate starts at a digit run and must be a real date (and time); otherwise the search
// goes on, so an id such as "1234-56-78" does not hide a later date.
std::optional<std::string> NormalizeDate(std::string_view text, std::string_view utc_offset,
                                         bool* time_dropped) {
  const std::string s = AsciiDigits(text);
  for (size_t i = 0; i < s.size(); ++i) {
    if (!IsDigit(s[i]) || (i > 0 && IsDigit(s[i - 1]))) continue;
    Scanner sc{s, i};
    DateTime dt;
    if (!ReadDateTime(&sc, &dt)) continue;
    if (IsValid(dt)) return FormatIso(dt, utc_offset);
    if (!dt.has_time) continue;
    dt.has_time = false;  // A real date with an impossible time (10:21:61): keep the date.
    if (!IsValid(dt)) continue;
    if (time_dropped != nullptr) *time_dropped = true;
    return FormatIso(dt, utc_offset);
  }
  return std::nullopt;
}

std::optional<int64_t> NormalizeCount(std::string_view text) {
  const std::string s = AsciiDigits(text);
  Scanner sc{s, s.find_first_of("0123456789")};
  if (sc.pos == std::string::npos) return std::nullopt;
  return ToCount(ReadNumber(&sc));
}

// Walks the text token by token. Anything shaped like a date (and time) is skipped whole, so
// in the seed's glued "2026-02-289039次浏览" the day takes "28" (as NormalizeDate does) and the
// count is 9039. The first number followed by `unit` decides, even when it is not a count.
std::optional<int64_t> NormalizeCountWithUnit(std::string_view text, std::string_view unit) {
  const std::string s = AsciiDigits(text);
  Scanner sc{s, 0};
  while (sc.pos < s.size()) {
    if (!sc.AtDigit()) {
      ++sc.pos;
      continue;
    }
    DateTime skipped;
    if (ReadDateTime(&sc, &skipped)) continue;
    const Number n = ReadNumber(&sc);
    if (sc.Consume(unit)) return ToCount(n);
  }
  return std::nullopt;
}

std::optional<LabelDetail> SplitLabel(std::string_view text) {
  const size_t ascii = text.find(':');
  const size_t at = std::min(ascii, text.find(kFullWidthColon));
  if (at == std::string_view::npos) return std::nullopt;
  const size_t colon_length = at == ascii ? 1 : kFullWidthColon.size();
  return LabelDetail{std::string(TrimSpace(text.substr(0, at))),
                     std::string(TrimSpace(text.substr(at + colon_length)))};
}

std::string TrimLabelColon(std::string_view label) {
  std::string_view s = TrimSpace(label);
  while (EndsWith(s, ":") || EndsWith(s, kFullWidthColon)) {
    s.remove_suffix(EndsWith(s, ":") ? 1 : kFullWidthColon.size());
    s = TrimSpace(s);
  }
  return std::string(s);
}

bool IsAdviceLabel(std::string_view label) { return EndsWith(TrimLabelColon(label), "建议"); }

}  // namespace medscrape

#include "crawl/retry_after.h"

#include <algorithm>
#include <array>
#include <cstddef>

namespace medscrape {
namespace {

constexpr double kMaxDeltaSeconds = 2147483648.0;  // 2^31, RFC 9111 §1.2.2.
constexpr int64_t kMsPerDay = 86'400'000;

constexpr std::array<std::string_view, 7> kShortDays = {"Mon", "Tue", "Wed", "Thu",
                                                        "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

char Lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool StartsWithIgnoringCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char a, char b) { return Lower(a) == Lower(b); });
}

std::string_view TrimOws(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

std::optional<double> ParseDeltaSeconds(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), IsDigit)) return std::nullopt;
  double seconds = 0;  // Exact below 2^53; saturates long before that.
  for (char c : text) {
    seconds = std::min(seconds * 10 + (c - '0'), kMaxDeltaSeconds);
  }
  return seconds;
}

// Reads the fixed-layout HTTP-date grammars front to back; every method consumes
// input only when it matches.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : rest_(text) {}

  bool Literal(std::string_view expected) {
    if (rest_.substr(0, expected.size()) != expected) return false;
    rest_.remove_prefix(expected.size());
    return true;
  }
  // Exactly `digits` decimal digits.
  std::optional<int> Number(size_t digits) {
    if (rest_.size() < digits || !std::all_of(rest_.begin(), rest_.begin() + digits, IsDigit)) {
      return std::nullopt;
    }
    int value = 0;
    for (size_t i = 0; i < digits; ++i) value = value * 10 + (rest_[i] - '0');
    rest_.remove_prefix(digits);
    return value;
  }
  // Index of the name `rest_` starts with, ignoring case.
  template <size_t N>
  std::optional<int> Name(const std::array<std::string_view, N>& names) {
    for (size_t i = 0; i < N; ++i) {
      if (StartsWithIgnoringCase(rest_, names[i])) {
        rest_.remove_prefix(names[i].size());
        return static_cast<int>(i);
      }
    }
    return std::nullopt;
  }
  bool AtEnd() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

struct CivilTime {
  int year = 0, month = 0, day = 0;  // month 1-12
  int hour = 0, minute = 0, second = 0;
};

// Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic Gregorian calendar.
int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;
  const int64_t day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;
}

// The Gregorian year holding `unix_ms`; the inverse of DaysFromCivil, year part only.
int64_t YearOf(int64_t unix_ms) {
  const int64_t days = unix_ms / kMsPerDay - (unix_ms % kMsPerDay < 0 ? 1 : 0) + 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const bool jan_or_feb = (5 * day_of_year + 2) / 153 >= 10;
  return year_of_era + era * 400 + (jan_or_feb ? 1 : 0);
}

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

bool IsValid(const CivilTime& t) {
  constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const int month_days = kDaysInMonth[t.month - 1] + (t.month == 2 && IsLeapYear(t.year));
  // Second 60 is a leap second, which HTTP's grammar admits.
  return t.day >= 1 && t.day <= month_days && t.hour <= 23 && t.minute <= 59 && t.second <= 60;
}

// time-of-day = hour ":" minute ":" second
bool ParseTimeOfDay(Cursor& in, CivilTime& t) {
  const auto hour = in.Number(2);
  if (!hour || !in.Literal(":")) return false;
  const auto minute = in.Number(2);
  if (!minute || !in.Literal(":")) return false;
  const auto second = in.Number(2);
  if (!second) return false;
  t.hour = *hour, t.minute = *minute, t.second = *second;
  return true;
}

// "Sun, 06 Nov 1994 08:49:37 GMT"
std::optional<CivilTime> ParseImfFixdate(std::string_view text) {
  Cursor in(text);
  CivilTime t;
  if (!in.Name(kShortDays) || !in.Literal(", ")) return std::nullopt;
  const auto day = in.Number(2);
  if (!day || !in.Literal(" ")) return std::nullopt;
  const auto month = in.Name(kMonths);
  if (!month || !in.Literal(" ")) return std::nullopt;
  const auto year = in.Number(4);
  if (!year || !in.Literal(" ") || !ParseTimeOfDay(in, t)) return std::nullopt;
  if (!in.Literal(" GMT") || !in.AtEnd()) return std::nullopt;
  t.year = *year, t.month = *month + 1, t.day = *day;
  return t;
}

// RFC 9110 §5.6.7: a two-digit year more than 50 years in the future means the most
// recent past year with those digits; we take the year within 50 years of now.
int ExpandTwoDigitYear(int two_digits, int64_t now_unix_ms) {
  const int64_t now_year = YearOf(now_unix_ms);
  int64_t year = now_year - now_year % 100 + two_digits;
  if (year > now_year + 50) year -= 100;
  if (year <= now_year - 50) year += 100;
  return static_cast<int>(std::clamp<int64_t>(year, 0, 9999));
}

// "Sunday, 06-Nov-94 08:49:37 GMT"
std::optional<CivilTime> ParseRfc850(std::string_view text, int64_t now_unix_ms) {
  Cursor in(text);
  CivilTime t;
  if (!in.Name(kLongDays) || !in.Literal(", ")) return std::nullopt;
  const auto day = in.Number(2);
  if (!day || !in.Literal("-")) return std::nullopt;
  const auto month = in.Name(kMonths);
  if (!month || !in.Literal("-")) return std::nullopt;
  const auto year = in.Number(2);
  if (!year || !in.Literal(" ") || !ParseTimeOfDay(in, t)) return std::nullopt;
  if (!in.Literal(" GMT") || !in.AtEnd()) return std::nullopt;
  t.year = ExpandTwoDigitYear(*year, now_unix_ms), t.month = *month + 1, t.day = *day;
  return t;
}

// "Sun Nov  6 08:49:37 1994": the day is two digits or a space and one digit.
std::optional<CivilTime> ParseAsctime(std::string_view text) {
  Cursor in(text);
  CivilTime t;
  if (!in.Name(kShortDays) || !in.Literal(" ")) return std::nullopt;
  const auto month = in.Name(kMonths);
  if (!month || !in.Literal(" ")) return std::nullopt;
  const auto day = in.Literal(" ") ? in.Number(1) : in.Number(2);
  if (!day || !in.Literal(" ") || !ParseTimeOfDay(in, t) || !in.Literal(" ")) return std::nullopt;
  const auto year = in.Number(4);
  if (!year || !in.AtEnd()) return std::nullopt;
  t.year = *year, t.month = *month + 1, t.day = *day;
  return t;
}

std::optional<CivilTime> ParseHttpDate(std::string_view text, int64_t now_unix_ms) {
  std::optional<CivilTime> t = ParseImfFixdate(text);
  if (!t) t = ParseRfc850(text, now_unix_ms);
  if (!t) t = ParseAsctime(text);
  if (!t || !IsValid(*t)) return std::nullopt;
  return t;
}

}  // namespace

std::optional<double> ParseRetryAfter(std::string_view value, int64_t now_unix_ms) {
  const std::string_view text = TrimOws(value);
  if (const auto seconds = ParseDeltaSeconds(text)) return seconds;
  const std::optional<CivilTime> t = ParseHttpDate(text, now_unix_ms);
  if (!t) return std::nullopt;
  const int64_t date_s = DaysFromCivil(t->year, t->month, t->day) * 86400 + t->hour * 3600 +
                         t->minute * 60 + t->second;
  // In double: `now_unix_ms` is the caller's and may be anything; no int64 overflow.
  const double delay_s = static_cast<double>(date_s) - static_cast<double>(now_unix_ms) / 1000;
  return std::max(0.0, delay_s);
}

}  // namespace medscrape

// Normalisers shared by every site: dates, counts and "label: detail" splits.
// Pure functions over UTF-8 strings; thread-safe.
#ifndef MEDSCRAPE_EXTRACT_NORMALIZE_H_
#define MEDSCRAPE_EXTRACT_NORMALIZE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace medscrape {

// Finds the first date (and optional time) in free text and returns ISO 8601.
// Understood: "2026-02-28", "2026/02/28", "2026.02.28", "2026年2月8日", with
// surrounding text such as "发布于  2026-02-28"; a time "10:21[:45]" after the
// date (separated by spaces, 'T' or nothing after 日). A bare date stays
// "YYYY-MM-DD"; with a time it gets `utc_offset` ("+08:00"):
// "2025-11-03T10:21:45+08:00" (seconds default to 00). Impossible dates
// (2026-02-30, month 13) give nullopt; a real date with an impossible time
// ("2025-11-03 10:21:61", hour 24) gives the date alone and sets *time_dropped.
std::optional<std::string> NormalizeDate(std::string_view text, std::string_view utc_offset,
                                         bool* time_dropped = nullptr);

// Finds a count in free text: "9039次浏览" -> 9039, "1.2万次浏览" -> 12000,
// "3562人看过" -> 3562, "1,234" -> 1234, "3亿" -> 300000000. The first number
// (with an optional 万/亿 right after it) wins. nullopt when there is no number
// or it does not fit in int64.
std::optional<int64_t> NormalizeCount(std::string_view text);

// Like NormalizeCount, but only a number directly followed by `unit`
// (e.g. "次浏览") counts: "2026-02-289039次浏览" with unit "次浏览" -> 9039.
std::optional<int64_t> NormalizeCountWithUnit(std::string_view text, std::string_view unit);

struct LabelDetail {
  std::string label;   // Text before the first ':' or '：', trimmed.
  std::string detail;  // Text after it, trimmed.
};

// Splits "电解质失衡:运动大量出汗…" at the first ASCII or full-width colon.
// nullopt when there is no colon.
std::optional<LabelDetail> SplitLabel(std::string_view text);

// Removes a trailing ':' or '：' (and white space) from a label.
std::string TrimLabelColon(std::string_view label);

// True for labels that are advice rather than causes (end in 建议).
bool IsAdviceLabel(std::string_view label);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_NORMALIZE_H_

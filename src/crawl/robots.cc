#include "crawl/robots.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include "base/ascii.h"

namespace medscrape {
namespace {

constexpr std::string_view kWhitespace = " \t\v\f";
constexpr std::string_view kUtf8Bom = "\xEF\xBB\xBF";
constexpr std::string_view kHexDigits = "0123456789ABCDEF";

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(kWhitespace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kWhitespace) - begin + 1);
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = AsciiLower(c);
  return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

bool IsAsciiAlnum(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// RFC 3986 §2.3: these mean the same encoded or not.
bool IsUnreserved(unsigned char c) {
  return IsAsciiAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

void AppendEscaped(unsigned char c, std::string* out) {
  *out += '%';
  *out += kHexDigits[c >> 4];
  *out += kHexDigits[c & 0xF];
}

// One spelling per URI so that rules and paths compare octet by octet (RFC 9309
// §2.2.2): %XX of unreserved characters decoded, other escapes in upper case,
// bytes outside printable ASCII (UTF-8 or not) escaped, and a '%' that starts no
// escape taken as a literal percent sign. '*' and '$' never result from decoding.
std::string NormalizePercentEncoding(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c == '%') {
      const int high = i + 2 < in.size() ? HexValue(in[i + 1]) : -1;
      const int low = high >= 0 ? HexValue(in[i + 2]) : -1;
      if (low < 0) {
        AppendEscaped(c, &out);
        continue;
      }
      const auto decoded = static_cast<unsigned char>(high * 16 + low);
      if (IsUnreserved(decoded)) {
        out += static_cast<char>(decoded);
      } else {
        AppendEscaped(decoded, &out);
      }
      i += 2;
    } else if (c <= 0x20 || c >= 0x7F) {
      AppendEscaped(c, &out);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// Whether the literal pieces of a '*'-separated `rest` occur in order in
// path[pos..]. Taking each piece at its leftmost occurrence is never worse than a
// later one, so there is no backtracking: O(path × pattern) at worst, and usually
// linear. When `anchored`, the last piece must end the path.
bool MatchStarSegments(std::string_view path, size_t pos, std::string_view rest, bool anchored) {
  for (size_t star = rest.find('*'); star != std::string_view::npos; star = rest.find('*')) {
    const size_t found = path.find(rest.substr(0, star), pos);
    if (found == std::string_view::npos) return false;
    pos = found + star;
    rest.remove_prefix(star + 1);
  }
  if (!anchored) return path.find(rest, pos) != std::string_view::npos;
  return path.size() - pos >= rest.size() && path.substr(path.size() - rest.size()) == rest;
}

bool Matches(std::string_view path, const RobotsRule& rule) {
  const std::string_view pattern = rule.pattern;
  const size_t star = pattern.find('*');
  const std::string_view head = pattern.substr(0, star);
  if (!StartsWith(path, head)) return false;
  if (star == std::string_view::npos) return !rule.anchored || path.size() == head.size();
  return MatchStarSegments(path, head.size(), pattern.substr(star + 1), rule.anchored);
}

// The body up to `max_bytes`, without a final line the limit cut in two.
std::string_view WithinLimit(std::string_view body, size_t max_bytes) {
  if (body.size() <= max_bytes) return body;
  const std::string_view kept = body.substr(0, max_bytes);
  if (body[max_bytes] == '\n' || body[max_bytes] == '\r') return kept;
  const size_t last_break = kept.find_last_of("\r\n");
  return last_break == std::string_view::npos ? std::string_view() : kept.substr(0, last_break + 1);
}

// Removes and returns the first line of `*text`; CRLF, CR and LF all end a line.
std::string_view NextLine(std::string_view* text) {
  const size_t end = text->find_first_of("\r\n");
  const std::string_view line = text->substr(0, end);
  if (end == std::string_view::npos) {
    *text = {};
  } else {
    const bool crlf = (*text)[end] == '\r' && end + 1 < text->size() && (*text)[end + 1] == '\n';
    text->remove_prefix(end + (crlf ? 2 : 1));
  }
  return line;
}

enum class Key { kUserAgent, kAllow, kDisallow, kCrawlDelay, kSitemap, kUnknown };

// Keys compared lower-cased and without '-', '_' or spaces, so "User-Agent",
// "useragent" and "user agent" are one; common misspellings of disallow too.
Key ClassifyKey(std::string_view raw) {
  struct Spelling {
    std::string_view name;
    Key key;
  };
  static constexpr Spelling kSpellings[] = {
      {"useragent", Key::kUserAgent}, {"allow", Key::kAllow},
      {"disallow", Key::kDisallow},   {"dissallow", Key::kDisallow},
      {"disalow", Key::kDisallow},    {"dissalow", Key::kDisallow},
      {"disallaw", Key::kDisallow},   {"crawldelay", Key::kCrawlDelay},
      {"sitemap", Key::kSitemap},
  };
  std::string key;
  for (char c : raw) {
    if (c != '-' && c != '_' && c != ' ') key += AsciiLower(c);
  }
  for (const Spelling& spelling : kSpellings) {
    if (key == spelling.name) return spelling.key;
  }
  return Key::kUnknown;
}

// The product token: the leading letters, digits, '-' and '_', lower-cased, so
// "MedScrape/1.0" gives "medscrape".
std::string ProductToken(std::string_view agent) {
  const auto is_token_char = [](char c) { return IsAsciiAlnum(c) || c == '-' || c == '_'; };
  const auto end = std::find_if_not(agent.begin(), agent.end(), is_token_char);
  return AsciiLower(agent.substr(0, end - agent.begin()));
}

bool IsGlobalAgent(std::string_view agent) {
  return !agent.empty() && agent[0] == '*' &&
         (agent.size() == 1 || kWhitespace.find(agent[1]) != std::string_view::npos);
}

// A non-negative decimal such as "2" or "2.5"; "inf" and numbers too large for a
// double ("1e400") are infinite, so the cap applies to them as to "1e9"; a number
// too small for one ("1e-400") is 0. Anything else (negative, NaN, junk) is ignored.
std::optional<double> ParseDelay(std::string_view value) {
  if (value.empty() || value.front() == '-') return std::nullopt;
  double seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (end != value.data() + value.size()) return std::nullopt;
  if (error == std::errc::result_out_of_range) {
    const size_t exponent = value.find_first_of("eE");
    const bool tiny = exponent != std::string_view::npos && exponent + 1 < value.size() &&
                      value[exponent + 1] == '-';
    return tiny ? 0.0 : HUGE_VAL;
  }
  if (error != std::errc() || std::isnan(seconds) || seconds < 0) return std::nullopt;
  return seconds;
}

// Rules gathered for one audience (our token, or `*`) from every group naming it.
struct Audience {
  bool named = false;
  std::vector<RobotsRule> rules;
  std::optional<double> crawl_delay;
};

// Feeds lines through the RFC 9309 group structure: consecutive user-agent lines
// open one group, whose member lines follow until the next user-agent line.
class LineParser {
 public:
  explicit LineParser(std::string_view user_agent) : token_(ProductToken(user_agent)) {}

  void Add(Key key, std::string_view value) {
    switch (key) {
      case Key::kUserAgent:
        AddAgent(value);
        break;
      case Key::kAllow:
      case Key::kDisallow:
        AddRule(value, key == Key::kAllow);
        break;
      case Key::kCrawlDelay:
        AddDelay(value);
        break;
      case Key::kSitemap:
        if (!value.empty()) sitemaps_.emplace_back(value);
        break;
      case Key::kUnknown:  // Other records neither open nor close a group.
        break;
    }
  }

  // The specific audience if any group named us, else `*` (possibly empty).
  Audience& Chosen() { return ours_.named ? ours_ : any_; }
  std::vector<std::string>& sitemaps() { return sitemaps_; }

 private:
  void AddAgent(std::string_view agent) {
    if (!in_agent_lines_) for_ours_ = for_any_ = false;
    in_agent_lines_ = true;
    if (IsGlobalAgent(agent)) {
      for_any_ = any_.named = true;
    } else if (!token_.empty() && ProductToken(agent) == token_) {
      for_ours_ = ours_.named = true;
    }
  }

  void AddRule(std::string_view value, bool allow) {
    in_agent_lines_ = false;
    const bool anchored = !value.empty() && value.back() == '$';
    if (anchored) value.remove_suffix(1);
    // An empty path matches nothing (§2.2.2: "Disallow:" disallows nothing).
    if (value.empty()) return;
    std::string pattern = NormalizePercentEncoding(value);
    // Paths start with '/'; "Disallow: private" is read as "/private", the
    // stricter of the guesses.
    if (pattern.empty() || (pattern[0] != '/' && pattern[0] != '*')) pattern.insert(0, "/");
    ForEachTarget([&](Audience& a) { a.rules.push_back({pattern, anchored, allow}); });
  }

  void AddDelay(std::string_view value) {
    in_agent_lines_ = false;
    const std::optional<double> delay = ParseDelay(value);
    if (!delay) return;
    ForEachTarget(
        [&](Audience& a) { a.crawl_delay = std::max(a.crawl_delay.value_or(0), *delay); });
  }

  template <typename Fn>
  void ForEachTarget(Fn fn) {
    if (for_ours_) fn(ours_);
    if (for_any_) fn(any_);
  }

  const std::string token_;
  Audience ours_;
  Audience any_;
  bool for_ours_ = false;  // The current group names our token.
  bool for_any_ = false;   // The current group names `*`.
  bool in_agent_lines_ = false;
  std::vector<std::string> sitemaps_;
};

bool MoreSpecific(const RobotsRule& a, const RobotsRule& b) {
  if (a.specificity() != b.specificity()) return a.specificity() > b.specificity();
  return a.allow && !b.allow;  // §2.2.2: on a tie, allow wins.
}

}  // namespace

RobotsRules RobotsRules::Parse(std::string_view body, std::string_view user_agent,
                               const RobotsLimits& limits) {
  std::string_view text = WithinLimit(body, limits.max_bytes);
  if (StartsWith(text, kUtf8Bom)) text.remove_prefix(kUtf8Bom.size());
  LineParser parser(user_agent);
  while (!text.empty()) {
    std::string_view line = NextLine(&text);
    line = line.substr(0, line.find('#'));
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    parser.Add(ClassifyKey(Trim(line.substr(0, colon))), Trim(line.substr(colon + 1)));
  }
  Audience& chosen = parser.Chosen();
  RobotsRules rules;
  rules.rules_ = std::move(chosen.rules);
  std::stable_sort(rules.rules_.begin(), rules.rules_.end(), MoreSpecific);
  if (chosen.crawl_delay) {
    rules.crawl_delay_ = std::min(*chosen.crawl_delay, limits.max_crawl_delay_s);
  }
  rules.sitemaps_ = std::move(parser.sitemaps());
  return rules;
}

RobotsRules RobotsRules::AllowAll() { return RobotsRules(); }

RobotsRules RobotsRules::DisallowAll() {
  RobotsRules rules;
  rules.rules_.push_back({"/", false, false});
  return rules;
}

bool RobotsRules::Allowed(std::string_view path_and_query) const {
  std::string path = NormalizePercentEncoding(path_and_query);
  if (path.empty() || path[0] != '/') path.insert(0, "/");
  // §2.2.2: the /robots.txt URI is implicitly allowed.
  if (std::string_view(path).substr(0, path.find('?')) == "/robots.txt") return true;
  // Sorted most specific first, so the first match decides.
  for (const RobotsRule& rule : rules_) {
    if (Matches(path, rule)) return rule.allow;
  }
  return true;
}

RobotsRules RobotsFromResponse(int http_status, std::string_view body, std::string_view user_agent,
                               const RobotsLimits& limits) {
  if (http_status >= 200 && http_status <= 299) {
    return RobotsRules::Parse(body, user_agent, limits);
  }
  if (http_status >= 400 && http_status <= 499) return RobotsRules::AllowAll();
  return RobotsRules::DisallowAll();
}

}  // namespace medscrape

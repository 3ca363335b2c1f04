#include "crawl/response_rules.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <optional>

#include "base/ascii.h"
#include "base/space.h"
#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {
namespace {

// The scheme an href names ("ftp" in " FTP://x"), lower case; "" for a relative one.
std::string HrefScheme(const std::string& href) {
  const size_t start = href.find_first_not_of(kAsciiSpaces);
  if (start == std::string::npos || !std::isalpha(static_cast<unsigned char>(href[start]))) {
    return "";
  }
  size_t end = start;
  while (end < href.size() && (std::isalnum(static_cast<unsigned char>(href[end])) ||
                               href[end] == '+' || href[end] == '-' || href[end] == '.')) {
    ++end;
  }
  if (end >= href.size() || href[end] != ':') return "";
  return AsciiLower(href.substr(start, end - start));
}

}  // namespace

bool IsRateLimit(const FetchResponse& response) {
  return response.error == FetchError::kNone &&
         (response.status == 429 || (response.status == 503 && !response.retry_after.empty()));
}

PageAction ClassifyPage(const FetchResponse& response) {
  const int status = response.status;
  if (response.error != FetchError::kNone) return PageAction::kFailure;
  if (IsRateLimit(response)) return PageAction::kRateLimit;
  if (status >= 500 || status == 408) return PageAction::kFailure;
  if (status == 304) return PageAction::kUnchanged;
  if (status >= 300 && status < 400 && !response.location.empty()) return PageAction::kRedirect;
  if (status >= 400 || status < 200) return PageAction::kHttpError;
  return PageAction::kBody;
}

bool LooksLikeHtml(const std::string& content_type) {
  if (content_type.empty()) return true;
  const std::string lower = AsciiLower(content_type);
  return lower.find("html") != std::string::npos || lower.find("xml") != std::string::npos ||
         lower.rfind("text/plain", 0) == 0;
}

std::string CharsetOf(const std::string& content_type) {
  const size_t at = AsciiLower(content_type).find("charset=");
  if (at == std::string::npos) return "";
  std::string value = content_type.substr(at + 8);
  value = value.substr(0, value.find(';'));
  value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
  return value;
}

std::string IsoUtc(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

RedirectTarget ResolveRedirect(const std::string& current_url, const std::string& location,
                               int hops) {
  std::optional<std::string> next = ResolveHttpUrl(current_url, location);
  if (next) next = CanonicalizeUrl(*next);
  if (!next) {
    const std::string scheme = HrefScheme(location);
    if (!scheme.empty() && scheme != "http" && scheme != "https") {
      return {RedirectTarget::Kind::kNotHttp, "", ""};
    }
    return {RedirectTarget::Kind::kBadUrl, "", ""};
  }
  if (hops >= kMaxRedirects) return {RedirectTarget::Kind::kTooMany, "", ""};
  return {RedirectTarget::Kind::kFollow, *next, HostPortOf(*next)};
}

const std::vector<std::string>& TransientFailureReasons() {
  static const std::vector<std::string> kReasons = {
      "connect",  "timeout",      "dns_timeout",      "reset",    "protocol",
      "http_5??", "rate_limited", "host_unavailable", "http_408", "http_429"};
  return kReasons;
}

}  // namespace medscrape

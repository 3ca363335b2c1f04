#include "url/canonical.h"

#include <curl/curl.h>

#include <algorithm>
#include <iterator>
#include <memory>
#include <vector>

#include "base/ascii.h"
#include "url/curl_url_handle.h"
#include "url/url.h"

namespace medscrape {
namespace {

// A part of a parsed URL as curl stores it (still percent-encoded), or nullopt
// when the URL has no such part.
std::optional<std::string> GetPart(CURLU* handle, CURLUPart part, unsigned int flags = 0) {
  char* text = nullptr;
  if (curl_url_get(handle, part, &text, flags) != CURLUE_OK || text == nullptr) {
    return std::nullopt;
  }
  std::string result(text);
  curl_free(text);
  return result;
}

// Parses an absolute http(s) URL; null when it is not one. CURLU_URLENCODE
// makes curl encode raw spaces and non-ASCII bytes (as browsers send them)
// instead of refusing the URL; curl also lower-cases the scheme, removes dot
// segments and writes numeric IPv4 hosts ("2130706433") as dotted quads.
CurlUrl ParseHttpUrl(std::string_view url) {
  if (url.size() > kMaxUrlLength || url.find('\0') != std::string_view::npos) return nullptr;
  CurlUrl handle(curl_url());
  if (!handle) return nullptr;
  const std::string text(url);
  if (curl_url_set(handle.get(), CURLUPART_URL, text.c_str(), CURLU_URLENCODE) != CURLUE_OK) {
    return nullptr;
  }
  const std::optional<std::string> scheme = GetPart(handle.get(), CURLUPART_SCHEME);
  if (!scheme || (*scheme != "http" && *scheme != "https")) return nullptr;
  return handle;
}

// curl keeps the host's case and trailing dots; neither names another host.
// "" when nothing is left.
std::string CanonicalHost(CURLU* handle) {
  std::string host = AsciiLower(GetPart(handle, CURLUPART_HOST).value_or(""));
  while (!host.empty() && host.back() == '.') host.pop_back();
  return host;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// RFC 3986 6.2.2: escapes of unreserved characters are decoded, the rest get
// upper-case hex. curl does neither (and writes lower-case hex itself). A '%'
// not followed by two hex digits is left alone, as browsers send it.
std::string NormalizePercentEncoding(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const int high = text[i] == '%' && i + 2 < text.size() ? HexValue(text[i + 1]) : -1;
    const int low = high >= 0 ? HexValue(text[i + 2]) : -1;
    if (low < 0) {
      out.push_back(text[i]);
      continue;
    }
    const auto byte = static_cast<unsigned char>(high * 16 + low);
    if (IsUnreserved(byte)) {
      out.push_back(static_cast<char>(byte));
    } else {
      out += {'%', kHex[high], kHex[low]};
    }
    i += 2;
  }
  return out;
}

// Session ids: in the path (";jsessionid=") or the query. `name` is lower case.
bool IsSessionName(std::string_view name) {
  return name == "jsessionid" || name == "phpsessid" || name == "sid" || name == "sessionid" ||
         name.substr(0, 12) == "aspsessionid";
}

// Session ids and analytics tags: they never select content. `name` is lower case.
bool IsDroppedQueryName(std::string_view name) {
  static const char* const kTracking[] = {"gclid", "fbclid", "yclid",  "msclkid",
                                          "spm",   "_ga",    "mc_cid", "mc_eid"};
  if (name.substr(0, 4) == "utm_" || IsSessionName(name)) return true;
  return std::find(std::begin(kTracking), std::end(kTracking), name) != std::end(kTracking);
}

std::string_view ParamName(std::string_view param) { return param.substr(0, param.find('=')); }

// Removes ";name=value" path parameters that carry a session id, in any segment.
std::string StripSessionPathParams(std::string_view path) {
  std::string out;
  size_t pos = 0;
  while (pos < path.size()) {
    const size_t semicolon = path.find(';', pos);
    if (semicolon == std::string_view::npos) {
      out.append(path.substr(pos));
      break;
    }
    out.append(path.substr(pos, semicolon - pos));
    const size_t end = std::min(path.find_first_of(";/", semicolon + 1), path.size());
    const std::string_view param = path.substr(semicolon + 1, end - semicolon - 1);
    if (!IsSessionName(AsciiLower(ParamName(param)))) {
      out.append(path.substr(semicolon, end - semicolon));
    }
    pos = end;
  }
  return out;
}

// The query without empty, session and tracking parameters, sorted by name;
// "" when nothing is left. `query` is already percent-normalised.
std::string CanonicalQuery(std::string_view query) {
  std::vector<std::string_view> params;
  size_t pos = 0;
  while (pos <= query.size()) {
    const size_t end = std::min(query.find('&', pos), query.size());
    const std::string_view param = query.substr(pos, end - pos);
    if (!param.empty() && !IsDroppedQueryName(AsciiLower(ParamName(param)))) {
      params.push_back(param);
    }
    pos = end + 1;
  }
  std::stable_sort(params.begin(), params.end(), [](std::string_view a, std::string_view b) {
    return ParamName(a) < ParamName(b);
  });
  std::string out;
  for (std::string_view param : params) {
    if (!out.empty()) out.push_back('&');
    out.append(param);
  }
  return out;
}

// The new path and query as a reference relative to the URL itself. Decoding
// "%2e" can form new dot segments, and curl removes dot segments only when it
// parses a URL or resolves a reference (not on CURLUPART_PATH), so the rebuilt
// path goes back through curl's resolver. A path starting "//" is prefixed with
// "/." so that it is not read as a network-path reference ("//host/...").
std::string CanonicalReference(CURLU* handle) {
  std::string reference = StripSessionPathParams(
      NormalizePercentEncoding(GetPart(handle, CURLUPART_PATH).value_or("")));
  if (reference.empty() || reference[0] != '/') reference.insert(0, "/");
  if (reference.compare(0, 2, "//") == 0) reference.insert(0, "/.");
  const std::string query =
      CanonicalQuery(NormalizePercentEncoding(GetPart(handle, CURLUPART_QUERY).value_or("")));
  if (!query.empty()) reference += "?" + query;
  return reference;
}

}  // namespace

std::optional<std::string> CanonicalizeUrl(std::string_view absolute_url) {
  CurlUrl handle = ParseHttpUrl(absolute_url);
  if (!handle) return std::nullopt;
  const std::string host = CanonicalHost(handle.get());
  const std::string reference = CanonicalReference(handle.get());
  if (host.empty() ||
      curl_url_set(handle.get(), CURLUPART_URL, reference.c_str(), 0) != CURLUE_OK ||
      curl_url_set(handle.get(), CURLUPART_HOST, host.c_str(), 0) != CURLUE_OK) {
    return std::nullopt;
  }
  for (CURLUPart part :
       {CURLUPART_USER, CURLUPART_PASSWORD, CURLUPART_OPTIONS, CURLUPART_FRAGMENT}) {
    curl_url_set(handle.get(), part, nullptr, 0);  // Clearing a part cannot fail.
  }
  std::optional<std::string> canonical =
      GetPart(handle.get(), CURLUPART_URL, CURLU_NO_DEFAULT_PORT);
  if (!canonical || canonical->size() > kMaxUrlLength) return std::nullopt;
  return canonical;
}

std::string HostOf(std::string_view url) {
  CurlUrl handle = ParseHttpUrl(url);
  return handle ? CanonicalHost(handle.get()) : "";
}

namespace {

// "a.b.c.d", four decimal numbers up to 255 without leading zeros: the one IPv4 spelling that
// curl_url leaves as it is (it reads "127.1", "0x7f.0.0.1" and "010.0.0.1" as numbers).
bool IsDottedQuad(std::string_view host) {
  int parts = 0;
  size_t start = 0;
  while (start <= host.size()) {
    size_t dot = host.find('.', start);
    if (dot == std::string_view::npos) dot = host.size();
    const std::string_view part = host.substr(start, dot - start);
    if (part.empty() || part.size() > 3 || (part.size() > 1 && part[0] == '0')) return false;
    int value = 0;
    for (const char c : part) {
      if (c < '0' || c > '9') return false;
      value = value * 10 + (c - '0');
    }
    if (value > 255 || ++parts > 4) return false;
    start = dot + 1;
  }
  return parts == 4;
}

// The "host[:port]" of a URL spelled as its canonical form spells it, read without curl_url:
// "http://" or "https://", a host of lower-case letters, digits, '-' and '.' (no empty
// label; a last label of digits only in a dotted quad: other IPv4 spellings are curl's), an
// optional port that is not the scheme's default (digits, no leading zero, at most 65535),
// then '/'. nullopt when the URL is spelled any other way (curl_url decides then).
std::optional<std::string_view> PlainHostPort(std::string_view url) {
  size_t at = 0;
  std::string_view default_port;
  if (url.compare(0, 7, "http://") == 0) {
    at = 7;
    default_port = "80";
  } else if (url.compare(0, 8, "https://") == 0) {
    at = 8;
    default_port = "443";
  } else {
    return std::nullopt;
  }
  const size_t end = url.find('/', at);
  if (end == std::string_view::npos) return std::nullopt;
  const std::string_view authority = url.substr(at, end - at);
  const size_t colon = authority.find(':');
  const std::string_view host = authority.substr(0, colon);
  if (host.empty() || host.front() == '.' || host.back() == '.' || host.back() == '-') {
    return std::nullopt;
  }
  bool last_label_digits = true;
  char previous = 0;
  for (const char c : host) {
    const bool digit = c >= '0' && c <= '9';
    if (!digit && !(c >= 'a' && c <= 'z') && c != '-' && c != '.') return std::nullopt;
    if (c == '.' && previous == '.') return std::nullopt;
    last_label_digits = c == '.' ? true : last_label_digits && digit;
    previous = c;
  }
  if (last_label_digits && !IsDottedQuad(host)) return std::nullopt;
  if (colon != std::string_view::npos) {
    const std::string_view port = authority.substr(colon + 1);
    if (port.empty() || port.size() > 5 || port[0] == '0' || port == default_port) {
      return std::nullopt;
    }
    int value = 0;
    for (const char c : port) {
      if (c < '0' || c > '9') return std::nullopt;
      value = value * 10 + (c - '0');
    }
    if (value > 65535) return std::nullopt;
  }
  return authority;
}

}  // namespace

std::string HostPortOf(std::string_view url) {
  if (std::optional<std::string_view> plain = PlainHostPort(url)) return std::string(*plain);
  CurlUrl handle = ParseHttpUrl(url);
  if (!handle) return "";
  std::string host = CanonicalHost(handle.get());
  if (host.empty()) return "";
  // CURLU_NO_DEFAULT_PORT: no port part when it is the scheme's default.
  if (std::optional<std::string> port =
          GetPart(handle.get(), CURLUPART_PORT, CURLU_NO_DEFAULT_PORT)) {
    host += ":" + *port;
  }
  return host;
}

}  // namespace medscrape

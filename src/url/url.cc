#include "url/url.h"

#include <curl/curl.h>

#include <algorithm>
#include <memory>

#include "url/curl_url_handle.h"

namespace medscrape {
namespace {

bool IsHttpScheme(std::string_view url) {
  auto starts = [&](std::string_view prefix) {
    if (url.size() < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i) {
      char c = url[i];
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      if (c != prefix[i]) return false;
    }
    return true;
  };
  return starts("http://") || starts("https://");
}

// WHATWG URL parsing strips C0 controls and spaces at both ends and removes
// tab and newline anywhere; for special schemes a backslash is a slash.
std::string CleanHref(std::string_view href, bool http_context) {
  size_t begin = 0, end = href.size();
  while (begin < end && static_cast<unsigned char>(href[begin]) <= 0x20) ++begin;
  while (end > begin && static_cast<unsigned char>(href[end - 1]) <= 0x20) --end;
  std::string out;
  out.reserve(end - begin);
  for (size_t i = begin; i < end; ++i) {
    char c = href[i];
    if (c == '\t' || c == '\n' || c == '\r') continue;
    if (c == '\\' && http_context) c = '/';
    out.push_back(c);
  }
  return out;
}

// A relative-path reference ("a/b", "./?p=2", "../x"): no scheme, not starting
// with '/' or '?'. curl 7.88 drops the slash before the query when it resolves
// "./?p=2" itself, so these are made absolute-path references first.
bool IsRelativePath(const std::string& href) {
  if (href[0] == '/' || href[0] == '?') return false;
  const size_t colon = href.find(':');
  return colon == std::string::npos || href.find_first_of("/?") < colon;
}

// The base URL's path up to and including its last '/'.
std::string BaseFolder(CURLU* handle) {
  char* path = nullptr;
  if (curl_url_get(handle, CURLUPART_PATH, &path, 0) != CURLUE_OK || path == nullptr) return "/";
  std::string folder(path);
  curl_free(path);
  folder.resize(folder.rfind('/') + 1);
  return folder.empty() ? "/" : folder;
}

std::optional<std::string> ReadUrl(CURLU* handle) {
  char* text = nullptr;
  if (curl_url_get(handle, CURLUPART_URL, &text, 0) != CURLUE_OK || text == nullptr) {
    return std::nullopt;
  }
  std::string result(text);
  curl_free(text);
  return result;
}

}  // namespace

std::optional<std::string> ResolveHttpUrl(std::string_view base, std::string_view href) {
  if (href.size() > kMaxUrlLength || base.size() > kMaxUrlLength) return std::nullopt;
  CurlUrl handle(curl_url());
  if (!handle) return std::nullopt;
  const bool base_ok = !base.empty() && IsHttpScheme(base);
  if (base_ok) {
    std::string clean_base = CleanHref(base, true);
    if (curl_url_set(handle.get(), CURLUPART_URL, clean_base.c_str(), 0) != CURLUE_OK) {
      return std::nullopt;
    }
  }
  // A scheme-relative or relative href needs a base; an absolute one replaces it.
  std::string clean = CleanHref(href, base_ok || IsHttpScheme(href));
  // The fragment goes first: curl 7.88 resolves "#top" to the base's folder and
  // fails on a fragment holding a space.
  clean.resize(std::min(clean.size(), clean.find('#')));
  if (clean.empty()) {
    if (!base_ok) return std::nullopt;
    curl_url_set(handle.get(), CURLUPART_FRAGMENT, nullptr, 0);
    return ReadUrl(handle.get());
  }
  if (base_ok && IsRelativePath(clean)) clean = BaseFolder(handle.get()) + clean;
  if (!base_ok && !IsHttpScheme(clean)) return std::nullopt;
  if (curl_url_set(handle.get(), CURLUPART_URL, clean.c_str(), CURLU_URLENCODE) != CURLUE_OK) {
    return std::nullopt;
  }
  curl_url_set(handle.get(), CURLUPART_FRAGMENT, nullptr, 0);  // A place in a page, not a page.
  std::optional<std::string> resolved = ReadUrl(handle.get());
  if (!resolved || !IsHttpScheme(*resolved) || resolved->size() > kMaxUrlLength) {
    return std::nullopt;
  }
  return resolved;
}

std::string PathAndQuery(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return "";
  const size_t path_start = url.find_first_of("/?#", scheme_end + 3);
  if (path_start == std::string_view::npos) return "/";
  std::string path(url.substr(path_start, url.find('#', path_start) - path_start));
  if (path.empty() || path[0] != '/') path.insert(0, "/");
  return path;
}

std::string FileUrl(std::string_view absolute_path) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out = "file://";
  for (unsigned char c : absolute_path) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '/' || c == '-' || c == '_' || c == '.' || c == '~';
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

}  // namespace medscrape

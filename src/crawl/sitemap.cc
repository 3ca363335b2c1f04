#include "crawl/sitemap.h"

#include <algorithm>
#include <optional>

#include "base/space.h"
#include "fetch/content_decoder.h"

namespace medscrape {
namespace {

bool IsGzip(std::string_view body) {
  return body.size() >= 2 && static_cast<unsigned char>(body[0]) == 0x1f &&
         static_cast<unsigned char>(body[1]) == 0x8b;
}

// The text of a <loc>: CDATA markers dropped, white space trimmed, the five
// predefined XML entities decoded (a sitemap must escape '&' in URLs).
std::string LocText(std::string_view raw) {
  std::string text;
  for (size_t i = 0; i < raw.size();) {
    if (raw.compare(i, 9, "<![CDATA[") == 0) {
      i += 9;
    } else if (raw.compare(i, 3, "]]>") == 0) {
      i += 3;
    } else {
      text += raw[i++];
    }
  }
  static const std::pair<std::string_view, char> kEntities[] = {
      {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
  std::string decoded;
  for (size_t i = 0; i < text.size();) {
    const auto entity =
        std::find_if(std::begin(kEntities), std::end(kEntities),
                     [&](const auto& e) { return text.compare(i, e.first.size(), e.first) == 0; });
    if (entity != std::end(kEntities)) {
      decoded += entity->second;
      i += entity->first.size();
    } else {
      decoded += text[i++];
    }
  }
  const auto begin = std::find_if_not(decoded.begin(), decoded.end(), IsAsciiSpace);
  const auto end = std::find_if_not(decoded.rbegin(), decoded.rend(), IsAsciiSpace).base();
  return begin < end ? std::string(begin, end) : "";
}

// The lower-cased tag name at `at` (just after '<'), e.g. "url", "/url", "loc".
// A prefixed name ("image:loc" of the image extension) stays distinct.
std::string TagName(std::string_view xml, size_t at) {
  size_t end = at;
  while (end < xml.size() && !IsAsciiSpace(xml[end]) && xml[end] != '>' && xml[end] != '/') ++end;
  if (end == at && at < xml.size() && xml[at] == '/') return "/" + TagName(xml, at + 1);
  std::string name(xml.substr(at, end - at));
  std::transform(name.begin(), name.end(), name.begin(), ::tolower);
  return name;
}

}  // namespace

Result<SitemapContents> ParseSitemap(std::string_view body, size_t max_urls) {
  std::string inflated;
  if (IsGzip(body)) {
    Result<std::string> gunzipped = DecodeGzip(body, kMaxSitemapBytes);
    if (!gunzipped.ok()) return Status::Error("sitemap: " + gunzipped.status().message());
    inflated = std::move(gunzipped).value();
    body = inflated;
  }
  SitemapContents contents;
  // The innermost <url> or <sitemap> we are in; a <loc> elsewhere is ignored.
  std::vector<std::string>* parent = nullptr;
  for (size_t at = body.find('<'); at != std::string_view::npos; at = body.find('<', at + 1)) {
    const std::string name = TagName(body, at + 1);
    if (name == "url") {
      parent = &contents.urls;
    } else if (name == "sitemap") {
      parent = &contents.sitemaps;
    } else if (name == "/url" || name == "/sitemap") {
      parent = nullptr;
    } else if (name == "loc" && parent != nullptr) {
      if (parent == &contents.urls && contents.urls.size() >= max_urls) continue;
      const size_t open_end = body.find('>', at);
      if (open_end == std::string_view::npos) break;
      // The closing tag comes after the CDATA section, if any: it may hold '<'.
      size_t from = open_end + 1;
      const size_t cdata = body.find("<![CDATA[", from);
      if (cdata != std::string_view::npos && cdata < body.find("</", from)) {
        from = body.find("]]>", cdata);
      }
      const size_t close = body.find("</", from);
      if (from == std::string_view::npos || close == std::string_view::npos) break;
      std::string loc = LocText(body.substr(open_end + 1, close - open_end - 1));
      if (!loc.empty()) parent->push_back(std::move(loc));
      parent = nullptr;  // One <loc> per entry.
      at = close;
    }
  }
  return contents;
}

}  // namespace medscrape

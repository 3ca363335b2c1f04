#include "warc/cdxj.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "base/ascii.h"
#include "warc/warc_reader.h"

namespace medscrape {
namespace {

// The status code and the media type (no parameters) of an HTTP response block's head.
void HeadFacts(const std::string& block, std::string* status, std::string* mime) {
  const size_t head_end = block.find("\r\n\r\n");
  const std::string head = block.substr(0, head_end);
  const size_t space = head.find(' ');
  if (space != std::string::npos) status->assign(head, space + 1, 3);
  if (status->empty() || !std::isdigit(static_cast<unsigned char>((*status)[0]))) status->clear();
  size_t start = head.find('\n');
  while (start != std::string::npos) {
    const size_t end = head.find('\n', start + 1);
    std::string line = head.substr(start + 1, end == std::string::npos ? end : end - start - 1);
    start = end;
    const size_t colon = line.find(':');
    if (colon == std::string::npos || AsciiLower(line.substr(0, colon)) != "content-type") continue;
    std::string value = line.substr(colon + 1);
    value = value.substr(0, value.find(';'));
    const size_t first = value.find_first_not_of(" \t");
    const size_t last = value.find_last_not_of(" \t\r");
    *mime = first == std::string::npos ? "" : AsciiLower(value.substr(first, last - first + 1));
  }
}

// "20261205071500" from "2026-12-05T07:15:00Z" (fractions dropped).
std::string Timestamp(const std::string& date) {
  std::string digits;
  for (char c : date) {
    if (std::isdigit(static_cast<unsigned char>(c))) digits += c;
    if (c == '.' || digits.size() == 14) break;
  }
  return digits;
}

std::string BaseName(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// The lower-cased path and query from `end` (the authority's end), "/" at least.
std::string PathPart(const std::string& url, size_t end) {
  std::string rest = end == std::string::npos ? "/" : url.substr(end);
  rest = rest.substr(0, rest.find('#'));
  if (rest.empty() || rest[0] != '/') rest = "/" + rest;
  return AsciiLower(rest);
}

// Sorts `lines` and writes them to `path` through a temporary file renamed over it.
Result<int64_t> WriteSorted(const std::string& path, std::vector<std::string> lines) {
  std::stable_sort(lines.begin(), lines.end());
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    for (const std::string& line : lines) out << line << '\n';
    out.flush();
    if (!out) return Status::Error(temporary + ": cannot write the index");
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    return Status::Error(path + ": " + std::strerror(errno));
  }
  return static_cast<int64_t>(lines.size());
}

}  // namespace

std::string SurtKey(const std::string& url) {
  size_t start = url.find("://");
  const std::string scheme = start == std::string::npos ? "" : AsciiLower(url.substr(0, start));
  start = start == std::string::npos ? 0 : start + 3;
  const size_t end = url.find_first_of("/?#", start);
  std::string authority =
      AsciiLower(url.substr(start, end == std::string::npos ? end : end - start));
  authority = authority.substr(authority.find('@') + 1);  // npos + 1 == 0.
  std::string port;
  const size_t colon = authority.rfind(':');
  if (colon != std::string::npos && authority.find(']', colon) == std::string::npos) {
    port = authority.substr(colon + 1);
    authority.resize(colon);
    if ((scheme == "http" && port == "80") || (scheme == "https" && port == "443")) port.clear();
  }
  if (authority.compare(0, 4, "www.") == 0) authority.erase(0, 4);
  // An IP address stays as it is (pywb does not reverse one either).
  const bool literal = authority.find_first_not_of("0123456789.") == std::string::npos ||
                       (!authority.empty() && authority[0] == '[');
  if (literal) return authority + (port.empty() ? "" : ":" + port) + ")" + PathPart(url, end);
  std::vector<std::string> labels;
  size_t from = 0;
  while (true) {
    const size_t dot = authority.find('.', from);
    labels.push_back(authority.substr(from, dot == std::string::npos ? dot : dot - from));
    if (dot == std::string::npos) break;
    from = dot + 1;
  }
  std::string key;
  for (auto it = labels.rbegin(); it != labels.rend(); ++it) {
    if (!key.empty()) key += ',';
    key += *it;
  }
  if (!port.empty()) key += ":" + port;
  return key + ")" + PathPart(url, end);
}

std::string CdxjPathFor(const std::string& warc_path) {
  std::string base = warc_path;
  for (const char* suffix : {".warc.gz", ".warc"}) {
    const size_t n = std::strlen(suffix);
    if (base.size() > n && AsciiLower(base.substr(base.size() - n)) == suffix) {
      base.resize(base.size() - n);
      break;
    }
  }
  return base + ".cdxj";
}

std::string CdxjLine(const CdxjEntry& entry, const std::string& filename) {
  std::string status, mime;
  HeadFacts(entry.http_head, &status, &mime);
  nlohmann::ordered_json fields = {{"url", entry.url}};
  fields["mime"] = entry.revisit ? "warc/revisit" : (mime.empty() ? "unk" : mime);
  if (!status.empty()) fields["status"] = status;
  std::string digest = entry.payload_digest;
  if (AsciiLower(digest.substr(0, 5)) == "sha1:") digest.erase(0, 5);
  if (!digest.empty()) fields["digest"] = digest;
  fields["length"] = std::to_string(entry.length);
  fields["offset"] = std::to_string(entry.offset);
  fields["filename"] = filename;
  return SurtKey(entry.url) + " " + Timestamp(entry.date) + " " +
         fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<int64_t> WriteCdxj(const std::string& warc_path) {
  Result<std::unique_ptr<WarcReader>> reader = WarcReader::Open(warc_path);
  if (!reader.ok()) return reader.status();
  std::vector<std::string> lines;
  WarcRecord record;
  WarcError error;
  const std::string filename = BaseName(warc_path);
  for (;;) {
    const WarcReader::Item item = reader.value()->Next(&record, &error);
    if (item == WarcReader::Item::kEnd) break;
    if (item == WarcReader::Item::kError) continue;
    const std::string type = record.Type();
    if (type != "response" && type != "revisit") continue;
    CdxjEntry entry;
    entry.url = record.Get("WARC-Target-URI");
    entry.date = record.Get("WARC-Date");
    entry.revisit = type == "revisit";
    entry.http_head = record.block.substr(0, record.block.find("\r\n\r\n"));
    entry.payload_digest = record.Get("WARC-Payload-Digest");
    entry.offset = record.offset;
    entry.length = record.length;
    lines.push_back(CdxjLine(entry, filename));
  }
  return WriteSorted(CdxjPathFor(warc_path), std::move(lines));
}

Result<int64_t> ExtendCdxj(const std::string& warc_path, const std::vector<CdxjEntry>& more,
                           bool keep_existing) {
  const std::string path = CdxjPathFor(warc_path);
  std::vector<std::string> lines;
  if (keep_existing) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::Error(path + ": cannot read the index");
    for (std::string line; std::getline(in, line);) {
      if (!line.empty()) lines.push_back(std::move(line));
    }
  }
  const std::string filename = BaseName(warc_path);
  for (const CdxjEntry& entry : more) lines.push_back(CdxjLine(entry, filename));
  return WriteSorted(path, std::move(lines));
}

}  // namespace medscrape

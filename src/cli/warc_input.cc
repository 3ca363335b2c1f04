#include "cli/warc_input.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <utility>

#include "base/ascii.h"
#include "warc/http_message.h"

namespace medscrape {
namespace {

// WARC 1.0 wrote the URI in angle brackets ("<http://...>"); some writers still do.
std::string TargetUri(const WarcRecord& record) {
  std::string uri = record.Get("WARC-Target-URI");
  if (uri.size() >= 2 && uri.front() == '<' && uri.back() == '>')
    uri = uri.substr(1, uri.size() - 2);
  return uri;
}

// The media type of a Content-Type, lower case, without parameters.
std::string MediaType(const std::string& content_type) {
  std::string type = AsciiLower(content_type.substr(0, content_type.find(';')));
  const size_t begin = type.find_first_not_of(" \t");
  const size_t end = type.find_last_not_of(" \t");
  return begin == std::string::npos ? "" : type.substr(begin, end - begin + 1);
}

bool IsRobotsTxt(const std::string& url) {
  const size_t scheme = url.find("://");
  const size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return false;
  const std::string rest = url.substr(path);
  return rest.compare(0, 11, "/robots.txt") == 0 &&
         (rest.size() == 11 || rest[11] == '?' || rest[11] == '#');
}

}  // namespace

Status WarcJobs::Open(const std::string& path) {
  Result<std::unique_ptr<WarcReader>> reader = WarcReader::Open(path);
  if (!reader.ok()) return reader.status();
  reader_ = std::move(reader.value());
  return Status::Ok();
}

bool WarcJobs::Next(WarcJob* job) {
  *job = WarcJob();
  WarcRecord record;
  WarcError error;
  switch (reader_->Next(&record, &error)) {
    case WarcReader::Item::kEnd:
      reader_.reset();
      return false;
    case WarcReader::Item::kError:
      job->offset = error.offset;
      job->error = error.message;
      return true;
    case WarcReader::Item::kRecord:
      break;
  }
  job->offset = record.offset;
  job->url = TargetUri(record);
  job->date = record.Get("WARC-Date");
  const std::string type = record.Type();
  if (type == "response") {
    Remember(record);
    if (MediaType(record.Get("Content-Type")) != "application/http") {
      job->skip = "not_http";
    } else {
      job->block = std::move(record.block);
    }
  } else if (type == "revisit") {
    Resolve(record, job);
  } else {
    job->skip = type.empty() ? "no_type" : type;
  }
  if (job->skip.empty() && !record.Get("WARC-Truncated").empty()) {
    job->skip = "truncated";  // Cut at a size cap or a broken connection: not the page.
    job->block.clear();
  }
  if (job->skip.empty() && record.Get("Medscrape-Kind") == "hub") {
    job->skip = "list page";  // medscrape's crawl made no record of it either.
    job->block.clear();
  }
  if (job->skip.empty() && IsRobotsTxt(job->url)) {
    job->skip = "robots.txt";
    job->block.clear();
  }
  return true;
}

void WarcJobs::Remember(const WarcRecord& record) {
  const Location location{reader_->path(), record.offset, record.member_index};
  const std::string digest = record.Get("WARC-Payload-Digest");
  if (!digest.empty()) by_digest_[digest] = location;
  const std::string url = TargetUri(record);
  if (!url.empty()) by_url_[url] = location;
}

// A revisit's payload is the response it points to, read again from its file.
void WarcJobs::Resolve(const WarcRecord& revisit, WarcJob* job) {
  const std::string profile = AsciiLower(revisit.Get("WARC-Profile"));
  const Location* found = nullptr;
  if (profile.find("server-not-modified") == std::string::npos) {
    auto it = by_digest_.find(revisit.Get("WARC-Payload-Digest"));
    if (it != by_digest_.end()) found = &it->second;
  }
  if (found == nullptr && profile.find("identical-payload-digest") == std::string::npos) {
    std::string url = revisit.Get("WARC-Refers-To-Target-URI");
    if (url.empty()) url = job->url;
    if (url.size() >= 2 && url.front() == '<' && url.back() == '>') {
      url = url.substr(1, url.size() - 2);
    }
    auto it = by_url_.find(url);
    if (it != by_url_.end()) found = &it->second;
  }
  job->skip = "revisit_unresolved";
  if (found == nullptr) return;
  Result<std::unique_ptr<WarcReader>> reader = WarcReader::Open(found->path);
  if (!reader.ok()) return;
  reader.value()->Seek(found->offset, found->member_index);
  WarcRecord payload;
  WarcError error;
  if (reader.value()->Next(&payload, &error) != WarcReader::Item::kRecord) return;
  job->skip.clear();
  job->block = std::move(payload.block);
}

WarcPage ReadWarcPage(const WarcJob& job) {
  WarcPage page;
  Result<HttpResponse> response = ParseHttpResponse(job.block);
  if (!response.ok()) {
    page.error = response.status().message();
    return page;
  }
  if (response.value().status != 200) {
    page.skip = "http_" + std::to_string(response.value().status);
    return page;
  }
  page.content_type = response.value().Header("Content-Type");
  const std::string type = MediaType(page.content_type);
  // A declared HTML type is parsed; no type or a generic one is sniffed by ExtractPage
  // (binary: not HTML); any other declared type is not a page.
  static const char* const kGeneric[] = {"",
                                         "text/plain",
                                         "application/octet-stream",
                                         "binary/octet-stream",
                                         "application/unknown",
                                         "unknown/unknown"};
  const bool html = type == "text/html" || type == "application/xhtml+xml" ||
                    std::find(std::begin(kGeneric), std::end(kGeneric), type) != std::end(kGeneric);
  if (!html) {
    page.skip = "not_html";
    return page;
  }
  page.body = std::move(response.value().body);
  if (page.body.empty()) page.skip = "empty";
  page.warnings = std::move(response.value().warnings);
  return page;
}

Result<WarcPage> FindWarcPage(const std::string& path, const std::string& url) {
  WarcJobs jobs;
  Status opened = jobs.Open(path);
  if (!opened.ok()) return opened;
  std::optional<WarcPage> found;
  WarcJob job;
  while (jobs.Next(&job)) {
    if (!job.error.empty() || !job.skip.empty() || (!url.empty() && job.url != url)) continue;
    WarcPage page = ReadWarcPage(job);
    if (!page.error.empty() || !page.skip.empty()) continue;
    found = std::move(page);
    if (url.empty()) break;  // The first page will do.
  }
  if (!found) {
    return Status::Error(path + ": no HTML page" + (url.empty() ? "" : " of " + url) +
                         " in this WARC file");
  }
  return std::move(*found);
}

std::optional<std::string> NormalizeWarcDate(const std::string& date) {
  // YYYY-MM-DDThh:mm:ss[.f+]Z
  static constexpr char kShape[] = "dddd-dd-ddTdd:dd:dd";
  const size_t fixed = sizeof(kShape) - 1;
  if (date.size() < fixed + 1 || date.back() != 'Z') return std::nullopt;
  for (size_t i = 0; i < fixed; ++i) {
    const bool digit = std::isdigit(static_cast<unsigned char>(date[i])) != 0;
    if (kShape[i] == 'd' ? !digit : date[i] != kShape[i]) return std::nullopt;
  }
  std::string out = date.substr(0, fixed);
  const std::string fraction = date.substr(fixed, date.size() - 1 - fixed);
  if (fraction.empty()) return out + "Z";
  if (fraction.size() < 2 || fraction[0] != '.' ||
      fraction.find_first_not_of("0123456789", 1) != std::string::npos) {
    return std::nullopt;
  }
  std::string millis = fraction.substr(1, 3);
  millis.resize(3, '0');
  return out + "." + millis + "Z";
}

}  // namespace medscrape

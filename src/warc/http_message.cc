#include "warc/http_message.h"

#include <strings.h>

#include <algorithm>
#include <cctype>

#include "base/ascii.h"
#include "fetch/chunked.h"
#include "fetch/content_decoder.h"

namespace medscrape {
namespace {

std::string Trim(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return "";
  const size_t end = text.find_last_not_of(" \t\r");
  return std::string(text.substr(begin, end - begin + 1));
}

// Where the header section ends (after its empty line), or npos.
size_t HeaderEnd(std::string_view text) {
  for (size_t i = text.find('\n'); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    if (i + 1 < text.size() && text[i + 1] == '\n') return i + 2;
    if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

// "HTTP/1.1 200 OK", "HTTP/1.0 404", "HTTP/2 200".
Status ParseStatusLine(std::string_view line, HttpResponse* response) {
  const std::string text = Trim(line);
  const size_t space = text.find(' ');
  if (text.compare(0, 5, "HTTP/") != 0 || space == std::string::npos) {
    return Status::Error("no HTTP status line");
  }
  response->version = text.substr(0, space);
  const std::string rest = Trim(std::string_view(text).substr(space + 1));
  if (rest.size() < 3 || !std::isdigit(static_cast<unsigned char>(rest[0])) ||
      !std::isdigit(static_cast<unsigned char>(rest[1])) ||
      !std::isdigit(static_cast<unsigned char>(rest[2])) || (rest.size() > 3 && rest[3] != ' ')) {
    return Status::Error("bad HTTP status line");
  }
  response->status = std::stoi(rest.substr(0, 3));
  response->reason = rest.size() > 3 ? Trim(std::string_view(rest).substr(4)) : "";
  return Status::Ok();
}

void ParseFields(std::string_view header, HttpResponse* response) {
  size_t line_end = header.find('\n');
  while (line_end != std::string_view::npos && line_end + 1 < header.size()) {
    const size_t start = line_end + 1;
    line_end = header.find('\n', start);
    const std::string_view line = header.substr(start, line_end - start);
    if (Trim(line).empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !response->headers.empty()) {
      response->headers.back().second += " " + Trim(line);  // obs-fold.
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;  // Not a field: ignored.
    response->headers.emplace_back(Trim(line.substr(0, colon)), Trim(line.substr(colon + 1)));
  }
}

// All values of a field joined with ", ", as one header.
std::string Joined(const HttpResponse& response, std::string_view name) {
  std::string joined;
  for (const auto& [key, value] : response.headers) {
    if (key.size() != name.size() || strncasecmp(key.data(), name.data(), name.size()) != 0) {
      continue;
    }
    if (!joined.empty()) joined += ", ";
    joined += value;
  }
  return joined;
}

Status Decode(const std::string& encoding, const HttpMessageOptions& options, std::string* body) {
  const ContentCoding coding = ParseContentEncoding(encoding);
  if (coding == ContentCoding::kIdentity) return Status::Ok();
  if (coding == ContentCoding::kUnsupported) {
    return Status::Error("unsupported Content-Encoding \"" + encoding + "\"");
  }
  ContentDecoder decoder(coding);
  std::string decoded;
  const ContentDecoder::Result result =
      decoder.Feed(body->data(), body->size(), options.max_body_bytes, &decoded);
  if (result == ContentDecoder::Result::kTooLarge) {
    return Status::Error(StatusCode::kTooLarge,
                         std::string(decoder.name()) + ": body decodes to more than " +
                             std::to_string(options.max_body_bytes) + " bytes");
  }
  if (result == ContentDecoder::Result::kCorrupt) {
    return Status::Error(std::string(decoder.name()) + ": " + decoder.error());
  }
  if (!decoder.Complete()) return Status::Error(std::string(decoder.name()) + ": truncated");
  *body = std::move(decoded);
  return Status::Ok();
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (auto it = headers.rbegin(); it != headers.rend(); ++it) {
    if (it->first.size() == name.size() &&
        strncasecmp(it->first.data(), name.data(), name.size()) == 0) {
      return it->second;
    }
  }
  return "";
}

Result<HttpResponse> ParseHttpResponse(std::string_view block, const HttpMessageOptions& options) {
  HttpResponse response;
  const size_t end = HeaderEnd(block);
  if (Status status = ParseStatusLine(block.substr(0, block.find('\n')), &response); !status.ok()) {
    return status;
  }
  if (end == std::string_view::npos) return Status::Error("the HTTP header section does not end");
  ParseFields(block.substr(0, end), &response);
  std::string_view raw = block.substr(end);
  if (AsciiLower(Joined(response, "Transfer-Encoding")).find("chunked") != std::string::npos) {
    Dechunker dechunker;
    const Dechunker::Result result = dechunker.Feed(raw.data(), raw.size(), &response.body);
    if (result == Dechunker::Result::kCorrupt) {
      response.warnings.push_back("chunked framing broken: " + dechunker.error());
    } else if (!dechunker.done()) {
      response.warnings.push_back("chunked framing broken: the body ends before its last chunk");
    }
  } else {
    response.body.assign(raw);
  }
  if (Status status = Decode(Joined(response, "Content-Encoding"), options, &response.body);
      !status.ok()) {
    return status;
  }
  if (response.body.size() > options.max_body_bytes) {
    return Status::Error(StatusCode::kTooLarge, "body of " + std::to_string(response.body.size()) +
                                                    " bytes over the limit of " +
                                                    std::to_string(options.max_body_bytes));
  }
  return response;
}

}  // namespace medscrape

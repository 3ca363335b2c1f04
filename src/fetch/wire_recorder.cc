#include "fetch/wire_recorder.h"

#include <algorithm>
#include <cstdio>
#include <utility>

namespace medscrape {
namespace {

bool StartsStatusLine(const char* data, size_t size) {
  return size >= 5 && data[0] == 'H' && data[1] == 'T' && data[2] == 'T' && data[3] == 'P' &&
         data[4] == '/';
}

bool IsEmptyLine(const char* data, size_t size) {
  return (size == 2 && data[0] == '\r' && data[1] == '\n') || (size == 1 && data[0] == '\n');
}

}  // namespace

WireRecorder::WireRecorder(size_t max_body_bytes, bool verbose)
    : max_body_bytes_(max_body_bytes),
      verbose_(verbose),
      capture_(std::make_shared<WireCapture>()) {}

Status WireRecorder::Configure(CURL* easy) {
  const bool ok =
      curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &WireRecorder::OnHeader) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_HEADERDATA, static_cast<void*>(this)) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_DEBUGFUNCTION, &WireRecorder::OnDebug) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_DEBUGDATA, static_cast<void*>(this)) == CURLE_OK &&
      curl_easy_setopt(easy, CURLOPT_VERBOSE, 1L) == CURLE_OK;
  return ok ? Status::Ok() : Status::Error("cannot set up the wire capture");
}

// One header line per call, CRLF included; a status line starts a new response, so an
// interim 1xx head (and its empty line) is replaced by the final one.
size_t WireRecorder::OnHeader(char* data, size_t size, size_t count, void* self) noexcept {
  auto* recorder = static_cast<WireRecorder*>(self);
  const size_t bytes = size * count;
  try {
    if (StartsStatusLine(data, bytes)) {
      recorder->capture_->response_head.clear();
      recorder->head_done_ = false;
    }
    if (!recorder->head_done_) recorder->capture_->response_head.append(data, bytes);
    if (IsEmptyLine(data, bytes)) recorder->head_done_ = true;
  } catch (...) {
    recorder->failed_ = true;
  }
  return bytes;
}

// The request head as sent arrives as CURLINFO_HEADER_OUT (in one or more calls); a second
// request on the transfer (a proxy's CONNECT first, say) replaces the first.
int WireRecorder::OnDebug(CURL* /*easy*/, curl_infotype type, char* data, size_t size,
                          void* self) noexcept {
  auto* recorder = static_cast<WireRecorder*>(self);
  if (recorder->verbose_ &&
      (type == CURLINFO_TEXT || type == CURLINFO_HEADER_IN || type == CURLINFO_HEADER_OUT)) {
    std::fwrite(data, 1, size, stderr);
  }
  if (type != CURLINFO_HEADER_OUT) return 0;
  try {
    std::string& head = recorder->capture_->request_head;
    if (recorder->request_sent_) {
      head.clear();
      recorder->request_sent_ = false;
    }
    head.append(data, size);
    if (head.size() >= 4 && head.compare(head.size() - 4, 4, "\r\n\r\n") == 0) {
      recorder->request_sent_ = true;
    }
  } catch (...) {
    recorder->failed_ = true;
  }
  return 0;
}

void WireRecorder::Reserve(size_t bytes) {
  capture_->body.reserve(std::min(bytes, max_body_bytes_));
}

void WireRecorder::Body(const char* data, size_t size) noexcept {
  std::string& body = capture_->body;
  const size_t room = max_body_bytes_ > body.size() ? max_body_bytes_ - body.size() : 0;
  try {
    body.append(data, std::min(size, room));
  } catch (...) {
    failed_ = true;
  }
  if (size > room) capture_->truncated = "length";
}

std::shared_ptr<WireCapture> WireRecorder::Take(const std::string& why) {
  if (failed_) return nullptr;
  if (capture_->truncated.empty()) capture_->truncated = why;
  return std::move(capture_);
}

}  // namespace medscrape

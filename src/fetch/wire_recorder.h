// Records one transfer's exchange as it goes over the wire (FetchRequest::capture): the
// request head libcurl sent, the final response head it received, and the body bytes
// before any decoding. Internal to src/fetch.
#ifndef MEDSCRAPE_FETCH_WIRE_RECORDER_H_
#define MEDSCRAPE_FETCH_WIRE_RECORDER_H_

#include <curl/curl.h>

#include <memory>
#include <string>

#include "base/status.h"
#include "fetch/fetcher.h"

namespace medscrape {

class WireRecorder {
 public:
  // `max_body_bytes`: raw body bytes kept; more marks the capture truncated ("length").
  // `verbose`: libcurl's trace still goes to stderr (the recorder takes its debug hook).
  WireRecorder(size_t max_body_bytes, bool verbose);
  WireRecorder(const WireRecorder&) = delete;
  WireRecorder& operator=(const WireRecorder&) = delete;

  // Sets the header and debug callbacks on `easy`, pointing at this recorder.
  Status Configure(CURL* easy);
  // Room for `bytes` of body (no more than the cap is kept).
  void Reserve(size_t bytes);
  // Body bytes as libcurl hands them over (transfer and content decoding off).
  void Body(const char* data, size_t size) noexcept;
  // The capture, `truncated` set to `why` unless already set (or `why` is empty).
  std::shared_ptr<WireCapture> Take(const std::string& why);

 private:
  static size_t OnHeader(char* data, size_t size, size_t count, void* self) noexcept;
  static int OnDebug(CURL* easy, curl_infotype type, char* data, size_t size, void* self) noexcept;

  const size_t max_body_bytes_;
  const bool verbose_;
  std::shared_ptr<WireCapture> capture_;
  bool head_done_ = false;     // The response head's empty line arrived.
  bool request_sent_ = false;  // The request head is complete.
  bool failed_ = false;        // Out of memory: the capture is not to be trusted.
};

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_WIRE_RECORDER_H_

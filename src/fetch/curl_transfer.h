// One request while libcurl works on it: the easy handle's configuration, the
// callbacks' state, and the FetchResponse built at the end. Internal to src/fetch.
#ifndef MEDSCRAPE_FETCH_CURL_TRANSFER_H_
#define MEDSCRAPE_FETCH_CURL_TRANSFER_H_

#include <curl/curl.h>

#include <memory>
#include <string>

#include "base/status.h"
#include "fetch/chunked.h"
#include "fetch/content_decoder.h"
#include "fetch/fetcher.h"
#include "fetch/wire_recorder.h"

namespace medscrape {

struct EasyDeleter {
  void operator()(CURL* easy) const { curl_easy_cleanup(easy); }
};
using EasyHandle = std::unique_ptr<CURL, EasyDeleter>;

struct UrlDeleter {
  void operator()(CURLU* url) const { curl_url_cleanup(url); }
};
struct HeaderListDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

// Owns its easy handle from Configure() until TakeEasy(). libcurl's callbacks
// hold a pointer to the transfer, so it is not copyable or movable (keep it in a
// unique_ptr). `options` must outlive it. Thread-safety: none (one fetcher thread).
class CurlTransfer {
 public:
  CurlTransfer(FetchRequest request, const FetchOptions& options);
  CurlTransfer(const CurlTransfer&) = delete;
  CurlTransfer& operator=(const CurlTransfer&) = delete;

  // Accepts only absolute http(s) URLs of at most kMaxUrlLength characters.
  Status ParseUrl();
  // After ParseUrl(): the host as libcurl looks it up (an IDN in punycode, IPv6
  // in brackets) and the port it connects to (the scheme's default if the URL
  // has none). False if libcurl cannot say.
  bool HostAndPort(std::string* host, long* port) const;
  // Makes libcurl connect to the addresses in `resolve_entry` (a CURLOPT_RESOLVE
  // line, host_lookup.h) instead of resolving the host again, and takes the
  // `resolve_ms` the lookup took off the connect and total timeouts and adds it
  // to FetchResponse::seconds. Call before Configure().
  void PinAddresses(std::string resolve_entry, long resolve_ms);
  // Resets `easy` (libcurl keeps its connection and DNS caches) and sets every
  // option for this request. Call after a successful ParseUrl().
  Status Configure(EasyHandle easy);
  CURL* easy() const { return easy_.get(); }
  EasyHandle TakeEasy() { return std::move(easy_); }

  // The response for a finished transfer; call once, before TakeEasy().
  FetchResponse Finish(CURLcode result);
  // The response for a request that never reached libcurl.
  FetchResponse Fail(FetchError error, std::string text) const;

 private:
  static size_t OnBody(char* data, size_t size, size_t count, void* self) noexcept;
  static curl_socket_t OnOpenSocket(void* self, curlsocktype purpose,
                                    struct curl_sockaddr* address) noexcept;
  Status BuildHeaders();
  long LessResolveTime(long timeout_ms) const;
  FetchResponse NewResponse() const;  // Only id and url set.
  void ReadTransferInfo(FetchResponse* response) const;
  void ReadHeaders(FetchResponse* response) const;
  FetchError ClassifyFailure(CURLcode result, std::string* text) const;
  // Body bytes with the transfer coding undone: content decoding and the cap. False
  // stops the transfer (too_large_, prefix_kept_ or decode_error_ says why).
  bool Consume(const char* data, size_t bytes) noexcept;
  // Finish without the capture; AttachCapture adds it (if asked for), saying how the body
  // may have been cut.
  FetchResponse Build(CURLcode result);
  void AttachCapture(FetchResponse* response);
  void ReserveBody();
  size_t BodyCap() const;
  // OnBody met the cap: a failure, or the wanted prefix (keep_prefix).
  void CapReached();

  const FetchRequest request_;
  const FetchOptions& options_;
  EasyHandle easy_;
  std::unique_ptr<CURLU, UrlDeleter> url_;
  std::unique_ptr<curl_slist, HeaderListDeleter> headers_;
  std::string resolve_entry_;  // Empty: libcurl resolves (IP literals, proxies).
  std::unique_ptr<curl_slist, HeaderListDeleter> resolve_;  // Holds resolve_entry_ for libcurl.
  long resolve_ms_ = 0;
  std::string body_;
  bool too_large_ = false;    // Set by OnBody when the cap stopped the transfer.
  bool prefix_kept_ = false;  // The same, for a keep_prefix request: a success.
  // gzip/deflate are decoded here, not by libcurl (content_decoder.h). Set up
  // at the first body bytes from the response's Content-Encoding.
  bool coding_known_ = false;
  std::unique_ptr<ContentDecoder> decoder_;  // Null for identity bodies.
  std::string decode_error_;                 // Set by OnBody for a bad or unsupported coding.
  std::unique_ptr<WireRecorder> recorder_;   // Set when the request asked for a capture.
  std::unique_ptr<Dechunker> dechunker_;     // A captured chunked body's framing, undone here.
  bool blocked_ = false;         // Set by OnOpenSocket when the policy refused an address.
  std::string blocked_address_;  // The last address refused, for the message.
  char error_buffer_[CURL_ERROR_SIZE] = "";
};

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_CURL_TRANSFER_H_

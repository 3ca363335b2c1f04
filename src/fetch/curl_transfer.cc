#include "fetch/curl_transfer.h"

#include <strings.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstdlib>
#include <memory>
#include <string>
#include <utility>

#include "fetch/address_policy.h"
#include "fetch/curl_error.h"
#include "fetch/curl_headers.h"
#include "url/url.h"

namespace medscrape {
namespace {

constexpr char kAccept[] = "Accept: text/html,application/xhtml+xml;q=0.9,*/*;q=0.1";
constexpr char kAcceptLanguage[] = "Accept-Language: zh-CN,zh;q=0.9";
constexpr long kKeepAliveIdleSeconds = 60;
constexpr long kKeepAliveIntervalSeconds = 30;

// Sets options until the first failure and remembers it, so Configure reads as
// a flat list and still reports which option libcurl refused.
class OptionSetter {
 public:
  explicit OptionSetter(CURL* easy) : easy_(easy) {}
  template <typename T>
  void operator()(CURLoption option, T value) {
    if (failed_option_ != 0) return;
    const CURLcode code = curl_easy_setopt(easy_, option, value);
    if (code != CURLE_OK) {
      failed_option_ = option;
      error_ = code;
    }
  }
  Status status() const {
    if (failed_option_ == 0) return Status::Ok();
    return Status::Error("curl_easy_setopt(" + std::to_string(failed_option_) +
                         "): " + curl_easy_strerror(error_));
  }

 private:
  CURL* easy_;
  int failed_option_ = 0;
  CURLcode error_ = CURLE_OK;
};

// Validators come from stored server responses; never let them add header lines.
bool IsSafeHeaderValue(const std::string& value) {
  return !value.empty() && value.find_first_of(std::string("\r\n\0", 3)) == std::string::npos;
}

bool Append(std::unique_ptr<curl_slist, HeaderListDeleter>* list, const std::string& line) {
  curl_slist* head = curl_slist_append(list->get(), line.c_str());
  if (head == nullptr) return false;  // The old list is untouched and still owned.
  list->release();
  list->reset(head);
  return true;
}

}  // namespace

CurlTransfer::CurlTransfer(FetchRequest request, const FetchOptions& options)
    : request_(std::move(request)), options_(options) {}

Status CurlTransfer::ParseUrl() {
  if (request_.url.size() > kMaxUrlLength) {
    return Status::Error("URL longer than " + std::to_string(kMaxUrlLength) + " characters");
  }
  if (request_.url.find('\0') != std::string::npos) return Status::Error("URL contains NUL");
  url_.reset(curl_url());
  if (url_ == nullptr) return Status::Error("out of memory");
  // No CURLU_GUESS_SCHEME: "example.com/x" is refused, not fetched as http.
  const CURLUcode code = curl_url_set(url_.get(), CURLUPART_URL, request_.url.c_str(), 0);
  if (code != CURLUE_OK) return Status::Error(std::string("bad URL: ") + curl_url_strerror(code));
  char* scheme = nullptr;
  if (curl_url_get(url_.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
    return Status::Error("bad URL: no scheme");
  }
  const bool http = strcasecmp(scheme, "http") == 0 || strcasecmp(scheme, "https") == 0;
  curl_free(scheme);
  return http ? Status::Ok() : Status::Error("bad URL: only http and https are fetched");
}

bool CurlTransfer::HostAndPort(std::string* host, long* port) const {
  char* text = nullptr;
  if (curl_url_get(url_.get(), CURLUPART_HOST, &text, 0) != CURLUE_OK) return false;
  // Punycode: libcurl converts an IDN before it looks in its DNS cache, so the
  // pinned entry must carry the converted name to be found. (libcurl 7.88's
  // CURLU_PUNYCODE fails on every non-ASCII host, so the conversion is ours.)
  *host = AsciiHost(text);  // A trailing dot stays: libcurl 7.88 keeps it in its DNS cache key.
  curl_free(text);
  if (curl_url_get(url_.get(), CURLUPART_PORT, &text, CURLU_DEFAULT_PORT) != CURLUE_OK) {
    return false;
  }
  *port = std::strtol(text, nullptr, 10);
  curl_free(text);
  return !host->empty() && *port > 0;
}

void CurlTransfer::PinAddresses(std::string resolve_entry, long resolve_ms) {
  resolve_entry_ = std::move(resolve_entry);
  resolve_ms_ = std::max(0L, resolve_ms);
}

// A timeout of 0 means "libcurl's default" (connect) or "none" (total) and stays so.
long CurlTransfer::LessResolveTime(long timeout_ms) const {
  return timeout_ms <= 0 ? timeout_ms : std::max(1L, timeout_ms - resolve_ms_);
}

Status CurlTransfer::BuildHeaders() {
  bool ok = Append(&headers_, kAccept) && Append(&headers_, kAcceptLanguage);
  if (ok && IsSafeHeaderValue(request_.if_none_match)) {
    ok = Append(&headers_, "If-None-Match: " + request_.if_none_match);
  }
  if (ok && IsSafeHeaderValue(request_.if_modified_since)) {
    ok = Append(&headers_, "If-Modified-Since: " + request_.if_modified_since);
  }
  return ok ? Status::Ok() : Status::Error("out of memory building request headers");
}

Status CurlTransfer::Configure(EasyHandle easy) {
  easy_ = std::move(easy);
  if (Status status = BuildHeaders(); !status.ok()) return status;
  if (!resolve_entry_.empty() && !Append(&resolve_, resolve_entry_)) {
    return Status::Error("out of memory pinning resolved addresses");
  }
  OptionSetter set(easy_.get());
  // What to ask for. libcurl keeps pointers to url_, headers_, resolve_ and error_buffer_
  // (members, alive as long as the transfer) and copies the strings.
  set(CURLOPT_CURLU, url_.get());
  set(CURLOPT_HTTPGET, 1L);
  set(CURLOPT_USERAGENT, options_.user_agent.c_str());
  set(CURLOPT_HTTPHEADER, headers_.get());
  // gzip, deflate and br, decoded by OnBody (content_decoder.h) rather than by
  // libcurl, which in 7.88 returns a compressed stream cut short as a success.
  // zstd is not advertised: nothing here decodes it, and a server that sends it
  // anyway gets kProtocol.
  set(CURLOPT_ACCEPT_ENCODING, "gzip, deflate, br");
  set(CURLOPT_HTTP_CONTENT_DECODING, 0L);
  set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  // One hop: the crawl engine follows redirects itself and checks every hop.
  set(CURLOPT_FOLLOWLOCATION, 0L);
  set(CURLOPT_MAXREDIRS, 0L);
  set(CURLOPT_PROTOCOLS_STR, "http,https");
  set(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  // Every phase is bounded (docs/reliability.md N1-N3).
  set(CURLOPT_CONNECTTIMEOUT_MS, LessResolveTime(options_.connect_timeout_ms));
  set(CURLOPT_TIMEOUT_MS, LessResolveTime(options_.total_timeout_ms));
  set(CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_limit_bytes);
  set(CURLOPT_LOW_SPEED_TIME, options_.low_speed_time_s);
  set(CURLOPT_NOSIGNAL, 1L);  // Timeouts without SIGALRM: the fetcher is not alone in the process.
  // Connections: kept alive and reused through the multi handle's cache; every
  // new one passes the address policy.
  set(CURLOPT_TCP_KEEPALIVE, 1L);
  set(CURLOPT_TCP_KEEPIDLE, kKeepAliveIdleSeconds);
  set(CURLOPT_TCP_KEEPINTVL, kKeepAliveIntervalSeconds);
  // The fetcher resolved the host (resolver.h): libcurl takes these addresses
  // from its DNS cache instead of resolving again. Every connection still goes
  // through OnOpenSocket's address check.
  if (resolve_ != nullptr) set(CURLOPT_RESOLVE, resolve_.get());
  set(CURLOPT_OPENSOCKETFUNCTION, &CurlTransfer::OnOpenSocket);
  set(CURLOPT_OPENSOCKETDATA, static_cast<void*>(this));
  if (!options_.proxy.empty()) set(CURLOPT_PROXY, options_.proxy.c_str());
  set(CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
  // TLS verification is never switched off (N11).
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_PROXY_SSL_VERIFYPEER, 1L);
  set(CURLOPT_PROXY_SSL_VERIFYHOST, 2L);
  // A private CA file replaces the system CAs; verification stays on.
  if (!options_.ca_file.empty()) set(CURLOPT_CAINFO, options_.ca_file.c_str());
  // Where the results go.
  set(CURLOPT_HEADER, 0L);
  set(CURLOPT_WRITEFUNCTION, &CurlTransfer::OnBody);
  set(CURLOPT_WRITEDATA, static_cast<void*>(this));
  set(CURLOPT_ERRORBUFFER, static_cast<char*>(error_buffer_));
  set(CURLOPT_VERBOSE, options_.verbose ? 1L : 0L);
  if (Status status = set.status(); !status.ok() || !request_.capture) return status;
  // The exchange as on the wire (a WARC capture): heads through libcurl's header and debug
  // hooks, the body with its chunked framing (OnBody undoes it).
  recorder_ = std::make_unique<WireRecorder>(BodyCap(), options_.verbose);
  set(CURLOPT_HTTP_TRANSFER_DECODING, 0L);
  if (Status status = set.status(); !status.ok()) return status;
  return recorder_->Configure(easy_.get());
}

// Called instead of socket(2) for every new connection, after DNS resolution:
// the one place where the real peer address is known, whatever the URL said
// (0x7f.1, localhost, a rebinding DNS name, a redirect target).
curl_socket_t CurlTransfer::OnOpenSocket(void* self, curlsocktype purpose,
                                         struct curl_sockaddr* address) noexcept {
  auto* transfer = static_cast<CurlTransfer*>(self);
  if (IsMetadataAddress(&address->addr) ||
      (!transfer->options_.allow_private && IsBlockedAddress(&address->addr))) {
    transfer->blocked_ = true;
    try {
      transfer->blocked_address_ = DescribeAddress(&address->addr);
    } catch (...) {
      transfer->blocked_address_.clear();
    }
    return CURL_SOCKET_BAD;  // libcurl tries the host's next address, if any.
  }
  // Close-on-exec so a child process spawned while crawling inherits no sockets.
  return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

FetchResponse CurlTransfer::Finish(CURLcode result) {
  FetchResponse response = Build(result);
  AttachCapture(&response);
  return response;
}

void CurlTransfer::AttachCapture(FetchResponse* response) {
  if (recorder_ == nullptr) return;
  std::string why;
  if (too_large_ || prefix_kept_) {
    why = "length";
  } else if (response->error == FetchError::kTimeout) {
    why = "time";
  } else if (response->error != FetchError::kNone) {
    why = "disconnect";
  }
  response->capture = recorder_->Take(why);
}

FetchResponse CurlTransfer::Build(CURLcode result) {
  FetchResponse response = NewResponse();
  ReadTransferInfo(&response);
  if (prefix_kept_ && result == CURLE_WRITE_ERROR) {  // Cut where the caller asked: a success.
    long status = 0;
    curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status);
    response.status = static_cast<int>(status);
    response.retryable = IsRetryable(FetchError::kNone, response.status);
    ReadHeaders(&response);
    response.body = std::move(body_);
    response.truncated = true;
    return response;
  }
  if (result != CURLE_OK) {
    response.error = ClassifyFailure(result, &response.error_text);
    response.retryable = IsRetryable(response.error, 0);
    return response;
  }
  long status = 0;
  curl_easy_getinfo(easy_.get(), CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  // A response whose body never reached OnBody was not checked there.
  if (std::string lengths = coding_known_ ? "" : ConflictingLengths(easy_.get());
      !lengths.empty()) {
    response.status = 0;
    response.error = FetchError::kProtocol;
    response.error_text = "conflicting Content-Length headers: " + lengths;
    response.retryable = IsRetryable(response.error, 0);
    return response;
  }
  if (decoder_ != nullptr && !decoder_->Complete()) {
    // A framed response whose compressed stream never ended: truncated.
    response.status = 0;
    response.error = FetchError::kProtocol;
    response.error_text = std::string("truncated ") + decoder_->name() + " stream";
    response.retryable = IsRetryable(response.error, 0);
    return response;
  }
  response.retryable = IsRetryable(FetchError::kNone, response.status);
  ReadHeaders(&response);
  response.body = std::move(body_);
  return response;
}

FetchResponse CurlTransfer::Fail(FetchError error, std::string text) const {
  FetchResponse response = NewResponse();
  response.error = error;
  response.error_text = std::move(text);
  response.retryable = IsRetryable(error, 0);
  return response;
}

FetchResponse CurlTransfer::NewResponse() const {
  FetchResponse response;
  response.id = request_.id;
  response.url = request_.url;
  return response;
}

FetchError CurlTransfer::ClassifyFailure(CURLcode result, std::string* text) const {
  if (too_large_) {
    *text = "body larger than " + std::to_string(BodyCap()) + " bytes after decoding";
    return FetchError::kTooLarge;
  }
  if (!decode_error_.empty() && result == CURLE_WRITE_ERROR) {
    *text = decode_error_;
    return FetchError::kProtocol;
  }
  if (blocked_ && result == CURLE_COULDNT_CONNECT) {
    *text = "refused to connect to blocked address " + blocked_address_ +
            " (private, loopback and metadata addresses need --allow-private)";
    return FetchError::kBlockedAddress;
  }
  if (result == CURLE_OUT_OF_MEMORY && error_buffer_[0] == '\0') {
    *text = "response headers over libcurl's 100 KB limit, or out of memory";
  } else {
    *text = error_buffer_[0] != '\0' ? error_buffer_ : curl_easy_strerror(result);
  }
  return ClassifyCurlError(result, error_buffer_);
}

void CurlTransfer::ReadTransferInfo(FetchResponse* response) const {
  CURL* easy = easy_.get();
  char* primary_ip = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_PRIMARY_IP, &primary_ip) == CURLE_OK &&
      primary_ip != nullptr) {
    response->primary_ip = primary_ip;
  }
  curl_off_t total_us = 0;
  curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_us);
  response->seconds = static_cast<double>(total_us) / 1e6 + resolve_ms_ / 1e3;
  // SIZE_DOWNLOAD counts body bytes as received, before content decoding.
  curl_off_t body_bytes = 0;
  long header_bytes = 0;
  curl_easy_getinfo(easy, CURLINFO_SIZE_DOWNLOAD_T, &body_bytes);
  curl_easy_getinfo(easy, CURLINFO_HEADER_SIZE, &header_bytes);
  response->wire_bytes = static_cast<size_t>(body_bytes) + static_cast<size_t>(header_bytes);
}

void CurlTransfer::ReadHeaders(FetchResponse* response) const {
  CURL* easy = easy_.get();
  response->content_type = LastHeader(easy, "Content-Type");
  response->etag = LastHeader(easy, "ETag");
  response->last_modified = LastHeader(easy, "Last-Modified");
  response->location = LastHeader(easy, "Location");
  response->retry_after = LastHeader(easy, "Retry-After");
}

}  // namespace medscrape

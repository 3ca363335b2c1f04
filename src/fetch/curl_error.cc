#include "fetch/curl_error.h"

#include <cstring>

namespace medscrape {

FetchError ClassifyCurlError(CURLcode code, const char* message) {
  switch (code) {
    case CURLE_OK:
      return FetchError::kNone;
    // Only when libcurl resolved the name itself (through a proxy, the fetcher
    // does not resolve): libcurl 7.88 reports NXDOMAIN and a dead resolver
    // alike, so this is the retryable kind rather than a permanent kDns.
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return FetchError::kDnsTimeout;
    case CURLE_COULDNT_CONNECT:
      return FetchError::kConnect;
    case CURLE_OPERATION_TIMEDOUT:  // Connect, total and low-speed timeouts alike.
      return FetchError::kTimeout;
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
      return std::strstr(message, "chunked") != nullptr ? FetchError::kProtocol
                                                        : FetchError::kReset;
    case CURLE_PARTIAL_FILE:  // Content-Length or chunked body cut short.
    case CURLE_GOT_NOTHING:
    // The fetcher hands libcurl http(s) URLs only, so this is the reply: no status
    // line ("Received HTTP/0.9 when not allowed"), or a garbage one.
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_WEIRD_SERVER_REPLY:
      return FetchError::kProtocol;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_USE_SSL_FAILED:
      return FetchError::kTls;
    case CURLE_FILESIZE_EXCEEDED:
      return FetchError::kTooLarge;
    case CURLE_URL_MALFORMAT:
      return FetchError::kBadUrl;
    // Response headers past libcurl's 100 KB limit come back as out of memory,
    // with no message; a real shortage of memory is as transient.
    case CURLE_OUT_OF_MEMORY:
      return FetchError::kProtocol;
    default:
      return FetchError::kOther;
  }
}

}  // namespace medscrape

// The fetch layer: HTTP(S) GETs as values. One hop per request (redirects are
// returned, not followed, so the crawl engine re-checks scope, robots.txt and the
// address of every hop), a decoded-size cap, timeouts on every phase, its own
// name resolution that tells a name that does not exist from a resolver that
// does not answer (resolver.h), and a connect-time address check
// (address_policy.h). This layer and src/url are the only ones that include curl.h.
#ifndef MEDSCRAPE_FETCH_FETCHER_H_
#define MEDSCRAPE_FETCH_FETCHER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace medscrape {

struct FetchOptions {
  // Default 10 s: DNS plus TCP plus TLS handshake. A name lookup alone that
  // takes longer fails with kDnsTimeout; the time it took is taken off what
  // libcurl gets for the rest (and off total_timeout_ms).
  long connect_timeout_ms = 10000;
  long total_timeout_ms = 60000;  // Default 60 s for the whole transfer, queueing included.
  // Abort a transfer slower than low_speed_limit_bytes per second for
  // low_speed_time_s seconds (defaults 256 B/s for 15 s): catches drips that
  // would otherwise hold a connection until total_timeout_ms.
  long low_speed_limit_bytes = 256;
  long low_speed_time_s = 15;
  // Default 10 MiB of DECODED body, enforced as bytes arrive, so a gzip bomb
  // costs at most this much memory; larger bodies fail with kTooLarge.
  size_t max_body_bytes = 10u << 20;
  // Required, no default: without it every request fails with kOther. Sent verbatim.
  std::string user_agent;
  // Default empty: libcurl honours the http_proxy/https_proxy/no_proxy environment
  // variables. With a proxy the connect-time check sees the proxy's address, not
  // the origin's, so a proxy on loopback needs allow_private. With a proxy (this,
  // or any of http_proxy, HTTP_PROXY, https_proxy, HTTPS_PROXY, all_proxy,
  // ALL_PROXY set when the fetcher is made) the fetcher does no name resolution
  // of its own: the proxy resolves the origin, libcurl the proxy, and a failure
  // to resolve is kDnsTimeout (libcurl cannot tell NXDOMAIN from a dead resolver).
  std::string proxy;
  // Default false; true (--allow-private) for tests and local mirrors. Cloud
  // metadata addresses (IsMetadataAddress) stay refused either way.
  bool allow_private = false;
  // Default empty: the system CA store. Otherwise a PEM file of CA certificates
  // to trust instead (CURLOPT_CAINFO), for tests and private mirrors with their
  // own CA. Peer and host verification stay on either way.
  std::string ca_file;
  // Default 16: CURLMOPT_MAX_TOTAL_CONNECTIONS and the connection cache size.
  // Transfers started beyond this wait inside libcurl for a free connection
  // while their total timeout runs; the scheduler should keep InFlight() below it.
  long max_connections = 16;
  bool verbose = false;  // Default false; true prints libcurl's trace to stderr.
};

struct FetchRequest {
  uint64_t id = 0;  // Caller's handle, echoed in the response.
  std::string url;  // Absolute http(s) URL, at most kMaxUrlLength (url/url.h) characters.
  // Conditional request validators from an earlier response; empty means not
  // sent. A value holding CR, LF or NUL is dropped (the request goes out
  // unconditional) rather than let stored data inject headers.
  std::string if_none_match;
  std::string if_modified_since;
  // Decoded body cap for this request; 0 (default) = FetchOptions::max_body_bytes.
  size_t max_body_bytes = 0;
  // Default false: a body over the cap fails with kTooLarge. True: the first
  // max_body_bytes decoded bytes are kept, the transfer ends there, and the
  // response is a success with `truncated` set (RFC 9309 reads the first 500
  // KiB of a robots.txt, whatever its size).
  bool keep_prefix = false;
  // Default false. True: the response carries the exchange as it went over the wire
  // (FetchResponse::capture), for a WARC archive. The body is then read with its
  // chunked framing and content coding kept, and decoded here as before.
  bool capture = false;
};

// One HTTP exchange as it went over the wire (FetchRequest::capture).
struct WireCapture {
  // The request line and header fields as sent, each line ending CRLF, then an empty
  // line. HTTP/2 requests are rendered as libcurl renders them ("GET / HTTP/2").
  std::string request_head;
  // The final response's status line and header fields as received (an interim 1xx
  // response is dropped), each line ending CRLF, then an empty line; empty when no
  // response arrived. HTTP/2 appears as "HTTP/2 200".
  std::string response_head;
  // The body bytes as received: chunked framing and content coding kept.
  std::string body;
  // Why the body is incomplete, in WARC-Truncated terms: "length" (cut at the size
  // cap), "time" (a timeout), "disconnect" (the connection broke or the framing was
  // bad); empty when whole.
  std::string truncated;
};

enum class FetchError {
  kNone,
  kDns,             // The host name does not exist (NXDOMAIN) or has no address: permanent.
  kDnsTimeout,      // The resolver did not answer in time or failed (SERVFAIL, REFUSED): transient.
  kConnect,         // TCP connect refused or unreachable.
  kTimeout,         // connect, total or low-speed timeout.
  kReset,           // The connection broke mid-transfer.
  kProtocol,        // Truncated body, broken chunking, empty reply, bad encoding, HTTP/2 error,
                    // no or a garbage status line (HTTP/0.9), response headers over
                    // libcurl's 100 KB, conflicting Content-Length headers.
  kTls,             // Handshake failed or the certificate did not verify.
  kTooLarge,        // More than max_body_bytes after decoding.
  kBlockedAddress,  // No connection made; the address policy refused the host's address(es).
  kBadUrl,          // Not an absolute http(s) URL, or too long.
  kOther,
};

// "dns", "dns_timeout", "connect", "timeout", "reset", "protocol", "tls",
// "too_large", "blocked_address", "bad_url", "other"; "none" for kNone.
const char* FetchErrorName(FetchError error);

// The FetchResponse::retryable rule, for fakes as well as the real fetcher:
// `error` if there is one, else the HTTP `status`.
bool IsRetryable(FetchError error, int status);

// One finished request. On error (error != kNone) only id, url, error,
// error_text, retryable, primary_ip, seconds and wire_bytes are set: status is 0,
// headers and body empty; a truncated body is never returned as a success, but
// for FetchRequest::keep_prefix, whose cut is asked for and flagged `truncated`.
struct FetchResponse {
  uint64_t id = 0;
  std::string url;  // As requested.
  int status = 0;   // HTTP status of the single hop; 0 when the transfer failed.
  FetchError error = FetchError::kNone;
  std::string error_text;  // E.g. "Operation timed out after 10001 milliseconds ...".
  // True for timeouts (dns_timeout included), resets, connect failures, protocol
  // errors, and statuses 5xx, 408 and 429 (the caller decides how long to wait;
  // see retry_after). False for dns (the name does not exist), TLS, too_large,
  // blocked_address, bad_url and other 4xx.
  bool retryable = false;
  // Raw response header values (the last occurrence of each), empty if absent.
  // location is as sent: possibly relative, to be resolved against url.
  std::string content_type, etag, last_modified, location, retry_after;
  // Decoded (gzip or deflate, the only codings requested; a compressed stream
  // that does not end is kProtocol), at most max_body_bytes.
  std::string body;
  bool truncated = false;  // keep_prefix only: the body is the first max_body_bytes.
  std::string primary_ip;  // Address connected to; empty if none was.
  double seconds = 0;      // Total transfer time, queueing in libcurl included.
  size_t wire_bytes = 0;   // Header plus body bytes as received, before decoding.
  // The exchange as on the wire when the request asked for it, also on error (then
  // response_head is empty if no response arrived); null otherwise.
  std::shared_ptr<WireCapture> capture;
};

// Drives HTTP transfers. Every started request yields exactly one FetchResponse
// from some later Poll(). Thread-safety: none; one thread owns a Fetcher and
// calls all of its methods. An interface so the crawl engine can be tested
// with a fake.
class Fetcher {
 public:
  virtual ~Fetcher() = default;
  // Queues a request; never blocks and never fails: a request that cannot start
  // (bad URL, out of memory) comes back as an error from the next Poll().
  virtual void Start(FetchRequest request) = 0;
  // Moves transfers forward, blocking at most timeout_ms, and returns those that
  // finished (possibly none). Returns as soon as at least one has finished, and
  // at once when nothing is in flight.
  virtual std::vector<FetchResponse> Poll(int timeout_ms) = 0;
  // Requests started whose response has not been returned yet.
  virtual size_t InFlight() const = 0;
};

// The libcurl fetcher: one multi handle whose connection cache is kept for the
// Fetcher's lifetime (keep-alive and HTTP/2 reuse), easy handles pooled, one
// curl_multi_poll event loop. Host names are resolved first on a few lookup
// threads (resolver.h: at most 4 at once, answers cached 60 s) and the answer
// is pinned with CURLOPT_RESOLVE; the loop never blocks on DNS, and destroying
// the fetcher never waits for a stuck lookup. TLS peer and host verification
// are always on.
std::unique_ptr<Fetcher> MakeCurlFetcher(const FetchOptions& options);

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_FETCHER_H_

// One host name lookup for the curl fetcher's own resolver (resolver.h): the
// blocking getaddrinfo call, how its failures map to FetchError (docs/reliability.md
// N6), and the CURLOPT_RESOLVE line that hands the answer to libcurl.
// Internal to src/fetch.
#ifndef MEDSCRAPE_FETCH_HOST_LOOKUP_H_
#define MEDSCRAPE_FETCH_HOST_LOOKUP_H_

#include <string>
#include <vector>

#include "fetch/fetcher.h"

namespace medscrape {

// The answer for one host name: its addresses, or why there are none.
struct HostAddresses {
  FetchError error = FetchError::kNone;  // kNone, kDns, kDnsTimeout or kOther.
  std::string error_text;                // Set when error != kNone.
  // Numeric addresses in getaddrinfo's order (RFC 6724), without duplicates;
  // IPv6 without brackets or zone. Not empty when error == kNone.
  std::vector<std::string> addresses;
};

// getaddrinfo(host, AF_UNSPEC, SOCK_STREAM). Blocks for as long as the system
// resolver takes (resolv.conf's timeout x attempts x nameservers: 30 s or more
// with a dead nameserver), so the fetcher calls it on lookup threads only.
// Thread-safe.
HostAddresses LookupHost(const std::string& host);

// The FetchError for a getaddrinfo result other than 0 (see host_lookup.cc).
FetchError ClassifyLookupError(int gai_error);

// True for what libcurl connects to without resolving: an IPv4 dotted quad or
// an IPv6 address, bracketed or not.
bool IsIpLiteral(const std::string& host);

// "host:port:addr1,[v6addr2],..." for CURLOPT_RESOLVE. `host` must not be an
// IPv6 literal (those are never looked up).
std::string ResolveEntry(const std::string& host, long port,
                         const std::vector<std::string>& addresses);

}  // namespace medscrape

#endif  // MEDSCRAPE_FETCH_HOST_LOOKUP_H_

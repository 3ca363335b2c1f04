#include "fetch/host_lookup.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <utility>

namespace medscrape {
namespace {

struct AddrInfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};

// inet_ntop, not getnameinfo: no "%zone" suffix, which CURLOPT_RESOLVE refuses.
std::string NumericAddress(const addrinfo& info) {
  char text[INET6_ADDRSTRLEN] = "";
  const void* address = nullptr;
  if (info.ai_family == AF_INET) {
    address = &reinterpret_cast<const sockaddr_in*>(info.ai_addr)->sin_addr;
  } else if (info.ai_family == AF_INET6) {
    address = &reinterpret_cast<const sockaddr_in6*>(info.ai_addr)->sin6_addr;
  }
  if (address == nullptr || inet_ntop(info.ai_family, address, text, sizeof(text)) == nullptr) {
    return "";
  }
  return text;
}

HostAddresses Failure(FetchError error, std::string text) {
  HostAddresses result;
  result.error = error;
  result.error_text = std::move(text);
  return result;
}

std::string DescribeLookupError(int gai_error, int saved_errno) {
  if (gai_error == EAI_SYSTEM) return std::strerror(saved_errno);
  return gai_strerror(gai_error);
}

}  // namespace

HostAddresses LookupHost(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  // AI_ADDRCONFIG would hide AAAA answers in a network namespace without IPv6
  // routes and make behaviour depend on the interfaces; libcurl does not set it.
  addrinfo* raw = nullptr;
  const int code = getaddrinfo(host.c_str(), nullptr, &hints, &raw);
  const int saved_errno = errno;
  std::unique_ptr<addrinfo, AddrInfoDeleter> list(raw);
  if (code != 0) {
    return Failure(ClassifyLookupError(code), "could not resolve host " + host + ": " +
                                                  DescribeLookupError(code, saved_errno));
  }
  HostAddresses result;
  for (const addrinfo* info = list.get(); info != nullptr; info = info->ai_next) {
    std::string address = NumericAddress(*info);
    if (address.empty()) continue;
    if (std::find(result.addresses.begin(), result.addresses.end(), address) ==
        result.addresses.end()) {
      result.addresses.push_back(std::move(address));
    }
  }
  if (result.addresses.empty()) {
    return Failure(FetchError::kDns,
                   "could not resolve host " + host + ": no IPv4 or IPv6 address");
  }
  return result;
}

FetchError ClassifyLookupError(int gai_error) {
  switch (gai_error) {
    // The name does not exist (NXDOMAIN) or has no address records: the answer
    // of the zone's own servers, so asking again will not help.
    case EAI_NONAME:
    case EAI_NODATA:
      return FetchError::kDns;
    // No answer in time, SERVFAIL, or REFUSED from every nameserver (glibc 2.36
    // reports all three as EAI_AGAIN; tests/dns_test.py checks each).
    case EAI_AGAIN:
      return FetchError::kDnsTimeout;
    // EAI_FAIL is NO_RECOVERY: a reply the resolver could not use (malformed,
    // FORMERR, NOTIMP). That is a fault somewhere on the resolver path (a broken
    // nameserver or middlebox), not a statement by the zone that the name does
    // not exist, and it tends to hit every host alike: a permanent verdict would
    // fail URLs for good over a local outage. So it is the retryable kind.
    case EAI_FAIL:
      return FetchError::kDnsTimeout;
    // EAI_MEMORY, EAI_SYSTEM (e.g. out of file descriptors) and the errors of a
    // wrong call (EAI_BADFLAGS, EAI_FAMILY, EAI_SERVICE, EAI_SOCKTYPE).
    default:
      return FetchError::kOther;
  }
}

bool IsIpLiteral(const std::string& host) {
  in6_addr v6;
  in_addr v4;
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &v6) == 1;
  }
  return inet_pton(AF_INET, host.c_str(), &v4) == 1 || inet_pton(AF_INET6, host.c_str(), &v6) == 1;
}

std::string ResolveEntry(const std::string& host, long port,
                         const std::vector<std::string>& addresses) {
  std::string entry = host + ":" + std::to_string(port) + ":";
  for (size_t i = 0; i < addresses.size(); ++i) {
    if (i > 0) entry += ',';
    const bool v6 = addresses[i].find(':') != std::string::npos;
    entry += v6 ? "[" + addresses[i] + "]" : addresses[i];
  }
  return entry;
}

}  // namespace medscrape

#include "fetch/fetcher.h"

namespace medscrape {

const char* FetchErrorName(FetchError error) {
  switch (error) {
    case FetchError::kNone:
      return "none";
    case FetchError::kDns:
      return "dns";
    case FetchError::kDnsTimeout:
      return "dns_timeout";
    case FetchError::kConnect:
      return "connect";
    case FetchError::kTimeout:
      return "timeout";
    case FetchError::kReset:
      return "reset";
    case FetchError::kProtocol:
      return "protocol";
    case FetchError::kTls:
      return "tls";
    case FetchError::kTooLarge:
      return "too_large";
    case FetchError::kBlockedAddress:
      return "blocked_address";
    case FetchError::kBadUrl:
      return "bad_url";
    case FetchError::kOther:
      return "other";
  }
  return "other";
}

bool IsRetryable(FetchError error, int status) {
  switch (error) {
    case FetchError::kNone:
      // 408 and 429 ask the client to come back later, like 503 (docs/reliability.md N7).
      return status >= 500 || status == 408 || status == 429;
    case FetchError::kDnsTimeout:  // The resolver may answer later (N6).
    case FetchError::kConnect:
    case FetchError::kTimeout:
    case FetchError::kReset:
    case FetchError::kProtocol:
      return true;
    case FetchError::kDns:  // NXDOMAIN: the name does not exist; asking again will not help (N6).
    case FetchError::kTls:  // A bad certificate stays bad (N11).
    case FetchError::kTooLarge:
    case FetchError::kBlockedAddress:
    case FetchError::kBadUrl:
    case FetchError::kOther:
      return false;
  }
  return false;
}

}  // namespace medscrape

#include "crawl/robots_gate.h"

#include "url/url.h"

namespace medscrape {
namespace {

// The fetch reached no server, or none that could be trusted: the host as such
// cannot be crawled, which is no robots.txt answer at all.
bool Unreachable(FetchError error) {
  switch (error) {
    case FetchError::kDns:
    case FetchError::kDnsTimeout:
    case FetchError::kConnect:
    case FetchError::kBadUrl:
    case FetchError::kBlockedAddress:
    case FetchError::kTls:
      return true;
    default:
      return false;
  }
}

}  // namespace

void RobotsGate::SetScheme(const std::string& host, const std::string& scheme) {
  hosts_[host].scheme = scheme;
}

std::string RobotsGate::RobotsUrl(const std::string& host) const {
  auto it = hosts_.find(host);
  return (it == hosts_.end() ? std::string("http") : it->second.scheme) + "://" + host +
         "/robots.txt";
}

RobotsGate::Need RobotsGate::Check(const std::string& host, int64_t now_ms) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end()) return Need::kFetch;
  switch (it->second.state) {
    case HostRobots::State::kUnknown:
      return Need::kFetch;
    case HostRobots::State::kFetching:
      return Need::kWait;
    case HostRobots::State::kRetryLater:
      return now_ms >= it->second.retry_at_ms ? Need::kFetch : Need::kWait;
    case HostRobots::State::kReady:
      break;
  }
  return Need::kReady;
}

void RobotsGate::Fetching(const std::string& host) {
  hosts_[host].state = HostRobots::State::kFetching;
}

bool RobotsGate::Allowed(const std::string& host, std::string_view path_and_query) const {
  auto it = hosts_.find(host);
  return it != hosts_.end() && it->second.state == HostRobots::State::kReady &&
         it->second.rules.Allowed(path_and_query);
}

std::optional<int64_t> RobotsGate::RetryAt(const std::string& host) const {
  auto it = hosts_.find(host);
  if (it == hosts_.end() || it->second.state != HostRobots::State::kRetryLater) return std::nullopt;
  return it->second.retry_at_ms;
}

RobotsGate::Outcome RobotsGate::OnResponse(const std::string& host, const std::string& url,
                                           int hops, const FetchResponse& response,
                                           int64_t now_ms) {
  HostRobots& robots = hosts_[host];
  const int status = response.status;
  const bool answered = response.error == FetchError::kNone;
  if (answered && status >= 300 && status < 400 && !response.location.empty() && hops < kMaxHops) {
    if (std::optional<std::string> next = ResolveHttpUrl(url, response.location)) {
      return Outcome{Outcome::Kind::kFollow, *next};
    }
  }
  if (Unreachable(response.error) && hops == 0) {
    robots.state = HostRobots::State::kUnknown;
    return Outcome{Outcome::Kind::kUnreachable};
  }
  if (answered && status >= 200 && status < 500) return Adopt(host, status, response.body);
  if (++robots.failures >= kMaxTries) return Adopt(host, 0, "");
  robots.state = HostRobots::State::kRetryLater;
  robots.retry_at_ms = now_ms + kRetryMs;
  return Outcome{Outcome::Kind::kRetryLater};
}

RobotsGate::Outcome RobotsGate::Adopt(const std::string& host, int status,
                                      const std::string& body) {
  HostRobots& robots = hosts_[host];
  robots.state = HostRobots::State::kReady;
  if (status == 0) {
    robots.rules = RobotsRules::DisallowAll();
    return Outcome{Outcome::Kind::kGaveUp, "", &robots.rules};
  }
  robots.rules = status >= 300 && status < 400 ? RobotsRules::AllowAll()
                                               : RobotsFromResponse(status, body, token_);
  return Outcome{Outcome::Kind::kReady, "", &robots.rules};
}

void RobotsGate::WaitUntil(const std::string& host, int64_t until_ms) {
  HostRobots& robots = hosts_[host];
  robots.state = HostRobots::State::kRetryLater;
  robots.retry_at_ms = until_ms;
}

}  // namespace medscrape

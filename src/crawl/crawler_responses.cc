// What each finished transfer does to the job: retry, postpone, follow a
// redirect, fail, skip, or hand the page to extraction (crawler_extract.cc),
// and what an extracted page commits: its record exactly once, its outlinks.
#include <algorithm>
#include <cctype>

#include "crawl/crawler_impl.h"
#include "crawl/retry_after.h"
#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {
namespace {

// Content-Type values worth parsing; an absent one is sniffed instead.
bool LooksLikeHtml(const std::string& content_type) {
  if (content_type.empty()) return true;
  std::string lower = content_type;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return lower.find("html") != std::string::npos || lower.find("xml") != std::string::npos ||
         lower.rfind("text/plain", 0) == 0;
}

// The scheme an href names ("ftp" in " FTP://x"), lower case; "" for a relative one.
std::string HrefScheme(const std::string& href) {
  const size_t start = href.find_first_not_of(" \t\r\n\f");
  if (start == std::string::npos || !std::isalpha(static_cast<unsigned char>(href[start]))) return "";
  size_t end = start;
  while (end < href.size() && (std::isalnum(static_cast<unsigned char>(href[end])) ||
                               href[end] == '+' || href[end] == '-' || href[end] == '.')) {
    ++end;
  }
  if (end >= href.size() || href[end] != ':') return "";
  std::string scheme = href.substr(start, end - start);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), ::tolower);
  return scheme;
}

// "Come back later" (docs/reliability.md N7): the host is paused, no retry is used up.
bool IsRateLimit(const FetchResponse& response) {
  return response.status == 429 || (response.status == 503 && !response.retry_after.empty());
}

}  // namespace

Status Crawler::Impl::Handle(FetchResponse& response) {
  auto it = in_flight_.find(response.id);
  if (it == in_flight_.end()) return Status::Ok();
  InFlight flight = std::move(it->second);
  in_flight_.erase(it);
  const bool answered = response.error == FetchError::kNone;
  if (answered && IsRateLimit(response)) {
    scheduler_.OnRateLimited(flight.entry.host, response.seconds);
  } else {
    scheduler_.OnFinish(flight.entry.host, response.seconds,
                        answered && response.status < 500 && response.status != 429);
  }
  summary_.bytes += static_cast<int64_t>(response.wire_bytes);
  if (flight.robots) return HandleRobots(flight, response);
  if (flight.sitemap_level > 0) return HandleSitemap(flight, response);
  in_flight_ids_.erase(flight.entry.id);
  ++summary_.fetched;
  return HandlePage(flight, response);
}

Status Crawler::Impl::HandleRobots(InFlight& flight, const FetchResponse& response) {
  HostState& host = Host(flight.entry.host);
  const int status = response.status;
  if (status >= 300 && status < 400 && !response.location.empty() && flight.hops < kMaxRedirects) {
    std::optional<std::string> next = ResolveHttpUrl(flight.current_url, response.location);
    if (next) {
      flight.current_url = *next;
      ++flight.hops;
      Fetch(std::move(flight), "", "");
      return Status::Ok();
    }
  }
  // The host cannot be reached at all: no address (docs/reliability.md N6), an address
  // or name the policy refuses, a host libcurl cannot parse, nothing listening, a
  // certificate that does not verify.
  // Neither robots.txt nor any page of it can be fetched, so this is the failure
  // of the URL that asked for robots.txt (permanent ones fail it at once,
  // dns_timeout and connect are retried with backoff), not an unavailable
  // robots.txt: the next URL of the host asks for it again, and the breaker ends
  // a host that keeps failing. A robots.txt that answers badly (5xx, timeouts,
  // resets) is RFC 9309's "unavailable" below.
  const FetchError error = response.error;
  const bool no_address = error == FetchError::kDns || error == FetchError::kDnsTimeout ||
                          error == FetchError::kConnect || error == FetchError::kBadUrl ||
                          error == FetchError::kBlockedAddress || error == FetchError::kTls;
  if (no_address && flight.hops == 0 && flight.robots_for) {
    host.robots = HostState::Robots::kUnknown;
    InFlight asked;
    asked.entry = *flight.robots_for;
    asked.current_url = asked.entry.url;
    return HandleFailure(asked, response);
  }
  // RFC 9309: 2xx -> its rules (the first 500 KiB: the fetch keeps that prefix of a
  // larger file); 4xx, and a redirect not followed (more than kMaxRedirects hops,
  // no usable Location) -> "unavailable": allow all (§2.3.1.2-3); 5xx and network
  // errors -> disallowed for now, retried later, given up after a few tries.
  if (response.error == FetchError::kNone && status >= 200 && status < 500) {
    host.rules = status >= 300 && status < 400
                     ? RobotsRules::AllowAll()
                     : RobotsFromResponse(status, response.body, options_.robots_token);
    host.robots = HostState::Robots::kReady;
    if (std::optional<double> delay = host.rules.crawl_delay_seconds()) {
      scheduler_.SetCrawlDelay(flight.entry.host, *delay);
    }
    if (options_.sitemaps) {
      for (const std::string& sitemap : host.rules.sitemaps()) {
        QueueSitemap(flight.current_url, sitemap, 1);
      }
    }
    return Status::Ok();
  }
  if (++host.robots_failures >= kMaxRobotsFailures) {
    host.rules = RobotsRules::DisallowAll();
    host.robots = HostState::Robots::kReady;
    Emit("failed", flight.current_url, "robots.txt unavailable: host treated as disallowed");
    return Status::Ok();
  }
  host.robots = HostState::Robots::kRetryLater;
  host.robots_retry_at_ms = clock_.NowMs() + kRobotsRetryMs;
  return Status::Ok();
}

Status Crawler::Impl::HandlePage(InFlight& flight, FetchResponse& response) {
  const int status = response.status;
  if (response.error != FetchError::kNone) return HandleFailure(flight, response);
  if (IsRateLimit(response)) {
    return HandleRateLimit(flight, response);
  }
  if (status >= 500 || status == 408) return HandleFailure(flight, response);
  if (status == 304) {
    if (flight.entry.kind == "page") ++summary_.unchanged;  // Hubs never make records.
    return state_->MarkUnchanged(flight.entry.id, DoneInfo{304, "", "", "", clock_.UnixMs()});
  }
  if (status >= 300 && status < 400 && !response.location.empty()) {
    return HandleRedirect(flight, response);
  }
  if (status >= 400 || status < 200) {
    const std::string reason = "http_" + std::to_string(status);
    Emit("failed", flight.current_url, reason);
    return state_->MarkFailed(flight.entry.id, reason, status);
  }
  return HandleBody(flight, response);
}

// Timeouts, resets, 5xx: exponential backoff with jitter, then failed:<error>.
Status Crawler::Impl::HandleFailure(InFlight& flight, const FetchResponse& response) {
  const std::string reason = response.error != FetchError::kNone
                                 ? FetchErrorName(response.error)
                                 : "http_" + std::to_string(response.status);
  const int attempts = flight.entry.attempts + 1;
  if (response.retryable && attempts <= scheduler_.options().max_retries) {
    const int64_t at = clock_.NowMs() + scheduler_.RetryDelayMs(attempts);
    Due(flight.entry.host, at);
    return state_->ScheduleRetry(flight.entry.id, attempts, at, reason);
  }
  Emit("failed", flight.current_url, reason);
  return state_->MarkFailed(flight.entry.id, reason, response.status);
}

// 429/503 with Retry-After pause the host and do not use up retries.
Status Crawler::Impl::HandleRateLimit(InFlight& flight, const FetchResponse& response) {
  int& postponed = postpones_[flight.entry.id];
  if (++postponed > scheduler_.options().max_postpones) {
    Emit("failed", flight.current_url, "rate_limited");
    return state_->MarkFailed(flight.entry.id, "rate_limited", response.status);
  }
  std::optional<double> wait = ParseRetryAfter(response.retry_after, clock_.UnixMs());
  const double seconds =
      std::min(wait ? *wait : scheduler_.RetryDelayMs(postponed) / 1000.0,
               scheduler_.options().max_pause_s);
  scheduler_.Pause(flight.entry.host, seconds);
  const int64_t at = clock_.NowMs() + static_cast<int64_t>(seconds * 1000);
  Due(flight.entry.host, at);
  return state_->Postpone(flight.entry.id, at);
}

// Each hop is checked again: http(s) only, in scope, allowed by robots.txt;
// the fetcher checks the address of every connection.
Status Crawler::Impl::HandleRedirect(InFlight& flight, const FetchResponse& response) {
  std::optional<std::string> next = ResolveHttpUrl(flight.current_url, response.location);
  if (next) next = CanonicalizeUrl(*next);
  if (!next) {
    const std::string scheme = HrefScheme(response.location);
    if (!scheme.empty() && scheme != "http" && scheme != "https") {
      return state_->MarkSkipped(flight.entry.id, "redirect_not_http");
    }
    // Not a URL at all, or longer than kMaxUrlLength: nothing that could be fetched.
    Emit("failed", flight.current_url, "bad_url");
    return state_->MarkFailed(flight.entry.id, "bad_url", response.status);
  }
  if (flight.hops >= kMaxRedirects) {
    Emit("failed", flight.current_url, "too_many_redirects");
    return state_->MarkFailed(flight.entry.id, "too_many_redirects", response.status);
  }
  const std::string host = HostPortOf(*next);
  if (!InScope(host)) return state_->MarkSkipped(flight.entry.id, "redirect_out_of_scope");
  HostState& target = Host(host);
  if (target.robots != HostState::Robots::kReady) {
    // Its robots.txt is not known yet: the target joins the frontier instead.
    std::vector<NewUrl> moved = {
        NewUrl{*next, host, flight.entry.kind, flight.entry.depth, flight.entry.id}};
    Due(moved);
    Status status = state_->AddUrls(moved).status();
    if (!status.ok()) return status;
    return state_->MarkSkipped(flight.entry.id, "redirected");
  }
  if (!target.rules.Allowed(PathAndQuery(*next))) {
    return state_->MarkSkipped(flight.entry.id, "robots");
  }
  // The target gets its own row, so the page is recorded once under its final
  // URL however it is reached: a target the job already knows (another seed or
  // link, an earlier hop of a loop) makes its record from that row, and this URL
  // ends skipped:redirected. Only a redirect to itself is followed again, until
  // kMaxRedirects ends it.
  if (*next != flight.entry.url) {
    Result<int> added = state_->AddUrls(
        {NewUrl{*next, host, flight.entry.kind, flight.entry.depth, flight.entry.id}});
    if (!added.ok()) return added.status();
    Status skipped = state_->MarkSkipped(flight.entry.id, "redirected");
    if (!skipped.ok() || added.value() == 0) return skipped;
    Result<std::optional<UrlEntry>> moved = state_->Find(*next);
    if (!moved.ok()) return moved.status();
    if (!moved.value()) return Status::Error("redirect target vanished from the job: " + *next);
    flight.entry = *moved.value();
  }
  flight.current_url = *next;
  ++flight.hops;
  in_flight_ids_.emplace(flight.entry.id, flight.entry.host);
  --summary_.fetched;  // One fetch per URL recorded, however many hops.
  Fetch(std::move(flight), "", "");
  return Status::Ok();
}

Status Crawler::Impl::HandleBody(InFlight& flight, FetchResponse& response) {
  if (!LooksLikeHtml(response.content_type)) {
    return state_->MarkSkipped(flight.entry.id, "not_html");
  }
  if (response.body.empty()) return state_->MarkSkipped(flight.entry.id, "empty");
  QueueExtraction(std::move(flight), response);
  return Status::Ok();
}

// Exactly once: append the line, then commit done + offset + outlinks together.
Status Crawler::Impl::WriteRecord(const Extraction& extraction, const ExtractOutcome& outcome,
                                  const std::vector<NewUrl>& outlinks) {
  Status status = writer_->WriteLine(outcome.line);
  if (!status.ok()) return status;
  Result<int> added = state_->MarkDone(extraction.flight.entry.id, extraction.info,
                                       writer_->offset(), outlinks);
  if (!added.ok()) return added.status();
  ++summary_.records;
  CountFill(outcome.record);
  return Status::Ok();
}

std::vector<NewUrl> Crawler::Impl::Outlinks(const InFlight& flight,
                                            const std::vector<std::string>& links) {
  std::vector<NewUrl> out;
  for (const std::string& url : links) {
    const std::string host = HostPortOf(url);
    const LinkVerdict verdict = links_->Admit(url, flight.entry.depth, InScope(host));
    if (verdict.kind == LinkVerdict::Kind::kDropped) continue;
    const char* kind = verdict.kind == LinkVerdict::Kind::kPage ? "page" : "hub";
    out.push_back(NewUrl{url, host, kind, flight.entry.depth + 1, flight.entry.id});
  }
  return out;
}

void Crawler::Impl::CountFill(const Json& record) {
  const std::string site = record["site"].is_string() ? record["site"].get<std::string>() : "generic";
  ++records_per_site_[site];
  static const std::set<std::string> kProvenance = {
      "schema_version", "url", "site", "page_type", "extractor", "content_sha256",
      "charset", "fetched_at", "warnings", "http", "change"};
  for (const auto& [key, value] : record.items()) {
    if (kProvenance.count(key) > 0) continue;
    const bool filled = value.is_array() ? !value.empty() : !value.is_null();
    fill_[site][key] += filled ? 1 : 0;
  }
}

}  // namespace medscrape

// What each finished transfer does to the job: retry, postpone, follow a
// redirect, fail, skip, or extract and commit a record exactly once.
#include <algorithm>
#include <ctime>

#include "crawl/crawler_impl.h"
#include "crawl/retry_after.h"
#include "extract/page.h"
#include "extract/sha256.h"
#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {
namespace {

std::string IsoUtc(int64_t unix_ms) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// Content-Type values worth parsing; an absent one is sniffed instead.
bool LooksLikeHtml(const std::string& content_type) {
  if (content_type.empty()) return true;
  std::string lower = content_type;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  return lower.find("html") != std::string::npos || lower.find("xml") != std::string::npos ||
         lower.rfind("text/plain", 0) == 0;
}

std::string CharsetOf(const std::string& content_type) {
  std::string lower = content_type;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  const size_t at = lower.find("charset=");
  if (at == std::string::npos) return "";
  std::string value = content_type.substr(at + 8);
  value = value.substr(0, value.find(';'));
  value.erase(std::remove(value.begin(), value.end(), '"'), value.end());
  return value;
}

}  // namespace

Status Crawler::Impl::Handle(const FetchResponse& response) {
  auto it = in_flight_.find(response.id);
  if (it == in_flight_.end()) return Status::Ok();
  InFlight flight = std::move(it->second);
  in_flight_.erase(it);
  const bool success = response.error == FetchError::kNone && response.status < 500 &&
                       response.status != 429;
  scheduler_.OnFinish(flight.entry.host, response.seconds, success);
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
  // RFC 9309: 4xx -> allow all; 5xx, network errors, too many redirects ->
  // disallowed for now, retried later, given up after a few tries.
  if (response.error == FetchError::kNone && status >= 200 && status < 500 &&
      (status < 300 || status >= 400)) {
    host.rules = RobotsFromResponse(status, response.body, options_.robots_token);
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
    Log("failed", flight.current_url, "robots.txt unavailable: host treated as disallowed");
    return Status::Ok();
  }
  host.robots = HostState::Robots::kRetryLater;
  host.robots_retry_at_ms = clock_.NowMs() + kRobotsRetryMs;
  return Status::Ok();
}

Status Crawler::Impl::HandlePage(InFlight& flight, const FetchResponse& response) {
  const int status = response.status;
  if (response.error != FetchError::kNone) return HandleFailure(flight, response);
  if (status == 429 || (status == 503 && !response.retry_after.empty())) {
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
    Log("failed", flight.current_url, reason);
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
    return state_->ScheduleRetry(flight.entry.id, attempts,
                                 clock_.NowMs() + scheduler_.RetryDelayMs(attempts), reason);
  }
  Log("failed", flight.current_url, reason);
  return state_->MarkFailed(flight.entry.id, reason, response.status);
}

// 429/503 with Retry-After pause the host and do not use up retries.
Status Crawler::Impl::HandleRateLimit(InFlight& flight, const FetchResponse& response) {
  int& postponed = postpones_[flight.entry.id];
  if (++postponed > scheduler_.options().max_postpones) {
    Log("failed", flight.current_url, "rate_limited");
    return state_->MarkFailed(flight.entry.id, "rate_limited", response.status);
  }
  std::optional<double> wait = ParseRetryAfter(response.retry_after, clock_.UnixMs());
  const double seconds =
      std::min(wait ? *wait : scheduler_.RetryDelayMs(postponed) / 1000.0,
               scheduler_.options().max_pause_s);
  scheduler_.Pause(flight.entry.host, seconds);
  return state_->Postpone(flight.entry.id, clock_.NowMs() + static_cast<int64_t>(seconds * 1000));
}

// Each hop is checked again: http(s) only, in scope, allowed by robots.txt;
// the fetcher checks the address of every connection.
Status Crawler::Impl::HandleRedirect(InFlight& flight, const FetchResponse& response) {
  std::optional<std::string> next = ResolveHttpUrl(flight.current_url, response.location);
  if (next) next = CanonicalizeUrl(*next);
  if (!next) return state_->MarkSkipped(flight.entry.id, "redirect_not_http");
  if (flight.hops >= kMaxRedirects) {
    Log("failed", flight.current_url, "too_many_redirects");
    return state_->MarkFailed(flight.entry.id, "too_many_redirects", response.status);
  }
  const std::string host = HostPortOf(*next);
  if (!InScope(host)) return state_->MarkSkipped(flight.entry.id, "redirect_out_of_scope");
  HostState& target = Host(host);
  if (target.robots != HostState::Robots::kReady) {
    // Its robots.txt is not known yet: the target joins the frontier instead.
    std::vector<NewUrl> moved = {
        NewUrl{*next, host, flight.entry.kind, flight.entry.depth, flight.entry.id}};
    Status status = state_->AddUrls(moved).status();
    if (!status.ok()) return status;
    return state_->MarkSkipped(flight.entry.id, "redirected");
  }
  if (!target.rules.Allowed(PathAndQuery(*next))) {
    return state_->MarkSkipped(flight.entry.id, "robots");
  }
  flight.current_url = *next;
  ++flight.hops;
  in_flight_ids_.insert(flight.entry.id);
  --summary_.fetched;  // One URL, however many hops.
  Fetch(std::move(flight), "", "");
  return Status::Ok();
}

Status Crawler::Impl::HandleBody(InFlight& flight, const FetchResponse& response) {
  if (!LooksLikeHtml(response.content_type)) {
    return state_->MarkSkipped(flight.entry.id, "not_html");
  }
  if (response.body.empty()) return state_->MarkSkipped(flight.entry.id, "empty");
  const std::string sha256 = Sha256Hex(response.body);
  const DoneInfo info{response.status, response.etag, response.last_modified, sha256,
                      clock_.UnixMs()};
  const bool is_page = flight.entry.kind == "page";
  if (is_page && sha256 == flight.entry.content_sha256) {
    ++summary_.unchanged;
    return state_->MarkUnchanged(flight.entry.id, info);
  }
  Status status = state_->SetProcessing(flight.entry.id, true);  // P5: crash marker.
  if (!status.ok()) return status;
  std::vector<std::string> links;
  PageRequest request;
  request.raw = response.body;
  request.content_sha256 = sha256;
  request.url = flight.current_url;
  request.site = Host(flight.entry.host).site != nullptr && !options_.site.empty()
                     ? options_.site
                     : "";
  request.decode.header_charset = CharsetOf(response.content_type);
  request.fetched_at = IsoUtc(clock_.UnixMs());
  request.http = {{"status", response.status},
                  {"final_url", flight.current_url},
                  {"content_type", response.content_type.empty() ? Json(nullptr)
                                                                 : Json(response.content_type)}};
  request.change = flight.entry.content_sha256.empty() ? "new" : "updated";
  request.links = &links;
  request.max_links = options_.max_outlinks;
  Result<PageResult> page = ExtractPage(request, registry_);
  if (!page.ok()) {
    const std::string& message = page.status().message();
    return state_->MarkSkipped(flight.entry.id,
                               message.rfind("not HTML", 0) == 0 ? "binary" : "empty");
  }
  const std::vector<NewUrl> outlinks = Outlinks(flight, links);
  if (!is_page) return state_->MarkHubDone(flight.entry.id, info, outlinks).status();
  return WriteRecord(flight, response, page.value().record, outlinks);
}

// Exactly once: append the line, then commit done + offset + outlinks together.
Status Crawler::Impl::WriteRecord(InFlight& flight, const FetchResponse& response, Json& record,
                                  const std::vector<NewUrl>& outlinks) {
  Status status = writer_->WriteLine(SerializeLine(record));
  if (!status.ok()) return status;
  const DoneInfo info{response.status, response.etag, response.last_modified,
                      record["content_sha256"].get<std::string>(), clock_.UnixMs()};
  Result<int> added = state_->MarkDone(flight.entry.id, info, writer_->offset(), outlinks);
  if (!added.ok()) return added.status();
  ++summary_.records;
  CountFill(record);
  return Status::Ok();
}

std::vector<NewUrl> Crawler::Impl::Outlinks(const InFlight& flight,
                                            const std::vector<std::string>& links) {
  std::vector<NewUrl> out;
  const int depth = flight.entry.depth + 1;
  if (options_.max_depth >= 0 && depth > options_.max_depth) return out;
  for (const std::string& url : links) {
    const std::string host = HostPortOf(url);
    if (!InScope(host)) continue;
    std::optional<std::string> kind = Classify(url, host);
    if (!kind) continue;
    auto matches = [&](const std::vector<std::unique_ptr<RE2>>& patterns) {
      return std::any_of(patterns.begin(), patterns.end(),
                         [&](const auto& re) { return RE2::PartialMatch(url, *re); });
    };
    if (!include_.empty() && !matches(include_)) continue;
    if (matches(exclude_)) continue;
    if (++queued_per_host_[host] > options_.max_urls_per_host) continue;
    out.push_back(NewUrl{url, host, *kind, depth, flight.entry.id});
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

// What each finished transfer does to the job: retry, postpone, follow a
// redirect, fail, skip, or hand the page to the ExtractionStage; and what an
// extracted page commits: its record exactly once, its outlinks.
#include <algorithm>

#include "crawl/crawler_impl.h"
#include "crawl/response_rules.h"
#include "crawl/retry_after.h"
#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {

Status Crawler::Impl::Handle(FetchResponse& response) {
  auto it = in_flight_.find(response.id);
  if (it == in_flight_.end()) return Status::Ok();
  InFlight flight = std::move(it->second);
  in_flight_.erase(it);
  const bool answered = response.error == FetchError::kNone;
  const bool rate_limited = answered && IsRateLimit(response);
  const bool success = answered && response.status < 500 && response.status != 429;
  Status shared = Polite(flight.entry.host, [&] {
    if (rate_limited) {
      scheduler_.OnRateLimited(flight.entry.host, response.seconds);
    } else {
      scheduler_.OnFinish(flight.entry.host, response.seconds, success);
    }
  });
  if (!shared.ok()) return shared;
  summary_.bytes += static_cast<int64_t>(response.wire_bytes);
  if (flight.special()) {
    Status archived = ArchiveExchange(flight, response, WarcExchange::Kind::kResponse);
    if (!archived.ok()) return archived;
  }
  if (flight.robots_for) return HandleRobots(flight, response);
  if (flight.sitemap) return HandleSitemap(flight, response);
  in_flight_ids_.erase(flight.entry.id);
  ++summary_.fetched;
  return HandlePage(flight, response);
}

Status Crawler::Impl::HandleRobots(InFlight& flight, const FetchResponse& response) {
  const std::string& host = flight.entry.host;
  const RobotsGate::Outcome outcome =
      robots_.OnResponse(host, flight.current_url, flight.hops, response, clock_.NowMs());
  switch (outcome.kind) {
    case RobotsGate::Outcome::Kind::kFollow:
      flight.current_url = outcome.next_url;
      ++flight.hops;
      Fetch(std::move(flight), "", "");
      return Status::Ok();
    case RobotsGate::Outcome::Kind::kUnreachable: {
      // Neither robots.txt nor any page of the host can be fetched: this is the
      // failure of the URL that asked (permanent ones fail it at once, dns_timeout
      // and connect are retried with backoff); the next URL asks again, and the
      // breaker ends a host that keeps failing.
      Status given_back = state_->PublishRobots(host, StateStore::kNoAnswer, "");
      if (!given_back.ok()) return given_back;
      InFlight asked;
      asked.entry = *flight.robots_for;
      asked.current_url = asked.entry.url;
      return HandleFailure(asked, response);
    }
    case RobotsGate::Outcome::Kind::kReady:
    case RobotsGate::Outcome::Kind::kGaveUp: {
      const bool ready = outcome.kind == RobotsGate::Outcome::Kind::kReady;
      Status published = state_->PublishRobots(
          host, ready ? response.status : SharedRobots::kGaveUp, ready ? response.body : "");
      ApplyRobots(host, outcome, flight.current_url);
      return published.ok() ? Polite(host, nullptr) : published;
    }
    case RobotsGate::Outcome::Kind::kRetryLater:
      return state_->PublishRobots(host, StateStore::kNoAnswer, "");
  }
  return Status::Ok();
}

Result<RobotsGate::Need> Crawler::Impl::ShareRobots(const std::string& host) {
  Result<SharedRobots> shared = state_->ShareRobots(host);
  if (!shared.ok()) return shared.status();
  switch (shared.value().kind) {
    case SharedRobots::Kind::kFetch:
      return RobotsGate::Need::kFetch;
    case SharedRobots::Kind::kWait:
      robots_.WaitUntil(host, clock_.NowMs() + kRobotsRecheckMs);
      return RobotsGate::Need::kWait;
    case SharedRobots::Kind::kKnown:
      break;
  }
  ApplyRobots(host, robots_.Adopt(host, shared.value().status, shared.value().body), "");
  return RobotsGate::Need::kReady;
}

void Crawler::Impl::ApplyRobots(const std::string& host, const RobotsGate::Outcome& outcome,
                                const std::string& fetched_from) {
  if (outcome.kind == RobotsGate::Outcome::Kind::kGaveUp) {
    Emit("failed", fetched_from.empty() ? robots_.RobotsUrl(host) : fetched_from,
         "robots.txt unavailable: host treated as disallowed");
    return;
  }
  if (std::optional<double> delay = outcome.rules->crawl_delay_seconds()) {
    scheduler_.SetCrawlDelay(host, *delay);
  }
  if (options_.sitemaps && !fetched_from.empty()) {
    for (const std::string& sitemap : outcome.rules->sitemaps()) {
      sitemaps_.Queue(fetched_from, sitemap, 1);
    }
  }
}

// A failing sitemap is logged and skipped; the URLs of a good one join the
// frontier at depth 1, with no parent.
Status Crawler::Impl::HandleSitemap(InFlight& flight, const FetchResponse& response) {
  Result<std::vector<std::string>> links =
      sitemaps_.OnResponse(*flight.sitemap, flight.current_url, response);
  if (!links.ok()) {
    Emit("failed", flight.current_url, links.status().message());
    return Status::Ok();
  }
  UrlEntry from;  // Depth 0, id 0.
  LinkList list;
  for (const std::string& url : links.value()) list.Add(url);
  const std::vector<NewUrl> urls = Outlinks(from, list);
  Due(urls);
  return state_->AddUrls(urls).status();
}

Status Crawler::Impl::HandlePage(InFlight& flight, FetchResponse& response) {
  const PageAction action = ClassifyPage(response);
  if (action != PageAction::kBody) {
    Status archived =
        ArchiveExchange(flight, response,
                        action == PageAction::kUnchanged ? WarcExchange::Kind::kNotModified
                                                         : WarcExchange::Kind::kResponse);
    if (!archived.ok()) return archived;
  }
  switch (action) {
    case PageAction::kFailure:
      return HandleFailure(flight, response);
    case PageAction::kRateLimit:
      return HandleRateLimit(flight, response);
    case PageAction::kUnchanged:
      if (flight.entry.kind == "page") ++summary_.unchanged;  // Hubs never make records.
      return state_->MarkUnchanged(flight.entry.id, DoneInfo{304, "", "", "", clock_.UnixMs()});
    case PageAction::kRedirect:
      return HandleRedirect(flight, response);
    case PageAction::kHttpError:
      return Fail(flight.entry.id, flight.current_url, "http_" + std::to_string(response.status),
                  response.status);
    case PageAction::kBody:
      break;
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
  return Fail(flight.entry.id, flight.current_url, reason, response.status);
}

// 429/503 with Retry-After pause the host and do not use up retries.
Status Crawler::Impl::HandleRateLimit(InFlight& flight, const FetchResponse& response) {
  int& postponed = postpones_[flight.entry.id];
  if (++postponed > scheduler_.options().max_postpones) {
    return Fail(flight.entry.id, flight.current_url, "rate_limited", response.status);
  }
  std::optional<double> wait = ParseRetryAfter(response.retry_after, clock_.UnixMs());
  const double seconds = std::min(wait ? *wait : scheduler_.RetryDelayMs(postponed) / 1000.0,
                                  scheduler_.options().max_pause_s);
  Status shared = Polite(flight.entry.host, [&] { scheduler_.Pause(flight.entry.host, seconds); });
  if (!shared.ok()) return shared;
  const int64_t at = clock_.NowMs() + static_cast<int64_t>(seconds * 1000);
  Due(flight.entry.host, at);
  return state_->Postpone(flight.entry.id, at);
}

// Each hop is checked again: http(s) only, in scope, allowed by robots.txt;
// the fetcher checks the address of every connection.
Status Crawler::Impl::HandleRedirect(InFlight& flight, const FetchResponse& response) {
  int hops = flight.hops;
  if (state_->shared()) {  // Hops before this claim went through the frontier.
    Result<int> before = state_->RedirectHops(flight.entry.id, kMaxRedirects);
    if (!before.ok()) return before.status();
    hops += before.value();
  }
  const RedirectTarget target = ResolveRedirect(flight.current_url, response.location, hops);
  switch (target.kind) {
    case RedirectTarget::Kind::kNotHttp:
      return Skip(flight.entry.id, "redirect_not_http");
    case RedirectTarget::Kind::kBadUrl:
      return Fail(flight.entry.id, flight.current_url, "bad_url", response.status);
    case RedirectTarget::Kind::kTooMany:
      return Fail(flight.entry.id, flight.current_url, "too_many_redirects", response.status);
    case RedirectTarget::Kind::kFollow:
      break;
  }
  const std::string& host = target.host;
  const std::string& next = target.url;
  if (!InScope(host)) return Skip(flight.entry.id, "redirect_out_of_scope");
  // Its robots.txt is not known yet, or another worker of a shared job may hold the
  // host's slot (only a claim may fetch there): the target joins the frontier instead.
  if (robots_.Check(host, clock_.NowMs()) != RobotsGate::Need::kReady ||
      (state_->shared() && next != flight.entry.url)) {
    std::vector<NewUrl> moved = {
        NewUrl{next, host, flight.entry.kind, flight.entry.depth, flight.entry.id}};
    Due(moved);
    Status status = state_->AddUrls(moved).status();
    if (!status.ok()) return status;
    return Skip(flight.entry.id, "redirected");
  }
  if (!robots_.Allowed(host, PathAndQuery(next))) return Skip(flight.entry.id, "robots");
  // The target gets its own row, so the page is recorded once under its final
  // URL however it is reached: a target the job already knows (another seed or
  // link, an earlier hop of a loop) makes its record from that row, and this URL
  // ends skipped:redirected. Only a redirect to itself is followed again, until
  // kMaxRedirects ends it.
  if (next != flight.entry.url) {
    Result<int> added = state_->AddUrls(
        {NewUrl{next, host, flight.entry.kind, flight.entry.depth, flight.entry.id}});
    if (!added.ok()) return added.status();
    Status skipped = Skip(flight.entry.id, "redirected");
    if (!skipped.ok() || added.value() == 0) return skipped;
    Result<std::optional<UrlEntry>> moved = state_->Find(next);
    if (!moved.ok()) return moved.status();
    if (!moved.value()) return Status::Error("redirect target vanished from the job: " + next);
    flight.entry = *moved.value();
  }
  flight.current_url = next;
  ++flight.hops;
  in_flight_ids_.emplace(flight.entry.id, flight.entry.host);
  --summary_.fetched;  // One fetch per URL recorded, however many hops.
  Fetch(std::move(flight), "", "");
  return Status::Ok();
}

Status Crawler::Impl::HandleBody(InFlight& flight, FetchResponse& response) {
  const bool html = LooksLikeHtml(response.content_type);
  if (!html || response.body.empty()) {
    Status archived = ArchiveExchange(flight, response, WarcExchange::Kind::kResponse);
    if (!archived.ok()) return archived;
    return Skip(flight.entry.id, html ? "empty" : "not_html");
  }
  // The URL stays in in_flight_ids_ until committed: it is still pending in the store.
  const bool is_page = flight.entry.kind == "page";
  ExtractTask task;
  task.ticket = response.id;
  task.request = ExtractionRequest(flight, response);
  task.body = std::move(response.body);
  task.unchanged_sha256 = is_page ? flight.entry.content_sha256 : "";
  task.unchanged_fields_sha256 = is_page ? flight.entry.fields_sha256 : "";
  task.wants_record = is_page;
  const int64_t now = clock_.UnixMs();
  task.request.fetched_at = IsoUtc(now);  // The record's and its WARC records' date.
  ArchiveOnWorker(flight, response, now, &task);
  in_flight_ids_.emplace(flight.entry.id, flight.entry.host);
  const DoneInfo info{response.status, response.etag, response.last_modified, "", now};
  extraction_->Add(StagedPage{std::move(flight.entry), flight.current_url, info}, std::move(task));
  return Status::Ok();
}

PageRequest Crawler::Impl::ExtractionRequest(const InFlight& flight,
                                             const FetchResponse& response) {
  PageRequest request;
  request.url = flight.current_url;
  request.site =
      Host(flight.entry.host).site != nullptr && !options_.site.empty() ? options_.site : "";
  request.decode.header_charset = CharsetOf(response.content_type);
  request.fetched_at = IsoUtc(clock_.UnixMs());
  request.http = {{"status", response.status},
                  {"final_url", flight.current_url},
                  {"content_type",
                   response.content_type.empty() ? Json(nullptr) : Json(response.content_type)}};
  request.change = flight.entry.content_sha256.empty() ? "new" : "updated";
  request.max_links = options_.max_outlinks;
  return request;
}

// Commits what the workers finished, in any order, then gives them the waiting pages.
Status Crawler::Impl::CollectExtractions() {
  for (ExtractionStage::Done& done : extraction_->TakeDone()) {
    const int64_t id = done.page.entry.id;
    in_flight_ids_.erase(id);
    done.page.info.content_sha256 = done.outcome.sha256;
    done.page.info.fields_sha256 = done.outcome.fields_sha256;
    Status status = Settle(done.page, done.outcome);
    if (!status.ok()) return status;
    extraction_->Settled(id);  // Every transition clears the marker.
  }
  return extraction_->Dispatch();
}

Status Crawler::Impl::Settle(StagedPage& page, const ExtractOutcome& outcome) {
  const int64_t id = page.entry.id;
  Status archived = ArchivePage(page, outcome);
  if (!archived.ok()) return archived;
  switch (outcome.kind) {
    case ExtractOutcome::Kind::kUnchanged: {
      ++summary_.unchanged;
      // Same fields in other HTML: its links may still be new (none for same bytes).
      const std::vector<NewUrl> outlinks = Outlinks(page.entry, outcome.links);
      Due(outlinks);
      Status added = state_->AddUrls(outlinks).status();
      return added.ok() ? state_->MarkUnchanged(id, page.info) : added;
    }
    case ExtractOutcome::Kind::kRefused:
      return Skip(id, outcome.reason);
    case ExtractOutcome::Kind::kFailed:
      return Fail(id, page.url, outcome.reason, page.info.status);
    case ExtractOutcome::Kind::kExtracted:
      break;
  }
  const std::vector<NewUrl> outlinks = Outlinks(page.entry, outcome.links);
  Due(outlinks);
  if (page.entry.kind != "page") return state_->MarkHubDone(id, page.info, outlinks).status();
  return WriteRecord(page, outcome, outlinks);
}

// After the loop. Waiting pages carry no marker: dropped, they stay pending
// and are fetched again by the next run. Pages on a worker finish and are
// committed, so a clean stop leaves no marker that a resume would count as a
// crash.
Status Crawler::Impl::FinishExtractions() {
  for (const StagedPage& page : extraction_->DropWaiting()) in_flight_ids_.erase(page.entry.id);
  while (extraction_->Running() > 0) {
    extraction_->WaitDone(100);
    Status status = CollectExtractions();
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

// Exactly once: append the line, then commit done + offset + outlinks together.
Status Crawler::Impl::WriteRecord(const StagedPage& page, const ExtractOutcome& outcome,
                                  const std::vector<NewUrl>& outlinks) {
  Result<int> added = 0;
  if (state_->shared()) {  // The line goes into the job's tables with the URL's state.
    DoneInfo info = page.info;
    info.record = outcome.line;
    added = state_->MarkDone(page.entry.id, info, 0, outlinks);
  } else {
    Status status = writer_->WriteLine(outcome.line);
    if (!status.ok()) return status;
    added = state_->MarkDone(page.entry.id, page.info, writer_->offset(), outlinks);
  }
  if (!added.ok()) return added.status();
  ++summary_.records;
  stats_.CountRecord(outcome.record);
  return Status::Ok();
}

std::vector<NewUrl> Crawler::Impl::Outlinks(const UrlEntry& from, const LinkList& links) {
  std::vector<NewUrl> out;
  for (const std::string_view url : links) {
    LinkVerdict verdict = links_->Admit(url, from.depth);
    // A URL admitted before is in the store already: no INSERT to ignore.
    if (verdict.kind == LinkVerdict::Kind::kDropped || verdict.known) continue;
    const char* kind = verdict.kind == LinkVerdict::Kind::kPage ? "page" : "hub";
    out.push_back(NewUrl{std::string(url), std::move(verdict.host), kind, from.depth + 1, from.id});
  }
  return out;
}

}  // namespace medscrape

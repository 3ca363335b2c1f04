// The crawl engine's loop: open the job, seed it, and until the frontier is
// empty start what can start (within --concurrency and each host's politeness),
// wait for the next event, and hand each finished transfer and extraction to
// crawler_responses.cc.
#include "crawl/crawler.h"

#include <algorithm>

#include "crawl/crawler_impl.h"
#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {
namespace {

std::string SchemeOf(const std::string& url) { return url.substr(0, url.find(':')); }

}  // namespace

Crawler::Crawler(CrawlOptions options, Fetcher& fetcher, const Clock& clock,
                 const Registry& registry, CrawlObserver* observer)
    : impl_(std::make_unique<Impl>(std::move(options), fetcher, clock, registry, observer)) {}
Crawler::~Crawler() = default;

Result<CrawlSummary> Crawler::Run(const std::atomic<bool>& stop) { return impl_->Run(stop); }

Crawler::Impl::Impl(CrawlOptions options, Fetcher& fetcher, const Clock& clock,
                    const Registry& registry, CrawlObserver* observer)
    : options_(std::move(options)),
      fetcher_(fetcher),
      clock_(clock),
      registry_(registry),
      observer_(observer),
      scheduler_(options_.politeness, clock, static_cast<uint64_t>(clock.UnixMs())),
      robots_(options_.robots_token),
      // Only hosts whose robots.txt is known are admitted, so the queue never
      // waits for a robots.txt fetch that nothing would start.
      sitemaps_([this](const std::string& url, const std::string& host) {
        return InScope(host) && robots_.Check(host, clock_.NowMs()) == RobotsGate::Need::kReady &&
               robots_.Allowed(host, PathAndQuery(url));
      }) {}

Result<CrawlSummary> Crawler::Impl::Run(const std::atomic<bool>& stop) {
  started_ms_ = clock_.NowMs();
  started_unix_ms_ = clock_.UnixMs();
  Status status = Open();
  if (!status.ok()) return status;
  status = Loop(stop);
  if (status.ok()) status = FinishExtractions();
  if (!status.ok()) {
    extraction_->ClearMarkers();
    // Best effort: the store may be what failed.
    (void)state_->EndRun(summary_.run_id, clock_.UnixMs(), "error", "");
    return status;
  }
  Progress(true);
  status = FinishRun();
  if (!status.ok()) return status;
  return summary_;
}

Status Crawler::Impl::Open() {
  for (const std::string& seed : options_.seeds) {
    std::optional<std::string> url = CanonicalizeUrl(seed);
    if (!url) return Status::Error(seed + ": not an absolute http(s) URL");
    seeds_.push_back(*url);
  }
  Status status = OpenState();
  if (status.ok() && state_->shared()) status = MergeSeeds();
  if (!status.ok()) return status;
  LinkScopeOptions scope;
  scope.site = options_.site;
  scope.follow = options_.follow;
  scope.include = options_.include;
  scope.exclude = options_.exclude;
  scope.max_depth = options_.max_depth;
  scope.max_urls_per_host = options_.max_urls_per_host;
  scope.seeds = seeds_;
  Result<std::unique_ptr<LinkScope>> links = LinkScope::Create(registry_, std::move(scope));
  if (!links.ok()) return links.status();
  links_ = std::move(links).value();
  extraction_ =
      std::make_unique<ExtractionStage>(ThreadsFor(options_.extract_threads), registry_, *state_);
  status = state_->shared() ? Status::Ok() : OpenOutput();
  if (status.ok()) status = OpenArchive();
  if (!status.ok()) return status;
  Result<int64_t> run = state_->BeginRun(started_unix_ms_);
  if (!run.ok()) return run.status();
  summary_.run_id = run.value();
  status = AddSeeds();
  for (auto it = hosts_.begin(); status.ok() && it != hosts_.end(); ++it) {
    status = Polite(it->first, nullptr);
  }
  if (!status.ok()) return status;
  std::set<std::string> hosts;
  for (const auto& [host, state] : hosts_) hosts.insert(host);
  status = Refresh(hosts);
  if (!status.ok()) return status;
  // Only the seeds' hosts are asked for URLs (DueUrls): a job run again with
  // other seeds settles the rest now, so the frontier can empty. A shared job's
  // seeds only grow (MergeSeeds), and one another worker adds right now is
  // learned later (LearnSeeds), not skipped.
  if (state_->shared()) return Status::Ok();
  return state_->SkipPendingOutside(hosts).status();
}

// Seeds set the scope: their hosts are crawled, nothing else. A seed is
// fetched whatever its kind; a seed that is not a page is a hub.
Status Crawler::Impl::AddSeeds() {
  std::vector<NewUrl> seeds;
  for (const std::string& url : seeds_) seeds.push_back(Seed(url));
  return state_->AddUrls(seeds).status();
}

// A seed's host joins the crawl (robots.txt is asked for with the seed's
// scheme), and the seed's row is made.
NewUrl Crawler::Impl::Seed(const std::string& url) {
  const std::string host = HostPortOf(url);
  robots_.SetScheme(host, SchemeOf(url));
  Host(host);
  const bool page = links_->Classify(url).kind == LinkVerdict::Kind::kPage;
  return NewUrl{url, host, page ? "page" : "hub", 0, 0};
}

HostState& Crawler::Impl::Host(const std::string& host) {
  auto [it, inserted] = hosts_.try_emplace(host);
  if (inserted) it->second.site = links_->SiteOf(host);
  return it->second;
}

// Until the frontier is empty and nothing is fetched or extracted, a limit is
// reached and everything started is committed, or `stop` is set.
Status Crawler::Impl::Loop(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    Status kept = state_->Maintain();
    if (kept.ok()) kept = LearnSeeds();
    if (!kept.ok()) return kept;
    const bool out_of_time =
        options_.max_time_s > 0 && clock_.NowMs() - started_ms_ > options_.max_time_s * 1000;
    const bool enough = options_.max_pages > 0 && summary_.records >= options_.max_pages;
    if (!out_of_time && !enough) {
      Status status = StartFetches();
      if (!status.ok()) return status;
    }
    if (Busy() == 0) {
      Result<std::optional<int64_t>> next = state_->EarliestPendingTime();
      if (!next.ok()) return next.status();
      const bool drained = !next.value() && sitemaps_.empty();
      if (drained && !out_of_time && !enough) {
        Result<bool> more = LastLookForSeeds();
        if (!more.ok()) return more.status();
        if (more.value()) continue;
      }
      if (drained || out_of_time || enough) {
        if (!drained) summary_.finish_reason = enough ? "max_pages" : "max_time";
        return Status::Ok();
      }
    }
    Status status = WaitForEvents();
    if (status.ok()) status = CollectExtractions();
    if (!status.ok()) return status;
    Progress(false);
  }
  summary_.stopped_early = true;
  summary_.finish_reason = "signal";
  return Status::Ok();
}

// Handles the transfers that finish within PollTimeoutMs. With no transfer
// in flight Poll returns at once, so wait for an extraction, the next host
// slot or a postponed URL here instead of spinning.
Status Crawler::Impl::WaitForEvents() {
  const int timeout_ms = PollTimeoutMs();
  if (fetcher_.InFlight() == 0) {
    if (extraction_->Running() > 0) {
      extraction_->WaitDone(timeout_ms);
    } else {
      clock_.SleepMs(timeout_ms);
    }
    return Status::Ok();
  }
  for (FetchResponse& response : fetcher_.Poll(timeout_ms)) {
    Status status = Handle(response);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

// A host can start a URL now: robots.txt is not being fetched or waited for,
// its politeness slot is free (or it is dead, so its URLs fail at once), and
// it may have a URL due.
bool Crawler::Impl::Startable(const std::string& host, const HostState& state, int64_t now) {
  if (robots_.Check(host, now) == RobotsGate::Need::kWait || state.due_ms > now) return false;
  return scheduler_.CanStart(host) || scheduler_.HostDead(host);
}

// The due URLs of every startable host, in (depth, id) order: per host at most
// its in-flight limit plus the URLs it holds (fetching, extracting, deferred),
// which are still pending in the store and come back first. A host with none
// due learns when its next one is (HostState::due_ms), so it is not asked
// again before then. `complete` is set when every host returned all it had due.
Result<std::vector<UrlEntry>> Crawler::Impl::DueUrls(bool* complete) {
  std::map<std::string, size_t> held;
  for (const auto& [id, host] : in_flight_ids_) ++held[host];
  for (const auto& [id, host] : extraction_->deferred()) ++held[host];
  const int64_t now = clock_.NowMs();
  const size_t per_host = static_cast<size_t>(std::max(1, scheduler_.options().per_host));
  std::vector<UrlEntry> due;
  *complete = true;
  // A shared store's answers are claims that lapse unless started at once: claim no more
  // than the free slots take, the hosts in turn from where the last round stopped.
  const bool claims = state_->shared();
  const size_t slots = static_cast<size_t>(std::max(1, options_.concurrency));
  const size_t wanted = slots - std::min(slots, Busy());
  auto from = claims ? hosts_.upper_bound(last_claimed_host_) : hosts_.begin();
  for (size_t n = 0; n < hosts_.size(); ++n, ++from) {
    if (from == hosts_.end()) from = hosts_.begin();
    auto& [host, state] = *from;
    if (claims && due.size() >= wanted) {
      *complete = false;
      break;
    }
    if (!Startable(host, state, now)) continue;
    if (claims) last_claimed_host_ = host;
    const size_t limit = per_host + held[host];
    Result<std::vector<UrlEntry>> pending = state_->NextPending(host, now, limit);
    if (!pending.ok()) return pending.status();
    if (pending.value().size() >= limit) *complete = false;
    if (std::optional<SharedHostState> row = state_->ClaimedHost(host))
      scheduler_.Adopt(host, *row);
    if (pending.value().empty()) {
      Result<std::optional<int64_t>> next = state_->HostDueTime(host);
      if (!next.ok()) return next.status();
      state.due_ms = next.value() ? *next.value() : INT64_MAX;
    }
    for (UrlEntry& entry : pending.value()) due.push_back(std::move(entry));
  }
  std::sort(due.begin(), due.end(), [](const UrlEntry& a, const UrlEntry& b) {
    return a.depth != b.depth ? a.depth < b.depth : a.id < b.id;
  });
  return due;
}

void Crawler::Impl::Due(const std::string& host, int64_t at_ms) {
  auto it = hosts_.find(host);
  if (it != hosts_.end()) it->second.due_ms = std::min(it->second.due_ms, at_ms);
}

void Crawler::Impl::Due(const std::vector<NewUrl>& urls) {
  for (const NewUrl& url : urls) Due(url.host, 0);
}

// Fetched pages not yet committed hold slots too, so a crawl whose extraction
// falls behind fetches less instead of piling up response bodies.
Status Crawler::Impl::StartFetches() {
  fetches_started_at_ms_ = clock_.NowMs();
  const size_t slots_total = static_cast<size_t>(std::max(1, options_.concurrency));
  StartSitemaps(slots_total - std::min(slots_total, extraction_->size()));
  while (Busy() < slots_total) {
    bool complete = true;
    Result<std::vector<UrlEntry>> due = DueUrls(&complete);
    if (!due.ok()) return due.status();
    const bool last_chance = complete && OnlySuspects(due.value());
    const size_t deferred = extraction_->deferred().size();
    std::set<std::string> stalled;  // Hosts that could not start their next URL.
    bool progressed = false;
    for (const UrlEntry& entry : due.value()) {
      if (in_flight_ids_.count(entry.id) > 0 || stalled.count(entry.host) > 0) continue;
      if (Busy() >= slots_total) break;
      if (extraction_->Defer(entry, last_chance, Busy() == 0)) continue;
      // max_pages bounds the records of this run: pages in flight may all make one.
      if (entry.kind == "page" && options_.max_pages > 0 &&
          summary_.records + PagesInFlight() >= options_.max_pages) {
        continue;
      }
      bool started = false;
      Status status = StartEntry(entry, &started);
      if (!status.ok()) return status;
      progressed = progressed || started;
      if (!started) stalled.insert(entry.host);  // Busy now: ask again next round.
    }
    if (!progressed && extraction_->deferred().size() == deferred) return Status::Ok();
  }
  return Status::Ok();
}

bool Crawler::Impl::OnlySuspects(const std::vector<UrlEntry>& entries) const {
  return std::all_of(entries.begin(), entries.end(), [&](const UrlEntry& entry) {
    return entry.crashes > 0 || in_flight_ids_.count(entry.id) > 0;
  });
}

// Starts one URL, or settles it (robots, dead host), or waits for its host.
// `started` is true when the URL left the pending set or a fetch began.
Status Crawler::Impl::StartEntry(const UrlEntry& entry, bool* started) {
  if (scheduler_.HostDead(entry.host)) {
    *started = true;
    return Fail(entry.id, entry.url, "host_unavailable", entry.last_status);
  }
  RobotsGate::Need robots = robots_.Check(entry.host, clock_.NowMs());
  if (robots == RobotsGate::Need::kWait || !scheduler_.CanStart(entry.host)) return Status::Ok();
  if (robots == RobotsGate::Need::kFetch && state_->shared()) {
    Result<RobotsGate::Need> shared = ShareRobots(entry.host);
    if (!shared.ok()) return shared.status();
    robots = shared.value();
    if (robots == RobotsGate::Need::kWait) return Status::Ok();
  }
  *started = true;
  InFlight flight;
  if (robots == RobotsGate::Need::kFetch) {
    robots_.Fetching(entry.host);
    flight.robots_for = entry;
    flight.entry.host = entry.host;
    flight.entry.id = -1;
    flight.current_url = robots_.RobotsUrl(entry.host);
    Fetch(std::move(flight), "", "");
    return Status::Ok();
  }
  if (!robots_.Allowed(entry.host, PathAndQuery(entry.url))) {
    Emit("skipped", entry.url, "robots");
    return Skip(entry.id, "robots");
  }
  if (!state_->Starting(entry.id)) {  // A shared job's claim that lapsed.
    *started = false;
    return Status::Ok();
  }
  flight.entry = entry;
  flight.current_url = entry.url;
  const bool revisit = !entry.content_sha256.empty();
  Fetch(std::move(flight), revisit ? entry.etag : "", revisit ? entry.last_modified : "");
  return Status::Ok();
}

void Crawler::Impl::StartSitemaps(size_t slots_total) {
  if (fetcher_.InFlight() >= slots_total) return;
  const auto slot = [this](const std::string& host) {
    if (scheduler_.HostDead(host)) return SitemapFeeder::Slot::kDrop;
    return scheduler_.CanStart(host) ? SitemapFeeder::Slot::kStart : SitemapFeeder::Slot::kWait;
  };
  for (SitemapFeeder::Sitemap& sitemap : sitemaps_.Take(slots_total - fetcher_.InFlight(), slot)) {
    InFlight flight;
    flight.entry.host = sitemap.host;
    flight.current_url = sitemap.url;
    flight.sitemap = std::move(sitemap);
    Fetch(std::move(flight), "", "");
  }
}

void Crawler::Impl::Fetch(InFlight flight, const std::string& if_none_match,
                          const std::string& if_modified) {
  const uint64_t id = next_request_id_++;
  scheduler_.OnStart(flight.entry.host);
  if (!flight.special()) in_flight_ids_.emplace(flight.entry.id, flight.entry.host);
  FetchRequest request{id, flight.current_url, if_none_match, if_modified};
  request.capture = archive_ != nullptr;
  if (flight.robots_for) {
    // RFC 9309 §2.5: the first 500 KiB are parsed, the rest ignored; a larger
    // robots.txt (or a compression bomb) is no failure.
    request.max_body_bytes = RobotsLimits().max_bytes;
    request.keep_prefix = true;
  }
  fetcher_.Start(std::move(request));
  in_flight_.emplace(id, std::move(flight));
}

int64_t Crawler::Impl::PagesInFlight() const {
  return extraction_->Pages() +
         std::count_if(in_flight_.begin(), in_flight_.end(), [](const auto& fetch) {
           return !fetch.second.special() && fetch.second.entry.kind == "page";
         });
}

// When the next thing can happen: a host's slot or pause ending, a robots.txt
// retry, a postponed URL coming due (HostState::due_ms). Only times after
// StartFetches last looked count: a host that was ready then but had nothing due
// would otherwise wake the loop every 1 ms, while one that became ready since
// (even within this millisecond) is looked at again at once. A due URL waiting
// for a busy host is started when a transfer of that host finishes, which ends
// the Poll anyway. The Fetcher cannot be woken by a worker, so while
// extractions are out Poll only naps: a finished page then waits at most
// kExtractionPollMs.
int Crawler::Impl::PollTimeoutMs() {
  const int64_t now = clock_.NowMs();
  int64_t wake = now + (fetcher_.InFlight() > 0 ? 250 : 1000);
  auto consider = [&](int64_t at) {
    if (at > fetches_started_at_ms_) wake = std::min(wake, at);
  };
  for (const auto& [host, state] : hosts_) {
    if (!scheduler_.HostDead(host)) consider(scheduler_.NextStartMs(host));
    if (std::optional<int64_t> retry = robots_.RetryAt(host)) consider(*retry);
    consider(state.due_ms);
  }
  int timeout = static_cast<int>(std::clamp<int64_t>(wake - now, 1, 1000));
  if (extraction_->Running() > 0) timeout = std::min(timeout, kExtractionPollMs);
  return timeout;
}

void Crawler::Impl::Emit(const std::string& event, const std::string& url,
                         const std::string& reason) {
  if (observer_ != nullptr) observer_->OnEvent(CrawlEvent{event, url, reason});
}

Status Crawler::Impl::Fail(int64_t id, const std::string& url, const std::string& reason,
                           int status) {
  Emit("failed", url, reason);
  ++summary_.run_failed;
  ++summary_.run_reasons["failed:" + reason];
  return state_->MarkFailed(id, reason, status, clock_.UnixMs());
}

Status Crawler::Impl::Skip(int64_t id, const std::string& reason) {
  ++summary_.run_skipped;
  ++summary_.run_reasons["skipped:" + reason];
  return state_->MarkSkipped(id, reason);
}

}  // namespace medscrape

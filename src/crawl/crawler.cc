#include "crawl/crawler.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>
#include <cstdio>

#include "crawl/crawler_impl.h"
#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {
namespace {

std::string SchemeOf(const std::string& url) { return url.substr(0, url.find(':')); }

}  // namespace

Crawler::Crawler(CrawlOptions options, Fetcher& fetcher, const Clock& clock,
                 const Registry& registry)
    : impl_(std::make_unique<Impl>(std::move(options), fetcher, clock, registry)) {}
Crawler::~Crawler() = default;

Result<CrawlSummary> Crawler::Run(const std::atomic<bool>& stop) { return impl_->Run(stop); }

Crawler::Impl::Impl(CrawlOptions options, Fetcher& fetcher, const Clock& clock,
                     const Registry& registry)
    : options_(std::move(options)),
      fetcher_(fetcher),
      clock_(clock),
      registry_(registry),
      scheduler_(options_.politeness, clock, static_cast<uint64_t>(clock.UnixMs())) {}

Result<CrawlSummary> Crawler::Impl::Run(const std::atomic<bool>& stop) {
  started_ms_ = clock_.NowMs();
  Status status = Open();
  if (!status.ok()) return status;
  while (true) {
    if (stop.load()) {
      summary_.stopped_early = true;
      break;
    }
    const bool out_of_time = options_.max_time_s > 0 &&
                             clock_.NowMs() - started_ms_ > options_.max_time_s * 1000;
    const bool enough = options_.max_pages > 0 && summary_.records >= options_.max_pages;
    if (!out_of_time && !enough) {
      status = StartFetches();
      if (!status.ok()) return status;
    }
    if (fetcher_.InFlight() == 0) {
      Result<std::optional<int64_t>> next = state_->EarliestPendingTime();
      if (!next.ok()) return next.status();
      if ((!next.value() && sitemap_queue_.empty()) || out_of_time || enough) break;
    }
    if (fetcher_.InFlight() == 0) {
      // Poll returns at once with nothing in flight: wait here for the next
      // host slot or postponed URL instead of spinning.
      std::this_thread::sleep_for(std::chrono::milliseconds(PollTimeoutMs()));
      continue;
    }
    for (const FetchResponse& response : fetcher_.Poll(PollTimeoutMs())) {
      status = Handle(response);
      if (!status.ok()) return status;
    }
    Progress(false);
  }
  Progress(true);
  Result<StateStore::Counts> counts = state_->CountStates();
  if (!counts.ok()) return counts.status();
  summary_.pending = counts.value().pending;
  summary_.done = counts.value().done;
  summary_.failed = counts.value().failed;
  summary_.skipped = counts.value().skipped;
  summary_.by_reason = counts.value().by_reason;
  summary_.seconds = (clock_.NowMs() - started_ms_) / 1000.0;
  status = writer_->Close();
  if (!status.ok()) return status;
  status = WriteStats(summary_);
  if (!status.ok()) return status;
  return summary_;
}

Status Crawler::Impl::Open() {
  for (const std::string& pattern : options_.include) include_.push_back(std::make_unique<RE2>(pattern));
  for (const std::string& pattern : options_.exclude) exclude_.push_back(std::make_unique<RE2>(pattern));
  Result<std::unique_ptr<StateStore>> state = StateStore::Open(options_.state_path, options_.fresh);
  if (!state.ok()) return state.status();
  state_ = std::move(state).value();
  Result<int64_t> offset = state_->OutputOffset();
  if (!offset.ok()) return offset.status();
  writer_ = JsonLinesWriter::ResumeAt(options_.out_path, offset.value());
  if (!writer_->status().ok()) return writer_->status();
  Status status = AddSeeds();
  if (!status.ok()) return status;
  if (options_.recrawl_after_s >= 0) {
    const int64_t older_than = clock_.UnixMs() - static_cast<int64_t>(options_.recrawl_after_s * 1000);
    Result<int> requeued = state_->RequeueStale(older_than);
    if (!requeued.ok()) return requeued.status();
  }
  return Status::Ok();
}

// Seeds set the scope: their hosts are crawled, nothing else. A seed is
// fetched whatever its kind; a seed that is not a page is a hub.
Status Crawler::Impl::AddSeeds() {
  std::vector<NewUrl> seeds;
  for (const std::string& seed : options_.seeds) {
    std::optional<std::string> url = CanonicalizeUrl(seed);
    if (!url) return Status::Error(seed + ": not an absolute http(s) URL");
    const std::string host = HostPortOf(*url);
    HostState& state = Host(host);
    state.scheme = SchemeOf(*url);
    std::optional<std::string> kind = Classify(*url, host);
    seeds.push_back(NewUrl{*url, host, kind.value_or("hub"), 0, 0});
  }
  return state_->AddUrls(seeds).status();
}

HostState& Crawler::Impl::Host(const std::string& host) {
  auto [it, inserted] = hosts_.try_emplace(host);
  if (inserted) {
    const std::string name = host.substr(0, host.rfind(':') == std::string::npos ||
                                                    host.back() == ']'
                                                ? host.size()
                                                : host.rfind(':'));
    it->second.site = options_.site.empty() ? nullptr : registry_.FindSite(options_.site);
    for (const auto& site : registry_.sites()) {
      if (it->second.site == nullptr && site->host_pattern &&
          RE2::FullMatch(name, *site->host_pattern)) {
        it->second.site = site.get();
      }
    }
  }
  return it->second;
}

// "page" (extract a record), "hub" (follow links only), or nullopt (not crawled).
std::optional<std::string> Crawler::Impl::Classify(const std::string& url,
                                                   const std::string& host) {
  const CompiledSite* site = Host(host).site;
  if (site == nullptr) return std::nullopt;
  const std::string path = PathAndQuery(url);
  if (site->PageTypeForPath(path) != nullptr) return "page";
  if (site->IsHubPath(path)) return "hub";
  return std::nullopt;
}

std::set<std::string> Crawler::Impl::BusyHosts() {
  std::set<std::string> busy;
  const int64_t now = clock_.NowMs();
  for (auto& [host, state] : hosts_) {
    const bool robots_waiting =
        state.robots == HostState::Robots::kFetching ||
        (state.robots == HostState::Robots::kRetryLater && now < state.robots_retry_at_ms);
    if (robots_waiting || (!scheduler_.CanStart(host) && !scheduler_.HostDead(host))) {
      busy.insert(host);
    }
  }
  return busy;
}

Status Crawler::Impl::StartFetches() {
  const size_t slots_total = static_cast<size_t>(std::max(1, options_.concurrency));
  StartSitemaps(slots_total);
  while (fetcher_.InFlight() < slots_total) {
    const size_t free = slots_total - fetcher_.InFlight();
    // In-flight URLs are still pending in the store: ask for enough to skip them.
    Result<std::vector<UrlEntry>> pending =
        state_->NextPending(clock_.NowMs(), free + in_flight_ids_.size(), BusyHosts());
    if (!pending.ok()) return pending.status();
    bool progressed = false;
    for (const UrlEntry& entry : pending.value()) {
      if (in_flight_ids_.count(entry.id) > 0) continue;
      if (fetcher_.InFlight() >= slots_total) break;
      // max_pages bounds the records of this run: pages in flight may all make one.
      if (entry.kind == "page" && options_.max_pages > 0 &&
          summary_.records + PagesInFlight() >= options_.max_pages) {
        continue;
      }
      bool started = false;
      Status status = StartEntry(entry, &started);
      if (!status.ok()) return status;
      progressed = progressed || started;
      if (!started) break;  // The host became busy; ask again with a new busy set.
    }
    if (!progressed) return Status::Ok();
  }
  return Status::Ok();
}

// Starts one URL, or settles it (robots, dead host), or waits for its host.
// `started` is true when the URL left the pending set or a fetch began.
Status Crawler::Impl::StartEntry(const UrlEntry& entry, bool* started) {
  if (!InScope(entry.host)) {
    *started = true;
    return state_->MarkSkipped(entry.id, "out_of_scope");
  }
  HostState& host = Host(entry.host);
  if (scheduler_.HostDead(entry.host)) {
    *started = true;
    Log("failed", entry.url, "host_unavailable");
    return state_->MarkFailed(entry.id, "host_unavailable", entry.last_status);
  }
  if (host.robots == HostState::Robots::kUnknown ||
      (host.robots == HostState::Robots::kRetryLater &&
       clock_.NowMs() >= host.robots_retry_at_ms)) {
    if (scheduler_.CanStart(entry.host)) {
      StartRobots(entry.host);
      *started = true;
    }
    return Status::Ok();
  }
  if (host.robots != HostState::Robots::kReady || !scheduler_.CanStart(entry.host)) {
    return Status::Ok();
  }
  *started = true;
  if (!host.rules.Allowed(PathAndQuery(entry.url))) {
    Log("skipped", entry.url, "robots");
    return state_->MarkSkipped(entry.id, "robots");
  }
  InFlight flight;
  flight.entry = entry;
  flight.current_url = entry.url;
  const bool revisit = !entry.content_sha256.empty();
  Fetch(std::move(flight), revisit ? entry.etag : "", revisit ? entry.last_modified : "");
  return Status::Ok();
}

void Crawler::Impl::StartRobots(const std::string& host) {
  HostState& state = Host(host);
  state.robots = HostState::Robots::kFetching;
  InFlight flight;
  flight.robots = true;
  flight.entry.host = host;
  flight.entry.id = -1;
  flight.current_url = state.scheme + "://" + host + "/robots.txt";
  Fetch(std::move(flight), "", "");
}

void Crawler::Impl::Fetch(InFlight flight, const std::string& if_none_match,
                          const std::string& if_modified) {
  const uint64_t id = next_request_id_++;
  flight.started_ms = clock_.NowMs();
  scheduler_.OnStart(flight.entry.host);
  if (!flight.special()) in_flight_ids_.insert(flight.entry.id);
  fetcher_.Start(FetchRequest{id, flight.current_url, if_none_match, if_modified});
  in_flight_.emplace(id, std::move(flight));
}

int64_t Crawler::Impl::PagesInFlight() const {
  return std::count_if(in_flight_.begin(), in_flight_.end(), [](const auto& flight) {
    return !flight.second.special() && flight.second.entry.kind == "page";
  });
}

int Crawler::Impl::PollTimeoutMs() {
  if (fetcher_.InFlight() > 0) return 250;
  // Nothing in flight: sleep until a host or a postponed URL is ready.
  int64_t wake = clock_.NowMs() + 1000;
  for (const auto& [host, state] : hosts_) {
    if (!scheduler_.HostDead(host)) wake = std::min(wake, scheduler_.ReadyAtMs(host));
    if (state.robots == HostState::Robots::kRetryLater) {
      wake = std::min(wake, state.robots_retry_at_ms);
    }
  }
  Result<std::optional<int64_t>> next = state_->EarliestPendingTime();
  if (next.ok() && next.value()) wake = std::min(wake, *next.value());
  return static_cast<int>(std::clamp<int64_t>(wake - clock_.NowMs(), 1, 1000));
}

void Crawler::Impl::Progress(bool final_line) {
  if (!options_.progress) return;
  const int64_t now = clock_.NowMs();
  if (!final_line && now - last_progress_ms_ < 500) return;
  last_progress_ms_ = now;
  const double seconds = std::max(0.001, (now - started_ms_) / 1000.0);
  std::fprintf(stderr, "\r\033[Kmedscrape: %lld fetched, %lld records, %zu in flight, %.1f pages/s, %zu hosts%s",
               static_cast<long long>(summary_.fetched), static_cast<long long>(summary_.records),
               fetcher_.InFlight(), summary_.fetched / seconds, hosts_.size(),
               final_line ? "\n" : "");
}

void Crawler::Impl::Log(const std::string& event, const std::string& url,
                        const std::string& detail) {
  if (options_.log_json) {
    const Json line = {{"event", event}, {"url", url}, {"reason", detail}};
    std::fprintf(stderr, "%s\n", line.dump(-1, ' ', false, Json::error_handler_t::replace).c_str());
  } else if (event == "failed") {
    if (options_.progress) std::fputs("\r\033[K", stderr);
    std::fprintf(stderr, "medscrape: %s: %s: %s\n", event.c_str(), url.c_str(), detail.c_str());
  }
}

}  // namespace medscrape

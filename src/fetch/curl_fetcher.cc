// The libcurl Fetcher: one multi handle driven by curl_multi_perform and
// curl_multi_poll, transfers keyed by their easy handle, finished easy handles
// kept in a pool for the next requests. A request first waits for its host's
// addresses from the Resolver (resolver.h), whose lookup threads wake the poll
// when an answer comes; only then does its transfer reach the multi handle.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fetch/address_policy.h"
#include "fetch/curl_transfer.h"
#include "fetch/fetcher.h"
#include "fetch/host_lookup.h"
#include "fetch/resolver.h"

namespace medscrape {
namespace {

using Clock = std::chrono::steady_clock;

// curl_global_init is not thread-safe before libcurl 7.84 and must run once:
// a function-local static gives both.
bool InitCurlOnce() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

struct MultiDeleter {
  void operator()(CURLM* multi) const { curl_multi_cleanup(multi); }
};

// The proxy resolves the origin and libcurl the proxy, so a fetcher with a
// proxy leaves names to them. libcurl reads the same variables (no_proxy
// exceptions are resolved by libcurl too).
bool UsesProxy(const FetchOptions& options) {
  if (!options.proxy.empty()) return true;
  for (const char* name :
       {"http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) {
    const char* value = std::getenv(name);
    if (value != nullptr && value[0] != '\0') return true;
  }
  return false;
}

ResolverOptions DnsOptions(const FetchOptions& options) {
  constexpr long kCurlDefaultConnectTimeoutMs = 300000;  // What libcurl uses for 0.
  ResolverOptions dns;
  dns.timeout_ms =
      options.connect_timeout_ms > 0 ? options.connect_timeout_ms : kCurlDefaultConnectTimeoutMs;
  return dns;
}

long MsSince(Clock::time_point start) {
  return static_cast<long>(
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count());
}

class CurlFetcher : public Fetcher {
 public:
  explicit CurlFetcher(const FetchOptions& options);
  ~CurlFetcher() override;

  void Start(FetchRequest request) override;
  std::vector<FetchResponse> Poll(int timeout_ms) override;
  size_t InFlight() const override { return active_.size() + resolving_.size() + ready_.size(); }

 private:
  // A request waiting for its host's addresses.
  struct Resolving {
    std::unique_ptr<CurlTransfer> transfer;
    std::string host;
    long port = 0;
    Clock::time_point since;
  };

  Status ConfigureMulti();
  void StartTransfer(std::unique_ptr<CurlTransfer> transfer, std::vector<FetchResponse>* failed);
  Status Launch(CurlTransfer* transfer);
  void StartResolved(std::vector<FetchResponse>* finished);
  bool Perform(std::vector<FetchResponse>* finished);
  bool Wait(long left_ms, std::vector<FetchResponse>* finished);
  EasyHandle TakeIdleHandle();
  void Recycle(EasyHandle easy);
  void CollectFinished(std::vector<FetchResponse>* finished);
  void FailAllActive(const std::string& text, std::vector<FetchResponse>* finished);

  const FetchOptions options_;
  // Declared before the transfers so it is destroyed after them: the multi
  // handle must outlive every easy handle added to it.
  std::unique_ptr<CURLM, MultiDeleter> multi_;
  Status multi_status_;
  std::unordered_map<CURL*, std::unique_ptr<CurlTransfer>> active_;
  std::vector<EasyHandle> idle_;      // Reset handles ready for reuse.
  std::vector<FetchResponse> ready_;  // Failed before reaching libcurl; returned by Poll().
  // Null when a proxy resolves names (UsesProxy). Declared after multi_, so it
  // is destroyed first: its threads stop calling curl_multi_wakeup before the
  // multi handle goes.
  std::unique_ptr<Resolver> resolver_;
  std::unordered_map<uint64_t, Resolving> resolving_;  // By resolver ticket.
  uint64_t next_ticket_ = 0;
};

CurlFetcher::CurlFetcher(const FetchOptions& options) : options_(options) {
  multi_status_ = ConfigureMulti();
  if (multi_status_.ok() && !UsesProxy(options_)) {
    resolver_ = std::make_unique<Resolver>(DnsOptions(options_));
    resolver_->SetWakeup([multi = multi_.get()] { curl_multi_wakeup(multi); });
  }
}

CurlFetcher::~CurlFetcher() {
  resolver_.reset();  // Returns at once, whatever its lookups are doing.
  for (auto& [easy, transfer] : active_) curl_multi_remove_handle(multi_.get(), easy);
  active_.clear();
  idle_.clear();
}

Status CurlFetcher::ConfigureMulti() {
  if (options_.user_agent.empty()) return Status::Error("FetchOptions::user_agent is required");
  if (!InitCurlOnce()) return Status::Error("curl_global_init failed");
  multi_.reset(curl_multi_init());
  if (multi_ == nullptr) return Status::Error("curl_multi_init failed");
  CURLM* multi = multi_.get();
  const CURLMcode codes[] = {
      curl_multi_setopt(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, options_.max_connections),
      curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, options_.max_connections),
      // Per-host limits are the scheduler's job: with HTTP/2 multiplexing a
      // connection limit is no request limit (docs/reliability.md, "Dependency facts").
      curl_multi_setopt(multi, CURLMOPT_MAX_HOST_CONNECTIONS, 0L),
      curl_multi_setopt(multi, CURLMOPT_PIPELINING, static_cast<long>(CURLPIPE_MULTIPLEX)),
  };
  for (CURLMcode code : codes) {
    if (code != CURLM_OK) {
      return Status::Error(std::string("curl_multi_setopt: ") + curl_multi_strerror(code));
    }
  }
  return Status::Ok();
}

// IP literals need no lookup; a host name waits in resolving_ for its answer.
void CurlFetcher::Start(FetchRequest request) {
  auto transfer = std::make_unique<CurlTransfer>(std::move(request), options_);
  if (Status status = transfer->ParseUrl(); !status.ok()) {
    ready_.push_back(transfer->Fail(FetchError::kBadUrl, status.message()));
    return;
  }
  Resolving resolving;
  if (!transfer->HostAndPort(&resolving.host, &resolving.port)) {
    ready_.push_back(transfer->Fail(FetchError::kBadUrl, "bad URL: no host"));
    return;
  }
  // Judged before any lookup or connection, so it holds when a proxy resolves names.
  if (const std::string refused = RefusedHost(resolving.host, options_.allow_private);
      !refused.empty()) {
    ready_.push_back(transfer->Fail(FetchError::kBlockedAddress,
                                    "refused host " + resolving.host + ": " + refused));
    return;
  }
  if (resolver_ != nullptr && !IsIpLiteral(resolving.host)) {
    const uint64_t ticket = next_ticket_++;
    resolver_->Resolve(ticket, resolving.host);
    resolving.transfer = std::move(transfer);
    resolving.since = Clock::now();
    resolving_.emplace(ticket, std::move(resolving));
    return;
  }
  StartTransfer(std::move(transfer), &ready_);
}

void CurlFetcher::StartTransfer(std::unique_ptr<CurlTransfer> transfer,
                                std::vector<FetchResponse>* failed) {
  if (Status status = Launch(transfer.get()); !status.ok()) {
    failed->push_back(transfer->Fail(FetchError::kOther, status.message()));
    if (transfer->easy() != nullptr) Recycle(transfer->TakeEasy());
    return;
  }
  CURL* easy = transfer->easy();
  active_.emplace(easy, std::move(transfer));
}

Status CurlFetcher::Launch(CurlTransfer* transfer) {
  if (!multi_status_.ok()) return multi_status_;
  EasyHandle easy = TakeIdleHandle();
  if (easy == nullptr) return Status::Error("curl_easy_init failed");
  if (Status status = transfer->Configure(std::move(easy)); !status.ok()) return status;
  // Adding does no I/O: the transfer begins in the next Poll().
  const CURLMcode code = curl_multi_add_handle(multi_.get(), transfer->easy());
  if (code != CURLM_OK) {
    return Status::Error(std::string("curl_multi_add_handle: ") + curl_multi_strerror(code));
  }
  return Status::Ok();
}

EasyHandle CurlFetcher::TakeIdleHandle() {
  if (idle_.empty()) return EasyHandle(curl_easy_init());
  EasyHandle easy = std::move(idle_.back());
  idle_.pop_back();
  return easy;
}

// Reset on the way in, so an idle handle holds no pointer into a destroyed
// transfer; at most max_connections handles are kept.
void CurlFetcher::Recycle(EasyHandle easy) {
  curl_easy_reset(easy.get());
  if (idle_.size() < static_cast<size_t>(std::max(1L, options_.max_connections))) {
    idle_.push_back(std::move(easy));
  }
}

std::vector<FetchResponse> CurlFetcher::Poll(int timeout_ms) {
  std::vector<FetchResponse> finished = std::move(ready_);
  ready_.clear();
  const Clock::time_point deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  while (!active_.empty() || !resolving_.empty()) {
    StartResolved(&finished);
    if (!active_.empty() && !Perform(&finished)) break;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (!finished.empty() || InFlight() == 0 || left <= 0) break;
    if (!Wait(static_cast<long>(left), &finished)) break;
  }
  return finished;
}

// Answered requests go to libcurl with their addresses pinned; failed and
// timed-out lookups finish here, without a transfer.
void CurlFetcher::StartResolved(std::vector<FetchResponse>* finished) {
  if (resolver_ == nullptr) return;
  for (Resolver::Answer& answer : resolver_->TakeAnswers()) {
    auto found = resolving_.find(answer.ticket);
    if (found == resolving_.end()) continue;
    Resolving resolving = std::move(found->second);
    resolving_.erase(found);
    const long waited_ms = MsSince(resolving.since);
    const HostAddresses& result = answer.result;
    if (result.error != FetchError::kNone) {
      FetchResponse response = resolving.transfer->Fail(result.error, result.error_text);
      response.seconds = waited_ms / 1e3;
      finished->push_back(std::move(response));
      continue;
    }
    resolving.transfer->PinAddresses(ResolveEntry(resolving.host, resolving.port, result.addresses),
                                     waited_ms);
    StartTransfer(std::move(resolving.transfer), finished);
  }
}

bool CurlFetcher::Perform(std::vector<FetchResponse>* finished) {
  int running = 0;
  const CURLMcode performed = curl_multi_perform(multi_.get(), &running);
  if (performed != CURLM_OK) {
    FailAllActive(std::string("curl_multi_perform: ") + curl_multi_strerror(performed), finished);
    return false;
  }
  CollectFinished(finished);
  return true;
}

// Sleeps until a socket is ready, libcurl's next timer is due, a lookup
// thread wakes the poll with an answer, or the earliest lookup times out,
// whichever comes first, so every timeout fires on time.
bool CurlFetcher::Wait(long left_ms, std::vector<FetchResponse>* finished) {
  long wait_ms = left_ms;
  if (!resolving_.empty()) {
    const long dns_ms = resolver_->MsUntilTimeout();
    if (dns_ms >= 0) wait_ms = std::min(wait_ms, dns_ms);
  }
  const CURLMcode polled =
      curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(wait_ms), nullptr);
  if (polled != CURLM_OK) {
    FailAllActive(std::string("curl_multi_poll: ") + curl_multi_strerror(polled), finished);
    return false;
  }
  return true;
}

void CurlFetcher::CollectFinished(std::vector<FetchResponse>* finished) {
  int queued = 0;
  while (CURLMsg* message = curl_multi_info_read(multi_.get(), &queued)) {
    if (message->msg != CURLMSG_DONE) continue;
    // `message` dies with curl_multi_remove_handle: copy what is needed first.
    CURL* easy = message->easy_handle;
    const CURLcode result = message->data.result;
    auto found = active_.find(easy);
    if (found == active_.end()) continue;
    finished->push_back(found->second->Finish(result));
    curl_multi_remove_handle(multi_.get(), easy);
    Recycle(found->second->TakeEasy());
    active_.erase(found);
  }
}

// Only reached if the multi handle itself fails (out of memory, a broken
// wakeup pipe): every transfer still gets its one response.
void CurlFetcher::FailAllActive(const std::string& text, std::vector<FetchResponse>* finished) {
  for (auto& [easy, transfer] : active_) {
    finished->push_back(transfer->Fail(FetchError::kOther, text));
    curl_multi_remove_handle(multi_.get(), easy);
  }
  active_.clear();
}

}  // namespace

std::unique_ptr<Fetcher> MakeCurlFetcher(const FetchOptions& options) {
  return std::make_unique<CurlFetcher>(options);
}

}  // namespace medscrape

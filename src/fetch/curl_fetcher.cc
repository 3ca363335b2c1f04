// The libcurl Fetcher: one multi handle driven by curl_multi_perform and
// curl_multi_poll, transfers keyed by their easy handle, finished easy handles
// kept in a pool for the next requests.
#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fetch/curl_transfer.h"
#include "fetch/fetcher.h"

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

class CurlFetcher : public Fetcher {
 public:
  explicit CurlFetcher(const FetchOptions& options);
  ~CurlFetcher() override;

  void Start(FetchRequest request) override;
  std::vector<FetchResponse> Poll(int timeout_ms) override;
  size_t InFlight() const override { return active_.size() + ready_.size(); }

 private:
  Status ConfigureMulti();
  Status Launch(CurlTransfer* transfer);
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
};

CurlFetcher::CurlFetcher(const FetchOptions& options) : options_(options) {
  multi_status_ = ConfigureMulti();
}

CurlFetcher::~CurlFetcher() {
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
      // connection limit is no request limit (RELIABILITY.md).
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

void CurlFetcher::Start(FetchRequest request) {
  auto transfer = std::make_unique<CurlTransfer>(std::move(request), options_);
  if (Status status = transfer->ParseUrl(); !status.ok()) {
    ready_.push_back(transfer->Fail(FetchError::kBadUrl, status.message()));
    return;
  }
  if (Status status = Launch(transfer.get()); !status.ok()) {
    ready_.push_back(transfer->Fail(FetchError::kOther, status.message()));
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
  while (!active_.empty()) {
    int running = 0;
    const CURLMcode performed = curl_multi_perform(multi_.get(), &running);
    if (performed != CURLM_OK) {
      FailAllActive(std::string("curl_multi_perform: ") + curl_multi_strerror(performed),
                    &finished);
      break;
    }
    CollectFinished(&finished);
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (!finished.empty() || active_.empty() || left <= 0) break;
    // Sleeps until a socket is ready or libcurl's next timer is due, whichever
    // comes first, so timeouts fire on time.
    const CURLMcode polled =
        curl_multi_poll(multi_.get(), nullptr, 0, static_cast<int>(left), nullptr);
    if (polled != CURLM_OK) {
      FailAllActive(std::string("curl_multi_poll: ") + curl_multi_strerror(polled), &finished);
      break;
    }
  }
  return finished;
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

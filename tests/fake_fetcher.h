// A Fetcher double for the crawl engine's tests and benchmarks: scripted
// replies on a FakeClock, no sockets, no real waiting. Header-only, no test
// framework, so bench/ can use it too.
#ifndef MEDSCRAPE_TESTS_FAKE_FETCHER_H_
#define MEDSCRAPE_TESTS_FAKE_FETCHER_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "crawl/clock.h"
#include "fetch/fetcher.h"

namespace medscrape {
namespace testing {

// A scripted Fetcher on a FakeClock: each request is answered by `handler`
// (called at Start) after the reply's `after_ms` of fake time. Poll returns the
// replies due and, when none is, moves the clock to the next one (at most
// timeout_ms), so the engine runs without sockets or real waiting. Counts its
// Poll calls: with FakeClock::sleeps() that is every time the engine woke.
class FakeFetcher final : public Fetcher {
 public:
  struct Reply {
    FetchResponse response;  // id and url are filled in.
    int64_t after_ms = 0;
  };
  using Handler = std::function<Reply(const FetchRequest&)>;
  struct Seen {
    FetchRequest request;
    int64_t at_ms;  // FakeClock::NowMs() at Start.
  };

  FakeFetcher(FakeClock& clock, Handler handler) : clock_(clock), handler_(std::move(handler)) {}

  void Start(FetchRequest request) override {
    seen_.push_back(Seen{request, clock_.NowMs()});
    Reply reply = handler_(request);
    reply.response.id = request.id;
    reply.response.url = request.url;
    // The transfer took its fake time, as the real fetcher reports it (AutoThrottle).
    if (reply.response.seconds == 0) reply.response.seconds = reply.after_ms / 1000.0;
    queue_.emplace(clock_.NowMs() + reply.after_ms, std::move(reply.response));
  }
  std::vector<FetchResponse> Poll(int timeout_ms) override {
    ++polls_;
    std::vector<FetchResponse> done;
    if (queue_.empty()) return done;
    const int64_t wait = queue_.begin()->first - clock_.NowMs();
    if (wait > 0) clock_.AdvanceMs(std::min<int64_t>(wait, timeout_ms));
    while (!queue_.empty() && queue_.begin()->first <= clock_.NowMs()) {
      done.push_back(std::move(queue_.begin()->second));
      queue_.erase(queue_.begin());
    }
    return done;
  }
  size_t InFlight() const override { return queue_.size(); }

  const std::vector<Seen>& seen() const { return seen_; }
  int64_t polls() const { return polls_; }

 private:
  FakeClock& clock_;
  Handler handler_;
  std::multimap<int64_t, FetchResponse> queue_;  // By due time, then start order.
  std::vector<Seen> seen_;
  int64_t polls_ = 0;
};

inline FetchResponse HttpReply(int status, std::string body = "",
                               std::string content_type = "text/html; charset=utf-8") {
  FetchResponse response;
  response.status = status;
  response.body = std::move(body);
  response.content_type = std::move(content_type);
  response.retryable = IsRetryable(FetchError::kNone, status);
  return response;
}

}  // namespace testing
}  // namespace medscrape

#endif  // MEDSCRAPE_TESTS_FAKE_FETCHER_H_

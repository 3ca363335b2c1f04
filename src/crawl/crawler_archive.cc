// The crawl engine's WARC archive (--warc): which record each exchange becomes, and when it
// is written. Robots.txt, sitemaps, redirects, errors, 304s and skipped bodies are built
// and written on the engine's thread as they arrive; a page's records are built on its
// extraction worker (the payload hashed and compressed there) and written by Settle, just
// before the page's transition, so the record and the URL's state commit together.
#include "crawl/crawler_impl.h"
#include "crawl/response_rules.h"

namespace medscrape {
namespace {

WarcExchange ExchangeFor(const InFlight& flight, const FetchResponse& response,
                         const std::string& date) {
  WarcExchange exchange;
  exchange.target_uri = flight.current_url;
  exchange.date = date;
  exchange.ip = response.primary_ip;
  // What the crawl made of the URL: `extract` skips a list page's response, as the crawl
  // wrote no record for it.
  if (!flight.special()) exchange.extra = {{"Medscrape-Kind", flight.entry.kind}};
  if (flight.entry.archived_at_ms > 0 && !flight.special()) {
    exchange.refers_to_uri = flight.entry.url;
    exchange.refers_to_date = IsoUtc(flight.entry.archived_at_ms);
  }
  return exchange;
}

}  // namespace

Status Crawler::Impl::OpenArchive() {
  if (options_.archive.name.empty()) return Status::Ok();
  std::vector<std::string> warnings;
  Result<std::unique_ptr<CrawlArchive>> archive =
      CrawlArchive::Open(options_.archive, *state_, &warnings);
  for (const std::string& warning : warnings) Emit("warning", options_.archive.name, warning);
  if (!archive.ok()) return archive.status();
  archive_ = std::move(archive).value();
  return Status::Ok();
}

Status Crawler::Impl::ArchiveExchange(const InFlight& flight, const FetchResponse& response,
                                      WarcExchange::Kind kind) {
  if (archive_ == nullptr || response.capture == nullptr) return Status::Ok();
  const std::string date = IsoUtc(clock_.UnixMs());
  WarcExchange exchange = ExchangeFor(flight, response, date);
  exchange.kind = kind;
  std::string dechunked;
  const std::string_view payload = kind == WarcExchange::Kind::kNotModified
                                       ? std::string_view()
                                       : WirePayload(*response.capture, &dechunked);
  const BuiltExchange built = BuildExchange(exchange, *response.capture, payload);
  return archive_->Write(built.bytes, date, built.index);
}

void Crawler::Impl::ArchiveOnWorker(const InFlight& flight, FetchResponse& response, int64_t now,
                                    ExtractTask* task) {
  if (archive_ == nullptr || response.capture == nullptr) return;
  task->exchange = ExchangeFor(flight, response, IsoUtc(now));
  task->archived_payload_digest = flight.entry.payload_digest;
  task->capture = std::move(response.capture);
}

// Written before the transition Settle makes; a whole response becomes the URL's
// reference for later revisits.
Status Crawler::Impl::ArchivePage(StagedPage& page, const ExtractOutcome& outcome) {
  if (archive_ == nullptr || outcome.warc.empty()) return Status::Ok();
  if (!outcome.archived_payload_digest.empty()) {
    page.info.payload_digest = outcome.archived_payload_digest;
    page.info.archived_at_ms = page.info.fetched_at_ms;
  }
  return archive_->Write(outcome.warc, IsoUtc(page.info.fetched_at_ms), outcome.warc_index);
}

// The staged ends committed, then the CDXJ indexes brought up to date.
Status Crawler::Impl::FinishArchive() {
  if (archive_ == nullptr) return Status::Ok();
  std::vector<std::string> warnings;
  Result<int> indexed = archive_->Finish(&warnings);
  for (const std::string& warning : warnings) Emit("warning", options_.archive.name, warning);
  return indexed.status();
}

}  // namespace medscrape

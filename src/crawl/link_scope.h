// Which links a crawl follows, and why the others are dropped: the frontier's
// filter. A canonical URL is a page (a site file's page type: fetched and
// extracted), a hub (followed for its links, not extracted) or dropped with a
// reason. Hubs come from the site files' `follow` patterns, from --follow, and
// from the seeds: a seed that is no page type is a hub, and so is every link of
// its host whose path and query have the seed's shape (the same text, its
// numbers free: /jingxuan/list_1.shtml -> /jingxuan/list_7.shtml, ?page=2 ->
// ?page=3), so seeding with the first page of a list crawls the whole list.
// `medscrape route` prints these verdicts; the crawl counts its drops by reason.
//
// Thread-safety: none (a per-host cache); one engine thread owns a LinkScope.
#ifndef MEDSCRAPE_CRAWL_LINK_SCOPE_H_
#define MEDSCRAPE_CRAWL_LINK_SCOPE_H_

#include <re2/re2.h>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "base/status.h"
#include "crawl/fingerprint_table.h"
#include "extract/registry.h"

namespace medscrape {

struct LinkScopeOptions {
  std::string site;                  // --site: every host is this site; "" = by host.
  std::vector<std::string> follow;   // --follow: more hub patterns (RE2, from the path's start).
  std::vector<std::string> seeds;    // Canonical seed URLs; non-page ones give their shape.
  std::vector<std::string> include;  // RE2 over the URL: when given, a link must match one.
  std::vector<std::string> exclude;  // RE2 over the URL: a link matching one is dropped.
  int max_depth = -1;                // Links of pages deeper than this are dropped; -1 = no limit.
  int64_t max_urls_per_host = 100000;  // Distinct links admitted per host and run (a trap budget).
};

struct LinkVerdict {
  enum class Kind { kPage, kHub, kDropped };
  Kind kind = Kind::kDropped;
  const CompiledSite* site = nullptr;           // The host's site, if a site file covers it.
  const CompiledPageType* page_type = nullptr;  // kPage.
  // kHub: the rule that made it one ("mfk.com follow '/ask/'", "--follow '/list/'", "the
  // shape of seed /list_1.shtml"). kDropped: why, in words.
  std::string why;
  // kDropped: the stats key: no_rule, no_site, not_http, excluded, out_of_scope,
  // over_budget, too_deep.
  std::string reason;
  // Admit only. kPage/kHub: `known` when this run admitted the URL before (the store has
  // it: nothing to add), else the URL's host:port. A verdict from Admit's memory carries
  // kind, reason and known, no site, page type or words.
  bool known = false;
  std::string host;
};

class LinkScope {
 public:
  // Fails naming the first pattern that does not compile, or an unknown --site.
  static Result<std::unique_ptr<LinkScope>> Create(const Registry& registry,
                                                   LinkScopeOptions options);

  // One more seed (canonical), as if it had been among LinkScopeOptions::seeds: its host
  // joins the scope (a shared job's seed that another worker brought later).
  void AddSeed(const std::string& seed);

  // The site whose host pattern matches `host` (a host or host:port), or --site's; null if none.
  const CompiledSite* SiteOf(const std::string& host);
  // What the rules make of a URL: page, hub, or dropped (no_site, no_rule, not_http).
  // `explain` false leaves LinkVerdict::why empty (the crawl's hot path needs no words).
  LinkVerdict Classify(const std::string& url, bool explain = true);
  // Classify, then the run's limits, counting every drop in dropped(): a link of a
  // page at `depth` (the page's own). Only links on a seed's host are in scope.
  // Admit remembers its verdicts (FingerprintTable): every URL admitted this run, so one
  // seen again is `known` and costs no budget, and up to kRememberedDrops URLs dropped for
  // a reason their text alone decides (no_site, no_rule, not_http, excluded,
  // out_of_scope), dropped again at the cost of a hash.
  LinkVerdict Admit(std::string_view url, int depth);

  // Links dropped by Admit this run, by reason (only reasons that happened).
  std::map<std::string, int64_t> dropped() const;
  // Bytes of Admit's memory (the fingerprints of admitted and remembered dropped URLs).
  size_t MemoryBytes() const { return memo_.MemoryBytes(); }

  static constexpr size_t kRememberedDrops = size_t{1} << 18;  // At most ~4 MB of them.

 private:
  struct Shape {
    std::string host;  // host:port of the seed.
    std::string seed_path;
    std::unique_ptr<RE2> pattern;  // The seed's path and query, digit runs free.
  };
  LinkScope(const Registry& registry, LinkScopeOptions options)
      : registry_(registry), options_(std::move(options)) {}
  // The reasons of drops, each with the tag Admit's memory keeps it under (tags 1 and 2
  // are admitted pages and hubs).
  enum Reason {
    kNoSite,
    kNoRule,
    kNotHttp,
    kExcluded,
    kOutOfScope,
    kOverBudget,
    kTooDeep,
    kReasons
  };
  static constexpr int kAdmittedPage = 1, kAdmittedHub = 2, kFirstDropTag = 3;
  static const char* const kReasonNames[kReasons];

  LinkVerdict Drop(std::string reason, std::string why);
  LinkVerdict Dropped(Reason reason);  // Counted, with no words.
  LinkVerdict Classify(const std::string& url, const std::string& host, bool explain);
  LinkVerdict Recall(int tag);

  const Registry& registry_;
  const LinkScopeOptions options_;
  const CompiledSite* forced_site_ = nullptr;
  std::vector<std::unique_ptr<RE2>> follow_, include_, exclude_;
  std::vector<Shape> shapes_;
  std::unordered_map<std::string, const CompiledSite*> sites_;  // host -> site (cache)
  std::unordered_set<std::string> scope_hosts_;                 // The seeds' host:ports.
  // URLs admitted this run (tags 1, 2) and remembered drops (kFirstDropTag + Reason).
  FingerprintTable memo_;
  size_t remembered_drops_ = 0;
  std::unordered_map<std::string, int64_t> admitted_per_host_;  // New URLs per host.
  int64_t dropped_[kReasons] = {};
};

// A seed's shape: its path and query as an RE2 matching the same text with any
// number where the seed has a number ("/list_1.shtml" -> "/list_\d+\.shtml").
std::string ShapePattern(const std::string& path_and_query);

}  // namespace medscrape

#endif  // MEDSCRAPE_CRAWL_LINK_SCOPE_H_

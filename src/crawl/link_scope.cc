#include "crawl/link_scope.h"

#include <algorithm>
#include <cctype>
#include <functional>

#include "url/canonical.h"
#include "url/url.h"

namespace medscrape {
namespace {

Status CompileAll(const char* option, const std::vector<std::string>& patterns,
                  std::vector<std::unique_ptr<RE2>>* out) {
  for (const std::string& pattern : patterns) {
    out->push_back(std::make_unique<RE2>(pattern, RE2::Quiet));
    if (!out->back()->ok()) {
      return Status::Error(std::string(option) + " '" + pattern + "': " + out->back()->error());
    }
  }
  return Status::Ok();
}

bool MatchesFromStart(const RE2& pattern, const std::string& text) {
  return pattern.Match(text, 0, text.size(), RE2::ANCHOR_START, nullptr, 0);
}

bool MatchesAnywhere(const std::vector<std::unique_ptr<RE2>>& patterns, const std::string& url) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const auto& re) { return RE2::PartialMatch(url, *re); });
}

std::string HostName(const std::string& host_port) {
  if (!host_port.empty() && host_port.front() == '[') {
    return host_port.substr(0, host_port.find(']') + 1);
  }
  return host_port.substr(0, host_port.rfind(':'));
}

}  // namespace

const char* const LinkScope::kReasonNames[kReasons] = {
    "no_site", "no_rule", "not_http", "excluded", "out_of_scope", "over_budget", "too_deep"};

std::string ShapePattern(const std::string& path_and_query) {
  std::string pattern;
  for (size_t i = 0; i < path_and_query.size();) {
    if (std::isdigit(static_cast<unsigned char>(path_and_query[i]))) {
      while (i < path_and_query.size() &&
             std::isdigit(static_cast<unsigned char>(path_and_query[i]))) {
        ++i;
      }
      pattern += "\\d+";
      continue;
    }
    size_t run = i;
    while (run < path_and_query.size() &&
           !std::isdigit(static_cast<unsigned char>(path_and_query[run]))) {
      ++run;
    }
    pattern += RE2::QuoteMeta(path_and_query.substr(i, run - i));
    i = run;
  }
  return pattern;
}

Result<std::unique_ptr<LinkScope>> LinkScope::Create(const Registry& registry,
                                                     LinkScopeOptions options) {
  std::unique_ptr<LinkScope> scope(new LinkScope(registry, std::move(options)));
  const LinkScopeOptions& o = scope->options_;
  if (!o.site.empty()) {
    scope->forced_site_ = registry.FindSite(o.site);
    if (scope->forced_site_ == nullptr) {
      return Status::Error("unknown site '" + o.site + "' (see 'medscrape sites')");
    }
  }
  Status status = CompileAll("--follow", o.follow, &scope->follow_);
  if (status.ok()) status = CompileAll("--include", o.include, &scope->include_);
  if (status.ok()) status = CompileAll("--exclude", o.exclude, &scope->exclude_);
  if (!status.ok()) return status;
  for (const std::string& seed : o.seeds) scope->AddSeed(seed);
  return scope;
}

void LinkScope::AddSeed(const std::string& seed) {
  scope_hosts_.insert(HostPortOf(seed));
  const bool page = Classify(seed).kind == LinkVerdict::Kind::kPage;
  memo_.Insert(FingerprintOf(seed), page ? kAdmittedPage : kAdmittedHub);
  if (page) return;
  Shape shape;
  shape.host = HostPortOf(seed);
  shape.seed_path = PathAndQuery(seed);
  shape.pattern = std::make_unique<RE2>(ShapePattern(shape.seed_path), RE2::Quiet);
  if (!shape.pattern->ok()) return;  // Cannot happen: every piece is quoted.
  shapes_.push_back(std::move(shape));
}

const CompiledSite* LinkScope::SiteOf(const std::string& host) {
  if (forced_site_ != nullptr) return forced_site_;
  auto [it, inserted] = sites_.try_emplace(host, nullptr);
  if (inserted) {
    const std::string name = HostName(host);
    for (const auto& site : registry_.sites()) {
      if (site->host_pattern && RE2::FullMatch(name, *site->host_pattern)) {
        it->second = site.get();
        break;
      }
    }
  }
  return it->second;
}

LinkVerdict LinkScope::Drop(std::string reason, std::string why) {
  LinkVerdict verdict;
  verdict.reason = std::move(reason);
  verdict.why = std::move(why);
  return verdict;
}

LinkVerdict LinkScope::Dropped(Reason reason) {
  ++dropped_[reason];
  return Drop(kReasonNames[reason], "");
}

LinkVerdict LinkScope::Classify(const std::string& url, bool explain) {
  return Classify(url, HostPortOf(url), explain);
}

LinkVerdict LinkScope::Classify(const std::string& url, const std::string& host, bool explain) {
  if (host.empty()) return Drop("not_http", explain ? "not an absolute http(s) URL" : "");
  const std::string path = PathAndQuery(url);
  LinkVerdict verdict;
  verdict.site = SiteOf(host);
  if (verdict.site != nullptr) {
    verdict.page_type = verdict.site->PageTypeForPath(path);
    if (verdict.page_type != nullptr) {
      verdict.kind = LinkVerdict::Kind::kPage;
      return verdict;
    }
    if (const std::string* hub = verdict.site->MatchingHubPath(path)) {
      verdict.kind = LinkVerdict::Kind::kHub;
      if (explain) verdict.why = verdict.site->spec->name + " follow '" + *hub + "'";
      return verdict;
    }
  }
  for (size_t i = 0; i < follow_.size(); ++i) {
    if (MatchesFromStart(*follow_[i], path)) {
      verdict.kind = LinkVerdict::Kind::kHub;
      if (explain) verdict.why = "--follow '" + options_.follow[i] + "'";
      return verdict;
    }
  }
  for (const Shape& shape : shapes_) {
    if (shape.host == host && RE2::FullMatch(path, *shape.pattern)) {
      verdict.kind = LinkVerdict::Kind::kHub;
      if (explain) verdict.why = "the shape of seed " + shape.seed_path;
      return verdict;
    }
  }
  if (verdict.site == nullptr) {
    return Drop("no_site", explain ? "no site file covers " + HostName(host) : "");
  }
  LinkVerdict dropped = Drop("no_rule", explain ? "no page type or follow rule of " +
                                                      verdict.site->spec->name + " matches " + path
                                                : "");
  dropped.site = verdict.site;
  return dropped;
}

LinkVerdict LinkScope::Recall(int tag) {
  if (tag >= kFirstDropTag) return Dropped(static_cast<Reason>(tag - kFirstDropTag));
  LinkVerdict verdict;
  verdict.kind = tag == kAdmittedPage ? LinkVerdict::Kind::kPage : LinkVerdict::Kind::kHub;
  verdict.known = true;
  return verdict;
}

LinkVerdict LinkScope::Admit(std::string_view link, int depth) {
  if (options_.max_depth >= 0 && depth + 1 > options_.max_depth) return Dropped(kTooDeep);
  const uint64_t fingerprint = FingerprintOf(link);
  if (const int tag = memo_.Find(fingerprint); tag != 0) return Recall(tag);
  // A link not judged before: only these cost allocations.
  const std::string url(link);
  std::string host = HostPortOf(url);
  Reason reason = kReasons;  // None yet.
  LinkVerdict verdict;
  if (scope_hosts_.count(host) == 0) {
    reason = kOutOfScope;
  } else {
    verdict = Classify(url, host, false);
    if (verdict.kind == LinkVerdict::Kind::kDropped) {
      reason = verdict.reason == kReasonNames[kNoSite]    ? kNoSite
               : verdict.reason == kReasonNames[kNotHttp] ? kNotHttp
                                                          : kNoRule;
    } else if (!include_.empty() && !MatchesAnywhere(include_, url)) {
      reason = kExcluded;
    } else if (MatchesAnywhere(exclude_, url)) {
      reason = kExcluded;
    } else {
      int64_t& admitted = admitted_per_host_[host];
      if (admitted >= options_.max_urls_per_host) return Dropped(kOverBudget);  // It may shrink.
      ++admitted;
      const bool page = verdict.kind == LinkVerdict::Kind::kPage;
      memo_.Insert(fingerprint, page ? kAdmittedPage : kAdmittedHub);
      verdict.host = std::move(host);
      return verdict;
    }
  }
  if (remembered_drops_ < kRememberedDrops &&
      memo_.Insert(fingerprint, kFirstDropTag + static_cast<int>(reason))) {
    ++remembered_drops_;
  }
  return Dropped(reason);
}

std::map<std::string, int64_t> LinkScope::dropped() const {
  std::map<std::string, int64_t> counts;
  for (int reason = 0; reason < kReasons; ++reason) {
    if (dropped_[reason] > 0) counts[kReasonNames[reason]] = dropped_[reason];
  }
  return counts;
}

}  // namespace medscrape

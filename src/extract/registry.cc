#include "extract/registry.h"

#include <algorithm>
#include <utility>

namespace medscrape {
namespace {

Status CompileField(const std::string& where, const FieldRule& rule, CompiledField* out) {
  out->rule = &rule;
  out->selector = Selector(rule.selector);
  if (!rule.selector.empty() && !out->selector.ok()) {
    return Status::Error(where + " field " + rule.key + ": bad selector '" + rule.selector +
                         "': " + out->selector.error());
  }
  if (!rule.pattern.empty()) {
    out->pattern = std::make_unique<RE2>(rule.pattern, RE2::Quiet);
    if (!out->pattern->ok()) {
      return Status::Error(where + " field " + rule.key + ": bad pattern '" + rule.pattern +
                           "': " + out->pattern->error());
    }
  }
  return Status::Ok();
}

Status CompileSelector(const std::string& where, const std::string& css,
                       std::unique_ptr<Selector>* out) {
  if (css.empty()) return Status::Ok();
  *out = std::make_unique<Selector>(css);
  if (!(*out)->ok()) {
    return Status::Error(where + ": bad selector '" + css + "': " + (*out)->error());
  }
  return Status::Ok();
}

Status CompileCondition(const std::string& where, const ItemCondition& condition,
                        CompiledCondition* out) {
  if (condition.selector.empty()) return Status::Ok();
  Status status = CompileSelector(where, condition.selector, &out->selector);
  if (!status.ok()) return status;
  out->pattern = std::make_unique<RE2>(condition.pattern, RE2::Quiet);
  if (!out->pattern->ok()) {
    return Status::Error(where + ": bad pattern '" + condition.pattern +
                         "': " + out->pattern->error());
  }
  return Status::Ok();
}

Status CompileGroup(const std::string& where, const GroupRule& rule, CompiledGroup* out) {
  out->rule = &rule;
  out->item_selector = Selector(rule.item_selector);
  if (!out->item_selector.ok()) {
    return Status::Error(where + " group " + rule.key + ": bad selector '" + rule.item_selector +
                         "': " + out->item_selector.error());
  }
  Status status =
      CompileSelector(where + " group " + rule.key, rule.require_selector, &out->require_selector);
  if (status.ok())
    status = CompileCondition(where + " group " + rule.key + " when", rule.when, &out->when);
  if (status.ok()) {
    status = CompileCondition(where + " group " + rule.key + " unless", rule.unless, &out->unless);
  }
  if (!status.ok()) return status;
  out->fields.resize(rule.fields.size());
  for (size_t i = 0; i < rule.fields.size(); ++i) {
    status = CompileField(where + " group " + rule.key, rule.fields[i], &out->fields[i]);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

// An RE2 that must match from the start of the text (RE2::ANCHOR_START at use).
Status CompilePattern(const std::string& where, const std::string& pattern,
                      std::unique_ptr<RE2>* out) {
  if (pattern.empty()) return Status::Ok();
  *out = std::make_unique<RE2>(pattern, RE2::Quiet);
  if (!(*out)->ok()) {
    return Status::Error(where + ": bad pattern '" + pattern + "': " + (*out)->error());
  }
  return Status::Ok();
}

Status CompilePageType(const std::string& site, const PageTypeSpec& spec, CompiledPageType* out) {
  const std::string where = (site.empty() ? "generic" : site) + "/" + spec.name;
  out->spec = &spec;
  Status status = CompileSelector(where + " detect", spec.detect_selector, &out->detect_selector);
  if (!status.ok()) return status;
  status = CompilePattern(where + " path", spec.path_pattern, &out->path_pattern);
  if (!status.ok()) return status;
  out->fields.resize(spec.fields.size());
  for (size_t i = 0; i < spec.fields.size(); ++i) {
    status = CompileField(where, spec.fields[i], &out->fields[i]);
    if (!status.ok()) return status;
  }
  out->groups.resize(spec.groups.size());
  for (size_t i = 0; i < spec.groups.size(); ++i) {
    status = CompileGroup(where, spec.groups[i], &out->groups[i]);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Result<std::unique_ptr<CompiledSite>> CompileSite(const SiteSpec& spec) {
  auto site = std::make_unique<CompiledSite>();
  site->spec = &spec;
  if (!spec.host_pattern.empty()) {
    RE2::Options options;
    options.set_log_errors(false);
    options.set_case_sensitive(false);
    site->host_pattern = std::make_unique<RE2>(spec.host_pattern, options);
    if (!site->host_pattern->ok()) {
      return Status::Error(spec.name + ": bad host pattern: " + site->host_pattern->error());
    }
  }
  for (const std::string& hub : spec.hub_paths) {
    site->hub_paths.emplace_back();
    Status status = CompilePattern(spec.name + " hub", hub, &site->hub_paths.back());
    if (!status.ok()) return status;
  }
  site->page_types.resize(spec.page_types.size());
  for (size_t i = 0; i < spec.page_types.size(); ++i) {
    Status status = CompilePageType(spec.name, spec.page_types[i], &site->page_types[i]);
    if (!status.ok()) return status;
  }
  return site;
}

}  // namespace

bool CompiledCondition::Holds(Node item, bool if_none) const {
  if (selector == nullptr) return if_none;
  Node match = selector->SelectFirst(item);
  return match.valid() && RE2::PartialMatch(match.Text(), *pattern);
}

Result<std::unique_ptr<Registry>> Registry::Create(SiteSet sites) {
  return Create(std::move(sites.sites), std::move(sites.generic));
}

Result<std::unique_ptr<Registry>> Registry::Create(std::vector<SiteSpec> sites, SiteSpec generic) {
  std::unique_ptr<Registry> registry(new Registry());
  RE2::Options options;
  options.set_log_errors(false);
  registry->url_set_ = std::make_unique<RE2::Set>(options, RE2::UNANCHORED);
  for (SiteSpec& spec : sites) {
    registry->specs_.push_back(std::make_unique<SiteSpec>(std::move(spec)));
    Result<std::unique_ptr<CompiledSite>> site = CompileSite(*registry->specs_.back());
    if (!site.ok()) return site.status();
    registry->sites_.push_back(std::move(site).value());
  }
  for (const auto& site : registry->sites_) {
    for (const CompiledPageType& page_type : site->page_types) {
      if (page_type.spec->path_pattern.empty() || site->spec->host_pattern.empty()) continue;
      std::string error;
      if (registry->url_set_->Add(UrlPattern(*site->spec, *page_type.spec), &error) < 0) {
        return Status::Error(site->spec->name + "/" + page_type.spec->name +
                             ": bad URL pattern: " + error);
      }
      registry->set_routes_.push_back(Route{site.get(), &page_type});
    }
  }
  if (!registry->url_set_->Compile()) return Status::Error("URL patterns do not compile together");
  registry->specs_.push_back(std::make_unique<SiteSpec>(std::move(generic)));
  Result<std::unique_ptr<CompiledSite>> generic_site = CompileSite(*registry->specs_.back());
  if (!generic_site.ok()) return generic_site.status();
  registry->generic_ = std::move(generic_site).value();
  return registry;
}

std::string UrlPattern(const SiteSpec& site, const PageTypeSpec& page_type) {
  return "^(?i:https?://(?:" + site.host_pattern + "))(?::\\d+)?(?:" + page_type.path_pattern + ")";
}

const CompiledPageType* CompiledSite::PageTypeForPath(std::string_view path_and_query) const {
  const re2::StringPiece input(path_and_query.data(), path_and_query.size());
  for (const CompiledPageType& page_type : page_types) {
    if (page_type.path_pattern &&
        page_type.path_pattern->Match(input, 0, input.size(), RE2::ANCHOR_START, nullptr, 0)) {
      return &page_type;
    }
  }
  return nullptr;
}

const std::string* CompiledSite::MatchingHubPath(std::string_view path_and_query) const {
  const re2::StringPiece input(path_and_query.data(), path_and_query.size());
  for (size_t i = 0; i < hub_paths.size(); ++i) {
    if (hub_paths[i]->Match(input, 0, input.size(), RE2::ANCHOR_START, nullptr, 0)) {
      return &spec->hub_paths[i];
    }
  }
  return nullptr;
}

std::optional<Route> Registry::RouteUrl(std::string_view url) const {
  if (url.empty() || set_routes_.empty()) return std::nullopt;
  std::vector<int> matches;
  if (!url_set_->Match(re2::StringPiece(url.data(), url.size()), &matches)) return std::nullopt;
  int best = matches.front();
  for (int index : matches) best = std::min(best, index);  // Registration order breaks ties.
  return set_routes_[best];
}

const CompiledSite* Registry::FindSite(std::string_view name) const {
  for (const auto& site : sites_) {
    if (site->spec->name == name) return site.get();
  }
  return nullptr;
}

}  // namespace medscrape

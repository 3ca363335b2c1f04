#include "extract/site_file.h"

#include <re2/re2.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <utility>

#include "html/selector.h"

namespace medscrape {
namespace {

// Record keys the pipeline writes itself: a site file may not name them.
const std::set<std::string> kReservedKeys = {
    "schema_version", "url",        "site",     "page_type", "extractor", "content_sha256",
    "charset",        "fetched_at", "warnings", "http",      "change"};

const std::map<std::string, FieldType> kTypes = {
    {"text", FieldType::kText},     {"own_text", FieldType::kOwnText},
    {"attr", FieldType::kAttr},     {"url", FieldType::kUrl},
    {"count", FieldType::kCount},   {"date", FieldType::kDate},
    {"joined", FieldType::kJoined}, {"label", FieldType::kLabel},
    {"after", FieldType::kAfter}};

// Walks one file's YAML tree, building a SiteSpec; the first problem becomes the
// Status, worded "ORIGIN:LINE:COL: key 'PATH': WHAT".
class Reader {
 public:
  explicit Reader(const SiteFileSource& file) : file_(file) {}

  Result<SiteSpec> Read();

 private:
  Status Fail(const YAML::Node& at, const std::string& path, const std::string& what) const;
  // `map` is a mapping whose keys are all in `allowed`, none twice, and holds `required`.
  Status CheckKeys(const YAML::Node& map, const std::string& path,
                   std::initializer_list<const char*> allowed,
                   std::initializer_list<const char*> required) const;
  Status String(const YAML::Node& node, const std::string& path, std::string* out) const;
  Status Css(const YAML::Node& node, const std::string& path, std::string* out) const;
  Status Pattern(const YAML::Node& node, const std::string& path, std::string* out) const;
  Status ReadPage(const std::string& name, const YAML::Node& node, const std::string& path,
                  bool generic, PageTypeSpec* page) const;
  Status ReadFields(const YAML::Node& fields, const std::string& path, bool in_group,
                    PageTypeSpec* page, GroupRule* group) const;
  Status ReadSources(const std::string& key, const YAML::Node& sources, const std::string& path,
                     std::vector<FieldRule>* rules) const;
  Status ReadSource(const std::string& key, const YAML::Node& node, const std::string& path,
                    FieldRule* rule) const;
  Status ReadGroup(const std::string& key, const YAML::Node& node, const std::string& path,
                   GroupRule* group) const;
  Status ReadCondition(const YAML::Node& node, const std::string& path,
                       ItemCondition* condition) const;

  const SiteFileSource& file_;
};

Status Reader::Fail(const YAML::Node& at, const std::string& path, const std::string& what) const {
  const YAML::Mark mark = at.Mark();
  std::string where = file_.origin;
  if (!mark.is_null()) {
    where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }
  return Status::Error(where + ": " + (path.empty() ? "" : "key '" + path + "': ") + what);
}

std::string Join(std::initializer_list<const char*> names) {
  std::string joined;
  for (const char* name : names) joined += (joined.empty() ? "" : ", ") + std::string(name);
  return joined;
}

std::string Child(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

Status Reader::CheckKeys(const YAML::Node& map, const std::string& path,
                         std::initializer_list<const char*> allowed,
                         std::initializer_list<const char*> required) const {
  if (!map.IsMap()) return Fail(map, path, "expected a mapping of " + Join(allowed));
  std::set<std::string> seen;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    if (std::none_of(allowed.begin(), allowed.end(), [&](const char* a) { return key == a; })) {
      return Fail(it->first, Child(path, key), "unknown key (known here: " + Join(allowed) + ")");
    }
    if (!seen.insert(key).second) return Fail(it->first, Child(path, key), "given twice");
  }
  for (const char* key : required) {
    if (seen.count(key) == 0) return Fail(map, path, std::string("missing key '") + key + "'");
  }
  return Status::Ok();
}

Status Reader::String(const YAML::Node& node, const std::string& path, std::string* out) const {
  if (!node.IsScalar()) return Fail(node, path, "expected a string");
  *out = node.Scalar();
  return Status::Ok();
}

Status Reader::Css(const YAML::Node& node, const std::string& path, std::string* out) const {
  if (Status status = String(node, path, out); !status.ok()) return status;
  const Selector selector(*out);
  if (!selector.ok()) return Fail(node, path, "bad selector '" + *out + "': " + selector.error());
  return Status::Ok();
}

Status Reader::Pattern(const YAML::Node& node, const std::string& path, std::string* out) const {
  if (Status status = String(node, path, out); !status.ok()) return status;
  const RE2 re(*out, RE2::Quiet);
  if (!re.ok()) return Fail(node, path, "bad pattern '" + *out + "': " + re.error());
  return Status::Ok();
}

bool IsKeyName(const std::string& key, bool dotted) {
  static const RE2 kName(R"([A-Za-z_][A-Za-z0-9_]*)");
  static const RE2 kDotted(R"([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)");
  return RE2::FullMatch(key, dotted ? kDotted : kName);
}

Result<SiteSpec> Reader::Read() {
  YAML::Node root;
  try {
    root = YAML::Load(file_.text);
  } catch (const YAML::Exception& e) {
    return Status::Error(file_.origin + ":" + std::to_string(e.mark.line + 1) + ":" +
                         std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
  SiteSpec site;
  site.source = file_.origin;
  Status status = CheckKeys(root, "", {"site", "version", "hosts", "timezone", "follow", "pages"},
                            {"site", "version", "pages"});
  if (!status.ok()) return status;
  if (status = String(root["site"], "site", &site.name); !status.ok()) return status;
  static const RE2 kSiteName(R"([a-z0-9][a-z0-9.-]*)");
  if (!RE2::FullMatch(site.name, kSiteName)) {
    return Fail(root["site"], "site",
                "a site name is lower-case letters, digits, dots and "
                "dashes, like mfk.com");
  }
  const bool generic = site.name == kGenericSite;
  const YAML::Node version = root["version"];
  if (!version.IsScalar() || !RE2::FullMatch(version.Scalar(), R"([1-9][0-9]{0,8})")) {
    return Fail(version, "version", "expected a whole number from 1");
  }
  site.version = std::stoi(version.Scalar());
  if (generic) {
    for (const char* key : {"hosts", "follow"}) {
      if (root[key])
        return Fail(root[key], key,
                    "the generic site takes any host: no " + std::string(key) + " here");
    }
    site.name.clear();
  } else if (!root["hosts"]) {
    return Fail(root, "", "missing key 'hosts'");
  } else {
    if (status = Pattern(root["hosts"], "hosts", &site.host_pattern); !status.ok()) return status;
  }
  if (root["timezone"]) {
    if (status = String(root["timezone"], "timezone", &site.utc_offset); !status.ok())
      return status;
    if (!RE2::FullMatch(site.utc_offset, R"(Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])")) {
      return Fail(root["timezone"], "timezone", "expected a UTC offset like +08:00, or Z");
    }
  }
  if (const YAML::Node follow = root["follow"]) {
    if (!follow.IsSequence()) return Fail(follow, "follow", "expected a list of patterns");
    for (size_t i = 0; i < follow.size(); ++i) {
      site.hub_paths.emplace_back();
      status = Pattern(follow[i], "follow[" + std::to_string(i) + "]", &site.hub_paths.back());
      if (!status.ok()) return status;
    }
  }
  const YAML::Node pages = root["pages"];
  if (!pages.IsMap() || pages.size() == 0) {
    return Fail(pages, "pages", "expected a mapping of page types (name: {url, detect, fields})");
  }
  for (auto it = pages.begin(); it != pages.end(); ++it) {
    const std::string name = it->first.IsScalar() ? it->first.Scalar() : "";
    const std::string path = "pages." + name;
    if (!IsKeyName(name, false)) return Fail(it->first, path, "a page type name is a word");
    for (const PageTypeSpec& other : site.page_types) {
      if (other.name == name) return Fail(it->first, path, "given twice");
    }
    site.page_types.emplace_back();
    status = ReadPage(name, it->second, path, generic, &site.page_types.back());
    if (!status.ok()) return status;
  }
  return site;
}

Status Reader::ReadPage(const std::string& name, const YAML::Node& node, const std::string& path,
                        bool generic, PageTypeSpec* page) const {
  Status status = CheckKeys(node, path, {"url", "detect", "fields"}, {"fields"});
  if (!status.ok()) return status;
  page->name = name;
  if (const YAML::Node url = node["url"]) {
    if (generic) return Fail(url, path + ".url", "the generic site is chosen by no URL");
    if (status = Pattern(url, path + ".url", &page->path_pattern); !status.ok()) return status;
  }
  if (const YAML::Node detect = node["detect"]) {
    if (status = Css(detect, path + ".detect", &page->detect_selector); !status.ok()) return status;
  }
  const YAML::Node fields = node["fields"];
  if (!fields.IsMap() || fields.size() == 0) {
    return Fail(fields, path + ".fields", "expected a mapping of record keys");
  }
  return ReadFields(fields, path + ".fields", false, page, nullptr);
}

// The keys of one record (page) or one item (group), in order.
Status Reader::ReadFields(const YAML::Node& fields, const std::string& path, bool in_group,
                          PageTypeSpec* page, GroupRule* group) const {
  std::vector<std::string>& keys = in_group ? group->keys : page->keys;
  for (auto it = fields.begin(); it != fields.end(); ++it) {
    const std::string key = it->first.IsScalar() ? it->first.Scalar() : "";
    const std::string key_path = Child(path, key);
    if (!IsKeyName(key, in_group)) {
      return Fail(it->first, key_path,
                  in_group ? "a key is a word, or words joined by dots (doctor.name)"
                           : "a record key is a word (letters, digits, _)");
    }
    if (!in_group && kReservedKeys.count(key) > 0) {
      return Fail(it->first, key_path, "the pipeline writes this key itself");
    }
    for (const std::string& other : keys) {
      const auto nested = [](const std::string& outer, const std::string& inner) {
        return inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
               inner[outer.size()] == '.';
      };
      if (other == key || nested(other, key) || nested(key, other)) {
        return Fail(it->first, key_path, "clashes with the key '" + other + "'");
      }
    }
    keys.push_back(key);
    const YAML::Node value = it->second;
    if (value.IsMap() && !in_group) {
      page->groups.emplace_back();
      Status status = ReadGroup(key, value, key_path, &page->groups.back());
      if (!status.ok()) return status;
      continue;
    }
    if (!value.IsSequence()) {
      return Fail(value, key_path,
                  in_group ? "expected a list of sources (an empty list: always null)"
                           : "expected a list of sources, or a group (list: or object:)");
    }
    Status status = ReadSources(key, value, key_path, in_group ? &group->fields : &page->fields);
    if (!status.ok()) return status;
  }
  return Status::Ok();
}

Status Reader::ReadSources(const std::string& key, const YAML::Node& sources,
                           const std::string& path, std::vector<FieldRule>* rules) const {
  for (size_t i = 0; i < sources.size(); ++i) {
    FieldRule rule;
    Status status = ReadSource(key, sources[i], path + "[" + std::to_string(i) + "]", &rule);
    if (!status.ok()) return status;
    rules->push_back(std::move(rule));
  }
  return Status::Ok();
}

Status Reader::ReadSource(const std::string& key, const YAML::Node& node, const std::string& path,
                          FieldRule* rule) const {
  Status status =
      CheckKeys(node, path, {"css", "type", "attr", "index", "pattern", "unit", "required"}, {});
  if (!status.ok()) return status;
  rule->key = key;
  if (node["css"] && !(status = Css(node["css"], path + ".css", &rule->selector)).ok()) {
    return status;
  }
  if (const YAML::Node type = node["type"]) {
    std::string name;
    if (status = String(type, path + ".type", &name); !status.ok()) return status;
    const auto found = kTypes.find(name);
    if (found == kTypes.end()) {
      return Fail(type, path + ".type",
                  "unknown type '" + name +
                      "' (text, own_text, attr, url, count, date, joined, label, after)");
    }
    rule->type = found->second;
  }
  if (node["attr"] && !(status = String(node["attr"], path + ".attr", &rule->attr)).ok()) {
    return status;
  }
  if (const YAML::Node index = node["index"]) {
    if (!index.IsScalar() || !RE2::FullMatch(index.Scalar(), R"([0-9]{1,6})")) {
      return Fail(index, path + ".index", "expected a match number from 0");
    }
    rule->index = std::stoi(index.Scalar());
  }
  if (node["pattern"] &&
      !(status = Pattern(node["pattern"], path + ".pattern", &rule->pattern)).ok()) {
    return status;
  }
  if (node["unit"] && !(status = String(node["unit"], path + ".unit", &rule->unit)).ok()) {
    return status;
  }
  if (const YAML::Node required = node["required"]) {
    if (!required.IsScalar() || (required.Scalar() != "true" && required.Scalar() != "false")) {
      return Fail(required, path + ".required", "expected true or false");
    }
    rule->expected = required.Scalar() == "true";
  }
  const bool needs_attr = rule->type == FieldType::kAttr || rule->type == FieldType::kUrl;
  if (needs_attr && rule->attr.empty()) return Fail(node, path, "this type needs 'attr'");
  if (!rule->unit.empty() && rule->type != FieldType::kCount) {
    return Fail(node["unit"], path + ".unit", "only a count has a unit");
  }
  const bool needs_css = rule->type == FieldType::kLabel || rule->type == FieldType::kAfter ||
                         rule->type == FieldType::kJoined;
  if (needs_css && rule->selector.empty()) return Fail(node, path, "this type needs 'css'");
  return Status::Ok();
}

Status Reader::ReadGroup(const std::string& key, const YAML::Node& node, const std::string& path,
                         GroupRule* group) const {
  Status status =
      CheckKeys(node, path, {"list", "object", "require", "when", "unless", "fields"}, {"fields"});
  if (!status.ok()) return status;
  group->key = key;
  if (node["list"].IsDefined() == node["object"].IsDefined()) {
    return Fail(node, path,
                "a group has one of 'list' (every match an item) or 'object' (the "
                "first match, or null)");
  }
  group->is_list = node["list"].IsDefined();
  const char* selects = group->is_list ? "list" : "object";
  if (status = Css(node[selects], path + "." + selects, &group->item_selector); !status.ok()) {
    return status;
  }
  if (node["require"] &&
      !(status = Css(node["require"], path + ".require", &group->require_selector)).ok()) {
    return status;
  }
  if (node["when"] && !(status = ReadCondition(node["when"], path + ".when", &group->when)).ok()) {
    return status;
  }
  if (node["unless"] &&
      !(status = ReadCondition(node["unless"], path + ".unless", &group->unless)).ok()) {
    return status;
  }
  const YAML::Node fields = node["fields"];
  if (!fields.IsMap() || fields.size() == 0) {
    return Fail(fields, path + ".fields", "expected a mapping of item keys");
  }
  return ReadFields(fields, path + ".fields", true, nullptr, group);
}

Status Reader::ReadCondition(const YAML::Node& node, const std::string& path,
                             ItemCondition* condition) const {
  Status status = CheckKeys(node, path, {"css", "matches"}, {"css", "matches"});
  if (!status.ok()) return status;
  status = Css(node["css"], path + ".css", &condition->selector);
  if (!status.ok()) return status;
  return Pattern(node["matches"], path + ".matches", &condition->pattern);
}

Status ReadFile(const std::filesystem::path& path, std::string* text) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  if (!in && !in.eof()) return Status::Error(path.string() + ": cannot read");
  *text = out.str();
  return Status::Ok();
}

}  // namespace

Result<SiteSpec> ParseSiteFile(const SiteFileSource& file) { return Reader(file).Read(); }

Result<SiteSet> LoadSites(const std::vector<SiteFileSource>& builtin, const std::string& dir) {
  std::vector<SiteSpec> specs;
  std::map<std::string, std::string> from_dir;  // site name -> file, to refuse two.
  auto add = [&](SiteFileSource file, bool user) -> Status {
    Result<SiteSpec> spec = ParseSiteFile(file);
    if (!spec.ok()) return spec.status();
    const std::string name =
        spec.value().name.empty() ? std::string(kGenericSite) : spec.value().name;
    if (user) {
      auto [it, inserted] = from_dir.emplace(name, file.origin);
      if (!inserted) {
        return Status::Error(file.origin + ": site '" + name + "' is also defined by " +
                             it->second);
      }
    }
    auto same = std::find_if(specs.begin(), specs.end(),
                             [&](const SiteSpec& s) { return s.name == spec.value().name; });
    if (same != specs.end()) {
      *same = std::move(spec).value();
    } else {
      specs.push_back(std::move(spec).value());
    }
    return Status::Ok();
  };
  for (const SiteFileSource& file : builtin) {
    if (Status status = add(file, false); !status.ok()) return status;
  }
  if (!dir.empty()) {
    std::error_code error;
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
      if (entry.path().extension() == ".yaml" && !entry.is_directory())
        files.push_back(entry.path());
    }
    if (error) return Status::Error(dir + ": " + error.message());
    std::sort(files.begin(), files.end());
    for (const std::filesystem::path& path : files) {
      SiteFileSource file{path.string(), ""};
      if (Status status = ReadFile(path, &file.text); !status.ok()) return status;
      if (Status status = add(std::move(file), true); !status.ok()) return status;
    }
  }
  SiteSet set;
  auto generic =
      std::find_if(specs.begin(), specs.end(), [](const SiteSpec& s) { return s.name.empty(); });
  if (generic == specs.end()) return Status::Error("no site file named 'generic' was loaded");
  set.generic = std::move(*generic);
  specs.erase(generic);
  set.sites = std::move(specs);
  return set;
}

}  // namespace medscrape

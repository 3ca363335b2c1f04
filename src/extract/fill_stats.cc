#include "extract/fill_stats.h"

#include <cstdio>
#include <set>

#include "extract/sha256.h"

namespace medscrape {
namespace {

bool Filled(const Json& value) {
  if (value.is_array() || value.is_object()) return !value.empty();
  return !value.is_null();
}

// "summary: not found" -> "summary"; "html truncated" -> "html truncated".
std::string WarningField(const std::string& warning) {
  const size_t colon = warning.find(": ");
  return colon == std::string::npos ? warning : warning.substr(0, colon);
}

std::string Text(const Json& value, const char* fallback) {
  return value.is_string() ? value.get<std::string>() : fallback;
}

std::string Rate(double rate) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.2f", rate);
  return text;
}

}  // namespace

bool IsProvenanceKey(const std::string& key) {
  static const std::set<std::string> kProvenance = {
      "schema_version", "url",        "site",     "page_type", "extractor", "content_sha256",
      "charset",        "fetched_at", "warnings", "http",      "change"};
  return kProvenance.count(key) > 0;
}

std::string FieldsSha256(const Json& record) {
  Json fields = Json::object();
  for (const auto& [key, value] : record.items()) {
    if (!IsProvenanceKey(key)) fields[key] = value;
  }
  return Sha256Hex(fields.dump(-1, ' ', false, Json::error_handler_t::replace));
}

void FillStats::Add(const Json& record) {
  if (!record.is_object()) return;
  ++records_;
  Group& group = groups_[{Text(record.value("site", Json()), "generic"),
                          Text(record.value("page_type", Json()), "generic")}];
  ++group.records;
  for (const auto& [key, value] : record.items()) {
    if (!IsProvenanceKey(key)) AddValue(group, key, value);
  }
  const Json& warnings = record.value("warnings", Json::array());
  if (!warnings.is_array()) return;
  for (const Json& warning : warnings) {
    if (warning.is_string()) ++group.warnings[WarningField(warning.get<std::string>())];
  }
}

// The field itself, then the keys inside it: of an object ("disease.name"), or of the
// objects of a list ("answers[].text", counted over the list's elements).
void FillStats::AddValue(Group& group, const std::string& path, const Json& value) {
  Field& field = group.fields[path];
  ++field.of;
  if (Filled(value)) ++field.filled;
  if (value.is_object()) {
    for (const auto& [key, child] : value.items()) AddValue(group, path + "." + key, child);
  } else if (value.is_array()) {
    for (const Json& element : value) {
      if (!element.is_object()) continue;
      for (const auto& [key, child] : element.items()) {
        AddValue(group, path + "[]." + key, child);
      }
    }
  }
}

Json FillStats::ToJson() const {
  Json sites = Json::object();
  for (const auto& [key, group] : groups_) {
    Json fields = Json::object();
    for (const auto& [path, field] : group.fields) {
      fields[path] = {{"filled", field.filled},
                      {"of", field.of},
                      {"rate", static_cast<double>(field.filled) / field.of}};
    }
    sites[key.first][key.second] = {
        {"records", group.records}, {"fields", fields}, {"warnings", group.warnings}};
  }
  return sites;
}

std::vector<Drift> FindDrift(const Json& current, const Json& baseline, const DriftOptions& options,
                             const std::string& baseline_label) {
  std::vector<Drift> found;
  if (!current.is_object() || !baseline.is_object()) return found;
  for (const auto& [site, types] : current.items()) {
    if (!types.is_object() || !baseline.contains(site) || !baseline[site].is_object()) continue;
    for (const auto& [type, now] : types.items()) {
      const Json& before_type = baseline[site].value(type, Json());
      if (!now.is_object() || !before_type.is_object()) continue;
      const int64_t records_now = now.value("records", int64_t{0});
      const int64_t records_before = before_type.value("records", int64_t{0});
      if (records_now < options.min_records || records_before < options.min_records) continue;
      const Json& fields_now = now.value("fields", Json::object());
      const Json& fields_before = before_type.value("fields", Json::object());
      if (!fields_now.is_object() || !fields_before.is_object()) continue;
      for (const auto& [field, rate_now] : fields_now.items()) {
        const Json& rate_before = fields_before.value(field, Json());
        if (!rate_now.is_object() || !rate_before.is_object()) continue;
        const double after = rate_now.value("rate", 0.0);
        const double before = rate_before.value("rate", 0.0);
        if (before - after > options.threshold) {
          found.push_back(
              Drift{site, type, field, before, after, records_before, records_now, baseline_label});
        }
      }
    }
  }
  return found;
}

std::string DescribeDrift(const Drift& drift) {
  return drift.site + " " + drift.page_type + " " + drift.field + " " + Rate(drift.before) +
         " -> " + Rate(drift.after) + " (" + std::to_string(drift.records_after) +
         " records; baseline " + drift.baseline + ")";
}

Json DriftToJson(const std::vector<Drift>& drift) {
  Json list = Json::array();
  for (const Drift& d : drift) {
    list.push_back({{"site", d.site},
                    {"page_type", d.page_type},
                    {"field", d.field},
                    {"before", d.before},
                    {"after", d.after},
                    {"records_before", d.records_before},
                    {"records_after", d.records_after},
                    {"baseline", d.baseline}});
  }
  return list;
}

}  // namespace medscrape

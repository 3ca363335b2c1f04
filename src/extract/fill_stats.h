// How well the site files still fit the pages: per site and page type, the share of
// records (and of list elements, for fields inside lists) in which each field was found,
// and the warnings per field. A field whose share falls between two runs is the first sign
// that a site changed its layout: FindDrift says which. Used by `crawl` (every run, against
// the job's previous run) and `extract --stats/--baseline`.
//
// Field paths: a top-level key ("summary"), a key inside an object ("disease.name"), a key
// of the objects in a list ("answers[].doctor.hospital", over all answers of all records).
// Filled means not null and not an empty list or object. Provenance keys (url, site,
// fetched_at, warnings, ...) are not fields.
//
// The JSON (FillStats::ToJson, the "sites" of a stats file):
//   {"mfk.com": {"article": {"records": 200,
//      "fields": {"summary": {"filled": 198, "of": 200, "rate": 0.99}, ...},
//      "warnings": {"summary": 2, ...}}}}
// Thread-safety: none.
#ifndef MEDSCRAPE_EXTRACT_FILL_STATS_H_
#define MEDSCRAPE_EXTRACT_FILL_STATS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "extract/site_spec.h"

namespace medscrape {

// Keys of a record that say where and how it was made, not what the page holds.
bool IsProvenanceKey(const std::string& key);

// SHA-256 (hex) of a record's fields without provenance: equal for two fetches of a page
// whose extracted content is the same, whatever changed in its HTML around it.
std::string FieldsSha256(const Json& record);

class FillStats {
 public:
  void Add(const Json& record);
  Json ToJson() const;
  int64_t records() const { return records_; }

 private:
  struct Field {
    int64_t filled = 0, of = 0;
  };
  struct Group {
    int64_t records = 0;
    std::map<std::string, Field> fields;
    std::map<std::string, int64_t> warnings;
  };
  void AddValue(Group& group, const std::string& path, const Json& value);
  std::map<std::pair<std::string, std::string>, Group> groups_;  // (site, page type)
  int64_t records_ = 0;
};

struct DriftOptions {
  double threshold = 0.25;   // A fall of more than this (absolute) is drift.
  int64_t min_records = 20;  // Records of the site and type needed in both.
};

struct Drift {
  std::string site, page_type, field;
  double before = 0, after = 0;
  int64_t records_before = 0, records_after = 0;
  std::string baseline;  // Where the baseline came from (a run's time, a file).
};

// Fields of `current` (FillStats::ToJson) whose rate fell by more than the threshold
// against `baseline`, for each site and type with at least min_records in both. A site
// or type absent from either, and a field absent from either, is no drift.
std::vector<Drift> FindDrift(const Json& current, const Json& baseline, const DriftOptions& options,
                             const std::string& baseline_label);

// "mfk.com article summary 0.99 -> 0.00 (200 records; baseline run 2026-12-03T02:00:00Z)"
std::string DescribeDrift(const Drift& drift);
Json DriftToJson(const std::vector<Drift>& drift);

}  // namespace medscrape

#endif  // MEDSCRAPE_EXTRACT_FILL_STATS_H_

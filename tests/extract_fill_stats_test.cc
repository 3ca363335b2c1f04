// FillStats (fill rates per site, page type and field, nested ones too), FieldsSha256 and
// FindDrift.
#include <catch2/catch.hpp>

#include "extract/fill_stats.h"

namespace medscrape {
namespace {

Json Record(const Json& summary, const Json& answers, const Json& warnings = Json::array()) {
  return {{"schema_version", 1}, {"url", "https://a/1"},
          {"site", "mfk.com"},   {"page_type", "article"},
          {"title", "t"},        {"summary", summary},
          {"answers", answers},  {"disease", {{"name", "n"}, {"description", nullptr}}},
          {"fetched_at", "x"},   {"warnings", warnings}};
}

TEST_CASE("FillStats counts top-level, object and list fields, and warnings per field", "[fill]") {
  FillStats stats;
  const Json answer_full = {{"doctor", {{"name", "王"}, {"hospital", "协和"}}}, {"text", "a"}};
  const Json answer_bare = {{"doctor", {{"name", "李"}, {"hospital", nullptr}}}, {"text", "b"}};
  stats.Add(Record("s", Json::array({answer_full, answer_bare})));
  stats.Add(Record(nullptr, Json::array(), Json::array({"summary: not found"})));
  const Json json = stats.ToJson();
  const Json& group = json["mfk.com"]["article"];
  CHECK(group["records"] == 2);
  CHECK(group["fields"]["summary"] == Json{{"filled", 1}, {"of", 2}, {"rate", 0.5}});
  CHECK(group["fields"]["answers"]["rate"] == 0.5);
  CHECK(group["fields"]["answers[].doctor.hospital"] ==
        Json{{"filled", 1}, {"of", 2}, {"rate", 0.5}});
  CHECK(group["fields"]["answers[].text"]["rate"] == 1.0);
  CHECK(group["fields"]["disease.description"]["rate"] == 0.0);
  CHECK_FALSE(group["fields"].contains("url"));  // Provenance is no field.
  CHECK_FALSE(group["fields"].contains("fetched_at"));
  CHECK(group["warnings"] == Json{{"summary", 1}});
}

TEST_CASE("FieldsSha256 ignores provenance, sees every field", "[fill]") {
  Json a = Record("s", Json::array());
  Json b = a;
  b["fetched_at"] = "later";
  b["url"] = "https://a/2";
  b["warnings"] = Json::array({"html truncated"});
  CHECK(FieldsSha256(a) == FieldsSha256(b));
  b["summary"] = "other";
  CHECK(FieldsSha256(a) != FieldsSha256(b));
}

TEST_CASE("FindDrift: a fall past the threshold with enough records in both", "[fill]") {
  auto group = [](int64_t records, double rate) {
    Json sites;
    sites["mfk.com"]["article"]["records"] = records;
    sites["mfk.com"]["article"]["fields"]["summary"] = {
        {"filled", 0}, {"of", records}, {"rate", rate}};
    return sites;
  };
  const DriftOptions options{0.25, 20};
  const std::vector<Drift> found = FindDrift(group(200, 0.0), group(100, 0.99), options, "run X");
  REQUIRE(found.size() == 1);
  CHECK(DescribeDrift(found[0]) ==
        "mfk.com article summary 0.99 -> 0.00 (200 records; baseline run X)");
  CHECK(FindDrift(group(200, 0.75), group(100, 0.99), options, "").empty());  // 0.24
  CHECK(FindDrift(group(19, 0.0), group(100, 0.99), options, "").empty());    // Too few now.
  CHECK(FindDrift(group(200, 0.0), group(19, 0.99), options, "").empty());    // Too few then.
  CHECK(FindDrift(group(200, 1.0), group(100, 0.0), options, "").empty());    // A rise.
  CHECK(FindDrift(group(200, 0.0), Json::object(), options, "").empty());     // No baseline.
}

}  // namespace
}  // namespace medscrape

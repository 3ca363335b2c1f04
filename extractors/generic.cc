// Any page no site file claims: title, description and published date from the
// document head, so an unknown page still yields a useful record.
#include "extractors/sites.h"

namespace medscrape {
namespace {

// An ISO 8601 date-time that carries its own offset is kept as written; anything
// else goes through the date normaliser, which keeps only the date because the
// time zone of an unknown site is unknown.
constexpr const char* kIsoWithOffset =
    R"(^\s*(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2}))\s*$)";

PageTypeSpec Generic() {
  PageTypeSpec spec;
  spec.name = "generic";
  spec.keys = {"title", "published", "views", "description"};
  spec.fields = {
      {"title", "meta[property=\"og:title\"]", FieldType::kAttr, 0, "content"},
      {"title", "title", FieldType::kText, 0, "", "", "", true},
      {"description", "meta[name=description]", FieldType::kAttr, 0, "content"},
      {"description", "meta[property=\"og:description\"]", FieldType::kAttr, 0, "content"},
      {"published", "meta[property=\"article:published_time\"]", FieldType::kAttr, 0, "content",
       kIsoWithOffset},
      {"published", "meta[property=\"article:published_time\"]", FieldType::kDate, 0, "content"},
      {"published", "time[datetime]", FieldType::kAttr, 0, "datetime", kIsoWithOffset},
      {"published", "time[datetime]", FieldType::kDate, 0, "datetime"},
  };
  return spec;
}

}  // namespace

SiteSpec GenericSite() {
  SiteSpec site;
  site.name = "";
  site.version = 1;
  site.page_types = {Generic()};
  return site;
}

}  // namespace medscrape

// club.xywy.com (寻医问药), GBK (declared gb2312, or not at all). Question pages
// /static/<YYYYMMDD>/<id>.htm. No view count. See SITES.md.
#include "extractors/sites.h"

namespace medscrape {
namespace {

PageTypeSpec Question() {
  PageTypeSpec spec;
  spec.name = "question";
  spec.path_pattern = R"(/static/\d{8}/\d+\.htm)";
  spec.detect_selector = "#qdetailc";
  spec.keys = {"title", "published", "views", "question", "answers"};
  spec.fields = {
      {"title", "p.fl.dib.fb[title]", FieldType::kAttr, 0, "title", "", "", true},
      {"title", "p.fl.dib.fb"},
      {"published", ".Userinfo span.User_time", FieldType::kDate, 0, "", "", "", true},
      {"question", "#qdetailc > div:first-child", FieldType::kText, 0, "", "", "", true},
      {"question", "#qdetailc"},
  };
  GroupRule answers;
  answers.key = "answers";
  answers.item_selector = "div.docall";  // Bestbg marks the best answer.
  answers.keys = kDoctorKeys;
  answers.keys.insert(answers.keys.end(), {"text", "published"});
  answers.fields = {
      {"doctor.name", "a.Doc_bla", FieldType::kText, 0, "", "", "", true},
      {"doctor.title", "span.btn-a"},
      {"doctor.hospital", "span.Doc_hos"},
      // Class tokens, not the attribute string (which has two spaces in it).
      {"text", "div.pt15.f14.graydeep.pl20.pr20", FieldType::kText, 0, "", "", "", true},
      {"published", "span.Doc_time", FieldType::kDate, 0, "", "", "", true},
  };
  spec.groups = {std::move(answers)};
  return spec;
}

}  // namespace

SiteSpec XywySite() {
  SiteSpec site;
  site.name = "xywy.com";
  site.host_pattern = R"(club\.xywy\.com)";
  site.hub_paths = {R"(/keshi/\d{4}-\d{2}-\d{2}/\d+\.html)"};  // Per-day lists, paged.
  site.version = 1;
  site.utc_offset = kChinaOffset;
  site.page_types = {Question()};
  return site;
}

}  // namespace medscrape
